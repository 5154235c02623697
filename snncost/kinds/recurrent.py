"""Recurrent cells (``lstm``): one LSTM cell step per timestep on the last dimension.

Yao et al. (seed 002) Eq. 14 counts an LSTM layer as (c_in + c_out) x c_out x 4
multiply-accumulates: the four gates (input, forget, cell, output) each a c_out x c_in
input map and a c_out x c_out recurrent map.  Parameters as PyTorch's ``nn.LSTMCell``:
4 c_out (c_in + c_out) weights and 2 x 4 c_out biases (``bias``).  The cell's own state
(h, c) is analog; its gate nonlinearities and element-wise products are not counted.

Training memory (``train_saved``): what PyTorch's ``nn.LSTMCell`` keeps on CPU, where
``lstm_cell`` is composed of ``linear`` calls and element-wise steps (ATen's RNN.cpp):
gates = W_ih x + b_ih + W_hh h + b_hh (4 hidden), i, f, o = sigmoid, g = tanh of its
chunks in place, c' = f c + i g, h' = o tanh(c').  Measured in tests/test_training_torch.py.
"""
from __future__ import annotations

from math import prod
from typing import Literal

from ..training.saved import Saved, autocast_weight, weighted_input
from ..nir_rules import LSTM as NIR_LSTM
from .base import PositiveInt, WeightedNode
from .registry import NodeKind, add_kind


class LSTM(WeightedNode):
    """An LSTM cell on the last dimension: c_in -> ``hidden`` features per token."""

    op: Literal["lstm"]
    hidden: PositiveInt


def _shape(node, input_shapes):
    return (*input_shapes[0][:-1], node.hidden)


def _weight_dims(node, in_shape):
    return (4 * node.hidden, in_shape[-1] + node.hidden)


def _params(node, input_shapes):
    return prod(_weight_dims(node, input_shapes[0])) + (8 * node.hidden if node.bias else 0)


def _macs(node, input_shapes, out):
    """(c_in + c_out) x c_out x 4 per token (seed 002 Eq. 14)."""
    return prod(out[:-1]) * (input_shapes[0][-1] + node.hidden) * node.hidden * 4


def _bias_ops(node, input_shapes, out):
    return 8 * prod(out) if node.bias else 0


def _train_saved(node, input_shapes, output_shape, ctx):
    """Per call: the input (its autocast copy under autocast), the gates (sigmoid and tanh
    outputs in place: 4 hidden, in the gate dtype) and tanh(c') (hidden); h and c handed
    to the next call (carried: T - 1 copies; h is the node's own output, or an autocast
    copy per call when the output is not in the autocast dtype); the zeros of the first
    call's (h, c) (one storage, input dtype); under autocast the copies of W_ih (when the
    input is tracked) and of W_hh (when h is: from the second call), once per step.
    Element sizes: the gates in the autocast dtype (linear), c and h in the input's dtype
    (f c promotes to it)."""
    hidden = prod(output_shape)
    own = ctx.dtype_bytes[node.name]
    amp = ctx.amp_bytes if ctx.profile.autocast_casts else None
    kept = [weighted_input(ctx, prod(input_shapes[0])),
            Saved("gates", 4 * hidden, amp or own),
            Saved("tanh(cell state)", hidden, own),
            Saved("cell state", hidden, own, carried=True),
            Saved("initial state (zeros)", hidden, own, scope="step")]
    if amp is not None and own != amp:
        kept.append(Saved("hidden state (autocast copy)", hidden, amp))
    else:
        kept.append(Saved("hidden state", None, own, scope="output", source=node.name, carried=True))
    weights = _weight_dims(node, input_shapes[0])
    w_ih, w_hh = weights[0] * input_shapes[0][-1], weights[0] * node.hidden
    kept += autocast_weight(ctx, w_ih) if ctx.tracked else []
    kept += [s.replace(what="recurrent weight (autocast copy)", carried=True) for s in autocast_weight(ctx, w_hh)]
    return kept


def _train_note(node, profile):
    if profile.name == "pytorch":
        return ("lstm: nn.LSTMCell as composed on CPU (measured); CUDA's fused kernel keeps its own workspace "
                "(gates, c, c'): not modelled")
    return None


def _torch(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    """nn.LSTMCell carrying (h, c) across timesteps (snncost.training.reference)."""
    from ..training.reference import recurrent_module, torch_nn

    return recurrent_module(torch_nn().LSTMCell(input_shapes[0][-1], node.hidden, bias=node.bias))


add_kind(NodeKind("lstm", LSTM, shape=_shape, params=_params, weight_dims=_weight_dims, stride="drop", family="linear",
                  doc=("`hidden`, `bias` (true), `weight_bits`", "last dimension becomes hidden",
                       "4 hidden (in + hidden) (+ 8 hidden)"),
                  rules={"macs": _macs, "macs_unpadded": _macs, "extra_ops": ("bias", _bias_ops),
                         "train_saved": _train_saved, "train_note": _train_note, "torch": _torch, "nir": NIR_LSTM}))
