"""EfficientLIF-Net (Kim et al., Front. Neurosci. 2023; seed 000), Fig. 1 and Fig. 8: the
share of LIF memory in a network's total memory, and the memory of a pruned ResNet19.
Registry: tables/efficientlif_figures.csv (kept apart from tables/efficientlif.csv,
whose module computes LIF memory only; ``snncost reproduce efficientlif_figures``).

- Fig. 1: ResNet19 at 224x224, 32-bit weights, 32-bit membrane, 1-bit spikes: "LIF
  about 53% of the total".  ``share=total``: LIF forward / (weights + LIF forward +
  spikes of all T timesteps), snncost's ``total_bits``.  ``share=per-timestep``
  counts one timestep of spikes, ``share=bptt`` the BPTT membrane (info rows).
- Fig. 8: ResNet19 (CIFAR10, 32x32) pruned to 94.94% weight sparsity: "weights about
  5 MB" (nonzero values only, :mod:`snncost.pruning` format ``values``), "baseline
  LIF 2.9 MB, about 60% of the weights", "L+C#2 about 23% of baseline LIF".  The
  figure's MB are MiB, as in the paper's tables.

Config keys: ``input``, ``num_classes``, ``timesteps``, ``sharing``, ``grouping``,
``sparsity``, ``weight_format``, ``share``.
"""
from __future__ import annotations

from fractions import Fraction

NAME = "efficientlif_figures"
TITLE = ("EfficientLIF-Net (Kim et al., Front. Neurosci. 2023): Fig. 1 (LIF share of total memory at 224x224) "
         "and Fig. 8 (ResNet19 pruned to 94.94%)")
REGISTRY = "efficientlif_figures.csv"
UNITS = ("MiB", "%")

QUANTITIES = ("LIF share of total memory", "weight memory", "LIF forward memory", "LIF share of weight memory",
              "LIF memory relative to baseline")
SHARES = ("total", "per-timestep", "bptt")
_INT_KEYS = ("input", "num_classes", "timesteps")
_TEXT_KEYS = ("sharing", "grouping", "sparsity", "weight_format", "share")
CONFIG_KEYS = _INT_KEYS + _TEXT_KEYS


def _where(row, column: str) -> str:
    return f"registry tables/{REGISTRY} line {row.line} (id '{row.id}') column '{column}'"


def _config(row) -> dict:
    from ..errors import InputFileError

    unknown = [k for k in row.config if k not in CONFIG_KEYS]
    if unknown:
        raise InputFileError(_where(row, "config"), f"unknown key {unknown[0]!r}", ", ".join(CONFIG_KEYS))
    c = {}
    for key, value in row.config.items():
        if key in _INT_KEYS:
            if not value.isdigit() or int(value) < 1:
                raise InputFileError(_where(row, "config"), f"{key}={value!r} is not a positive integer", "a positive integer")
            c[key] = int(value)
        else:
            c[key] = value
    if c.get("share", "total") not in SHARES:
        raise InputFileError(_where(row, "config"), f"unknown share {c['share']!r}", ", ".join(SHARES))
    return c


def _totals(row, c: dict, *, sharing=None):
    from ..analysis import evaluate, make_config
    from ..zoo import load

    spec = load(row.model, **({"num_classes": c["num_classes"]} if "num_classes" in c else {}))
    sharing = sharing or c.get("sharing", "none")
    config = make_config(spec, input=c.get("input"), timesteps=c.get("timesteps"), sharing=sharing,
                         layer_groups=c.get("grouping") if sharing != "none" else None,
                         sparsity=c.get("sparsity"), weight_format=c.get("weight_format", "dense"))
    return evaluate(spec, config)[1]


def compute(row) -> Fraction:
    """Exact value of a Fig. 1 / Fig. 8 quantity, in MiB or percent."""
    from ..errors import InputFileError
    from ..units import convert

    if row.quantity not in QUANTITIES:
        raise InputFileError(_where(row, "quantity"), f"unknown quantity {row.quantity!r}", ", ".join(QUANTITIES))
    c = _config(row)
    t = _totals(row, c)
    lif = Fraction(t["lif_forward_bits"])
    if row.quantity == "LIF share of total memory":
        share = c.get("share", "total")
        if share == "total":
            return 100 * lif / t["total_bits"]
        if share == "per-timestep":
            return 100 * lif / (t["weight_bits"] + lif + t["spike_bits_per_timestep"])
        bptt = Fraction(t["lif_backward_bits"])
        return 100 * bptt / (t["weight_bits"] + bptt + t["spike_bits_all_timesteps"])
    if row.quantity == "weight memory":
        return convert(t["weight_bits"], row.unit)
    if row.quantity == "LIF forward memory":
        return convert(t["lif_forward_bits"], row.unit)
    if row.quantity == "LIF share of weight memory":
        return 100 * lif / t["weight_bits"]
    base = _totals(row, c, sharing="none")
    return 100 * lif / base["lif_forward_bits"]


def describe(row) -> str:
    if row.model is None:
        return f"= {row.parent}"
    c = row.config
    parts = [row.model, f"{c.get('input', '32')}x{c.get('input', '32')}"]
    if "timesteps" in c:
        parts.append(f"T={c['timesteps']}")
    parts.append(c.get("sharing", "none") + (f" ({c['grouping']})" if "grouping" in c else ""))
    if "sparsity" in c:
        parts.append(f"sparsity {c['sparsity']}, weights stored {c.get('weight_format', 'dense')}")
    if row.quantity == "LIF share of total memory":
        parts.append({"total": "total = weights + LIF fwd + spikes of all T",
                      "per-timestep": "total = weights + LIF fwd + spikes of one timestep",
                      "bptt": "total = weights + BPTT LIF + spikes of all T"}[c.get("share", "total")])
    return ", ".join(parts)
