"""Shape inference through a network: each node's output shape from its kind's shape
rule (:mod:`snncost.kinds`, PyTorch's output-size arithmetic).

Shapes are tuples without batch or time, channels first; the rules work unchanged on
Python ints (exact) and on sympy symbols (closed-form formulas, :mod:`snncost.formula`).
"""
from __future__ import annotations

from .errors import ShapeError
from .kinds.base import sliding_size
from .kinds.registry import output_shape
from .spec.network import INPUT_NAME

Shape = tuple

__all__ = ["Shape", "infer_shapes", "output_shape", "sliding_size"]


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
