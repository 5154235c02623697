"""EfficientLIF-Net (Kim, Li, Moitra, Yin, Panda, Front. Neurosci. 2023): the LIF
memory of Table 1 (VGG16, ResNet19; five datasets; Baseline, L, C#2, L+C#2; forward
and backward), Table 2 (ResNet19 C#2/4/8) and the text figures of Sec. 5.2 and the
abstract.  Registry: tables/efficientlif.csv; models: model_zoo/efficientlif.py.

What a row is computed on (Sec. 5.2 and Table 1's caption):

- forward LIF memory = 32-bit membrane of every sharing buffer (memory model,
  :mod:`snncost.memory`; sharing buffers, :mod:`snncost.sharing`, Eq. 4-14);
- Baseline backward = standard BPTT, T x every LIF site's membrane ("stores membrane
  potential across entire timesteps");
- shared rows' backward = forward (reverse recomputation, Eq. 18-19, soft reset);
- the tables print "MB" and mean MiB (2^20 bytes): the registry's ``unit`` is MiB and
  ``printed_unit`` MB.
"""
from __future__ import annotations

from fractions import Fraction

NAME = "efficientlif"
TITLE = ("EfficientLIF-Net (Kim et al., Front. Neurosci. 2023): LIF memory, Table 1, Table 2 "
         "and the text figures")
REGISTRY = "efficientlif.csv"
UNITS = ("MiB", "x")

#: quantity -> the analysis totals it needs
QUANTITIES = {
    "LIF forward memory": ("lif_forward_bits",),
    "LIF backward memory": ("lif_backward_bits",),
    "LIF memory (forward = backward)": ("lif_forward_bits", "lif_backward_bits"),
}
_INT_KEYS = ("input", "in_channels", "num_classes", "timesteps", "membrane_bits", "batch")
_TEXT_KEYS = ("sharing", "grouping", "training")
CONFIG_KEYS = _INT_KEYS + _TEXT_KEYS


def _config(row) -> dict:
    from ..errors import InputFileError

    where = f"registry tables/{REGISTRY} line {row.line} (id '{row.id}') column 'config'"
    unknown = [k for k in row.config if k not in CONFIG_KEYS]
    if unknown:
        raise InputFileError(where, f"unknown key {unknown[0]!r}", ", ".join(CONFIG_KEYS))
    config = {}
    for key, value in row.config.items():
        if key in _INT_KEYS:
            if not value.isdigit() or int(value) < 1:
                raise InputFileError(where, f"{key}={value!r} is not a positive integer", "a positive integer")
            config[key] = int(value)
        else:
            config[key] = value
    return config


def compute(row) -> Fraction:
    """Exact LIF memory of a Table 1/2 row in the row's unit (MiB)."""
    from ..analysis import evaluate, make_config
    from ..errors import InputFileError
    from ..units import convert
    from ..zoo import load
    from .runner import NotReproduced

    if row.quantity not in QUANTITIES:
        raise InputFileError(f"registry tables/{REGISTRY} line {row.line} (id '{row.id}') column 'quantity'",
                             f"unknown quantity {row.quantity!r}", ", ".join(QUANTITIES))
    c = _config(row)
    build = {k: c[k] for k in ("num_classes", "in_channels") if k in c}
    spec = load(row.model, **build)
    config = make_config(spec, input=c.get("input"), timesteps=c.get("timesteps"), batch=c.get("batch"),
                         sharing=c.get("sharing", "none"), layer_groups=c.get("grouping"),
                         training=c.get("training"), membrane_bits=c.get("membrane_bits"))
    _, totals = evaluate(spec, config)
    values = [convert(totals[key], row.unit) for key in QUANTITIES[row.quantity]]
    if len(set(values)) > 1:
        raise NotReproduced(f"forward {values[0]} and backward {values[1]} {row.unit} differ, "
                            "but the table prints one figure for both")
    return values[0]


def describe(row) -> str:
    """``'resnet19, 224x224, T=5, L+C2, grouping table1, reverse'``."""
    if row.model is None:
        return f"= {row.parent}"
    c = row.config
    parts = [row.model]
    if "input" in c:
        parts.append(f"{c['input']}x{c['input']}" + (f"x{c['in_channels']}ch" if c.get("in_channels", "3") != "3" else ""))
    if "timesteps" in c:
        parts.append(f"T={c['timesteps']}")
    parts.append(c.get("sharing", "none"))
    if "grouping" in c:
        parts.append(f"grouping {c['grouping']}")
    if "training" in c:
        parts.append(c["training"])
    if c.get("membrane_bits", "32") != "32":
        parts.append(f"{c['membrane_bits']}-bit membrane")
    return ", ".join(parts)
