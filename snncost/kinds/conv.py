"""Convolutions (``conv2d``, ``conv1d``), PyTorch semantics."""
from __future__ import annotations

from math import prod
from typing import Literal, Union

from ..errors import ShapeError
from ..training.saved import autocast_weight, weighted_input
from .base import (NonNegativeInt, PadPair, Pair, PositiveInt, WeightedNode, expect_rank, known, pair, sliding_size,
                   spatial_dims, where)
from .registry import NodeKind, add_kind


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


# Plain rules (not closures over the dimensionality): a rule built by a factory at import
# time could not be mutation-tested (docs/testing.md); the dimensionality is the kind's.
def _shape(node, input_shapes):
    dims = spatial_dims(node)
    shape = input_shapes[0]
    expect_rank(node, shape, (dims + 1,))
    channels = shape[0]
    if known(channels) and channels % node.groups:
        raise ShapeError(where(node, "groups"), f"groups {node.groups} does not divide the {channels} input channels",
                         "a divisor of the input channel count")
    if node.out_channels % node.groups:
        raise ShapeError(where(node, "groups"), f"groups {node.groups} does not divide out_channels {node.out_channels}",
                         "a divisor of out_channels")
    kernels = pair(node.kernel)[:dims]
    strides = pair(node.stride)[:dims]
    dilations = pair(node.dilation)[:dims]
    if node.padding == "same":
        if any(s != 1 for s in strides):
            raise ShapeError(where(node, "padding"), "padding 'same' needs stride 1 (as in PyTorch)",
                             "stride 1, or an explicit padding")
        return (node.out_channels, *shape[1:])
    paddings = (0,) * dims if node.padding == "valid" else pair(node.padding)[:dims]
    out = tuple(sliding_size(node, shape[1 + i], kernels[i], strides[i], paddings[i], dilations[i], i, dims)
                for i in range(dims))
    return (node.out_channels, *out)


def _weight_dims(node, in_shape):
    return (node.out_channels, in_shape[0] // node.groups, *pair(node.kernel)[:spatial_dims(node)])


def _params(node, input_shapes):
    weights = prod(_weight_dims(node, input_shapes[0]))
    return weights + (node.out_channels if node.bias else 0)


def _stride(node, dims: int) -> tuple:
    return pair(node.stride)[:dims]  # 'same' padding needs stride 1 (refused by the shape rule otherwise)


def _train_saved(node, input_shapes, output_shape, ctx):
    """What convolution_backward keeps (snncost.training.saved): the input (autocast or
    padded copy), and under autocast the weight copy (not the bias), once per step."""
    shape = input_shapes[0]
    growth = _same_padding_growth(node, shape) if ctx.profile.same_padding_copy else ()
    padded = shape[0] * prod(s + g for s, g in zip(shape[1:], growth)) if growth else None
    weights = prod(_weight_dims(node, shape))
    return [weighted_input(ctx, prod(shape), padded), *autocast_weight(ctx, weights)]


def _same_padding_growth(node, shape) -> tuple:
    """PyTorch pads ``padding='same'`` asymmetrically when the total padding d (k - 1) of a
    dimension is odd: it convolves a copy one larger there (() when symmetric)."""
    if node.padding != "same":
        return ()
    dims = len(shape) - 1
    growth = tuple((d * (k - 1)) % 2 for k, d in zip(pair(node.kernel)[:dims], pair(node.dilation)[:dims]))
    return growth if any(growth) else ()


def _torch(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    """nn.Conv2d / nn.Conv1d (the reference step, snncost.training.reference)."""
    from ..training.reference import torch_nn

    nn = torch_nn()
    dims = len(input_shapes[0]) - 1
    fit = (lambda v: pair(v)[:2]) if dims == 2 else (lambda v: v)
    padding = node.padding if isinstance(node.padding, str) else fit(node.padding)
    return (nn.Conv2d if dims == 2 else nn.Conv1d)(input_shapes[0][0], node.out_channels, fit(node.kernel),
                                                   stride=fit(node.stride), padding=padding, dilation=fit(node.dilation),
                                                   groups=node.groups, bias=node.bias)


_DOC2 = ("`out_channels`, `kernel` (int or [h, w]), `stride` (1), `padding` (0, [h, w], `same`, `valid`), "
         "`dilation` (1), `groups` (1), `bias` (true), `weight_bits`",
         "PyTorch: floor((in + 2p - d(k-1) - 1)/s) + 1", "C_out x C_in/groups x k_h x k_w (+ C_out)")
_DOC1 = ("the same with ints, on (C, L)", "as above", "C_out x C_in/groups x k (+ C_out)")

for _name, _model, _doc in (("conv2d", Conv2d, _DOC2), ("conv1d", Conv1d, _DOC1)):
    add_kind(NodeKind(_name, _model, shape=_shape, params=_params, weight_dims=_weight_dims, stride=_stride,
                      family="conv", doc=_doc,
                      rules={"train_saved": _train_saved, "train_autocast": True, "torch": _torch}))
