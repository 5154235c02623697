"""The public interface is byte-identical to the outputs recorded in tests/golden/
(before the issue #8 refactor; regenerate only on purpose: tests/golden/regenerate.py)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
_spec = importlib.util.spec_from_file_location("golden_regenerate", GOLDEN / "regenerate.py")
regenerate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regenerate)
CASES = regenerate.cases()


def test_every_case_recorded():
    recorded = {p.stem for p in GOLDEN.glob("*.out")}
    assert recorded == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_is_byte_identical(name):
    assert regenerate.run(CASES[name]) == (GOLDEN / f"{name}.out").read_text()
