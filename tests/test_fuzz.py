"""Fuzzing (issue 5), bounded: hypothesis drives the CLI argument parser and the spec
loader with random and mutated input.  The contract: every run either succeeds
(exit 0) or is refused with one line on stderr and exit 2 (an snncost error); never a
traceback, an internal error (exit 1), a Python exception from the API other than
:class:`snncost.errors.SnnCostError`, or a hang.
"""
from __future__ import annotations

import json
import math
import os
import signal
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from io import StringIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snncost.analysis import analyze
from snncost.cli import main
from snncost.errors import SnnCostError
from snncost.spec import spec_from_dict
from snncost.spec.loader import parse_text

from strategies import spec_dicts

# 60 examples per test keep the suite fast; SNNCOST_FUZZ_EXAMPLES=5000 for a long local run.
FUZZ = settings(max_examples=int(os.environ.get("SNNCOST_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=list(HealthCheck))


@contextmanager
def time_limit(seconds: int):
    """Fail (rather than hang) if one example takes longer than ``seconds``."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum, frame):
        raise TimeoutError(f"one example took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------------------
# The CLI argument parser
# ---------------------------------------------------------------------------

COMMANDS = ["table", "spec", "zoo", "formula", "reproduce", "sweep", "tabel", ""]
MODELS = ["resnet19", "vgg16", "vgg16-sharing-code", "nosuch", "tiny.yaml", "missing.yaml", "bad.json", "./", "-"]
OPTIONS = ["--input", "--timesteps", "-T", "--batch", "-B", "--sharing", "--layer-groups", "--training",
           "--weight-bits", "--membrane-bits", "--spike-bits", "--units", "--digits", "--format", "--out",
           "--quantity", "--symbols", "--layer", "--any-size", "--sparsity", "--node", "--weight-format",
           "--help-me", "--", "-x"]
VALUES = ["32", "0", "-1", "1e3", "nan", "inf", "32x32", "32x", "x", "1x2x3", "10000000000000000000", "99999",
          "L", "C2", "C#4", "L+C2", "C3", "C0", "none", "X", "auto", "table1", "bptt", "reverse", "MiB", "mb", "bit",
          "json", "csv", "md", "latex", "text", "yaml", "out.txt", "nofolder/x", "", " ", "é", "1.5", "64", "65",
          "\x00", "2" * 50, "1:4", "1:9:2", "4:1", "1:0", "8,16", "H,W", "H,T,B,N", "lif_forward_bits", "params",
          "stem.conv", "conv1", "stem.conv:weight_bits=8", "conv1:sparsity=50%", "50%", "0.9", "1", "csr", "coo",
          "ternary", "int8"]
TINY = "name: tiny\ninput: {shape: [3, 8, 8]}\nnodes:\n  - {name: conv1, op: conv2d, out_channels: 4, kernel: 3}\n" \
       "  - {name: lif1, op: lif}\n"

tokens = st.one_of(st.sampled_from(OPTIONS), st.sampled_from(VALUES), st.sampled_from(MODELS),
                   st.text(max_size=12))
argvs = st.builds(lambda cmd, model, rest: [cmd, model, *rest] if cmd else rest,
                  st.sampled_from(COMMANDS), st.sampled_from(MODELS), st.lists(tokens, max_size=8))
option_pairs = st.lists(st.tuples(st.sampled_from(OPTIONS[:-3]), st.sampled_from(VALUES)), max_size=4)


def _run_cli(argv, tmp_path):
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        out, err = StringIO(), StringIO()
        with redirect_stdout(out), redirect_stderr(err), time_limit(20):
            try:
                status = main(list(argv))
            except SystemExit as exc:  # argparse's --help/--version
                status = exc.code if isinstance(exc.code, int) else 0
        return status, out.getvalue(), err.getvalue()
    finally:
        os.chdir(old)


def _check_cli(status, out, err, argv):
    assert status in (0, 2), f"{argv}: exit {status}: {err}"
    assert "Traceback" not in err and "internal error" not in err, f"{argv}: {err}"
    if status == 2:
        assert err.startswith("snncost: ") and err.count("\n") == 1, f"{argv}: {err!r}"


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "tiny.yaml").write_text(TINY)
    (folder / "bad.json").write_text('{"name": ')
    return folder


@FUZZ
@given(argv=argvs)
def test_fuzz_cli_random_argv(argv, fuzz_dir):
    status, out, err = _run_cli(argv, fuzz_dir)
    _check_cli(status, out, err, argv)


@FUZZ
@given(model=st.sampled_from(["resnet19", "tiny.yaml", "vgg16"]),
       command=st.sampled_from(["table", "table", "spec", "formula", "sweep"]), pairs=option_pairs)
def test_fuzz_cli_option_values(model, command, pairs, fuzz_dir):
    argv = [command, model] + [part for pair in pairs for part in pair]
    status, out, err = _run_cli(argv, fuzz_dir)
    _check_cli(status, out, err, argv)
    for leftover in fuzz_dir.iterdir():  # no temporary output file is ever left behind
        assert not leftover.name.endswith(".tmp"), leftover


# ---------------------------------------------------------------------------
# The spec loader
# ---------------------------------------------------------------------------

WEIRD = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1, 2, 3, 10**19, 10**400, 1.5, -0.0, math.nan, math.inf, "", "x",
                     "same", "valid", "lif", "input", "soft", "hard", [], {}, [1], [1, 2], [1, 2, 3], [0, 0],
                     {"op": "lif"}, ["input"], ["nosuch"], "conv1"]),
    st.integers(-5, 40), st.text(max_size=8),
)
FIELDS = ["name", "op", "inputs", "out_channels", "out_features", "kernel", "stride", "padding", "dilation",
          "groups", "bias", "reset", "layer_group", "lanes", "weight_bits", "membrane_bits", "spike_bits", "p",
          "affine", "static", "extra"]
TOP_FIELDS = ["name", "input", "timesteps", "batch", "precision", "groupings", "default_grouping", "notes", "nodes",
              "extra"]


@st.composite
def mutated_specs(draw):
    """A valid random spec with 1-3 mutations: a node field set to an odd value or
    deleted, a top-level field replaced, a node duplicated/removed/moved."""
    data = json.loads(json.dumps(draw(spec_dicts(max_layers=4))))
    for _ in range(draw(st.integers(1, 3))):
        nodes = data["nodes"] if isinstance(data.get("nodes"), list) else []
        action = draw(st.sampled_from(["set", "set", "delete", "top", "duplicate", "remove", "move"]))
        if action in ("set", "delete") and nodes:
            node = nodes[draw(st.integers(0, len(nodes) - 1))]
            key = draw(st.sampled_from(FIELDS))
            if not isinstance(node, dict):
                continue
            if action == "set":
                node[key] = draw(WEIRD)
            else:
                node.pop(key, None)
        elif action == "top":
            data[draw(st.sampled_from(TOP_FIELDS))] = draw(WEIRD)
        elif action == "duplicate" and nodes:
            copy = nodes[draw(st.integers(0, len(nodes) - 1))]
            nodes.insert(draw(st.integers(0, len(nodes))), dict(copy) if isinstance(copy, dict) else copy)
        elif action == "remove" and len(nodes) > 1:
            nodes.pop(draw(st.integers(0, len(nodes) - 1)))
        elif action == "move" and len(nodes) > 1:
            nodes.insert(draw(st.integers(0, len(nodes) - 1)), nodes.pop(draw(st.integers(0, len(nodes) - 1))))
    return data


@FUZZ
@given(data=mutated_specs(), sharing=st.sampled_from(["none", "L", "C2", "L+C2"]))
def test_fuzz_spec_loader_mutations(data, sharing):
    with time_limit(20):
        try:
            spec = spec_from_dict(data)
            analyze(spec, sharing=sharing)
        except SnnCostError as exc:
            text = str(exc)
            assert "\n" not in text and text and len(text) < 2000


@FUZZ
@given(text=st.one_of(
    st.text(max_size=200),
    st.text(alphabet="{}[]:,-&*!|>'\"#\n 0123456789abcnopt_.", max_size=120),
    st.builds(lambda prefix, cut: (TINY + prefix)[:cut], st.text(max_size=30), st.integers(0, 200)),
), suffix=st.sampled_from([".yaml", ".json"]))
def test_fuzz_spec_loader_random_text(text, suffix):
    with time_limit(20):
        try:
            data = parse_text(text, suffix, "spec file 'fuzz" + suffix + "'")
            spec = spec_from_dict(data, origin="spec file 'fuzz'")
            analyze(spec)
        except SnnCostError as exc:
            assert "\n" not in str(exc)


@FUZZ
@given(data=mutated_specs(), fmt=st.sampled_from(["yaml", "json"]))
def test_fuzz_spec_files_through_the_cli(data, fmt, fuzz_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("specs", numbered=True)
    import yaml

    name = f"fuzzed.{fmt}"
    try:
        text = json.dumps(data, allow_nan=True) if fmt == "json" else yaml.safe_dump(data)
    except (ValueError, yaml.YAMLError):
        return
    (folder / name).write_text(text)
    status, out, err = _run_cli(["table", name, "--sharing", "L", "--format", "json"], folder)
    _check_cli(status, out, err, [name])
    if status == 0:
        json.loads(out)
