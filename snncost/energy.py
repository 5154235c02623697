"""Energy: technology tables (data files) and named energy models.

A technology table is a YAML file (``snncost/data/tech/*.yaml``, or a user's file)
with ``name``, ``source``, ``unit: pJ``, ``ops`` (energy per operation, exact
decimals) and ``roles``: which ops price snncost's counts (``mac``, ``ac``,
``neuron_op``, ``exponent_add``; a list of op names whose energies add up), and
optionally ``memory`` (per-access energies).  Users register their own with
:func:`register_table` or pass a file path.

Energy models (each states its assumptions in the report):

``compute``     E_MAC x MACs executed + E_AC x ACs + E_neuron_op x neuron ops
                + E_exponent_add x exponent adds (multi-level spikes), priced by the table.
``yao2023``     seed 002 Table 2: E = 0.9 pJ x #Add + 4.6 pJ x #Mult, #Add = ACs + MACs
                executed, #Mult = MACs executed (the ANN rows have #Add = #Mult = MACs).
``spikformer``  Spikformer App. C.2: 4.6 pJ x MACs of the analog-fed (first) conv, counted T
                times, + 0.9 pJ x SOPs of every other layer (sums of spikes counted as SOPs).
``mlif``        seed 004: E_SNN = 4.6 pJ x MAC_1 (first layer once) + 0.9 pJ x sum r_l MAC_l,
                r_l summed over timesteps; delta = E_ANN / E_SNN with E_ANN = 4.6 pJ x MACs.
``memory``      ``compute`` plus memory accesses after Lemaire et al. 2022: one weight read per
                AC and per MAC executed, a membrane read and write per neuron update,
                a spike write per spike emitted and a spike read per spike consumed, each
                priced by the SRAM fit 1.09e-5 pJ x (memory size in bits) + 13.2 pJ of the
                memory it lives in (a shared membrane buffer is smaller, so cheaper).

The gain over the ANN of the same architecture (its dense MACs priced at the model's
E_MAC; ``yao2023``: 5.5 pJ per MAC, #Add = #Mult) is reported with every model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import ConfigError, InputFileError
from .units import exact_decimal

ROLES = ("mac", "ac", "neuron_op", "exponent_add")
DEFAULT_TABLE = "horowitz45"
MAX_TABLE_BYTES = 2**20


@dataclass(frozen=True)
class TechTable:
    """A technology table: exact energies in pJ."""

    name: str
    title: str
    source: str
    ops: dict
    roles: dict           # role -> exact pJ (sum of the listed ops)
    memory: dict = field(default_factory=dict)

    def price(self, role: str) -> Fraction:
        return self.roles[role]


_USER_TABLES: dict[str, TechTable] = {}


def _decimal(value, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputFileError(where, f"expected a number of pJ, got {type(value).__name__}", "a number such as \"0.9\"")
    try:
        number = exact_decimal(value if isinstance(value, str) else repr(value))
    except ValueError as exc:
        raise InputFileError(where, f"{str(value)[:40]!r} {exc}", "a number such as \"0.9\"") from None
    if number < 0:
        raise InputFileError(where, f"negative energy {value}", "a number >= 0")
    return number


def table_from_dict(data, origin: str) -> TechTable:
    """Check and build a table from parsed YAML (every problem names the field)."""
    if not isinstance(data, dict):
        raise InputFileError(origin, f"holds a {type(data).__name__}, not a mapping", "a YAML mapping with name, source, ops, roles")
    unknown = set(data) - {"name", "title", "source", "unit", "ops", "roles", "memory"}
    if unknown:
        raise InputFileError(f"{origin} field '{sorted(unknown)[0]}'", "unknown field",
                             "name, title, source, unit, ops, roles, memory")
    for key in ("name", "source"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise InputFileError(f"{origin} field '{key}'", "is missing or empty", "a non-empty text")
    if data.get("unit", "pJ") != "pJ":
        raise InputFileError(f"{origin} field 'unit'", f"unknown unit {data.get('unit')!r}", "pJ")
    ops = data.get("ops")
    if not isinstance(ops, dict) or not ops:
        raise InputFileError(f"{origin} field 'ops'", "is missing or not a mapping", "op name -> pJ per op")
    exact_ops = {str(k): _decimal(v, f"{origin} field 'ops.{k}'") for k, v in ops.items()}
    roles = data.get("roles")
    if not isinstance(roles, dict) or not {"mac", "ac"} <= set(roles):
        raise InputFileError(f"{origin} field 'roles'", "needs at least 'mac' and 'ac'",
                             "role -> list of op names, roles " + ", ".join(ROLES))
    priced: dict = {}
    for role, names in roles.items():
        where = f"{origin} field 'roles.{role}'"
        if role not in ROLES:
            raise InputFileError(where, "unknown role", ", ".join(ROLES))
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not names or any(n not in exact_ops for n in names):
            missing = [n for n in (names if isinstance(names, list) else []) if n not in exact_ops]
            raise InputFileError(where, f"names an op not in 'ops': {missing[0]!r}" if missing else "is not a list of op names",
                                 "names from 'ops': " + ", ".join(exact_ops))
        priced[role] = sum(exact_ops[n] for n in names)  # a non-empty list of Fractions: a Fraction
    priced.setdefault("neuron_op", priced["ac"])
    priced.setdefault("exponent_add", priced["ac"])
    memory = data.get("memory") or {}
    if not isinstance(memory, dict):
        raise InputFileError(f"{origin} field 'memory'", "is not a mapping", "level -> pJ per access")
    exact_memory = {str(k): _decimal(v, f"{origin} field 'memory.{k}'") for k, v in memory.items()}
    return TechTable(data["name"], str(data.get("title", data["name"])), " ".join(data["source"].split()),
                     exact_ops, priced, exact_memory)


def _read_yaml(text: str, origin: str):
    import yaml

    from .spec.loader import _safe_yaml

    try:
        return _safe_yaml(text)  # the spec loader's safe loading: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputFileError(origin, f"is not valid YAML{line}", "a YAML mapping (snncost/data/tech/horowitz45.yaml)") from None


@lru_cache(maxsize=None)
def builtin_tables() -> dict:
    """The tables shipped in snncost/data/tech/ (name -> TechTable)."""
    folder = resources.files("snncost").joinpath("data", "tech")
    tables = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            table = table_from_dict(_read_yaml(entry.read_text(encoding="utf-8"), f"table {entry.name}"),
                                    f"table {entry.name}")
            tables[table.name] = table
    return tables


def table_names() -> list[str]:
    return sorted({**builtin_tables(), **_USER_TABLES})


def register_table(source) -> TechTable:
    """Register a user table (a YAML path, or a dict) under its ``name``."""
    table = load_table(source) if not isinstance(source, dict) else table_from_dict(source, "table")
    _USER_TABLES[table.name] = table
    return table


def unregister_table(name: str) -> None:
    """Remove a user table registered with :func:`register_table`."""
    if name not in _USER_TABLES:
        raise ConfigError("technology table", f"no user table {name!r} is registered", ", ".join(_USER_TABLES) or "(none)")
    del _USER_TABLES[name]


def load_table(name) -> TechTable:
    """A table by name (built in or registered) or from a YAML file path."""
    if isinstance(name, TechTable):
        return name
    if isinstance(name, str) and name in _USER_TABLES:
        return _USER_TABLES[name]
    if isinstance(name, str) and name in builtin_tables():
        return builtin_tables()[name]
    path = Path(str(name))
    if path.suffix.lower() in (".yaml", ".yml"):
        from .spec.loader import read_data_file

        where = f"option --tech '{name}'"
        text = read_data_file(path, where, MAX_TABLE_BYTES, "a readable YAML file")
        return table_from_dict(_read_yaml(text, where), where)
    raise ConfigError("option --tech", f"unknown technology table {str(name)[:60]!r}",
                      ", ".join(table_names()) + ", or a .yaml table file")


# ---- models -------------------------------------------------------------------------

PJ = Fraction(1)
YAO_ADD, YAO_MULT = Fraction("0.9"), Fraction("4.6")
MODELS = {
    "compute": "E_MAC x MACs executed + E_AC x ACs + E_op x neuron ops + E_exp x exponent adds, priced by the table",
    "yao2023": "seed 002 Table 2: 0.9 pJ x #Add + 4.6 pJ x #Mult; #Add = ACs + MACs executed, #Mult = MACs executed",
    "spikformer": "Spikformer App. C.2: 4.6 pJ x analog-fed MACs (T times) + 0.9 pJ x SOPs (sums of spikes are SOPs)",
    "mlif": "seed 004: 4.6 pJ x first-layer MACs (once) + 0.9 pJ x sum of r_l MAC_l (r_l summed over timesteps)",
    "memory": "compute + memory accesses (Lemaire et al. 2022): weight reads, membrane reads/writes, spike reads/writes, "
              "each priced 1.09e-5 pJ x (memory bits) + 13.2 pJ",
}
FORCED_OPTIONS = {
    "spikformer": {"spike_sums": "paper", "analog_input": "T"},
    "mlif": {"spike_sums": "paper", "analog_input": "once"},
}
"""Op-count conventions an energy model fixes (the paper counted that way)."""


def check_energy_model(name) -> str:
    if name not in MODELS:
        raise ConfigError("option --energy", f"unknown energy model {str(name)[:40]!r}", ", ".join(MODELS))
    return name


@dataclass(frozen=True)
class EnergyResult:
    model: str
    table: str
    total_pj: Fraction
    breakdown: dict        # component -> pJ
    ann_pj: Fraction       # the ANN of the same architecture
    assumptions: tuple

    @property
    def gain(self) -> Fraction | None:
        return Fraction(self.ann_pj) / self.total_pj if self.total_pj else None  # int / int would be a float

    def as_dict(self) -> dict:
        from .report import json_number

        return {"model": self.model, "table": self.table, "energy_pj": json_number(self.total_pj),
                "breakdown_pj": {k: json_number(v) for k, v in self.breakdown.items()},
                "ann_energy_pj": json_number(self.ann_pj),
                "gain_over_ann": float(self.gain) if self.gain is not None else None,
                "assumptions": list(self.assumptions)}


def evaluate_energy(model: str, table_name, layers: list, ops: list, *, spike_bits) -> EnergyResult:
    """The energy of one analysed network: ``layers`` are its typed layer facts
    (:mod:`snncost.facts`), ``ops`` their op counts (:func:`snncost.opcount.count_ops`).

    Every op dict gets its ``energy_pj`` (the model's components, summed) and
    ``ann_energy_pj``; the total is the sum over nodes, so the per-layer column adds up to it."""
    check_energy_model(model)
    table = load_table(table_name or DEFAULT_TABLE)
    assumptions = [f"{model}: {MODELS[model]}"]
    if model == "yao2023":
        ann_price, table_label = YAO_ADD + YAO_MULT, "seed 002 Table 2"
        assumptions.append("constants fixed by the paper (0.9 / 4.6 pJ); the technology table is not used")
    elif model in ("spikformer", "mlif"):
        ann_price, table_label = YAO_MULT, "Horowitz 45 nm as the paper"
        assumptions.append("constants fixed by the paper (MAC 4.6 pJ, AC/SOP 0.9 pJ); neuron updates not counted")
    else:
        ann_price, table_label = table.price("mac"), table.name
        if model == "memory":
            assumptions.append("per-access energy 1.09e-5 pJ x (size of the memory in bits) + 13.2 pJ "
                               "(Lemaire et al. 2022 SRAM fit), per layer: weights, membrane buffer, spike map")
        assumptions.append(f"technology table {table.name}: {table.source}")
    buffers = {f.neuron.sharing_buffer: f.neuron.forward_bits for f in layers
               if f.neuron is not None and f.neuron.forward_bits}
    breakdown: dict = dict.fromkeys(_COMPONENTS[model], 0)
    ann = 0
    for f, op in zip(layers, ops):
        parts = _row_parts(model, table, op)
        if model == "memory":
            parts.update(_row_memory_parts(f, op, buffers, spike_bits))
        energy = 0
        for key, value in parts.items():
            if value:
                breakdown[key] += value
                energy += value
        op["energy_pj"] = _exact(energy)
        op["ann_energy_pj"] = _exact(ann_price * op["macs"])
        ann += op["ann_energy_pj"]
    return EnergyResult(model, table_label, _exact(sum(breakdown.values())),
                        {k: _exact(v) for k, v in breakdown.items()}, _exact(ann), tuple(assumptions))


_COMPUTE_PARTS = ("mac", "ac", "neuron", "exponent_add")
_COMPONENTS = {"yao2023": ("add", "mult"), "spikformer": ("mac", "ac"), "mlif": ("mac", "ac"),
               "compute": _COMPUTE_PARTS,
               "memory": _COMPUTE_PARTS + ("weight_reads", "membrane_reads_writes", "spike_reads_writes")}
"""The breakdown components of each energy model, in report order."""


def _exact(value):
    return int(value) if isinstance(value, Fraction) and value.denominator == 1 else value


def _row_parts(model: str, table: TechTable, op: dict) -> dict:
    """Compute-energy components of one node under ``model`` (pJ)."""
    macs, acs = op["snn_macs"], op["acs"]
    if model == "yao2023":
        counts = (("add", YAO_ADD, acs + macs), ("mult", YAO_MULT, macs))
    elif model in ("spikformer", "mlif"):
        counts = (("mac", YAO_MULT, macs), ("ac", YAO_ADD, acs))
    else:
        counts = (("mac", table.price("mac"), macs), ("ac", table.price("ac"), acs),
                  ("neuron", table.price("neuron_op"), op["neuron_ops"]),
                  ("exponent_add", table.price("exponent_add"), op["exponent_adds"]))
    return {name: price * count for name, price, count in counts if count}  # zero counts cost nothing


LEMAIRE_SLOPE, LEMAIRE_INTERCEPT = Fraction("0.0000109"), Fraction("13.2")


def sram_access_pj(size_bits) -> Fraction:
    """Lemaire et al. 2022: energy of one SRAM access = 1.09e-5 pJ x size in bits + 13.2 pJ."""
    return LEMAIRE_SLOPE * Fraction(size_bits) + LEMAIRE_INTERCEPT


def _row_memory_parts(f, op: dict, buffers: dict, spike_bits) -> dict:
    """Weight, membrane and spike access energies of one node (Lemaire et al. 2022): one
    weight read per AC and per MAC executed, a membrane read and a write per neuron update
    (in the node's sharing buffer), a spike read per spike consumed, a spike write per
    spike emitted, each priced by the size of the memory it lives in."""
    parts = {}
    if f.weight.bits:  # layers without weights (matmul of two activations) read none
        parts["weight_reads"] = (op["acs"] + op["snn_macs"]) * sram_access_pj(f.weight.bits)
    spikes = []  # (accesses, bits of the memory accessed)
    if op.get("spike_reads"):  # set where the input spikes drive ACs
        spikes.append((op["spike_reads"], op["spike_map_elements"] * spike_bits))
    if f.neuron is not None:
        n = f.neuron
        size = buffers[n.sharing_buffer]  # its sharing buffer's owner holds the size
        parts["membrane_reads_writes"] = 2 * op["neuron_updates"] * sram_access_pj(size)
        spikes.append((op["spikes_emitted"], n.neurons * spike_bits))
    parts["spike_reads_writes"] = sum(count * sram_access_pj(bits) for count, bits in spikes)
    return parts
