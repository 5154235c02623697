"""docs/published-figures.md is generated (docs/published_figures.py) and must be fresh."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("published_figures", ROOT / "docs" / "published_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_page_is_fresh():
    generator = _generator()
    assert generator.PAGE.read_text(encoding="utf-8") == generator.render(), (
        "docs/published-figures.md is stale; regenerate it with: python docs/published_figures.py")


def test_page_lists_every_published_figure_once():
    from snncost.reproduce.runner import paper_names, reproduce

    text = (ROOT / "docs" / "published-figures.md").read_text(encoding="utf-8")
    for name in paper_names():
        for result in reproduce(name).published:
            assert text.count(f"| {result.row.id} ") == 1, result.row.id
