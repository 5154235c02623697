"""The result of an analysis: plain data (config, totals, per-layer rows).

Presenting it is :mod:`snncost.render`'s job.  Totals are exact: integer bit
counts (a Fraction only where a fractional bit width makes them fractional).
"""
from __future__ import annotations

from fractions import Fraction

from .records import Record


class Report(Record, frozen=False):
    model: str
    spec: object
    config: object
    rows: list
    totals: dict
    baseline: dict | None = None

    @property
    def layers(self):
        """Per-layer rows as a pandas DataFrame (pandas is imported only here)."""
        import pandas as pd

        return pd.DataFrame(self.rows)

    def reduction(self, key: str) -> Fraction | None:
        """Baseline (``none``, ``bptt``) over this configuration, exact, e.g. 4.38x."""
        if not self.baseline or not self.totals.get(key):
            return None
        base, value = self.baseline[key], self.totals[key]
        if hasattr(base, "free_symbols") or hasattr(value, "free_symbols"):  # e.g. log2(3)-bit membranes
            from .precision import display_number

            return display_number(base) / display_number(value)
        return Fraction(base) / Fraction(value)

    @property
    def notes(self) -> list[str]:
        c = self.config
        grouping = f"layer grouping '{c.grouping}'" if c.sharing.layer else "no layer grouping"
        text = [f"sharing {c.sharing.label}, {grouping}, training mode {c.training}"
                + (" (backward = T x every LIF site's membrane)" if c.training == "bptt"
                   else " (reverse recomputation, EfficientLIF-Net Eq. 18-19: backward = forward buffers)")]
        ops = getattr(c, "ops", None)
        op_notes = ops.notes() if ops is not None else []
        energy = self.energy
        if energy is not None:
            op_notes += [f"energy: {a}" for a in energy.assumptions]
        return text + self.precision_notes + op_notes + list(c.notes) + list(getattr(self.spec, "report_notes", ()))

    @property
    def energy(self):
        """The :class:`snncost.energy.EnergyResult` (when rates were given), else None."""
        return self.totals.get("energy")

    @property
    def precision_notes(self) -> list[str]:
        """The precision and pruning conventions in force (snncost.precision, snncost.pruning)."""
        c = self.config
        text = []
        if getattr(c, "weight_precision", ""):
            text.append(f"weights: {c.weight_precision}")
        if getattr(c, "membrane_precision", ""):
            text.append(f"membrane: {c.membrane_precision}")
        if any(getattr(n, "lanes", 1) > 1 for n in getattr(self.spec, "neuron_nodes", ())):
            from .precision import SPIKE_ENCODINGS

            encoding = getattr(c, "spike_encoding", "one-hot")
            text.append(f"multi-level spikes stored {encoding}: {SPIKE_ENCODINGS[encoding]}")
        sparsity = getattr(c, "sparsity", 0)
        overrides = getattr(c, "node_overrides", {})
        if sparsity or any("sparsity" in v for v in overrides.values()) or getattr(c, "weight_format", "dense") != "dense":
            from .pruning import FORMATS

            text.append(f"weight sparsity {float(sparsity):.4%} (nonzeros = N - floor(s N) per tensor); weight memory "
                        f"counted as '{c.weight_format}': {FORMATS[c.weight_format]}")
        if overrides:
            text.append("per-node overrides (win over node fields and network values): " + "; ".join(
                f"{name}: " + ", ".join(f"{k}={json_number(v) if not hasattr(v, 'free_symbols') else v}" for k, v in values.items())
                for name, values in overrides.items()))
        return text

    def to_dict(self) -> dict:
        """The stable JSON interface: {"model", "config", "totals", "layers"}."""
        out = {
            "model": self.model,
            "config": self.config.as_dict(),
            "totals": {k: json_number(v) for k, v in self.totals.items() if k != "energy"},
            "layers": [{k: json_number(v) for k, v in row.items()} for row in self.rows],
        }
        if self.baseline is not None:
            out["baseline"] = {k: json_number(self.baseline[k]) for k in ("lif_forward_bits", "lif_backward_bits")}
            out["reduction"] = {k: (float(r) if (r := self.reduction(k)) is not None else None)
                                for k in ("lif_forward_bits", "lif_backward_bits")}
        if self.energy is not None:
            out["energy"] = self.energy.as_dict()
        out["notes"] = self.notes
        return out


def json_number(value):
    """Ints stay ints; an exact Fraction becomes a float only when it is not whole."""
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    if hasattr(value, "free_symbols"):  # sympy: integers stay ints; log2 3 bits a float for JSON only
        if value.free_symbols:
            return str(value)
        return int(value) if value.is_Integer else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
