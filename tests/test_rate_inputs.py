"""Spike-rate inputs (snncost.rates): one global rate, a dict or a CSV/JSON file keyed by
node name, a default for the rest; every rate an exact Fraction in [0, 1] per timestep
or [0, T] summed over the timesteps.  Each refusal is asserted word for word (the
message names the option, the file, the line or the node)."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import snncost
from snncost.errors import ConfigError, InputFileError
from snncost.rates import parse_rate, read_rates_file, resolve_rates
from snncost.spec import spec_from_dict

# conv -> lif -> maxpool (passes spikes through) -> flatten (through) -> linear -> lif
SPEC = spec_from_dict({"name": "tiny", "input": {"shape": [1, 4, 4]}, "timesteps": 4, "nodes": [
    {"name": "conv1", "op": "conv2d", "out_channels": 2, "kernel": 3, "padding": 1, "bias": False},
    {"name": "lif1", "op": "lif"},
    {"name": "pool", "op": "maxpool2d", "kernel": 2},
    {"name": "flat", "op": "flatten"},
    {"name": "fc", "op": "linear", "out_features": 3, "bias": False},
    {"name": "lif2", "op": "lif"}]})
PER_STEP = "a number in [0, 1] (a rate per timestep; use --rate-mode summed for rates summed over timesteps)"


def _message(call) -> str:
    with pytest.raises((ConfigError, InputFileError)) as info:
        call()
    return str(info.value)


# ---- one rate --------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (0, Fraction(0)), (1, Fraction(1)), (Fraction(1, 3), Fraction(1, 3)),
    (0.1, Fraction(1, 10)),              # read through its decimal text, not 0.1000000000000000055...
    (" 0.25 ", Fraction(1, 4)), ("1e-1", Fraction(1, 10)),
    ("0." + "0" * 37 + "1", Fraction(1, 10**38)),   # 40 characters: the longest text read
])
def test_parse_rate_exact(value, expected):
    rate = parse_rate(value, "option --rates", 1)
    assert rate == expected and type(rate) is Fraction


def test_parse_rate_bounds_are_inclusive():
    assert parse_rate(5, "w", 5) == 5            # upper bound included (summed over T = 5)
    assert parse_rate("0", "w", 5) == 0          # lower bound included
    assert parse_rate(Fraction(5), "w", 5) == 5


@pytest.mark.parametrize("value, upper, message", [
    (True, 1, "option --rates: expected a number, got True; valid: a number in [0, 1]"),
    (False, 1, "option --rates: expected a number, got False; valid: a number in [0, 1]"),
    ([0.1], 1, "option --rates: expected a number, got list; valid: a number in [0, 1]"),
    (None, 1, "option --rates: expected a number, got NoneType; valid: a number in [0, 1]"),
    ("0." + "0" * 38 + "1", 1, "option --rates: expected a number, got str; valid: a number in [0, 1]"),  # 41 characters
    (float("nan"), 1, "option --rates: nan is not a finite number; valid: a number in [0, 1]"),
    (float("inf"), 1, "option --rates: inf is not a finite number; valid: a number in [0, 1]"),
    (float("-inf"), 3, "option --rates: -inf is not a finite number; valid: a number in [0, 3]"),
    (" fast ", 1, "option --rates: 'fast' is not a number; valid: a number in [0, 1]"),
    ("inf", 1, "option --rates: 'inf' is not a finite number; valid: a number in [0, 1]"),
    ("1e999999999", 1, "option --rates: '1e999999999' has an exponent beyond +-40; valid: a number in [0, 1]"),
    ("1e-41", 1, "option --rates: '1e-41' has an exponent beyond +-40; valid: a number in [0, 1]"),
    (1.5, 1, f"option --rates: rate 1.5 is out of range; valid: {PER_STEP}"),
    (Fraction(-1, 10), 1, f"option --rates: rate -0.1 is out of range; valid: {PER_STEP}"),
    (6, 5, "option --rates: rate 6 is out of range; valid: a number in [0, 5] (a rate summed over the T timesteps)"),
    (Fraction(-1, 2), 5, "option --rates: rate -0.5 is out of range; valid: a number in [0, 5] (a rate summed over the T timesteps)"),
])
def test_parse_rate_refusals(value, upper, message):
    assert _message(lambda: parse_rate(value, "option --rates", upper)) == message


def test_parse_rate_exponent_boundary():
    """Exponents up to +-40 are read (a 40-character text cannot need more)."""
    assert parse_rate("1e-40", "w", 1) == Fraction(1, 10**40)
    assert parse_rate("0.5e-39", "w", 1) == Fraction(1, 2 * 10**39)
    assert _message(lambda: parse_rate("1e40", "w", 1)) == f"w: rate 1e+40 is out of range; valid: {PER_STEP}"


# ---- rates files -----------------------------------------------------------------------

def test_csv_file(tmp_path):
    path = tmp_path / "r.CSV"   # the suffix is not case-sensitive
    path.write_text(" Node , RATE \nlif1, 0.5\n\n , \nlif2,1/2\nlif3,\n")
    # names stripped, rates as text (parse_rate reads them); blank lines skipped, a blank rate kept
    assert read_rates_file(path) == {"lif1": " 0.5", "lif2": "1/2", "lif3": ""}


def test_json_file(tmp_path):
    path = tmp_path / "r.Json"
    path.write_text('{"lif1": 0.5, "lif2": "0.25"}')
    assert read_rates_file(str(path)) == {"lif1": 0.5, "lif2": "0.25"}


@pytest.mark.parametrize("name, text, message", [
    ("r.json", "[0.1, 0.2]", "rates file '{p}': holds a JSON list; valid: a JSON object {{\"node\": rate, ...}}"),
    ("r.json", '{"a": 1,\n "b": }', "rates file '{p}': is not valid JSON (Expecting value at line 2); "
                                    "valid: a JSON object {{\"node\": rate, ...}}"),
    ("r.txt", "node,rate\n", "rates file '{p}': unknown file type '.txt'; valid: .csv (header node,rate) or .json"),
    ("r.csv", "", "rates file '{p}': header is None; valid: the header 'node,rate'"),
    ("r.csv", "node\n", "rates file '{p}': header is ['node']; valid: the header 'node,rate'"),
    ("r.csv", "layer,value\n", "rates file '{p}': header is ['layer', 'value']; valid: the header 'node,rate'"),
    ("r.csv", "node,rate\nlif1,0.1\n\nlif2,0.1,x\n", "rates file '{p}' line 4: 3 cells; valid: two cells: node,rate"),
    ("r.csv", "node,rate\nlif1\n", "rates file '{p}' line 2: 1 cells; valid: two cells: node,rate"),
    ("r.csv", "node,rate\nlif1,0.1\n lif1 ,0.2\n", "rates file '{p}' line 3: node 'lif1' given twice; valid: one rate per node"),
])
def test_rates_file_refusals(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    assert _message(lambda: read_rates_file(path)) == message.format(p=path)


# ---- resolving a network's rates ---------------------------------------------------------

@pytest.mark.parametrize("rates", [Fraction(1, 5), 0.2, "0.2", " 2e-1 "])
def test_one_global_rate_for_every_neuron(rates):
    out, sources = resolve_rates(SPEC, rates, None, "per-timestep", 4, False)
    assert out == {"lif1": Fraction(1, 5), "lif2": Fraction(1, 5)}
    assert all(type(v) is Fraction for v in out.values())
    assert sources == {"lif1": "global", "lif2": "global"}


def test_global_rate_covers_event_input_and_summed_mode():
    out, sources = resolve_rates(SPEC, 3, "0", "summed", 4, True)   # summed over T = 4: up to 4
    assert out == {"lif1": 3, "lif2": 3, "input": 3} and sources["input"] == "global"
    message = f"option --rates: rate 1.5 is out of range; valid: {PER_STEP}"
    assert _message(lambda: resolve_rates(SPEC, 1.5, None, "per-timestep", 4, True)) == message


def test_dict_with_default_and_pass_through_nodes():
    out, sources = resolve_rates(SPEC, {"lif1": "0.5", "pool": 0.75}, Fraction(1, 8), "per-timestep", 4, False)
    assert out == {"lif1": Fraction(1, 2), "pool": Fraction(3, 4), "lif2": Fraction(1, 8)}
    assert sources == {"lif1": "given", "pool": "given", "lif2": "default"}
    out, sources = resolve_rates(SPEC, None, "0.3", "per-timestep", 4, True)   # only a default
    assert out == {"lif1": Fraction(3, 10), "lif2": Fraction(3, 10), "input": Fraction(3, 10)}
    assert set(sources.values()) == {"default"}


def test_rates_files_through_a_path_and_a_text(tmp_path):
    csv = tmp_path / "r.csv"
    csv.write_text("node,rate\nlif1,0.5\nlif2,0.25\ninput,1\n")
    out, sources = resolve_rates(SPEC, csv, None, "per-timestep", 4, True)   # a Path object
    assert out == {"lif1": Fraction(1, 2), "lif2": Fraction(1, 4), "input": 1} and set(sources.values()) == {"given"}
    js = tmp_path / "r.JSON"
    js.write_text('{"lif1": 4}')
    out, _ = resolve_rates(SPEC, str(js), "1", "summed", 4, False)
    assert out == {"lif1": 4, "lif2": 1}


def test_resolve_refusals(tmp_path):
    csv = tmp_path / "r.csv"
    csv.write_text("node,rate\nlif1,0.5\n")
    assert _message(lambda: resolve_rates(SPEC, str(csv), None, "per-timestep", 4, False)) == (
        f"rates file '{csv}': no rate for node 'lif2'; valid: a rate for every neuron node, or a default "
        "(--rate-default / key 'default' in the API)")
    assert _message(lambda: resolve_rates(SPEC, {"lif1": 0.5}, None, "per-timestep", 4, False)) == (
        "option --rates: no rate for node 'lif2'; valid: a rate for every neuron node, or a default "
        "(--rate-default / key 'default' in the API)")
    assert _message(lambda: resolve_rates(SPEC, "fast.txt", None, "per-timestep", 4, False)) == (
        "option --rates: 'fast.txt' is neither a number nor a .csv/.json rates file; valid: a rate such as 0.15, "
        "or a .csv (header node,rate) / .json file keyed by node name")
    assert _message(lambda: resolve_rates(SPEC, "x" * 70, None, "per-timestep", 4, False)) == (
        f"option --rates: '{'x' * 60}' is neither a number nor a .csv/.json rates file; valid: a rate such as 0.15, "
        "or a .csv (header node,rate) / .json file keyed by node name")
    assert _message(lambda: resolve_rates(SPEC, {"conv1": 0.5}, 0, "per-timestep", 4, True)) == (
        "option --rates node 'conv1': model 'tiny' has no spiking node of that name ('conv1' is a conv2d node); "
        "valid: a neuron node name or 'input' (snncost table lists them)")
    assert _message(lambda: resolve_rates(SPEC, {"nope": 0.5}, 0, "per-timestep", 4, False)) == (
        "option --rates node 'nope': model 'tiny' has no spiking node of that name; "
        "valid: a neuron node name (snncost table lists them)")
    assert _message(lambda: resolve_rates(SPEC, {3: 0.5}, 0, "per-timestep", 4, False)) == (
        "option --rates node 3: model 'tiny' has no spiking node of that name; "
        "valid: a neuron node name (snncost table lists them)")
    assert _message(lambda: resolve_rates(SPEC, {"input": 0.5}, 0, "per-timestep", 4, False)) == (
        "option --rates node 'input': model 'tiny' has no spiking node of that name; "
        "valid: a neuron node name (snncost table lists them)")   # analog input: no rate
    assert _message(lambda: resolve_rates(SPEC, {"lif1": 2}, 0, "per-timestep", 4, False)) == (
        f"option --rates node 'lif1': rate 2 is out of range; valid: {PER_STEP}")
    assert _message(lambda: resolve_rates(SPEC, {"lif1": 5}, 0, "summed", 4, False)) == (
        "option --rates node 'lif1': rate 5 is out of range; valid: a number in [0, 4] (a rate summed over the T timesteps)")
    assert _message(lambda: resolve_rates(SPEC, {"lif1": 1}, "2", "per-timestep", 4, False)) == (
        f"option --rate-default: rate 2 is out of range; valid: {PER_STEP}")
    assert _message(lambda: resolve_rates(SPEC, [0.1], None, "per-timestep", 4, False)) == (
        "option --rates: expected a number, got list; valid: a number in [0, 1]")
    path = tmp_path / "bad.csv"
    path.write_text("node,rate\nlif1,high\n")
    assert _message(lambda: resolve_rates(SPEC, Path(path), 0, "per-timestep", 4, False)) == (
        f"rates file '{path}' node 'lif1': 'high' is not a number; valid: a number in [0, 1]")


def test_analyze_rate_sources_and_summed_rates():
    """Through analyze: lif1 at 2 spikes summed over T = 4 is 1/2 per timestep, so fc
    (32 inputs after 2x2 max-pool of 2x4x4 = 8 x ... ) runs rate x T x MACs ACs."""
    r = snncost.analyze(SPEC, rates={"lif1": 2}, rate_default=4, rate_mode="summed", baseline=False)
    assert r.config.ops.rate_sources == {"lif1": "given", "lif2": "default"}
    fc = {row["name"]: row for row in r.rows}["fc"]
    # fc: 2 x 2 x 2 = 8 inputs (after the 2x2 max-pool) x 3 outputs = 24 MACs; summed rate 2 = 2 spikes
    # per neuron over the 4 timesteps -> 2 x 24 = 48 ACs
    assert fc["macs"] == 24 and fc["acs"] == 48
