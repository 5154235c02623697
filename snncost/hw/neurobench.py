"""NeuroBench-named metrics (Yik et al., NeuroBench; PyPI ``neurobench``, domain notes
sections 6 and 8), computed analytically so that snncost's counts line up with that
benchmark's names and definitions:

- ``footprint``: bytes of parameters and buffers (batchnorm running statistics), at
  the weight precision (NeuroBench: ``numel x element_size`` of each);
- ``connection_sparsity``: zero weights / weights of conv and linear layers (biases
  excluded);
- ``synaptic_operations``: per sample, summed over timesteps, conv and linear layers
  only: ``Dense`` = the layer run on all-ones input and weights, bias suppressed, so
  zero-padding positions do *not* count (unlike the papers' dense MACs);
  ``Effective_ACs`` (layers whose input is binary spikes) and ``Effective_MACs`` (the
  others) = Dense x input density x weight density (zeros cost nothing);
- ``membrane_updates``: neurons x timesteps per sample (every neuron updated every
  timestep; sharing changes memory, not updates);
- ``neuron_operations``: membrane updates x NeuroBench's per-update op cost of the
  kind's neuron model (its ``neuron_model`` rule; snntorch Leaky 4, Synaptic 6).

NeuroBench measures a forward pass on data; here densities are the spike rates reaching
each layer (``--rates``, else ``spike_rate``; expected values, exact Fractions).
"""
from __future__ import annotations

from fractions import Fraction

from .ops import neuron_ops_per_update

NAMES = ("footprint", "connection_sparsity", "synaptic_operations", "membrane_updates", "neuron_operations")


def metrics(spec, rows, layers, config) -> dict:
    """The NeuroBench-named metrics of one network (per sample; see the module docstring)."""
    T = config.timesteps
    by_row = {r["name"]: r for r in rows}
    weight_bits = config.weight_bits
    footprint_bits = sum(r["weight_bits"] for r in rows) + sum(r["buffers"] for r in rows) * weight_bits
    elements = sum(r["weight_elements"] for r in rows if r["kind"] in ("conv2d", "conv1d", "linear"))
    nonzeros = sum(r["weight_nonzeros"] for r in rows if r["kind"] in ("conv2d", "conv1d", "linear"))
    dense = eff_acs = eff_macs = 0
    for x in layers:
        if not x["dense_macs"] or not by_row[x["name"]]["weight_elements"]:
            continue  # NeuroBench counts layers with weights only (no activation-activation products)
        steps = 1 if x["static"] else T
        r = by_row[x["name"]]
        weight_density = Fraction(r["weight_nonzeros"], r["weight_elements"]) if r["weight_elements"] else 1
        layer_dense = x["dense_macs_unpadded"] * steps
        dense += layer_dense
        effective = layer_dense * x["input_density"] * weight_density
        if x["spike_source"]:
            eff_acs += effective
        else:
            eff_macs += effective
    updates = ops = 0
    for node in spec.neuron_nodes:
        n = by_row[node.name]["lif_neurons"] * (1 if node.static else T)
        updates += n
        ops += n * neuron_ops_per_update(node)
    return {
        "footprint": Fraction(footprint_bits, 8),
        "connection_sparsity": Fraction(elements - nonzeros, elements) if elements else Fraction(0),
        "synaptic_operations": {"Effective_MACs": eff_macs, "Effective_ACs": eff_acs, "Dense": dense},
        "membrane_updates": updates,
        "neuron_operations": ops,
    }
