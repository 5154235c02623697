"""Where the baseline LIF share of PE compute could come from: a SATA-style PE compute
model (EfficientLIF-Net Sec. 5.3.9 states 61.6% "of the total PE computation" for the
baseline on a 128-PE SATA array, without saying what is measured).

A SATA PE (Yin et al., TCAD 2023; github RuokaiYin/SATA_Sim; figures in
``snncost/data/hw/sata_pe.yaml``) holds a spike-MAC part (AND gate, adder,
accumulator register) and a LIF part (comparator, subtractor, threshold and membrane
registers).  With s_LIF and s_MAC the LIF part's and the spike-MAC part's cost, the
baseline LIF share is s_LIF / (s_LIF + s_MAC), under one of three declared cost models
(:data:`MODELS`); none is fitted to 61.6%:

- ``power``: dynamic (internal + switching) plus leakage power of each component of
  SATA_Sim's inference PE, every component active once per cycle;
- ``area``: the same components' synthesis area;
- ``training-ops``: one forward LIF op against one forward MAC, each the operation
  counts of SATA_Sim's training configuration priced with its 16-bit energies (the
  ``sata`` technology table of :mod:`snncost.energy`); the shift of the LIF op has no
  energy there and counts 0.

What each gives is in :func:`lif_share_baseline`; docs/hardware.md and the
efficientlif registry (``hw.sec539.baseline.*``) record the comparison.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from ..errors import ConfigError

MODELS = {
    "power": "dynamic + leakage power of SATA_Sim's inference PE components, each active once per cycle",
    "area": "synthesis area of SATA_Sim's inference PE components",
    "training-ops": "one forward LIF op vs one forward MAC: SATA_Sim's operation counts x its 16-bit energies",
}


@lru_cache(maxsize=None)
def _data() -> dict:
    from importlib.resources import files

    import yaml

    return yaml.safe_load(files("snncost").joinpath("data/hw/sata_pe.yaml").read_text(encoding="utf-8"))


def _component(kernel: str, width: int, model: str) -> Fraction:
    area, internal, switching, leakage_uw = (Fraction(v) for v in _data()["kernels"][kernel][width])
    return area if model == "area" else internal + switching + leakage_uw / 1000


def part_costs(model: str) -> dict[str, Fraction]:
    """{'lif': s_LIF, 'mac': s_MAC} of one PE under ``model`` (exact, from the decimal figures)."""
    if model not in MODELS:
        raise ConfigError("PE compute model", f"unknown model {model!r}", ", ".join(MODELS))
    data = _data()
    if model == "training-ops":
        from ..energy import load_table

        ops = load_table("sata").ops
        price = {name: ops.get(f"{name}_16", Fraction(0)) for part in data["training_ops"].values() for name in part}
        return {part: sum(count * price[name] for name, count in counts.items())
                for part, counts in data["training_ops"].items()}
    pe = data["inference_pe"]
    return {"lif": sum(_component(k, w, model) for k, w in pe["lif"]),
            "mac": sum(_component(k, w, model) for k, w in pe["spike-mac"])}


def lif_share_baseline(model: str = "power") -> Fraction:
    """s_LIF / (s_LIF + s_MAC) of one SATA PE under ``model`` (see :data:`MODELS`)."""
    costs = part_costs(model)
    return costs["lif"] / (costs["lif"] + costs["mac"])
