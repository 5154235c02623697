"""Presenting a :class:`~snncost.reproduce.runner.Reproduction` as text, Markdown,
CSV or JSON.  The Markdown output is what tables/<paper>.md holds."""
from __future__ import annotations

from fractions import Fraction

from ..render.formats import render_table, to_json
from .registry import pin_text
from .runner import Reproduction, Result
from .status import MATCH, decimal_text

FORMATS = ("text", "md", "csv", "json")


def _signed(value: Fraction | None) -> str:
    if value is None:
        return ""
    text = decimal_text(value)
    return text if value <= 0 else f"+{text}"


def _unit(result: Result) -> str:
    row = result.row
    return row.unit if row.printed_unit == row.unit else f"{row.unit} (printed {row.printed_unit})"


def _note(result: Result) -> str:
    """The verdict's explanation (unless it is a plain half-up match), the registry's
    reason and the row's note."""
    parts = []
    plain = (result.status == MATCH and "would give" not in result.verdict.detail
             and result.row.rounding == "half-up" and not result.row.reason)
    if not plain:
        parts.append(result.verdict.detail)
    if result.row.reason and result.row.reason not in result.verdict.detail:
        parts.append(f"note: {result.row.reason}")
    if result.row.note:
        parts.append(result.row.note)
    if not result.as_expected:
        parts.append(f"EXPECTED {result.row.expected_status}")
    return "; ".join(parts)


def _status(result: Result) -> str:
    return result.status if result.as_expected else f"{result.status} (expected {result.row.expected_status})"


def _computed(result: Result) -> str:
    if result.computed is not None:
        return decimal_text(result.computed)
    return "not modelled" if result.not_modelled else "n/a"


PUBLISHED_HEADERS = ["id", "table", "row", "quantity", "unit", "published", "computed", "difference", "status",
                     "computed on", "note"]
INFO_HEADERS = ["id", "table", "row", "quantity", "unit", "computed", "compared with", "difference", "would be",
                "computed on", "note"]


def published_rows(rep: Reproduction) -> list[list[str]]:
    return [[r.row.id, r.row.table, r.row.row, r.row.quantity, _unit(r), r.row.published, _computed(r), _signed(r.difference),
             _status(r), r.computed_on, _note(r)] for r in rep.published]


def info_rows(rep: Reproduction) -> list[list[str]]:
    out = []
    for r in rep.informational:
        compared = f"{r.compared_with.published} ({r.compared_with.id})" if r.compared_with else ""
        note = "; ".join(p for p in (r.row.note, r.would_be.detail if r.would_be else r.verdict.detail) if p)
        out.append([r.row.id, r.row.table, r.row.row, r.row.quantity, _unit(r), _computed(r), compared, _signed(r.difference),
                    r.would_be.status if r.would_be else "", r.computed_on, note])
    return out


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def render(rep: Reproduction, fmt: str = "text") -> str:
    if fmt == "json":
        return to_json(as_dict(rep)) + "\n"
    if fmt == "csv":
        headers = ["section"] + PUBLISHED_HEADERS
        rows = [["published"] + row for row in published_rows(rep)]
        rows += [["info", *row[:5], "", row[5], row[7], f"info (would be {row[8]})", row[9], row[10]]
                 for row in info_rows(rep)]
        return render_table(headers, rows, "csv")
    command = f"snncost reproduce {rep.paper} --format md --out tables/{rep.paper}.md"
    if fmt == "md":
        def table(headers, rows):
            return render_table(headers, [[_md_cell(c) for c in row] for row in rows], "md")
        parts = [
            f"# Reproduction: {rep.title}",
            "",
            f"Generated from `{rep.registry}` by `{command}`; do not edit by hand (a test fails when this file is stale).",
            "Computed values are exact, in the unit the figure really is in; statuses are explained in docs/reproduce.md.",
            "",
            "## Published figures",
            "",
            table(PUBLISHED_HEADERS, published_rows(rep)),
            "",
        ]
        if rep.informational:
            parts += ["## Informational rows (not published figures)", "",
                      table(INFO_HEADERS, info_rows(rep)), ""]
        parts += [rep.summary(), ""]
        return "\n".join(parts)
    parts = [f"Reproduction: {rep.title}", f"registry: {rep.registry}", "", "Published figures",
             render_table(PUBLISHED_HEADERS, published_rows(rep), "text"), ""]
    if rep.informational:
        parts += ["Informational rows (not published figures)", render_table(INFO_HEADERS, info_rows(rep), "text"), ""]
    parts += [rep.summary(), ""]
    return "\n".join(parts)


def _fraction_text(value: Fraction | None) -> str | None:
    return pin_text(value) if value is not None else None


def result_dict(r: Result) -> dict:
    row = r.row
    return {
        "id": row.id,
        "table": row.table,
        "row": row.row,
        "quantity": row.quantity,
        "unit": row.unit,
        "printed_unit": row.printed_unit,
        "published": row.published,
        "decimals": row.decimals,
        "computed": decimal_text(r.computed) if r.computed is not None else None,
        "not_modelled": r.not_modelled,
        "computed_exact": _fraction_text(r.computed),
        "computed_rounded": str(r.verdict.rounded) if r.verdict.rounded is not None else None,
        "difference": _signed(r.difference) or None,
        "status": r.status,
        "expected_status": row.expected_status,
        "as_expected": r.as_expected,
        "detail": r.verdict.detail,
        "checked": r.verdict.checked,
        "via_parents": decimal_text(r.verdict.via_parents, 0) if r.verdict.via_parents is not None else None,
        "model": row.model,
        "config": dict(row.config),
        "parent": str(row.parent) if row.parent else None,
        "rounding": row.rounding,
        "explanation": str(row.explanation) if row.explanation else None,
        "pinned": _fraction_text(row.pinned),
        "compare_to": row.compare_to,
        "would_be": r.would_be.status if r.would_be else None,
        "computed_on": r.computed_on,
        "reason": row.reason or None,
        "note": row.note or None,
    }


def as_dict(rep: Reproduction) -> dict:
    counts = rep.counts()
    return {
        "paper": rep.paper,
        "title": rep.title,
        "registry": rep.registry,
        "rows": [result_dict(r) for r in rep.results],
        "summary": {"published": len(rep.published), **counts, "not_modelled": len(rep.not_modelled),
                    "unexpected": [r.row.id for r in rep.unexpected], "text": rep.summary()},
    }
