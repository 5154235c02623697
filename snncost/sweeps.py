"""Design-space sweeps: every combination of input size, timesteps, batch, sharing
scheme and bit widths, evaluated exactly from the closed-form formulas.

    >>> import snncost
    >>> df = snncost.sweep("resnet19", input=range(32, 513, 32), timesteps=[1, 2, 4, 8],
    ...                    sharing=["none", "L", "C2", "L+C2"])

How it stays exact and fast.  For each sharing scheme the memory model is derived
once per *residue class* of the input size: with S the network's total stride
(:func:`snncost.formulas.total_stride`) an input ``H = S h + r`` makes every
``floor`` of the shape rules exact, so each quantity is a polynomial with rational
coefficients in the integers ``h, w, T, B`` and the bit widths.  Fractional bit widths
``b = b' / d`` become integers ``b'``, the polynomial is multiplied by the lcm D of
its denominators, and the integer polynomial is lambdified and evaluated by numpy on
broadcast arrays: int64 when a bound on every term proves that nothing can overflow,
Python ints (object arrays) otherwise.  Dividing by D is checked exact; values that
are not whole (odd counts times 1.5 bits) stay exact as :class:`fractions.Fraction`.
Input sizes the symbolic derivation cannot cover (an automatic layer grouping whose
shapes coincide only at some sizes, a size too small for a kernel) are derived at
their numeric size, so every row equals :func:`snncost.analyze` exactly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from math import lcm, prod

import numpy as np
import sympy

from .errors import ConfigError, SharingError, ShapeError, SnnCostError
from .options import positive_int
from .precision import MAX_BITS, exact_bits
from .formulas import (_INTERNAL, auto_grouping_pairs, parse_formula_sharing, pick, size_names, symbolic_evaluate, to_sympy, total_stride,
                      window_multiple)

MAX_CONFIGS = 50_000_000
MAX_VALUES = 1_000_000
INT64_LIMIT = 2**63 - 1
DEFAULT_QUANTITIES = ("lif_forward_bits", "lif_backward_bits", "total_bits")
DEFAULT_LAYER_QUANTITIES = ("lif_forward_bits", "lif_backward_bits", "weight_bits")
BIT_NAMES = {"b_w": "weight_bits", "b_u": "membrane_bits", "b_s": "spike_bits",
             "weight": "weight_bits", "membrane": "membrane_bits", "spike": "spike_bits",
             "weight_bits": "weight_bits", "membrane_bits": "membrane_bits", "spike_bits": "spike_bits"}
PARAMETERS = ("T", "B", "b_w", "b_u", "b_s")
_RANGE = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*(?::\s*(\d+)\s*)?$")
_NUMBER = re.compile(r"^\s*\d+(\.\d+)?\s*$")
_SIZE = re.compile(r"^\s*(\d+)\s*[x×]\s*(\d+)\s*$", re.IGNORECASE)


# --------------------------------------------------------------------------- parsing
def parse_int_list(text, option: str, *, maximum: int = 10**18) -> list[int]:
    """``'1,2,4,8'``, ``'32:512:32'`` (inclusive), ``'1:8'`` or mixes -> ints (positive)."""
    valid = "positive integers: a list 1,2,4,8, a range START:STOP:STEP (STOP included) such as 32:512:32, or both"
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"option {option}", f"expected a list or range, got {text!r}", valid)
    values: list[int] = []
    for item in text.split(","):
        match = _RANGE.match(item)
        if match:
            start, stop, step = int(match[1]), int(match[2]), int(match[3] or 1)
            if step < 1 or start < 1 or stop < start:
                raise ConfigError(f"option {option}", f"bad range {item.strip()!r}",
                                  "START:STOP:STEP with 1 <= START <= STOP and STEP >= 1")
            if (stop - start) // step + 1 + len(values) > MAX_VALUES:
                raise ConfigError(f"option {option}", f"range {item.strip()!r} has too many values",
                                  f"at most {MAX_VALUES} values per option")
            values.extend(range(start, stop + 1, step))
            continue
        if not item.strip().isdigit():
            raise ConfigError(f"option {option}", f"cannot read {item.strip()!r} in {text[:60]!r}", valid)
        values.append(int(item))
    for v in values:
        if not 1 <= v <= maximum:
            raise ConfigError(f"option {option}", f"{v} is out of range", f"integers from 1 to {maximum}")
    return values


def parse_input_list(text, option: str = "--input") -> list:
    """``'32:512:32'``, ``'224,224x160'``: square sizes as ints, HxW items as (H, W)."""
    if not isinstance(text, str):
        raise ConfigError(f"option {option}", f"expected text, got {type(text).__name__}", "e.g. 32:512:32 or 224,224x160")
    out: list = []
    plain: list[str] = []
    for item in text.split(","):
        match = _SIZE.match(item)
        if match:
            h, w = int(match[1]), int(match[2])
            if h < 1 or w < 1:
                raise ConfigError(f"option {option}", f"size {item.strip()!r} is not positive", "HxW with positive H, W")
            if plain:
                out.extend(parse_int_list(",".join(plain), option))
                plain = []
            out.append((h, w))
        else:
            plain.append(item)
    if plain:
        out.extend(parse_int_list(",".join(plain), option))
    return out


def parse_bits_list(text, option: str) -> list:
    """``'32,16,8'``, ``'1.5,2'``, ``'1:8'`` -> exact bit widths (ints or Fractions) in (0, MAX_BITS]."""
    valid = f"bit widths in (0, {MAX_BITS}]: a list such as 32,16,8 or 1.5,2, or an integer range such as 1:8"
    if isinstance(text, (int, float, Fraction)) and not isinstance(text, bool):
        return [check_bits(text, option)]
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"option {option}", f"expected a list of bit widths, got {text!r}", valid)
    values: list = []
    for item in text.split(","):
        if _RANGE.match(item):
            values.extend(parse_int_list(item, option, maximum=MAX_BITS))
        elif _NUMBER.match(item):
            values.append(check_bits(Fraction(item.strip()), option))
        else:
            raise ConfigError(f"option {option}", f"cannot read {item.strip()!r} in {text[:60]!r}", valid)
    return values


def parse_sharing_list(text, option: str = "--sharing") -> list[str]:
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"option {option}", f"expected a list of schemes, got {text!r}", "e.g. none,L,C2,L+C2")
    return [item.strip() for item in text.split(",")]


def check_bits(value, option: str):
    return exact_bits(value, f"option {option}")


def _as_list(value, option: str, parse) -> list:
    if isinstance(value, str):
        return parse(value, option)
    if isinstance(value, (list, tuple, range, np.ndarray)):
        return list(value)
    return [value]


def _positive_ints(values, option: str) -> list[int]:
    out = [positive_int(int(v) if isinstance(v, np.integer) else v, f"option {option}", "integers >= 1") for v in values]
    if not out:
        raise ConfigError(f"option {option}", "no values given", "one or more positive integers")
    return out


# --------------------------------------------------------------------------- compile
@dataclass
class _Compiled:
    """A quantity as an integer polynomial over (size multiples, T, B, bit numerators)."""

    func: object   # lambdified: f(*arrays) -> integer array (or scalar)
    denominator: int
    use_object: bool


def _compile(expr, variables, maxima, bit_denominators):
    """Integerise ``expr`` (see module docstring).  ``maxima``: max |value| of each variable
    after the bit substitution.  Returns a :class:`_Compiled`, or None if ``expr`` is not a
    polynomial in ``variables`` (the caller then evaluates it exactly point by point)."""
    substituted = expr.xreplace({v: v / d for v, d in bit_denominators.items() if d != 1})
    try:
        poly = sympy.Poly(substituted, *variables)
    except sympy.PolynomialError:
        return None
    if not poly.domain.is_QQ and not poly.domain.is_ZZ:
        return None
    terms = poly.terms()
    denominator = 1
    for _, c in terms:
        denominator = lcm(denominator, int(sympy.Rational(c).q))
    bound = 0
    integer_terms = []
    for monom, c in terms:
        c = int(sympy.Rational(c) * denominator)
        integer_terms.append((monom, c))
        bound += abs(c) * prod(m ** e for m, e in zip(maxima, monom))
    integer_poly = sympy.Add(*[c * sympy.Mul(*[v ** e for v, e in zip(variables, monom)])
                               for monom, c in integer_terms])
    func = sympy.lambdify(variables, integer_poly, modules="numpy")
    return _Compiled(func, denominator, bound > INT64_LIMIT)


def _evaluate(compiled: _Compiled, arrays, shape):
    dtype = object if compiled.use_object else np.int64
    args = [a.astype(dtype) for a in arrays]
    value = compiled.func(*args)
    value = np.broadcast_to(np.asarray(value, dtype=dtype), shape)
    if compiled.denominator == 1:
        return value
    if compiled.use_object:
        return np.vectorize(lambda p: _exact(Fraction(int(p), compiled.denominator)), otypes=[object])(value)
    if not (value % compiled.denominator).any():
        return value // compiled.denominator
    return np.vectorize(lambda p: _exact(Fraction(int(p), compiled.denominator)), otypes=[object])(value)


def _exact(value: Fraction):
    return int(value) if value.denominator == 1 else value


# --------------------------------------------------------------------------- sweep
def sweep(model, *, input=None, timesteps=None, batch=None, sharing="none", bits=None, weight_bits=None,
          membrane_bits=None, spike_bits=None, quantities=None, layer=None, layer_groups=None,
          training=None, **options):
    """Every combination of the given values, one row each, as a pandas DataFrame.

    ``input``: sizes (ints for square/1-D inputs, (H, W) pairs, or text like
    ``'32:512:32'``); ``timesteps``, ``batch``: ints or text lists/ranges;
    ``sharing``: scheme names (``'none,L,C2,L+C2'`` or a list); bit widths as
    ``weight_bits=``/``membrane_bits=``/``spike_bits=`` or ``bits={'b_u': [32, 16, 8]}``
    (keys b_w/b_u/b_s or weight/membrane/spike).  Unset parameters take the model's
    values.  ``quantities``: total quantities (or per-layer ones with ``layer``).

    Columns: ``sharing``, the input sizes (``H``, ``W`` or ``L``), ``T``, ``B``,
    ``b_w``, ``b_u``, ``b_s``, then one column per quantity: exact integers (int64, or
    Python ints / Fractions in object columns where needed).  Rows are in the order
    sharing, input, T, B, b_w, b_u, b_s (the last varying fastest).
    ``options`` are fixed precision/pruning options of :func:`snncost.analysis.make_config`.
    """
    import pandas as pd

    rates = rate_list(options.get("rates"))
    if rates is not None:  # one sweep per spike rate (snncost.opcount), with a column r
        frames = []
        for rate in rates:
            frame = sweep(model, input=input, timesteps=timesteps, batch=batch, sharing=sharing, bits=bits,
                          weight_bits=weight_bits, membrane_bits=membrane_bits, spike_bits=spike_bits,
                          quantities=quantities, layer=layer, layer_groups=layer_groups, training=training,
                          **{**options, "rates": rate})
            frame.insert(list(frame.columns).index("b_s") + 1, "r", [rate] * len(frame))
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)
    grid = build_grid(model, input=input, timesteps=timesteps, batch=batch, sharing=sharing, bits=bits,
                      weight_bits=weight_bits, membrane_bits=membrane_bits, spike_bits=spike_bits,
                      quantities=quantities, layer=layer, layer_groups=layer_groups, training=training, **options)
    values = grid.evaluate()
    columns = grid.config_columns()
    columns.update(values)
    return pd.DataFrame(columns)


def rate_list(rates) -> list | None:
    """Spike rates to sweep: a list, or text with commas (``'0.05,0.1,0.2'``), as exact
    Fractions; None for one rate or a rates file (then a fixed option)."""
    if isinstance(rates, str) and "," in rates:
        rates = [part for part in rates.split(",")]
    if not isinstance(rates, (list, tuple)):
        return None
    from decimal import Decimal, InvalidOperation

    out = []
    for value in rates:
        try:
            out.append(Fraction(Decimal(value.strip()) if isinstance(value, str) else
                                repr(value) if isinstance(value, float) else value))
        except (InvalidOperation, ValueError, TypeError):
            raise ConfigError("option --rates", f"{str(value)[:40]!r} is not a number", "rates such as 0.05,0.1,0.2") from None
    if not out:
        raise ConfigError("option --rates", "no rates given", "rates such as 0.05,0.1,0.2")
    return out


class Grid:
    """A checked sweep: the spec, the value lists, and the derived formulas (cached)."""

    def __init__(self, spec, sizes, schemes, labels, params, quantities, layer, layer_groups, training, options):
        self.spec, self.sizes, self.schemes, self.labels = spec, sizes, schemes, labels
        self.params = params  # name -> list of values (T, B, b_w, b_u, b_s)
        self.quantities, self.layer = quantities, layer
        self.layer_groups, self.training, self.options = layer_groups, training, options
        self.names = size_names(spec)
        # the total stride, times every scheme's window grid: each residue class then has
        # one closed form (a grid that does not divide a class's sizes sends it to exact sizes)
        base = total_stride(spec) if self.names else ()
        grids = [window_multiple(scheme, len(self.names)) for scheme in schemes]
        self.strides = tuple(S * lcm(*(g[i] for g in grids)) for i, S in enumerate(base))
        self.shape = (len(schemes), len(sizes)) + tuple(len(params[p]) for p in PARAMETERS)
        self.size = prod(self.shape)
        self._shapes_cache: dict = {}
        self._odd_sizes: dict = {}
        self.derivation_seconds = 0.0

    # -- classes of input sizes ----------------------------------------------------
    def size_classes(self) -> dict:
        """key -> list of size indices; key ('mod', residues) or ('exact', sizes)."""
        classes: dict = {}
        for i, size in enumerate(self.sizes):
            key = ("mod", tuple(s % S for s, S in zip(size, self.strides))) if self.names else ("exact", ())
            classes.setdefault(key, []).append(i)
        return classes

    def _size_exprs(self, key):
        kind, data = key
        if kind == "exact":
            return tuple(data), ()
        hs = tuple(sympy.Symbol(f"_m{i}", integer=True, nonnegative=True) for i in range(len(self.names)))
        return tuple(S * h + r for S, h, r in zip(self.strides, hs, data)), hs

    def _derive(self, scheme, key):
        exprs, hs = self._size_exprs(key)
        cached = self._shapes_cache.get(key)
        rows, totals, config, shapes = symbolic_evaluate(
            self.spec, sizes=exprs, scheme=scheme, timesteps=_INTERNAL["T"], batch=_INTERNAL["B"],
            weight_bits=_INTERNAL["b_w"], membrane_bits=_INTERNAL["b_u"], spike_bits=_INTERNAL["b_s"],
            layer_groups=self.layer_groups, training=self.training, shapes=cached, **self.options)
        self._shapes_cache[key] = shapes
        return rows, totals, config, shapes, hs

    def _check_sizes(self, shapes, hs, indices) -> list[int]:
        """Indices of sizes (of a residue class) the symbolic shapes do not cover: a
        spatial size below 1 somewhere.  They are then derived at their numeric size."""
        bad: set[int] = set()
        multiples = np.array([[s // S for s, S in zip(self.sizes[i], self.strides)] for i in indices], dtype=object)
        seen = set()
        for entry in shapes.values():
            for dim in entry["output"][1:] if len(entry["output"]) > 1 else ():
                if not isinstance(dim, sympy.Basic) or dim in seen or not dim.free_symbols:
                    if isinstance(dim, int) and dim < 1:
                        return list(indices)
                    continue
                seen.add(dim)
                func = sympy.lambdify(hs, dim, modules="numpy")
                values = np.broadcast_to(np.asarray(func(*[multiples[:, j] for j in range(len(hs))]), dtype=object),
                                         (len(indices),))
                bad.update(idx for idx, v in zip(indices, values) if v < 1)
        return sorted(bad)

    def _grouping_mismatch(self, scheme, config, shapes, hs, indices) -> list[int]:
        """Sizes where the automatic layer grouping of the numeric sizes would differ from the
        symbolic one (two consecutive LIF shapes that coincide only at some sizes)."""
        bad: set[int] = set()
        multiples = [[s // S for s, S in zip(self.sizes[i], self.strides)] for i in indices]
        for _a, _b, sa, sb in auto_grouping_pairs(self.spec, scheme, config, shapes):
            for idx, m in zip(indices, multiples):
                subs = dict(zip(hs, m))
                if all(_at(x, subs) == _at(y, subs) for x, y in zip(sa, sb)):
                    bad.add(idx)
        return sorted(bad)

    # -- evaluation ---------------------------------------------------------------------
    def evaluate(self) -> dict:
        """Quantity name -> flat array (length ``self.size``), exact."""
        import time

        out = {q: None for q in self.quantities}
        n_sizes = len(self.sizes)
        rest = self.shape[2:]
        for k, scheme in enumerate(self.schemes):
            pending = list(self.size_classes().items())
            while pending:
                key, indices = pending.pop(0)
                start = time.perf_counter()
                try:
                    rows, totals, config, shapes, hs = self._derive(scheme, key)
                except (ShapeError, SharingError) as exc:
                    if key[0] == "exact":
                        raise _at_size(exc, self.names, key[1]) from None
                    pending.extend((("exact", self.sizes[i]), [i]) for i in indices)
                    continue
                if key[0] == "mod":
                    if key not in self._odd_sizes:
                        self._odd_sizes[key] = set(self._check_sizes(shapes, hs, indices))
                    odd = sorted(self._odd_sizes[key] | set(self._grouping_mismatch(scheme, config, shapes, hs, indices)))
                    if odd:
                        pending.extend((("exact", self.sizes[i]), [i]) for i in odd)
                        indices = [i for i in indices if i not in set(odd)]
                        if not indices:
                            continue
                self.derivation_seconds += time.perf_counter() - start
                arrays, variables, maxima, dens = self._arrays(key, hs, indices)
                for q in self.quantities:
                    expr = to_sympy(pick(rows, totals, q, self.layer, self.spec.name))
                    block = self._block(expr, variables, arrays, maxima, dens, (len(indices),) + rest)
                    if out[q] is None:
                        out[q] = np.empty((len(self.schemes), n_sizes) + rest, dtype=block.dtype)
                    elif out[q].dtype != block.dtype and out[q].dtype != object:
                        out[q] = out[q].astype(object)
                    out[q][k, indices] = block
        return {q: v.reshape(-1) for q, v in out.items()}

    def _arrays(self, key, hs, indices):
        """Broadcastable integer arrays of the variables of one class (axes: size, T, B, b_w, b_u, b_s)."""
        ndim = 1 + len(PARAMETERS)
        arrays, variables, maxima, dens = [], [], [], {}
        for j, h in enumerate(hs):
            values = [self.sizes[i][j] // self.strides[j] for i in indices]
            arrays.append(_axis(values, 0, ndim))
            variables.append(h)
            maxima.append(max(values))
        for axis, name in enumerate(PARAMETERS, start=1):
            values = self.params[name]
            sym = _INTERNAL[name]
            den = lcm(*[Fraction(v).denominator for v in values])
            dens[sym] = den
            ints = [int(Fraction(v) * den) for v in values]
            arrays.append(_axis(ints, axis, ndim))
            variables.append(sym)
            maxima.append(max(abs(v) for v in ints))
        return arrays, variables, maxima, dens

    def _block(self, expr, variables, arrays, maxima, dens, shape):
        compiled = _compile(expr, variables, maxima, dens)
        if compiled is not None:
            return _evaluate(compiled, arrays, shape)
        # Not a polynomial (e.g. ceil(log2(...)) of a symbol): exact, point by point.
        return _pointwise(expr, variables, arrays, dens, shape)

    def config_columns(self) -> dict:
        import pandas as pd

        ndim = len(self.shape)
        categories = list(dict.fromkeys(self.labels))
        codes = np.array([categories.index(label) for label in self.labels], dtype=np.int8 if len(categories) < 127 else np.int32)
        cols = {"sharing": pd.Categorical.from_codes(
            np.broadcast_to(_axis(codes, 0, ndim), self.shape).reshape(-1), categories=categories)}
        for j, name in enumerate(self.names):
            cols[name] = np.broadcast_to(_axis(np.array([s[j] for s in self.sizes], dtype=np.int64), 1, ndim),
                                         self.shape).reshape(-1)
        for axis, name in enumerate(PARAMETERS, start=2):
            values = self.params[name]
            arr = np.array(values, dtype=np.int64) if all(isinstance(v, int) for v in values) \
                else np.array(values, dtype=object)
            cols[name] = np.broadcast_to(_axis(arr, axis, ndim), self.shape).reshape(-1)
        return cols


def _at(value, subs):
    return value.xreplace(subs) if isinstance(value, sympy.Basic) else value


def _axis(values, axis: int, ndim: int):
    arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
    if arr.dtype != object and arr.dtype.kind in "iu":
        arr = arr.astype(np.int64)
    shape = [1] * ndim
    shape[axis] = len(arr)
    return arr.reshape(shape)


def _pointwise(expr, variables, arrays, dens, shape):
    """Exact evaluation one combination at a time (for non-polynomial quantities)."""
    substituted = expr.xreplace({v: v / d for v, d in dens.items() if d != 1})
    used = [i for i, v in enumerate(variables) if v in substituted.free_symbols]
    full = [np.broadcast_to(a, shape) for a in arrays]
    out = np.empty(shape, dtype=object)
    cache: dict = {}
    for index in np.ndindex(*shape):
        key = tuple(int(full[i][index]) for i in used)
        if key not in cache:
            value = substituted.xreplace({variables[i]: sympy.Integer(v) for i, v in zip(used, key)})
            cache[key] = _exact(Fraction(int(value.p), int(value.q))) if value.is_Rational else value
        out[index] = cache[key]
    if all(isinstance(v, int) and abs(v) <= INT64_LIMIT for v in cache.values()):
        return out.astype(np.int64)
    return out


def build_grid(model, *, input=None, timesteps=None, batch=None, sharing="none", bits=None, weight_bits=None,
               membrane_bits=None, spike_bits=None, quantities=None, layer=None, layer_groups=None,
               training=None, **options) -> Grid:
    """Check every option of a sweep and return its :class:`Grid` (nothing evaluated yet)."""
    from .analysis import make_config
    from .zoo import resolve_model

    spec = resolve_model(model)
    base = make_config(spec, layer_groups=None, training=None, **options)  # checks the fixed options
    names = size_names(spec)
    # input sizes
    if input is None:
        sizes = [tuple(base.input_shape[1:])] if names else [()]
    else:
        if not names:
            raise ConfigError("option --input", f"'{spec.name}' has no spatial input dimension to sweep "
                              f"(input shape {list(spec.input.shape)})", "no --input for this model")
        raw = _as_list(input, "--input", lambda t, o: parse_input_list(t, o))
        sizes = []
        for item in raw:
            if isinstance(item, str):
                parsed = parse_input_list(item)
                sizes.extend(_size_tuple(p, names) for p in parsed)
            else:
                sizes.append(_size_tuple(item, names))
        if not sizes:
            raise ConfigError("option --input", "no sizes given", "e.g. 32:512:32")
    # parameters
    bit_lists = {"weight_bits": weight_bits, "membrane_bits": membrane_bits, "spike_bits": spike_bits}
    if bits is not None:
        if not isinstance(bits, dict):
            raise ConfigError("option bits", f"expected a mapping such as {{'b_u': [32, 16]}}, got {type(bits).__name__}",
                              "keys b_w, b_u, b_s (or weight, membrane, spike)")
        for key, value in bits.items():
            if key not in BIT_NAMES:
                raise ConfigError("option bits", f"unknown key {key!r}", "b_w, b_u, b_s (or weight, membrane, spike)")
            if bit_lists[BIT_NAMES[key]] is not None:
                raise ConfigError("option bits", f"{key!r} given twice", "each bit width once")
            bit_lists[BIT_NAMES[key]] = value
    params = {
        "T": _positive_ints(_as_list(timesteps, "--timesteps", parse_int_list), "--timesteps") if timesteps is not None else [base.timesteps],
        "B": _positive_ints(_as_list(batch, "--batch", parse_int_list), "--batch") if batch is not None else [base.batch],
    }
    defaults = {"weight_bits": base.weight_bits, "membrane_bits": base.membrane_bits, "spike_bits": base.spike_bits}
    for sym, name in (("b_w", "weight_bits"), ("b_u", "membrane_bits"), ("b_s", "spike_bits")):
        value = bit_lists[name]
        option = "--" + name.replace("_", "-")
        values = [defaults[name]] if value is None else _as_list(value, option, parse_bits_list)
        params[sym] = [check_bits(v, option) if not isinstance(v, str) else check_bits(_fraction(v, option), option)
                       for v in values]
        if not params[sym]:
            raise ConfigError(f"option {option}", "no values given", "one or more bit widths")
    # sharing schemes: numbers only (a sweep evaluates C2, C4, ... as given)
    scheme_texts = _as_list(sharing, "--sharing", parse_sharing_list)
    schemes, labels = [], []
    for text in scheme_texts:
        scheme, written = parse_formula_sharing(text)
        if written:
            raise ConfigError("option --sharing", f"{text!r}: a sweep needs numeric channel groups and windows",
                              "C2, C4, L+C2, W4, L+C2+W4, ... (list each N and P to sweep)")
        make_config(spec, sharing=scheme, layer_groups=layer_groups, training=training, **options)
        schemes.append(scheme)
        labels.append(scheme.label)
    if quantities is None:
        quantities = DEFAULT_QUANTITIES if layer is None else DEFAULT_LAYER_QUANTITIES
    if isinstance(quantities, str):
        quantities = [q.strip() for q in quantities.split(",")]
    quantities = list(dict.fromkeys(quantities))
    if not quantities:
        raise ConfigError("option --quantity", "no quantity given", "e.g. lif_forward_bits")
    grid = Grid(spec, sizes, schemes, labels, params, quantities, layer, layer_groups, training, options)
    if grid.size > MAX_CONFIGS:
        dims = " x ".join(str(n) for n in grid.shape)
        raise ConfigError("sweep size", f"{dims} = {grid.size} configurations", f"at most {MAX_CONFIGS} per sweep")
    # schemes, quantity and layer names: checked on the numeric model at the first size (cheap, clear errors)
    for scheme in dict.fromkeys(schemes):
        try:
            rows, totals, _, _ = symbolic_evaluate(spec, sizes=sizes[0], scheme=scheme, timesteps=params["T"][0],
                                                   batch=params["B"][0], weight_bits=params["b_w"][0],
                                                   membrane_bits=params["b_u"][0], spike_bits=params["b_s"][0],
                                                   layer_groups=layer_groups, training=training, **options)
        except ShapeError as exc:
            raise _at_size(exc, names, sizes[0]) from None
        for q in quantities:
            pick(rows, totals, q, layer, spec.name)
    return grid


def _at_size(exc: SnnCostError, names, size) -> SnnCostError:
    """The same error, saying which input size of the sweep it is about."""
    label = ", ".join(f"{n}={v}" for n, v in zip(names, size)) if names else "the model's input"
    return type(exc)(f"option --input ({label})", f"{exc.where}: {exc.problem}", exc.valid)


def _fraction(text: str, option: str) -> Fraction:
    if not _NUMBER.match(text):
        raise ConfigError(f"option {option}", f"cannot read {text!r}", "a number of bits such as 32 or 1.5")
    return Fraction(text.strip())


def _size_tuple(item, names) -> tuple:
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
        sizes = (int(item),) * len(names)
    elif isinstance(item, (tuple, list)) and len(item) == len(names):
        sizes = tuple(int(v) if isinstance(v, np.integer) else v for v in item)
    else:
        raise ConfigError("option --input", f"cannot use size {item!r}",
                          f"a positive integer (square) or {len(names)} sizes ({', '.join(names)})")
    for v in sizes:
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ConfigError("option --input", f"size {item!r} is not a positive integer", "positive integers")
    return sizes


# --------------------------------------------------------------------------- output
def exact_text(value) -> str:
    """An exact number as text: ints as is, Fractions as a finite decimal when they have
    one (1.5), else p/q."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        d = value.denominator
        twos = fives = 0
        while d % 2 == 0:
            d //= 2
            twos += 1
        while d % 5 == 0:
            d //= 5
            fives += 1
        if d != 1:
            return f"{value.numerator}/{value.denominator}"
        digits = max(twos, fives)
        scaled = value * 10**digits
        sign = "-" if scaled < 0 else ""
        text = str(abs(int(scaled))).rjust(digits + 1, "0")
        return f"{sign}{text[:-digits]}.{text[-digits:]}"
    return str(value)


def _printable(df):
    """Object columns (Fractions, big ints) as exact text; numeric columns untouched."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object and col != "sharing":
            out[col] = [exact_text(v) for v in out[col]]
    return out


SWEEP_FORMATS = ("csv", "json", "parquet")


def to_bytes(df, fmt: str) -> bytes:
    """The sweep as CSV, JSON (a list of records) or parquet, exact."""
    import json

    if fmt == "csv":
        return _printable(df).to_csv(index=False).encode("utf-8")
    if fmt == "json":
        records = []
        columns = list(df.columns)
        for row in zip(*[df[c].tolist() for c in columns]):
            records.append({c: (exact_text(v) if isinstance(v, Fraction) else v) for c, v in zip(columns, row)})
        return (json.dumps(records, indent=None) + "\n").encode("utf-8")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ConfigError("option --format", "parquet output needs pyarrow, which is not installed",
                              "pip install pyarrow, or --format csv/json") from None
        import io

        buffer = io.BytesIO()
        _printable(df).to_parquet(buffer, index=False)
        return buffer.getvalue()
    raise ConfigError("option --format", f"unknown sweep format {fmt!r}", ", ".join(SWEEP_FORMATS))


def require_matplotlib():
    """matplotlib.pyplot (Agg backend), or a clear error naming the ``plot`` extra."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ConfigError("option --plot", "drawing needs matplotlib, which is not installed",
                          "pip install 'snncost[plot]' (or pip install matplotlib)") from None
    return plt


def plot(df, path: str, *, quantity: str | None = None, model: str = "", unit: str = "MiB") -> None:
    """Draw :func:`render_plot` to ``path`` (PNG, written atomically)."""
    from .commands.common import write_bytes_atomically
    from .errors import InputFileError

    data = render_plot(df, quantity=quantity, model=model, unit=unit)
    try:
        write_bytes_atomically(data, path)
    except InputFileError as exc:
        raise InputFileError(f"option --plot '{path}'", exc.problem, exc.valid) from None


def render_plot(df, *, quantity: str | None = None, model: str = "", unit: str = "MiB") -> bytes:
    """Memory vs input size as PNG bytes: one line per scheme (and per value of any other
    swept parameter the quantity depends on), log-log axes, y in ``unit`` for bit
    quantities.  Needs matplotlib (extra ``plot``)."""
    from .units import check_unit

    plt = require_matplotlib()
    import io

    check_unit(unit, "option --plot-units")
    quantities = [c for c in df.columns if c not in ("sharing", "H", "W", "L") + PARAMETERS]
    quantity = quantity or (quantities[0] if quantities else None)
    if quantity not in df.columns or quantity not in quantities:
        raise ConfigError("option --plot-quantity", f"no column {quantity!r} to plot", ", ".join(quantities))
    size_cols = [c for c in ("H", "W", "L") if c in df.columns]
    if not size_cols:
        raise ConfigError("option --plot", "the model has no input size to put on the x axis", "a model with a spatial input")
    square = len(size_cols) == 2 and bool((df["H"] == df["W"]).all())
    x_col = "H" if square or len(size_cols) == 1 else None
    x = df[x_col] if x_col else df["H"] * df["W"]
    xlabel = ("input size H = W [pixels]" if square else "input length L [samples]" if size_cols == ["L"]
              else "input pixels H x W")
    from .quantities import label_of, unit_of
    from .units import display_scale

    scale = display_scale(unit_of(quantity), unit)
    is_memory = scale is not None
    scale = scale or 1
    y = [float(Fraction(v) / scale) for v in df[quantity]]
    plot_df = df.assign(_x=x.to_numpy(), _y=y)
    config_cols = ["sharing"] + size_cols + list(PARAMETERS)
    varying = [c for c in PARAMETERS if df[c].nunique() > 1 and _matters(df, c, quantity, config_cols)]
    fixed = [f"{c}={exact_text(Fraction(df[c].iloc[0]))}" for c in PARAMETERS if df[c].nunique() == 1]
    ignored = [c for c in PARAMETERS if df[c].nunique() > 1 and c not in varying]
    if ignored:
        plot_df = plot_df.drop_duplicates(subset=[c for c in config_cols if c not in ignored])
    groups = list(plot_df.groupby(["sharing"] + varying, sort=False, observed=True))
    if len(groups) > 40:
        raise ConfigError("option --plot", f"{len(groups)} lines (schemes x {', '.join(varying)}) are too many for one plot",
                          "at most 40: sweep fewer values of " + ", ".join(varying))
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    scheme_color = {name: colors[i % len(colors)] for i, name in enumerate(dict.fromkeys(plot_df["sharing"]))}
    styles = ["-", "--", ":", "-."]
    other_keys = list(dict.fromkeys(tuple(k[1:]) if isinstance(k, tuple) else () for k, _ in groups))
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join([str(key[0])] + [f"{n}={exact_text(Fraction(v))}" for n, v in zip(varying, key[1:])])
        part = part.sort_values("_x")
        style = styles[other_keys.index(tuple(key[1:])) % len(styles)]
        ax.plot(part["_x"], part["_y"], marker="o", markersize=3, linewidth=1.5, linestyle=style,
                color=scheme_color[key[0]], label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    xs = sorted(set(plot_df["_x"]))
    ticks = xs if len(xs) <= 8 else sorted({min(xs, key=lambda v: abs(np.log(v / t))) for t in np.geomspace(xs[0], xs[-1], 7)})
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel)
    name = label_of(quantity)
    ax.set_ylabel(f"{name} [{unit}]" if is_memory else name)
    title = f"{model}: {name} vs input size" if model else f"{name} vs input size"
    ax.set_title(title + (f"\n({', '.join(fixed)})" if fixed else ""), fontsize=10)
    ax.grid(True, which="both", linewidth=0.3, alpha=0.6)
    ax.legend(title="sharing" + (" and " + ", ".join(varying) if varying else ""), fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _matters(df, column: str, quantity: str, config_cols: list) -> bool:
    """Does ``quantity`` change with ``column`` (the other parameters fixed)?"""
    others = [c for c in config_cols if c != column]
    return bool((df.groupby(others, sort=False, observed=True)[quantity].nunique() > 1).any())
