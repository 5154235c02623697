"""PROVISIONAL stand-in for issue #9's op counts and technology tables.

# PROVISIONAL (issue #12): replaced by issue #9's functions when that branch lands.
#
# The hardware model needs exactly four things from the op-count issue, and only
# through this module:
#
#   dense_macs(node, in_shape, out_shape)           dense MACs, one pass, one timestep,
#                                                   one sample (padding positions included)
#   dense_macs_unpadded(node, in_shape, out_shape)  the same without zero-padding
#                                                   positions (NeuroBench's Dense)
#   spike_source(spec, name)                        the neuron site whose spikes feed a node
#                                                   (through maxpool/flatten/dropout/identity),
#                                                   or None when the node is not spike-fed
#   neuron_ops_per_update(node)                     NeuroBench's op cost of one membrane update
#   ENERGY_PJ                                       energy per action, pJ (Horowitz 45 nm)
#
# When issue #9 lands, these names are re-exported from its modules and the bodies
# below are deleted.

Counts are exact ints derived from shapes (PyTorch's conv arithmetic, as
:mod:`snncost.shapes`).
"""
from __future__ import annotations

from fractions import Fraction
from math import prod

#: node kinds through which spikes stay binary (NeuroBench: ACs only when every input
#: value is in {-1, 0, 1}; an avgpool or sum of spikes is not binary)
BINARY_PASSTHROUGH = ("maxpool2d", "maxpool1d", "flatten", "dropout", "identity")

#: Horowitz, ISSCC 2014, 45 nm, 0.9 V (domain notes section 5); memory per 64-bit access
ENERGY_PJ = {
    "mac_fp32": Fraction("4.6"),   # 3.7 (mult) + 0.9 (add), the SNN papers' MAC
    "ac_fp32": Fraction("0.9"),    # one FP32 add
    "add_int32": Fraction("0.1"),
    "sram_8kB_64bit": Fraction(10),
    "sram_32kB_64bit": Fraction(20),
    "sram_1MB_64bit": Fraction(100),
    "dram_64bit": Fraction(1300),  # the low end of Horowitz's 1300-2600 pJ
}
ENERGY_SOURCE = "Horowitz, ISSCC 2014, 45 nm, 0.9 V (memory per 64-bit access; DRAM at the low end, 1300 pJ)"


def _pair(value, n: int) -> tuple:
    return tuple(value)[:n] if isinstance(value, (tuple, list)) else (value,) * n


def conv_geometry(node, in_shape, out_shape) -> dict:
    """Kernel, stride, dilation, left padding, input and output sizes per spatial
    dimension of a conv node (``padding: same`` pads d (k - 1) // 2 on the left, as PyTorch)."""
    dims = len(in_shape) - 1
    kernel, stride, dilation = (_pair(getattr(node, f), dims) for f in ("kernel", "stride", "dilation"))
    if node.padding == "same":
        padding = tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))
    elif node.padding == "valid":
        padding = (0,) * dims
    else:
        padding = _pair(node.padding, dims)
    return {"kernel": kernel, "stride": stride, "dilation": dilation, "padding": padding,
            "in_size": tuple(in_shape[1:]), "out_size": tuple(out_shape[1:]),
            "in_channels": in_shape[0], "out_channels": node.out_channels, "groups": node.groups}


def dense_macs(node, in_shape, out_shape) -> int:
    """Dense MACs of one conv/linear node, one sample, one timestep, padding positions
    included (C_out x C_in/groups x k^d x output positions; linear: in x out x rows)."""
    if node.op in ("conv2d", "conv1d"):
        g = conv_geometry(node, in_shape, out_shape)
        return g["out_channels"] * (g["in_channels"] // g["groups"]) * prod(g["kernel"]) * prod(g["out_size"])
    if node.op == "linear":
        return prod(in_shape) * node.out_features
    return 0


def _taps_inside(size: int, out: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Sum over output positions o of the kernel taps k with 0 <= o s - p + k d < size."""
    total = 0
    for k in range(kernel):
        offset = k * dilation - padding
        lo = max(0, -(offset // stride))                   # ceil(-offset / s)
        hi = min(out - 1, (size - 1 - offset) // stride)   # floor, negative when no position fits
        total += max(0, hi - lo + 1)
    return total


def dense_macs_unpadded(node, in_shape, out_shape) -> int:
    """NeuroBench's Dense count: the layer re-run with all-ones input and weights, bias
    suppressed, so only products with a real input position count (no zero padding)."""
    if node.op in ("conv2d", "conv1d"):
        g = conv_geometry(node, in_shape, out_shape)
        taps = prod(_taps_inside(*args) for args in zip(g["in_size"], g["out_size"], g["kernel"], g["stride"],
                                                           g["padding"], g["dilation"]))
        return g["out_channels"] * (g["in_channels"] // g["groups"]) * taps
    return dense_macs(node, in_shape, out_shape)


def spike_source(spec, name: str) -> str | None:
    """The neuron site whose (binary) spikes feed node ``name``, through nodes that keep
    spikes binary; None when the node's input is analog (image, currents, spike sums)."""
    from ..kinds import is_neuron

    edges = spec.edges
    sources = edges.get(name, ())
    while len(sources) == 1 and sources[0] in spec.node_map:
        node = spec.node_map[sources[0]]
        if is_neuron(node):
            return node.name
        if node.op not in BINARY_PASSTHROUGH:
            return None
        sources = edges.get(node.name, ())
    return None


#: neuron kind -> (NeuroBench/snntorch neuron, ops per update by reset): Leaky 4, Synaptic 6/8
NEURON_OPS = {"lif": ("Leaky", {"soft": 4, "hard": 4}), "if": ("Leaky", {"soft": 4, "hard": 4}),
              "mlif": ("Leaky", {"soft": 4, "hard": 4}), "cubalif": ("Synaptic", {"soft": 6, "hard": 8})}


def neuron_ops_per_update(node) -> int:
    """NeuroBench's NeuronOperations cost of one membrane update of ``node``'s neuron model
    (a kind it does not know counts as Leaky)."""
    return NEURON_OPS.get(node.op, NEURON_OPS["lif"])[1][getattr(node, "reset", "soft")]
