"""Hardware counts and simulator exports (issue 12): LIF units and membrane buffers
of a PE array under sharing, memory traffic per mini-batch, SATA training workload,
Accelergy action counts and ERT pricing, Timeloop problems, NeuroBench metrics.
See docs/hardware.md.

    import snncost
    hw = snncost.hardware("vgg16", sharing="C4", pe=128, batch=64)
    hw.lif["lif_units"], hw.lif_share           # 32, Fraction(77, 269)

What it takes from the op counts of issue #9 (dense MACs, spike-fed layers, neuron op
costs, energy per action) comes through :mod:`.ops` only.
"""
from __future__ import annotations

from .accelerator import PARAMETERS, Accelerator, lif_share


def __getattr__(name):  # lazy: `snncost hw`'s argument parser needs only the parameters
    if name in ("hardware", "HardwareReport"):
        from . import model
        return getattr(model, name)
    raise AttributeError(f"module 'snncost.hw' has no attribute {name!r}")

__all__ = ["hardware", "HardwareReport", "Accelerator", "PARAMETERS", "lif_share"]
