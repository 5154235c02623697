"""Node kinds of a snncost network spec, as the spec model sees them.

The kinds themselves (fields, shape and count rules) live in the node-kind registry,
:mod:`snncost.kinds`; the ``nodes`` of a spec file are validated against the
discriminated union of their pydantic models (:func:`node_union`, built on first use
from the kinds' record classes, :mod:`snncost.records`).
"""
from __future__ import annotations

from ..kinds import node_kinds, node_models
from ..kinds.base import MAX_SIZE, NAME_PATTERN, Bits, NodeBase, NonNegativeInt, PadPair, Pair, PositiveInt, WeightedNode

__all__ = ["node_union", "node_kinds", "MAX_SIZE", "NAME_PATTERN", "Bits", "NodeBase", "NonNegativeInt",
           "PadPair", "Pair", "PositiveInt", "WeightedNode"]


def node_union():
    """``Annotated[Union[<every registered kind's model>], Field(discriminator="op")]``
    (imports pydantic)."""
    from typing import Annotated, Union

    from pydantic import Field

    return Annotated[Union[node_models()], Field(discriminator="op")]
