"""Every registry row's exact computed value is pinned in its ``pinned`` column
(tables/<paper>.csv): a change to any computed value, whatever the row's status,
fails here, row by row.  The pins are rewritten only on purpose:

    python tests/test_reproduce_pins.py --write          # every paper
    python tests/test_reproduce_pins.py --write imsnn    # one paper

then review the diff of tables/*.csv (and regenerate tables/*.md) before committing.
"""
from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import pytest

from snncost.reproduce import papers, reproduce
from snncost.errors import InputFileError
from snncost.reproduce.registry import parse_pinned, pin_text, with_pins

TABLES = Path(__file__).resolve().parents[1] / "tables"


@pytest.mark.parametrize("paper", sorted(papers()))
def test_every_computed_value_is_pinned(paper):
    rep = reproduce(paper)
    changed = [f"{r.row.id}: pinned {pin_text(r.row.pinned) or 'nothing'}, computed {pin_text(r.computed) or 'nothing'}"
               for r in rep.results if r.row.pinned != r.computed]
    assert not changed, (f"{len(changed)} computed value(s) of {paper} differ from their pins (if intended: "
                         f"python tests/test_reproduce_pins.py --write {paper}):\n" + "\n".join(changed))


@pytest.mark.parametrize("paper", sorted(papers()))
def test_every_modelled_published_row_has_a_pin(paper):
    """A pin may be empty only where nothing is computed (not modelled)."""
    rep = reproduce(paper)
    assert [r.row.id for r in rep.published if r.row.pinned is None and r.status != "not-modelled"] == []


def test_pin_text_round_trips():
    for value in (Fraction(5635, 8), Fraction(12), Fraction(-3, 7), Fraction(0)):
        assert parse_pinned(pin_text(value), "cell") == value
    assert pin_text(None) == "" and parse_pinned("", "cell") is None


@pytest.mark.parametrize("bad", ["1.5", "1/0", "a/b", "1/2/3", " 3"])
def test_bad_pin_names_the_cell(bad):
    with pytest.raises(InputFileError, match="column 'pinned'|cell"):
        parse_pinned(bad, "registry x.csv line 2 (id 'a') column 'pinned'")


def write(names: list[str]) -> None:
    for name in names or sorted(papers()):
        rep = reproduce(name)
        path = TABLES / Path(rep.registry).name
        text = path.read_text(encoding="utf-8")
        path.write_text(with_pins(text, {r.row.id: r.computed for r in rep.results}), encoding="utf-8")
        print(f"pinned {len(rep.results)} rows of {path}")


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "--write":
        sys.exit("usage: python tests/test_reproduce_pins.py --write [PAPER ...]")
    write(sys.argv[2:])
