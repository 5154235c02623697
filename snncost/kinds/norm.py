"""Normalisation (``batchnorm``)."""
from __future__ import annotations

from math import prod
from typing import Literal, Optional

from ..nir_rules import BATCHNORM
from ..training.saved import FP32, Saved, kept_input
from .base import Bits, NodeBase, StrictBool, same_shape
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


def _ops(node, input_shapes, out):
    """One multiply-add per element (scale and shift folded): an extra op, off by default."""
    return prod(out)


def _train_saved(node, input_shapes, output_shape, ctx):
    """What native_batch_norm keeps in training (snncost.training.saved): the input, the
    batch mean and inverse std per call, the running mean and variance (one storage)."""
    if not (node.affine or ctx.tracked):
        return []
    channels = input_shapes[0][0]
    kept = [kept_input(ctx), Saved("statistics", 2 * channels, ctx.profile.statistics_bytes, per_sample=False)]
    if ctx.profile.running_statistics_saved:
        kept.append(Saved("running statistics", 2 * channels, FP32, scope="step", per_sample=False))
    return kept


def _torch(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    """nn.BatchNorm2d on (C, H, W), nn.BatchNorm1d on (C, L) or (F,); training mode."""
    from ..training.reference import torch_nn

    nn = torch_nn()
    return (nn.BatchNorm2d if len(input_shapes[0]) == 3 else nn.BatchNorm1d)(input_shapes[0][0], affine=node.affine)


add_kind(NodeKind("batchnorm", BatchNorm, shape=same_shape, params=_params, buffers=_buffers, family="norm",
                  doc=("`affine` (true)", "unchanged", "2 C (gamma, beta); 2 C running statistics counted as buffers"),
                  rules={"extra_ops": ("batchnorm", _ops), "train_saved": _train_saved, "torch": _torch, "nir": BATCHNORM}))
