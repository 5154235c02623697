"""Weight sparsity and the storage formats of pruned weights, in bits.

A node's prunable weights are its weight tensor (conv: C_out x C_in/groups x k...;
linear: out x in); biases and batchnorm parameters are stored dense.  With sparsity s
(the fraction of zero weights, e.g. EfficientLIF-Net Fig. 8: ResNet19 pruned to
94.94%) the nonzeros of a tensor of N weights are nnz = N - floor(s N) (a partly zero
count is rounded toward storing the weight).  Formats (per tensor, b = weight bits):

- ``dense``: every weight, zeros included: N b.
- ``values``: the nonzero values only, nnz b (no index: a lower bound; EfficientLIF-Net
  Fig. 8's "pruned weights about 5 MB" is this count).
- ``bitmask``: a 1-bit occupancy mask per weight plus the nonzero values: N + nnz b.
- ``coo``: each nonzero with its coordinates: nnz (b + i), where the index bits i are
  the sum over the tensor's dimensions d of ceil(log2 d) unless given.
- ``csr``: the tensor as a matrix of C_out rows: nnz (b + c) column indices plus
  (C_out + 1) row pointers of p bits, with c = ceil(log2(row length)) and
  p = ceil(log2(N + 1)) unless given.

All counts are exact integers for integer shapes, sympy expressions for symbolic ones.
"""
from __future__ import annotations

from fractions import Fraction
from math import prod

from .errors import ConfigError
from .memory import exact

FORMATS = {
    "dense": "all weights stored, zeros included",
    "values": "nonzero values only, no index (lower bound)",
    "bitmask": "1 bit per weight + nonzero values",
    "coo": "nonzero values + per-nonzero coordinates",
    "csr": "nonzero values + column indices + row pointers",
}


def check_format(fmt: str, where: str = "option --weight-format") -> str:
    if fmt not in FORMATS:
        raise ConfigError(where, f"unknown weight storage format {fmt!r}", ", ".join(FORMATS))
    return fmt


def parse_sparsity(value, where: str = "option --sparsity") -> Fraction:
    """0.9494, '0.9494', '94.94%' or Fraction -> exact Fraction in [0, 1)."""
    if value is None:
        return Fraction(0)
    if isinstance(value, bool):
        raise ConfigError(where, f"expected a fraction of zero weights, got {value!r}", "a number in [0, 1) or a percentage such as 94.94%")
    try:
        if isinstance(value, str):
            text = value.strip()
            s = Fraction(text[:-1].strip()) / 100 if text.endswith("%") else Fraction(text)
        elif isinstance(value, float):
            s = Fraction(repr(value))
        else:
            s = Fraction(value)
    except (ValueError, TypeError, ZeroDivisionError):
        raise ConfigError(where, f"cannot read sparsity {value!r}", "a number in [0, 1) or a percentage such as 94.94%") from None
    if not 0 <= s < 1:
        raise ConfigError(where, f"sparsity {value} is out of range", "a number in [0, 1) (0.9494) or a percentage below 100% (94.94%)")
    return s


def ceil_log2(n):
    """ceil(log2 n) for n >= 1 (0 for n = 1), exact for ints; sympy for symbols."""
    if isinstance(n, int):
        return (n - 1).bit_length()
    import sympy

    return sympy.ceiling(sympy.log(n, 2))


def nonzeros(count, sparsity: Fraction):
    """nnz = N - floor(s N)."""
    if isinstance(count, int):
        return count - (count * sparsity.numerator) // sparsity.denominator
    import sympy

    return count - sympy.floor(count * sympy.Rational(sparsity.numerator, sparsity.denominator))


def storage_bits(dims: tuple, wbits, sparsity: Fraction, index_bits=None) -> dict:
    """Bits of one weight tensor in every format, and its nonzero count."""
    if not dims:
        return {"nonzeros": 0, **{f: 0 for f in FORMATS}}
    n = prod(dims)
    nnz = nonzeros(n, sparsity)
    rows = dims[0]
    coord_bits = index_bits if index_bits is not None else sum(ceil_log2(d) for d in dims)
    col_bits = index_bits if index_bits is not None else ceil_log2(prod(dims[1:]))  # the row length
    pointer_bits = ceil_log2(n + 1)
    return {
        "nonzeros": nnz,
        "dense": exact(n * wbits),
        "values": exact(nnz * wbits),
        "bitmask": exact(n + nnz * wbits),
        "coo": exact(nnz * (wbits + coord_bits)),
        "csr": exact(nnz * (wbits + col_bits) + (rows + 1) * pointer_bits),
    }

