"""Training workload counts per layer in SATA's form (Yin et al. 2022, SATA: a
sparsity-aware training accelerator for SNNs; counting model of github
RuokaiYin/SATA_Sim get_workload.py, restated in domain notes section 5).

For a conv layer with C input channels (per group), K output channels, R kernel
positions (R_h R_w), H input and E output positions, T timesteps, input spike density
s (SATA's 1 - sp_s), gradient density g (1 - sp_du) and b spikes per word:

- ``lif`` = ``gradient_unit`` = K E T
- ``mac_forward`` = ``mac_weight_update`` = s C R K E T;  ``mac_backward`` = g C R K H T
- ``dram_forward`` = K C R + (K E + C H / b) T;  ``glb_forward`` = 2 dram_forward;
  ``spad_forward`` = 2 (K C R + T C H / b)
- ``dram_backward`` = T (K E + C H / b);  ``glb_backward`` = 7 T K E + 2 T C H / b + K C R;
  ``spad_backward`` = K C R + T K E
- ``dram_weight_update`` = 2 K C R;  ``glb_weight_update`` = 2 (1 + T) K C R + T (C H / b + K E);
  ``spad_weight_update`` = glb_weight_update + 2 T K C R

Accesses are counted in words (weights and membranes one per word, spikes b per
word), per sample; a linear layer is a 1x1 conv over its rows (H = E = rows).
SATA's own script overwrites (``=``) instead of accumulating (``+=``) the MACs of
linear layers; here every layer is accumulated.
"""
from __future__ import annotations

from fractions import Fraction

KEYS = ("lif", "gradient_unit", "mac_forward", "mac_backward", "mac_weight_update",
        "dram_forward", "glb_forward", "spad_forward", "dram_backward", "glb_backward", "spad_backward",
        "dram_weight_update", "glb_weight_update", "spad_weight_update")


def layer_dims(problem: dict) -> dict:
    """SATA's C, K, R, H, E from a kind's ``hardware`` problem dimensions."""
    return {"C": problem["C"], "K": problem["M"], "R": problem["R"] * problem["S"],
            "H": problem["input_positions"], "E": problem["P"] * problem["Q"]}


def counts(C, K, R, H, E, T, s, g, b) -> dict:
    """SATA's per-layer counts (see the module docstring), exact."""
    w = K * C * R
    spikes = Fraction(C * H, b)
    return {
        "lif": K * E * T, "gradient_unit": K * E * T,
        "mac_forward": s * C * R * K * E * T, "mac_backward": g * C * R * K * H * T,
        "mac_weight_update": s * C * R * K * E * T,
        "dram_forward": w + (K * E + spikes) * T, "glb_forward": 2 * (w + (K * E + spikes) * T),
        "spad_forward": 2 * (w + T * spikes),
        "dram_backward": T * (K * E + spikes), "glb_backward": 7 * T * K * E + 2 * T * spikes + w,
        "spad_backward": w + T * K * E,
        "dram_weight_update": 2 * w, "glb_weight_update": 2 * (1 + T) * w + T * (spikes + K * E),
        "spad_weight_update": 2 * (1 + T) * w + T * (spikes + K * E) + 2 * T * w,
    }


def workload(layers, config, acc) -> list[dict]:
    """One row per conv/linear layer: its dims and SATA counts (per sample)."""
    out = []
    for x in layers:
        if x["problem"] is None:
            continue
        dims = layer_dims(x["problem"])
        row = {"name": x["name"], **dims}
        row.update(counts(**dims, T=config.timesteps, s=x["input_density"], g=acc.gradient_density,
                          b=acc.sata_word_bits))
        out.append(row)
    return out


def totals(rows: list[dict]) -> dict:
    return {k: sum(r[k] for r in rows) for k in KEYS}
