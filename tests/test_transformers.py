"""Spiking-transformer kinds and zoo models (issue 9): shapes, parameters and MACs by
hand and against PyTorch, the attention counting rule, LIF memory on tokens, formulas."""
from __future__ import annotations

from fractions import Fraction

import pytest

import snncost
from snncost.errors import ShapeError, SpecError
from snncost.spec import SpecBuilder


def _rows(report):
    return {r["name"]: r for r in report.rows}


def tiny_attention(order="kv"):
    """2x2 map of D = 8 features -> N = 4 tokens, 2 heads of d = 4."""
    b = SpecBuilder("attn", (8, 2, 2), timesteps=2)
    b.lif("in_lif")
    x = b.tokens("tok")
    q, k, v = (b.projection(t, 8, inputs=x) for t in "qkv")
    qh, kh, vh = (b.split_heads(f"{t}h", 2, inputs=s) for t, s in zip("qkv", (q, k, v)))
    if order == "kv":
        kv = b.matmul("kv", kh, vh, transpose_b=True)
        b.matmul("out", kv, qh, transpose_a=True)
    else:
        qk = b.matmul("qk", qh, kh, transpose_a=True)
        b.matmul("out", vh, qk, transpose_b=True)
    b.merge_heads("merge")
    b.lif("attn_lif")
    return b.build()


def test_shapes_params_macs_by_hand():
    r = snncost.analyze(tiny_attention("kv"))
    rows = _rows(r)
    assert rows["tok"]["output_shape"] == [8, 4]
    assert rows["qh"]["output_shape"] == [2, 4, 4]
    assert rows["kv"]["output_shape"] == [2, 4, 4]          # (heads, d, d)
    assert rows["out"]["output_shape"] == [2, 4, 4]         # (heads, d, N)
    assert rows["merge"]["output_shape"] == [8, 4]
    assert rows["q.conv"]["macs"] == 8 * 8 * 4              # D x D per token, 4 tokens
    assert rows["kv"]["macs"] == 2 * 4 * 4 * 4              # heads x d x d x N
    assert rows["out"]["macs"] == 2 * 4 * 4 * 4
    assert rows["q.conv"]["params"] == 64 and rows["q.bn"]["params"] == 16
    assert rows["attn_lif"]["lif_neurons"] == 8 * 4         # a token LIF site has D x N neurons
    qk = _rows(snncost.analyze(tiny_attention("qk")))
    assert qk["qk"]["output_shape"] == [2, 4, 4] and qk["qk"]["macs"] == 2 * 4 * 4 * 4  # heads x N x N x d


def test_matmul_macs_match_flop_counter():
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    b = SpecBuilder("mm", (12, 5), timesteps=1)
    b.split_heads("a", 3, inputs="input")            # (3, 4, 5)
    b.split_heads("b", 3, inputs="input")
    b.matmul("ab", "a", "b", transpose_a=True)       # (3, 5, 4) x (3, 4, 5) -> (3, 5, 5)
    b.matmul("ba", "b", "ab", transpose_b=True)      # (3, 4, 5) x (3, 5, 5) -> (3, 4, 5)
    rows = _rows(snncost.analyze(b.build()))
    a = torch.zeros(3, 4, 5)
    with FlopCounterMode(display=False) as counter:
        ab = a.transpose(1, 2) @ a
    assert counter.get_total_flops() == 2 * rows["ab"]["macs"]
    with FlopCounterMode(display=False) as counter:
        a @ ab.transpose(1, 2)
    assert counter.get_total_flops() == 2 * rows["ba"]["macs"]


def test_attention_counting_rule_spikingformer():
    """Attention ACs = T x heads x N x d^2 x (min(r_K, r_V) + r_Q): the count of the
    tool the Spikformer author points to (domain notes sec. 8)."""
    rates = {"in_lif": Fraction(1, 2), "q.lif": Fraction(1, 5), "k.lif": Fraction(1, 4), "v.lif": Fraction(1, 10),
             "attn_lif": Fraction(1, 3)}
    rows = _rows(snncost.analyze(tiny_attention("kv"), rates=rates))
    T, heads, N, d = 2, 2, 4, 4
    assert rows["kv"]["acs"] + rows["out"]["acs"] == T * heads * N * d * d * (min(Fraction(1, 4), Fraction(1, 10)) + Fraction(1, 5))


def test_bad_heads_and_matmul_shapes():
    b = SpecBuilder("bad", (6, 4))
    b.split_heads("h", 4)
    with pytest.raises((ShapeError, SpecError), match="heads"):
        snncost.analyze(b.build())
    b = SpecBuilder("bad2", (8, 4))
    b.split_heads("a", 2, inputs="input")
    b.split_heads("c", 4, inputs="input")
    b.matmul("m", "a", "c")
    with pytest.raises((ShapeError, SpecError), match="cannot multiply"):
        snncost.analyze(b.build())


# ---- zoo ---------------------------------------------------------------------------------

def _spikformer_params(depth, D, classes=1000, cifar=False):
    """By hand from imagenet/model.py (cifar10/model.py): SPS convs (no bias) + BN, blocks, head."""
    widths = (D // 8, D // 4, D // 2, D)
    sps = 3 * widths[0] * 9 + sum(a * b * 9 for a, b in zip(widths, widths[1:])) + D * D * 9   # + rpe conv
    sps += 2 * (sum(widths) + D)                                                                  # BN gamma, beta
    qkv = 3 * (D * D + (D if cifar else 0) + 2 * D)
    proj = D * D + D + 2 * D
    mlp = (D * 4 * D + 4 * D + 8 * D) + (4 * D * D + D + 2 * D)
    return sps + depth * (qkv + proj + mlp) + D * classes + classes


@pytest.mark.parametrize("model, depth, D, cifar", [
    ("spikformer-8-384", 8, 384, False), ("spikformer-6-512", 6, 512, False), ("spikformer-8-512", 8, 512, False),
    ("spikformer-10-512", 10, 512, False), ("spikformer-8-768", 8, 768, False),
    ("spikformer-4-384-cifar", 4, 384, True)])
def test_spikformer_params_by_hand(model, depth, D, cifar):
    assert snncost.analyze(model, baseline=False).totals["params"] == _spikformer_params(depth, D, 10 if cifar else 1000, cifar)


def test_spikformer_tokens_and_first_conv():
    rows = _rows(snncost.analyze("spikformer-8-512", baseline=False))
    assert rows["tokens"]["output_shape"] == [512, 196]                  # 224 / 2^4 = 14, 14 x 14 tokens
    assert rows["sps.conv0"]["macs"] == 3 * 64 * 9 * 224 * 224           # 86,704,128
    assert _rows(snncost.analyze("spikformer-4-384-cifar", baseline=False))["tokens"]["output_shape"] == [384, 64]


def test_spikformer_rules_depend_on_convention():
    neurobench = _rows(snncost.analyze("spikformer-8-512", rates=0.1, baseline=False))
    paper = _rows(snncost.analyze("spikformer-8-512", rates=0.1, spike_sums="paper", baseline=False))
    assert neurobench["block0.q.conv"]["op_rule"].startswith("MAC x T (neurobench)")   # input: spikes + rpe spikes
    assert paper["block0.q.conv"]["acs"] == Fraction(2, 10) * 4 * neurobench["block0.q.conv"]["macs"]  # sum of 2 rates


def test_sdt_every_layer_input_binary():
    """Membrane shortcuts keep every layer input binary: only the first conv costs MACs
    (and the head, fed by an average of spikes)."""
    rows = snncost.analyze("sdt-8-512", rates=0.1, baseline=False).rows
    macs_rows = [r["name"] for r in rows if r["macs"] and not r["op_rule"].startswith("AC")]
    assert macs_rows == ["sps.conv0", "head"]


def test_token_lif_sharing_and_formula():
    shared = snncost.analyze("spikformer-8-512", sharing="C2")
    assert shared.totals["lif_forward_bits"] * 2 == snncost.analyze("spikformer-8-512").totals["lif_forward_bits"]
    expr = snncost.formula("spikformer-8-512", "macs")
    assert int(expr.subs({"H": 224, "W": 224})) == snncost.analyze("spikformer-8-512").totals["macs"]
