"""The options of an analysis, and the one parser of each kind of option value.

:class:`AnalysisOptions` lists every option :func:`snncost.analyze`, the CLI,
:func:`snncost.formula` and :func:`snncost.sweep` take (name and default, once);
:func:`snncost.analysis.make_config` checks them against a spec.  Values are parsed
here: positive integers and input sizes (API values and command-line text alike); bit
widths by :func:`snncost.precision.exact_bits` (one limit, ``MAX_BITS``); sharing by
:func:`snncost.sharing.parse_sharing`.  A plain record (:mod:`snncost.records`), not a
pydantic model, so a cold ``snncost table`` pays nothing for it.
"""
from __future__ import annotations

from typing import Any, Optional

from .errors import ConfigError
from .records import Record

MAX_OPTION_INT = 10**18
"""Largest integer a command-line option takes (batch, timesteps, input sizes): results
stay exact and printable; larger values are refused (docs/errors.md, "huge values")."""


class AnalysisOptions(Record):
    """Every analysis option with its default (None: the spec's value)."""

    input: Any = None
    timesteps: Any = None
    batch: Any = None
    sharing: Any = "none"
    layer_groups: Optional[str] = None
    training: Optional[str] = None
    weight_bits: Any = None
    membrane_bits: Any = None
    spike_bits: Any = None
    ternary_convention: str = "imsnn"
    masked_convention: str = "halved"
    spike_encoding: str = "one-hot"
    sparsity: Any = None
    weight_format: str = "dense"
    index_bits: Any = None
    node_overrides: Optional[dict] = None
    eq15_weights: str = "conv"
    # op counts and energy (snncost.opcount, snncost.energy; checked by opcount.make_ops_config)
    rates: Any = None
    rate_default: Any = None
    rate_mode: str = "per-timestep"
    spike_sums: Optional[str] = None
    analog_input: Optional[str] = None
    padding: str = "included"
    extra_ops: Any = None
    input_spikes: bool = False
    neuron_model: Optional[str] = None
    shortcut_quirk: bool = False
    energy_model: Optional[str] = None
    tech: Any = None


OPTION_DEFAULTS: dict = dict(AnalysisOptions.fields)
PRECISION_OPTIONS = ("ternary_convention", "masked_convention", "spike_encoding", "sparsity", "weight_format",
                     "index_bits", "node_overrides", "eq15_weights")
"""The precision and pruning options (docs/precision.md)."""
OP_OPTIONS = ("rates", "rate_default", "rate_mode", "spike_sums", "analog_input", "padding", "extra_ops",
              "input_spikes", "neuron_model", "shortcut_quirk", "energy_model", "tech")
"""The op-count and energy options (README "Operations and energy", snncost.opcount)."""


def positive_int(value, where: str, valid: str = "a positive integer", maximum: Optional[int] = None):
    """A positive integer given as an int or as text (None passes; sympy symbols pass)."""
    if value is None:
        return None
    if hasattr(value, "free_symbols"):  # a sympy expression, from snncost.formula
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            number = int(text) if len(text) <= 40 else None
        except ValueError:
            number = None
        if number is None:
            raise ConfigError(where, f"{value[:40]!r} is not an integer", valid)
        value = number
    elif isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(where, f"expected an integer, got {value!r}", valid)
    if value < 1:
        raise ConfigError(where, f"{value} is not positive", valid)
    if maximum is not None and value > maximum:
        raise ConfigError(where, f"{value} is too large", valid)
    return value


def input_sizes(text: str, where: str = "option --input", maximum: Optional[int] = None) -> tuple:
    """``'224'`` -> (224,); ``'224x160'`` -> (224, 160)."""
    valid = "a positive integer like 224, or HxW like 224x160" + (", sizes up to 10^18" if maximum else "")
    try:
        return tuple(positive_int(p, where, valid, maximum) for p in text.lower().replace("×", "x").split("x"))
    except ConfigError as exc:
        raise ConfigError(where, f"cannot use size {text[:40]!r}: {exc.problem}", valid) from None
