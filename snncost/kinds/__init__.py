"""Node kinds: the registry (:mod:`snncost.kinds.registry`) and the built-in kinds,
one module per family.  Importing this package registers the built-in kinds."""
from __future__ import annotations

from . import conv, linear, pool, norm, structure, neuron, transformer, recurrent  # noqa: F401  (registration order = docs order)
from .registry import (RULE_KEYS, NodeKind, get_kind, is_neuron, kind_of, kinds, node_kinds, node_models,
                       output_shape, parameters, state_variables, weight_dims)

__all__ = ["NodeKind", "RULE_KEYS", "get_kind", "kind_of", "kinds", "node_kinds", "node_models", "is_neuron",
           "output_shape", "parameters", "state_variables", "weight_dims"]
