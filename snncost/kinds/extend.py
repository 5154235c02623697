"""The public extension API: ``snncost.register_node_kind`` adds a node kind from user
code (no snncost file edited).  After registration, specs may use ``op: NAME`` and
:func:`snncost.analyze`, :func:`snncost.formula` and :func:`snncost.sweep` handle it.
"""
from __future__ import annotations

from typing import Any, Callable, Literal, Optional

from ..records import pydantic_model
from .base import NodeBase, WeightedNode, same_shape
from .registry import NodeKind, add_kind


def register_node_kind(name: str, *, shape: Callable[[Any, list], tuple] = same_shape,
                       fields: Optional[dict[str, tuple]] = None,
                       params: Optional[Callable[[Any, list], Any]] = None,
                       buffers: Optional[Callable[[Any, list], Any]] = None,
                       state_variables: tuple[str, ...] = (),
                       weight_dims: Optional[Callable[[Any, tuple], tuple]] = None,
                       stride: Any = "keep", inputs: tuple[int, Optional[int]] = (1, 1),
                       weighted: Optional[bool] = None, doc: tuple[str, str, str] = ("", "", ""),
                       rules: Optional[dict[str, Callable]] = None, replace: bool = False) -> NodeKind:
    """Register node kind ``name`` and return its :class:`NodeKind`.

    - ``fields``: field name -> ``(type, default)`` (``...`` as default: required);
      every node also has ``name``, ``inputs``, ``static``; weighted kinds add
      ``weight_bits`` and ``bias``; neuron kinds (``state_variables`` given) add
      ``reset``, ``layer_group``, ``lanes``, ``membrane_bits``, ``spike_bits``.
    - ``shape(node, input_shapes) -> shape`` (batch-free; ints or sympy expressions:
      use only ``+ - * //`` so that formulas work); default: the input's shape.
    - ``params(node, input_shapes) -> int``: trainable parameters.
    - ``weight_dims(node, in_shape) -> tuple``: the prunable weight tensor.
    - ``weighted``: whether nodes carry ``weight_bits`` (default: ``params`` or
      ``weight_dims`` given).
    - ``stride``: ``"keep"``, ``"collapse"``, ``"drop"`` or ``rule(node, dims) ->
      strides`` (the spatial stride, for closed-form formulas).
    - ``inputs``: ``(min, max)`` number of inputs (``max`` None: unbounded).
    - ``rules``: per-concern rules (keys: :data:`snncost.kinds.registry.RULE_KEYS`).
    """
    from .neuron import NeuronBase

    if weighted is None:
        weighted = params is not None or weight_dims is not None
    base = NeuronBase if state_variables else WeightedNode if weighted else NodeBase
    declared = {"op": (Literal[name], ...), **({"lanes": (Literal[1], 1)} if state_variables else {}), **(fields or {})}
    body = {field: default for field, (_, default) in declared.items()}  # ``...``: required (snncost.records)
    body["__annotations__"] = {field: annotation for field, (annotation, _) in declared.items()}
    node_class = type(f"UserNode_{name}", (base,), body)
    pydantic_model(node_class)  # a field type pydantic cannot validate is refused now, not at the first spec file
    kind = NodeKind(name, node_class, shape=shape, params=params, buffers=buffers, state_variables=tuple(state_variables),
                    weight_dims=weight_dims, stride=stride, inputs=tuple(inputs),
                    family="neuron" if state_variables else "user", doc=doc, rules=dict(rules or {}))
    return add_kind(kind, replace=replace)
