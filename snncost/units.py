"""Memory units.  Memory is counted in bits (or, for a quantity whose unit family is
``byte``, in bytes); conversion happens only for display.  Also: exact numbers from
decimal text (:func:`exact_decimal`, for rates and technology tables).

Binary units (KiB, MiB, GiB: powers of 1024 bytes) and decimal ones (kB, MB, GB:
powers of 1000 bytes) are kept apart.  EfficientLIF-Net's tables print "MB" but
mean MiB; IM-SNN's tables use decimal MB (see tables/ for each paper's convention).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from .errors import ConfigError

BITS_PER_UNIT: dict[str, int] = {
    "bit": 1,
    "B": 8,
    "KiB": 8 * 2**10, "MiB": 8 * 2**20, "GiB": 8 * 2**30,
    "kB": 8 * 10**3, "MB": 8 * 10**6, "GB": 8 * 10**9,
}


BITS_PER_FAMILY: dict[str, int] = {"bit": 1, "byte": 8}
"""Memory unit families of the quantity registry (:mod:`snncost.quantities`); the other
families (``op``, ``pJ``, ``count``) are not memory and are never converted."""


def to_bits(value, family: str = "bit"):
    """A memory quantity counted in ``family`` (bit or byte) as bits, exactly."""
    return value * BITS_PER_FAMILY[family]


def display_scale(family: str, unit: str):
    """Counted-``family`` values per display ``unit`` (None for a family that is not memory)."""
    if family not in BITS_PER_FAMILY:
        return None
    return Fraction(BITS_PER_UNIT[check_unit(unit)], BITS_PER_FAMILY[family])


def check_unit(unit: str, where: str = "option --units") -> str:
    if unit not in BITS_PER_UNIT:
        raise ConfigError(where, f"unknown unit {unit!r}", ", ".join(BITS_PER_UNIT) + " (case-sensitive: MiB is 2^20 bytes, MB is 10^6)")
    return unit


def convert(bits, unit: str) -> Fraction:
    """Exact value of ``bits`` in ``unit`` (a Fraction)."""
    return Fraction(bits) / BITS_PER_UNIT[check_unit(unit)]


MAX_DECIMAL_EXPONENT = 40
"""The largest decimal exponent :func:`exact_decimal` reads (either sign): a 40-character
text written out needs no more, and 1e999999999 would take minutes to build exactly."""


def exact_decimal(text: str) -> Fraction:
    """The exact value of a decimal text (``"0.9"``, ``" 1.5e-3 "``), never through a float.

    ValueError says what is wrong (to follow the quoted text in a message): not a number,
    not finite (``inf``, ``nan``), or an exponent beyond +-:data:`MAX_DECIMAL_EXPONENT`."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("is not a number") from None
    if not number.is_finite():
        raise ValueError("is not a finite number")
    if abs(number.adjusted()) > MAX_DECIMAL_EXPONENT:
        raise ValueError(f"has an exponent beyond +-{MAX_DECIMAL_EXPONENT}")
    return Fraction(number)


def round_half_up(value, digits: int) -> Decimal:
    """Round as a person does (2.625 -> 2.63), not as binary floats do (2.62)."""
    # Integer arithmetic on the exact Fraction: no 28-digit Decimal context, so no double
    # rounding and no InvalidOperation for huge values (docs/errors.md, "huge values").
    scaled = Fraction(value) * 10**digits
    units = (abs(scaled.numerator) * 2 + scaled.denominator) // (2 * scaled.denominator)  # half up
    sign = "-" if scaled < 0 and units else ""
    return Decimal(f"{sign}{units}E-{digits}")


def fmt(bits, unit: str, digits: int = 2) -> str:
    """``fmt(337182720, 'MiB')`` -> ``'40.20'`` (display only)."""
    if unit == "bit":
        value = Fraction(bits)
        return str(value.numerator) if value.denominator == 1 else str(round_half_up(value, digits))
    return str(round_half_up(convert(bits, unit), digits))
