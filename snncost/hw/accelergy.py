"""Accelergy (Wu, Emer, Sze, ICCAD 2019; accelergy.mit.edu) action counts and energy
reference tables (ERT), as plain YAML: the tool is not on PyPI.

- :func:`action_counts_yaml`: the counts of :mod:`.model` (per mini-batch) in
  Accelergy's ``action_counts`` format, one entry per component
  (``system.snn_accelerator.<component>``) with its actions.
- :func:`architecture_yaml`: a starting architecture naming the same components
  (classes of Accelergy's primitive library; attributes from the accelerator
  parameters) -- edit it for your design.
- :func:`read_ert` reads an ERT (``ERT: {version, tables: [{name, actions: [{name,
  energy}]}]}``, Accelergy's output, pJ per action) and :func:`price` prices the
  counts with it.  :func:`default_ert` is the technology table of :mod:`snncost.energy` (Horowitz
  45 nm) in that format.
"""
from __future__ import annotations

from fractions import Fraction

from ..errors import InputFileError
from ..report import json_number

PREFIX = "system.snn_accelerator"
VERSION = "0.4"

#: component -> (Accelergy primitive class, what one action is)
COMPONENTS = {
    "dram": ("DRAM", "one word_bits access"),
    "global_buffer": ("SRAM", "one word_bits access (spikes, membranes, static currents that fit on chip)"),
    "weight_buffer": ("SRAM", "read: one weight per synaptic op; write: one weight loaded"),
    "spike_buffer": ("SRAM", "one spike (bit) read or written"),
    "membrane_buffer": ("regfile", "one membrane read or written by a LIF unit"),
    "lif_unit": ("intadder", "update: one membrane update; fire: one spike emitted"),
    "adder": ("intadder", "one accumulate (AC) of a spike-fed layer"),
    "mac_unit": ("intmac", "one multiply-accumulate of an analog-fed layer"),
}

#: component -> action -> energy key of :func:`.ops.energy_pj` (Horowitz 45 nm table)
DEFAULT_PRICES = {
    "dram": {"read": "dram_64bit", "write": "dram_64bit"},
    "global_buffer": {"read": "sram_1MB_64bit", "write": "sram_1MB_64bit"},
    "weight_buffer": {"read": "sram_32kB_64bit", "write": "sram_32kB_64bit"},
    "spike_buffer": {"read": "sram_8kB_64bit", "write": "sram_8kB_64bit"},
    "membrane_buffer": {"read": "add_int32", "write": "add_int32"},
    "lif_unit": {"update": "ac", "fire": "add_int32"},
    "adder": {"compute": "ac"},
    "mac_unit": {"compute": "mac"},
}


def action_counts(actions: dict) -> dict:
    """The Accelergy ``action_counts`` document (a dict) of ``actions``."""
    return {"action_counts": {"version": VERSION, "local": [
        {"name": f"{PREFIX}.{component}",
         "action_counts": [{"name": action, "counts": json_number(count)} for action, count in acts.items()]}
        for component, acts in actions.items()]}}


def architecture(report) -> dict:
    """A starting Accelergy architecture with the components of the action counts."""
    acc = report.accelerator
    c = report.config
    attributes = {
        "dram": {"type": "LPDDR4", "width": acc.word_bits, "datawidth": acc.word_bits},
        "global_buffer": {"depth": max(1, acc.global_buffer_bits // acc.word_bits), "width": acc.word_bits,
                          "datawidth": acc.word_bits},
        "weight_buffer": {"width": acc.word_bits, "datawidth": json_number(c.weight_bits)},
        "spike_buffer": {"width": acc.word_bits, "datawidth": 1},
        "membrane_buffer": {"depth": report.lif["lif_units"] * acc.membrane_registers_per_lif_unit,
                            "width": json_number(c.membrane_bits), "datawidth": json_number(c.membrane_bits)},
        "lif_unit": {"datawidth": json_number(c.membrane_bits), "instances": report.lif["lif_units"]},
        "adder": {"datawidth": json_number(c.membrane_bits), "instances": acc.pe},
        "mac_unit": {"datawidth": json_number(c.membrane_bits), "instances": acc.pe},
    }
    local = [{"name": name, "class": COMPONENTS[name][0], "attributes": attributes[name]} for name in COMPONENTS]
    return {"architecture": {"version": VERSION, "subtree": [{"name": "system", "subtree": [
        {"name": "snn_accelerator", "attributes": {"technology": "45nm"}, "local": local}]}]}}


def default_ert() -> dict:
    """The Horowitz 45 nm technology table (:mod:`snncost.energy`) as an Accelergy ERT document."""
    from .ops import energy_pj

    prices = energy_pj()

    return {"ERT": {"version": VERSION, "tables": [
        {"name": f"{PREFIX}.{component}",
         "actions": [{"name": action, "energy": json_number(prices[key])} for action, key in acts.items()]}
        for component, acts in DEFAULT_PRICES.items()]}}


def read_ert(text: str, source: str = "ERT") -> dict:
    """Component (last name part) -> action -> pJ (exact decimal Fraction) from an
    Accelergy ERT YAML text (safe loading only)."""
    from ..spec.loader import parse_text

    doc = parse_text(text, ".yaml", source)
    valid = "ERT: {version, tables: [{name, actions: [{name, energy}]}]} (energy in pJ per action)"
    if not isinstance(doc, dict) or not isinstance(doc.get("ERT"), dict) or not isinstance(doc["ERT"].get("tables"), list):
        raise InputFileError(source, "no 'ERT: tables' list", valid)
    table: dict = {}
    for i, entry in enumerate(doc["ERT"]["tables"]):
        where = f"{source} ERT.tables[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not isinstance(entry.get("actions"), list):
            raise InputFileError(where, "needs a 'name' and an 'actions' list", valid)
        component = entry["name"].rsplit(".", 1)[-1]
        for j, action in enumerate(entry["actions"]):
            energy = action.get("energy") if isinstance(action, dict) else None
            if isinstance(action, dict) and energy is None and isinstance(action.get("arguments"), list):
                variants = action["arguments"]
                if len(variants) != 1 or not isinstance(variants[0], dict):
                    raise InputFileError(f"{where}.actions[{j}]", "several argument variants; snncost prices actions "
                                         "without arguments", "one energy per action")
                energy = variants[0].get("energy")
            if not isinstance(action, dict) or not isinstance(action.get("name"), str) \
                    or isinstance(energy, bool) or not isinstance(energy, (int, float)) or energy < 0:
                raise InputFileError(f"{where}.actions[{j}]", "needs a 'name' and a non-negative number 'energy'", valid)
            table.setdefault(component, {})[action["name"]] = Fraction(repr(energy)) if isinstance(energy, float) \
                else Fraction(energy)
    return table


MAX_ERT_BYTES = 2**20


def load_ert(path: str, where: str = "option --ert") -> dict:
    """:func:`read_ert` of a file (at most 1 MiB, UTF-8)."""
    from pathlib import Path

    file = Path(path)
    valid = "a readable Accelergy ERT YAML file"
    try:
        if "\0" in str(path) or file.is_dir():
            raise InputFileError(f"{where} '{path}'", "is not a file", valid)
        if file.stat().st_size > MAX_ERT_BYTES:
            raise InputFileError(f"{where} '{path}'", f"is larger than {MAX_ERT_BYTES} bytes", valid)
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"{where} '{path}'", "does not exist", valid) from None
    except UnicodeDecodeError:
        raise InputFileError(f"{where} '{path}'", "is not UTF-8 text", valid) from None
    except OSError as exc:
        raise InputFileError(f"{where} '{path}'", f"cannot be read ({exc.strerror})", valid) from None
    return read_ert(text, f"{where} '{path}'")


def price(actions: dict, ert: dict) -> dict:
    """Energy (pJ, exact) of each component's actions under ``ert``; counts without a
    price are listed in ``unpriced``."""
    breakdown: dict = {}
    unpriced = []
    for component, acts in actions.items():
        for action, count in acts.items():
            energy = ert.get(component, {}).get(action)
            if energy is None:
                if count:
                    unpriced.append(f"{component}.{action}")
                continue
            breakdown.setdefault(component, {})[action] = Fraction(count) * energy
    total = sum(sum(v.values()) for v in breakdown.values())
    return {"energy_pj": breakdown, "total_pj": total, "unpriced": unpriced}
