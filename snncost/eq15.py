"""IM-SNN's Eq. 15 memory total, a named report section (``imsnn_eq15``).

M_t = w_p N_w + u_p N_f + u_s N_f (IM-SNN Eq. 15-17: N_w weights at w_p bits, N_f
neurons with u_p membrane and u_s spike bits).  IM-SNN's tables count conv weights only
(``--eq15-weights conv``); ``all`` counts every parameter.  Registered into the quantity
registry (:mod:`snncost.quantities`), so the core analysis knows nothing of it; the
IM-SNN reproduction (:mod:`snncost.reproduce.imsnn`) reads these totals.
"""
from __future__ import annotations

from . import memory
from .quantities import register_quantity

EQ15_WEIGHTS = ("conv", "all")
SECTION = "imsnn_eq15"


def _weight_count(f, config):
    if config.eq15_weights == "conv":
        return f.weight.elements if f.kind.family == "conv" else 0
    return f.params


def _membrane(f, config):
    n = f.neuron
    return memory.exact(n.neurons * n.state_variables * n.membrane_bits * config.batch) if n is not None else 0


register_quantity("eq15_weight_count", unit="count", label="IM-SNN Eq. 15 weights N_w", symbol=r"N_w",
                  per_node=_weight_count, section=SECTION, before="membrane_bits")
register_quantity("eq15_weight_bits", unit="bit", label="IM-SNN Eq. 15 weight term", symbol=r"w_p N_w",
                  per_node=lambda f, c: memory.weight_bits(_weight_count(f, c), f.weight.precision_bits),
                  section=SECTION, before="membrane_bits")
register_quantity("eq15_membrane_bits", unit="bit", label="IM-SNN Eq. 15 membrane term", symbol=r"u_p N_f",
                  per_node=_membrane, section=SECTION)
register_quantity("eq15_spike_bits", unit="bit", label="IM-SNN Eq. 15 spike term", symbol=r"u_s N_f",
                  per_node=lambda f, c: f.neuron.spike_bits_per_timestep if f.neuron is not None else 0, section=SECTION)
register_quantity("eq15_bits", unit="bit", label="IM-SNN Eq. 15 total", symbol=r"M_t",
                  total=lambda t, ctx: t["eq15_weight_bits"] + t["eq15_membrane_bits"] + t["eq15_spike_bits"],
                  section=SECTION)
