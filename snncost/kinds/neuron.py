"""Spiking neurons (``lif``, ``if``, ``cubalif``, ``mlif``): one neuron per input element."""
from __future__ import annotations

from math import prod
from typing import Literal, Optional

from ..nir_rules import neuron_rule
from ..training.saved import Saved
from .base import Bits, Name, NodeBase, PositiveInt, same_shape
from .registry import NodeKind, add_kind, state_variables


class NeuronBase(NodeBase):
    """Fields every spiking neuron kind has (reset, layer group, bit widths; and
    ``lanes``, declared after ``op`` by each kind); :func:`snncost.register_node_kind`
    gives a user neuron kind these fields and ``lanes: 1``."""

    reset: Literal["soft", "hard"] = "soft"
    layer_group: Optional[Name] = None
    membrane_bits: Optional[Bits] = None
    spike_bits: Optional[Bits] = None

    @property
    def state_variables(self) -> int:
        """Membrane state variables per neuron (from the kind's registry entry)."""
        return state_variables(self)


def _lanes_only_for_mlif(lanes, fields):
    """Validation of ``lanes``: more than one lane only on an ``mlif`` node."""
    if lanes != 1 and fields.get("op") != "mlif":
        raise ValueError("lanes > 1 needs op 'mlif' (multi-level LIF)")
    return lanes


class Neuron(NeuronBase):
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
    lanes: PositiveInt = 1

    validators = {"lanes": _lanes_only_for_mlif}


def _train_saved(node, input_shapes, output_shape, ctx):
    """BPTT: the spike function's input (one membrane per site and call; a hard reset's
    mask 1 - s too).  Reverse recomputation (EfficientLIF-Net Eq. 18-19): the forward
    buffer the site owns, once per step (and the spike codes where the profile keeps them)."""
    if not ctx.tracked:
        return []
    dtype = ctx.membrane_bytes[node.name]
    if ctx.training == "reverse":
        kept = [Saved("membrane buffer (reverse)", ctx.buffer_elements.get(node.name, 0), dtype, scope="step")]
        if ctx.profile.reverse_keeps_spikes:  # Eq. 18-19 need the spikes O: the site's own output storage
            kept.append(Saved("spike codes", None, ctx.dtype_bytes[node.name], scope="output", source=node.name))
        return kept
    kept = [Saved("membrane", prod(output_shape), dtype)]
    if node.reset == "hard" and ctx.profile.hard_reset_mask:
        kept.append(Saved("reset mask", prod(output_shape), dtype))
    return kept


def _train_note(node, profile):
    if node.op == "mlif":
        return "mlif sites are counted as one spike-function input per site and timestep (not validated in torch)"
    return None


def _torch(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    """The reference neuron module (snncost.training.reference): IF does not leak."""
    from ..training.reference import neuron_module

    return neuron_module(node, leaky=node.op != "if")


_DOC = ("`reset` (`soft` or `hard`, default soft), `layer_group`, `lanes` (S, `mlif` only), `membrane_bits`, "
        "`spike_bits`", "unchanged: one neuron per element",
        "0; state variables per neuron: 1 (`cubalif`: 2, v and i)")
# neuron_model: the NeuroBench model an update is priced as (snncost.opcount.NEURON_MODELS; IF: Leaky, beta 1)
for _op, _state, _model in (("lif", ("v",), "leaky"), ("if", ("v",), "leaky"), ("cubalif", ("v", "i"), "synaptic"),
                            ("mlif", ("v",), "leaky")):
    add_kind(NodeKind(_op, Neuron, shape=same_shape, state_variables=_state, family="neuron", doc=_DOC,
                      rules={"neuron_model": _model, "train_saved": _train_saved, "train_note": _train_note,
                             "torch": _torch, "nir": neuron_rule(_op)}))
