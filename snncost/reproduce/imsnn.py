"""IM-SNN (Hasssan, Meng, Anupreetham, Seo; seed 003): the memory columns of Tables III,
V, VI and VII, MINT rows included.  Registry: tables/imsnn.csv; models: model_zoo/imsnn.py.

Every one of the 118 memory figures of the four tables is a registry row.  The
figures of prior works whose networks IM-SNN does not define (ResNet-18, VGG-11,
VGG-13, VGG7-like, EST's ResNet-34, Spikformer, non-spiking detectors, VGG+SSD) have
no model: they are *not modelled* rows (``explained-deviation`` with the reason, no
computed value; docs/reproduce.md).

What a row is computed on (IM-SNN Sec. V-B, Eq. 15-17; domain notes sec. 3):

- ``weight memory`` = w_p N_w: N_w counts conv weights only (``weights=conv``, as the
  tables do for ResNet-19) or every parameter (``weights=all``, which is what the
  ResNet-34 32-bit rows' 87.19 MB counts);
- ``membrane memory`` = u_p N_f over every LIF neuron (Eq. 17), membrane precision a
  number or a preset of :mod:`snncost.precision` (``ternary``: 1.5 bits as the paper
  counts, or ``log2``/``packed``; ``masked-ternary``: Table III's halving);
- ``total memory (Eq. 15)`` = w_p N_w + u_p N_f + u_s N_f, with the spike precision
  u_s the row's ``spike_bits`` (the paper says u_s is 1 bit; its full-precision
  totals are W + 2U, i.e. spikes counted at 32 bits);
- Tables V-VII print decimal MB (10^6 bytes) and truncate; Table III prints KB
  (10^3 bytes).  The registry's ``rounding`` is ``truncate`` for Tables V-VII.

Config keys: ``input``, ``in_channels``, ``num_classes`` (model), ``weight_bits``,
``membrane`` (number or preset), ``ternary_convention``, ``masked_convention``,
``spike_bits``, ``weights`` (conv | all), ``timesteps`` (recorded; memory per timestep
does not depend on it).
"""
from __future__ import annotations

from fractions import Fraction

NAME = "imsnn"
TITLE = ("IM-SNN (Hasssan et al.): weight, membrane and total memory of Tables III, V, VI and VII "
         "(MINT rows included)")
REGISTRY = "imsnn.csv"
UNITS = ("MB", "kB")

QUANTITIES = {
    "weight memory": "eq15_weight_bits",
    "membrane memory": "eq15_membrane_bits",
    "total memory (Eq. 15)": "eq15_bits",
}
_INT_KEYS = ("input", "in_channels", "num_classes", "timesteps")
_TEXT_KEYS = ("weight_bits", "membrane", "ternary_convention", "masked_convention", "spike_bits", "weights")
CONFIG_KEYS = _INT_KEYS + _TEXT_KEYS


def analysis_config(row):
    """(spec, AnalysisConfig) of a registry row."""
    from ..analysis import make_config
    from ..zoo import load
    from .registry import typed_config

    c = typed_config(row, _INT_KEYS, _TEXT_KEYS)
    build = {k: c[k] for k in ("num_classes", "in_channels") if k in c}
    spec = load(row.model, **build)
    config = make_config(spec, input=c.get("input"), timesteps=c.get("timesteps"),
                         weight_bits=c.get("weight_bits", "32"), membrane_bits=c.get("membrane", "32"),
                         spike_bits=c.get("spike_bits", "1"),
                         ternary_convention=c.get("ternary_convention", "imsnn"),
                         masked_convention=c.get("masked_convention", "halved"),
                         eq15_weights=c.get("weights", "conv"))
    return spec, config


def compute(row) -> Fraction:
    """Exact value of a row's quantity in the row's unit (decimal MB or kB)."""
    from ..analysis import evaluate
    from ..units import convert
    from .registry import check_quantity

    check_quantity(row, QUANTITIES)
    spec, config = analysis_config(row)
    _, totals = evaluate(spec, config)
    return convert(totals[QUANTITIES[row.quantity]], row.unit)


def describe(row) -> str:
    """``'imsnn-resnet19, W 4 b (conv), U ternary (imsnn), S 1 b'`` (a row with a model)."""
    from .runner import model_parts

    c = row.config
    parts = model_parts(row)
    if row.quantity in ("weight memory", "total memory (Eq. 15)"):
        parts.append(f"W {c.get('weight_bits', '32')} b ({'all parameters' if c.get('weights') == 'all' else 'conv weights'})")
    if row.quantity in ("membrane memory", "total memory (Eq. 15)"):
        membrane = c.get("membrane", "32")
        if membrane == "ternary":
            membrane += f" ({c.get('ternary_convention', 'imsnn')})"
        elif membrane == "masked-ternary":
            membrane += f" ({c.get('masked_convention', 'halved')}, {c.get('ternary_convention', 'imsnn')})"
        else:
            membrane += " b"
        parts.append(f"U {membrane}")
    if row.quantity == "total memory (Eq. 15)":
        parts.append(f"S {c.get('spike_bits', '1')} b")
    return ", ".join(parts)
