"""Weight sparsity and storage formats (snncost.pruning), hand-derived.

Small spec: input 2x4x4 -> conv 3x3 (2->4, no bias, pad 1) -> lif -> flatten -> linear 64->3 (bias).
conv weight tensor (4, 2, 3, 3): N = 72; linear weight tensor (3, 64): N = 192, plus 3 biases.
"""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snncost.analysis import analyze
from snncost.cli import main
from snncost.errors import ConfigError
from snncost.pruning import nonzeros, parse_sparsity, storage_bits
from snncost.spec import SpecBuilder

from strategies import network_specs


def tiny():
    b = SpecBuilder("tiny", (2, 4, 4), timesteps=2)
    b.conv2d("conv", 4, 3, padding=1)
    b.lif("lif")
    b.flatten("flat")
    b.linear("fc", 3)
    return b.build()


def test_storage_formats_of_one_tensor_by_hand():
    # conv tensor (4, 2, 3, 3), N = 72, sparsity 3/4: zeros floor(54) = 54, nnz = 18; 8-bit weights
    s = storage_bits((4, 2, 3, 3), 8, Fraction(3, 4))
    assert s["nonzeros"] == 18
    assert s["dense"] == 72 * 8                       # 576
    assert s["values"] == 18 * 8                      # 144
    assert s["bitmask"] == 72 + 18 * 8                # 216
    # coo: coordinates ceil(log2 4) + ceil(log2 2) + 2 x ceil(log2 3) = 2 + 1 + 2 + 2 = 7 bits
    assert s["coo"] == 18 * (8 + 7)                   # 270
    # csr: 4 rows of 18; column index ceil(log2 18) = 5; pointers ceil(log2 73) = 7 bits, 5 of them
    assert s["csr"] == 18 * (8 + 5) + 5 * 7           # 269


def test_index_bits_override():
    s = storage_bits((4, 2, 3, 3), 8, Fraction(3, 4), index_bits=16)
    assert s["coo"] == 18 * (8 + 16)
    assert s["csr"] == 18 * (8 + 16) + 5 * 7


def test_nonzeros_rounding():
    # 10 weights at 94.94%: zeros floor(9.494) = 9, one weight stays
    assert nonzeros(10, Fraction(9494, 10000)) == 1
    assert nonzeros(100, Fraction(1, 2)) == 50
    assert nonzeros(7, Fraction(0)) == 7


def test_network_totals_by_hand():
    # sparsity 1/2, 32-bit weights: conv nnz = 36; fc nnz = 96; biases (3) dense
    r = analyze(tiny(), sparsity=0.5, weight_format="bitmask")
    t = r.totals
    assert t["weight_elements"] == 72 + 192
    assert t["weight_nonzeros"] == 36 + 96
    assert t["weight_dense_bits"] == 267 * 32
    assert t["weight_values_bits"] == (36 + 96 + 3) * 32
    assert t["weight_bitmask_bits"] == (72 + 36 * 32) + (192 + 96 * 32) + 3 * 32
    assert t["weight_bits"] == t["weight_bitmask_bits"]  # the chosen format is what weight memory counts
    # the report lists every format
    from snncost.render.report_table import render_report

    text = render_report(r, "text", "bit", 0)
    for fmt in ("dense", "values", "bitmask", "coo", "csr"):
        assert f"weights stored {fmt}" in text


def test_per_node_sparsity_override():
    # only the fc is pruned (3/4: nnz = 192 - 144 = 48); conv stays dense
    t = analyze(tiny(), node_overrides={"fc": {"sparsity": "75%"}}, weight_format="values").totals
    assert t["weight_values_bits"] == (72 + 48 + 3) * 32


@pytest.mark.parametrize("text,value", [("0.9494", Fraction(9494, 10000)), ("94.94%", Fraction(9494, 10000)),
                                        (0.5, Fraction(1, 2)), ("0", Fraction(0))])
def test_parse_sparsity(text, value):
    assert parse_sparsity(text) == value


@pytest.mark.parametrize("bad", ["1", "100%", "-0.1", "half", True])
def test_bad_sparsity(bad):
    with pytest.raises(ConfigError):
        parse_sparsity(bad)


def test_cli_bad_format_exits_2(capsys):
    assert main(["table", "resnet19", "--weight-format", "zip"]) == 2
    assert "unknown weight storage format" in capsys.readouterr().err


def test_efficientlif_fig8_pruned_weights():
    """EfficientLIF-Net Fig. 8: ResNet19 pruned to 94.94% -> weights "about 5 MB" (MiB)."""
    t = analyze("resnet19", sparsity="94.94%", weight_format="values").totals
    # conv/linear weights by hand: stem 3*128*9 = 3,456; stage 1: 128*256*9 + 256*256*9 + 128*256
    # + 4 * 256*256*9 = 3,276,800; stage 2: 256*512*9 + 512*512*9 + 256*512 + 4 * 512*512*9 = 13,107,200;
    # stage 3: 2 * 512*512*9 + 512*512 + 2 * 512*512*9 = 9,699,328; fc 512*10 = 5,120
    n = 3_456 + 3_276_800 + 13_107_200 + 9_699_328 + 5_120
    assert t["weight_elements"] == n == 26_091_904
    tensors = 1 + 8 * 2 + 3 + 1  # convs of the stem, 8 blocks, 3 shortcuts, and the fc
    exact = n * Fraction(506, 10000)  # 5.06% kept
    assert exact <= t["weight_nonzeros"] < exact + tensors  # N - floor(s N) per tensor
    mib = Fraction(t["weight_values_bits"], 8 * 2**20)
    assert Fraction(509, 100) < mib < Fraction(511, 100)  # 1,320,265 x 4 B + dense biases/BN = 5.098 MiB


@settings(max_examples=30, deadline=None)
@given(spec=network_specs(max_layers=4), s1=st.fractions(0, Fraction(99, 100)), s2=st.fractions(0, Fraction(99, 100)),
       fmt=st.sampled_from(["dense", "values", "bitmask", "coo", "csr"]))
def test_pruning_invariants(spec, s1, s2, fmt):
    lo, hi = min(s1, s2), max(s1, s2)
    a = analyze(spec, sparsity=lo, weight_format=fmt, baseline=False).totals
    b = analyze(spec, sparsity=hi, weight_format=fmt, baseline=False).totals
    dense = analyze(spec, baseline=False).totals
    # pruning never increases dense memory (zeros are stored) ...
    assert a["weight_dense_bits"] == b["weight_dense_bits"] == dense["weight_bits"]
    # ... nor the stored values, and more sparsity never stores more of anything
    assert b["weight_nonzeros"] <= a["weight_nonzeros"]
    for f in ("values", "bitmask", "coo", "csr"):
        assert b[f"weight_{f}_bits"] <= a[f"weight_{f}_bits"]
    assert a["weight_values_bits"] <= a["weight_dense_bits"]
    # nothing but weight memory depends on sparsity
    for key in ("lif_forward_bits", "lif_backward_bits", "spike_bits_per_timestep"):
        assert a[key] == b[key] == dense[key]
