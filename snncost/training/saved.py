"""What the backward pass keeps: the vocabulary of the per-kind ``train_saved`` rules.

Each node kind's entry in the registry (:mod:`snncost.kinds`) holds its rule under
``rules["train_saved"]``: ``rule(node, input_shapes, output_shape, ctx) -> [Saved, ...]``,
the tensors that kind's autograd function keeps per call (one call per timestep, one
for a static node), as element counts per sample.  ``rules["train_view"]`` (a bool or
``rule(node) -> bool``) says the kind's output is a view of its input (same storage),
and ``rules["train_autocast"]`` that autocast runs the kind in the lower precision.
A kind without ``train_saved`` keeps its input when it is tracked (:func:`default_rule`).
Counting bytes, batch, timesteps and shared storages is :mod:`snncost.training.step`'s job.

What PyTorch keeps (measured with ``torch.autograd.graph.saved_tensors_hooks``, each
storage once, parameters excluded; domain notes section 9; tests/test_training_torch.py):

- conv1d/conv2d, linear: the input; under autocast the input in the autocast dtype (the
  producer's output when it already has that dtype, else a fresh copy per call) and the
  autocast copy of the weight (not the bias), cached once per step; ``padding='same'``
  with an odd total padding convolves a padded copy of the input;
- batchnorm (training): the input, the batch mean and inverse std (2 C fp32 per call)
  and the running mean and variance (2 C fp32 buffers: one storage for every call);
- neuron sites: the spike function's input ``v - theta`` (one membrane-sized tensor per
  site and call); a hard reset ``v (1 - s)`` keeps the mask ``1 - s`` too;
- maxpool: the input and the argmax indices (int64, output-sized); avgpool, sumpool:
  the input; global average pooling: nothing (a mean, whose backward keeps sizes only);
- add, concat, flatten, identity: nothing; dropout (p > 0): the mask in the input dtype;
- the loss (cross-entropy): the log-softmax output (fp32), the int64 targets and one
  0-dim total weight (:func:`loss_saved`).

Autograd records nothing for a node whose inputs are not tracked and that has no
parameters (``ctx.requires_grad``).
"""
from __future__ import annotations

from math import prod

from ..records import Record

INT64 = 8
FP32 = 4


class Saved(Record):
    """One tensor a node keeps.

    ``what``: its name (``input``, ``indices``, ``statistics``...).  ``elements``: per
    sample when ``per_sample``, else in total.  ``nbytes``: bytes per element.
    ``scope``: ``output`` (the storage of ``source``'s output: counted once however many
    consumers keep it), ``call`` (a new tensor at every call of this node) or ``step``
    (one tensor for the whole step).  ``category``: the ``saved_by_kind`` entry it counts
    under (None: the keeping node's kind; autocast weight copies: ``cast_weights``).
    ``carried``: a recurrent state handed from one call to the next and kept by the next
    call (an LSTM's h and c): ``call`` and ``output`` tensors of every call but the last
    (T - 1 copies), a ``step`` tensor only when the node runs more than once.
    """

    what: str
    elements: object
    nbytes: int
    scope: str = "call"
    source: str | None = None
    per_sample: bool = True
    category: str | None = None  # the saved_by_kind entry (None: the node's kind)
    carried: bool = False  # kept only from one call to the next: T - 1 of T calls (``step``: none at one call)


class SavedContext(Record):
    """What a rule may ask about the step.

    ``dtype_bytes[name]``: element size of each node's output storage (``input`` for the
    network input); ``membrane_bytes[name]``: of each neuron site's membrane;
    ``amp_bytes``: the autocast element size (None without autocast); ``sources``: the
    producers of the node's inputs (views resolved); ``requires_grad``: whether each
    input is tracked; ``training``: ``bptt`` or ``reverse``; ``buffer_elements[name]``:
    elements per sample of the forward membrane buffer a neuron site owns (0 for the
    other members of a sharing buffer); ``profile``: the framework profile."""

    dtype_bytes: dict
    membrane_bytes: dict
    amp_bytes: int | None
    sources: tuple
    requires_grad: tuple
    training: str
    buffer_elements: dict
    profile: object

    @property
    def tracked(self) -> bool:
        return any(self.requires_grad)


def kept_input(ctx, index: int = 0, what: str = "input") -> Saved:
    """Input ``index`` as kept: its producer's output storage."""
    src = ctx.sources[index]
    return Saved(what, None, ctx.dtype_bytes[src], scope="output", source=src)


def weighted_input(ctx, elements, copy_elements=None, index: int = 0, what: str = "input") -> Saved:
    """The input a conv/linear (or matmul operand ``index``) keeps: an autocast copy per
    call when the input is not in the autocast dtype, a padded copy per call when the
    framework pads one (``copy_elements``), else the producer's storage."""
    amp = ctx.amp_bytes if ctx.profile.autocast_casts else None
    if copy_elements is not None:
        return Saved(f"{what} (padded copy)", copy_elements, amp or ctx.dtype_bytes[ctx.sources[index]])
    if amp is not None and ctx.dtype_bytes[ctx.sources[index]] != amp:
        return Saved(f"{what} (autocast copy)", elements, amp)
    return kept_input(ctx, index, what)


def autocast_weight(ctx, weight_elements) -> list:
    """The autocast copy of a weight (cached: one per step); nothing without autocast."""
    if ctx.amp_bytes is None or not ctx.profile.autocast_casts:
        return []
    return [Saved("weight (autocast copy)", weight_elements, ctx.amp_bytes, scope="step", per_sample=False,
                  category="cast_weights")]


def default_rule(node, input_shapes, output_shape, ctx) -> list:
    """A kind without a ``train_saved`` rule: its inputs, when tracked (an assumption for
    user kinds; the built-in kinds all have their own rule)."""
    return [kept_input(ctx, i) for i in range(len(ctx.sources))] if ctx.tracked else []


def loss_saved(out_shape, profile) -> list[Saved]:
    """Cross-entropy over the last node's output (classes = its dimension 0): the
    log-softmax output (fp32), the int64 targets (one per output position) and the
    0-dim total weight of ``nll_loss`` (PyTorch)."""
    if not profile.loss_saved:
        return []
    positions = prod(out_shape[1:])  # 1 for a vector output (the empty product)
    return [Saved("log-softmax", prod(out_shape), FP32, scope="step"),
            Saved("targets", positions, INT64, scope="step"),
            Saved("total weight", 1, FP32, scope="step", per_sample=False)]


def rule_of(node, key: str, default=None):
    """The kind's rule ``key`` (``train_saved``, ``train_view``, ``train_autocast``)."""
    from ..kinds import kind_of

    return kind_of(node).rules.get(key, default)


def saved_by(node, input_shapes, output_shape, ctx) -> list:
    return rule_of(node, "train_saved", default_rule)(node, input_shapes, output_shape, ctx)


def is_view(node) -> bool:
    """Whether the node's output is its input's storage (flatten, identity, dropout p = 0)."""
    view = rule_of(node, "train_view")
    return bool(view(node) if callable(view) else view)


def runs_in_autocast(node) -> bool:
    return bool(rule_of(node, "train_autocast"))
