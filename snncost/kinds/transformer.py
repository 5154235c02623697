"""Spiking-transformer kinds: token layout, layer norm, heads, products of two
activations, token sums and the membrane shortcut.

Layout: a sequence of N tokens of D features is a ``(D, N)`` tensor (features first, as
every snncost shape is channels first, and as Spikformer's ``Conv1d`` projections see
it), so 1x1 projections are ``conv1d`` with ``kernel: 1``, batchnorm over tokens is
``batchnorm``, and a LIF site on tokens has D x N neurons (sharing works unchanged).
Multi-head tensors are ``(heads, d, N)`` with d = D / heads.

- ``tokens``: a feature map (C, H, W) -> (C, H W) (Spikformer's ``flatten(3)``).
- ``layernorm``: normalises each token over its D features; 2 D parameters.
- ``split_heads`` (``heads``): (D, N) -> (heads, D / heads, N); ``merge_heads``: back.
- ``matmul`` (``transpose_a``, ``transpose_b``): a product of two activations per head,
  A (b, m, k) x B (b, k, n) -> (b, m, n) after the transposes; b x m x k x n MACs.  In the
  (heads, d, N) layout: Q K^T is ``matmul(q, k, transpose_a: true)`` -> (heads, N, N);
  attention x V is ``matmul(v, attn, transpose_b: true)`` -> (heads, d, N); K^T V is
  ``matmul(k, v, transpose_b: true)`` -> (heads, d, d); Q (K^T V) is
  ``matmul(kv, q, transpose_a: true)`` -> (heads, d, N).
- ``multiply``: element-wise product of two activations (the Spike-driven Transformer's
  masks), with broadcasting of size-1 dimensions; one op per output element.
- ``token_sum``: sum over the token axis, (D, N) -> (D, 1); one accumulate per input element.
- ``membrane_add``: the Spike-driven Transformer's membrane shortcut: a residual add of
  membrane potentials (analog values) before the next block's LIF, so every layer input
  stays binary; counted like ``add`` (no ops), a kind of its own so specs say which.

Sources: Spikformer (Zhou et al., ICLR 2023; github ZK-Zhou/spikformer) and the
Spike-driven Transformer (Yao et al., NeurIPS 2023; github BICLab/Spike-Driven-Transformer).
"""
from __future__ import annotations

from math import prod
from typing import Literal

from ..errors import ShapeError
from ..training.saved import Saved, kept_input, weighted_input
from .base import NodeBase, PositiveInt, StrictBool, expect_rank, hardware_passthrough, known, same_shape, where
from ..nir_rules import TRANSFORMER
from .registry import NodeKind, add_kind
from .structure import NOTHING, _add, _torch_add


class Tokens(NodeBase):
    """A feature map (C, H, W) or (C, L) as C features of N = H W (or L) tokens."""

    op: Literal["tokens"]


class LayerNorm(NodeBase):
    """Layer normalisation over the D features of each token (gamma, beta: 2 D)."""

    op: Literal["layernorm"]
    affine: StrictBool = True


class SplitHeads(NodeBase):
    """(D, N) -> (heads, D / heads, N)."""

    op: Literal["split_heads"]
    heads: PositiveInt


class MergeHeads(NodeBase):
    """(heads, d, N) -> (heads d, N)."""

    op: Literal["merge_heads"]


class MatMul(NodeBase):
    """A (b, m, k) x B (b, k, n) -> (b, m, n), each input transposed first when asked."""

    op: Literal["matmul"]
    transpose_a: StrictBool = False
    transpose_b: StrictBool = False


class Multiply(NodeBase):
    """Element-wise product of two activations (size-1 dimensions broadcast)."""

    op: Literal["multiply"]


class TokenSum(NodeBase):
    """Sum over the token axis (the last one): (D, N) -> (D, 1)."""

    op: Literal["token_sum"]


class MembraneAdd(NodeBase):
    """The membrane shortcut: element-wise sum of membrane potentials (same shapes)."""

    op: Literal["membrane_add"]


def _tokens(node, input_shapes):
    shape = input_shapes[0]
    expect_rank(node, shape, (2, 3), "(C, H, W) or (C, L)")
    return (shape[0], prod(shape[1:]))


def _norm_params(node, input_shapes):
    return 2 * input_shapes[0][0] if node.affine else 0


def _split(node, input_shapes):
    shape = input_shapes[0]
    expect_rank(node, shape, (2,), "(D, N) token")
    if known(shape[0]) and shape[0] % node.heads:
        raise ShapeError(where(node, "heads"), f"{node.heads} heads do not divide the {shape[0]} features",
                         "a divisor of the feature count D")
    return (node.heads, shape[0] // node.heads, shape[1])


def _merge(node, input_shapes):
    shape = input_shapes[0]
    expect_rank(node, shape, (3,), "(heads, d, N)")
    return (shape[0] * shape[1], shape[2])


def _operands(node, input_shapes):
    a, b = (tuple(s) for s in input_shapes)
    for s in (a, b):
        expect_rank(node, s, (3,), "(heads, rows, columns)")
    if node.transpose_a:
        a = (a[0], a[2], a[1])
    if node.transpose_b:
        b = (b[0], b[2], b[1])
    return a, b


def _matmul(node, input_shapes):
    a, b = _operands(node, input_shapes)
    if known(a[0]) and known(b[0]) and a[0] != b[0] or known(a[2]) and known(b[1]) and a[2] != b[1]:
        raise ShapeError(where(node, "inputs"), f"cannot multiply {list(a)} by {list(b)} (after transposes)",
                         "A (b, m, k) and B (b, k, n): equal heads b and inner size k")
    return (a[0], a[1], b[2])


def _matmul_macs(node, input_shapes, out):
    """b x m x k x n: one multiply-accumulate per term of each output element."""
    a, _ = _operands(node, input_shapes)
    return prod(out) * a[2]


def _multiply(node, input_shapes):
    a, b = (tuple(s) for s in input_shapes)
    if len(a) != len(b) or any(known(x) and known(y) and x != y and 1 not in (x, y) for x, y in zip(a, b)):
        raise ShapeError(where(node, "inputs"), f"cannot broadcast {list(a)} with {list(b)}",
                         "equal shapes, or size 1 where they differ")
    return tuple(y if x == 1 else x for x, y in zip(a, b))


def _elements(node, input_shapes, out):
    return prod(out)


def _token_sum(node, input_shapes):
    shape = input_shapes[0]
    expect_rank(node, shape, (2,), "(D, N) token")
    return (shape[0], 1)


def _token_sum_ops(node, input_shapes, out):
    return prod(input_shapes[0])


# What autograd keeps (snncost.training.saved; measured with saved_tensors_hooks in
# tests/test_training_torch.py): token layouts and head splits are views and sums keep
# sizes only; layer norm keeps its input and per-token mean and 1/std; a product of two
# activations keeps each operand whose partner is tracked.
def _layernorm_saved(node, input_shapes, output_shape, ctx):
    """native_layer_norm: the input (in its dtype: CPU autocast runs layer norm as given)
    and the per-token mean and 1/std (one each per token); nothing when neither the input
    nor an affine parameter is tracked.  ATen's CPU kernel keeps the statistics in fp32
    (``statistics_bytes``) only for a mixed-type call, a bf16 input with the fp32 affine
    parameters; without them, in the input's dtype (measured: bf16 input, no affine:
    three bf16 tensors (B, N, D), (B, N, 1), (B, N, 1); tests/test_training_torch.py)."""
    if not (node.affine or ctx.tracked):
        return []
    tokens = prod(input_shapes[0][1:])
    statistics_bytes = ctx.profile.statistics_bytes if node.affine else ctx.dtype_bytes[ctx.sources[0]]
    return [kept_input(ctx), Saved("mean, 1/std", 2 * tokens, statistics_bytes)]


def _layernorm_note(node, profile):
    if profile.name == "pytorch":
        return ("layernorm under autocast: CPU's behaviour is modelled (it runs in its input's dtype); "
                "CUDA autocast runs layer_norm in fp32 (an fp32 copy of a bf16 input, fp32 output): not modelled")
    return None


def _operands_saved(node, input_shapes, output_shape, ctx):
    """mul / bmm keep operand i when the other operand is tracked (its gradient needs it):
    as given (mul, any dtype; matmul's operands reshape as views), or, for matmul under
    autocast, a copy per call in the autocast dtype when it is not already in it."""
    kept = []
    for i, partner in ((0, 1), (1, 0)):
        if ctx.requires_grad[partner]:
            what = f"operand {'AB'[i]}"
            kept.append(weighted_input(ctx, prod(input_shapes[i]), index=i, what=what) if node.op == "matmul"
                        else kept_input(ctx, i, what))
    return kept


def _torch_module(forward):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    """A parameter-free torch module running ``forward(node, *inputs)``."""
    def rule(node, input_shapes):
        from ..training.reference import function_module

        return function_module(lambda *xs: forward(node, *xs))
    return rule


def _torch_layernorm(node, input_shapes):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    """nn.LayerNorm over the features (dimension 1 of the batch), moved last and back (views)."""
    from ..training.reference import function_module, torch_nn

    norm = torch_nn().LayerNorm(input_shapes[0][0], elementwise_affine=node.affine)
    return function_module(lambda x: norm(x.movedim(1, -1)).movedim(-1, 1), norm)


def _matmul_forward(node, a, b):  # pragma: no mutate block (torch only: tests/test_training_torch.py, not a fast test)
    return (a.transpose(-1, -2) if node.transpose_a else a).matmul(b.transpose(-1, -2) if node.transpose_b else b)


_VIEW = {**NOTHING, "train_view": True}
add_kind(NodeKind("tokens", Tokens, shape=_tokens, stride="drop", family="structure",
                  doc=("", "(C, H W)", "0"), rules={"spikes": "through", "hardware": hardware_passthrough, **_VIEW,
                                                    "torch": _torch_module(lambda node, x: x.flatten(2)),
                                                    "nir": TRANSFORMER}))
add_kind(NodeKind("layernorm", LayerNorm, shape=same_shape, params=_norm_params, family="norm",
                  doc=("`affine` (true)", "unchanged", "2 D (gamma, beta)"),
                  rules={"extra_ops": ("layernorm", _elements), "train_saved": _layernorm_saved,
                         "train_note": _layernorm_note, "torch": _torch_layernorm, "nir": TRANSFORMER}))
add_kind(NodeKind("split_heads", SplitHeads, shape=_split, family="structure",
                  doc=("`heads`", "(heads, D/heads, N)", "0"),
                  rules={"spikes": "through", "hardware": hardware_passthrough, **_VIEW,
                         "torch": _torch_module(lambda node, x: x.unflatten(1, (node.heads, -1))), "nir": TRANSFORMER}))
add_kind(NodeKind("merge_heads", MergeHeads, shape=_merge, family="structure",
                  doc=("", "(heads d, N)", "0"), rules={"spikes": "through", "hardware": hardware_passthrough, **_VIEW,
                                                        "torch": _torch_module(lambda node, x: x.flatten(1, 2)), "nir": TRANSFORMER}))
add_kind(NodeKind("matmul", MatMul, shape=_matmul, inputs=(2, 2), family="structure",
                  doc=("`inputs` (A, B), `transpose_a`, `transpose_b` (false)", "(b, m, n)", "0"),
                  rules={"macs": _matmul_macs, "operands": 2, "train_saved": _operands_saved, "train_autocast": True,
                         "torch": _torch_module(_matmul_forward), "nir": TRANSFORMER}))
add_kind(NodeKind("multiply", Multiply, shape=_multiply, inputs=(2, 2), family="structure",
                  doc=("`inputs` (two, broadcastable)", "the broadcast shape", "0"),
                  rules={"macs": _elements, "operands": 2, "spikes": "product", "train_saved": _operands_saved,
                         "torch": _torch_module(lambda node, a, b: a * b), "nir": TRANSFORMER}))
add_kind(NodeKind("token_sum", TokenSum, shape=_token_sum, stride="drop", family="structure",
                  doc=("", "(D, 1)", "0"), rules={"macs": _token_sum_ops, "spikes": "token-sum", **NOTHING,
                         "torch": _torch_module(lambda node, x: x.sum(-1, keepdim=True)), "nir": TRANSFORMER}))
add_kind(NodeKind("membrane_add", MembraneAdd, shape=_add, inputs=(2, None), family="structure",
                  doc=("`inputs` (2 or more, equal shapes)", "the common shape", "0"),
                  rules={**NOTHING, "torch": _torch_add, "nir": TRANSFORMER}))
