"""Precision presets, conventions, per-node overrides, multi-level spikes and IM-SNN's
Eq. 15 total (snncost.precision, snncost.analysis).

Expected bit counts are derived by hand in the comments from a small spec:

    input 2x4x4 -> conv (3x3, pad 1, 2->4, no bias) -> lif -> flatten -> linear 64->3 (bias)

conv: 4 x 2 x 9 = 72 weights; lif: 4 x 4 x 4 = 64 neurons; linear: 64 x 3 + 3 = 195 params.
"""
from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from snncost.analysis import analyze, evaluate, make_config
from snncost.cli import main
from snncost.errors import ConfigError
from snncost.precision import resolve_bits, spike_storage_bits
from snncost.report import json_number
from snncost.spec import SpecBuilder

from strategies import network_specs

CONV_W, NEURONS, FC_PARAMS = 72, 64, 195


def tiny(op="lif", lanes=1, **lif_fields):
    b = SpecBuilder("tiny", (2, 4, 4), timesteps=3)
    b.conv2d("conv", 4, 3, padding=1)
    b.lif("lif", op=op, **({"lanes": lanes} if lanes != 1 else {}), **lif_fields)
    b.flatten("flat")
    b.linear("fc", 3)
    return b.build()


# ---- membrane presets: bits per neuron x 64 neurons ------------------------------------
@pytest.mark.parametrize("preset,options,bits_per_neuron", [
    ("fp32", {}, 32), ("fp16", {}, 16), ("int8", {}, 8), ("int4", {}, 4), ("int2", {}, 2), ("binary", {}, 1),
    ("ternary", {}, Fraction(3, 2)),                                   # IM-SNN counts 1.5 bits
    ("ternary", {"ternary_convention": "imsnn"}, Fraction(3, 2)),
    ("ternary", {"ternary_convention": "packed"}, 2),                  # one value in a 2-bit field
    ("masked-ternary", {}, Fraction(3, 4)),                            # Table III halves the 1.5 bits
    ("masked-ternary", {"masked_convention": "halved", "ternary_convention": "packed"}, 1),
    ("masked-ternary", {"masked_convention": "binary"}, 1),
])
def test_membrane_presets_by_hand(preset, options, bits_per_neuron):
    report = analyze(tiny(), membrane_bits=preset, **options)
    # 64 neurons x bits; BPTT keeps T = 3 copies
    assert report.totals["lif_forward_bits"] == 64 * bits_per_neuron
    assert report.totals["lif_backward_bits"] == 3 * 64 * bits_per_neuron
    assert report.totals["eq15_membrane_bits"] == 64 * bits_per_neuron


def test_ternary_log2_stays_exact_symbolic():
    report = analyze(tiny(), membrane_bits="ternary", ternary_convention="log2")
    forward = report.totals["lif_forward_bits"]
    # 64 log2(3) exactly, not a float
    assert sympy.simplify(forward - 64 * sympy.log(3) / sympy.log(2)) == 0
    assert not isinstance(forward, float)
    assert 101.43 < float(forward) < 101.44  # 64 x 1.58496... = 101.4376
    # the report names the convention and JSON gets a float only at the boundary
    assert any("convention 'log2'" in n for n in report.notes)
    assert isinstance(json_number(forward), float)


@pytest.mark.parametrize("preset,bits", [("fp32", 32), ("fp16", 16), ("int8", 8), ("int4", 4), ("int2", 2), ("binary", 1),
                                         ("ternary", Fraction(3, 2))])
def test_weight_presets_by_hand(preset, bits):
    report = analyze(tiny(), weight_bits=preset)
    # all parameters: 72 conv + 195 linear = 267
    assert report.totals["weight_bits"] == 267 * bits
    # Eq. 15 with conv weights only (IM-SNN's tables): 72 x bits
    assert report.totals["eq15_weight_bits"] == 72 * bits


def test_fractional_bits_are_fractions():
    report = analyze(tiny(), weight_bits=1.5, membrane_bits="3/2")
    assert report.totals["weight_bits"] == Fraction(801, 2)  # 267 x 1.5
    assert report.totals["lif_forward_bits"] == 96            # 64 x 1.5
    assert isinstance(report.config.weight_bits, Fraction)


def test_masked_ternary_is_membrane_only():
    with pytest.raises(ConfigError, match="membrane convention only"):
        make_config(tiny(), weight_bits="masked-ternary")


@pytest.mark.parametrize("kwargs,match", [
    ({"membrane_bits": "ternery"}, "neither a number of bits nor a preset"),
    ({"membrane_bits": "ternary", "ternary_convention": "log3"}, "unknown ternary convention"),
    ({"membrane_bits": "masked-ternary", "masked_convention": "half"}, "unknown masked-ternary convention"),
    ({"spike_encoding": "binary"}, "unknown spike encoding"),
    ({"membrane_bits": 65}, "out of range"),
    ({"eq15_weights": "weights"}, "unknown weight count"),
    ({"node_overrides": {"nope": {"weight_bits": 8}}}, "has no node 'nope'"),
    ({"node_overrides": {"conv": {"bits": 8}}}, "unknown setting 'bits'"),
    ({"node_overrides": {"conv": {"membrane_bits": 8}}}, "applies to neuron nodes"),
    ({"node_overrides": {"lif": {"weight_bits": 8}}}, "applies to nodes with weights"),
])
def test_bad_precision_options(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        make_config(tiny(), **kwargs)


def test_cli_bad_preset_exits_2(capsys):
    assert main(["table", "resnet19", "--membrane-bits", "tern"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--membrane-bits" in err and "ternary" in err


# ---- per-node overrides ---------------------------------------------------------------
def test_node_override_wins_over_network_and_node_field():
    spec = tiny(membrane_bits=16)  # the node field says 16 bits
    # network 4-bit weights, first and last layers at full precision (the usual exception)
    report = analyze(spec, weight_bits=4, membrane_bits=2,
                     node_overrides={"conv": {"weight_bits": 32}, "fc": {"weight_bits": 32}})
    assert report.totals["weight_bits"] == 267 * 32
    assert report.totals["lif_forward_bits"] == 64 * 16       # the node field beats --membrane-bits 2
    report = analyze(spec, weight_bits=4, node_overrides={"fc": {"weight_bits": 8}, "lif": {"membrane_bits": "ternary"}})
    assert report.totals["weight_bits"] == 72 * 4 + 195 * 8  # 288 + 1560
    assert report.totals["lif_forward_bits"] == 96           # the override beats the node field (64 x 1.5)
    assert any("per-node overrides" in n for n in report.notes)


def test_cli_node_override(capsys):
    code = main(["table", "imsnn-resnet19", "--weight-bits", "4", "--node", "stem.conv:weight_bits=32",
                 "--format", "json"])
    import json

    data = json.loads(capsys.readouterr().out)
    assert code == 0
    stem = next(r for r in data["layers"] if r["name"] == "stem.conv")
    assert stem["weight_bits"] == 3 * 64 * 9 * 32  # 1728 weights at 32 bits
    assert data["config"]["node_overrides"] == {"stem.conv": {"weight_bits": 32}}


# ---- multi-level spikes (one-hot M-LIF, seed 004) -------------------------------------
@pytest.mark.parametrize("lanes,one_hot,encoded", [
    (1, 1, 1), (2, 2, 2), (3, 3, 2), (4, 4, 3), (7, 7, 3), (8, 8, 4),  # ceil(log2(S+1)) by hand
])
def test_spike_storage_per_neuron(lanes, one_hot, encoded):
    assert spike_storage_bits(lanes, 1, "one-hot") == one_hot
    assert spike_storage_bits(lanes, 1, "encoded") == encoded
    spec = tiny(op="mlif", lanes=lanes)
    assert analyze(spec).totals["spike_bits_per_timestep"] == 64 * one_hot
    assert analyze(spec, spike_encoding="encoded").totals["spike_bits_per_timestep"] == 64 * encoded
    # all T = 3 timesteps
    assert analyze(spec, spike_encoding="encoded").totals["spike_bits_all_timesteps"] == 3 * 64 * encoded


def test_encoded_spikes_symbolic_lanes():
    S = sympy.Symbol("S", positive=True, integer=True)
    value = spike_storage_bits(S, 1, "encoded")
    assert value.subs(S, 4) == 3 and value.subs(S, 7) == 3 and value.subs(S, 8) == 4


# ---- Eq. 15 total ----------------------------------------------------------------------
def test_eq15_by_hand():
    # M_t = w_p N_w + u_p N_f + u_s N_f = 4 x 72 + 1.5 x 64 + 1 x 64 = 288 + 96 + 64 = 448
    report = analyze(tiny(), weight_bits=4, membrane_bits="ternary")
    assert report.totals["eq15_bits"] == 448
    # counting every parameter: 4 x 267 + 96 + 64 = 1228
    assert analyze(tiny(), weight_bits=4, membrane_bits="ternary", eq15_weights="all").totals["eq15_bits"] == 1228


def test_evaluate_on_symbols_keeps_working():
    n = sympy.Symbol("n", positive=True, integer=True)
    spec = tiny()
    config = make_config(spec, weight_bits=4, membrane_bits="ternary")
    from snncost.shapes import infer_shapes

    shapes = infer_shapes(spec, (2, n, n))
    rows, totals = evaluate(spec, config, shapes)
    assert sympy.simplify(totals["lif_forward_bits"] - Fraction(3, 2) * 4 * n**2) == 0
    assert totals["lif_forward_bits"].subs(n, 4) == 96


# ---- invariants ------------------------------------------------------------------------
BITS = st.sampled_from([1, 2, 3, 4, 8, 16, 32, Fraction(3, 2)])


@settings(max_examples=25, deadline=None)
@given(spec=network_specs(max_layers=4, mlif=True), low=BITS, high=BITS)
def test_memory_monotone_in_bits(spec, low, high):
    low, high = min(low, high), max(low, high)
    a = analyze(spec, weight_bits=low, membrane_bits=low, spike_bits=low, baseline=False).totals
    b = analyze(spec, weight_bits=high, membrane_bits=high, spike_bits=high, baseline=False).totals
    for key in ("weight_bits", "lif_forward_bits", "lif_backward_bits", "spike_bits_per_timestep", "total_bits", "eq15_bits"):
        assert a[key] <= b[key]
    # and exactly proportional: every memory is a sum of count x bits
    assert a["weight_bits"] * high == b["weight_bits"] * low


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_one_lane_mlif_equals_plain_lif(data):
    """S = 1 is the ordinary LIF: an mlif node with one lane costs what a lif node does."""
    from strategies import spec_dicts
    from snncost.spec.loader import spec_from_dict

    d = data.draw(spec_dicts(max_layers=4))
    encoding = data.draw(st.sampled_from(["one-hot", "encoded"]))
    plain = spec_from_dict(d)
    as_mlif = {**d, "nodes": [{**n, "op": "mlif"} if n["op"] == "lif" else n for n in d["nodes"]]}
    mlif = spec_from_dict(as_mlif)
    a = analyze(plain, spike_encoding=encoding, baseline=False).totals
    b = analyze(mlif, spike_encoding=encoding, baseline=False).totals
    assert a == b


def test_resolve_bits_labels_name_the_convention():
    assert "1.5 bits" in resolve_bits("ternary", where="x").label
    assert "log2(3)" in resolve_bits("ternary", where="x", ternary_convention="log2").label
    assert "Table III" in resolve_bits("masked-ternary", where="x").label
