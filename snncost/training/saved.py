"""What each node kind keeps for the backward pass of one training step: the rules.

One table, :data:`SAVED_RULES`, maps a node kind (``op``) to a rule
``rule(node, input_shapes, output_shape, ctx) -> [Saved, ...]``: the tensors that
kind's autograd function keeps, per call (one call per timestep, one for a static
node), as element counts per sample.  Counting bytes, batch, timesteps and shared
storages is :mod:`snncost.training.step`'s job.

What PyTorch keeps (measured with ``torch.autograd.graph.saved_tensors_hooks``, each
storage once, parameters excluded; domain notes section 9; ``tests/test_training_torch.py``):

- conv1d/conv2d, linear: the input (``convolution_backward`` / ``mm`` need it for the
  weight gradient).  Under autocast the input in the autocast dtype: the producer's
  output when it already has that dtype, else a fresh copy per call; and the
  autocast copy of the weight (not the bias), cached once per step.
- batchnorm (training): the input, the batch mean and inverse std (2 C fp32 per call)
  and the running mean and variance (2 C fp32 buffers: the same storage every call).
- neuron sites: the spike function's input ``v - theta`` (one membrane-sized tensor
  per site and call); a hard reset ``v (1 - s)`` keeps the mask ``1 - s`` too.
- maxpool: the input and the argmax indices (int64, output-sized).
- avgpool, sumpool: the input.  global average pooling: nothing (PyTorch computes
  adaptive pooling to 1x1 as a mean, whose backward keeps sizes only).
- add, concat, flatten, identity: nothing.  dropout (p > 0): the mask, in the input
  dtype (PyTorch's CPU kernel; CUDA's fused kernel keeps 1-byte masks).
- the loss (cross-entropy): log-softmax output (fp32), int64 targets, one 0-dim
  total weight (:func:`loss_saved`).
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

INT64 = 8
FP32 = 4


@dataclass(frozen=True)
class Saved:
    """One tensor a node keeps.

    ``what``: its name (``input``, ``indices``, ``statistics``...).  ``elements``: per
    sample when ``per_sample``, else in total.  ``nbytes``: bytes per element.
    ``scope``: ``output`` (the storage of ``source``'s output: counted once however many
    consumers keep it), ``call`` (a new tensor at every call of this node) or ``step``
    (one tensor for the whole step).
    """

    what: str
    elements: object
    nbytes: int
    scope: str = "call"
    source: str | None = None
    per_sample: bool = True


@dataclass(frozen=True)
class SavedContext:
    """What a rule may ask about the step: each tensor's element size in bytes
    (``dtype_bytes[name]``, ``input`` for the network input), the autocast element size
    (``amp_bytes``, None without autocast), whether each input requires a gradient
    (``requires_grad``: autograd records nothing for a node whose inputs do not and
    that has no parameters), each neuron site's membrane element size
    (``membrane_bytes``), the producers of the node's inputs
    (``sources``), the training mode, and per neuron site the elements per sample of
    the forward membrane buffer it owns (``buffer_elements``; 0 for non-owners)."""

    dtype_bytes: dict
    membrane_bytes: dict
    amp_bytes: int | None
    sources: tuple
    requires_grad: tuple
    training: str
    buffer_elements: dict
    profile: object


def _input(node, ctx):
    """The node's input as kept: the producer's output storage."""
    src = ctx.sources[0]
    return Saved("input", None, ctx.dtype_bytes[src], scope="output", source=src)


def _same_padding_growth(node, ins):
    """PyTorch pads ``padding='same'`` asymmetrically (a copy one larger in each dimension
    whose total padding d (k - 1) is odd) and convolves the padded copy; () when symmetric."""
    if getattr(node, "padding", None) != "same":
        return ()
    dims = len(ins[0]) - 1
    kernels = node.kernel if isinstance(node.kernel, (tuple, list)) else (node.kernel,) * dims
    dilations = node.dilation if isinstance(node.dilation, (tuple, list)) else (node.dilation,) * dims
    growth = tuple((d * (k - 1)) % 2 for k, d in zip(kernels[:dims], dilations[:dims]))
    return growth if any(growth) else ()


def _weighted(node, ins, out, ctx):
    """conv/linear: the input (an autocast copy per call if its dtype differs) and, under
    autocast, the weight's cast copy once per step."""
    elements = prod(ins[0])
    amp = ctx.amp_bytes if ctx.profile.autocast_casts else None
    growth = _same_padding_growth(node, ins) if ctx.profile.same_padding_copy else ()
    if growth:
        padded = ins[0][0] * prod(size + g for size, g in zip(ins[0][1:], growth))
        kept = [Saved("input (padded copy)", padded, amp or ctx.dtype_bytes[ctx.sources[0]], scope="call")]
    elif amp is not None and ctx.dtype_bytes[ctx.sources[0]] != amp:
        kept = [Saved("input (autocast copy)", elements, amp, scope="call")]
    else:
        kept = [Saved("input", elements, ctx.dtype_bytes[ctx.sources[0]], scope="output", source=ctx.sources[0])]
    if amp is not None and (node.op != "linear" or any(ctx.requires_grad)):
        # the weight copy is kept for the input gradient: always by convolution_backward,
        # by addmm/mm only when the input requires a gradient
        from ..counts import parameters

        bias = (out[0] if node.op != "linear" else node.out_features) if node.bias else 0
        kept.append(Saved("weight (autocast copy)", parameters(node, ins) - bias, amp, scope="step", per_sample=False))
    return kept


def _batchnorm(node, ins, out, ctx):
    if not (node.affine or any(ctx.requires_grad)):
        return []
    channels = ins[0][0]
    kept = [Saved("input", prod(ins[0]), ctx.dtype_bytes[ctx.sources[0]], scope="output", source=ctx.sources[0]),
            Saved("statistics", 2 * channels, ctx.profile.statistics_bytes, scope="call", per_sample=False)]
    if ctx.profile.running_statistics_saved:
        kept.append(Saved("running statistics", 2 * channels, FP32, scope="step", per_sample=False))
    return kept


def _neuron(node, ins, out, ctx):
    """The spike function's input (one membrane per site and call) under BPTT; under
    reverse recomputation (EfficientLIF-Net Eq. 18-19) only the forward buffer the site
    owns, once per step."""
    if not any(ctx.requires_grad):
        return []
    dtype = ctx.membrane_bytes[node.name]
    if ctx.training == "reverse":
        kept = [Saved("membrane buffer (reverse)", ctx.buffer_elements.get(node.name, 0), dtype, scope="step")]
        if ctx.profile.reverse_keeps_spikes:  # Eq. 18-19 need the spikes O: the site's own output storage
            kept.append(Saved("spike codes", None, ctx.dtype_bytes[node.name], scope="output", source=node.name))
        return kept
    kept = [Saved("membrane", prod(out), dtype)]
    if node.reset == "hard" and ctx.profile.hard_reset_mask:
        kept.append(Saved("reset mask", prod(out), dtype))
    return kept


def _maxpool(node, ins, out, ctx):
    if not any(ctx.requires_grad):
        return []
    kept = [_input(node, ctx)]
    if ctx.profile.maxpool_indices:
        kept.append(Saved("indices", prod(out), INT64))
    return kept


def _pool_input(node, ins, out, ctx):
    return [_input(node, ctx)] if ctx.profile.avgpool_keeps_input and any(ctx.requires_grad) else []


def _dropout(node, ins, out, ctx):
    return [Saved("mask", prod(out), ctx.dtype_bytes[ctx.sources[0]])] if node.p > 0 and any(ctx.requires_grad) else []


def _nothing(node, ins, out, ctx):
    return []


SAVED_RULES = {
    "conv2d": _weighted, "conv1d": _weighted, "linear": _weighted,
    "batchnorm": _batchnorm,
    "lif": _neuron, "if": _neuron, "cubalif": _neuron, "mlif": _neuron,
    "maxpool2d": _maxpool, "maxpool1d": _maxpool,
    "avgpool2d": _pool_input, "avgpool1d": _pool_input, "sumpool2d": _pool_input, "sumpool1d": _pool_input,
    "global_avgpool": _nothing, "flatten": _nothing, "identity": _nothing, "add": _nothing, "concat": _nothing,
    "dropout": _dropout,
}
"""Saved-tensor rule per node kind (the ``train_saved`` rule of each kind)."""

VIEW_KINDS = ("flatten", "identity")
"""Kinds whose output is a view of their input (same storage); dropout with p = 0 too."""


def is_view(node) -> bool:
    return node.op in VIEW_KINDS or (node.op == "dropout" and node.p == 0)


def loss_saved(out_shape, profile) -> list[Saved]:
    """Cross-entropy over the last node's output (classes = its dimension 0): the
    log-softmax output (fp32), the int64 targets (one per output position) and the
    0-dim total weight of ``nll_loss`` (PyTorch)."""
    if not profile.loss_saved:
        return []
    positions = prod(out_shape[1:]) if len(out_shape) > 1 else 1
    return [Saved("log-softmax", prod(out_shape), FP32, scope="step"),
            Saved("targets", positions, INT64, scope="step"),
            Saved("total weight", 1, FP32, scope="step", per_sample=False)]
