"""What every node kind shares: the base fields (records, :mod:`snncost.records`) and the
field types, and the sliding-window geometry of PyTorch's output-size arithmetic.

Shapes carry no batch and no time dimension: ``(C, H, W)`` for images, ``(C, L)`` for
sequences, ``(F,)`` for vectors; channels are always dimension 0.  Shape rules use only
``+ - * //`` so they work unchanged on Python ints (exact) and on sympy symbols
(closed-form formulas, :mod:`snncost.formula`); checks that need a number are skipped
for symbolic sizes.
"""
from __future__ import annotations

from typing import Optional

from ..errors import ShapeError
from ..records import (MAX_SIZE, NAME_PATTERN, Bits, InputName, Name, NonNegativeInt, PadPair, Pair, PositiveInt,
                       Probability, SpecRecord, StrictBool)

__all__ = ["MAX_SIZE", "NAME_PATTERN", "Bits", "InputName", "Name", "NonNegativeInt", "PadPair", "Pair", "PositiveInt",
           "Probability", "StrictBool", "NodeBase", "WeightedNode"]

Shape = tuple


class NodeBase(SpecRecord):
    """Fields every node has.

    ``inputs`` names the nodes feeding this one; when omitted, the node listed
    just before it (or the network input, for the first node).  ``static`` marks
    a node computed once outside the time loop (EfficientLIF-Net's code runs its
    first conv on the static image once, not at every timestep).
    """

    name: Name
    inputs: Optional[list[InputName]] = None
    static: StrictBool = False


class WeightedNode(NodeBase):
    """A node with weights; ``weight_bits`` overrides the network's weight precision."""

    weight_bits: Optional[Bits] = None
    bias: StrictBool = True


# --------------------------------------------------------------------------- geometry
def pair(value) -> tuple:
    """``k`` or ``(k_h, k_w)`` -> a tuple (``(k, k)`` for a single number)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def known(value) -> bool:
    """True for a number (shape checks are skipped for sympy symbols)."""
    return isinstance(value, int)


def where(node, field: str | None = None) -> str:
    return f"node '{node.name}'" + (f" field '{field}'" if field else "")


RANK_FORMS = {1: "(F,)", 2: "(C, L)", 3: "(C, H, W)"}
"""The batch-free layout of an input of each rank, as error messages name it."""
AXES = {1: ("length",), 2: ("height", "width")}
"""The names of the spatial axes of a map with 1 or 2 spatial dimensions."""


def expect_rank(node, shape: Shape, ranks: tuple[int, ...], layout: str | None = None) -> None:
    """Refuses an input whose rank is not one of ``ranks``; the message names ``layout``
    (default: the channels-first layouts of ``ranks``, in that order)."""
    if len(shape) not in ranks:
        what = layout or " or ".join(RANK_FORMS[r] for r in ranks)
        raise ShapeError(where(node), f"{node.op} needs a {what} input, got shape {list(shape)}",
                         f"an input of rank {' or '.join(map(str, sorted(ranks)))} (channels first, no batch)")


def spatial_dims(node) -> int:
    """2 for a ``...2d`` kind, 1 for a ``...1d`` one (the name's suffix is the kind's
    declared dimensionality)."""
    return 2 if node.op.endswith("2d") else 1


def sliding_size(node, size, kernel, stride, padding, dilation, axis: int = 0, dims: int = 1):
    """PyTorch: floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1, along
    spatial axis ``axis`` of a map with ``dims`` spatial dimensions (for the message)."""
    out = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    if known(out) and out < 1:
        dim = AXES[dims][axis]
        raise ShapeError(where(node, "kernel"),
                         f"kernel {kernel} (dilation {dilation}, padding {padding}) does not fit the {dim} input size {size}",
                         f"a larger input, a smaller kernel/stride, or more padding (output {dim} would be {out})")
    return out


def valid_taps(size: int, out: int, kernel: int, stride: int, pad: int, dilation: int) -> int:
    """Pairs (output position o, kernel tap j) whose input position o s - p + j d lies on
    the input (0 <= . < size): the taps NeuroBench's all-ones Dense count sees."""
    total = 0
    for j in range(kernel):
        offset = j * dilation - pad                    # input position of tap j at output 0
        low = max(0, -(offset // stride))              # ceil(-offset / stride)
        high = min(out - 1, (size - 1 - offset) // stride)
        total += max(0, high - low + 1)
    return total


def same_shape(node, input_shapes: list) -> Shape:
    """Shape rule of element-wise kinds: the output has the input's shape."""
    return input_shapes[0]


def hardware_passthrough(node, input_shapes, output_shape) -> dict:
    """The ``hardware`` rule of kinds fused into the read of their input (snncost.hw)."""
    return {"role": "passthrough"}
