"""Node kinds of a snncost network spec: one small pydantic model per kind.

Each class documents what the node computes; shape and count rules live in
:mod:`snncost.shapes` and :mod:`snncost.counts` (one function per kind), so adding
a node kind means adding one class here and one rule in each table.

Shapes carry no batch and no time dimension: ``(C, H, W)`` for images, ``(C, L)``
for sequences, ``(F,)`` for vectors.  Channels are always dimension 0.
"""
from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

MAX_SIZE = 10**18
"""Largest size, count or channel number a spec may give: results stay exact Python ints
of a printable length, far beyond any real network (docs/errors.md)."""

PositiveInt = Annotated[StrictInt, Field(gt=0, le=MAX_SIZE)]
NonNegativeInt = Annotated[StrictInt, Field(ge=0, le=MAX_SIZE)]
Pair = Union[PositiveInt, tuple[PositiveInt, PositiveInt]]
PadPair = Union[NonNegativeInt, tuple[NonNegativeInt, NonNegativeInt]]
# strict: a bit width is a number (int or float), never a bool or a string; finite
Bits = Annotated[float, Field(gt=0, le=64, strict=True, allow_inf_nan=False)]

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.\-]*$"


class NodeBase(BaseModel):
    """Fields every node has.

    ``inputs`` names the nodes feeding this one; when omitted, the node listed
    just before it (or the network input, for the first node).  ``static`` marks
    a node computed once outside the time loop (EfficientLIF-Net's code runs its
    first conv on the static image once, not at every timestep).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: Annotated[str, Field(pattern=NAME_PATTERN, max_length=200)]
    inputs: Optional[list[Annotated[str, Field(max_length=200)]]] = None
    static: StrictBool = False


class WeightedNode(NodeBase):
    """A node with weights; ``weight_bits`` overrides the network's weight precision."""

    weight_bits: Optional[Bits] = None
    bias: StrictBool = True


class Conv2d(WeightedNode):
    """2-D convolution, PyTorch semantics.

    out = floor((in + 2 p - d (k - 1) - 1) / s) + 1 per spatial dimension;
    weights = C_out x C_in / groups x k_h x k_w, plus C_out biases.
    ``padding: same`` keeps the size (stride 1 only, as in PyTorch).
    """

    op: Literal["conv2d"]
    out_channels: PositiveInt
    kernel: Pair
    stride: Pair = 1
    padding: Union[PadPair, Literal["same", "valid"]] = 0
    dilation: Pair = 1
    groups: PositiveInt = 1


class Conv1d(WeightedNode):
    """1-D convolution over (C, L), PyTorch semantics (see :class:`Conv2d`)."""

    op: Literal["conv1d"]
    out_channels: PositiveInt
    kernel: PositiveInt
    stride: PositiveInt = 1
    padding: Union[NonNegativeInt, Literal["same", "valid"]] = 0
    dilation: PositiveInt = 1
    groups: PositiveInt = 1


class Linear(WeightedNode):
    """Fully connected layer on the last dimension: y = W x + b, W is out x in."""

    op: Literal["linear"]
    out_features: PositiveInt


class Pool(NodeBase):
    """Average, max or sum pooling (``avgpool2d``, ``maxpool2d``, ``sumpool2d`` and
    their 1-D forms).  ``stride`` defaults to ``kernel``; floor output size."""

    op: Literal["avgpool2d", "maxpool2d", "sumpool2d", "avgpool1d", "maxpool1d", "sumpool1d"]
    kernel: Pair
    stride: Optional[Pair] = None
    padding: PadPair = 0


class GlobalAvgPool(NodeBase):
    """Global (adaptive, output 1) average pooling: (C, H, W) -> (C, 1, 1)."""

    op: Literal["global_avgpool"]


class Flatten(NodeBase):
    """Flattens the whole (batch-free) shape to a vector."""

    op: Literal["flatten"]


class Add(NodeBase):
    """Element-wise sum of two or more same-shape inputs (residual connection)."""

    op: Literal["add"]


class Concat(NodeBase):
    """Concatenation of two or more inputs along the channel dimension."""

    op: Literal["concat"]


class BatchNorm(NodeBase):
    """Batch normalisation: 2 C affine parameters (gamma, beta) and 2 C running
    statistics (buffers, not state: they do not change during inference)."""

    op: Literal["batchnorm"]
    affine: StrictBool = True
    weight_bits: Optional[Bits] = None


class Passthrough(NodeBase):
    """Dropout or identity: no parameters, no state, shape unchanged."""

    op: Literal["dropout", "identity"]
    p: Annotated[float, Field(ge=0, lt=1)] = 0.0


class Neuron(NodeBase):
    """A spiking neuron site (shape unchanged: one neuron per input element).

    - ``lif``: U[t] = lambda U[t-1] + X[t]; spike when U > theta (EfficientLIF-Net Eq. 1-2).
    - ``if``: lambda = 1.
    - ``cubalif``: current-based LIF, two state variables (membrane v, synaptic current i).
    - ``mlif``: one-hot multi-level LIF with ``lanes`` = S spike lanes of weight 2^s theta.

    ``reset``: ``soft`` subtracts the threshold, ``hard`` sets U to 0.  Only soft reset
    can be reversed (EfficientLIF-Net Sec. 5.3.4, Eq. 18-19).
    ``layer_group`` names the cross-layer sharing group (EfficientLIF-Net Eq. 4-6) of the
    spec's ``node-fields`` grouping.
    """

    op: Literal["lif", "if", "cubalif", "mlif"]
    reset: Literal["soft", "hard"] = "soft"
    layer_group: Optional[Annotated[str, Field(pattern=NAME_PATTERN, max_length=200)]] = None
    lanes: PositiveInt = 1
    membrane_bits: Optional[Bits] = None
    spike_bits: Optional[Bits] = None

    @field_validator("lanes")
    @classmethod
    def _lanes_only_for_mlif(cls, lanes, info):
        if lanes != 1 and info.data.get("op") != "mlif":
            raise ValueError("lanes > 1 needs op 'mlif' (multi-level LIF)")
        return lanes

    @property
    def state_variables(self) -> int:
        """Membrane state variables per neuron: v (and i for current-based LIF)."""
        return 2 if self.op == "cubalif" else 1


Node = Annotated[
    Union[Conv2d, Conv1d, Linear, Pool, GlobalAvgPool, Flatten, Add, Concat, BatchNorm, Passthrough, Neuron],
    Field(discriminator="op"),
]

NODE_CLASSES = (Conv2d, Conv1d, Linear, Pool, GlobalAvgPool, Flatten, Add, Concat, BatchNorm, Passthrough, Neuron)


def node_kinds() -> list[str]:
    """Every valid ``op`` value, for error messages and docs."""
    kinds: list[str] = []
    for cls in NODE_CLASSES:
        kinds.extend(cls.model_fields["op"].annotation.__args__)
    return kinds


NEURON_KINDS = ("lif", "if", "cubalif", "mlif")
