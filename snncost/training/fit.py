"""The training step's memory as an API, its peak as a closed form, and budget fitting.

``train_memory`` is :func:`snncost.training.step.step_memory` on a model name, file or
spec, with what a sharing scheme saves of the whole step (against ``none``/``bptt``).

``peak_formula`` runs the same step model on sympy symbols (the machinery of
:mod:`snncost.formula`: input sizes as multiples of the total stride, exact rational
coefficients), so the peak is a closed form in B, T, H, W.  It is affine in B (every
saved tensor, state and gradient is a per-sample count times B; parameters and
optimizer state are not; the largest layer's gradients are max_i(c_i) B), so ``fit``
*solves* ``a + b B <= budget`` exactly: B_max = floor((budget - a) / b).  ``fit`` takes
a and b from the exact step at B = 1 and 2 (:func:`batch_line`, checked at B = 3), which
is that closed form without importing sympy (tests compare the two).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..errors import ConfigError, SharingError
from .budget import parse_size, parse_workspace
from .profiles import get_profile
from .step import step_memory

DEFAULT_SCHEMES = ("none", "L", "C2", "L+C2")


def train_memory(model, *, input=None, timesteps=None, batch=None, optimizer="sgd-momentum", amp=None,
                 sharing="none", layer_groups=None, training=None, profile="pytorch", static_nodes="once",
                 workspace=0, baseline: bool = True):
    """Memory of one BPTT training step of ``model`` (zoo name, spec file or NetworkSpec),
    in bytes: a :class:`snncost.training.step.StepMemory` (``totals``, per-layer ``rows``,
    ``to_dict()``).  With a sharing scheme and ``baseline``, ``sharing_effect`` says what
    the scheme removes from the whole step's peak against ``none``/``bptt``."""
    from ..zoo import resolve_model

    spec = resolve_model(model)
    options = dict(input=input, timesteps=timesteps, batch=batch, optimizer=optimizer, amp=amp,
                   layer_groups=layer_groups, profile=profile, static_nodes=static_nodes,
                   workspace=parse_workspace(workspace))
    result = step_memory(spec, sharing=sharing, training=training, **options)
    if baseline and (result.config["sharing"] != "none" or result.config["training"] != "bptt"):
        options["layer_groups"] = None
        base = step_memory(spec, **options)  # step_memory's defaults: sharing none, so training bptt
        removed = base.totals["peak_bytes"] - result.totals["peak_bytes"]
        result.sharing_effect = {
            "baseline": {"sharing": "none", "training": "bptt", "peak_bytes": base.totals["peak_bytes"],
                         "saved_bytes": base.totals["saved_bytes"], "transient_bytes": base.totals["transient_bytes"]},
            "peak_bytes_removed": removed,
            "fraction_of_peak_removed": _fraction_text(Fraction(removed, base.totals["peak_bytes"])),
        }
    return result


def _fraction_text(value: Fraction, digits: int = 4) -> str:
    from ..units import round_half_up

    return str(round_half_up(value, digits))


# --------------------------------------------------------------------------- formula
@dataclass(frozen=True)
class PeakFormula:
    expr: object            # sympy expression in the public symbols
    symbols: tuple
    size_multiple: tuple    # the input sizes the polynomial holds for (multiples of the total stride)
    quantity: str = "peak_bytes"
    config: dict | None = None  # the step's configuration (training mode chosen, ...)

    def at(self, **values) -> int:
        """The exact value at numbers for the symbols, e.g. ``at(B=16)``."""
        return int(self.expr.subs(values))

    def text(self) -> str:
        import sympy

        where = ", ".join(f"{n} a multiple of {m}" for n, m in self.size_multiple) or "the given input size"
        return f"{self.quantity} = {sympy.sstr(self.expr)}\n# bytes; valid for {where}\n"


def peak_formula(model, *, symbols=("B",), quantity="peak_bytes", input=None, timesteps=None, batch=None,
                 **options) -> PeakFormula:
    """The closed form of ``quantity`` (a training total, default ``peak_bytes``) in
    ``symbols`` (any of B, T and the input sizes H, W or L); the other values are the
    options given or the model's.  Input sizes are taken as multiples of the network's
    total stride (as ``snncost formula`` does), so the result is a polynomial."""
    import sympy

    from ..formulas import SYMBOLS, _INTEGER, size_names, to_sympy, total_stride
    from ..zoo import resolve_model

    spec = resolve_model(model)
    if isinstance(symbols, str):
        symbols = tuple(s.strip() for s in symbols.split(",") if s.strip())
    names = size_names(spec)
    valid = ("B", "T") + names
    for name in symbols:
        if name not in valid:
            raise ConfigError("option --symbols", f"unknown symbol {name!r} for a training formula", ", ".join(valid))
    strides = total_stride(spec)  # () for an input without size names
    from ..analysis import resolve_input_shape

    numeric = resolve_input_shape(spec, input)
    sizes, back, multiple = [], {}, []
    for i, name in enumerate(names):
        if name in symbols:
            h = sympy.Dummy(integer=True, positive=True)  # H = stride x h, replaced by the public symbol below
            sizes.append(strides[i] * h)
            back[h] = _INTEGER[name] / strides[i]
            multiple.append((name, strides[i]))
        else:
            sizes.append(numeric[1 + i])  # names exist only for a (C, L) or (C, H, W) input
    result = step_memory(spec, input=tuple(sizes) if names else None,
                         timesteps=_INTEGER["T"] if "T" in symbols else timesteps,
                         batch=_INTEGER["B"] if "B" in symbols else batch, **options)
    if quantity not in result.totals or isinstance(result.totals[quantity], dict):
        keys = [k for k, v in result.totals.items() if not isinstance(v, dict)]
        raise ConfigError("option --quantity", f"unknown training quantity {quantity!r}", ", ".join(keys))
    expr = sympy.expand(to_sympy(result.totals[quantity]).xreplace(back))  # exact: no sympify
    public = {s: SYMBOLS[s.name] for s in expr.free_symbols if s.name in SYMBOLS}
    return PeakFormula(expr.xreplace(public), tuple(symbols), tuple(multiple), quantity, result.config)


# --------------------------------------------------------------------------- fitting
@dataclass(frozen=True)
class BatchLine:
    """peak(B) = fixed + per_sample x B, exactly (the closed form of the peak in B)."""

    fixed: int
    per_sample: int
    config: dict

    def at(self, B: int) -> int:
        return self.fixed + self.per_sample * B

    def largest_batch(self, budget: int) -> int:
        """Largest B >= 1 with peak(B) <= budget; 0 when even batch 1 does not fit."""
        return max(0, (budget - self.fixed) // self.per_sample)

    def __str__(self) -> str:
        return f"{self.per_sample}*B + {self.fixed}"


def batch_line(spec, **options) -> BatchLine:
    """The peak's closed form in B from the exact step at B = 1 and 2 (affine in B: see
    the module docstring), checked at B = 3."""
    one, two, three = (step_memory(spec, batch=b, **options) for b in (1, 2, 3))
    per_sample = two.totals["peak_bytes"] - one.totals["peak_bytes"]
    line = BatchLine(one.totals["peak_bytes"] - per_sample, per_sample, one.config)
    if line.at(3) != three.totals["peak_bytes"] or per_sample <= 0:  # pragma: no cover, no mutate block (a self-check: only a bug trips it)
        raise AssertionError(f"training peak of {spec.name} is not affine in the batch")
    return line


def largest_batch(expr, budget: int):
    """Largest integer B >= 1 with expr(B) <= budget, for expr = a + b B (b > 0), solved
    exactly; 0 when even B = 1 does not fit."""
    import sympy

    B = sympy.Symbol("B")
    poly = sympy.Poly(expr, B)
    if poly.degree() > 1 or poly.free_symbols - {B}:
        raise ValueError(f"the peak is not affine in B: {expr}")
    b, a = poly.all_coeffs() if poly.degree() == 1 else (0, poly.all_coeffs()[0])
    a, b = Fraction(int(sympy.Rational(a).p), int(sympy.Rational(a).q)), Fraction(int(sympy.Rational(b).p), int(sympy.Rational(b).q))
    if b <= 0:
        return None
    return max(0, (budget - a) // b)  # Fraction // Fraction: an int


def fit(model, memory, *, input=None, timesteps=None, batch=None, sharing=DEFAULT_SCHEMES, precisions=None,
        optimizer="sgd-momentum", layer_groups=None, training=None, profile="pytorch", static_nodes="once",
        workspace=0) -> dict:
    """Fit ``model`` into ``memory`` (bytes, or a size such as ``'24GiB'``).

    Without ``batch``: for each sharing scheme and precision, the largest batch whose
    predicted peak fits (0 = not even batch 1), from the closed form of the peak in B.
    With ``batch``: the schemes and precisions whose peak at that batch fits, cheapest first.
    Returns plain data: ``{"budget_bytes", "batch", "candidates": [...], "fits": [...]}``."""
    from ..zoo import resolve_model

    spec = resolve_model(model)
    budget = parse_size(memory)  # where: option --memory
    prof = get_profile(profile)
    schemes = [s.strip() for s in sharing.split(",")] if isinstance(sharing, str) else list(sharing)
    if not schemes or any(not s for s in schemes):
        raise ConfigError("option --sharing", f"empty scheme in {sharing!r}", "a comma-separated list such as none,L,C2,L+C2")
    precisions = list(precisions) if precisions else ["fp32", *prof.amp[:1]]
    from .profiles import check_amp, check_optimizer
    from .step import STATIC_NODES

    check_optimizer(optimizer)
    for amp in precisions:
        check_amp(amp, prof, "option --precisions")
    if static_nodes not in STATIC_NODES:
        raise ConfigError("option --static-nodes", f"unknown value {static_nodes!r}", ", ".join(STATIC_NODES))
    options = dict(input=input, timesteps=timesteps, optimizer=optimizer, layer_groups=layer_groups,
                   profile=prof, static_nodes=static_nodes, workspace=parse_workspace(workspace))
    candidates = []
    for scheme in schemes:
        for amp in precisions:
            entry = {"sharing": scheme, "precision": amp}
            try:
                line = batch_line(spec, sharing=scheme, training=training, amp=amp, **options)  # amp fp32: no autocast
                entry["training"] = line.config["training"]
                entry["peak_formula"] = str(line)
                if batch is None:
                    best = line.largest_batch(budget)
                    entry["largest_batch"] = best
                    if best:
                        entry["peak_bytes"] = line.at(best)
                    entry["peak_bytes_at_batch_1"] = line.at(1)
                    entry["fits"] = bool(best)
                else:
                    entry["peak_bytes"] = line.at(batch)
                    entry["fits"] = entry["peak_bytes"] <= budget
            except SharingError as exc:  # a scheme this network cannot take: said in its row
                if len(schemes) == 1:
                    raise
                entry["refused"] = str(exc)
                entry["fits"] = False
            candidates.append(entry)
    if batch is None:
        candidates.sort(key=lambda e: (-(e.get("largest_batch") or 0), e.get("peak_bytes_at_batch_1", 0)))
    else:
        candidates.sort(key=lambda e: (not e["fits"], e.get("peak_bytes", 0)))
    fitting = [e for e in candidates if e["fits"]]
    if not fitting:
        answer = f"nothing fits in {budget} bytes at " + ("batch 1" if batch is None else f"batch {batch}")
        peaks = [e["peak_bytes_at_batch_1"] for e in candidates if batch is None and "refused" not in e]
        if peaks:
            answer += f": the smallest peak there is {min(peaks)} bytes"
    elif batch is None:
        best = fitting[0]
        answer = (f"largest batch {best['largest_batch']} with {best['sharing']}/{best['precision']}; "
                  f"{len(fitting)} of {len(candidates)} scheme/precision pairs fit batch 1 or more")
    else:
        best = fitting[0]
        answer = (f"{len(fitting)} of {len(candidates)} scheme/precision pairs fit at batch {batch}; "
                  f"cheapest {best['sharing']}/{best['precision']} ({best['peak_bytes']} bytes)")
    return {"model": spec.name, "budget_bytes": budget, "batch": batch, "profile": prof.name,
            "optimizer": optimizer, "timesteps": timesteps or spec.timesteps, "answer": answer,
            "candidates": candidates, "fits": [f"{e['sharing']}/{e['precision']}" for e in fitting]}
