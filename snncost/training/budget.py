"""Memory sizes written by people: ``24GiB``, ``24 GB``, ``80e9``, ``512MiB``, ``1000000``.

Parsed with a regular expression into an exact integer number of bytes (Fractions, no
float, nothing evaluated).  Binary units (KiB, MiB, GiB, TiB: powers of 1024) and
decimal ones (kB, MB, GB, TB: powers of 1000) are kept apart; letters are read
case-insensitively (``24gib`` is 24 GiB); a bare number is bytes.
"""
from __future__ import annotations

import re
from fractions import Fraction

from ..errors import ConfigError

UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
         "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d{1,2})?)\s*(?P<unit>[A-Za-z]{0,3})\s*$")
MAX_BYTES = 10**24
VALID = "a size such as 24GiB, 24GB, 512MiB, 80e9 (bytes) or 1000000; units B, kB, MB, GB, TB, KiB, MiB, GiB, TiB"


def parse_size(text, where: str = "option --memory") -> int:
    """``'24GiB'`` -> 25769803776 (bytes, rounded down to a whole byte)."""
    if isinstance(text, bool):
        raise ConfigError(where, f"expected a memory size, got {text!r}", VALID)
    if isinstance(text, int):
        value = Fraction(text)
    elif isinstance(text, str) and len(text) <= 40:
        match = _SIZE.match(text)
        if not match or match["unit"].lower() not in UNITS and match["unit"]:
            raise ConfigError(where, f"cannot read memory size {text!r}", VALID)
        value = Fraction(match["number"]) * UNITS[match["unit"].lower() or "b"]
    else:
        shown = text[:40] + "..." if isinstance(text, str) else type(text).__name__
        raise ConfigError(where, f"cannot read memory size {shown!r}", VALID)
    if value <= 0:
        raise ConfigError(where, f"memory size {text!r} is not positive", VALID)
    if value > MAX_BYTES:
        raise ConfigError(where, f"memory size {text!r} is too large", "at most 10^24 bytes")
    return int(value)  # floor: a budget never rounds up


def parse_workspace(value) -> int:
    """A workspace allowance: 0/None, a number of bytes, or a size string."""
    return 0 if value is None or (isinstance(value, int) and not isinstance(value, bool) and value == 0) \
        else parse_size(value, "option --workspace")
