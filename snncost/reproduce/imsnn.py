"""IM-SNN (Hasssan, Meng, Anupreetham, Seo; seed 003): the memory columns of Tables III,
V, VI and VII, MINT rows included.  Registry: tables/imsnn.csv; models: model_zoo/imsnn.py.

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


def _where(row, column: str) -> str:
    return f"registry tables/{REGISTRY} line {row.line} (id '{row.id}') column '{column}'"


def _config(row) -> dict:
    from ..errors import InputFileError

    unknown = [k for k in row.config if k not in CONFIG_KEYS]
    if unknown:
        raise InputFileError(_where(row, "config"), f"unknown key {unknown[0]!r}", ", ".join(CONFIG_KEYS))
    config = {}
    for key, value in row.config.items():
        if key in _INT_KEYS:
            if not value.isdigit() or int(value) < 1:
                raise InputFileError(_where(row, "config"), f"{key}={value!r} is not a positive integer", "a positive integer")
            config[key] = int(value)
        else:
            config[key] = value
    return config


def analysis_config(row):
    """(spec, AnalysisConfig) of a registry row."""
    from ..analysis import make_config
    from ..zoo import load

    c = _config(row)
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
    from ..errors import InputFileError
    from ..units import convert

    if row.quantity not in QUANTITIES:
        raise InputFileError(_where(row, "quantity"), f"unknown quantity {row.quantity!r}", ", ".join(QUANTITIES))
    spec, config = analysis_config(row)
    _, totals = evaluate(spec, config)
    return convert(totals[QUANTITIES[row.quantity]], row.unit)


def describe(row) -> str:
    """``'imsnn-resnet19, W 4 b (conv), U ternary (imsnn), S 1 b'``."""
    if row.model is None:
        return f"= {row.parent}"
    c = row.config
    parts = [row.model]
    if "input" in c:
        parts.append(f"{c['input']}x{c['input']}" + (f"x{c['in_channels']}ch" if "in_channels" in c else ""))
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


UNMODELLED = "imsnn_unmodelled.csv"
"""Published figures of Tables V-VII that belong to prior works whose networks IM-SNN
does not define (ResNet-18, VGG-11, VGG-13, Spikformer, non-spiking detectors...).
The registry format needs a model or a parent derivation per row, so these figures
are listed here with the reason they are not modelled, and checked by
tests/test_imsnn.py (every Total claimed to be W + 2 U is recomputed)."""


def unmodelled() -> list[dict]:
    """The rows of tables/imsnn_unmodelled.csv (table, row, quantity, published, unit, reason)."""
    import csv
    import io
    from importlib import resources

    text = resources.files("snncost.tables").joinpath(UNMODELLED).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))
