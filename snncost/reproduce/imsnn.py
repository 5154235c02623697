"""IM-SNN (Hasssan, Meng, Anupreetham, Seo; seed 003): the memory columns of Tables III,
V, VI and VII, MINT rows included, the memory ratios of the text (Sec. I, V-B, V-C:
rows derived from the table rows by their ``parent``) and the op figures of Sec. IV-C
(not modelled until op counts exist, issue #9).  Registry: tables/imsnn.csv; models:
model_zoo/imsnn.py.

Every one of the 118 memory figures of the four tables is a registry row.  The
figures of prior works whose networks IM-SNN does not define (ResNet-18, VGG-11,
VGG-13, VGG7-like, EST's ResNet-34, Spikformer, non-spiking detectors, VGG+SSD) have
no model: they are *not modelled* rows (status ``not-modelled``, with the reason, no
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
``spike_bits``, ``weights`` (conv | all), ``lif_scope`` (all | blocks: the stem LIF not
counted, the model variant that reproduces ResNet-34's membrane column), ``timesteps``
(recorded; memory per timestep does not depend on it).
"""
from __future__ import annotations

from fractions import Fraction

NAME = "imsnn"
TITLE = ("IM-SNN (Hasssan et al.): weight, membrane and total memory of Tables III, V, VI and VII "
         "(MINT rows included), the text's memory ratios and Sec. IV-C's op figures")
REGISTRY = "imsnn.csv"
UNITS = ("MB", "kB", "x", "MOPs", "%")

QUANTITIES = {
    "weight memory": ("eq15_weight_bits",),
    "membrane memory": ("eq15_membrane_bits",),
    "total memory (Eq. 15)": ("eq15_weight_bits", "eq15_membrane_bits", "eq15_spike_bits"),
}
#: ``lif_scope`` key -> which LIF layers the membrane and spike terms count
LIF_SCOPES = {
    "all": "every LIF",
    "blocks": "the stem LIF not counted",
}
_INT_KEYS = ("input", "in_channels", "num_classes", "timesteps")
_TEXT_KEYS = ("weight_bits", "membrane", "ternary_convention", "masked_convention", "spike_bits", "weights",
              "lif_scope")
CONFIG_KEYS = _INT_KEYS + _TEXT_KEYS


def _report(row, c: dict):
    """The snncost report of a registry row (``snncost.analyze``, per-layer rows and totals)."""
    from ..analysis import analyze
    from ..zoo import load

    spec = load(row.model, **{k: c[k] for k in ("num_classes", "in_channels") if k in c})
    return analyze(spec, input=c.get("input"), timesteps=c.get("timesteps"), baseline=False,
                   weight_bits=c.get("weight_bits", "32"), membrane_bits=c.get("membrane", "32"),
                   spike_bits=c.get("spike_bits", "1"), ternary_convention=c.get("ternary_convention", "imsnn"),
                   masked_convention=c.get("masked_convention", "halved"), eq15_weights=c.get("weights", "conv"))


def _neuron_layers(row, c: dict, layers: list[dict]) -> list[dict]:
    """The layers whose LIFs the row's ``lif_scope`` counts (``blocks``: all but the
    stem's, IM-SNN's ResNet-34 membrane column; the zoo names the stem ``stem``)."""
    from ..errors import InputFileError

    scope = c.get("lif_scope", "all")
    if scope not in LIF_SCOPES:
        raise InputFileError(row.where("config"), f"unknown lif_scope {scope!r}", ", ".join(LIF_SCOPES))
    if scope == "all":
        return layers
    kept = [r for r in layers if not (r["name"] == "stem" or r["name"].startswith("stem."))]
    if not any(r["lif_neurons"] for r in layers if r not in kept):
        raise InputFileError(row.where("config"), f"lif_scope=blocks, but {row.model} has no stem LIF",
                             "lif_scope=all, or a model whose stem layers are named 'stem'")
    return kept


def compute(row) -> Fraction:
    """Exact value of a row's quantity in the row's unit (decimal MB or kB): Eq. 15's
    terms w_p N_w, u_p N_f, u_s N_f summed over the LIF layers of ``lif_scope``."""
    from ..units import convert
    from .registry import check_quantity, typed_config

    check_quantity(row, QUANTITIES)
    c = typed_config(row, _INT_KEYS, _TEXT_KEYS)
    report = _report(row, c)
    neurons = _neuron_layers(row, c, report.rows)
    bits = sum(report.totals[key] if key == "eq15_weight_bits" else sum(r[key] for r in neurons)
               for key in QUANTITIES[row.quantity])
    return convert(bits, row.unit)


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
    if c.get("lif_scope", "all") != "all":
        parts.append(LIF_SCOPES[c["lif_scope"]])
    return ", ".join(parts)
