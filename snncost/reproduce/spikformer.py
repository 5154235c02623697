"""Spikformer (Zhou et al., ICLR 2023): parameter counts of Tables 2 and 3, the power of
Table 2 recomputed from its printed OPs under the ``spikformer`` energy model, the ANN
row, the attention-only energies of Table 1, and the Spikingformer README's strict-rule
recomputation.  Registry: tables/spikformer.csv; models: model_zoo/transformers.py.

What a row is computed on (App. C.2; domain notes sec. 8):

- ``params``: the zoo model's trainable parameters (convs, linears, batchnorm gamma and
  beta), in millions;
- ``power from printed OPs``: E = 0.9 pJ x OPs (the printed G) + 4.6 pJ x T x the dense
  MACs of the first conv of the model named in ``first_conv`` (config), in mJ: the paper
  adds the D = 512 model's first conv (3 x 64 x 9 x 224^2 x T) to every width;
- the registry's ``explanation`` (``printed: 0.9 * OPs + 1.596``) checks how the printed
  powers arise: the paper adds 1.596 mJ, where the exact first-conv energy is 1.5954 mJ;
- ``ann macs``: the zoo model's dense MACs (GFLOPs as the paper counts MACs), in G;
  ``ann energy``: 4.6 pJ x those MACs, in mJ; ``energy from printed count``: 4.6 pJ (or
  0.9 pJ for SOPs, config ``price``) x the printed count of the row named in ``count``.

OPs, SOPs and the strict-rule energies need per-layer firing rates the paper only plots
(Fig. 4) or Spikingformer measured: not modelled.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

NAME = "spikformer"
TITLE = ("Spikformer (Zhou et al., ICLR 2023): parameters (Tables 2-3), Table 2 power from its printed OPs, "
         "the ANN row, Table 1 attention energies, the strict-rule recomputation")
REGISTRY = "spikformer.csv"
UNITS = ("M", "G", "mJ", "uJ")
QUANTITIES = ("params", "power from printed OPs", "ann macs", "ann energy", "energy from printed count")
MAC_PJ, AC_PJ = Fraction("4.6"), Fraction("0.9")
SCALE = {"M": 10**6, "G": 10**9}
PJ_PER = {"mJ": 10**9, "uJ": 10**6}


def _first_conv_pj(model: str) -> Fraction:
    """4.6 pJ x T x the MACs of the model's first conv (fed by the analog image)."""
    from ..analysis import analyze

    report = analyze(model, baseline=False)
    first = next(r for r in report.rows if r["macs"])
    return MAC_PJ * first["macs"] * report.config.timesteps


def _printed(row_id: str) -> Fraction:
    from .registry import load_registry

    rows = {r.id: r for r in load_registry(REGISTRY, units=UNITS)}
    return Fraction(Decimal(rows[row_id].published)) * SCALE[rows[row_id].unit]


def compute(row) -> Fraction:
    from ..analysis import analyze
    from .registry import check_quantity

    check_quantity(row, dict.fromkeys(QUANTITIES))
    c = row.config
    if row.quantity == "params":
        return Fraction(analyze(row.model, baseline=False).totals["params"], SCALE[row.unit])
    if row.quantity == "ann macs":
        return Fraction(analyze(row.model, baseline=False).totals["macs"], SCALE[row.unit])
    if row.quantity == "ann energy":
        return MAC_PJ * analyze(row.model, baseline=False).totals["macs"] / PJ_PER[row.unit]
    if row.quantity == "energy from printed count":
        price = AC_PJ if c.get("price") == "sop" else MAC_PJ
        return price * _printed(c["count"]) / PJ_PER[row.unit]
    first = _first_conv_pj(c["first_conv"]) / PJ_PER[row.unit]
    return AC_PJ * _printed(c["ops"]) / PJ_PER[row.unit] + first


def describe(row) -> str:
    c = row.config
    if row.quantity == "params":
        return f"{row.model}: trainable parameters / 10^6"
    if row.quantity == "ann macs":
        return f"{row.model}: dense MACs / 10^9"
    if row.quantity == "ann energy":
        return f"{row.model}: 4.6 pJ x dense MACs"
    if row.quantity == "energy from printed count":
        return f"{'0.9' if c.get('price') == 'sop' else '4.6'} pJ x printed {c['count']}"
    return f"0.9 pJ x printed {c['ops']} + 4.6 pJ x T x first-conv MACs of {c['first_conv']}"
