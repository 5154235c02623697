"""Record the golden outputs of snncost's public interface (run only on purpose).

    python tests/golden/regenerate.py          # rewrites tests/golden/*.out

Each case is one ``snncost`` command line; its standard output is stored verbatim in
``tests/golden/<case>.out`` and ``tests/test_golden.py`` compares the current output
byte for byte.  The outputs were first recorded before the architecture refactor of
issue #8 (registries, typed facts, one options model): regenerate only when a change of
the published interface (JSON keys, CLI output) is intended.
"""
from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

ZOO = ("imsnn-custom-yolov2", "imsnn-mobilenet-light", "imsnn-resnet19", "imsnn-resnet34", "imsnn-vgg7",
       "imsnn-vgg9", "imsnn-vgg9-table4", "resnet19", "resnet19-baseline-code", "vgg16", "vgg16-sharing-code")

TABLE_OPTIONS = {
    "default": [],
    "LC2": ["--sharing", "L+C2"],
    "C4-T4-B2": ["--sharing", "C4", "--timesteps", "4", "--batch", "2"],
    "W4": ["--sharing", "W4", "--training", "reverse"],
    "int4-ternary": ["--weight-bits", "int4", "--membrane-bits", "ternary", "--spike-bits", "1"],
    "pruned-csr": ["--sparsity", "90%", "--weight-format", "csr", "--index-bits", "8", "--eq15-weights", "all"],
}


def cases() -> dict[str, list[str]]:
    """Case name -> argv of ``snncost``."""
    out: dict[str, list[str]] = {}
    for model in ZOO:
        for label, opts in TABLE_OPTIONS.items():
            out[f"table-{model}-{label}"] = ["table", model, "--format", "json", *opts]
    out["table-resnet19-224-LC2-text"] = ["table", "resnet19", "--input", "224", "--sharing", "L+C2"]
    out["table-resnet19-224-LC2-csv"] = ["table", "resnet19", "--input", "224", "--sharing", "L+C2", "--format", "csv",
                                         "--units", "MiB"]
    out["table-imsnn-resnet19-node"] = ["table", "imsnn-resnet19", "--format", "json", "--weight-bits", "4",
                                        "--node", "stem.conv:weight_bits=32", "--node", "fc2:weight_bits=32"]
    for q in ("lif_forward_bits", "lif_backward_bits", "total_bits", "weight_bits"):
        out[f"formula-resnet19-{q}"] = ["formula", "resnet19", "--quantity", q, "--sharing", "L+CN", "--format", "json"]
    out["formula-vgg16-anysize"] = ["formula", "vgg16", "--quantity", "lif_forward_bits", "--any-size",
                                    "--format", "json"]
    out["formula-resnet19-W4"] = ["formula", "resnet19", "--sharing", "L+C2+W4", "--format", "json"]
    out["formula-resnet19-layer"] = ["formula", "resnet19", "--layer", "s1b1.lif1", "--format", "json"]
    out["sweep-resnet19-csv"] = ["sweep", "resnet19", "--input", "32:128:32", "--timesteps", "1,4",
                                 "--sharing", "none,L,C2,L+C2,W4", "--format", "csv"]
    out["sweep-vgg16-json"] = ["sweep", "vgg16", "--input", "32,64", "--weight-bits", "32,4",
                               "--membrane-bits", "32,1.5", "--format", "json"]
    out["sweep-resnet19-layer-json"] = ["sweep", "resnet19", "--layer", "s1b1.lif1", "--batch", "1,8",
                                        "--format", "json"]
    return out


def run(argv: list[str]) -> str:
    """Standard output, standard error and exit status of ``snncost argv`` (in-process)."""
    from snncost.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(list(argv))
    return out.getvalue() + (f"# stderr: {err.getvalue()}" if err.getvalue() else "") + f"# exit {rc}\n"


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent))
    for name, argv in cases().items():
        (HERE / f"{name}.out").write_text(run(argv))
    print(f"wrote {len(cases())} golden outputs to {HERE}")
