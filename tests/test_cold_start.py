"""The cold start of `snncost table` (issue #8): what a zoo table imports.

Timing is measured by benchmarks/bench_table.py (a script, not a test); this checks the
cause that timing depends on: the zoo path imports neither pydantic (records are built
without it, snncost/records.py) nor the heavy numeric libraries, nor the modules of
other commands.
"""
import json
import subprocess
import sys

NOT_ON_THE_ZOO_PATH = ("pydantic", "sympy", "numpy", "pandas", "yaml", "snncost.hw", "snncost.plot", "snncost.formulas",
                       "snncost.sweeps", "snncost.commands.sweep", "snncost.commands.hw", "snncost.training.step")


def _modules_after(argv: list[str]) -> set[str]:
    code = ("import io, json, sys, contextlib\n"
            "from snncost.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    rc = main({argv!r})\n"
            "print(json.dumps([rc, sorted(sys.modules)]))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    rc, modules = json.loads(out)
    assert rc == 0
    return set(modules)


def test_a_zoo_table_imports_no_validation_or_numeric_library():
    modules = _modules_after(["table", "resnet19", "--input", "224"])
    assert "snncost.commands.table" in modules and "tabulate" in modules
    loaded = sorted(m for m in NOT_ON_THE_ZOO_PATH if m in modules)
    assert not loaded, f"a cold zoo table imported {loaded}"


def test_a_spec_file_is_still_validated_by_pydantic(tmp_path):
    spec = tmp_path / "tiny.json"
    spec.write_text(json.dumps({"name": "tiny", "input": {"shape": [2, 4, 4]},
                                "nodes": [{"name": "c", "op": "conv2d", "out_channels": 2, "kernel": 3},
                                          {"name": "s", "op": "lif"}]}))
    assert "pydantic" in _modules_after(["table", str(spec)])
