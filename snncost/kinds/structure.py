"""Graph structure: ``flatten``, ``add`` (residual), ``concat``, ``dropout``/``identity``."""
from __future__ import annotations

from math import prod
from typing import Literal

from ..errors import ShapeError
from ..nir_rules import CONCAT, ELIDED_RULE, FLATTEN, IDENTITY
from ..training.saved import Saved
from .base import NodeBase, Probability, hardware_passthrough, same_shape, where
from .registry import NodeKind, add_kind


class Flatten(NodeBase):
    """Flattens the whole (batch-free) shape to a vector."""

    op: Literal["flatten"]


class Add(NodeBase):
    """Element-wise sum of two or more same-shape inputs (residual connection)."""

    op: Literal["add"]


class Concat(NodeBase):
    """Concatenation of two or more inputs along the channel dimension."""

    op: Literal["concat"]


class Passthrough(NodeBase):
    """Dropout or identity: no parameters, no state, shape unchanged."""

    op: Literal["dropout", "identity"]
    p: Probability = 0.0


def _flatten(node, input_shapes):
    return (prod(input_shapes[0]),)


def _add(node, shapes):
    first = shapes[0]
    for other in shapes[1:]:
        if tuple(other) != tuple(first):
            raise ShapeError(where(node, "inputs"), f"add needs equal shapes, got {[list(s) for s in shapes]}",
                             "inputs of one shape (add a 1x1 conv shortcut where the shape changes)")
    return first


def _concat(node, shapes):
    rest = tuple(shapes[0][1:])
    for other in shapes[1:]:
        if tuple(other[1:]) != rest or len(other) != len(shapes[0]):
            raise ShapeError(where(node, "inputs"), f"concat needs equal shapes but for channels, got {[list(s) for s in shapes]}",
                             "inputs whose non-channel dimensions agree")
    return (sum(s[0] for s in shapes), *rest)


def _keeps_nothing(node, input_shapes, output_shape, ctx):
    """Views, sums and concatenations keep no tensor for the backward pass."""
    return []


def _dropout_saved(node, input_shapes, output_shape, ctx):
    """Dropout with p > 0 keeps its mask (input dtype: PyTorch's CPU kernel; CUDA's fused
    kernel keeps 1 byte per element)."""
    if node.op != "dropout" or node.p == 0 or not ctx.tracked:
        return []
    return [Saved("mask", prod(output_shape), ctx.dtype_bytes[ctx.sources[0]])]


def _dropout_note(node, profile):
    if node.op == "dropout" and node.p > 0 and profile.name == "pytorch":
        return "dropout keeps an input-dtype mask (PyTorch's CPU kernel); CUDA's fused kernel keeps 1 byte per element"
    return None


def _dropout_view(node) -> bool:
    return node.op == "identity" or node.p == 0


def _torch_flatten(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    from ..training.reference import torch_nn

    return torch_nn().Flatten()


def _torch_add(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    from ..training.reference import sum_module

    return sum_module()


def _torch_concat(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    from ..training.reference import concat_module

    return concat_module()


def _torch_passthrough(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    from ..training.reference import torch_nn

    nn = torch_nn()
    return nn.Dropout(node.p) if node.op == "dropout" else nn.Identity()


# "spikes" (snncost.opcount.SPIKE_PASSING): flatten, dropout and identity pass spikes on;
# a residual add of spikes is a sum of spikes; a concat keeps what its inputs are.
NOTHING = {"train_saved": _keeps_nothing}
add_kind(NodeKind("flatten", Flatten, shape=_flatten, stride="drop", family="structure",
                  doc=("", "(product,)", "0"),
                  rules={**NOTHING, "train_view": True, "torch": _torch_flatten, "spikes": "through",
                         "hardware": hardware_passthrough, "nir": FLATTEN}))
add_kind(NodeKind("add", Add, shape=_add, inputs=(2, None), family="structure",
                  doc=("`inputs` (2 or more, equal shapes)", "the common shape", "0"),
                  rules={**NOTHING, "torch": _torch_add, "spikes": "add", "nir": ELIDED_RULE}))
add_kind(NodeKind("concat", Concat, shape=_concat, inputs=(2, None), family="structure",
                  doc=("`inputs` (2 or more, equal but for channels)", "channels summed", "0"),
                  rules={**NOTHING, "torch": _torch_concat, "spikes": "concat", "nir": CONCAT}))
for _op in ("dropout", "identity"):
    add_kind(NodeKind(_op, Passthrough, shape=same_shape, family="structure", doc=("`p`", "unchanged", "0"),
                      rules={"train_saved": _dropout_saved, "train_view": _dropout_view, "train_note": _dropout_note,
                             "torch": _torch_passthrough, "spikes": "through",
                             "hardware": hardware_passthrough, "nir": IDENTITY if _op == "identity" else ELIDED_RULE}))
