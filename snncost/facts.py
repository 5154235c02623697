"""Typed per-layer facts: what an analysis knows about one node under one configuration.

:func:`layer_facts` computes them once per node (exact; symbolic-safe); the reported
quantities (:mod:`snncost.quantities`) read them.  Families: :class:`WeightFacts`
(weights at their precision, pruned storage: :mod:`snncost.pruning`) and
:class:`NeuronFacts` (LIF memory, EfficientLIF-Net Sec. 4 and 5.1: forward charged to
the first site of a sharing buffer; backward ``bptt`` T copies, ``reverse`` = forward).
"""
from __future__ import annotations

from math import prod
from typing import Any, Optional

from . import memory, precision, pruning
from .kinds import registry as kinds
from .kinds.registry import NodeKind
from .records import Record


class WeightFacts(Record):
    """A node's weights: precision, prunable elements, nonzeros, sparsity, and the bits
    of the whole node (prunable tensor in each format plus dense biases/batchnorm)."""

    precision_bits: Any
    elements: Any
    nonzeros: Any
    sparsity: Any
    storage: dict
    bits: Any


class NeuronFacts(Record):
    """A neuron site: neurons, state variables, bit widths, memory."""

    neurons: Any
    state_variables: int
    membrane_bits: Any
    spike_storage_bits: Any
    spike_bits_per_timestep: Any
    forward_bits: Any
    backward_bits: Any
    sharing_buffer: str


class LayerFacts(Record):
    """One node's facts; ``neuron`` is None for nodes that are not neuron sites."""

    node: Any
    kind: NodeKind
    input_shapes: list
    output_shape: tuple
    params: Any
    buffers: Any
    weight: WeightFacts
    neuron: Optional[NeuronFacts]
    ops: dict = {}  # op counts and energy, filled by snncost.opcount.count_ops


class TotalsContext(Record):
    """What a total rule may read besides the earlier totals."""

    config: Any
    facts: list
    buffers: list


def first(*values):
    """The first value that is not None (a node override, the node's field, the network's)."""
    for value in values:
        if value is not None:
            return value
    return None


def membrane_bits(node, config):
    """A neuron site's membrane bits: its --node override, else its node field, else the network's."""
    override = config.node_overrides.get(node.name, {})
    return first(override.get("membrane_bits"), memory.bits_value(node.membrane_bits), config.membrane_bits)


def weight_facts(node, ins, params, config) -> WeightFacts:
    """Weight memory of one node at its precision, in every storage format."""
    override = config.node_overrides.get(node.name, {})
    wbits = first(override.get("weight_bits"), memory.bits_value(getattr(node, "weight_bits", None)), config.weight_bits)
    dims = kinds.weight_dims(node, ins[0])  # every node has an input
    sparsity = override.get("sparsity", config.sparsity)
    storage = pruning.storage_bits(dims, wbits, sparsity, config.index_bits)
    elements = prod(dims) if dims else 0
    dense_rest = memory.weight_bits(params - elements, wbits)  # biases, batchnorm: stored dense
    formats = {f: memory.exact(storage[f] + dense_rest) for f in pruning.FORMATS}
    bits = formats[config.weight_format]  # "dense": every parameter at its precision
    return WeightFacts(wbits, elements, storage["nonzeros"], sparsity if dims else 0, formats, bits)


def neuron_facts(node, out, config, ubits, buffer_name: str, owned_buffer) -> NeuronFacts:
    """LIF facts of one neuron site."""
    B, T = config.batch, config.timesteps
    override = config.node_overrides.get(node.name, {})
    n = kinds.neurons(node, out)
    sv = kinds.state_variables(node)
    sbits = first(override.get("spike_bits"), memory.bits_value(node.spike_bits), config.spike_bits)
    per_neuron = precision.spike_storage_bits(node.lanes, sbits, config.spike_encoding)
    forward = memory.buffer_forward_bits(prod(owned_buffer.shape), sv, config.sharing.channel_groups, ubits, B,
                                         owned_buffer.windows) if owned_buffer else 0
    backward = memory.site_bptt_bits(n, sv, ubits, B, T) if config.training == "bptt" else forward
    return NeuronFacts(n, sv, ubits, per_neuron, memory.spike_bits(n, per_neuron, B), forward, backward, buffer_name)


def layer_facts(node, ins, out, config, membrane, buffer_of: dict, owner: dict) -> LayerFacts:
    kind = kinds.kind_of(node)
    params = kinds.parameters(node, ins)
    neuron = (neuron_facts(node, out, config, membrane[node.name], buffer_of[node.name], owner.get(node.name))
              if kind.is_neuron else None)
    return LayerFacts(node, kind, ins, out, params, kinds.buffers(node, ins), weight_facts(node, ins, params, config), neuron)
