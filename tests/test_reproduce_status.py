"""The status rules and the registry's expression grammar, as invariants over random
values (hypothesis): one rounding convention per row, no status from a reason text,
parents vouch only when reproduced, and registry expressions are parsed, never run.

Expected values are derived independently: rounding from Python's ``decimal`` module,
expression values by a separate recursive evaluation of the generated tree.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from snncost.errors import InputFileError
from snncost.reproduce.expression import Expression, parse_expression
from snncost.reproduce.status import (EXPLAINED, MATCH, MISMATCH, ROUNDED_PARENT, Tried, judge,
                                      to_printed)

IDS = ("a", "b.c", "t5.x_1")
values = st.fractions(min_value=0, max_value=10**4, max_denominator=10**6)
roundings = st.sampled_from(("half-up", "truncate"))
decimals = st.integers(min_value=0, max_value=3)


def _printed(value: Fraction, places: int, rounding: str) -> str:
    """The figure as printed, by the decimal module (a second method)."""
    mode = ROUND_HALF_UP if rounding == "half-up" else ROUND_DOWN
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=mode))


@settings(max_examples=200, deadline=None)
@given(values, decimals, roundings)
def test_a_value_matches_its_own_printing_under_the_declared_rounding(value, places, rounding):
    assume(Fraction(Decimal(value.numerator) / Decimal(value.denominator)) == value)  # terminating in 28 digits
    printed = _printed(value, places, rounding)
    assert to_printed(value, places, rounding) == Decimal(printed)
    assert judge(computed=value, published=printed, decimals=places, rounding=rounding).status == MATCH


@settings(max_examples=200, deadline=None)
@given(values, decimals)
def test_no_second_chance_at_rounding(value, places):
    """A truncating row whose figure only half-up rounding gives is not a match (and
    the reverse), whatever its reason says."""
    half_up, truncated = _printed(value, places, "half-up"), _printed(value, places, "truncate")
    assume(half_up != truncated)
    for rounding, other in (("truncate", half_up), ("half-up", truncated)):
        verdict = judge(computed=value, published=other, decimals=places, rounding=rounding, reason="it rounds")
        assert verdict.status == MISMATCH and "note: it rounds" in verdict.detail


@settings(max_examples=200, deadline=None)
@given(values, values, decimals, roundings, st.booleans(), st.booleans())
def test_parents_vouch_only_when_reproduced(computed, via, places, rounding, reproduced, known):
    printed = _printed(via, places, rounding)
    assume(_printed(computed, places, rounding) != printed)
    verdict = judge(computed=computed, published=printed, decimals=places, rounding=rounding,
                    parent_expression="p", via_parents=via, parents_reproduced=reproduced,
                    unreproduced="" if reproduced else "p (mismatch)", parents_computed=known)
    expected = ROUNDED_PARENT if reproduced else (EXPLAINED if known else MISMATCH)
    assert verdict.status == expected


@settings(max_examples=200, deadline=None)
@given(values, values, decimals, roundings)
def test_an_explanation_counts_only_when_its_value_prints_as_the_figure(computed, alternative, places, rounding):
    printed = _printed(alternative, places, rounding)
    assume(_printed(computed, places, rounding) != printed)
    ok = judge(computed=computed, published=printed, decimals=places, rounding=rounding,
               explanation=Tried("the variant x=1", alternative))
    assert ok.status == EXPLAINED and "checked: the variant x=1" in ok.detail
    wrong = judge(computed=computed, published=printed, decimals=places, rounding=rounding,
                  explanation=Tried("the variant x=1", computed))
    assert wrong.status == MISMATCH and "tried the variant x=1" in wrong.detail
    absent = judge(computed=computed, published=printed, decimals=places, rounding=rounding,
                   explanation=Tried("the variant x=1", None, "no such layer"))
    assert absent.status == MISMATCH and "no such layer" in absent.detail


# ---- the expression grammar ------------------------------------------------------------
leaves = st.one_of(st.sampled_from(IDS),
                   st.decimals(min_value=0, max_value=1000, places=3).map(lambda d: Fraction(d)))
trees = st.recursive(leaves, lambda sub: st.tuples(st.sampled_from("+-*/"), sub, sub), max_leaves=8)


def _value(tree, env):
    """A second evaluation of a generated tree (independent of Expression.apply)."""
    if isinstance(tree, str):
        return env[tree]
    if isinstance(tree, Fraction):
        return tree
    op, left, right = tree
    a, b = _value(left, env), _value(right, env)
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[op]()


@settings(max_examples=300, deadline=None)
@given(trees, st.lists(st.fractions(min_value=1, max_value=100), min_size=3, max_size=3))
def test_expressions_round_trip_through_their_text(tree, numbers):
    env = dict(zip(IDS, numbers))
    try:
        expected = _value(tree, env)
    except ZeroDivisionError:
        return
    text = Expression(tree).text()
    try:
        parsed = parse_expression(text, "cell")
    except InputFileError as exc:   # only a literal division by zero is refused
        assert "division by zero" in str(exc)
        return
    assert parsed.apply(env) == expected
    assert set(parsed.ids) == {x for x in IDS if x in _leaves(tree)}


def _leaves(tree):
    if isinstance(tree, tuple):
        return _leaves(tree[1]) | _leaves(tree[2])
    return {tree} if isinstance(tree, str) else set()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab.1 +-*/()_x'\"[]{}:;,=!~@#%^&|<>?\\"), max_size=40))
def test_any_text_is_parsed_or_refused_with_one_line(text):
    """Registry text is data: it parses to an expression or is an InputFileError naming
    the cell; nothing else can happen (no eval: `__import__` is just an unknown token)."""
    try:
        result = parse_expression(text, "registry x.csv line 2 (id 'a') column 'parent'")
    except InputFileError as exc:
        assert "column 'parent'" in str(exc) and "\n" not in str(exc)
        return
    assert result is None or isinstance(result, Expression)


@pytest.mark.parametrize("text, value", [
    ("a * 5", 50), ("a + 2 * b.c", 18), ("(a - b.c) / a * 100", 60), ("a / b.c / 2", Fraction(5, 4)),
    ("a - (b.c - 1)", 7), ("0.5 * a", 5),
])
def test_expressions_by_hand(text, value):
    assert parse_expression(text, "cell").apply({"a": 10, "b.c": 4}) == value


def test_deeply_nested_text_is_refused_not_recursed():
    with pytest.raises(InputFileError, match="too long"):
        parse_expression("(" * 500 + "a" + ")" * 500, "cell")


# ---- every paper's reproduction -------------------------------------------------------
def _papers():
    from snncost.reproduce import papers

    return sorted(papers())


@pytest.mark.parametrize("paper", _papers())
def test_summary_counts_are_the_row_counts(paper):
    import re

    from snncost.reproduce import reproduce
    from snncost.reproduce.status import STATUSES

    rep = reproduce(paper)
    statuses = [r.status for r in rep.results]
    assert set(statuses) <= set(STATUSES)
    m = re.fullmatch(r"summary: (\d+) published figures: (\d+) match, (\d+) match-rounded-parent, "
                     r"(\d+) explained \(checked\), (\d+) mismatch, (\d+) not modelled; (\d+) info rows "
                     r"\(not published figures\)", rep.summary())
    assert m, rep.summary()
    published, *counts, info = (int(x) for x in m.groups())
    order = ("match", "match-rounded-parent", "explained-deviation", "mismatch", "not-modelled")
    assert counts == [statuses.count(s) for s in order] and info == statuses.count("info")
    assert published == sum(counts) == len(rep.published)


@pytest.mark.parametrize("paper", _papers())
def test_no_explained_deviation_without_a_machine_check(paper):
    """Every explained deviation of every paper is reproduced by a check recomputed
    here: its model variant (the paper module on the changed config), its arithmetic on
    printed figures, or the paper's derivation from printed parents that are not
    reproduced themselves (but computed)."""
    from dataclasses import replace

    from snncost.reproduce import reproduce
    from snncost.reproduce.runner import paper_module

    rep, module = reproduce(paper), paper_module(paper)

    def printed(expression):
        return expression.apply({i: Fraction(Decimal(rep.by_id[i].row.published)) for i in expression.ids})

    for r in rep.published:
        if r.status != "explained-deviation":
            continue
        row, target = r.row, Decimal(r.row.published)
        assert r.computed is not None and to_printed(r.computed, row.decimals, row.rounding) != target, row.id
        checks = []
        if row.explanation is not None and row.explanation.kind == "variant":
            checks.append(module.compute(replace(row, config={**row.config, **row.explanation.config})))
        if row.explanation is not None and row.explanation.kind == "printed":
            checks.append(printed(row.explanation.expression))
        parents = [rep.by_id[i] for i in row.parent.ids] if row.parent is not None else []
        if parents and all(p.computed is not None for p in parents) and \
                any(p.status not in ("match", "match-rounded-parent") for p in parents):
            checks.append(printed(row.parent))
        assert any(to_printed(v, row.decimals, row.rounding) == target for v in checks), row.id


def test_a_variant_the_paper_module_refuses_names_the_explanation_cell():
    from snncost.reproduce import imsnn
    from snncost.reproduce.registry import COLUMNS, parse_registry
    from snncost.reproduce.runner import judge_rows

    line = ("a,imsnn,Table V,r,membrane memory,11.03,2,MB,MB,imsnn-resnet34,membrane=32,,truncate,,,,,"
            "variant: lif_scope=head,")
    rows = parse_registry(",".join(COLUMNS) + "\n" + line + "\n", "tables/demo.csv")
    with pytest.raises(InputFileError) as info:
        judge_rows(rows, imsnn)
    text = str(info.value)
    assert "column 'explanation'" in text and "unknown lif_scope 'head'" in text and "all, blocks" in text


def test_a_division_by_a_zero_figure_names_the_cell():
    from types import SimpleNamespace

    from snncost.reproduce.registry import COLUMNS, parse_registry
    from snncost.reproduce.runner import judge_rows

    text = (",".join(COLUMNS) + "\nz,demo,T,r,q,0,0,MB,MB,m,,,,,,,,,\n"
            "y,demo,T,r,q,1.0,1,x,x,,,z / z,,,,,,,\n")
    with pytest.raises(InputFileError, match="id 'y'\\) column 'parent'.*divides by zero"):
        judge_rows(parse_registry(text, "demo.csv"), SimpleNamespace(compute=lambda row: Fraction(0)))
