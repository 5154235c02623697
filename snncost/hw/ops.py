"""What the hardware model takes from the op counts and technology tables (issue #9):
each node kind's ``macs``, ``macs_unpadded``, ``spikes`` and ``neuron_model`` rules
(:mod:`snncost.kinds.registry`, :mod:`snncost.opcount`) and the Horowitz 45 nm table
(:mod:`snncost.energy`, ``snncost/data/tech/horowitz45.yaml``).

- :func:`dense_macs`: dense MACs of one pass, one timestep, one sample, padding
  positions included (0 for a kind without the rule);
- :func:`dense_macs_unpadded`: the same without zero-padding positions (NeuroBench's
  Dense count);
- :func:`spike_source`: the neuron site whose binary spikes feed a node through kinds
  that pass spikes on unchanged (``spikes: through``: max-pool, flatten, dropout,
  identity), or None when the node's input is analog or a sum of spikes;
- :func:`neuron_ops_per_update`: NeuroBench's op cost of one membrane update;
- :func:`energy_pj`: energy per action of the default Accelergy prices (:func:`.accelergy.default_ert`).
"""
from __future__ import annotations

from fractions import Fraction

from ..kinds import is_neuron, kind_of

TECH_TABLE = "horowitz45"


def dense_macs(node, input_shapes, output_shape) -> int:
    rule = kind_of(node).rules.get("macs")
    return rule(node, input_shapes, output_shape) if rule else 0


def dense_macs_unpadded(node, input_shapes, output_shape) -> int:
    rules = kind_of(node).rules
    rule = rules.get("macs_unpadded", rules.get("macs"))
    return rule(node, input_shapes, output_shape) if rule else 0


def spike_source(spec, name: str) -> str | None:
    edges = spec.edges
    sources = edges.get(name, ())
    while len(sources) == 1 and sources[0] in spec.node_map:
        node = spec.node_map[sources[0]]
        if is_neuron(node):
            return node.name
        if kind_of(node).rules.get("spikes") != "through":
            return None
        sources = edges.get(node.name, ())
    return None


def neuron_ops_per_update(node) -> int:
    from ..opcount import NEURON_MODELS

    return NEURON_MODELS[kind_of(node).rules.get("neuron_model", "leaky")]


def energy_pj() -> dict[str, Fraction]:
    """Energy per action (pJ) from the technology table: MAC, AC, 32-bit integer add,
    SRAM of 8 kB / 32 kB / 1 MB and DRAM per 64-bit access."""
    from ..energy import load_table

    table = load_table(TECH_TABLE)
    return {"mac": table.roles["mac"], "ac": table.roles["ac"], "add_int32": table.ops["int_add_32"],
            "sram_8kB_64bit": table.memory["sram_8KB"], "sram_32kB_64bit": table.memory["sram_32KB"],
            "sram_1MB_64bit": table.memory["sram_1MB"], "dram_64bit": table.memory["dram"]}
