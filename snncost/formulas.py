"""Closed-form cost formulas: the memory model of :mod:`snncost.analysis` in symbols.

    >>> import snncost
    >>> snncost.formula("resnet19", "lif_forward_bits", sharing="L+CN")
    336*B*H*W*b_u/N

This is the same pipeline as ``snncost table`` (:func:`snncost.shapes.infer_shapes`,
then :func:`snncost.analysis.evaluate`), run on sympy symbols instead of ints, so a
formula is exactly the table's arithmetic: EfficientLIF-Net (Kim et al. 2023) Sec. 4
and 5.1 for the LIF buffers (Eq. 4-14, ``neurons / N x state variables x b_u x B``
per sharing buffer), Eq. 18-19 for reverse recomputation, and ``params x b_w``,
``neurons x b_s x B`` for weights and spikes (see :mod:`snncost.memory`).

Symbols (always these names, created here; user text is never passed to sympify):

=========  ==================================================================
``H, W``   input height and width (2-D inputs); ``L``: length of a 1-D input
``T``      timesteps;  ``B``: batch size
``b_w``    weight bits; ``b_u``: membrane bits; ``b_s``: spike bits
``N``      channel groups of cross-channel sharing (``--sharing C<N>``/``L+C<N>``)
``P``      spatial windows of window sharing (``--sharing W<P>``/``L+C2+W<P>``; seed
           002 Sec. 3.1): a buffer holds neurons / (N x P), exactly as with N
=========  ==================================================================

plus any spec dimension the user marks symbolic: ``NAME=NODE.FIELD`` (FIELD is
``out_channels`` or ``out_features``; ``input.channels`` for the input's channels).

Input sizes.  Shapes use PyTorch's ``floor((size + 2p - d(k-1) - 1) / s) + 1``.
By default the input is declared a multiple of the network's *total stride* S
(``H = S h`` with ``h`` a non-negative integer): every floor then divides exactly and
the result is a polynomial in ``H, W`` with exact rational coefficients.  With
``divisible=False`` the input is any positive integer and the exact ``floor()``
expressions remain.  Coefficients are always sympy Integers/Rationals, never floats.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from math import floor, lcm

import sympy

from .errors import ConfigError, ShapeError, SharingError
from .quantities import unit_of as quantity_unit
from .sharing import SharingScheme, parse_sharing, window_grid

SIZE_NAMES_2D = ("H", "W")
SIZE_NAMES_1D = ("L",)
SCALAR_NAMES = ("T", "B", "b_w", "b_u", "b_s", "N")
WINDOW_NAME = "P"
RATE_NAME = "r"
PER_LAYER_RATES = "r_l"
RESERVED = SIZE_NAMES_2D + SIZE_NAMES_1D + SCALAR_NAMES + (WINDOW_NAME, RATE_NAME)
DIM_FIELDS = ("out_channels", "out_features")
ROW_NON_QUANTITIES = ("name", "kind", "output_shape", "sharing_buffer", "static")

#: The public symbols: plain sympy Symbols (no assumptions), so ``expr.subs({"H": 224})``
#: and ``expr.subs(sympy.Symbol("H"), 224)`` both work in user scripts.
SYMBOLS = {name: sympy.Symbol(name) for name in RESERVED}

# Internal symbols carry the assumptions that let sympy simplify floors
# (integer sizes, counts); they are replaced by the public ones before returning.
_INTEGER = {name: sympy.Symbol(name, integer=True, positive=True)
            for name in SIZE_NAMES_2D + SIZE_NAMES_1D + ("T", "B", "N", WINDOW_NAME)}
_BITS = {name: sympy.Symbol(name, positive=True) for name in ("b_w", "b_u", "b_s")}
_RATES = {RATE_NAME: sympy.Symbol(RATE_NAME, nonnegative=True)}
_INTERNAL = {**_INTEGER, **_BITS, **_RATES}

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_NODE_FIELD = re.compile(r"^(?P<node>[A-Za-z_][A-Za-z0-9_.\-]*)\.(?P<field>[a-z_]+)$")

VALID_SYMBOLS = ("H, W (2-D input) or L (1-D input), T, B, b_w, b_u, b_s, N (with channel sharing), "
                 "P (with window sharing), r (one spike rate per timestep for every neuron node: op counts and "
                 "energy), r_l (one rate symbol r_<node> per neuron node), "
                 "or a spec dimension NAME=NODE.FIELD / NODE.FIELD (FIELD out_channels or out_features; "
                 "input.channels)")

LATEX_LABELS = {
    "lif_forward_bits": r"M_{\mathrm{LIF}}^{\mathrm{fwd}}",
    "lif_backward_bits": r"M_{\mathrm{LIF}}^{\mathrm{bwd}}",
    "weight_bits": r"M_{\mathrm{W}}",
    "spike_bits_per_timestep": r"M_{\mathrm{S}}^{(t)}",
    "spike_bits_all_timesteps": r"M_{\mathrm{S}}",
    "total_bits": r"M_{\mathrm{total}}",
    "params": r"N_{\mathrm{params}}",
    "lif_neurons": r"N_{\mathrm{LIF}}",
}


def symbol(name: str) -> sympy.Symbol:
    """The public symbol ``name`` (one of H, W, L, T, B, b_w, b_u, b_s, N, P)."""
    if name not in SYMBOLS:
        raise ConfigError("symbol", f"unknown symbol {name!r}", ", ".join(RESERVED))
    return SYMBOLS[name]


# --------------------------------------------------------------------------- strides
def total_stride(spec) -> tuple:
    """The network's total stride per spatial input dimension (height, width; or length).

    The smallest S such that, for an input size ``S h`` (h an integer), every
    ``floor(... / s)`` of the shape rules divides exactly.  Tracked as the exact
    (Fraction) coefficient of ``h`` through the graph: a sliding window of stride s
    maps coefficient c to c / s, global pooling to 0; S is the lcm of the
    denominators.  ``()`` for an input without spatial dimensions.
    """
    from .kinds.registry import kind_of
    from .spec.network import INPUT_NAME

    dims = len(spec.input.shape) - 1
    if dims < 1:
        return ()
    coef: dict[str, tuple | None] = {INPUT_NAME: (Fraction(1),) * dims}
    denominators = [1] * dims
    for node in spec.order:
        c = coef[spec.edges[node.name][0]]
        rule = kind_of(node).stride
        if rule == "collapse":
            c = None if c is None else (Fraction(0),) * dims
        elif rule == "drop":
            c = None
        elif rule != "keep" and c is not None:
            c = tuple(ci / s for ci, s in zip(c, rule(node, dims)))
            for i, ci in enumerate(c):
                denominators[i] = lcm(denominators[i], ci.denominator)
        coef[node.name] = c
    return tuple(denominators)


def _has_floor_of(expr, sym) -> bool:
    return isinstance(expr, sympy.Basic) and any(f.has(sym) for f in expr.atoms(sympy.floor))


# --------------------------------------------------------------------------- symbols
@dataclass(frozen=True)
class SymbolRequest:
    """Which names stay symbolic, and the spec dimensions marked symbolic."""

    names: frozenset
    dims: tuple = ()  # ((symbol name, node name, field), ...)


def size_names(spec) -> tuple:
    rank = len(spec.input.shape)
    return SIZE_NAMES_2D if rank == 3 else SIZE_NAMES_1D if rank == 2 else ()


def parse_symbols(text, spec, scheme_has_n: bool = False, where: str = "option --symbols",
                  scheme_has_p: bool = False) -> SymbolRequest:
    """``'H,W,T,N'`` or a list of names -> :class:`SymbolRequest` (validated, no sympify).

    ``None`` means the default: the input size(s), T, B, b_w, b_u, b_s (and N / P when
    the sharing scheme is written with them, e.g. ``L+CN``, ``WP``).
    """
    sizes = size_names(spec)
    if text is None:
        names = set(sizes) | {"T", "B", "b_w", "b_u", "b_s"}
        names |= {n for n, has in (("N", scheme_has_n), (WINDOW_NAME, scheme_has_p)) if has}
        return SymbolRequest(frozenset(names))
    if isinstance(text, str):
        items = [t.strip() for t in text.split(",")]
    elif isinstance(text, (list, tuple, set, frozenset)):
        items = list(text)
    else:
        raise ConfigError(where, f"expected a comma-separated list of names, got {type(text).__name__}", VALID_SYMBOLS)
    names: set[str] = set()
    dims: list[tuple[str, str, str]] = []
    for item in items:
        if not isinstance(item, str) or not item:
            raise ConfigError(where, f"empty or non-text symbol name {item!r}", VALID_SYMBOLS)
        if item in SIZE_NAMES_2D + SIZE_NAMES_1D:
            if item not in sizes:
                shape = list(spec.input.shape)
                raise ConfigError(where, f"symbol {item} does not name an input size of '{spec.name}' (input shape {shape})",
                                  ", ".join(sizes) if sizes else "no size symbol: the input has no spatial dimension")
            names.add(item)
            continue
        if item in SCALAR_NAMES + (WINDOW_NAME, RATE_NAME, PER_LAYER_RATES):
            names.add(item)
            continue
        name, _, target = item.partition("=") if "=" in item else (item, "", item)
        name, target = name.strip(), target.strip()
        match = _NODE_FIELD.match(target)
        if not match:
            raise ConfigError(where, f"unknown symbol {item!r}", VALID_SYMBOLS)
        node_name, fld = match["node"], match["field"]
        if "=" in item and not _IDENT.match(name):
            raise ConfigError(where, f"symbol name {name!r} is not a plain identifier", "letters, digits and _, e.g. C1")
        if name in RESERVED:
            raise ConfigError(where, f"symbol name {name!r} is reserved", "another name, e.g. C1")
        if node_name == "input":
            if fld != "channels" or len(spec.input.shape) < 2:
                raise ConfigError(where, f"unknown input dimension {target!r}", "input.channels (for a (C, ...) input)")
        else:
            node = spec.node_map.get(node_name)
            if node is None:
                raise ConfigError(where, f"'{node_name}' in {item!r} is not a node of '{spec.name}'", "NODE.FIELD with a node name of the spec")
            if fld not in DIM_FIELDS or not hasattr(node, fld):
                have = [f for f in DIM_FIELDS if hasattr(node, f)]
                raise ConfigError(where, f"node '{node_name}' ({node.op}) has no symbolic dimension {fld!r}",
                                  ", ".join(have) if have else f"{', '.join(DIM_FIELDS)} of a conv or linear node")
            if fld == "out_channels" and getattr(node, "groups", 1) != 1:
                raise ConfigError(where, f"node '{node_name}' is a grouped conv (groups {node.groups}); its channels cannot be symbolic",
                                  "out_channels of an ungrouped conv")
        dims.append((name, node_name, fld))
    if "N" in names and not scheme_has_n:
        raise ConfigError(where, "N (channel groups) needs a channel-sharing scheme",
                          "--sharing C<N> or L+C<N> (or CN / L+CN), or drop N from the symbols")
    if WINDOW_NAME in names and not scheme_has_p:
        raise ConfigError(where, "P (spatial windows) needs a window-sharing scheme",
                          "--sharing W<P>, L+W<P>, C<N>+W<P> (or WP / L+WP), or drop P from the symbols")
    return SymbolRequest(frozenset(names), tuple(dims))


def _spec_with_symbolic_dims(spec, dims) -> tuple:
    """A copy of ``spec`` whose marked dimensions are integer symbols (no validation: the
    validated fields hold ints only).  Returns (spec, {internal symbol: public symbol})."""
    if not dims:
        return spec, {}
    from .spec.network import InputSpec

    internal: dict[str, sympy.Symbol] = {}
    public: dict = {}
    updates: dict[str, dict] = {}
    input_shape = list(spec.input.shape)
    for name, node_name, fld in dims:
        sym = internal.setdefault(name, sympy.Symbol(name, integer=True, positive=True))
        public[sym] = sympy.Symbol(name)
        if node_name == "input":
            input_shape[0] = sym
        else:
            updates.setdefault(node_name, {})[fld] = sym
    nodes = []
    for node in spec.nodes:
        if node.name in updates:
            node = node.replace(**updates[node.name])
        nodes.append(node)
    return spec.replace(nodes=nodes, input=InputSpec.construct(shape=input_shape)), public


# --------------------------------------------------------------------------- engine
def parse_formula_sharing(sharing, where: str = "option --sharing") -> tuple[SharingScheme, frozenset]:
    """A scheme, allowing ``CN``/``C#N``/``L+CN`` for a symbolic N and ``WP``/``L+C2+WP``
    for a symbolic P.  Returns (scheme, the names written symbolically: subset of {N, P})."""
    counts = {"N": _INTEGER["N"], WINDOW_NAME: _INTEGER[WINDOW_NAME]}
    scheme = parse_sharing(sharing, where, symbols=counts)
    written = frozenset(n for n, value in (("N", scheme.channel_groups), (WINDOW_NAME, scheme.windows))
                        if value is counts[n])
    return scheme, written


def window_multiple(scheme: SharingScheme, rank: int) -> tuple:
    """Per spatial input dimension, the factor a numeric window grid adds to the size
    multiple (1s without windows, with symbolic P, or when no grid fits the rank)."""
    grid = window_grid(scheme, rank) if scheme.has_windows and rank else None
    if grid is None or len(grid) != rank or not all(isinstance(g, int) for g in grid):
        return (1,) * rank
    return tuple(grid)


def _rate_symbols(spec, names, quantity: str, explicit: bool) -> dict | None:
    """Spike-rate symbols for the op-count and energy quantities (:mod:`snncost.opcount`):
    ``r`` for every neuron node (and by default when the quantity needs rates), or
    ``r_l``: one symbol ``r_<node>`` per neuron node.  None: no rates."""
    from .kinds.registry import kind_of
    from .opcount import RATE_KEYS

    neurons = [n.name for n in spec.order if kind_of(n).is_neuron]
    if PER_LAYER_RATES in names:
        return {name: sympy.Symbol(f"r_{name}", nonnegative=True) for name in neurons}
    if RATE_NAME in names or not explicit and quantity in RATE_KEYS:
        return dict.fromkeys(neurons, _RATES[RATE_NAME])
    return None


def symbolic_evaluate(spec, *, sizes, scheme, timesteps, batch, weight_bits, membrane_bits, spike_bits,
                      layer_groups=None, training=None, shapes=None, rate_symbols=None, **options):
    """Run :func:`snncost.analysis.evaluate` with any argument symbolic.

    ``sizes`` is a tuple of spatial sizes (ints or sympy expressions).  Returns
    (rows, totals, config, shapes).
    """
    from .analysis import evaluate, make_config
    from .shapes import infer_shapes

    config = make_config(spec, input=tuple(sizes) if sizes else None, timesteps=timesteps, batch=batch,
                         sharing=scheme, layer_groups=layer_groups, training=training,
                         weight_bits=weight_bits, membrane_bits=membrane_bits, spike_bits=spike_bits, **options)
    if rate_symbols is not None:  # per-timestep rate symbols instead of numbers (snncost.opcount)
        config = config.replace(ops=config.ops.replace(rates=rate_symbols, rate_mode="per-timestep"))
    if shapes is None:
        shapes = infer_shapes(spec, config.input_shape)
    rows, totals = evaluate(spec, config, shapes)
    return rows, totals, config, shapes


def quantity_names(rows, totals, layer=None) -> list[str]:
    if layer is None:
        return list(totals)
    row = rows[0] if rows else {}
    return [k for k, v in row.items() if k not in ROW_NON_QUANTITIES and _is_number(v)]


def _is_number(value) -> bool:
    return (isinstance(value, (int, Fraction)) and not isinstance(value, bool)) or isinstance(value, sympy.Basic)


def pick(rows, totals, quantity: str, layer: str | None, model: str):
    """The value of ``quantity`` (total, or of node ``layer``) with clear errors."""
    if layer is not None:
        by_name = {r["name"]: r for r in rows}
        if layer not in by_name:
            names = list(by_name)
            shown = ", ".join(names[:12]) + (f", ... ({len(names)} nodes)" if len(names) > 12 else "")
            raise ConfigError("option --layer", f"'{layer}' is not a node of '{model}'", shown)
        valid = quantity_names(rows, totals, layer)
        if quantity not in valid:
            raise ConfigError("option --quantity", f"unknown per-layer quantity {quantity!r}", ", ".join(valid))
        return by_name[layer][quantity]
    if quantity not in totals:
        raise ConfigError("option --quantity", f"unknown quantity {quantity!r}", ", ".join(totals))
    return totals[quantity]


def to_sympy(value):
    """An exact number or expression as sympy (Fraction -> Rational; floats refused)."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a quantity")
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, float):
        raise TypeError(f"float {value!r} in a formula: snncost keeps formulas exact")
    expr = sympy.Integer(value) if isinstance(value, int) else value
    if expr.atoms(sympy.Float):
        raise TypeError(f"floating-point coefficient in {expr}: snncost keeps formulas exact")
    return expr


# --------------------------------------------------------------------------- formula
@dataclass(frozen=True)
class Formula:
    """A derived formula and everything needed to read it correctly."""

    model: str
    quantity: str
    layer: str | None
    expr: sympy.Expr
    unit: str
    sharing: str
    grouping: str | None
    training: str
    size_symbols: tuple
    total_stride: tuple
    divisible: bool
    fixed: dict = field(default_factory=dict)     # numeric values of the parameters that are not symbols
    defaults: dict = field(default_factory=dict)  # the model's values of the symbols (to evaluate the table's case)
    exceptions: tuple = ()  # see auto_grouping_exceptions
    window_grid: tuple = ()  # numeric window grid per size dimension (the size multiple is stride x grid)
    symbolic_windows: bool = False  # P symbolic: valid where every grid divides the sites it splits

    @property
    def size_multiple(self) -> tuple:
        """The multiple each input size must be of (total stride, times the window grid)."""
        return tuple(S * g for S, g in zip(self.total_stride, self.window_grid or (1,) * len(self.total_stride)))

    def holds_at(self, sizes: dict) -> bool:
        """False at input sizes (name -> value) listed in :attr:`exceptions`; the stride
        assumption is the caller's to respect."""
        return not any(all(sizes.get(n) in values for n, values in where.items()) and where
                       for _, _, where in self.exceptions)

    def off_stride_defaults(self) -> list[str]:
        """Model sizes (defaults) that are not multiples of the total stride: the
        polynomial does not apply to the model's own input."""
        if not self.divisible:
            return []
        return [f"{n}={self.defaults[n]}" for n, s in zip(self.size_symbols, self.size_multiple)
                if n in self.defaults and self.defaults[n] % s]

    def exceptions_text(self) -> str:
        parts = []
        for a, b, where in self.exceptions:
            sizes = "; ".join(f"{n} in {_short(v)}" for n, v in where.items())
            parts.append(f"{sizes} (the automatic layer grouping also joins {a} and {b} there)")
        return "; ".join(parts)

    @property
    def free_symbols(self) -> list[str]:
        return sorted(s.name for s in self.expr.free_symbols)

    def assumption(self) -> str:
        symbolic = [n for n in self.size_symbols if SYMBOLS[n] in self.expr.free_symbols or n in self.free_symbols]
        if not symbolic:
            return "no input-size symbol" + ("; every window grid dividing the LIF maps it splits"
                                             if self.symbolic_windows else "")
        if not self.divisible:
            return f"{', '.join(symbolic)} any positive integer (exact floor() form)"
        parts = [f"{n} a multiple of {m}" for n, m in zip(self.size_symbols, self.size_multiple) if n in symbolic]
        why = f"total stride of {self.model}" if not self.window_grid else (
            f"total stride {' x '.join(map(str, self.total_stride))} of {self.model} times the window grid "
            f"{'x'.join(map(str, self.window_grid))}")
        windows = "; every window grid dividing the LIF maps it splits" if self.symbolic_windows else ""
        return ", ".join(parts) + f" ({why}; other sizes: --any-size / divisible=False){windows}"

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "quantity": self.quantity,
            "layer": self.layer,
            "unit": self.unit,
            "expression": sympy.sstr(self.expr),
            "latex": sympy.latex(self.expr),
            "free_symbols": self.free_symbols,
            "total_stride": {n: s for n, s in zip(self.size_symbols, self.total_stride)},
            "size_multiple": {n: s for n, s in zip(self.size_symbols, self.size_multiple)},
            "input_is_multiple_of_total_stride": self.divisible,
            "assumption": self.assumption(),
            "sharing": self.sharing,
            "layer_groups": self.grouping,
            "training": self.training,
            "fixed": {k: _plain_value(v) for k, v in self.fixed.items()},
            "defaults": {k: _plain_value(v) for k, v in self.defaults.items()},
            "not_valid_at": [{"sites": [a, b], "sizes": where} for a, b, where in self.exceptions],
            "defaults_off_stride": self.off_stride_defaults(),
        }

    def text(self) -> str:
        name = self.quantity + (f"[{self.layer}]" if self.layer else "")
        grouping = f", layer grouping {self.grouping}" if self.grouping else ""
        lines = [f"{name} = {sympy.sstr(self.expr)}",
                 f"# {self.model}, sharing {self.sharing}{grouping}, training {self.training}; unit: {self.unit}",
                 f"# valid for: {self.assumption()}"]
        if self.exceptions:
            lines.append(f"# not valid at: {self.exceptions_text()} (sizes scanned up to {SCAN_LIMIT}; "
                         "use snncost table there)")
        if self.off_stride_defaults():
            lines.append(f"# note: the model's own size {', '.join(self.off_stride_defaults())} is not a multiple of "
                         "the total stride: use --any-size to evaluate it")
        if self.fixed:
            lines.append("# fixed: " + ", ".join(f"{k}={_plain_value(v)}" for k, v in self.fixed.items()))
        if self.defaults:
            lines.append("# the model's values of the symbols: "
                         + ", ".join(f"{k}={_plain_value(v)}" for k, v in self.defaults.items()))
        return "\n".join(lines) + "\n"

    def latex(self) -> str:
        label = LATEX_LABELS.get(self.quantity, r"\mathrm{" + self.quantity.replace("_", r"\_") + "}")
        if self.layer:
            label = label + r"\big|_{\mathrm{" + self.layer.replace("_", r"\_") + "}}"
        grouping = f", layer grouping {self.grouping}" if self.grouping else ""
        return (f"% snncost: {self.model}, {self.quantity}{' of ' + self.layer if self.layer else ''} in {self.unit}, "
                f"sharing {self.sharing}{grouping}, training {self.training}\n"
                f"% valid for {self.assumption()}\n"
                + (f"% not valid at: {self.exceptions_text()}\n" if self.exceptions else "")
                + f"{label} = {sympy.latex(self.expr)}\n")


def _short(values) -> str:
    values = list(values)
    return "{" + ", ".join(map(str, values[:8])) + (", ..." if len(values) > 8 else "") + "}"


def _plain_value(value):
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else str(value)
    if isinstance(value, sympy.Basic):
        return str(value)
    return value


def derive(model, quantity: str = "lif_forward_bits", *, sharing="none", layer=None, symbols=None,
           input=None, timesteps=None, batch=None, weight_bits=None, membrane_bits=None, spike_bits=None,
           layer_groups=None, training=None, divisible: bool = True, **options) -> Formula:
    """Derive the closed-form :class:`Formula` of ``quantity`` (see :func:`formula`).

    ``options`` are :func:`snncost.analysis.make_config`'s precision and pruning options
    (``sparsity``, ``weight_format``, ``node_overrides``...), applied with their numeric values."""
    from .analysis import make_config
    from .zoo import resolve_model

    spec = resolve_model(model)
    if not isinstance(quantity, str):
        raise ConfigError("option --quantity", f"expected a quantity name, got {type(quantity).__name__}", "e.g. lif_forward_bits")
    scheme, written = parse_formula_sharing(sharing)
    explicit = symbols is not None
    request = parse_symbols(symbols, spec, scheme_has_n=scheme.channel_groups != 1 if explicit else "N" in written,
                            scheme_has_p=scheme.has_windows if explicit else WINDOW_NAME in written)
    for name, example in (("N", "L+C2"), (WINDOW_NAME, "L+W4")):
        if name in written and name not in request.names:
            raise ConfigError("option --symbols", f"the sharing scheme is written with {name} but {name} is not among "
                              "the symbols", f"add {name} to --symbols, or give a number: --sharing {example}")
    if "N" in request.names:
        scheme = scheme.replace(channel_groups=_INTEGER["N"])
    if WINDOW_NAME in request.names:
        scheme = scheme.replace(windows=_INTEGER[WINDOW_NAME], window_grid=None)
    # Numeric defaults (checked by make_config exactly as `snncost table` checks them).
    numeric = make_config(spec, input=input, timesteps=timesteps, batch=batch,
                          sharing=SharingScheme(layer=scheme.layer), layer_groups=layer_groups, training=training,
                          weight_bits=weight_bits, membrane_bits=membrane_bits, spike_bits=spike_bits, **options)
    work_spec, dim_symbols = _spec_with_symbolic_dims(spec, request.dims)
    rate_symbols = _rate_symbols(spec, request.names, quantity, explicit or "rates" in options)
    names = size_names(spec)
    strides = total_stride(spec) if names else ()
    grid = window_multiple(scheme, len(names))
    multiple = tuple(S * g for S, g in zip(strides, grid))  # every window grid then divides every site
    numeric_sizes = tuple(numeric.input_shape[1:]) if len(spec.input.shape) > 1 else ()
    sizes, back, multiples = [], {}, {}
    for i, name in enumerate(names):
        if name not in request.names:
            sizes.append(numeric_sizes[i])
        elif divisible:
            h = sympy.Symbol(f"_{name.lower()}", integer=True, nonnegative=True)
            sizes.append(multiple[i] * h)
            back[h] = _INTEGER[name] / multiple[i]
            multiples[name] = h
        else:
            sizes.append(_INTEGER[name])
    pick_value = {"T": numeric.timesteps, "B": numeric.batch, "b_w": numeric.weight_bits,
                  "b_u": numeric.membrane_bits, "b_s": numeric.spike_bits}
    args = {n: (_INTERNAL[n] if n in request.names else pick_value[n]) for n in pick_value}
    rows, totals, config, shapes = symbolic_evaluate(
        work_spec, sizes=sizes, scheme=scheme, timesteps=args["T"], batch=args["B"], weight_bits=args["b_w"],
        membrane_bits=args["b_u"], spike_bits=args["b_s"], layer_groups=layer_groups, training=training,
        rate_symbols=rate_symbols, **options)
    for name, h in multiples.items():
        if any(_has_floor_of(d, h) for sh in shapes.values() for d in sh["output"]):
            i = names.index(name)
            raise ShapeError("option --symbols", f"the shapes of '{spec.name}' keep floor() terms in {name} even for "
                             f"multiples of its total stride {strides[i]}", "divisible=False / --any-size")
    size_vars = []
    for i, name in enumerate(names):
        if name in multiples:
            size_vars.append((name, multiples[name], multiple[i]))
        elif name in request.names:
            size_vars.append((name, _INTEGER[name], 1))
        else:
            size_vars.append((name, None, 1))
    exceptions = auto_grouping_exceptions(work_spec, scheme, config, shapes, size_vars)
    value = pick(rows, totals, quantity, layer, spec.name)
    expr = to_sympy(value)
    expr = sympy.expand(expr.xreplace(back)) if divisible else expr  # floor form: keep evaluate's factored shape
    public = {s: SYMBOLS[s.name] for s in expr.free_symbols if s.name in _INTERNAL and s == _INTERNAL[s.name]}
    public.update(dim_symbols)
    expr = expr.xreplace(public)
    order = names + tuple(pick_value)
    numbers = {**dict(zip(names, numeric_sizes)), **pick_value}
    fixed = {n: numbers[n] for n in order if n not in request.names}
    defaults = {n: numbers[n] for n in order if n in request.names}
    if scheme.channel_groups != 1 and "N" not in request.names:
        fixed["N"] = scheme.channel_groups
    if scheme.has_windows and WINDOW_NAME not in request.names:
        fixed[WINDOW_NAME] = scheme.windows
    label = scheme.label
    return Formula(model=spec.name, quantity=quantity, layer=layer, expr=expr, unit=quantity_unit(quantity),
                   sharing=label, grouping=config.grouping if scheme.layer else None, training=config.training,
                   size_symbols=names, total_stride=strides, divisible=divisible, fixed=fixed, defaults=defaults,
                   exceptions=exceptions, window_grid=grid if any(g != 1 for g in grid) else (),
                   symbolic_windows=WINDOW_NAME in request.names)


SCAN_LIMIT = 4096


def exact_value(expr, env: dict):
    """Exact value (int or Fraction) of a shape expression (+, *, integer powers,
    rationals, floor) at integer symbol values; no floats."""
    if isinstance(expr, int):
        return expr
    if expr.is_Integer:
        return int(expr)
    if expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    if expr.is_Symbol:
        return env[expr]
    if isinstance(expr, sympy.floor):
        return floor(exact_value(expr.args[0], env))
    if expr.is_Add:
        return sum(exact_value(a, env) for a in expr.args)
    if expr.is_Mul:
        out = 1
        for a in expr.args:
            out *= exact_value(a, env)
        return out
    if expr.is_Pow and expr.exp.is_Integer:
        return exact_value(expr.base, env) ** int(expr.exp)
    raise TypeError(f"cannot evaluate {expr} exactly")


def auto_grouping_pairs(spec, scheme, config, shapes):
    """Consecutive LIF sites (a, b, shape a, shape b) that the *automatic* layer grouping
    keeps apart symbolically but might join at some sizes: shapes differ as expressions,
    same rank and state variables.  Nothing unless ``scheme`` is L-based with grouping ``auto``."""
    if not scheme.layer or config.grouping != "auto":
        return
    neurons = spec.neuron_nodes
    for a, b in zip(neurons, neurons[1:]):
        sa, sb = tuple(shapes[a.name]["output"]), tuple(shapes[b.name]["output"])
        if sa != sb and len(sa) == len(sb) and a.state_variables == b.state_variables:
            yield a, b, sa, sb


def auto_grouping_exceptions(spec, scheme, config, shapes, size_vars) -> tuple:
    """Input sizes at which the formula does not hold because the *automatic* layer
    grouping (consecutive LIF sites of equal membrane shape) joins two sites whose
    symbolic shapes differ but coincide at those sizes (e.g. H and floor((H-1)/2)+1 at
    H = 1).  ``size_vars``: per spatial dimension (name, variable or None, scale) with
    size = scale x variable.  Sizes up to :data:`SCAN_LIMIT` are scanned exactly.
    Returns ((site a, site b, {size name: [sizes]}), ...)."""
    found = []
    for a, b, sa, sb in auto_grouping_pairs(spec, scheme, config, shapes):
        if len(sa) < 2:
            continue
        if isinstance(sa[0], sympy.Basic) and sa[0].free_symbols or isinstance(sb[0], sympy.Basic) and sb[0].free_symbols:
            continue  # symbolic channel counts: not scanned
        if len(sa) != 1 + len(size_vars):
            # token layouts (D, H W): one dimension of several sizes; where such sites agree
            # only at some sizes, no one closed form holds for all (the sweep checks per size)
            raise SharingError(f"option --layer-groups (auto, sites '{a.name}' {list(sa)} and '{b.name}' {list(sb)})",
                               "the automatic layer grouping of these token sites depends on the input size in "
                               "a way the formula cannot list", "--layer-groups none or a declared grouping, "
                               "or snncost table / sweep at given sizes")
        if exact_value(sympy.Integer(sa[0]) if isinstance(sa[0], int) else sa[0], {}) != \
                exact_value(sympy.Integer(sb[0]) if isinstance(sb[0], int) else sb[0], {}):
            continue
        where: dict = {}
        for (name, var, scale), ea, eb in zip(size_vars, sa[1:], sb[1:]):
            if var is None or (not _has_symbol(ea, var) and not _has_symbol(eb, var)):
                same = _value(ea, {}) == _value(eb, {})
                where[name] = None if same else []
                continue
            where[name] = [scale * v for v in range(1, SCAN_LIMIT // scale + 1)
                           if _value(ea, {var: v}) == _value(eb, {var: v})]
        if all(v is None or v for v in where.values()):
            found.append((a.name, b.name, {k: v for k, v in where.items() if v is not None}))
    return tuple(found)


def _has_symbol(expr, var) -> bool:
    return isinstance(expr, sympy.Basic) and expr.has(var)


def _value(expr, env):
    return expr if isinstance(expr, int) else exact_value(expr, env)


def formula(model, quantity: str = "lif_forward_bits", *, sharing="none", layer=None, symbols=None,
            input=None, timesteps=None, batch=None, weight_bits=None, membrane_bits=None, spike_bits=None,
            layer_groups=None, training=None, divisible: bool = True, **options) -> sympy.Expr:
    """The closed-form sympy expression of ``quantity`` for ``model``.

    ``quantity`` is any key of the totals of :func:`snncost.analysis.evaluate`
    (``lif_forward_bits``, ``lif_backward_bits``, ``weight_bits``, ``total_bits``,
    ``params``, ``lif_neurons``, ...), or with ``layer="s1b1.lif1"`` a per-layer
    quantity of that node.  ``symbols`` lists the names kept symbolic (default: the
    input size(s), T, B, b_w, b_u, b_s, and N when ``sharing`` is written ``CN`` or
    ``L+CN``); every other parameter takes its numeric value (the options given
    here, else the spec's defaults).  ``divisible`` declares the input a multiple of
    the network's total stride (a clean polynomial); ``False`` keeps floor().

    Substitute with the public symbol names: ``expr.subs({"H": 224, "W": 224, ...})``.
    """
    return derive(model, quantity, sharing=sharing, layer=layer, symbols=symbols, input=input,
                  timesteps=timesteps, batch=batch, weight_bits=weight_bits, membrane_bits=membrane_bits,
                  spike_bits=spike_bits, layer_groups=layer_groups, training=training, divisible=divisible,
                  **options).expr
