"""Fully connected layers (``linear``)."""
from __future__ import annotations

from typing import Literal

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


add_kind(NodeKind("linear", Linear, shape=_shape, params=_params, weight_dims=_weight_dims, stride="drop",
                  family="linear", doc=("`out_features`, `bias` (true), `weight_bits`",
                                        "last dimension becomes out_features", "in x out (+ out)")))
