"""The quantity registry: each reported quantity declared once.

A :class:`Quantity` names a layer-row column and/or a network total: its unit family
(``bit``, ``byte``, ``op``, ``pJ``, ``count``; ``None`` for descriptive columns such
as ``name``), how it is computed per node (``per_node(facts, config)``, from the typed
:class:`snncost.facts.LayerFacts`), how it totals (``"sum"`` of the per-node values, a
rule ``total(totals, context)`` over the totals computed before it, or ``None``), its
label and its LaTeX symbol.  The JSON ``layers`` rows and ``totals``, the CSV/JSON
columns of :mod:`snncost.formula` and :mod:`snncost.sweep`, their labels and their
unit conversion (:func:`snncost.units.to_bits`) all follow the registry, in
registration order.

Extension: ``snncost.register_quantity(name, unit=..., per_node=..., ...)`` (also for
user code); op counts, energy and training memory (issues #9, #10) add theirs here or in
their own module.  IM-SNN's Eq. 15 quantities are a named section registered by
:mod:`snncost.eq15`.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Union

from .errors import ConfigError
from .memory import exact
from .records import Record

UNIT_FAMILIES = ("bit", "byte", "op", "pJ", "count")
TotalRule = Union[str, Callable[[dict, Any], Any], None]


class Quantity(Record):
    """One reported quantity (see the module docstring).

    - ``row``: whether it is a column of the per-layer rows (``False``: computed per
      node only to be totalled, like ``lif_sites``).
    - ``section``: the report section it belongs to (``memory``, ``precision``,
      ``pruning``, ``imsnn_eq15``, or a user section).
    """

    name: str
    unit: Optional[str]
    label: str
    symbol: str = ""
    per_node: Optional[Callable[[Any, Any], Any]] = None
    total: TotalRule = "sum"
    row: bool = True
    section: str = "memory"


_QUANTITIES: dict[str, Quantity] = {}


def register_quantity(name: str, *, unit: Optional[str], label: str, symbol: str = "",
                      per_node: Optional[Callable[[Any, Any], Any]] = None, total: TotalRule = "sum",
                      row: Optional[bool] = None, section: str = "user", before: Optional[str] = None,
                      replace: bool = False) -> Quantity:
    """Declare quantity ``name``; ``before`` places it ahead of an existing one (column
    and totals order), else it goes last.  ``row`` defaults to ``per_node`` given."""
    if name in _QUANTITIES and not replace:
        raise ConfigError(f"quantity '{name}'", "is already registered", "another name, or replace=True")
    if unit is not None and unit not in UNIT_FAMILIES:
        raise ConfigError(f"quantity '{name}' unit", f"unknown unit family {unit!r}", ", ".join(UNIT_FAMILIES))
    if total == "sum" and per_node is None:
        raise ConfigError(f"quantity '{name}'", "a summed total needs a per_node rule", "per_node=..., or total=rule")
    quantity = Quantity(name, unit, label, symbol, per_node, total, per_node is not None if row is None else row, section)
    items = [(k, q) for k, q in _QUANTITIES.items() if k != name]
    if before is not None:
        if before not in _QUANTITIES:
            raise ConfigError(f"quantity '{name}' before", f"unknown quantity {before!r}", ", ".join(_QUANTITIES))
        at = [k for k, _ in items].index(before)
        items.insert(at, (name, quantity))
    else:
        items.append((name, quantity))
    _QUANTITIES.clear()
    _QUANTITIES.update(items)
    return quantity


def remove_quantity(name: str) -> None:
    get_quantity(name)
    del _QUANTITIES[name]


def get_quantity(name: str) -> Quantity:
    try:
        return _QUANTITIES[name]
    except KeyError:
        raise ConfigError("option --quantity", f"unknown quantity {name!r}", ", ".join(_QUANTITIES)) from None


def quantities() -> tuple[Quantity, ...]:
    return tuple(_QUANTITIES.values())


def unit_of(name: str) -> str:
    """The unit family of a quantity ("count" for one without)."""
    quantity = _QUANTITIES.get(name)
    if quantity is not None:
        return quantity.unit or "count"
    return "bit" if name.endswith("_bits") else "count"


def label_of(name: str) -> str:
    quantity = _QUANTITIES.get(name)
    return quantity.label if quantity is not None else name


def layer_row(facts, config) -> dict:
    """The per-layer row of one node: every row quantity, in registration order."""
    return {q.name: q.per_node(facts, config) for q in _QUANTITIES.values() if q.row}


def aggregate(facts: list, config, context) -> dict:
    """The network totals: each quantity's total rule, in registration order (a rule
    sees the totals before it); bit totals are exact (:func:`snncost.memory.exact`)."""
    totals: dict = {}
    for q in _QUANTITIES.values():
        if q.total is None:
            continue
        if q.total == "sum":
            value = sum(q.per_node(f, config) for f in facts)
        else:
            value = q.total(totals, context)
        totals[q.name] = exact(value) if q.unit == "bit" else value
    return totals


# --------------------------------------------------------------------------- built-in quantities
# The declarations below run once, at import: mutmut activates a mutant only after import,
# so it could never exercise a mutant of them (docs/testing.md); they are plain data, each
# checked through analyze() results by the core tests.
def _neuron(attribute: str, default: Any = 0):  # pragma: no mutate block (runs at import only)
    return lambda f, config: getattr(f.neuron, attribute) if f.neuron is not None else default


def _declare_builtin() -> None:  # pragma: no mutate block (runs at import only)
    from .pruning import FORMATS

    add = register_quantity
    add("name", unit=None, label="node", per_node=lambda f, c: f.node.name, total=None, section="memory")
    add("kind", unit=None, label="kind", per_node=lambda f, c: f.node.op, total=None, section="memory")
    add("output_shape", unit=None, label="output shape", per_node=lambda f, c: list(f.output_shape), total=None,
        section="memory")
    add("params", unit="count", label="parameters", symbol=r"N_\theta", per_node=lambda f, c: f.params, section="memory")
    add("buffers", unit="count", label="buffers (running statistics)", per_node=lambda f, c: f.buffers, section="memory")
    add("lif_sites", unit="count", label="LIF sites", per_node=lambda f, c: 1 if f.neuron is not None else 0, row=False,
        section="memory")
    add("lif_neurons", unit="count", label="LIF neurons", symbol=r"N_f", per_node=_neuron("neurons"), section="memory")
    add("state_variables", unit="count", label="state variables per neuron", per_node=_neuron("state_variables"),
        total=None, section="memory")
    add("lif_state_values", unit="count", label="LIF state values",
        per_node=lambda f, c: f.neuron.neurons * f.neuron.state_variables if f.neuron is not None else 0, row=False,
        section="memory")
    add("sharing_buffers", unit="count", label="sharing buffers", total=lambda t, ctx: len(ctx.buffers), section="memory")
    add("sharing_buffer", unit=None, label="sharing buffer", per_node=_neuron("sharing_buffer", ""), total=None,
        section="memory")
    add("lif_forward_bits", unit="bit", label="LIF forward memory", symbol=r"M_{\mathrm{fwd}}",
        per_node=_neuron("forward_bits"), section="memory")
    add("lif_backward_bits", unit="bit", label="LIF backward memory", symbol=r"M_{\mathrm{bwd}}",
        per_node=_neuron("backward_bits"), section="memory")
    add("weight_bits", unit="bit", label="weight memory", symbol=r"M_w", per_node=lambda f, c: f.weight.bits,
        section="memory")
    add("spike_bits_per_timestep", unit="bit", label="spike memory per timestep", symbol=r"M_s",
        per_node=_neuron("spike_bits_per_timestep"), section="memory")
    add("spike_bits_all_timesteps", unit="bit", label="spike memory (all timesteps)", symbol=r"T M_s",
        total=lambda t, ctx: t["spike_bits_per_timestep"] * ctx.config.timesteps, section="memory")
    add("total_bits", unit="bit", label="total memory", symbol=r"M",
        total=lambda t, ctx: t["weight_bits"] + t["lif_forward_bits"] + t["spike_bits_all_timesteps"], section="memory")
    add("static", unit=None, label="static", per_node=lambda f, c: f.node.static, total=None, section="memory")
    add("weight_elements", unit="count", label="prunable weights", symbol=r"N_w", per_node=lambda f, c: f.weight.elements,
        section="pruning")
    add("conv_weight_elements", unit="count", label="conv weights",
        per_node=lambda f, c: f.weight.elements if f.kind.family == "conv" else 0, row=False, section="pruning")
    add("weight_nonzeros", unit="count", label="nonzero weights", per_node=lambda f, c: f.weight.nonzeros, section="pruning")
    add("weight_precision_bits", unit="bit", label="weight precision", symbol=r"b_w",
        per_node=lambda f, c: f.weight.precision_bits, total=None, section="precision")
    add("sparsity", unit="count", label="weight sparsity", symbol="s", per_node=lambda f, c: f.weight.sparsity, total=None,
        section="pruning")
    for fmt in FORMATS:
        add(f"weight_{fmt}_bits", unit="bit", label=f"weights stored {fmt}",
            per_node=lambda f, c, fmt=fmt: f.weight.storage[fmt], section="pruning")
    add("membrane_bits", unit="bit", label="membrane precision", symbol=r"b_u", per_node=_neuron("membrane_bits"),
        total=None, section="precision")
    add("spike_storage_bits", unit="bit", label="spike storage per neuron", symbol=r"b_s",
        per_node=_neuron("spike_storage_bits"), total=None, section="precision")


_declare_builtin()
