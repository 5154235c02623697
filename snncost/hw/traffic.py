"""Memory traffic of SNN inference on the accelerator, per layer and tensor
(EfficientLIF-Net Sec. 4.4.1 and Fig. 9 bottom).

Processing order: the standard one of Sec. 4.4.1, every layer at one timestep, then
the next timestep, for a mini-batch of B samples.  Per mini-batch:

- ``weights``: every node's weights read from DRAM once per mini-batch (or once per
  timestep, :class:`~.accelerator.Accelerator` ``weight_reads``); a static node's once;
- ``input``: the network input (``input_bits`` per value) read by the nodes it feeds,
  T times (once for a static node under ``static_layers = store``);
- ``spikes``: each neuron site's spikes written every timestep and read by every node
  fed by them (through pools, flatten, dropout, identity), at the spike storage bits;
- ``membranes``: one write per *sharing buffer* per timestep and one read at every
  timestep but the first (the initial membrane is zero): with cross-layer sharing a
  group writes one membrane per timestep instead of one per layer (Sec. 4.4.1), with
  C<N> one channel group's (the buffer sizes of :mod:`snncost.sharing`);
- ``static_currents`` (``static_layers = store`` only): a static node's output
  (computed once, outside the time loop) feeding a neuron site is written once and
  read every timestep.

Synaptic currents, batchnorm and residual adds are fused into the PE and its LIF
unit: they cause no traffic.  A spike, membrane or static-current tensor of one layer
and timestep for the whole mini-batch stays in the on-chip global buffer when it fits
(``global_buffer_bits``), else it goes to DRAM.  An access moves one word of
``word_bits``; a transfer of ``bits`` takes ceil(bits / word_bits) accesses.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..kinds import is_neuron
from ..spec.network import INPUT_NAME

TENSORS = ("weights", "input", "spikes", "membranes", "static_currents")
LOCATIONS = ("dram", "on_chip")


@dataclass(frozen=True)
class Transfer:
    """One tensor of one layer: ``bits`` per transfer (one timestep, whole mini-batch),
    read ``reads`` and written ``writes`` times per mini-batch, at ``location``."""

    layer: str
    tensor: str
    bits: object
    reads: int
    writes: int
    location: str

    def accesses(self, word_bits: int) -> tuple[int, int]:
        """(read accesses, write accesses) per mini-batch."""
        words = -(-self.bits // word_bits) if self.bits else 0
        return words * self.reads, words * self.writes


def role(node, shapes: dict) -> dict:
    """The node kind's ``hardware`` rule (:mod:`snncost.kinds.registry`): ``compute`` (with
    its Timeloop ``problem``), ``passthrough``, or ``fused`` for a kind without the rule."""
    from ..kinds import kind_of

    rule = kind_of(node).rules.get("hardware")
    if rule is None:
        return {"role": "fused"}
    return rule(node, shapes[node.name]["inputs"], shapes[node.name]["output"])


def tensor_sources(spec, shapes: dict, name: str) -> list[str]:
    """What node ``name`` reads from memory: INPUT_NAME and/or neuron sites reached back
    through passthrough nodes (a fused current source yields nothing)."""
    found: list[str] = []
    stack = list(spec.edges.get(name, ()))
    while stack:
        src = stack.pop()
        if src == INPUT_NAME:
            found.append(INPUT_NAME)
            continue
        node = spec.node_map[src]
        if is_neuron(node):
            found.append(src)
        elif role(node, shapes)["role"] == "passthrough":
            stack.extend(spec.edges.get(src, ()))
    return sorted(set(found), key=found.index)


def transfers(spec, shapes: dict, rows: list[dict], input_shape, timesteps: int, batch: int, acc) -> list[Transfer]:
    """Every tensor transfer of one mini-batch of ``batch`` samples (``rows``:
    :func:`snncost.analysis.evaluate` rows of *one* sample: every per-sample tensor
    scales with the batch, the weights do not)."""
    from math import prod

    T, B = timesteps, batch
    by_name = {r["name"]: r for r in rows}
    input_values = prod(input_shape)
    out: list[Transfer] = []

    def place(layer, tensor, bits, reads, writes):
        where = "on_chip" if bits <= acc.global_buffer_bits else "dram"
        out.append(Transfer(layer, tensor, bits, reads, writes, where))

    for node in spec.order:
        row = by_name[node.name]
        steps = acc.steps(node, T)
        if row["weight_bits"]:
            loads = steps if acc.weight_reads == "timestep" else 1
            out.append(Transfer(node.name, "weights", row["weight_bits"], loads, 0, "dram"))
        if role(node, shapes)["role"] != "passthrough":
            for src in tensor_sources(spec, shapes, node.name):
                if src == INPUT_NAME:
                    place(node.name, "input", input_values * acc.input_bits * B, steps, 0)
                else:
                    s = by_name[src]
                    place(node.name, "spikes", s["lif_neurons"] * s["spike_storage_bits"] * B, steps, 0)
        if is_neuron(node):
            place(node.name, "spikes", row["lif_neurons"] * row["spike_storage_bits"] * B, 0, steps)
            if row["lif_forward_bits"]:
                place(node.name, "membranes", row["lif_forward_bits"] * B, steps - 1, steps)
            feeders = spec.edges.get(node.name, ())
            if acc.static_layers == "store" and not node.static and \
                    any(f != INPUT_NAME and spec.node_map[f].static for f in feeders):
                place(node.name, "static_currents", row["lif_neurons"] * row["state_variables"] * row["membrane_bits"] * B,
                      T, 1)
    return out


def summarize(items: list[Transfer], word_bits: int) -> dict:
    """Per tensor and location: read/write bits and accesses per mini-batch, with totals."""
    table = {t: {f"{loc}_{k}": 0 for loc in LOCATIONS for k in ("read_bits", "write_bits", "reads", "writes")}
             for t in TENSORS}
    for x in items:
        reads, writes = x.accesses(word_bits)
        cell = table[x.tensor]
        cell[f"{x.location}_read_bits"] += x.bits * x.reads
        cell[f"{x.location}_write_bits"] += x.bits * x.writes
        cell[f"{x.location}_reads"] += reads
        cell[f"{x.location}_writes"] += writes
    total = {k: sum(table[t][k] for t in TENSORS) for k in table[TENSORS[0]]}
    for cell in (*table.values(), total):
        for loc in LOCATIONS:
            cell[f"{loc}_accesses"] = cell[f"{loc}_reads"] + cell[f"{loc}_writes"]
            cell[f"{loc}_bits"] = cell[f"{loc}_read_bits"] + cell[f"{loc}_write_bits"]
    return {"by_tensor": table, "total": total}


def by_layer(items: list[Transfer], word_bits: int) -> dict:
    """Layer -> tensor -> read/write accesses per location (per mini-batch)."""
    out: dict = {}
    for x in items:
        reads, writes = x.accesses(word_bits)
        cell = out.setdefault(x.layer, {}).setdefault(
            x.tensor, {f"{loc}_{k}": 0 for loc in LOCATIONS for k in ("reads", "writes")})
        cell[f"{x.location}_reads"] += reads
        cell[f"{x.location}_writes"] += writes
    return out
