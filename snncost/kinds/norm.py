"""Normalisation (``batchnorm``)."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import StrictBool

from .base import Bits, NodeBase, same_shape
from .registry import NodeKind, add_kind


class BatchNorm(NodeBase):
    """Batch normalisation: 2 C affine parameters (gamma, beta) and 2 C running
    statistics (buffers, not state: they do not change during inference)."""

    op: Literal["batchnorm"]
    affine: StrictBool = True
    weight_bits: Optional[Bits] = None


def _params(node, input_shapes):
    return 2 * input_shapes[0][0] if node.affine else 0


def _buffers(node, input_shapes):
    return 2 * input_shapes[0][0]


add_kind(NodeKind("batchnorm", BatchNorm, shape=same_shape, params=_params, buffers=_buffers, family="norm",
                  doc=("`affine` (true)", "unchanged", "2 C (gamma, beta); 2 C running statistics counted as buffers")))
