"""Yao, Wu, Chen, Zhang (seed 002): Table 2 (#Add, #Mult and energy at 45 nm on CIFAR10) and
the text figures of Sec. 4.2 (123 mJ, 11x, 102x, 5.1x).  Registry: tables/yao2023.csv;
model: model_zoo/yao2023.py (``tdbn-resnet19``).

What a row is computed on (Sec. 4.2, Eq. 13-14, Table 2; domain notes sec. 2):

- ``macs``: the dense MACs of the zoo model (Eq. 14), in millions (``unit = M``); the
  ANN rows count #Add = #Mult = MACs;
- ``ann energy``: the model's MACs priced by the paper's rule E = 0.9 pJ x #Add + 4.6 pJ x
  #Mult with #Add = #Mult = MACs (:mod:`snncost.energy` model ``yao2023``);
- ``energy from printed counts``: the same rule applied to the row's printed #Add and
  #Mult (config ``add``, ``mult``: registry ids), for the rows whose networks are not
  public (ResNet-12F, VIT-12, the Res-20 and SNN rows): it checks the paper's arithmetic;
- ``ratio``: one row's computed value over another's (config ``num``, ``den``), both
  converted to pJ; ``constant ratio``: 4.6 / 0.9.

Units: Table 2 prints "J" for the ANN rows and "mJ" for the SNN rows, but its own rule
gives mJ and uJ (132M x 0.9 pJ + 2.14M x 4.6 pJ = 128.6 uJ): ``unit`` is the real unit,
``printed_unit`` the printed one.  #Add of the SNN rows needs the unpublished mean spike
rate s (#Add = s T #OP_ANN): those rows are not modelled.
"""
from __future__ import annotations

from fractions import Fraction

NAME = "yao2023"
TITLE = ("Yao et al. (seed 002): Table 2 op counts and 45 nm energies (CIFAR10) and the Sec. 4.2 text figures "
         "(123 mJ, 11x, 102x, 5.1x)")
REGISTRY = "yao2023.csv"
UNITS = ("M", "mJ", "uJ", "x")

PJ_PER = {"mJ": Fraction(10**9), "uJ": Fraction(10**6)}
ADD_PJ, MULT_PJ = Fraction("0.9"), Fraction("4.6")
QUANTITIES = ("macs", "ann energy", "energy from printed counts", "ratio", "constant ratio", "first-layer mults")


def _registry() -> dict:
    from .registry import load_registry

    return {r.id: r for r in load_registry(REGISTRY, units=UNITS)}


def _pj(row) -> Fraction:
    """A row's exact computed value in pJ (energies only)."""
    return compute(row) * PJ_PER[row.unit]


def compute(row) -> Fraction:
    from decimal import Decimal

    from ..analysis import analyze
    from .registry import check_quantity

    check_quantity(row, dict.fromkeys(QUANTITIES))
    c = row.config
    if row.quantity == "macs":
        return Fraction(analyze(row.model, baseline=False).totals["macs"], 10**6)
    if row.quantity == "first-layer mults":
        report = analyze(row.model, baseline=False, timesteps=int(c["timesteps"]))
        first = next(r for r in report.rows if r["macs"])
        return Fraction(first["macs"] * report.config.timesteps, 10**6)
    if row.quantity == "ann energy":
        report = analyze(row.model, baseline=False, rates=0, energy_model="yao2023")
        return report.energy.ann_pj / PJ_PER[row.unit]
    if row.quantity == "energy from printed counts":
        rows = _registry()
        adds = Fraction(Decimal(rows[c["add"]].published)) * 10**6
        mults = Fraction(Decimal(rows[c["mult"]].published)) * 10**6
        return (ADD_PJ * adds + MULT_PJ * mults) / PJ_PER[row.unit]
    if row.quantity == "constant ratio":
        return MULT_PJ / ADD_PJ
    rows = _registry()
    return _pj(rows[c["num"]]) / _pj(rows[c["den"]])


def describe(row) -> str:
    c = row.config
    if row.quantity == "macs":
        return f"{row.model}: dense MACs (Eq. 14) / 10^6"
    if row.quantity == "first-layer mults":
        return f"{row.model}: first conv MACs x T={c['timesteps']} / 10^6"
    if row.quantity == "ann energy":
        return f"{row.model}: (0.9 + 4.6) pJ x MACs"
    if row.quantity == "energy from printed counts":
        return f"0.9 pJ x #Add ({c['add']}) + 4.6 pJ x #Mult ({c['mult']}), printed counts"
    if row.quantity == "constant ratio":
        return "4.6 pJ / 0.9 pJ"
    return f"computed {c['num']} / computed {c['den']}"
