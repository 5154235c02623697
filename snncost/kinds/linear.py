"""Fully connected layers (``linear``)."""
from __future__ import annotations

from math import prod
from typing import Literal

from ..nir_rules import LINEAR
from ..training.saved import autocast_weight, weighted_input
from .base import PositiveInt, WeightedNode
from .registry import NodeKind, add_kind


class Linear(WeightedNode):
    """Fully connected layer on the last dimension: y = W x + b, W is out x in."""

    op: Literal["linear"]
    out_features: PositiveInt


def _shape(node, input_shapes):
    return (*input_shapes[0][:-1], node.out_features)


def _weight_dims(node, in_shape):
    return (node.out_features, in_shape[-1])


def _params(node, input_shapes):
    return input_shapes[0][-1] * node.out_features + (node.out_features if node.bias else 0)


def _hardware(node, input_shapes, output_shape):
    """A 1x1 conv over the rows (tokens) in Timeloop's CNN-layer dimensions."""
    rows = prod(input_shapes[0][:-1])
    return {"role": "compute", "problem": {
        "C": input_shapes[0][-1], "M": node.out_features, "R": 1, "S": 1, "P": rows, "Q": 1,
        "Wstride": 1, "Hstride": 1, "Wdilation": 1, "Hdilation": 1, "input_positions": rows}}


def _macs(node, input_shapes, out):
    """F_in x F_out per token (seed 002 Eq. 14, fully connected layer)."""
    return prod(out) * input_shapes[0][-1]


def _bias_ops(node, input_shapes, out):
    return prod(out) if node.bias else 0


def _train_saved(node, input_shapes, output_shape, ctx):
    """What addmm/mm keep (snncost.training.saved): the input (or its autocast copy); under
    autocast the weight copy, once per step, only when the input is tracked (it serves the
    input gradient)."""
    kept = [weighted_input(ctx, prod(input_shapes[0]))]
    return kept + (autocast_weight(ctx, prod(_weight_dims(node, input_shapes[0]))) if ctx.tracked else [])


def _torch(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    from ..training.reference import torch_nn

    return torch_nn().Linear(input_shapes[0][-1], node.out_features, bias=node.bias)


add_kind(NodeKind("linear", Linear, shape=_shape, params=_params, weight_dims=_weight_dims, stride="drop",
                  family="linear", doc=("`out_features`, `bias` (true), `weight_bits`",
                                        "last dimension becomes out_features", "in x out (+ out)"),
                  rules={"macs": _macs, "macs_unpadded": _macs, "extra_ops": ("bias", _bias_ops),
                         "train_saved": _train_saved, "train_autocast": True, "torch": _torch, "hardware": _hardware, "nir": LINEAR}))
