"""Reproduce one paper's registry: compute every row, compare, assign statuses.

A paper is a module of this package that defines

- ``NAME``: the name on the command line (``snncost reproduce NAME``) and the module's file name,
- ``TITLE``: one line naming the paper and what is reproduced,
- ``REGISTRY``: the registry file under ``tables/`` (see :mod:`.registry`),
- ``UNITS``: the units its registry may use,
- ``compute(row) -> Fraction``: the exact value of a row that has a ``model``, in the
  row's ``unit`` (it may raise :class:`NotReproduced` with a reason),
- optionally ``describe(row) -> str``: what a row with a model was computed on, in a
  few words (:func:`model_parts` gives its start: model and input size).

Rows without a model are derived from their parents' computed values by the
``parent`` derivation.  A published figure with neither (*not modelled*: the
registry requires ``expected_status = not-modelled`` and a reason for it), or one
derived from such a figure, is reported as ``not-modelled`` with no computed value.
A row's ``explanation`` is evaluated here (a ``variant`` through ``compute`` with the
changed config, ``printed`` on the printed figures) and judged in :mod:`.status`.
Adding a paper means adding such a module and its registry; nothing here changes.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from ..errors import ConfigError, InputFileError
from .registry import RegistryRow, load_registry, order_of_derivation
from .status import INFO, MISMATCH, NOT_MODELLED, REPRODUCED, STATUSES, Tried, Verdict, decimal_text, judge


class NotReproduced(Exception):
    """Raised by a paper's ``compute`` when a row cannot be computed as the paper
    describes it (the row becomes a ``mismatch`` with this message)."""


_FRAMEWORK_MODULES = {"registry", "expression", "status", "runner", "render"}


@lru_cache(maxsize=1)
def paper_names() -> tuple[str, ...]:
    """The installed papers: the modules of this package other than the framework's
    (a paper's module file is named after the paper)."""
    package = importlib.import_module("snncost.reproduce")
    return tuple(sorted(info.name for info in pkgutil.iter_modules(package.__path__)
                        if info.name not in _FRAMEWORK_MODULES and not info.name.startswith("_")))


def paper_module(name: str):
    """The module of paper ``name``; only that module is imported."""
    if name not in paper_names():
        raise ConfigError("argument PAPER", f"unknown paper {name!r}", ", ".join(paper_names()) or "(none installed)")
    module = importlib.import_module(f"snncost.reproduce.{name}")
    missing = [a for a in ("NAME", "REGISTRY", "compute") if not hasattr(module, a)]
    if missing or module.NAME != name:
        raise ConfigError(f"paper module snncost/reproduce/{name}.py",
                          f"missing {', '.join(missing)}" if missing else f"NAME is {module.NAME!r}",
                          f"NAME = {name!r}, REGISTRY, compute(row) (docs/reproduce.md, 'Adding a paper')")
    return module


def papers() -> dict:
    """Paper name -> module, for every installed paper (imports them all)."""
    return {name: paper_module(name) for name in paper_names()}


@dataclass(frozen=True)
class Result:
    """One registry row, its exact computed value and its verdict."""

    row: RegistryRow
    computed: Fraction | None
    verdict: Verdict
    computed_on: str = ""
    compared_with: RegistryRow | None = None   # informational rows: the published row
    would_be: Verdict | None = None            # informational rows: its status against that row

    @property
    def status(self) -> str:
        return self.verdict.status

    @property
    def not_modelled(self) -> bool:
        """A published figure snncost does not compute (no model, no parent, or a
        parent that is not modelled)."""
        return self.status == NOT_MODELLED

    @property
    def as_expected(self) -> bool:
        return self.row.expected_status is None or self.row.expected_status == self.status

    @property
    def difference(self) -> Fraction | None:
        """computed - published (or - the compared row's published value, for info rows)."""
        published = self.row.published if self.row.is_published else \
            (self.compared_with.published if self.compared_with else None)
        if self.computed is None or published is None:
            return None
        return self.computed - Fraction(Decimal(published))


@dataclass(frozen=True)
class Reproduction:
    paper: str
    title: str
    registry: str
    results: tuple[Result, ...]

    @property
    def by_id(self) -> dict[str, Result]:
        """Registry id -> result."""
        return {r.row.id: r for r in self.results}

    @property
    def published(self) -> list[Result]:
        return [r for r in self.results if r.row.is_published]

    @property
    def informational(self) -> list[Result]:
        return [r for r in self.results if not r.row.is_published]

    def counts(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for r in self.results:
            counts[r.status] += 1
        return counts

    @property
    def not_modelled(self) -> list[Result]:
        return [r for r in self.results if r.not_modelled]

    @property
    def unexpected(self) -> list[Result]:
        return [r for r in self.results if not r.as_expected]

    def summary(self) -> str:
        c = self.counts()
        text = (f"summary: {len(self.published)} published figures: {c['match']} match, "
                f"{c['match-rounded-parent']} match-rounded-parent, {c['explained-deviation']} explained (checked), "
                f"{c['mismatch']} mismatch, {c['not-modelled']} not modelled; "
                f"{c['info']} info rows (not published figures)")
        if self.unexpected:
            text += f"; {len(self.unexpected)} not as expected: " + ", ".join(r.row.id for r in self.unexpected)
        return text


def model_parts(row: RegistryRow) -> list[str]:
    """``['vgg16', '48x48x2ch']``: a row's zoo model and square input size (with its
    channels unless 3), the start of a paper's "computed on" text."""
    parts = [row.model]
    c = row.config
    if "input" in c:
        parts.append(f"{c['input']}x{c['input']}" + (f"x{c['in_channels']}ch" if c.get("in_channels", "3") != "3" else ""))
    return parts


def _describe(module, row: RegistryRow) -> str:
    if not row.is_modelled:
        return ""
    if row.model is None:
        return f"= {row.parent}"
    if hasattr(module, "describe"):
        return module.describe(row)
    items = "; ".join(f"{k}={v}" for k, v in row.config.items())
    return f"{row.model}" + (f" ({items})" if items else "")


def reproduce(name: str) -> Reproduction:
    """Compute, compare and judge every row of paper ``name``'s registry."""
    module = paper_module(name)
    rows = load_registry(module.REGISTRY, units=getattr(module, "UNITS", None))
    results = judge_rows(rows, module, f"tables/{module.REGISTRY}")
    return Reproduction(module.NAME, getattr(module, "TITLE", module.NAME), f"tables/{module.REGISTRY}", tuple(results))


def judge_rows(rows: list[RegistryRow], module, source: str = "registry") -> list[Result]:
    """The results of registry ``rows`` (in their order), computing rows that have a
    model with ``module.compute`` and the others from their parents."""
    by_id = {r.id: r for r in rows}
    results: dict[str, Result] = {}
    for row in order_of_derivation(rows, source):
        computed, problem, not_modelled = _compute(module, row, results)
        on = _describe(module, row)
        if not row.is_published:
            results[row.id] = _info(row, by_id, computed, problem, on)
            continue
        via_parents = expression = None
        unreproduced: list[str] = []
        if row.parent is not None:
            printed = {ref: by_id[ref].published for ref in row.parent.ids}
            via_parents = _apply(row, "parent", row.parent, {ref: Fraction(Decimal(v)) for ref, v in printed.items()})
            expression = row.parent.text(printed)
            # a parent vouches only when it is reproduced and has a computed value
            unreproduced = [f"{ref} ({results[ref].status})" for ref in row.parent.ids
                            if results[ref].status not in REPRODUCED or results[ref].computed is None]
        if computed is None:
            results[row.id] = Result(row, None, _uncomputed(row, problem, not_modelled, expression, via_parents), on)
            continue
        verdict = judge(computed=computed, published=row.published, decimals=row.decimals, rounding=row.rounding,
                        parent_expression=expression, via_parents=via_parents, parents_reproduced=not unreproduced,
                        unreproduced=", ".join(unreproduced), explanation=_try(module, row, by_id),
                        parents_computed=row.parent is None or all(results[ref].computed is not None
                                                                   for ref in row.parent.ids),
                        reason=row.reason)
        results[row.id] = Result(row, computed, verdict, on)
    return [results[r.id] for r in rows]  # back to the registry's order


def _info(row: RegistryRow, by_id: dict, computed, problem: str, on: str) -> Result:
    """An informational row, with the status it would get against its ``compare_to`` row."""
    compared = by_id.get(row.compare_to) if row.compare_to else None
    would = None
    if compared is not None and computed is not None:
        would = judge(computed=computed, published=compared.published, decimals=compared.decimals,
                      rounding=compared.rounding)
    detail = "not a published figure"
    if compared is not None:
        detail += (f"; against the printed {compared.published} ({compared.table}, {compared.row}) it would be "
                   f"{would.status if would else MISMATCH}" + (f": {would.detail}" if would else ""))
    if problem:
        detail += f"; {problem}"
    return Result(row, computed, Verdict(INFO, detail), on, compared, would)


def _uncomputed(row: RegistryRow, problem: str, not_modelled: bool, expression, via_parents) -> Verdict:
    """The verdict of a published figure with no computed value: not modelled (no
    model and no parent, or a parent that is not modelled), or a mismatch."""
    if not_modelled:
        detail = row.reason or problem
        if row.is_modelled:  # derived from a figure that is not modelled
            detail = problem + (f"; the printed figures give {expression} = {decimal_text(via_parents, 0)}"
                                if expression else "") + (f"; note: {row.reason}" if row.reason else "")
        return Verdict(NOT_MODELLED, detail, checked=False)
    return Verdict(MISMATCH, problem + (f"; note: {row.reason}" if row.reason else ""))


def _try(module, row: RegistryRow, by_id: dict) -> Tried | None:
    """The row's checkable explanation, evaluated: a model variant recomputed by the
    paper module, or arithmetic on other rows' printed figures."""
    e = row.explanation
    if e is None:
        return None
    if e.kind == "printed":
        printed = {ref: by_id[ref].published for ref in e.expression.ids}
        value = _apply(row, "explanation", e.expression, {ref: Fraction(Decimal(v)) for ref, v in printed.items()})
        return Tried(f"the printed figures {e.expression} = {e.expression.text(printed)}", value)
    variant = replace(row, config={**row.config, **e.config})
    try:
        return Tried(f"the variant {e.text}", Fraction(module.compute(variant)))
    except NotReproduced as exc:
        return Tried(f"the variant {e.text}", None, str(exc))
    except InputFileError as exc:  # a variant key the paper module refuses: the cell is 'explanation'
        raise InputFileError(row.where("explanation"), f"variant {e.text!r}: {exc.problem}", exc.valid) from None


def _compute(module, row: RegistryRow, done: dict) -> tuple[Fraction | None, str, bool]:
    """(exact value or None, why there is none, whether that is because nothing is
    modelled: no model and no parent, or a parent that is not modelled)."""
    if not row.is_modelled:
        return None, "not modelled", True
    if row.model is not None:
        try:
            return Fraction(module.compute(row)), "", False
        except NotReproduced as exc:
            return None, f"not computed: {exc}", False
    absent = [ref for ref in row.parent.ids if done[ref].computed is None]
    if absent:
        ref = absent[0]
        if done[ref].status == NOT_MODELLED:
            return None, f"not modelled: parent {ref} is not modelled", True
        return None, f"not computed: parent {ref} has no computed value", False
    return _apply(row, "parent", row.parent, {ref: done[ref].computed for ref in row.parent.ids}), "", False


def _apply(row: RegistryRow, column: str, expression, values: dict) -> Fraction:
    """``expression`` on ``values``; a division by a zero figure is an error on ``column``."""
    try:
        return expression.apply(values)
    except ZeroDivisionError:
        raise InputFileError(row.where(column), f"{expression} divides by zero with these figures",
                             "a derivation whose divisors are not 0") from None
