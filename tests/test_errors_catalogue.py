"""The bad-input catalogue (issue 5): every case is refused with one line naming the
field, the right error class, exit status 2 from the CLI, no traceback, no output file.

The table in docs/errors.md is generated from CASES by running the real code:

    python tests/test_errors_catalogue.py            # rewrite the table in docs/errors.md
    python tests/test_errors_catalogue.py --check    # exit 1 if the doc is stale

and ``test_doc_table_matches_code`` fails whenever a row of the doc differs from what
the code prints now, so the doc cannot go stale.

Every case runs in a fresh empty folder holding only the case's files, so messages
show short relative paths.  Every ``table``/``spec`` case also gets ``--out result.out``
to prove that no (partial) output file is left behind.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "errors.md"
START, END = "<!-- catalogue:start -->", "<!-- catalogue:end -->"
OUT = ("--out", "result.out")


@dataclass
class Case:
    id: str
    surface: str  # "CLI", "spec file", "API"
    input: str  # what the user gave (shown in the doc)
    error: str  # error class name
    field: str  # text that must appear in the message (the field/option/node it names)
    argv: list[str] | None = None  # CLI cases and spec-file cases
    call: Callable | None = None  # API cases
    files: dict = field(default_factory=dict)  # name -> str or bytes, created before the run
    needs: str | None = None  # an optional extra's module the case needs (skipped without it)

    @property
    def exit(self):
        return 2 if self.argv is not None else None


TINY = "name: tiny\ninput: {shape: [3, 8, 8]}\n"
CONV = "  - {name: conv1, op: conv2d, out_channels: 4, kernel: 3, padding: 1}\n"
LIF = "  - {name: lif1, op: lif}\n"


def spec_case(id, input, error, field, nodes=None, *, top=TINY, extra=(), name="bad.yaml", text=None):
    """A spec-file case: ``text`` (default: ``top`` + ``nodes:`` + the node lines) run as
    ``snncost table bad.yaml``."""
    body = text if text is not None else top + "nodes:\n" + (nodes if nodes is not None else CONV + LIF)
    return Case(id, "spec file", input, error, field, argv=["table", name, *extra], files={name: body})


def cli(id, input, error, field, argv, files=None, needs=None):
    return Case(id, "CLI", input, error, field, argv=argv, files=files or {}, needs=needs)


def api(id, input, error, field, call, needs=None):
    return Case(id, "API", input, error, field, call=call, needs=needs)


def _nir_file(nodes: dict, edges: list, edit=None) -> bytes:
    """A NIR file's bytes (nir.write), optionally edited with h5py afterwards; b"" without nir."""
    try:
        import h5py
        import nir
        import numpy as np
    except ImportError:
        return b""
    from io import BytesIO

    ones = lambda *shape: np.ones(shape, dtype=np.float32)  # noqa: E731
    made = {}
    for name, (kind, *shape) in nodes.items():
        if kind == "Input":
            made[name] = nir.Input(input_type={"input": np.array(shape)})
        elif kind == "LIF":
            made[name] = nir.LIF(tau=ones(*shape), r=ones(*shape), v_leak=ones(*shape), v_threshold=ones(*shape))
        elif kind == "Affine":
            made[name] = nir.Affine(weight=ones(*shape), bias=ones(shape[0]))
        elif kind == "Flatten":
            made[name] = nir.Flatten(input_type={"input": np.array(shape)}, start_dim=1, end_dim=-1)
    buffer = BytesIO()
    from snncost.nir_rules import nir_graph

    nir.write(buffer, nir_graph(nir, made, edges))
    if edit is not None:
        with h5py.File(buffer, "r+") as handle:
            edit(handle)
    return buffer.getvalue()


def _retype(handle):
    del handle["node/nodes/lif/type"]
    handle["node/nodes/lif"].create_dataset("type", data="Sigmoid")


def _no_graph(handle):
    del handle["node"]


NIR_FC = {"in": ("Input", 4), "fc": ("Affine", 6, 4)}
NIR_EDGES = [("in", "fc"), ("fc", "lif")]


def nir_case(id, input, error, field, nodes, edges=NIR_EDGES, edit=None, extra=()):
    return cli(id, input, error, field, ["table", "net.nir", *extra, *OUT],
               files={"net.nir": _nir_file(nodes, edges, edit)}, needs="nir")


def _from_nir(source):
    from snncost.nir_io import from_nir

    return from_nir(source)


def _analyze(*args, **kwargs):
    from snncost import analyze

    return analyze(*args, **kwargs)


def _hardware(*args, **kwargs):
    import snncost

    return snncost.hardware(*args, **kwargs)


def _spec(data):
    from snncost.spec import spec_from_dict

    return spec_from_dict(data)


def _builder_bad_kernel():
    from snncost import SpecBuilder

    b = SpecBuilder("tiny", (3, 8, 8))
    b.conv2d("conv1", 4, kernel=0)
    return b.build()


def _load(path):
    from snncost import load_spec

    return load_spec(path)


DEEP_JSON = "[" * 100_000 + "]" * 100_000
MANY_NODES = ('{"name": "t", "input": {"shape": [3]}, "nodes": ['
              + ", ".join(f'{{"name": "n{i}", "op": "identity"}}' for i in range(100_001)) + "]}")
YAML_BOMB = (TINY + "nodes:\n" + CONV + "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
             + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 9)))

CASES: list[Case] = [
    # ---- the command line -------------------------------------------------------------
    cli("no-command", "`snncost` (no command)", "ConfigError", "command line of 'snncost'", []),
    cli("unknown-command", "`snncost frobnicate`", "ConfigError", "frobnicate", ["frobnicate"]),
    cli("missing-model", "`snncost table` (no model)", "ConfigError", "model", ["table"]),
    cli("unknown-option", "`--colour red`", "ConfigError", "--colour", ["table", "resnet19", "--colour", "red"]),
    cli("unknown-model", "`snncost table nosuch`", "SpecError", "model 'nosuch'", ["table", "nosuch", *OUT]),
    cli("input-zero", "`--input 0`", "ConfigError", "option --input", ["table", "resnet19", "--input", "0", *OUT]),
    cli("input-negative", "`--input=-5`", "ConfigError", "option --input", ["table", "resnet19", "--input=-5", *OUT]),
    cli("input-garbled", "`--input 32x`", "ConfigError", "option --input", ["table", "resnet19", "--input", "32x", *OUT]),
    cli("input-too-many-sizes", "`--input 32x32x32` (2-D input)", "ConfigError", "option --input",
        ["table", "resnet19", "--input", "32x32x32", *OUT]),
    cli("input-huge", "`--input 10000000000000000000` (> 10^18)", "ConfigError", "option --input",
        ["table", "resnet19", "--input", "10000000000000000000", *OUT]),
    cli("input-below-strides", "`snncost table vgg16 --input 8` (4 max pools need 16)", "ShapeError", "pool4",
        ["table", "vgg16", "--input", "8", *OUT]),
    cli("batch-zero", "`--batch 0`", "ConfigError", "option --batch", ["table", "resnet19", "--batch", "0", *OUT]),
    cli("batch-float", "`--batch 1e5`", "ConfigError", "option --batch", ["table", "resnet19", "--batch", "1e5", *OUT]),
    cli("batch-huge", "`--batch 10000000000000000000` (> 10^18)", "ConfigError", "option --batch",
        ["table", "resnet19", "--batch", "10000000000000000000", *OUT]),
    cli("timesteps-zero", "`-T 0`", "ConfigError", "option --timesteps", ["table", "resnet19", "-T", "0", *OUT]),
    cli("timesteps-word", "`--timesteps five`", "ConfigError", "option --timesteps",
        ["table", "resnet19", "--timesteps", "five", *OUT]),
    cli("sharing-unknown", "`--sharing X2`", "SharingError", "option --sharing", ["table", "resnet19", "--sharing", "X2", *OUT]),
    cli("sharing-zero-groups", "`--sharing C0`", "SharingError", "option --sharing", ["table", "resnet19", "--sharing", "C0", *OUT]),
    cli("sharing-not-dividing", "`--sharing C3` (128 channels)", "SharingError", "stem.lif",
        ["table", "resnet19", "--sharing", "C3", *OUT]),
    cli("window-not-dividing", "`--input 28 --sharing W4` (a 7x7 LIF site)", "SharingError", "s2b1.lif1",
        ["table", "resnet19", "--input", "28", "--sharing", "W4", *OUT]),
    cli("window-not-square", "`--sharing W8` (no g x g grid)", "SharingError", "stem.lif",
        ["table", "resnet19", "--sharing", "W8", *OUT]),
    cli("layer-groups-unknown", "`--sharing L --layer-groups nosuch`", "SharingError", "option --layer-groups",
        ["table", "resnet19", "--sharing", "L", "--layer-groups", "nosuch", *OUT]),
    cli("training-unknown", "`--training sgd`", "ConfigError", "option --training",
        ["table", "resnet19", "--training", "sgd", *OUT]),
    cli("reverse-hard-reset", "`snncost table resnet19-baseline-code --sharing L --training reverse` (hard reset)",
        "ConfigError", "stem.lif", ["table", "resnet19-baseline-code", "--sharing", "L", "--training", "reverse", *OUT]),
    cli("units-unknown", "`--units mb`", "ConfigError", "option --units", ["table", "resnet19", "--units", "mb", *OUT]),
    cli("format-unknown", "`--format xml`", "ConfigError", "option --format", ["table", "resnet19", "--format", "xml", *OUT]),
    cli("spec-format-unknown", "`snncost spec resnet19 --format toml`", "ConfigError", "option --format",
        ["spec", "resnet19", "--format", "toml", *OUT]),
    cli("bits-too-many", "`--weight-bits 65`", "ConfigError", "option --weight-bits",
        ["table", "resnet19", "--weight-bits", "65", *OUT]),
    cli("bits-zero", "`--membrane-bits 0`", "ConfigError", "option --membrane-bits",
        ["table", "resnet19", "--membrane-bits", "0", *OUT]),
    cli("bits-nan", "`--spike-bits nan`", "ConfigError", "option --spike-bits", ["table", "resnet19", "--spike-bits", "nan", *OUT]),
    cli("bits-inf", "`--weight-bits inf`", "ConfigError", "option --weight-bits", ["table", "resnet19", "--weight-bits", "inf", *OUT]),
    cli("bits-word", "`--membrane-bits many`", "ConfigError", "option --membrane-bits",
        ["table", "resnet19", "--membrane-bits", "many", *OUT]),
    cli("digits-too-many", "`--digits 101`", "ConfigError", "option --digits", ["table", "resnet19", "--digits", "101", *OUT]),
    cli("digits-negative", "`--digits=-1`", "ConfigError", "option --digits", ["table", "resnet19", "--digits=-1", *OUT]),
    cli("out-missing-folder", "`--out nofolder/t.txt`", "InputFileError", "option --out",
        ["table", "resnet19", "--out", "nofolder/t.txt"]),
    cli("out-is-directory", "`--out adir` (a folder)", "InputFileError", "option --out",
        ["table", "resnet19", "--out", "adir"], files={"adir/keep": ""}),
    # ---- other commands: formula, sweep, reproduce; precision options ---------------------
    cli("formula-quantity-unknown", "`snncost formula resnet19 --quantity nope`", "ConfigError", "option --quantity",
        ["formula", "resnet19", "--quantity", "nope", *OUT]),
    cli("formula-symbol-unknown", "`snncost formula resnet19 --symbols H,Q`", "ConfigError", "option --symbols",
        ["formula", "resnet19", "--symbols", "H,Q", *OUT]),
    cli("formula-symbol-code", "`--symbols \"__import__('os')\"` (never evaluated)", "ConfigError", "option --symbols",
        ["formula", "resnet19", "--symbols", "__import__('os')", *OUT]),
    cli("formula-layer-unknown", "`snncost formula resnet19 --layer nosuch`", "ConfigError", "option --layer",
        ["formula", "resnet19", "--layer", "nosuch", *OUT]),
    cli("sweep-range-huge", "`snncost sweep resnet19 --input 1:1000000000000000000:1`", "ConfigError", "option --input",
        ["sweep", "resnet19", "--input", "1:1000000000000000000:1", *OUT]),
    cli("sweep-range-step-zero", "`--input 32:512:0`", "ConfigError", "option --input",
        ["sweep", "resnet19", "--input", "32:512:0", *OUT]),
    cli("sweep-too-many-combinations", "`--input 1:1000 -T 1:1000 -B 1:1000` (10^9 rows)", "ConfigError", "sweep size",
        ["sweep", "resnet19", "--input", "1:1000", "-T", "1:1000", "-B", "1:1000", *OUT]),
    cli("reproduce-unknown-paper", "`snncost reproduce ../../etc/passwd`", "ConfigError", "PAPER",
        ["reproduce", "../../etc/passwd", *OUT]),
    cli("sparsity-range", "`--sparsity 150%`", "ConfigError", "option --sparsity",
        ["table", "resnet19", "--sparsity", "150%", *OUT]),
    cli("node-override-unknown-node", "`--node nosuch:weight_bits=8`", "ConfigError", "nosuch",
        ["table", "resnet19", "--node", "nosuch:weight_bits=8", *OUT]),
    cli("node-override-unknown-key", "`--node stem.conv:foo=1`", "ConfigError", "foo",
        ["table", "resnet19", "--node", "stem.conv:foo=1", *OUT]),
    cli("weight-format-unknown", "`--weight-format zip`", "ConfigError", "option --weight-format",
        ["table", "resnet19", "--weight-format", "zip", *OUT]),
    cli("out-nul-byte", "`--out` with a NUL byte in the path", "InputFileError", "option --out",
        ["table", "resnet19", "--out", "out\x00.txt"]),
    # ---- files that cannot be read ------------------------------------------------------
    cli("file-nul-byte", "a spec path with a NUL byte", "InputFileError", "spec file", ["table", "bad\x00.yaml", *OUT]),
    cli("file-missing", "`snncost table missing.yaml`", "InputFileError", "missing.yaml", ["table", "missing.yaml", *OUT]),
    cli("file-is-directory", "`snncost table specs.yaml` (a folder)", "InputFileError", "specs.yaml",
        ["table", "specs.yaml", *OUT], files={"specs.yaml/keep": ""}),
    cli("file-not-a-folder", "`snncost table tiny.yaml/x.yaml`", "InputFileError", "tiny.yaml/x.yaml",
        ["table", "tiny.yaml/x.yaml", *OUT], files={"tiny.yaml": TINY + "nodes:\n" + CONV}),
    cli("file-not-utf8", "a spec file of bytes `ff fe 00`", "InputFileError", "binary.yaml",
        ["table", "binary.yaml", *OUT], files={"binary.yaml": b"\xff\xfe\x00"}),
    cli("file-nir", "`snncost table net.nir` (6 bytes of an HDF5 signature)", "InputFileError", "net.nir",
        ["table", "net.nir", *OUT], files={"net.nir": b"\x89HDF\r\n"}, needs="nir"),
    # ---- NIR graphs (snncost.nir_io) ------------------------------------------------------
    cli("nir-not-hdf5", "`snncost table net.nir` of YAML text", "InputFileError", "net.nir",
        ["table", "net.nir", *OUT], files={"net.nir": TINY + "nodes:\n" + CONV}),
    nir_case("nir-no-graph", "an HDF5 .nir file without a 'node' group", "InputFileError", "net.nir",
             {**NIR_FC, "lif": ("LIF", 6)}, edit=_no_graph),
    nir_case("nir-unknown-type", "a NIR node of type `Sigmoid`", "SpecError", "lif", {**NIR_FC, "lif": ("LIF", 6)},
             edit=_retype),
    nir_case("nir-dangling-edge", "a NIR edge `('fc', 'ghost')`", "SpecError", "ghost", {**NIR_FC, "lif": ("LIF", 6)},
             edges=[*NIR_EDGES, ("fc", "ghost")]),
    nir_case("nir-neuron-size", "a NIR LIF of 5 neurons after a 6-output Affine", "ShapeError", "lif",
             {**NIR_FC, "lif": ("LIF", 5)}),
    nir_case("nir-weight-size", "a NIR Affine of 9 inputs fed 6 features", "ShapeError", "fc2",
             {**NIR_FC, "fc2": ("Affine", 3, 9)}, edges=[("in", "fc"), ("fc", "fc2")]),
    nir_case("nir-two-inputs", "a NIR graph with two Input nodes", "SpecError", "Input",
             {**NIR_FC, "in2": ("Input", 6), "lif": ("LIF", 6)}, edges=[*NIR_EDGES, ("in2", "lif")]),
    nir_case("nir-unreachable", "a NIR node fed by nothing", "SpecError", "lif2",
             {**NIR_FC, "lif": ("LIF", 6), "lif2": ("LIF", 6)}),
    nir_case("nir-partial-flatten", "a NIR Flatten of dimensions 1..-1 of a (3, 4, 4) input", "SpecError", "flat",
             {"in": ("Input", 3, 4, 4), "flat": ("Flatten", 3, 4, 4)}, edges=[("in", "flat")]),
    nir_case("nir-reset-unknown", "`--reset zero` on a .nir model", "ConfigError", "option --reset",
             {**NIR_FC, "lif": ("LIF", 6)}, extra=("--reset", "zero")),
    cli("reset-not-nir", "`--reset soft` on a zoo model", "ConfigError", "option --reset",
        ["table", "resnet19", "--reset", "soft", *OUT]),
    cli("to-nir-maxpool", "`snncost spec vgg16 --to-nir vgg16.nir` (max pooling)", "SpecError", "pool1",
        ["spec", "vgg16", "--to-nir", "vgg16.nir"], needs="nir"),
    cli("to-nir-no-folder", "`snncost spec imsnn-vgg9 --to-nir missing/vgg9.nir`", "InputFileError", "option --to-nir",
        ["spec", "imsnn-vgg9", "--to-nir", "missing/vgg9.nir"], needs="nir"),
    cli("to-nir-concat", "`--to-nir` of a spec with `concat`", "SpecError", "cat",
        ["spec", "bad.yaml", "--to-nir", "bad.nir"], needs="nir",
        files={"bad.yaml": TINY + "nodes:\n" + CONV + "  - {name: cat, op: concat, inputs: [conv1, input]}\n"}),
    cli("plot-format", "`snncost plot resnet19 --out fig.jpg`", "ConfigError", "option --out",
        ["plot", "resnet19", "--out", "fig.jpg"]),
    cli("plot-kind", "`snncost plot resnet19 --kind pie --out fig.png`", "ConfigError", "option --kind",
        ["plot", "resnet19", "--kind", "pie", "--out", "fig.png"], needs="matplotlib"),
    cli("plot-layers-schemes", "`--kind layers --sharing none,L`", "ConfigError", "option --sharing",
        ["plot", "resnet19", "--kind", "layers", "--sharing", "none,L", "--out", "fig.png"], needs="matplotlib"),
    cli("plot-training-bits", "`--kind training --weight-bits 8`", "ConfigError", "option --weight-bits",
        ["plot", "resnet19", "--kind", "training", "--weight-bits", "8", "--out", "fig.png"], needs="matplotlib"),
    cli("plot-quantity-not-sweep", "`--quantity total_bits` with `--kind breakdown`", "ConfigError", "option --quantity",
        ["plot", "resnet19", "--quantity", "total_bits", "--out", "fig.png"]),
    api("api-from-nir-type", "`snncost.from_nir(42)`", "SpecError", "from_nir", lambda: _from_nir(42), needs="nir"),
    cli("file-h5", "`snncost table weights.h5`", "InputFileError", "weights.h5", ["table", "weights.h5", *OUT],
        files={"weights.h5": b"\x89HDF\r\n"}),
    # ---- malformed YAML / JSON ----------------------------------------------------------
    spec_case("yaml-malformed", "`nodes: [ {name: c` (unclosed)", "InputFileError", "bad.yaml",
              text=TINY + "nodes: [ {name: c\n"),
    spec_case("yaml-python-tag", "`!!python/object/apply:os.system [ls]`", "InputFileError", "bad.yaml",
              text="!!python/object/apply:os.system [ls]\n"),
    spec_case("yaml-empty", "an empty file", "SpecError", "bad.yaml", text=""),
    spec_case("yaml-top-list", "`[1, 2]` (a list, not a mapping)", "SpecError", "bad.yaml", text="[1, 2]\n"),
    spec_case("yaml-alias-bomb", "a YAML alias bomb (9^9 elements) under an unknown key", "SpecError", "values",
              text=YAML_BOMB),
    spec_case("yaml-too-large", "a 1.5 MiB YAML file", "InputFileError", "big.yaml",
              text=TINY + "nodes:\n" + CONV + "notes:\n" + "  - xxxxxxxxxxxxxxxxxxxxxxxxxxxx\n" * 50_000, name="big.yaml"),
    spec_case("json-too-many-values", "a JSON spec with a 3,000,000-item list", "SpecError", "values",
              text='{"name": "t", "notes": [' + "0," * 3_000_000 + '0]}', name="big.json"),
    spec_case("json-malformed", "`{\"name\": \"t\",}`", "InputFileError", "bad.json", text='{"name": "t",}',
              name="bad.json"),
    spec_case("json-too-deep", "100,000 nested `[`", "InputFileError", "bad.json", text=DEEP_JSON, name="bad.json"),
    spec_case("json-huge-integer", "an integer literal of 5000 digits", "InputFileError", "bad.json",
              text='{"name": "t", "timesteps": ' + "9" * 5000 + "}", name="bad.json"),
    # ---- spec fields --------------------------------------------------------------------
    spec_case("op-unknown", "`op: conv3d`", "SpecError", "conv9", "  - {name: conv9, op: conv3d, kernel: 3}\n"),
    spec_case("op-missing", "a node without `op`", "SpecError", "conv1", "  - {name: conv1, kernel: 3}\n"),
    spec_case("field-missing", "conv2d without `out_channels`", "SpecError", "out_channels",
              "  - {name: conv1, op: conv2d, kernel: 3}\n"),
    spec_case("field-extra-node", "`strides: 2` (misspelt)", "SpecError", "strides",
              "  - {name: conv1, op: conv2d, out_channels: 4, kernel: 3, strides: 2}\n"),
    spec_case("field-extra-top", "top-level `timestep: 4` (misspelt)", "SpecError", "timestep",
              top=TINY + "timestep: 4\n"),
    spec_case("name-missing", "a node without `name`", "SpecError", "name", "  - {op: lif}\n"),
    spec_case("type-string-int", "`kernel: \"3\"`", "SpecError", "kernel",
              "  - {name: conv1, op: conv2d, out_channels: 4, kernel: \"3\"}\n"),
    spec_case("type-bool-int", "`out_channels: true`", "SpecError", "out_channels",
              "  - {name: conv1, op: conv2d, out_channels: true, kernel: 3}\n"),
    spec_case("type-float-int", "`out_channels: 4.0`", "SpecError", "out_channels",
              "  - {name: conv1, op: conv2d, out_channels: 4.0, kernel: 3}\n"),
    spec_case("type-inputs-string", "`inputs: conv1` (not a list)", "SpecError", "inputs", CONV + "  - {name: lif1, op: lif, inputs: conv1}\n"),
    spec_case("type-node-not-mapping", "a node that is a number", "SpecError", "nodes[0]", "  - 42\n"),
    spec_case("nodes-empty", "`nodes: []`", "SpecError", "nodes", text=TINY + "nodes: []\n"),
    spec_case("size-negative", "`input: {shape: [3, -8, 8]}`", "SpecError", "input.shape",
              top="name: tiny\ninput: {shape: [3, -8, 8]}\n"),
    spec_case("size-zero", "`out_channels: 0`", "SpecError", "out_channels",
              "  - {name: conv1, op: conv2d, out_channels: 0, kernel: 3}\n"),
    spec_case("size-huge", "`out_channels: 10000000000000000000` (> 10^18)", "SpecError", "out_channels",
              "  - {name: conv1, op: conv2d, out_channels: 10000000000000000000, kernel: 3}\n"),
    spec_case("input-rank", "`input: {shape: [1, 3, 8, 8]}`", "SpecError", "input.shape",
              top="name: tiny\ninput: {shape: [1, 3, 8, 8]}\n"),
    spec_case("spec-timesteps-zero", "`timesteps: 0`", "SpecError", "timesteps", top=TINY + "timesteps: 0\n"),
    spec_case("bits-out-of-range", "`precision: {membrane_bits: 128}`", "SpecError", "precision.membrane_bits",
              top=TINY + "precision: {membrane_bits: 128}\n"),
    spec_case("bits-string", "`weight_bits: \"8\"` on a node", "SpecError", "weight_bits",
              "  - {name: conv1, op: conv2d, out_channels: 4, kernel: 3, weight_bits: \"8\"}\n"),
    spec_case("bits-bool", "`spike_bits: true` on a node", "SpecError", "spike_bits",
              CONV + "  - {name: lif1, op: lif, spike_bits: true}\n"),
    spec_case("spec-bits-nan", "`weight_bits: .nan`", "SpecError", "weight_bits", top=TINY + "precision: {weight_bits: .nan}\n"),
    spec_case("reset-unknown", "`reset: zero`", "SpecError", "reset", CONV + "  - {name: lif1, op: lif, reset: zero}\n"),
    spec_case("lanes-not-mlif", "`lanes: 4` on a lif", "SpecError", "lanes", CONV + "  - {name: lif1, op: lif, lanes: 4}\n"),
    spec_case("dropout-p", "`p: 1` on dropout", "SpecError", "'p'", CONV + "  - {name: drop, op: dropout, p: 1}\n"),
    spec_case("name-invalid", "`name: conv 1` (a space)", "SpecError", "conv 1",
              "  - {name: conv 1, op: conv2d, out_channels: 4, kernel: 3}\n"),
    spec_case("name-duplicate", "two nodes named `conv1`", "SpecError", "conv1", CONV + CONV),
    spec_case("name-reserved", "a node named `input`", "SpecError", "input", "  - {name: input, op: lif}\n"),
    spec_case("inputs-dangling", "`inputs: [conv0]` (no such node)", "SpecError", "conv0",
              CONV + "  - {name: lif1, op: lif, inputs: [conv0]}\n"),
    spec_case("inputs-cycle", "`a` reads `b`, `b` reads `a`", "SpecError", "a, b",
              "  - {name: a, op: identity, inputs: [b]}\n  - {name: b, op: identity, inputs: [a]}\n"),
    spec_case("inputs-self", "a node reading itself", "SpecError", "loop",
              "  - {name: loop, op: identity, inputs: [loop]}\n"),
    spec_case("add-one-input", "`add` with one input", "SpecError", "sum", CONV + "  - {name: sum, op: add}\n"),
    spec_case("conv-two-inputs", "a conv with two inputs", "SpecError", "conv2",
              CONV + "  - {name: conv2, op: conv2d, out_channels: 4, kernel: 1, inputs: [input, conv1]}\n"),
    spec_case("too-many-nodes", "100,001 nodes (limit 100,000)", "SpecError", "nodes", text=MANY_NODES, name="big.json"),
    # ---- shapes ---------------------------------------------------------------------------
    spec_case("kernel-larger-than-input", "`kernel: 11` on an 8x8 input", "ShapeError", "conv1",
              "  - {name: conv1, op: conv2d, out_channels: 4, kernel: 11}\n"),
    spec_case("input-below-spec-strides", "stride-4 convs, `--input 8` (8 -> 2 -> 1 -> kernel 3 does not fit)",
              "ShapeError", "conv3",
              "  - {name: conv1, op: conv2d, out_channels: 4, kernel: 3, stride: 4}\n"
              "  - {name: conv2, op: conv2d, out_channels: 4, kernel: 2, stride: 2}\n"
              "  - {name: conv3, op: conv2d, out_channels: 4, kernel: 3}\n", extra=("--input", "8")),
    spec_case("groups-input-channels", "`groups: 2` on 3 input channels", "ShapeError", "groups",
              "  - {name: conv1, op: conv2d, out_channels: 4, kernel: 3, groups: 2}\n"),
    spec_case("groups-out-channels", "`groups: 3`, `out_channels: 4`", "ShapeError", "groups",
              "  - {name: conv1, op: conv2d, out_channels: 4, kernel: 3, groups: 3}\n"),
    spec_case("same-padding-stride", "`padding: same` with `stride: 2`", "ShapeError", "padding",
              "  - {name: conv1, op: conv2d, out_channels: 4, kernel: 3, stride: 2, padding: same}\n"),
    spec_case("pool-padding", "max pool `kernel: 2, padding: 2`", "ShapeError", "padding",
              "  - {name: pool1, op: maxpool2d, kernel: 2, padding: 2}\n"),
    spec_case("conv-on-vector", "conv2d after flatten", "ShapeError", "conv2",
              "  - {name: flat, op: flatten}\n  - {name: conv2, op: conv2d, out_channels: 4, kernel: 1}\n"),
    spec_case("add-shapes", "`add` of 4x8x8 and 3x8x8", "ShapeError", "sum",
              CONV + "  - {name: sum, op: add, inputs: [conv1, input]}\n"),
    spec_case("concat-shapes", "`concat` of 4x8x8 and 4x4x4", "ShapeError", "cat",
              CONV + "  - {name: pool, op: avgpool2d, kernel: 2}\n  - {name: cat, op: concat, inputs: [conv1, pool]}\n"),
    # ---- sharing ---------------------------------------------------------------------------
    spec_case("cn-not-dividing", "`--sharing C3` on a 4-channel LIF site", "SharingError", "lif1",
              extra=("--sharing", "C3")),
    spec_case("window-no-spatial", "`--sharing W4` on a network whose only LIF site is a vector", "SharingError", "lif1",
              "  - {name: fc, op: linear, out_features: 4}\n" + LIF, top="name: tiny\ninput: {shape: [16]}\n",
              extra=("--sharing", "W4")),
    spec_case("l-group-shapes", "`layer_group: g` on LIF sites of 4x8x8 and 4x4x4, `--sharing L`", "SharingError", "'g'",
              CONV + "  - {name: lif1, op: lif, layer_group: g}\n"
              "  - {name: pool, op: avgpool2d, kernel: 2}\n  - {name: lif2, op: lif, layer_group: g}\n",
              extra=("--sharing", "L")),
    spec_case("l-group-membrane-bits", "`layer_group: g` on two same-shape LIF sites with `membrane_bits` 32 and 8, "
              "`--sharing L`", "SharingError", "membrane_bits",
              CONV + "  - {name: lif1, op: lif, layer_group: g, membrane_bits: 32}\n"
              "  - {name: conv2, op: conv2d, out_channels: 4, kernel: 3, padding: 1}\n"
              "  - {name: lif2, op: lif, layer_group: g, membrane_bits: 8}\n",
              extra=("--sharing", "L")),
    spec_case("grouping-member-not-neuron", "grouping member `conv1` (not a neuron)", "SpecError", "conv1",
              top=TINY + "groupings: {mine: {g: [conv1]}}\n"),
    spec_case("grouping-member-twice", "`lif1` in two groups of one grouping", "SpecError", "lif1",
              top=TINY + "groupings: {mine: {g: [lif1], h: [lif1]}}\n"),
    spec_case("grouping-reserved-name", "a grouping named `auto`", "SpecError", "auto", top=TINY + "groupings: {auto: {g: [lif1]}}\n"),
    spec_case("default-grouping-unknown", "`default_grouping: mine` (not declared)", "SpecError", "default_grouping",
              top=TINY + "default_grouping: mine\n"),
    spec_case("reverse-hard-reset-spec", "`reset: hard`, `--sharing L --training reverse`", "ConfigError", "lif1",
              CONV + "  - {name: lif1, op: lif, reset: hard}\n", extra=("--sharing", "L", "--training", "reverse")),
    # ---- the Python API --------------------------------------------------------------------
    api("api-model-type", "`snncost.analyze(42)`", "SpecError", "model", lambda: _analyze(42)),
    api("api-batch-zero", "`analyze('resnet19', batch=0)`", "ConfigError", "option --batch",
        lambda: _analyze("resnet19", batch=0)),
    api("api-batch-bool", "`analyze('resnet19', batch=True)`", "ConfigError", "option --batch",
        lambda: _analyze("resnet19", batch=True)),
    api("api-timesteps-float", "`analyze('resnet19', timesteps=2.5)`", "ConfigError", "option --timesteps",
        lambda: _analyze("resnet19", timesteps=2.5)),
    api("api-sharing-type", "`analyze('resnet19', sharing=2)`", "SharingError", "option --sharing",
        lambda: _analyze("resnet19", sharing=2)),
    api("api-bits-range", "`analyze('resnet19', membrane_bits=0)`", "ConfigError", "option --membrane-bits",
        lambda: _analyze("resnet19", membrane_bits=0)),
    api("api-input-rank", "`analyze('resnet19', input=(32, 32, 32))`", "ConfigError", "option --input",
        lambda: _analyze("resnet19", input=(32, 32, 32))),
    api("api-spec-not-mapping", "`spec_from_dict(['conv'])`", "SpecError", "spec", lambda: _spec(["conv"])),
    api("api-builder-kernel", "`SpecBuilder.conv2d('conv1', 4, kernel=0)`", "SpecError", "kernel", _builder_bad_kernel),
    api("api-load-nir", "`load_spec('net.nir')`", "InputFileError", "net.nir", lambda: _load("net.nir")),
    # ---- op counts and energy (issue 9) ------------------------------------------------------
    cli("rates-out-of-range", "`--rates 1.5`", "ConfigError", "option --rates", ["table", "resnet19", "--rates", "1.5", *OUT]),
    cli("rates-negative", "`--rates -0.1`", "ConfigError", "option --rates", ["table", "resnet19", "--rates=-0.1", *OUT]),
    cli("rates-not-number", "`--rates fast`", "ConfigError", "option --rates", ["table", "resnet19", "--rates", "fast", *OUT]),
    cli("rates-summed-above-T", "`--rates 6 --rate-mode summed` (T = 5)", "ConfigError", "option --rates",
        ["table", "resnet19", "--rates", "6", "--rate-mode", "summed", *OUT]),
    cli("rate-mode-unknown", "`--rate-mode total`", "ConfigError", "option --rate-mode",
        ["table", "resnet19", "--rates", "0.1", "--rate-mode", "total", *OUT]),
    cli("rates-file-unknown-node", "a rates file naming `nope`", "ConfigError", "'nope'",
        ["table", "tiny.yaml", "--rates", "r.csv", *OUT],
        files={"tiny.yaml": TINY + "nodes:\n" + CONV + LIF, "r.csv": "node,rate\nlif1,0.1\nnope,0.2\n"}),
    cli("rates-file-not-spiking", "a rates file giving a rate to conv1 (not a spiking node)", "ConfigError", "'conv1'",
        ["table", "tiny.yaml", "--rates", "r.csv", *OUT],
        files={"tiny.yaml": TINY + "nodes:\n" + CONV + LIF, "r.csv": "node,rate\nlif1,0.1\nconv1,0.2\n"}),
    cli("rates-file-missing-node", "a rates file without lif1, no default", "ConfigError", "lif1",
        ["table", "tiny.yaml", "--rates", "r.json", *OUT],
        files={"tiny.yaml": TINY + "nodes:\n" + CONV + LIF + "  - {name: lif2, op: lif}\n", "r.json": '{"lif2": 0.1}'}),
    cli("rates-file-bad-header", "a rates CSV with header `layer,value`", "InputFileError", "r.csv",
        ["table", "resnet19", "--rates", "r.csv", *OUT], files={"r.csv": "layer,value\nstem.lif,0.1\n"}),
    cli("rates-file-bad-json", "a rates JSON list", "InputFileError", "r.json",
        ["table", "resnet19", "--rates", "r.json", *OUT], files={"r.json": "[0.1, 0.2]"}),
    cli("rates-file-bad-value", "a rates CSV with rate `high`", "ConfigError", "stem.lif",
        ["table", "resnet19", "--rates", "r.csv", "--rate-default", "0.1", *OUT], files={"r.csv": "node,rate\nstem.lif,high\n"}),
    cli("rates-file-missing", "`--rates missing.csv`", "InputFileError", "missing.csv",
        ["table", "resnet19", "--rates", "missing.csv", *OUT]),
    cli("energy-model-unknown", "`--energy excel`", "ConfigError", "option --energy",
        ["table", "resnet19", "--rates", "0.1", "--energy", "excel", *OUT]),
    cli("tech-unknown", "`--tech 7nm`", "ConfigError", "option --tech", ["table", "resnet19", "--rates", "0.1", "--tech", "7nm", *OUT]),
    cli("tech-no-roles", "a table file without `roles`", "InputFileError", "roles",
        ["table", "resnet19", "--rates", "0.1", "--tech", "t.yaml", *OUT],
        files={"t.yaml": "name: t\nsource: lab\nops: {a: '1'}\n"}),
    cli("tech-bad-number", "a table op of `cheap` pJ", "InputFileError", "ops.mac",
        ["table", "resnet19", "--rates", "0.1", "--tech", "t.yaml", *OUT],
        files={"t.yaml": "name: t\nsource: lab\nops: {mac: cheap, ac: '1'}\nroles: {mac: [mac], ac: [ac]}\n"}),
    cli("tech-unknown-op", "a table role naming an op not in `ops`", "InputFileError", "roles.ac",
        ["table", "resnet19", "--rates", "0.1", "--tech", "t.yaml", *OUT],
        files={"t.yaml": "name: t\nsource: lab\nops: {mac: '4.6'}\nroles: {mac: [mac], ac: [add]}\n"}),
    cli("tech-not-yaml", "a table file of broken YAML", "InputFileError", "t.yaml",
        ["table", "resnet19", "--rates", "0.1", "--tech", "t.yaml", *OUT], files={"t.yaml": "name: [t\n"}),
    cli("rates-infinite", "`--rates inf`", "ConfigError", "option --rates", ["table", "resnet19", "--rates", "inf", *OUT]),
    cli("rates-huge-exponent", "`--rates 1e999999999` (an exact value would take minutes)", "ConfigError", "option --rates",
        ["table", "resnet19", "--rates", "1e999999999", *OUT]),
    cli("tech-infinite", "a table op of `.inf` pJ (a YAML float)", "InputFileError", "ops.ac",
        ["table", "resnet19", "--rates", "0.1", "--tech", "t.yaml", *OUT],
        files={"t.yaml": "name: t\nsource: lab\nops: {mac: '4.6', ac: .inf}\nroles: {mac: [mac], ac: [ac]}\n"}),
    cli("spike-sums-unknown", "`--spike-sums all`", "ConfigError", "option --spike-sums",
        ["table", "resnet19", "--spike-sums", "all", *OUT]),
    cli("analog-input-unknown", "`--analog-input twice`", "ConfigError", "option --analog-input",
        ["table", "resnet19", "--analog-input", "twice", *OUT]),
    cli("padding-unknown", "`--padding some`", "ConfigError", "option --padding", ["table", "resnet19", "--padding", "some", *OUT]),
    cli("extra-ops-unknown", "`--extra-ops relu`", "ConfigError", "option --extra-ops",
        ["table", "resnet19", "--extra-ops", "bias,relu", *OUT]),
    cli("neuron-model-unknown", "`--neuron-model izhikevich`", "ConfigError", "option --neuron-model",
        ["table", "resnet19", "--neuron-model", "izhikevich", *OUT]),
    cli("sweep-rates-not-number", "`snncost sweep resnet19 --rates 0.1,fast`", "ConfigError", "option --rates",
        ["sweep", "resnet19", "--quantity", "acs", "--rates", "0.1,fast", *OUT]),
    cli("energy-without-rates", "`snncost energy resnet19` (no rates)", "ConfigError", "option --rates",
        ["energy", "resnet19", *OUT]),
    api("api-rates-type", "`analyze('resnet19', rates=[0.1])`", "ConfigError", "option --rates",
        lambda: _analyze("resnet19", rates=[0.1])),
    api("api-rates-dict-bad", "`analyze('resnet19', rates={'stem.lif': True})`", "ConfigError", "stem.lif",
        lambda: _analyze("resnet19", rates={"stem.lif": True}, rate_default=0)),
    api("registry-parent-grammar", "a registry row with parent `a + 2 * (a`", "InputFileError", "column 'parent'",
        lambda: _registry_row("b,p,T,r,q,3.60,2,MiB,MB,,,a + 2 * (a,,,,,,,")),
    api("registry-parent-not-code", "a registry row with parent `__import__('os')`", "InputFileError",
        "column 'parent'", lambda: _registry_row("b,p,T,r,q,3.60,2,MiB,MB,,,__import__('os'),,,,,,,")),
    api("registry-explanation-kind", "a registry row with explanation `guess: a`", "InputFileError",
        "column 'explanation'", lambda: _registry_row("b,p,T,r,q,3.60,2,MiB,MB,m,,,,,,,,guess: a,")),
    api("registry-not-modelled-status", "a registry row with no model and no parent, expected `explained-deviation`",
        "InputFileError", "column 'expected_status'",
        lambda: _registry_row("b,p,T,r,q,3.60,2,MiB,MB,,,,,,explained-deviation,no layer list,,,")),
    api("registry-pinned", "a registry row with pinned value `1.5`", "InputFileError", "column 'pinned'",
        lambda: _registry_row("b,p,T,r,q,3.60,2,MiB,MB,m,,,,,,,,,1.5")),
    # ---- snncost hw (issue 12): accelerator parameters, exports, ERT files ----------------
    *[cli(f"hw-{id}", shown, error, where, ["hw", "vgg16", *args, *OUT], files=files)
      for id, shown, error, where, args, files in [
          ("lif-share-range", "`snncost hw vgg16 --lif-share 1.5`", "ConfigError", "option --lif-share",
           ["--lif-share", "1.5"], None),
          ("lif-share-text", "`--lif-share six`", "ConfigError", "option --lif-share", ["--lif-share", "six"], None),
          ("spike-rate-range", "`--spike-rate 2`", "ConfigError", "option --spike-rate", ["--spike-rate", "2"], None),
          ("pe-zero", "`--pe 0`", "ConfigError", "option --pe", ["--pe", "0"], None),
          ("weight-reads-unknown", "`--weight-reads never`", "ConfigError", "option --weight-reads",
           ["--weight-reads", "never"], None),
          ("format-unknown", "`snncost hw vgg16 --format csv`", "ConfigError", "option --format", ["--format", "csv"], None),
          ("option-not-used", "`snncost hw vgg16 --sparsity 0.5`", "ConfigError", "option --sparsity",
           ["--sparsity", "0.5"], None),
          ("export-unknown", "`--export gem5 out`", "ConfigError", "option --export", ["--export", "gem5", "out"], None),
          ("export-dir-is-file", "`--export timeloop afile` (a file)", "InputFileError", "option --export DIR",
           ["--export", "timeloop", "afile"], {"afile": ""}),
          ("ert-missing", "`--ert missing.yaml`", "InputFileError", "option --ert", ["--ert", "missing.yaml"], None),
          ("ert-not-a-table", "`--ert ert.yaml` holding `ERT: [1, 2]`", "InputFileError", "option --ert",
           ["--ert", "ert.yaml"], {"ert.yaml": "ERT: [1, 2]\n"}),
          ("ert-negative-energy", "an ERT action with `energy: -1`", "InputFileError", "ERT.tables[0].actions[0]",
           ["--ert", "ert.yaml"], {"ert.yaml": "ERT: {tables: [{name: a.dram, actions: [{name: read, energy: -1}]}]}\n"}),
          ("ert-python-tag", "an ERT with `!!python/name:os.system`", "InputFileError", "option --ert",
           ["--ert", "ert.yaml"], {"ert.yaml": "ERT: !!python/name:os.system\n"}),
          # spike rates: the parser of snncost table --rates (snncost.rates), wired into hw
          ("rates-out-of-range", "`snncost hw vgg16 --rates 1.5`", "ConfigError", "option --rates",
           ["--rates", "1.5"], None),
          ("rates-file-missing-node", "`--rates r.csv` without a rate for every neuron node, no default",
           "ConfigError", "rates file 'r.csv'", ["--rates", "r.csv"], {"r.csv": "node,rate\nconv1.lif,0.2\n"}),
          ("rates-file-unknown-node", "`--rates r.json` naming `nope`", "ConfigError", "'nope'",
           ["--rates", "r.json", "--rate-default", "0.1"], {"r.json": '{"nope": 0.2}'}),
          ("rate-mode-unknown", "`--rates 0.1 --rate-mode total`", "ConfigError", "option --rate-mode",
           ["--rates", "0.1", "--rate-mode", "total"], None),
          ("spike-rate-and-rates", "`--spike-rate 0.2 --rates 0.1`", "ConfigError", "option --spike-rate",
           ["--spike-rate", "0.2", "--rates", "0.1"], None),
      ]],
    api("api-hw-unknown-parameter", "`snncost.hardware('vgg16', pes=3)`", "ConfigError", "pes",
        lambda: _hardware("vgg16", pes=3)),
]

# ---- the NumPy engine (snncost engine verify|train|compare) ----------------------------------
ENGINE_SPEC = "name: e\ninput: {shape: [1, 4, 4]}\nnodes:\n" + CONV + "  - {name: lif1, op: lif}\n" \
    "  - {name: flat, op: flatten}\n  - {name: fc, op: linear, out_features: 2}\n"
ENGINE_TRAIN = ["engine", "train", "--model", "e.yaml", "--epochs", "1", "--train-samples", "4", "--test-samples", "4"]


def engine_case(id, input, error, field, extra=(), spec=ENGINE_SPEC, argv=ENGINE_TRAIN):
    return cli(id, input, error, field, [*argv, *extra], files={"e.yaml": spec})


def _engine(spec_text, **kwargs):
    from snncost.engine import EngineModel
    from snncost.spec.loader import parse_text, spec_from_dict

    return EngineModel(spec_from_dict(parse_text(spec_text, ".yaml", "spec")), **kwargs)


CASES.extend([
    engine_case("engine-reverse-hard-reset", "`reset: hard`, `engine train --sharing L --training reverse`",
                "ConfigError", "lif1", ("--sharing", "L", "--training", "reverse"),
                spec=ENGINE_SPEC.replace("{name: lif1, op: lif}", "{name: lif1, op: lif, reset: hard}")),
    engine_case("engine-cubalif", "a `cubalif` node in `engine train`", "ConfigError", "lif1",
                spec=ENGINE_SPEC.replace("op: lif}", "op: cubalif}")),
    engine_case("engine-dropout", "`dropout` with `p: 0.5` in `engine train`", "ConfigError", "field 'p'",
                spec=ENGINE_SPEC.replace("  - {name: flat", "  - {name: drop, op: dropout, p: 0.5}\n  - {name: flat")),
    engine_case("engine-output-not-vector", "a spec ending in a LIF map, `engine train`", "ConfigError", "node 'lif1'",
                spec="name: e\ninput: {shape: [1, 4, 4]}\nnodes:\n" + CONV + LIF),
    engine_case("engine-static-reads-dynamic", "a `static` conv fed by a LIF", "ConfigError", "field 'static'",
                spec=ENGINE_SPEC.replace("  - {name: flat", "  - {name: conv2, op: conv2d, out_channels: 4, kernel: 1, "
                                         "static: true}\n  - {name: flat")),
    engine_case("engine-surrogate", "`engine train --surrogate relu`", "ConfigError", "option --surrogate",
                ("--surrogate", "relu")),
    engine_case("engine-dtype", "`engine train --dtype float16`", "ConfigError", "option --dtype", ("--dtype", "float16")),
    engine_case("engine-decay-range", "`engine train --decay 0`", "ConfigError", "option --decay", ("--decay", "0")),
    engine_case("engine-threshold", "`engine train --threshold -1`", "ConfigError", "option --threshold",
                ("--threshold", "-1")),
    engine_case("engine-lr", "`engine train --lr 0`", "ConfigError", "option --lr", ("--lr", "0")),
    engine_case("engine-data-unknown", "`engine train --data mnist`", "ConfigError", "option --data", ("--data", "mnist")),
    engine_case("engine-data-rank", "`engine train --data har` on an image model", "ConfigError", "option --data",
                ("--data", "har")),
    engine_case("engine-too-many-classes", "a 10-class model on the bar images", "ConfigError", "data 'bars'",
                spec=ENGINE_SPEC.replace("out_features: 2", "out_features: 10")),
    engine_case("engine-vector-input", "`engine train` on a vector-input model", "ConfigError", "option --data",
                spec="name: e\ninput: {shape: [4]}\nnodes:\n  - {name: fc1, op: linear, out_features: 2}\n"
                     "  - {name: lif1, op: lif}\n  - {name: fc, op: linear, out_features: 2}\n"),
    engine_case("engine-rates-out-folder", "`engine train --rates-out missing/rates.csv`", "InputFileError",
                "option --rates-out", ("--rates-out", "missing/rates.csv")),
    engine_case("engine-units", "`engine train --units MiBs`", "ConfigError", "option --units", ("--units", "MiBs")),
    engine_case("engine-c3", "`engine train --sharing C3` on 4 channels", "SharingError", "C3", ("--sharing", "C3")),
    engine_case("engine-compare-scheme", "`engine compare --sharing none,Q`", "SharingError", "option --sharing",
                ("--sharing", "none,Q"), argv=["engine", "compare", "--model", "e.yaml"]),
    engine_case("engine-compare-format", "`engine compare --format xml`", "ConfigError", "option --format",
                ("--format", "xml"), argv=["engine", "compare", "--model", "e.yaml"]),
    cli("engine-verify-cases", "`engine verify --cases 0`", "ConfigError", "option --cases",
        ["engine", "verify", "--cases", "0"]),
    cli("engine-verify-format", "`engine verify --format xml`", "ConfigError", "option --format",
        ["engine", "verify", "--format", "xml"]),
    cli("engine-train-no-model", "`engine train` without `--model`", "ConfigError", "engine train",
        ["engine", "train"]),
    api("engine-api-training", "`EngineModel(spec, training='store')`", "ConfigError", "option --training",
        lambda: _engine(ENGINE_SPEC, training="store")),
])


def _train_memory(*args, **kwargs):
    from snncost import train_memory

    return train_memory(*args, **kwargs)


def _fit(*args, **kwargs):
    from snncost import fit

    return fit(*args, **kwargs)


TM = ("train-memory", "resnet19")
FIT = ("fit", "resnet19", "--memory", "24GiB")
CASES += [  # training memory (issue 10): snncost train-memory, snncost fit
    cli("train-optimizer-unknown", "`train-memory --optimizer lamb`", "ConfigError", "option --optimizer",
        [*TM, "--optimizer", "lamb", *OUT]),
    cli("train-amp-unknown", "`train-memory --amp int8`", "ConfigError", "option --amp", [*TM, "--amp", "int8", *OUT]),
    cli("train-profile-unknown", "`train-memory --profile jax`", "ConfigError", "option --profile",
        [*TM, "--profile", "jax", *OUT]),
    cli("train-amp-numpy-engine", "`train-memory --profile numpy-engine --amp bf16`", "ConfigError", "option --amp",
        [*TM, "--profile", "numpy-engine", "--amp", "bf16", *OUT]),
    cli("train-numpy-engine-kind", "`train-memory spikformer-4-384-cifar --profile numpy-engine` (a kind the engine "
        "does not run)", "ConfigError", "field 'op'", ["train-memory", "spikformer-4-384-cifar", "--profile", "numpy-engine",
                                                       *OUT]),
    cli("train-static-nodes-unknown", "`train-memory --static-nodes sometimes`", "ConfigError", "option --static-nodes",
        [*TM, "--static-nodes", "sometimes", *OUT]),
    cli("train-workspace-garbled", "`train-memory --workspace lots`", "ConfigError", "option --workspace",
        [*TM, "--workspace", "lots", *OUT]),
    cli("train-format-unknown", "`train-memory --format latex`", "ConfigError", "option --format",
        [*TM, "--format", "latex", *OUT]),
    cli("train-formula-symbol", "`train-memory --formula --symbols B,N`", "ConfigError", "option --symbols",
        [*TM, "--formula", "--symbols", "B,N", *OUT]),
    cli("fit-memory-missing", "`snncost fit resnet19` (no --memory)", "ConfigError", "--memory", ["fit", "resnet19", *OUT]),
    cli("fit-memory-garbled", "`fit --memory 24XB`", "ConfigError", "option --memory",
        ["fit", "resnet19", "--memory", "24XB", *OUT]),
    cli("fit-memory-zero", "`fit --memory 0`", "ConfigError", "option --memory", ["fit", "resnet19", "--memory", "0", *OUT]),
    cli("fit-memory-negative", "`fit --memory=-1GB`", "ConfigError", "option --memory",
        ["fit", "resnet19", "--memory=-1GB", *OUT]),
    cli("fit-memory-huge", "`fit --memory 1e30TB`", "ConfigError", "option --memory",
        ["fit", "resnet19", "--memory", "1e30TB", *OUT]),
    cli("fit-precision-unknown", "`fit --precisions fp32,fp8`", "ConfigError", "option --precisions",
        [*FIT, "--precisions", "fp32,fp8", *OUT]),
    cli("fit-optimizer-unknown", "`fit --optimizer lamb`", "ConfigError", "option --optimizer",
        [*FIT, "--optimizer", "lamb", *OUT]),
    cli("fit-sharing-empty", "`fit --sharing none,,L`", "ConfigError", "option --sharing",
        [*FIT, "--sharing", "none,,L", *OUT]),
    cli("fit-sharing-one-refused", "`fit --sharing C3` (128 channels)", "SharingError", "stem.lif",
        [*FIT, "--sharing", "C3", *OUT]),
    api("api-train-workspace", "`train_memory('resnet19', workspace=-5)`", "ConfigError", "option --workspace",
        lambda: _train_memory("resnet19", workspace=-5)),
    api("api-fit-memory-type", "`fit('resnet19', 2.5e10)`", "ConfigError", "option --memory",
        lambda: _fit("resnet19", 2.5e10)),
]


def _registry_row(line: str):
    """Parse a two-row registry: a published row 'a' with a model, then ``line``."""
    from snncost.reproduce.registry import COLUMNS, parse_registry

    text = ",".join(COLUMNS) + "\na,p,T,r,q,1.80,2,MiB,MB,m,,,,,,,,,\n" + line + "\n"
    return parse_registry(text, "tables/demo.csv")


# ---------------------------------------------------------------------------
# Running a case
# ---------------------------------------------------------------------------

@contextmanager
def _in_folder(files: dict):
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in files.items():
            path = Path(tmp, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(old)


def _listing(folder: Path) -> set:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


_RAISED: dict = {}


def raised(case: Case) -> Exception:
    """The exception the case raises, through the API or through the CLI's parser and
    command (exactly what ``snncost.cli.main`` runs); computed once per case."""
    if case.id not in _RAISED:
        _RAISED[case.id] = _raise(case)
    return _RAISED[case.id]


def _raise(case: Case) -> Exception:
    from snncost.cli import build_parser

    with _in_folder(case.files):
        try:
            if case.call is not None:
                case.call()
            else:
                with redirect_stdout(StringIO()):
                    args = build_parser().parse_args(case.argv)
                    args.run(args)
        except Exception as exc:  # noqa: BLE001 - the case's error, checked by the caller
            return exc
    raise AssertionError(f"case {case.id}: no error raised")


def run_cli(case: Case) -> tuple[int, str, str, set, set]:
    """``snncost.cli.main(argv)``: exit status, stdout, stderr, files before and after."""
    from snncost.cli import main

    with _in_folder(case.files) as folder:
        before = _listing(folder)
        out, err = StringIO(), StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = main(list(case.argv))
        return status, out.getvalue(), err.getvalue(), before, _listing(folder)


def message(case: Case) -> str:
    return str(raised(case))


# ---------------------------------------------------------------------------
# The doc table
# ---------------------------------------------------------------------------

def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table_rows() -> list[str]:
    rows = ["| # | id | surface | input | error class | exit | message |",
            "|---|----|---------|-------|-------------|------|---------|"]
    for i, case in enumerate(CASES, start=1):
        exit_text = str(case.exit) if case.exit is not None else "raises"
        rows.append(f"| {i} | {case.id} | {case.surface} | {_cell(case.input)} | {case.error} | {exit_text} | "
                    f"`{_cell(message(case))}` |")
    return rows


def doc_rows(text: str) -> list[str]:
    inside = text.split(START, 1)[1].split(END, 1)[0]
    return [line for line in inside.strip().splitlines() if line.startswith("|")]


def write_doc() -> bool:
    """Rewrite the table between the markers of docs/errors.md; True if it changed."""
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = head + START + "\n" + "\n".join(table_rows()) + "\n" + END + tail
    if new != text:
        DOC.write_text(new, encoding="utf-8")
    return new != text


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------

def test_catalogue_is_large_and_ids_unique():
    assert len(CASES) >= 40
    assert len([c for c in CASES if c.exit == 2]) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_error_class_and_field(case):
    import snncost.errors as errors

    if case.needs:
        pytest.importorskip(case.needs)

    exc = raised(case)
    assert type(exc).__name__ == case.error, f"{case.id}: {type(exc).__name__}: {exc}"
    assert isinstance(exc, errors.SnnCostError)
    text = str(exc)
    assert "\n" not in text and len(text) < 1000
    assert case.field in text, f"{case.id}: {case.field!r} not named in {text!r}"
    assert exc.where and exc.problem  # where / what is wrong


@pytest.mark.parametrize("case", [c for c in CASES if c.argv is not None], ids=[c.id for c in CASES if c.argv is not None])
def test_cli_case_exits_2_with_one_line(case):
    if case.needs:
        pytest.importorskip(case.needs)
    status, out, err, before, after = run_cli(case)
    assert status == 2, f"{case.id}: exit {status}, stderr {err!r}"
    assert out == ""
    assert err.startswith("snncost: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert err == f"snncost: {message(case)}\n"
    assert after == before, f"{case.id}: files left behind: {after - before}"


def test_doc_table_matches_code():
    for needed in {c.needs for c in CASES if c.needs}:
        pytest.importorskip(needed)
    rows = doc_rows(DOC.read_text(encoding="utf-8"))
    expected = table_rows()
    stale = [f"doc: {a}\ncode: {b}" for a, b in zip(rows, expected) if a != b]
    assert len(rows) == len(expected) and not stale, (
        "docs/errors.md is stale; regenerate it with: python tests/test_errors_catalogue.py\n" + "\n".join(stale[:5]))


SUBPROCESS_CASES = ["unknown-model", "bits-too-many", "kernel-larger-than-input", "yaml-python-tag", "l-group-shapes",
                    "file-nir"]


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_end_to_end_exit_2_no_traceback(case_id):
    case = next(c for c in CASES if c.id == case_id)
    with _in_folder(case.files) as folder:
        before = _listing(folder)
        env = {k: v for k, v in os.environ.items() if k != "SNNCOST_DEBUG"}
        proc = subprocess.run([sys.executable, "-m", "snncost.cli", *case.argv], capture_output=True, text=True,
                              timeout=60, env=env)
        after = _listing(folder)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr == f"snncost: {message(case)}\n"
    assert after == before


def test_huge_values_are_exact_and_fast():
    """--input 10^12, --batch 10^15 and a conv with 10^9 output channels: exact Python
    ints, no overflow, well within a second (the timeout guards against a hang)."""
    code = (
        "import snncost\n"
        "from snncost.spec import spec_from_dict\n"
        "spec = spec_from_dict({'name': 'big', 'input': {'shape': [3, 32, 32]}, 'nodes': ["
        "{'name': 'conv1', 'op': 'conv2d', 'out_channels': 10**9, 'kernel': 3, 'padding': 1, 'bias': False},"
        "{'name': 'lif1', 'op': 'lif'}]})\n"
        "t = snncost.analyze(spec, input=10**12, batch=10**15, timesteps=10**6).totals\n"
        "print(t['lif_neurons'], t['lif_forward_bits'], t['lif_backward_bits'], t['params'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    neurons, forward, backward, params = map(int, proc.stdout.split())
    # by hand: a 3x3 conv with padding 1 keeps 10^12 x 10^12; 10^9 channels
    assert neurons == 10**9 * 10**12 * 10**12
    assert forward == neurons * 32 * 10**15
    assert backward == 10**6 * forward
    assert params == 10**9 * 3 * 9


def test_huge_cli_values_print_exact_bits():
    from snncost.cli import main

    out = StringIO()
    with redirect_stdout(out):
        status = main(["table", "resnet19", "--input", "1000000000000", "--batch", "1000000000000000", "-T",
                       "1000000000000000000", "--format", "csv"])
    assert status == 0
    total = [line for line in out.getvalue().splitlines() if line.startswith("TOTAL")][0].split(",")
    # resnet19 at 32x32 has 753,664 LIF neurons (EfficientLIF-Net Table 1 baseline, 2.875 MiB):
    # at 10^12 x 10^12 every 32x32 map scales by (10^12 / 32)^2 exactly (all strides divide 32)
    neurons = 753_664 * (10**12 // 32) ** 2
    assert int(total[4]) == neurons
    assert int(total[7]) == neurons * 32 * 10**15  # forward, none: 32-bit membranes x batch


if __name__ == "__main__":
    if "--check" in sys.argv:
        stale = doc_rows(DOC.read_text(encoding="utf-8")) != table_rows()
        print("docs/errors.md is stale" if stale else "docs/errors.md is up to date")
        sys.exit(1 if stale else 0)
    print("docs/errors.md " + ("rewritten" if write_doc() else "unchanged"))
