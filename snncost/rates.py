"""Spike rates: one global rate, or one per spiking node from a dict or a CSV/JSON file.

A rate is the mean number of spikes a neuron node emits per neuron, either per
timestep (``per-timestep``, in [0, 1]; seed 002 Eq. 13 divided by T) or summed over
the T timesteps (``summed``, in [0, T]; seed 004).  Keys are node names: every neuron
node (and ``input`` when the input is events) needs a rate, unless a default is given;
pass-through nodes of spikes (max-pool, flatten...) may be given one to override what
they inherit.  Rates are exact Fractions (a float is read through its decimal text).

Files: CSV with the header ``node,rate``; JSON an object ``{"node": rate, ...}``.
Nothing is evaluated: numbers are parsed as decimals.
"""
from __future__ import annotations

import csv
import io
import json
from math import isfinite
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from .errors import ConfigError, InputFileError
from .units import exact_decimal

MAX_RATES_BYTES = 10 * 2**20


def parse_rate(value, where: str, upper) -> Fraction:
    """One rate as an exact Fraction within [0, upper]."""
    if isinstance(value, bool):
        raise ConfigError(where, f"expected a number, got {value!r}", f"a number in [0, {upper}]")
    if isinstance(value, (int, Fraction)):
        rate = Fraction(value)
    elif isinstance(value, float):
        if not isfinite(value):
            raise ConfigError(where, f"{value} is not a finite number", f"a number in [0, {upper}]")
        rate = Fraction(repr(value))
    elif isinstance(value, str) and len(value) <= 40:
        try:
            rate = exact_decimal(value)
        except ValueError as exc:
            raise ConfigError(where, f"{value.strip()!r} {exc}", f"a number in [0, {upper}]") from None
    else:
        raise ConfigError(where, f"expected a number, got {type(value).__name__}", f"a number in [0, {upper}]")
    if not 0 <= rate <= upper:
        raise ConfigError(where, f"rate {float(rate):g} is out of range", f"a number in [0, {upper}]"
                          + (" (a rate per timestep; use --rate-mode summed for rates summed over timesteps)"
                             if upper == 1 else " (a rate summed over the T timesteps)"))
    return rate


def read_rates_file(path) -> dict:
    """{node: rate text or number} from a CSV (``node,rate``) or JSON file."""
    from .spec.loader import read_data_file

    path = Path(path)
    where = f"rates file '{path}'"
    text = read_data_file(path, where, MAX_RATES_BYTES, "a readable UTF-8 .csv or .json file")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputFileError(where, f"is not valid JSON ({exc.msg} at line {exc.lineno})",
                                 'a JSON object {"node": rate, ...}') from None
        if not isinstance(data, dict):
            raise InputFileError(where, f"holds a JSON {type(data).__name__}", 'a JSON object {"node": rate, ...}')
        return data
    if path.suffix.lower() != ".csv":
        raise InputFileError(where, f"unknown file type {path.suffix!r}", ".csv (header node,rate) or .json")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != ["node", "rate"]:
        raise InputFileError(where, f"header is {header!r}", "the header 'node,rate'")
    out: dict = {}
    for line, cells in enumerate(reader, start=2):
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != 2:
            raise InputFileError(f"{where} line {line}", f"{len(cells)} cells", "two cells: node,rate")
        name = cells[0].strip()
        if name in out:
            raise InputFileError(f"{where} line {line}", f"node {name!r} given twice", "one rate per node")
        out[name] = cells[1]
    return out


def resolve_rates(spec, rates, default, mode: str, timesteps, input_spikes: bool) -> tuple[dict, dict]:
    """({node: Fraction rate as given}, {node: 'given' | 'default' | 'global'}) for every
    spiking node of ``spec`` (and ``input`` for event input)."""
    from .kinds.registry import kind_of
    from .spec.network import INPUT_NAME

    upper = 1 if mode == "per-timestep" else timesteps
    required = [n.name for n in spec.order if kind_of(n).is_neuron] + ([INPUT_NAME] if input_spikes else [])
    optional = {n.name for n in spec.order if kind_of(n).rules.get("spikes") == "through"}
    if rates is not None and not isinstance(rates, (dict, str, Path)) or isinstance(rates, str) and _is_number(rates):
        rate = parse_rate(rates, "option --rates", upper)
        return {name: rate for name in required}, {name: "global" for name in required}
    given: dict = {}
    origin = "option --rates"
    if isinstance(rates, str) and Path(rates).suffix.lower() not in (".csv", ".json"):
        raise ConfigError("option --rates", f"{rates[:60]!r} is neither a number nor a .csv/.json rates file",
                          "a rate such as 0.15, or a .csv (header node,rate) / .json file keyed by node name")
    if isinstance(rates, (str, Path)):
        origin = f"rates file '{rates}'"
        given = read_rates_file(rates)
    elif isinstance(rates, dict):
        given = rates
    default_rate = parse_rate(default, "option --rate-default", upper) if default is not None else None
    out: dict = {}
    sources: dict = {}
    for name, value in given.items():
        if not isinstance(name, str) or name not in required and name not in optional:
            kind = spec.node_map[name].op if isinstance(name, str) and name in spec.node_map else None
            raise ConfigError(f"{origin} node {name!r}", f"model '{spec.name}' has no spiking node of that name"
                              + (f" ('{name}' is a {kind} node)" if kind else ""),
                              "a neuron node name" + (" or 'input'" if input_spikes else "") + " (snncost table lists them)")
        out[name] = parse_rate(value, f"{origin} node '{name}'", upper)
        sources[name] = "given"
    for name in required:
        if name not in out:
            if default_rate is None:
                raise ConfigError(f"{origin}", f"no rate for node '{name}'",
                                  "a rate for every neuron node, or a default (--rate-default / key 'default' in the API)")
            out[name] = default_rate
            sources[name] = "default"
    return out, sources


def _is_number(text: str) -> bool:
    try:
        Decimal(text.strip())
        return True
    except (InvalidOperation, ValueError):
        return False
