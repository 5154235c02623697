"""Design-space sweeps (snncost.sweep, `snncost sweep`), issue 3.

The central property: for random valid specs and configurations, the closed-form
formula, the sweep and the numeric `analyze` give the same exact numbers.
"""
from __future__ import annotations

import json
from fractions import Fraction
from functools import reduce
from math import gcd

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import snncost
from snncost.cli import main
from snncost.errors import ConfigError, ShapeError, SharingError, SnnCostError
from snncost.formulas import derive, parse_formula_sharing, size_names, total_stride, window_multiple
from snncost.spec import SpecBuilder, spec_from_dict
from snncost.sweeps import parse_bits_list, parse_input_list, parse_int_list, sweep
from strategies import neuron_channels, spec_dicts

QUANTITIES = ["lif_forward_bits", "lif_backward_bits", "weight_bits", "spike_bits_all_timesteps", "total_bits",
              "params", "lif_neurons"]


# --------------------------------------------------------------------------- parsing
def test_parse_ranges_and_lists():
    assert parse_int_list("32:512:32", "--input") == list(range(32, 513, 32))
    assert parse_int_list("1,2,4,8", "--timesteps") == [1, 2, 4, 8]
    assert parse_int_list("1:3,8", "--timesteps") == [1, 2, 3, 8]
    assert parse_int_list("5:9:3", "--batch") == [5, 8]  # STOP only if reached
    assert parse_input_list("224,224x160") == [224, (224, 160)]
    assert parse_bits_list("32,1.5", "--membrane-bits") == [32, Fraction(3, 2)]


@pytest.mark.parametrize("text", ["32:a", "0:4", "5:1", "1:4:0", "", "1,,2", "-1", "1.5", "2:3:4:5", "1e3", "0"])
def test_parse_rejects_bad_text_naming_the_option(text):
    with pytest.raises(ConfigError) as info:
        parse_int_list(text, "--timesteps")
    assert info.value.where == "option --timesteps"


@pytest.mark.parametrize("text", ["65", "0", "abc", "1/2", "-3", "1:80"])
def test_parse_bits_rejects(text):
    with pytest.raises(ConfigError) as info:
        parse_bits_list(text, "--membrane-bits")
    assert info.value.where == "option --membrane-bits"


# --------------------------------------------------------------------------- values
def test_sweep_resnet19_matches_hand_values_and_analyze():
    df = sweep("resnet19", input="32:512:32", timesteps=[1, 2, 4, 8], sharing="none,L,C2,L+C2")
    assert len(df) == 16 * 4 * 4
    assert list(df.columns[:8]) == ["sharing", "H", "W", "T", "B", "b_w", "b_u", "b_s"]
    assert df["lif_forward_bits"].dtype == np.int64
    # by hand: 736 neurons per pixel (see test_formula), 32-bit membrane, batch 1
    row = df[(df.sharing == "none") & (df.H == 32) & (df["T"] == 8)].iloc[0]
    assert row.lif_forward_bits == 736 * 32 * 32 * 32            # 753,664 neurons (2.875 MiB)
    assert row.lif_backward_bits == 8 * 736 * 32 * 32 * 32       # BPTT: T x
    row = df[(df.sharing == "L+C2") & (df.H == 224) & (df["T"] == 4)].iloc[0]
    assert row.lif_forward_bits == 336 * 224 * 224 * 32 // 2    # 32.16 MiB
    assert row.lif_backward_bits == row.lif_forward_bits          # reverse recomputation
    for _, r in df.sample(12, random_state=0).iterrows():
        report = snncost.analyze("resnet19", input=int(r.H), timesteps=int(r["T"]), sharing=r.sharing)
        for q in ("lif_forward_bits", "lif_backward_bits", "total_bits"):
            assert r[q] == report.totals[q]


def test_sweep_sizes_off_the_stride_and_rectangular():
    sizes = [33, 47, (64, 48), 3, 1]
    df = sweep("resnet19", input=sizes, sharing=["L+C2", "C4"], quantities=QUANTITIES)
    for _, r in df.iterrows():
        report = snncost.analyze("resnet19", input=(int(r.H), int(r.W)), sharing=r.sharing)
        assert all(r[q] == report.totals[q] for q in QUANTITIES)


def test_sweep_fractional_bits_exact():
    # conv to 3 channels at 5x5: 75 neurons, odd: x 1.5 bits is not whole
    b = SpecBuilder("odd", (1, 5, 5))
    b.conv2d("c", 3, 3, padding=1)
    b.lif("l")
    spec = b.build()
    df = sweep(spec, input=[5, 7], membrane_bits=[Fraction(3, 2), 2], bits={"b_s": [1, 1.5]},
               quantities=["lif_forward_bits", "total_bits"])
    assert df["lif_forward_bits"].dtype == object
    row = df[(df.H == 5) & (df.b_u == Fraction(3, 2))].iloc[0]
    assert row.lif_forward_bits == Fraction(225, 2)  # 75 x 1.5
    for _, r in df.iterrows():
        report = snncost.analyze(spec, input=int(r.H), membrane_bits=Fraction(r.b_u), spike_bits=Fraction(r.b_s))
        assert r.lif_forward_bits == report.totals["lif_forward_bits"]
        assert r.total_bits == report.totals["total_bits"]


def test_sweep_beyond_int64_stays_exact():
    # 736 x 2^40 pixels x 64 bits x 2^20 batch ~ 2^75.5 bits: more than int64 holds
    df = sweep("resnet19", input=[2**20], batch=[2**20], membrane_bits=[64], quantities=["lif_forward_bits"])
    assert df["lif_forward_bits"].dtype == object
    assert df["lif_forward_bits"].iloc[0] == 736 * 2**40 * 64 * 2**20
    assert df["lif_forward_bits"].iloc[0] == snncost.analyze(
        "resnet19", input=2**20, batch=2**20, membrane_bits=64).totals["lif_forward_bits"]


def test_sweep_too_small_input_is_the_analyze_error():
    with pytest.raises(ShapeError):
        snncost.analyze("vgg16", input=8)
    with pytest.raises(ShapeError):
        sweep("vgg16", input=[32, 8])


def test_auto_grouping_exception_sizes():
    # two LIF sites of one channel, at H x W and after a stride-2 pool: their shapes
    # coincide only at H = W = 1, where the automatic grouping joins them (one buffer)
    b = SpecBuilder("auto", (1, 1, 1))
    b.lif("a")
    b.pool("p", "avgpool2d", 1, stride=2)
    b.lif("b")
    spec = b.build()
    f = derive(spec, "lif_forward_bits", sharing="L", divisible=False)
    assert f.exceptions == (("a", "b", {"H": [1], "W": [1]}),)
    assert not f.holds_at({"H": 1, "W": 1}) and f.holds_at({"H": 1, "W": 3})
    at = {"B": 1, "b_u": 32}
    # by hand: H=W=1: one buffer of 1 neuron = 32 bits; H=W=3: 9 + 4 neurons = 416 bits
    assert snncost.analyze(spec, sharing="L").totals["lif_forward_bits"] == 32
    assert f.expr.subs({**at, "H": 3, "W": 3}) == 416
    df = sweep(spec, input=[1, 3, 5], sharing="L", quantities=["lif_forward_bits"])
    assert df["lif_forward_bits"].tolist() == [32, 416, (25 + 9) * 32]


def test_sweep_per_layer():
    df = sweep("resnet19", input=[32, 64], quantities=["lif_neurons"], layer="s1b1.lif1")
    assert df["lif_neurons"].tolist() == [256 * 16 * 16, 256 * 32 * 32]


@pytest.mark.parametrize("kwargs, where", [
    ({"input": "32:x"}, "option --input"),
    ({"timesteps": "0"}, "option --timesteps"),
    ({"batch": [1, -2]}, "option --batch"),
    ({"sharing": "none,L+CN"}, "option --sharing"),
    ({"quantities": ["nope"]}, "option --quantity"),
    ({"membrane_bits": "70"}, "option --membrane-bits"),
    ({"bits": {"b_q": [1]}}, "option bits"),
    ({"layer": "nope"}, "option --layer"),
])
def test_sweep_bad_options(kwargs, where):
    with pytest.raises(SnnCostError) as info:
        sweep("resnet19", **kwargs)
    assert info.value.where == where


# --------------------------------------------------------------------------- property
def _scheme(draw, spec):
    channels = neuron_channels(None, spec)
    g = reduce(gcd, channels)
    kinds = ["none", "L"] + ([f"C{n}" for n in (2, 3, 4) if g % n == 0])
    scheme = draw(st.sampled_from(kinds))
    if scheme.startswith("C") and draw(st.booleans()):
        scheme = "L+" + scheme
    if draw(st.booleans()):  # spatial windows (seed 002), when the grid fits the spec's own size
        window = draw(st.sampled_from(["W4", "W2", "W2x1", "W1x2", "W9", "W2x4"]))
        candidate = window if scheme == "none" else f"{window}+{scheme}"
        try:
            snncost.analyze(spec, sharing=candidate, baseline=False)
            scheme = candidate
        except SharingError:
            event("window grid does not fit the spec")
    return scheme


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_formula_sweep_and_analyze_agree(data):
    spec = spec_from_dict(data.draw(spec_dicts(max_layers=4, max_size=20, attention=True), label="spec"))
    scheme = _scheme(data.draw, spec)
    names = size_names(spec)
    base = tuple(spec.input.shape[1:]) if names else ()
    strides = total_stride(spec) if names else ()
    # the spec's own size, a larger one off the stride, and a multiple of the stride
    sizes = [base]
    if names:
        sizes.append(tuple(s + data.draw(st.integers(1, 9)) for s in base))
        grid = window_multiple(parse_formula_sharing(scheme)[0], len(names))  # 1s without windows
        sizes.append(tuple(S * g * -(-s // (S * g)) for s, S, g in zip(base, strides, grid)))
    T = data.draw(st.integers(1, 6))
    Bt = data.draw(st.integers(1, 3))
    bw = data.draw(st.sampled_from([32, 8, Fraction(3, 2)]))
    bu = data.draw(st.sampled_from([32, 16, Fraction(3, 2)]))
    bs = data.draw(st.sampled_from([1, 2]))
    reports = {}
    for size in sizes:
        try:
            reports[size] = snncost.analyze(spec, input=size or None, timesteps=T, batch=Bt, sharing=scheme,
                                            weight_bits=bw, membrane_bits=bu, spike_bits=bs).totals
        except (ShapeError, SharingError):
            assert size != base
    sweep_sizes = [s for s in sizes if s in reports]
    event(f"scheme {'W' if 'W' in scheme else scheme.split('+')[-1][0]}, rank {len(spec.input.shape)}, "
          f"{len(sweep_sizes)} sizes")
    df = sweep(spec, input=[s for s in sweep_sizes] if names else None, timesteps=[T], batch=[Bt], sharing=[scheme],
               weight_bits=[bw], membrane_bits=[bu], spike_bits=[bs], quantities=QUANTITIES)
    assert len(df) == len(sweep_sizes)
    for i, size in enumerate(sweep_sizes):
        for q in QUANTITIES:
            assert df[q].iloc[i] == reports[size][q], (q, size)
    values = {"T": T, "B": Bt, "b_w": sympy.nsimplify(bw), "b_u": sympy.nsimplify(bu), "b_s": bs}
    for q in ("lif_forward_bits", "lif_backward_bits", "total_bits"):
        for divisible in (False, True):
            try:
                f = derive(spec, q, sharing=scheme, divisible=divisible)
            except (ShapeError, SharingError):
                event("formula: no closed form for all sizes")
                continue  # branch shapes or a layer group that agree only at some sizes: no formula for all
            assert not f.expr.atoms(sympy.Float)
            for size in sweep_sizes:
                if divisible and any(s % S for s, S in zip(size, f.size_multiple)):  # stride x window grid
                    continue
                sizes_named = dict(zip(names, size))
                value = f.expr.subs({**values, **sizes_named})
                if f.holds_at(sizes_named):
                    assert value == reports[size][q], (q, size, divisible, f.expr)
                else:
                    event("formula: size listed as an exception")


# --------------------------------------------------------------------------- CLI
def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_csv_json_and_plot(tmp_path, capsys):
    csv_path, png = tmp_path / "results.csv", tmp_path / "out.png"
    code, out, err = run_cli(capsys, "sweep", "resnet19", "--input", "32:512:32", "--timesteps", "1,2,4,8",
                             "--sharing", "none,L,C2,L+C2", "--out", str(csv_path), "--plot", str(png))
    assert code == 0, err
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "sharing,H,W,T,B,b_w,b_u,b_s,lif_forward_bits,lif_backward_bits,total_bits"
    assert len(lines) == 1 + 256
    assert lines[1].startswith("none,32,32,1,1,32,32,1,24117248,")  # 736 x 1024 x 32
    if pytest.importorskip("matplotlib"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, _ = run_cli(capsys, "sweep", "resnet19", "--input", "32,48", "--membrane-bits", "1.5",
                           "--format", "json", "--quantity", "lif_forward_bits")
    records = json.loads(out)
    assert records[1]["lif_forward_bits"] == 736 * 48 * 48 * 3 // 2 and records[1]["b_u"] == "1.5"


@pytest.mark.parametrize("argv", [
    ["--input", "32:a"], ["--timesteps", "1,,2"], ["--sharing", "none,X"], ["--quantity", "foo"],
    ["--membrane-bits", "65"], ["--format", "xml"], ["--plot", "a.jpg"], ["--format", "parquet"],
])
def test_cli_bad_options_exit_2_and_write_nothing(tmp_path, capsys, argv):
    out_path = tmp_path / "r.csv"
    code, out, err = run_cli(capsys, "sweep", "resnet19", *argv, "--out", str(out_path)) if argv != ["--format", "parquet"] \
        else run_cli(capsys, "sweep", "resnet19", *argv)
    assert code == 2 and out == ""
    assert err.startswith("snncost: ") and err.count("\n") == 1
    assert not out_path.exists() and list(tmp_path.iterdir()) == []


def test_formula_and_sweep_are_functions_however_imported():
    import snncost.formulas as formula_module
    import snncost.sweeps as sweep_module

    # the modules are snncost.formulas and snncost.sweeps, so importing them never
    # replaces the package attributes snncost.formula / snncost.sweep (the functions)
    assert snncost.formula is formula_module.formula
    assert snncost.sweep is sweep_module.sweep
    assert not callable(formula_module) and not callable(sweep_module)
    assert snncost.formula("resnet19", "lif_sites") == 17  # stem + 8 blocks x 2 LIF sites


def test_non_polynomial_quantities_are_evaluated_exactly_point_by_point():
    from snncost.formulas import _INTERNAL
    from snncost.sweeps import Grid

    T = _INTERNAL["T"]
    expr = sympy.floor(T / 3) * 7  # not a polynomial in T: the slow exact path
    block = Grid._block(None, expr, [T], [np.array([1, 3, 7, 10])], [10], {T: 1}, (4,))
    assert block.tolist() == [0, 7, 14, 21]


def test_exact_text():
    from snncost.sweeps import exact_text

    assert exact_text(Fraction(225, 2)) == "112.5"
    assert exact_text(Fraction(1, 3)) == "1/3"
    assert exact_text(Fraction(-3, 40)) == "-0.075"
    assert exact_text(2**70) == str(2**70)


def test_sequence_model_sweep_matches_analyze(tmp_path):
    path = tmp_path / "seq.yaml"
    path.write_text(
        "name: seq\ninput: {shape: [2, 100]}\ntimesteps: 4\nnodes:\n"
        "  - {name: c1, op: conv1d, out_channels: 16, kernel: 5, stride: 2, padding: 2}\n"
        "  - {name: l1, op: lif}\n"
        "  - {name: p1, op: avgpool1d, kernel: 3, stride: 3}\n"
        "  - {name: c2, op: conv1d, out_channels: 32, kernel: 3, padding: same}\n"
        "  - {name: l2, op: cubalif}\n"
        "  - {name: f, op: flatten}\n"
        "  - {name: fc, op: linear, out_features: 10}\n")
    assert total_stride(snncost.load_spec(path)) == (6,)  # stride 2, then pool stride 3
    quantities = ["total_bits", "params", "lif_forward_bits", "lif_backward_bits"]
    df = sweep(str(path), input=list(range(6, 40)), timesteps=[1, 3], sharing=["none", "L+C4"], quantities=quantities)
    assert list(df.columns[:2]) == ["sharing", "L"]
    for _, r in df.iterrows():
        totals = snncost.analyze(str(path), input=int(r.L), timesteps=int(r["T"]), sharing=r.sharing).totals
        assert all(r[q] == totals[q] for q in quantities)


def test_plot_png_and_missing_matplotlib(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    from snncost.sweeps import plot

    df = sweep("resnet19", input="32:128:32", sharing="none,L+C2", quantities="lif_forward_bits")
    target = tmp_path / "m.png"
    plot(df, str(target), model="resnet19")
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ConfigError, match="matplotlib"):
        plot(df, str(tmp_path / "n.png"))
    assert not (tmp_path / "n.png").exists()


def test_cli_parquet(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    import pandas as pd

    target = tmp_path / "r.parquet"
    code, _, err = run_cli(capsys, "sweep", "resnet19", "--input", "32,48", "--sharing", "none,L+C2", "--out", str(target))
    assert code == 0, err
    df = pd.read_parquet(target)
    assert len(df) == 4
    assert df["lif_forward_bits"].tolist()[:2] == [736 * 32 * 32 * 32, 736 * 48 * 48 * 32]
