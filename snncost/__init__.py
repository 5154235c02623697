"""snncost: exact, analytical costs (memory, operations, energy) of spiking neural networks.

    import snncost
    report = snncost.analyze("resnet19", input=224, sharing="L+C2")
    report.totals["lif_forward_bits"]      # exact integer bit count
    report.layers                          # pandas DataFrame, one row per node

Heavy modules (pandas, sympy) are imported only by the functions that need them.
"""
from __future__ import annotations

__version__ = "0.1.0"

from . import zoo
from .analysis import analyze
from .kinds.extend import register_node_kind
from .quantities import register_quantity
from .errors import ConfigError, InputFileError, ShapeError, SharingError, SnnCostError, SpecError
from .spec import NetworkSpec, SpecBuilder, load_spec

__all__ = ["analyze", "zoo", "register_node_kind", "register_quantity", "load_spec", "from_nir", "to_nir", "NetworkSpec",
           "SpecBuilder", "SnnCostError", "SpecError",
           "ShapeError", "SharingError", "ConfigError", "InputFileError", "__version__"]


def __getattr__(name):  # lazy: formula and sweep import sympy/numpy/pandas
    if name == "formula":
        from .formulas import formula
        return formula
    if name == "sweep":
        from .sweeps import sweep
        return sweep
    if name in ("from_nir", "to_nir"):  # the nir extra, imported only when used
        from . import nir_io
        return getattr(nir_io, name)
    if name == "hardware":  # the function; its package is snncost.hw
        from .hw import hardware
        return hardware
    if name == "register_table":  # technology tables for energy (snncost.energy)
        from .energy import register_table
        return register_table
    if name in ("train_memory", "fit"):  # training memory (snncost.training)
        from .training import fit as fitting
        return getattr(fitting, name)
    raise AttributeError(f"module 'snncost' has no attribute {name!r}")
