"""Status rules: how a computed value is compared with a figure as printed.

Every row declares **one** rounding convention (registry column ``rounding``):
``half-up`` (2.625 -> 2.63, Decimal ROUND_HALF_UP, :func:`snncost.units.round_half_up`)
or ``truncate`` (toward zero).  Every status below uses that convention and no other.

``match``
    the exact computed value, rounded by the row's convention to the printed number
    of decimals, equals the printed figure.
``match-rounded-parent``
    it does not, but the paper computed the figure from its own already-rounded
    figures (``parent`` column): the derivation applied to the parents' *printed*
    values, rounded by the row's convention, equals the printed figure, and every
    parent is itself reproduced (``match`` or ``match-rounded-parent``).  Example:
    EfficientLIF-Net VGG16 L+C#2 0.62 = round(1.23 / 2, 2) while the exact value
    0.6133 rounds to 0.61.
``explained-deviation``
    it does not match, and code checks an explanation that reproduces the printed
    figure: a named alternative computation (registry ``explanation = variant: ...``,
    e.g. the stem LIF not counted), arithmetic on the paper's own printed figures
    (``explanation = printed: ...``, e.g. a value copied from another row), or the
    paper's derivation from printed parents that are themselves not reproduced (the
    deviation is inherited from them).
``mismatch``
    none of the above; the registry's ``reason`` stays as a note of what was tried.
``not-modelled``
    nothing to compute from (no architecture, no op counts), or derived from such a
    figure: never counted as reproduced.
``info``
    not a published figure (an informational row, e.g. another layer grouping);
    compared with the published row named in ``compare_to`` to say what status it
    *would* get.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..units import round_half_up

MATCH = "match"
ROUNDED_PARENT = "match-rounded-parent"
EXPLAINED = "explained-deviation"
MISMATCH = "mismatch"
NOT_MODELLED = "not-modelled"
INFO = "info"
STATUSES = (MATCH, ROUNDED_PARENT, EXPLAINED, MISMATCH, NOT_MODELLED, INFO)
#: statuses under which a figure counts as reproduced (and may vouch for a child)
REPRODUCED = (MATCH, ROUNDED_PARENT)
_VERB = {"half-up": "rounds half-up", "truncate": "truncates"}


def to_printed(value, decimals: int, rounding: str = "half-up") -> Decimal:
    """An exact value as it would be printed with ``decimals`` decimals."""
    if rounding == "truncate":  # toward zero, in exact integer arithmetic
        scaled = Fraction(value) * 10**decimals
        units = abs(scaled.numerator) // scaled.denominator
        sign = "-" if scaled < 0 and units else ""
        return Decimal(f"{sign}{units}E-{decimals}")
    return round_half_up(value, decimals)


def decimal_text(value, min_decimals: int = 4, max_decimals: int = 10) -> str:
    """Exact decimal expansion when it terminates within ``max_decimals`` digits
    (at least ``min_decimals`` shown: ``2.8750``, ``1.2265625``); otherwise 6
    decimals and an ellipsis (``4.380952...``)."""
    exact = Fraction(value)
    for digits in range(0, max_decimals + 1):
        scaled = exact * 10**digits
        if scaled.denominator == 1:
            shown = Decimal(scaled.numerator).scaleb(-digits)
            return f"{shown:.{max(digits, min_decimals)}f}"
    return f"{round_half_up(exact, 6)}..."


@dataclass(frozen=True)
class Verdict:
    """A status and how it was reached."""

    status: str
    detail: str
    rounded: Decimal | None = None          # the computed value rounded as printed
    via_parents: Fraction | None = None     # the derivation on the parents' printed values
    via_parents_rounded: Decimal | None = None
    checked: bool = True                    # False only for a figure that is not modelled


@dataclass(frozen=True)
class Tried:
    """A checkable explanation and its value (None when it could not be computed)."""

    text: str
    value: Fraction | None
    problem: str = ""


def judge(*, computed: Fraction, published: str, decimals: int, rounding: str = "half-up",
          parent_expression: str | None = None, via_parents: Fraction | None = None,
          parents_reproduced: bool = True, unreproduced: str = "", parents_computed: bool = True,
          explanation: Tried | None = None,
          reason: str = "") -> Verdict:
    """The status of one published figure, under the row's one rounding convention.

    ``via_parents`` is the paper's derivation evaluated on the parents' printed
    values (``parent_expression`` shows it, e.g. ``'704.4 - 32.16'``), or None;
    ``unreproduced`` names the parents that are not reproduced; a deviation is
    inherited only from parents that have a computed value (``parents_computed``: a
    figure that is not modelled cannot be shown to deviate).  ``explanation`` is
    the row's checkable explanation, already evaluated.  ``reason`` (what was found
    or tried) is appended to the detail of a deviation as a note.
    """
    target = Decimal(published)
    verb = _VERB[rounding]
    rounded = to_printed(computed, decimals, rounding)
    parent_rounded = to_printed(via_parents, decimals, rounding) if via_parents is not None else None
    parent_text = (f"{parent_expression} = {decimal_text(via_parents, 0)} -> {parent_rounded}"
                   if via_parents is not None else "")
    common = dict(rounded=rounded, via_parents=via_parents, via_parents_rounded=parent_rounded)
    exact = decimal_text(computed)
    note = f"; note: {reason}" if reason else ""
    if rounded == target:
        detail = f"exact {exact} {verb} to {published}"
        if parent_rounded is not None and parent_rounded != target:
            detail += f"; the printed parents would give {parent_text}, so the paper computed this one directly"
        return Verdict(MATCH, detail, **common)
    if parent_rounded is not None and parent_rounded == target:
        if parents_reproduced:
            return Verdict(ROUNDED_PARENT, f"exact {exact} {verb} to {rounded}; the paper derived it from its printed "
                                           f"figures: {parent_text}", **common)
        if parents_computed:
            return Verdict(EXPLAINED, f"exact {exact} {verb} to {rounded}; checked: the paper derived it from its "
                                      f"printed figures, {parent_text}, and inherits the deviation of {unreproduced}"
                           + note, **common)
    tried = ""
    if explanation is not None:
        if explanation.value is None:
            tried = f"; tried {explanation.text}: not computed ({explanation.problem})"
        else:
            alternative = to_printed(explanation.value, decimals, rounding)
            shown = f"{explanation.text} gives {decimal_text(explanation.value)} -> {alternative}"
            if alternative == target:
                return Verdict(EXPLAINED, f"exact {exact} {verb} to {rounded}; checked: {shown}" + note, **common)
            tried = f"; tried {shown}"
    detail = f"exact {exact} {verb} to {rounded}, printed {published}"
    if parent_rounded is not None:
        detail += f"; printed parents give {parent_text}" + (f" (not reproduced: {unreproduced})" if unreproduced else "")
    return Verdict(MISMATCH, detail + tried + note, **common)
