"""Published-number registries: one CSV data file per paper under ``tables/``.

A registry row is one figure as a paper prints it ("704.4", in "MB" that means MiB),
with what it was computed on (zoo model and configuration) and, for figures the
paper derived from other figures, the derivation (``parent``).  The file format is
documented in docs/reproduce.md; this module only reads and checks it.

Columns (every row has all of them; empty cells are allowed where noted):

``id``             unique key of the row, referenced by ``parent`` and ``compare_to``
``paper``          the registry's paper name (the same on every row)
``table``          where the figure is printed: ``Table 1``, ``Text, Sec. 5.2``...
``row``            the printed row label (network / dataset / method)
``quantity``       what the figure is (the paper module maps it to a computation)
``published``      the figure exactly as printed (a string, ``9.0`` keeps its zero);
                   empty for an informational row (not a published figure)
``decimals``       printed precision; must agree with ``published``
``unit``           the unit the figure really is in (``MiB``, ``MB``, ``x`` for ratios)
``printed_unit``   the unit as the paper prints it (``MB`` for MiB in EfficientLIF-Net)
``model``          zoo model name (empty for figures derived from other rows, and for a
                   figure snncost cannot compute: see "not modelled" below)
``config``         ``key=value`` pairs separated by ``;`` (input size, timesteps,
                   sharing, grouping, training mode, bits...): read by the paper module
``parent``         the paper's own derivation from other rows' figures: an arithmetic
                   expression of row ids and numbers (``+ - * /``, parentheses):
                   ``a * 5``, ``w + 2 * u``, ``fp / q``
``rounding``       the row's one rounding convention: empty or ``half-up`` (default),
                   or ``truncate``
``compare_to``     for an informational row: the published row it is contrasted with
``expected_status`` optional: the status this row should get (checked, reported)
``reason``         what was found or tried (required for ``explained-deviation`` and
                   ``not-modelled``); a note, never the check itself
``note``           what the figure was computed on (model variant, grouping...)
``explanation``    a checkable explanation: ``variant: key=value; ...`` (the row
                   recomputed with that config) or ``printed: EXPRESSION`` (arithmetic
                   on other rows' printed figures)
``pinned``         the exact computed value (``p/q`` or an integer; empty when nothing
                   is computed), rewritten only by ``python tests/test_reproduce_pins.py --write``

A published figure with neither ``model`` nor ``parent`` is *not modelled* (a prior
work's network that no paper defines, say): it is accepted only with
``expected_status = not-modelled`` and a ``reason``.

Nothing in a registry is evaluated as code: ``parent`` and ``printed:`` expressions are
read by a small fixed-grammar parser.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from importlib import resources

from ..errors import InputFileError
from .expression import Expression, parse_expression

COLUMNS = ("id", "paper", "table", "row", "quantity", "published", "decimals", "unit", "printed_unit",
           "model", "config", "parent", "rounding", "compare_to", "expected_status", "reason", "note",
           "explanation", "pinned")
ROUNDINGS = ("half-up", "truncate")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
_PUBLISHED = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_CONFIG_KEY = re.compile(r"^[a-z_][a-z0-9_]*$")


def _cell(source: str, line: int, row_id: str, column: str) -> str:
    return f"registry {source} line {line} (id '{row_id}') column '{column}'"


EXPLANATION_KINDS = ("variant", "printed")
_EXPLANATION_VALID = ("'variant: key=value; ...' (the row recomputed with these config changes: a named model "
                      "variant) or 'printed: EXPRESSION' (arithmetic on other rows' printed figures)")


@dataclass(frozen=True)
class Explanation:
    """A checkable explanation of a deviation (column ``explanation``).

    ``variant``: the row recomputed by its paper module with ``config`` changed (a
    named alternative computation: "the stem LIF not counted", "2-bit storage");
    ``printed``: ``expression`` evaluated on other rows' *printed* figures (the
    paper's own arithmetic, e.g. a value copied from another row).  Either one
    explains the row only if its value, rounded by the row's convention, is the
    printed figure; the runner checks it.
    """

    kind: str
    text: str
    config: dict = field(default_factory=dict)
    expression: Expression | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


def parse_explanation(text: str, where: str) -> Explanation | None:
    """``'variant: lif_scope=blocks'`` or ``'printed: t5.dsr.U'`` -> an :class:`Explanation`."""
    if not text.strip():
        return None
    kind, sep, body = text.partition(":")
    kind, body = kind.strip(), body.strip()
    if not sep or kind not in EXPLANATION_KINDS or not body:
        raise InputFileError(where, f"cannot read explanation {text!r}", _EXPLANATION_VALID)
    if kind == "variant":
        return Explanation(kind, body, config=parse_config(body, where))
    return Explanation(kind, body, expression=parse_expression(body, where))


def parse_pinned(text: str, where: str) -> Fraction | None:
    """``'5635/8'`` or ``'12'`` -> Fraction; empty -> None (nothing computed)."""
    if not text:
        return None
    if not re.fullmatch(r"-?[0-9]+(/[0-9]+)?", text) or text.endswith("/0"):
        raise InputFileError(where, f"{text!r} is not an exact value",
                             "an integer or a fraction p/q, as written by tests/test_reproduce_pins.py --write")
    return Fraction(text)


@dataclass(frozen=True)
class RegistryRow:
    """One row of a registry (see the module docstring for the columns)."""

    id: str
    paper: str
    table: str
    row: str
    quantity: str
    published: str | None
    decimals: int | None
    unit: str
    printed_unit: str
    model: str | None
    config: dict = field(default_factory=dict)
    parent: Expression | None = None
    rounding: str = "half-up"
    explanation: Explanation | None = None
    pinned: Fraction | None = None
    compare_to: str | None = None
    expected_status: str | None = None
    reason: str = ""
    note: str = ""
    line: int = 0
    source: str = ""

    @property
    def is_published(self) -> bool:
        return self.published is not None

    @property
    def is_modelled(self) -> bool:
        """False for a published figure snncost cannot compute (no model, no parent)."""
        return self.model is not None or self.parent is not None

    def where(self, column: str) -> str:
        """``"registry tables/x.csv line 7 (id 'a') column 'config'"``: where an error is."""
        return _cell(self.source, self.line, self.id, column)

    @property
    def published_value(self) -> Decimal | None:
        return Decimal(self.published) if self.published is not None else None

    def option(self, key: str, default=None):
        return self.config.get(key, default)


def typed_config(row: RegistryRow, int_keys: tuple[str, ...], text_keys: tuple[str, ...]) -> dict:
    """A paper module's view of ``row.config``: ``int_keys`` as positive integers,
    ``text_keys`` as given; any other key is an error naming the cell."""
    unknown = [k for k in row.config if k not in int_keys + text_keys]
    if unknown:
        raise InputFileError(row.where("config"), f"unknown key {unknown[0]!r}", ", ".join(int_keys + text_keys))
    config: dict = {}
    for key, value in row.config.items():
        if key in int_keys:
            if not value.isdigit() or int(value) < 1:
                raise InputFileError(row.where("config"), f"{key}={value!r} is not a positive integer", "a positive integer")
            config[key] = int(value)
        else:
            config[key] = value
    return config


def check_quantity(row: RegistryRow, quantities) -> None:
    """A paper module's check that it knows ``row.quantity``."""
    if row.quantity not in quantities:
        raise InputFileError(row.where("quantity"), f"unknown quantity {row.quantity!r}", ", ".join(quantities))


def parse_config(text: str, where: str) -> dict:
    """``'input=224; timesteps=5; sharing=L+C2'`` -> {'input': '224', ...} (strings)."""
    config: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not _CONFIG_KEY.match(key) or not value:
            raise InputFileError(where, f"cannot read config item {part!r}",
                                 "key=value pairs separated by ';', keys lower-case, e.g. 'input=224; sharing=L+C2'")
        if key in config:
            raise InputFileError(where, f"config key {key!r} given twice", "each key once")
        config[key] = value
    return config


def _decimals_of(published: str) -> int:
    return len(published.partition(".")[2])


def parse_registry(text: str, source: str, *, units: tuple[str, ...] | None = None) -> list[RegistryRow]:
    """Rows of a registry CSV text; every problem is an :class:`InputFileError`
    naming the file, the line and the column."""
    from .status import STATUSES

    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    if header != COLUMNS:
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        problem = "wrong header" + (f": missing {', '.join(missing)}" if missing else "") + \
                  (f"; unknown {', '.join(extra)}" if extra else "") + ("" if missing or extra else " (column order)")
        raise InputFileError(f"registry {source}", problem, "the columns " + ",".join(COLUMNS))
    rows: list[RegistryRow] = []
    seen: dict[str, int] = {}
    papers = set()
    for raw in reader:
        line = reader.line_num
        if None in raw or any(v is None for v in raw.values()):
            raise InputFileError(f"registry {source} line {line}", "wrong number of cells", f"{len(COLUMNS)} cells")
        cell = {k: (raw[k] or "").strip() for k in COLUMNS}

        def where(column: str) -> str:
            return _cell(source, line, cell["id"], column)

        if not _ID.match(cell["id"]):
            raise InputFileError(where("id"), f"bad id {cell['id']!r}", "a letter, then letters, digits, '_' or '.'")
        if cell["id"] in seen:
            raise InputFileError(where("id"), f"duplicate id (first on line {seen[cell['id']]})", "unique ids")
        seen[cell["id"]] = line
        for required in ("paper", "table", "row", "quantity", "unit"):
            if not cell[required]:
                raise InputFileError(where(required), "is empty", "a non-empty value")
        papers.add(cell["paper"])
        published = cell["published"] or None
        decimals = None
        if published is not None:
            if not _PUBLISHED.match(published):
                raise InputFileError(where("published"), f"{published!r} is not a number as printed",
                                     "digits with an optional decimal point, e.g. 704.4 or 9.0")
            try:
                decimals = int(cell["decimals"])
            except ValueError:
                raise InputFileError(where("decimals"), f"{cell['decimals']!r} is not an integer",
                                     "the number of printed decimals") from None
            if decimals != _decimals_of(published):
                raise InputFileError(where("decimals"), f"{decimals} disagrees with the printed value {published!r}",
                                     f"{_decimals_of(published)}")
        elif cell["decimals"]:
            try:
                decimals = int(cell["decimals"])
            except ValueError:
                raise InputFileError(where("decimals"), f"{cell['decimals']!r} is not an integer",
                                     "the number of decimals to compare with") from None
        if units is not None and cell["unit"] not in units:
            raise InputFileError(where("unit"), f"unknown unit {cell['unit']!r}", ", ".join(units))
        rounding = cell["rounding"] or "half-up"
        if rounding not in ROUNDINGS:
            raise InputFileError(where("rounding"), f"unknown rounding {rounding!r}", ", ".join(ROUNDINGS))
        expected = cell["expected_status"] or None
        if expected is not None and expected not in STATUSES:
            raise InputFileError(where("expected_status"), f"unknown status {expected!r}", ", ".join(STATUSES))
        parent = parse_expression(cell["parent"], where("parent"))
        if published is None and expected not in (None, "info"):
            raise InputFileError(where("expected_status"), f"an unpublished row cannot be {expected!r}", "info, or empty")
        if expected == "explained-deviation" and not cell["reason"]:
            raise InputFileError(where("reason"), "an explained deviation needs its reason", "the reason text")
        if not cell["model"] and parent is None:
            _check_not_modelled(expected, cell["reason"], where)
        explanation = parse_explanation(cell["explanation"], where("explanation"))
        if explanation is not None and explanation.kind == "variant" and not cell["model"]:
            raise InputFileError(where("explanation"), "a model variant needs a row with a model",
                                 "'printed: EXPRESSION', or a model in column 'model'")
        if cell["compare_to"] and published is not None:
            raise InputFileError(where("compare_to"), "only informational rows (empty 'published') compare to another row",
                                 "empty, or empty 'published'")
        rows.append(RegistryRow(
            id=cell["id"], paper=cell["paper"], table=cell["table"], row=cell["row"], quantity=cell["quantity"],
            published=published, decimals=decimals, unit=cell["unit"], printed_unit=cell["printed_unit"] or cell["unit"],
            model=cell["model"] or None, config=parse_config(cell["config"], where("config")), parent=parent,
            rounding=rounding, compare_to=cell["compare_to"] or None, expected_status=expected,
            reason=cell["reason"], note=cell["note"], explanation=explanation,
            pinned=parse_pinned(cell["pinned"], where("pinned")), line=line, source=source))
    if len(papers) > 1:
        raise InputFileError(f"registry {source} column 'paper'", f"several papers in one file: {', '.join(sorted(papers))}",
                             "one paper per registry file")
    _check_references(rows, source)
    return rows


def _check_not_modelled(expected: str | None, reason: str, where) -> None:
    """A row with neither model nor parent is a figure that is not modelled: it must
    be expected as ``not-modelled`` and say why in ``reason``."""
    valid = ("a zoo model name or a parent derivation; or, for a published figure that cannot be computed, "
             "expected_status 'not-modelled' and a reason")
    if expected is None:
        raise InputFileError(where("model"), "no model and no parent", valid)
    if expected != "not-modelled":
        raise InputFileError(where("expected_status"), f"a row with no model and no parent cannot be {expected!r}", valid)
    if not reason:
        raise InputFileError(where("reason"), "a figure that is not modelled needs its reason",
                             "why it cannot be computed (no layer list, no op counts...)")


def _check_references(rows: list[RegistryRow], source: str) -> None:
    by_id = {r.id: r for r in rows}
    for r in rows:
        for ref in (r.parent.ids if r.parent else ()):
            if ref not in by_id:
                raise InputFileError(r.where("parent"), f"unknown row id {ref!r}", "the id of another row of this file")
            if not by_id[ref].is_published and r.is_published:
                raise InputFileError(r.where("parent"), f"parent {ref!r} is not a published figure",
                                     "a row with a published value")
        if r.parent is not None:
            _check_units(r, by_id)
        for ref in (r.explanation.expression.ids if r.explanation and r.explanation.expression else ()):
            if ref not in by_id or not by_id[ref].is_published or ref == r.id:
                raise InputFileError(r.where("explanation"), f"{ref!r} is not another published row of this file",
                                     "ids of other rows with a published value")
        if r.compare_to is not None:
            target = by_id.get(r.compare_to)
            if target is None or not target.is_published:
                raise InputFileError(r.where("compare_to"), f"{r.compare_to!r} is not a published row of this file",
                                     "the id of a row with a published value")
    order_of_derivation(rows, source)  # raises on cycles


def _check_units(row: RegistryRow, by_id: dict) -> None:
    """A copy, a sum, a difference or a scaling keeps its parents' unit; a ratio or a
    product of two rows has a unit of its own."""
    try:
        unit = row.parent.unit_of({ref: by_id[ref].unit for ref in row.parent.ids})
    except ValueError as exc:
        raise InputFileError(row.where("parent"), str(exc), "terms of a sum or difference in one unit") from None
    if unit is not None and unit != row.unit:
        raise InputFileError(row.where("unit"), f"{row.unit!r} differs from the unit {unit!r} of the parent "
                             "derivation (a copy, sum, difference or scaling keeps the unit)", unit or "a plain number")


def order_of_derivation(rows: list[RegistryRow], source: str = "") -> list[RegistryRow]:
    """Rows ordered so that every parent comes before the rows derived from it."""
    by_id = {r.id: r for r in rows}
    done: dict[str, bool] = {}
    ordered: list[RegistryRow] = []

    def visit(row: RegistryRow, path: tuple[str, ...]) -> None:
        if done.get(row.id):
            return
        if row.id in path:
            cycle = " -> ".join(path[path.index(row.id):] + (row.id,))
            raise InputFileError(f"registry {source} column 'parent'", f"derivation cycle {cycle}", "parents that do not loop")
        for ref in (row.parent.ids if row.parent else ()):
            visit(by_id[ref], path + (row.id,))
        done[row.id] = True
        ordered.append(row)

    for r in rows:
        visit(r, ())
    return ordered


def load_registry(filename: str, *, units: tuple[str, ...] | None = None) -> list[RegistryRow]:
    """Read ``tables/<filename>`` (installed as the package ``snncost.tables``)."""
    try:
        text = resources.files("snncost.tables").joinpath(filename).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        raise InputFileError(f"registry tables/{filename}", f"cannot read it ({exc.__class__.__name__})",
                             "a registry CSV file in tables/") from None
    return parse_registry(text, f"tables/{filename}", units=units)



def pin_text(value: Fraction | None) -> str:
    """The ``pinned`` cell of an exact value: ``'12'``, ``'5635/8'``; ``''`` for None."""
    if value is None:
        return ""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def with_pins(text: str, pins: dict) -> str:
    """Registry CSV ``text`` with its ``pinned`` column rewritten from ``pins`` (id ->
    exact value or None); every other cell is kept as it is.  Used only by the
    deliberate regeneration command, ``python tests/test_reproduce_pins.py --write``."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    if tuple(header) != COLUMNS:
        raise InputFileError("registry", "wrong header", "the columns " + ",".join(COLUMNS))
    id_at, pin_at = header.index("id"), header.index("pinned")
    for cells in rows[1:]:
        cells[pin_at] = pin_text(pins[cells[id_at]])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
