"""Pooling: windowed average/max/sum pooling (2-D and 1-D) and global average pooling."""
from __future__ import annotations

from math import prod
from typing import Literal, Optional

from ..errors import ShapeError
from ..nir_rules import pool_rule
from ..training.saved import INT64, Saved, kept_input
from .base import NodeBase, PadPair, Pair, expect_rank, hardware_passthrough, pair, sliding_size, spatial_dims, where
from .registry import NodeKind, add_kind

POOL_OPS = ("avgpool2d", "maxpool2d", "sumpool2d", "avgpool1d", "maxpool1d", "sumpool1d")


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


def _pool_shape(node, input_shapes):
    shape = input_shapes[0]
    dims = spatial_dims(node)
    expect_rank(node, shape, (dims + 1,))
    kernels = pair(node.kernel)[:dims]
    strides = pair(node.stride if node.stride is not None else node.kernel)[:dims]
    paddings = pair(node.padding)[:dims]
    for k, p in zip(kernels, paddings):
        if 2 * p > k:
            raise ShapeError(where(node, "padding"), f"padding {p} is more than half the kernel {k}",
                             "padding <= kernel / 2 (as in PyTorch)")
    out = tuple(sliding_size(node, shape[1 + i], kernels[i], strides[i], paddings[i], 1, i, dims)
                for i in range(dims))
    return (shape[0], *out)


def _pool_stride(node, dims: int) -> tuple:
    return pair(node.stride if node.stride is not None else node.kernel)[:dims]


def _global_shape(node, input_shapes):
    shape = input_shapes[0]
    expect_rank(node, shape, (3, 2))
    return (shape[0],) + (1,) * (len(shape) - 1)


def _window_ops(node, input_shapes, out):
    """One accumulate per window tap and output element (an extra op, off by default)."""
    return prod(out) * prod(pair(node.kernel)[:spatial_dims(node)])


def _global_ops(node, input_shapes, out):
    return prod(input_shapes[0])


def _train_saved(node, input_shapes, output_shape, ctx):
    """max pooling: the input and int64 argmax indices; average/sum pooling: the input
    (snncost.training.saved); nothing when the input is not tracked."""
    if not ctx.tracked:
        return []
    if node.op.startswith("max"):
        return [kept_input(ctx)] + ([Saved("indices", prod(output_shape), INT64)] if ctx.profile.maxpool_indices else [])
    return [kept_input(ctx)] if ctx.profile.avgpool_keeps_input else []


def _keeps_nothing(node, input_shapes, output_shape, ctx):
    """Adaptive pooling to 1 is a mean in PyTorch: its backward keeps sizes only."""
    return []


def _torch(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    """nn.MaxPool / nn.AvgPool (sum pooling: average times the window size)."""
    from ..training.reference import scale_module, torch_nn

    nn = torch_nn()
    dims = spatial_dims(node)
    fit = (lambda v: pair(v)[:2]) if dims == 2 else (lambda v: pair(v)[0])
    kernel, stride = fit(node.kernel), fit(node.stride if node.stride is not None else node.kernel)
    kind = node.op[:3]
    cls = {("max", 2): nn.MaxPool2d, ("max", 1): nn.MaxPool1d}.get((kind, dims)) or (nn.AvgPool2d if dims == 2 else nn.AvgPool1d)
    module = cls(kernel, stride, fit(node.padding))
    return nn.Sequential(module, scale_module(prod(pair(node.kernel)[:dims]))) if kind == "sum" else module


def _torch_global(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    from ..training.reference import torch_nn

    nn = torch_nn()
    return nn.AdaptiveAvgPool2d(1) if len(input_shapes[0]) == 3 else nn.AdaptiveAvgPool1d(1)


# "spikes": what the kind makes of spikes (snncost.opcount.SPIKE_PASSING): a max of binary
# values stays binary; an average or a sum of them is a sum of spikes.
_POOL_DOC = ("`kernel`, `stride` (= kernel), `padding` (0)", "floor rule, no dilation", "0")
for _op in POOL_OPS:
    _rules = {"spikes": "through"} if _op.startswith("max") else \
        {"spikes": "average" if _op.startswith("avg") else "window-sum", "extra_ops": ("pool", _window_ops)}
    add_kind(NodeKind(_op, Pool, shape=_pool_shape, stride=_pool_stride, family="pool", doc=_POOL_DOC,
                      rules={**_rules, "train_saved": _train_saved, "torch": _torch, "hardware": hardware_passthrough, "nir": pool_rule(_op)}))
add_kind(NodeKind("global_avgpool", GlobalAvgPool, shape=_global_shape, stride="collapse", family="pool",
                  doc=("", "(C, 1, 1) or (C, 1)", "0"),
                  rules={"spikes": "average", "extra_ops": ("pool", _global_ops), "train_saved": _keeps_nothing,
                         "torch": _torch_global, "hardware": hardware_passthrough, "nir": pool_rule("global_avgpool")}))
