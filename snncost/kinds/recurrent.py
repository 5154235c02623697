"""Recurrent cells (``lstm``): one LSTM cell step per timestep on the last dimension.

Yao et al. (seed 002) Eq. 14 counts an LSTM layer as (c_in + c_out) x c_out x 4
multiply-accumulates: the four gates (input, forget, cell, output) each a c_out x c_in
input map and a c_out x c_out recurrent map.  Parameters as PyTorch's ``nn.LSTMCell``:
4 c_out (c_in + c_out) weights and 2 x 4 c_out biases (``bias``).  The cell's own state
(h, c) is analog; its gate nonlinearities and element-wise products are not counted.
"""
from __future__ import annotations

from math import prod
from typing import Literal

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


add_kind(NodeKind("lstm", LSTM, shape=_shape, params=_params, weight_dims=_weight_dims, stride="drop", family="linear",
                  doc=("`hidden`, `bias` (true), `weight_bits`", "last dimension becomes hidden",
                       "4 hidden (in + hidden) (+ 8 hidden)"),
                  rules={"macs": _macs, "macs_unpadded": _macs, "extra_ops": ("bias", _bias_ops), "nir": NIR_LSTM}))
