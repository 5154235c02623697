"""The result of an analysis: plain data (config, totals, per-layer rows).

Presenting it is :mod:`snncost.render`'s job.  Totals are exact: integer bit
counts (a Fraction only where a fractional bit width makes them fractional).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass
class Report:
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
        return Fraction(self.baseline[key]) / Fraction(self.totals[key])

    @property
    def notes(self) -> list[str]:
        c = self.config
        grouping = f"layer grouping '{c.grouping}'" if c.sharing.layer else "no layer grouping"
        text = [f"sharing {c.sharing.label}, {grouping}, training mode {c.training}"
                + (" (backward = T x every LIF site's membrane)" if c.training == "bptt"
                   else " (reverse recomputation, EfficientLIF-Net Eq. 18-19: backward = forward buffers)")]
        return text + list(c.notes)

    def to_dict(self) -> dict:
        """The stable JSON interface: {"model", "config", "totals", "layers"}."""
        out = {
            "model": self.model,
            "config": self.config.as_dict(),
            "totals": {k: json_number(v) for k, v in self.totals.items()},
            "layers": [{k: json_number(v) for k, v in row.items()} for row in self.rows],
        }
        if self.baseline is not None:
            out["baseline"] = {k: json_number(self.baseline[k]) for k in ("lif_forward_bits", "lif_backward_bits")}
            out["reduction"] = {k: (float(r) if (r := self.reduction(k)) is not None else None)
                                for k in ("lif_forward_bits", "lif_backward_bits")}
        out["notes"] = self.notes
        return out


def json_number(value):
    """Ints stay ints; an exact Fraction becomes a float only when it is not whole."""
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    return value
