"""Bit-width presets and counting conventions for weights, membranes and spikes.

A bit width is exact: an int, a :class:`fractions.Fraction` (1.5 -> ``Fraction(3, 2)``)
or, for the information content of a ternary value, the exact sympy number
``log(3)/log(2)`` (never a rounded float; it is turned into digits only for display).

Presets (:func:`resolve_bits`):

- ``fp32`` 32, ``fp16`` 16, ``int8`` 8, ``int4`` 4, ``int2`` 2, ``binary`` 1 bit.
- ``ternary``: a value in {-1, 0, 1} (IM-SNN, Sec. IV-B, Algorithm 1: "offloaded to the
  hardware memory with 1.5-bit representation").  Conventions
  (:data:`TERNARY_CONVENTIONS`): ``imsnn`` 3/2 bit (the paper's count), ``log2``
  log2 3 = 1.585 bit (the information content; reachable only by packing many values
  together), ``packed`` 2 bit (one value in two bits).
- ``masked-ternary``: the ternary membrane with the -1 values silenced (IM-SNN Sec. IV-C,
  Eq. 12-14), so the stored values are binary.  Conventions
  (:data:`MASKED_CONVENTIONS`): ``halved`` half of the ternary convention's bits (IM-SNN
  Table III: 250 -> 125 KB, 230 -> 115 KB), ``binary`` 1 bit per value.

Spike storage of a one-hot multi-level LIF (Abillama et al., one-hot M-LIF, seed 004:
S lanes of weight 2^s theta, at most one lane fires per timestep) per neuron and
timestep (:func:`spike_storage_bits`): ``one-hot`` S lane bits (x the per-lane spike
bits), or ``encoded`` ceil(log2(S + 1)) bits (which lane fired, or none).  S = 1 is the
ordinary LIF under either encoding.
"""
from __future__ import annotations

from fractions import Fraction
from math import isfinite

from .errors import ConfigError
from .memory import exact
from .records import Record

FIXED_PRESETS = {"fp32": 32, "fp16": 16, "int8": 8, "int4": 4, "int2": 2, "binary": 1}

TERNARY_CONVENTIONS = {
    "imsnn": "1.5 bits per ternary value, as IM-SNN counts it (Sec. IV-B)",
    "log2": "log2(3) = 1.585 bits per ternary value (information content, exact sympy log(3)/log(2))",
    "packed": "2 bits per ternary value (one value per 2-bit field)",
}
MASKED_CONVENTIONS = {
    "halved": "half the ternary convention's bits, as IM-SNN Table III halves membrane memory (250 -> 125 KB)",
    "binary": "1 bit per value (after masking the -1s the values are binary)",
}
SPIKE_ENCODINGS = {
    "one-hot": "S lane bits per neuron per timestep (x per-lane spike bits)",
    "encoded": "ceil(log2(S + 1)) bits per neuron per timestep (which lane fired, or none)",
}
PRESET_NAMES = tuple(FIXED_PRESETS) + ("ternary", "masked-ternary")
MAX_BITS = 64


class BitWidth(Record):
    """An exact bit width and how it was chosen (for the report)."""

    bits: object
    label: str


def log2_3():
    """log2 3 as an exact sympy number (imported only when the convention is used)."""
    import sympy

    return sympy.log(3) / sympy.log(2)


def ternary_bits(convention: str = "imsnn", where: str = "option --ternary-convention"):
    if convention not in TERNARY_CONVENTIONS:
        raise ConfigError(where, f"unknown ternary convention {convention!r}", ", ".join(TERNARY_CONVENTIONS))
    return {"imsnn": Fraction(3, 2), "packed": 2}.get(convention) or log2_3()


def masked_ternary_bits(convention: str = "halved", ternary_convention: str = "imsnn",
                        where: str = "option --masked-convention"):
    if convention not in MASKED_CONVENTIONS:
        raise ConfigError(where, f"unknown masked-ternary convention {convention!r}", ", ".join(MASKED_CONVENTIONS))
    if convention == "binary":
        return 1
    ternary = ternary_bits(ternary_convention)
    if isinstance(ternary, (int, Fraction)):  # exact halving: 2 / 2 is the float 1.0, Fraction(2, 2) the int 1
        return exact(Fraction(ternary, 2))
    return ternary / 2  # log2 3 / 2, an exact sympy number


def exact_bits(value, where: str, valid: str | None = None):
    """The one bit-width check: a number of bits (int, Fraction, float via its decimal
    repr, or text when ``valid`` names presets too) in (0, :data:`MAX_BITS`], exact (int
    or Fraction).  sympy symbols (closed-form formulas) pass through."""
    valid = valid or f"a number in (0, {MAX_BITS}]"
    if hasattr(value, "free_symbols"):
        if value.free_symbols:
            return value
        value = Fraction(str(value))
    if isinstance(value, bool):
        raise ConfigError(where, f"expected a number of bits, got {value!r}", valid)
    if isinstance(value, (int, Fraction)):
        number = Fraction(value)
    elif isinstance(value, float):
        if not isfinite(value):  # NaN or an infinity
            raise ConfigError(where, f"{value} bits is out of range", valid)
        number = Fraction(repr(value))
    elif isinstance(value, str):
        try:
            number = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ConfigError(where, f"{value!r} is neither a number of bits nor a preset", valid) from None
    else:
        raise ConfigError(where, f"expected a number of bits, got {value!r}", valid)
    if not 0 < number <= MAX_BITS:
        raise ConfigError(where, f"{value} bits is out of range", valid)
    return int(number) if number.denominator == 1 else number


def parse_bits_text(text: str, where: str = "option"):
    """Command-line bit width: a preset name (kept as text, resolved by
    :func:`resolve_bits`) or an exact number of bits."""
    if text.strip().lower() in PRESET_NAMES:
        return text.strip().lower()
    return exact_bits(text, where, _valid())


def _valid() -> str:
    return f"a number in (0, {MAX_BITS}] such as 32, 4, 1.5 or 3/2, or a preset: {', '.join(PRESET_NAMES)}"


def resolve_bits(value, *, where: str, ternary_convention: str = "imsnn", masked_convention: str = "halved",
                 allow_masked: bool = True) -> BitWidth:
    """A number or preset name -> :class:`BitWidth` (exact bits and a label for the report).

    Symbols (from :mod:`snncost.formula`) pass through unchanged.
    """
    if hasattr(value, "free_symbols") and value.free_symbols:
        return BitWidth(value, str(value))
    if isinstance(value, str) and value.strip().lower() in PRESET_NAMES:
        name = value.strip().lower()
        if name in FIXED_PRESETS:
            return BitWidth(FIXED_PRESETS[name], f"{name} ({FIXED_PRESETS[name]} bits)")
        if name == "ternary":
            bits = ternary_bits(ternary_convention)
            return BitWidth(bits, f"ternary, convention '{ternary_convention}': {TERNARY_CONVENTIONS[ternary_convention]}")
        if not allow_masked:
            raise ConfigError(where, "masked-ternary is a membrane convention only", ", ".join(p for p in PRESET_NAMES if p != "masked-ternary"))
        bits = masked_ternary_bits(masked_convention, ternary_convention)
        detail = MASKED_CONVENTIONS[masked_convention]
        if masked_convention == "halved":
            detail += f" (ternary convention '{ternary_convention}')"
        return BitWidth(bits, f"masked-ternary, convention '{masked_convention}': {detail}")
    if hasattr(value, "is_number") and value.is_number:  # ints and Fractions have no is_number
        return BitWidth(value, str(value))  # an exact sympy number such as log(3)/log(2)
    bits = exact_bits(value, where, _valid())
    return BitWidth(bits, f"{bits} bits")


def check_encoding(encoding: str, where: str = "option --spike-encoding") -> str:
    if encoding not in SPIKE_ENCODINGS:
        raise ConfigError(where, f"unknown spike encoding {encoding!r}", ", ".join(SPIKE_ENCODINGS))
    return encoding


def spike_storage_bits(lanes, bits_per_lane, encoding: str = "one-hot"):
    """Bits one neuron's spike output takes per timestep.

    One-hot M-LIF (seed 004, domain notes sec. 4): S lanes, at most one fires.
    ``one-hot``: S x bits per lane.  ``encoded``: ceil(log2(S + 1)) bits, the index of
    the lane that fired or 0 for none (for an integer S this is ``S.bit_length()``);
    the per-lane bits do not enter.  S = 1 gives ``bits_per_lane`` and 1 bit.
    """
    if encoding == "one-hot":
        return exact(lanes * bits_per_lane)  # 2 lanes x 3/2 bits = 3 bits, an int
    check_encoding(encoding)
    if isinstance(lanes, int):
        return lanes.bit_length()
    import sympy

    return sympy.ceiling(sympy.log(lanes + 1, 2))


def display_number(value):
    """An exact value for display: Fractions as they are, exact sympy numbers as a
    Fraction of their first 40 significant digits (display only, never computed on)."""
    if isinstance(value, (int, Fraction)):
        return value
    if hasattr(value, "free_symbols"):
        if value.free_symbols:
            raise TypeError(f"{value} is symbolic")
        import sympy

        return Fraction(str(sympy.N(value, 40)))
    return Fraction(value)
