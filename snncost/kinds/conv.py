"""Convolutions (``conv2d``, ``conv1d``), PyTorch semantics."""
from __future__ import annotations

from math import prod
from typing import Literal, Union

from ..errors import ConfigError, ShapeError
from ..nir_rules import conv_rule
from ..training.saved import autocast_weight, weighted_input
from .base import (NonNegativeInt, PadPair, Pair, PositiveInt, WeightedNode, expect_rank, known, pair, sliding_size,
                   spatial_dims, valid_taps, where)
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


def _hardware(node, input_shapes, output_shape):
    """Timeloop's CNN-layer dimensions: R, S kernel width, height; P, Q output width,
    height; C per group (Timeloop has no group dimension)."""
    dims = spatial_dims(node)
    k, d = pair(node.kernel)[:dims], pair(node.dilation)[:dims]
    s = _stride(node, dims)
    two = dims == 2
    return {"role": "compute", "problem": {
        "C": input_shapes[0][0] // node.groups, "M": node.out_channels,
        "R": k[-1], "S": k[0] if two else 1, "P": output_shape[-1], "Q": output_shape[1] if two else 1,
        "Wstride": s[-1], "Hstride": s[0] if two else 1, "Wdilation": d[-1], "Hdilation": d[0] if two else 1,
        "input_positions": prod(input_shapes[0][1:])}}


def _macs(node, input_shapes, out):
    """Dense MACs of one timestep, padding positions included (seed 002 Eq. 14; PyTorch's
    FlopCounterMode counts 2 FLOPs per MAC): C_out x H_out x W_out x C_in/groups x k_h x k_w."""
    return node.out_channels * prod(out[1:]) * prod(_weight_dims(node, input_shapes[0])[1:])


def _left_padding(node, dims: int) -> tuple:
    """Zero padding before the first input position (PyTorch ``'same'`` pads d (k - 1) // 2 left)."""
    if node.padding == "valid":
        return (0,) * dims
    if node.padding == "same":
        return tuple(d * (k - 1) // 2 for k, d in zip(pair(node.kernel)[:dims], pair(node.dilation)[:dims]))
    return pair(node.padding)[:dims]


def _macs_unpadded(node, input_shapes, out):
    """MACs without padding positions (NeuroBench's Dense count: all-ones inputs and
    weights, zero padding contributes nothing): C_out x C_in/groups x the product over
    dimensions of the (output position, kernel tap) pairs that land on the input."""
    dims = spatial_dims(node)
    in_shape = input_shapes[0]
    if not all(known(v) for v in (*in_shape, *out)):
        raise ConfigError("option --padding", "the count without padding positions needs numeric sizes",
                          "padding 'included' for closed-form formulas")
    taps = prod(valid_taps(in_shape[1 + i], out[1 + i], k, s, p, d) for i, (k, s, p, d) in enumerate(zip(
        pair(node.kernel)[:dims], pair(node.stride)[:dims], _left_padding(node, dims), pair(node.dilation)[:dims])))
    return node.out_channels * (in_shape[0] // node.groups) * taps


def bias_ops(node, input_shapes, out):
    """One add per output element when the node has a bias (an extra op, off by default)."""
    return prod(out) if node.bias else 0


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

for _name, _model, _dims, _doc in (("conv2d", Conv2d, 2, _DOC2), ("conv1d", Conv1d, 1, _DOC1)):
    add_kind(NodeKind(_name, _model, shape=_shape, params=_params, weight_dims=_weight_dims, stride=_stride,
                      family="conv", doc=_doc,
                      rules={"macs": _macs, "macs_unpadded": _macs_unpadded, "extra_ops": ("bias", bias_ops),
                             "train_saved": _train_saved, "train_autocast": True, "torch": _torch,
                             "hardware": _hardware, "nir": conv_rule(_dims)}))
