"""A network spec: an input, named nodes wired by name, and layer groupings.

A network is a graph of named nodes (as in NIR: nodes plus edges); each node names
its inputs, by default the node listed before it.  ``groupings`` declares named
cross-layer sharing groupings (EfficientLIF-Net Sec. 4.1): grouping name -> group
name -> member neuron nodes.
"""
from __future__ import annotations

import heapq
from functools import cached_property
from typing import Optional

from ..errors import SpecError
from ..kinds import get_kind, is_neuron, registry
from ..records import MAX_NODES, Bits, Groupings, InputShape, Nodes, PositiveInt, SpecName, SpecRecord, forget_model

__all__ = ["INPUT_NAME", "MAX_NODES", "InputSpec", "Precision", "NetworkSpec", "check_graph", "resolved_inputs",
           "topological_order"]

INPUT_NAME = "input"


class InputSpec(SpecRecord):
    """The network input: shape without batch or time, channels first."""

    shape: InputShape


class Precision(SpecRecord):
    """Default bit widths of a network (32-bit weights and membrane, 1-bit spikes)."""

    weight_bits: Bits = 32
    membrane_bits: Bits = 32
    spike_bits: Bits = 1


class NetworkSpec(SpecRecord):
    """A whole network: what ``snncost table`` analyses.

    ``timesteps`` and ``batch`` are defaults the CLI and :func:`snncost.analyze` may override.
    ``source`` cites where the architecture comes from (paper, table, code file).
    A record (:mod:`snncost.records`): :meth:`model_validate` (or
    :func:`snncost.spec.spec_from_dict`) validates plain data into one.
    """

    name: SpecName
    description: str = ""
    source: str = ""
    input: InputSpec
    timesteps: PositiveInt = 1
    batch: PositiveInt = 1
    precision: Precision = Precision
    nodes: Nodes
    groupings: Groupings = {}
    default_grouping: Optional[str] = None
    notes: list[str] = []

    @classmethod
    def model_validate(cls, data) -> "NetworkSpec":
        """Validate plain data (fields, then the graph: :func:`check_graph`)."""
        spec = super().model_validate(data)
        check_graph(spec)
        return spec

    @property
    def report_notes(self) -> tuple:
        """Notes every report of this spec repeats: what an import assumed (a NIR file's
        missing facts, :func:`snncost.from_nir`); empty for specs written by hand."""
        return self.__dict__.get("_report_notes", ())

    def with_report_notes(self, notes) -> "NetworkSpec":
        """A copy whose reports repeat ``notes`` (also kept in ``notes``)."""
        spec = self.replace(notes=list(notes))
        spec.__dict__["_report_notes"] = tuple(notes)
        return spec

    # ---- the graph -------------------------------------------------------
    @cached_property
    def node_map(self) -> dict:
        return {node.name: node for node in self.nodes}

    @cached_property
    def edges(self) -> dict[str, tuple[str, ...]]:
        """Resolved inputs of every node (default: the node listed before it)."""
        return resolved_inputs(self.nodes)

    @cached_property
    def order(self) -> tuple:
        """Nodes in a topological order (listing order wherever the graph allows)."""
        return tuple(self.node_map[name] for name in topological_order(self.nodes, self.edges))

    @cached_property
    def neuron_nodes(self) -> tuple:
        return tuple(node for node in self.order if is_neuron(node))

    def grouping_names(self) -> list[str]:
        names = list(self.groupings)
        if any(getattr(n, "layer_group", None) for n in self.nodes):
            names.insert(0, "node-fields")
        return names


def resolved_inputs(nodes) -> dict[str, tuple[str, ...]]:
    edges: dict[str, tuple[str, ...]] = {}
    previous = INPUT_NAME
    for node in nodes:
        edges[node.name] = tuple(node.inputs) if node.inputs is not None else (previous,)
        previous = node.name
    return edges


def topological_order(nodes, edges) -> list[str]:
    """Kahn's algorithm, taking nodes in listing order when several are ready.

    A heap of listing indices keeps it O(E log N), so large specs do not hang.
    """
    names = [n.name for n in nodes]
    index = {name: i for i, name in enumerate(names)}
    waiting = {name: len(set(edges[name]) - {INPUT_NAME}) for name in names}
    consumers: dict[str, list[str]] = {}
    for name in names:
        for source in set(edges[name]) - {INPUT_NAME}:
            consumers.setdefault(source, []).append(name)
    ready = [index[name] for name in names if not waiting[name]]
    heapq.heapify(ready)
    done: list[str] = []
    while ready:
        name = names[heapq.heappop(ready)]
        done.append(name)
        for consumer in consumers.get(name, ()):
            waiting[consumer] -= 1
            if not waiting[consumer]:
                heapq.heappush(ready, index[consumer])
    if len(done) < len(names):
        finished = set(done)
        cycle = sorted(name for name in names if name not in finished)
        shown = ", ".join(cycle[:10]) + (f" and {len(cycle) - 10} more" if len(cycle) > 10 else "")
        raise SpecError(
            "spec graph", f"nodes {shown} form a cycle through their 'inputs' (or depend on one)",
            "a feed-forward graph: each node's inputs must not depend on the node itself")
    return done


def check_graph(spec: NetworkSpec) -> None:
    """Names unique, inputs exist, arity right, no cycles, groupings well formed."""
    seen: set[str] = set()
    for node in spec.nodes:
        if node.name == INPUT_NAME:
            raise SpecError(f"node '{node.name}' field 'name'", f"'{INPUT_NAME}' is reserved for the network input",
                            "any other name")
        if node.name in seen:
            raise SpecError(f"node '{node.name}' field 'name'", "duplicate node name", "unique names")
        seen.add(node.name)
    edges = resolved_inputs(spec.nodes)
    for node in spec.nodes:
        inputs = edges[node.name]
        for source in inputs:
            if source != INPUT_NAME and source not in seen:
                raise SpecError(f"node '{node.name}' field 'inputs'", f"unknown node '{source}'",
                                f"'{INPUT_NAME}' or one of the spec's node names")
        if len(set(inputs)) != len(inputs):
            raise SpecError(f"node '{node.name}' field 'inputs'", "a node is listed twice", "distinct input names")
        low, high = get_kind(node.op).inputs
        if high is None and len(inputs) < low:
            raise SpecError(f"node '{node.name}' field 'inputs'", f"'{node.op}' needs at least {low} inputs, got {len(inputs)}",
                            f"a list of {low} or more node names")
        if high is not None and not low <= len(inputs) <= high:
            count = f"exactly {low}" if low == high else f"{low} to {high}"
            raise SpecError(f"node '{node.name}' field 'inputs'", f"'{node.op}' takes {count} input{'s' * (high != 1)}, "
                            f"got {len(inputs)}", "a list of one node name" if high == 1 else f"a list of {count} node names")
    topological_order(spec.nodes, edges)
    neurons = {n.name for n in spec.nodes if is_neuron(n)}
    for grouping, groups in spec.groupings.items():
        if grouping in ("none", "auto", "node-fields"):
            raise SpecError(f"groupings '{grouping}'", "this grouping name is built in", "another name")
        member_of: dict[str, str] = {}
        for group, members in groups.items():
            if not members:
                raise SpecError(f"groupings '{grouping}' group '{group}'", "empty group", "one or more neuron node names")
            for member in members:
                if member not in neurons:
                    raise SpecError(f"groupings '{grouping}' group '{group}'", f"'{member}' is not a neuron node",
                                    f"names of {'/'.join(k.name for k in registry.kinds() if k.is_neuron)} nodes")
                if member in member_of:
                    raise SpecError(f"groupings '{grouping}' group '{group}'",
                                    f"'{member}' is already in group '{member_of[member]}'",
                                    "each neuron node in at most one group per grouping")
                member_of[member] = group
    if spec.default_grouping is not None:
        valid = ["none", "auto"] + spec.grouping_names()
        if spec.default_grouping not in valid:
            raise SpecError("field 'default_grouping'", f"unknown grouping '{spec.default_grouping}'", ", ".join(valid))


def _forget_network_model() -> None:
    """After a kind is registered, ``nodes`` validates against the new kinds."""
    forget_model(NetworkSpec)


registry.on_change(_forget_network_model)
