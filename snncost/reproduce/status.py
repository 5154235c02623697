"""Status rules: how a computed value is compared with a figure as printed.

``match``
    the exact computed value, rounded half-up (2.625 -> 2.63, Decimal ROUND_HALF_UP,
    :func:`snncost.units.round_half_up`) to the printed number of decimals, equals
    the printed figure.
``match-rounded-parent``
    it does not, but the paper computed the figure from its own already-rounded
    figures (``parent`` column) and that is recomputed here: the derivation applied
    to the parents' *printed* values, rounded half-up, equals the printed figure, and
    every parent is itself reproduced.  Example: EfficientLIF-Net VGG16 L+C#2 0.62 =
    round(1.23 / 2, 2) while the exact value 0.6133 rounds to 0.61.
``explained-deviation``
    it does not match, and the registry explains why: either a rounding the framework
    checks (``rounding = truncate``: the figure is the exact value truncated, as the
    abstract's "~4.3x" for 4.381), or a reason text alone (then reported as not
    machine-checked).
``mismatch``
    none of the above.
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
INFO = "info"
STATUSES = (MATCH, ROUNDED_PARENT, EXPLAINED, MISMATCH, INFO)
REPRODUCED = (MATCH, ROUNDED_PARENT, EXPLAINED)


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
    checked: bool = True                    # False: an explanation taken on the reason text alone


def judge(*, computed: Fraction, published: str, decimals: int, rounding: str = "half-up",
          parent_expression: str | None = None, via_parents: Fraction | None = None,
          parents_reproduced: bool = True, reason: str = "") -> Verdict:
    """The status of one published figure.

    ``via_parents`` is the paper's derivation evaluated on the parents' printed
    values (``parent_expression`` shows it, e.g. ``'704.4 - 32.16'``), or None.
    """
    target = Decimal(published)
    rounded = round_half_up(computed, decimals)
    parent_rounded = round_half_up(via_parents, decimals) if via_parents is not None else None
    parent_text = (f"{parent_expression} = {decimal_text(via_parents, 0)} -> {parent_rounded}"
                   if via_parents is not None else "")
    common = dict(rounded=rounded, via_parents=via_parents, via_parents_rounded=parent_rounded)
    exact = decimal_text(computed)
    if rounded == target:
        detail = f"exact {exact} rounds half-up to {published}"
        if parent_rounded is not None and parent_rounded != target:
            detail += f"; the printed parents would give {parent_text}, so the paper computed this one directly"
        return Verdict(MATCH, detail, **common)
    if parent_rounded is not None and parent_rounded == target and parents_reproduced:
        return Verdict(ROUNDED_PARENT, f"exact {exact} rounds to {rounded}; the paper derived it from its printed "
                                       f"figures: {parent_text}", **common)
    if rounding == "truncate":
        truncated = to_printed(computed, decimals, "truncate")
        if truncated == target:
            return Verdict(EXPLAINED, f"the paper truncates: exact {exact} -> {truncated} (half-up would give {rounded})"
                           + (f"; {reason}" if reason else ""), **common)
    if reason:
        return Verdict(EXPLAINED, f"{reason} (explanation not machine-checked; exact {exact} rounds to {rounded})",
                       checked=False, **common)
    detail = f"exact {exact} rounds to {rounded}, printed {published}"
    if parent_rounded is not None:
        detail += f"; printed parents give {parent_text}" + ("" if parents_reproduced else " (a parent is not reproduced)")
    return Verdict(MISMATCH, detail, **common)
