"""Shape inference: one rule per node kind, PyTorch's output-size arithmetic.

Shapes are tuples without batch or time, channels first.  The rules use only
``+ - * //`` so they work unchanged on Python ints (exact) and on sympy symbols
(closed-form formulas, :mod:`snncost.formula`); checks that need a number are
skipped for symbolic sizes.
"""
from __future__ import annotations

from math import prod
from typing import Callable

from .errors import ShapeError
from .spec.network import INPUT_NAME

Shape = tuple


def _pair(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _known(value) -> bool:
    return isinstance(value, int)


def _where(node, field: str | None = None) -> str:
    return f"node '{node.name}'" + (f" field '{field}'" if field else "")


def _expect_rank(node, shape: Shape, ranks: tuple[int, ...], what: str) -> None:
    if len(shape) not in ranks:
        raise ShapeError(_where(node), f"{node.op} needs a {what} input, got shape {list(shape)}",
                         f"an input of rank {' or '.join(map(str, ranks))} (channels first, no batch)")


def sliding_size(node, size, kernel, stride, padding, dilation, dim: str):
    """PyTorch: floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1."""
    out = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    if _known(out) and out < 1:
        raise ShapeError(_where(node, "kernel"),
                         f"kernel {kernel} (dilation {dilation}, padding {padding}) does not fit the {dim} input size {size}",
                         f"a larger input, a smaller kernel/stride, or more padding (output {dim} would be {out})")
    return out


def _conv(node, shape: Shape, spatial_dims: int) -> Shape:
    _expect_rank(node, shape, (spatial_dims + 1,), f"(C, {'H, W' if spatial_dims == 2 else 'L'})")
    channels = shape[0]
    if _known(channels) and channels % node.groups:
        raise ShapeError(_where(node, "groups"), f"groups {node.groups} does not divide the {channels} input channels",
                         "a divisor of the input channel count")
    if node.out_channels % node.groups:
        raise ShapeError(_where(node, "groups"), f"groups {node.groups} does not divide out_channels {node.out_channels}",
                         "a divisor of out_channels")
    kernels = _pair(node.kernel)[:spatial_dims]
    strides = _pair(node.stride)[:spatial_dims]
    dilations = _pair(node.dilation)[:spatial_dims]
    names = ("height", "width") if spatial_dims == 2 else ("length",)
    if node.padding == "same":
        if any(s != 1 for s in strides):
            raise ShapeError(_where(node, "padding"), "padding 'same' needs stride 1 (as in PyTorch)",
                             "stride 1, or an explicit padding")
        return (node.out_channels, *shape[1:])
    paddings = (0,) * spatial_dims if node.padding == "valid" else _pair(node.padding)[:spatial_dims]
    out = tuple(sliding_size(node, shape[1 + i], kernels[i], strides[i], paddings[i], dilations[i], names[i])
                for i in range(spatial_dims))
    return (node.out_channels, *out)


def _pool(node, shape: Shape) -> Shape:
    spatial_dims = 2 if node.op.endswith("2d") else 1
    _expect_rank(node, shape, (spatial_dims + 1,), f"(C, {'H, W' if spatial_dims == 2 else 'L'})")
    kernels = _pair(node.kernel)[:spatial_dims]
    strides = _pair(node.stride if node.stride is not None else node.kernel)[:spatial_dims]
    paddings = _pair(node.padding)[:spatial_dims]
    for k, p in zip(kernels, paddings):
        if 2 * p > k:
            raise ShapeError(_where(node, "padding"), f"padding {p} is more than half the kernel {k}",
                             "padding <= kernel / 2 (as in PyTorch)")
    names = ("height", "width") if spatial_dims == 2 else ("length",)
    out = tuple(sliding_size(node, shape[1 + i], kernels[i], strides[i], paddings[i], 1, names[i])
                for i in range(spatial_dims))
    return (shape[0], *out)


def _linear(node, shape: Shape) -> Shape:
    return (*shape[:-1], node.out_features)


def _global_avgpool(node, shape: Shape) -> Shape:
    _expect_rank(node, shape, (2, 3), "(C, H, W) or (C, L)")
    return (shape[0],) + (1,) * (len(shape) - 1)


def _flatten(node, shape: Shape) -> Shape:
    return (prod(shape),)


def _same(node, shape: Shape) -> Shape:
    return shape


def _batchnorm(node, shape: Shape) -> Shape:
    return shape


SINGLE_INPUT_RULES: dict[str, Callable] = {
    "conv2d": lambda node, shape: _conv(node, shape, 2),
    "conv1d": lambda node, shape: _conv(node, shape, 1),
    "linear": _linear,
    "avgpool2d": _pool, "maxpool2d": _pool, "sumpool2d": _pool,
    "avgpool1d": _pool, "maxpool1d": _pool, "sumpool1d": _pool,
    "global_avgpool": _global_avgpool,
    "flatten": _flatten,
    "batchnorm": _batchnorm,
    "dropout": _same, "identity": _same,
    "lif": _same, "if": _same, "cubalif": _same, "mlif": _same,
}


def _add(node, shapes: list[Shape]) -> Shape:
    first = shapes[0]
    for other in shapes[1:]:
        if tuple(other) != tuple(first):
            raise ShapeError(_where(node, "inputs"), f"add needs equal shapes, got {[list(s) for s in shapes]}",
                             "inputs of one shape (add a 1x1 conv shortcut where the shape changes)")
    return first


def _concat(node, shapes: list[Shape]) -> Shape:
    rest = tuple(shapes[0][1:])
    for other in shapes[1:]:
        if tuple(other[1:]) != rest or len(other) != len(shapes[0]):
            raise ShapeError(_where(node, "inputs"), f"concat needs equal shapes but for channels, got {[list(s) for s in shapes]}",
                             "inputs whose non-channel dimensions agree")
    return (sum(s[0] for s in shapes), *rest)


MULTI_INPUT_RULES: dict[str, Callable] = {"add": _add, "concat": _concat}


def output_shape(node, input_shapes: list[Shape]) -> Shape:
    """The output shape of ``node`` given the shapes of its inputs."""
    if node.op in MULTI_INPUT_RULES:
        return MULTI_INPUT_RULES[node.op](node, input_shapes)
    return SINGLE_INPUT_RULES[node.op](node, input_shapes[0])


def infer_shapes(spec, input_shape: Shape | None = None) -> dict[str, dict]:
    """Input and output shape of every node, in topological order.

    Returns ``{name: {"inputs": [shape, ...], "output": shape}}``; ``input_shape``
    overrides the spec's input (ints or sympy symbols).
    """
    shape0 = tuple(input_shape) if input_shape is not None else tuple(spec.input.shape)
    if len(shape0) != len(spec.input.shape):
        raise ShapeError("option --input", f"the spec's input has rank {len(spec.input.shape)} "
                         f"(shape {spec.input.shape}) but {len(shape0)} sizes were given",
                         "spatial size(s) only: H or HxW for images, L for sequences")
    outputs: dict[str, Shape] = {INPUT_NAME: shape0}
    result: dict[str, dict] = {}
    edges = spec.edges
    for node in spec.order:
        ins = [outputs[src] for src in edges[node.name]]
        out = output_shape(node, ins)
        outputs[node.name] = out
        result[node.name] = {"inputs": ins, "output": out}
    return result
