"""One-hot multi-level LIF (Abillama et al.; seed 004): the ANN compute energies of the
authors' README (github pabillam/one-hot-mlif-snn) and the paper's computable text
claims.  Registry: tables/mlif.csv; models: model_zoo/mlif.py.

What a row is computed on (seed 004 Sec. IV-V, Eq. 13; the repository's ann.py):

- ``ann energy``: E_ANN = 4.6 pJ x sum of the dense MACs of every conv and linear layer
  (:mod:`snncost.energy` model ``mlif``), in mJ; the README prints uJ in E notation
  (1.56E+03 uJ = 1.56 mJ: the same three significant digits);
- config ``shortcut_quirk=1``: ann.py sizes the 1x1 shortcut convs' outputs with the
  block's 3x3 padding (the ``--shortcut-quirk`` option): the README's ResNet20 figure
  is reproduced only with it;
- ``ratio``: a registry row's printed value over another's (config ``num``, ``den``);
- ``table ratio``: two ops of a technology table (config ``table``, ``num``, ``den``).

The M-LIF SNN energies need per-layer spike rates that are not published: not modelled.
"""
from __future__ import annotations

from fractions import Fraction

NAME = "mlif"
TITLE = ("One-hot M-LIF (Abillama et al., seed 004): ANN compute energies of the authors' README "
         "(VGG16 CIFAR/ImageNet, ResNet20) and the text claims (20x on ImageNet, INT8 add 30x cheaper)")
REGISTRY = "mlif.csv"
UNITS = ("mJ", "x")
QUANTITIES = ("ann energy", "ratio", "table ratio")


def compute(row) -> Fraction:
    from decimal import Decimal

    from ..analysis import analyze
    from ..energy import load_table
    from ..zoo import load
    from .registry import check_quantity, load_registry

    check_quantity(row, dict.fromkeys(QUANTITIES))
    c = row.config
    if row.quantity == "ann energy":
        spec = load(row.model, **({"num_classes": int(c["num_classes"])} if "num_classes" in c else {}))
        report = analyze(spec, baseline=False, rates=0, energy_model="mlif", shortcut_quirk=c.get("shortcut_quirk") == "1")
        return report.energy.ann_pj / 10**9
    if row.quantity == "table ratio":
        table = load_table(c["table"])
        return table.ops[c["num"]] / table.ops[c["den"]]
    rows = {r.id: r for r in load_registry(REGISTRY, units=UNITS)}
    return Fraction(Decimal(rows[c["num"]].published)) / Fraction(Decimal(rows[c["den"]].published))


def describe(row) -> str:
    c = row.config
    if row.quantity == "ann energy":
        return (f"{row.model} ({c.get('num_classes', 'default')} classes): 4.6 pJ x MACs"
                + (", shortcut-size quirk" if c.get("shortcut_quirk") == "1" else ""))
    if row.quantity == "table ratio":
        return f"{c['table']}: {c['num']} / {c['den']}"
    return f"printed {c['num']} / printed {c['den']}"
