"""The quantity registry (snncost.quantities): declaration, order, units, totals.

Expected values by hand on a two-node spec: input (2, 3, 3) -> lif 'a' -> lif 'b'
(18 neurons each, batch 1).
"""
from __future__ import annotations

from fractions import Fraction

import pytest

import snncost
from snncost.errors import ConfigError
from snncost.quantities import get_quantity, label_of, quantities, remove_quantity, unit_of
from snncost.spec import SpecBuilder


def two_lifs():
    b = SpecBuilder("q", (2, 3, 3))
    b.lif("a")
    b.lif("b")
    return b.build()


@pytest.fixture
def registered():
    """Names registered by a test, removed afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        if name in [q.name for q in quantities()]:
            remove_quantity(name)


def add(registered, name, **options):
    registered.append(name)
    return snncost.register_quantity(name, **options)


def names() -> list[str]:
    return [q.name for q in quantities()]


def test_defaults_and_order(registered):
    q = add(registered, "test_q", unit="bit", label="test q", per_node=lambda f, c: 1)
    assert (q.unit, q.label, q.symbol, q.total, q.row, q.section) == ("bit", "test q", "", "sum", True, "user")
    assert names()[-1] == "test_q"
    # row defaults to False without a per-node rule
    r = add(registered, "test_r", unit="count", label="r", total=lambda t, ctx: 7)
    assert (r.row, r.per_node) == (False, None)
    # before: placed ahead of an existing quantity
    add(registered, "test_s", unit="count", label="s", per_node=lambda f, c: 2, before="params", row=False,
        section="mine")
    assert names().index("test_s") == names().index("params") - 1
    assert get_quantity("test_s").section == "mine" and get_quantity("test_s").row is False


def test_replace_moves_the_quantity_last(registered):
    add(registered, "test_a", unit="count", label="a", per_node=lambda f, c: 1)
    add(registered, "test_b", unit="count", label="b", per_node=lambda f, c: 1)
    new = add(registered, "test_a", unit="byte", label="a2", per_node=lambda f, c: 2, replace=True)
    assert names()[-2:] == ["test_b", "test_a"] and names().count("test_a") == 1
    assert get_quantity("test_a") is new and unit_of("test_a") == "byte" and label_of("test_a") == "a2"


def test_totals_rows_and_exactness(registered):
    # bit quantity of 3/2 + 1/2 = 2 bits per neuron site: an integral Fraction total becomes an int
    add(registered, "test_bits", unit="bit", label="bits",
        per_node=lambda f, c: Fraction(3, 2) if f.node.name == "a" else Fraction(1, 2))
    # a count quantity is left as computed
    add(registered, "test_halves", unit="count", label="halves", per_node=lambda f, c: Fraction(1, 1))
    # a total rule sees the totals before it
    add(registered, "test_double", unit="bit", label="double", total=lambda t, ctx: 2 * t["test_bits"])
    add(registered, "test_hidden", unit="count", label="hidden", per_node=lambda f, c: 5, row=False)
    add(registered, "test_none", unit=None, label="none", per_node=lambda f, c: "x", total=None)
    # the facts a rule may read: input shapes (both sites see 2 x 3 x 3 = 18 values)
    add(registered, "test_inputs", unit="count", label="inputs", per_node=lambda f, c: f.input_shapes[0][0] * 9)
    report = snncost.analyze(two_lifs())
    t = report.totals
    assert t["test_bits"] == 2 and type(t["test_bits"]) is int
    assert t["test_halves"] == 2 and type(t["test_halves"]) is Fraction
    assert t["test_double"] == 4 and type(t["test_double"]) is int
    assert t["test_hidden"] == 10 and "test_none" not in t
    assert t["test_inputs"] == 36
    assert [r["test_bits"] for r in report.rows] == [Fraction(3, 2), Fraction(1, 2)]
    assert [r["test_none"] for r in report.rows] == ["x", "x"]
    assert all("test_hidden" not in r and "test_double" not in r for r in report.rows)


def test_units_and_labels():
    assert unit_of("lif_forward_bits") == "bit" and unit_of("params") == "count"
    assert unit_of("name") == "count"  # a descriptive column has no unit family
    assert unit_of("unregistered_bits") == "bit" and unit_of("unregistered") == "count"
    assert label_of("lif_forward_bits") == "LIF forward memory" and label_of("unregistered") == "unregistered"


def test_refusals_word_for_word(registered):
    add(registered, "test_taken", unit="count", label="t", per_node=lambda f, c: 1)
    cases = [
        (lambda: snncost.register_quantity("test_taken", unit="count", label="t", per_node=lambda f, c: 1),
         "quantity 'test_taken': is already registered; valid: another name, or replace=True"),
        (lambda: snncost.register_quantity("test_w", unit="watt", label="w", per_node=lambda f, c: 1),
         "quantity 'test_w' unit: unknown unit family 'watt'; valid: bit, byte, op, pJ, count"),
        (lambda: snncost.register_quantity("test_w", unit="bit", label="w"),
         "quantity 'test_w': a summed total needs a per_node rule; valid: per_node=..., or total=rule"),
        (lambda: snncost.register_quantity("test_w", unit="bit", label="w", per_node=lambda f, c: 1, before="nope"),
         f"quantity 'test_w' before: unknown quantity 'nope'; valid: {', '.join(names())}"),
        (lambda: get_quantity("nope"), f"option --quantity: unknown quantity 'nope'; valid: {', '.join(names())}"),
        (lambda: remove_quantity("nope"), "option --quantity: unknown quantity 'nope'"),
    ]
    for call, message in cases:
        with pytest.raises(ConfigError) as info:
            call()
        assert str(info.value).startswith(message)
    assert "test_w" not in names()
