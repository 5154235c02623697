"""Node kinds of a snncost network spec, as the spec model sees them.

The kinds themselves (fields, shape and count rules) live in the node-kind registry,
:mod:`snncost.kinds`; this module builds the discriminated ``Node`` union of their
pydantic models that :class:`snncost.spec.NetworkSpec` validates ``nodes`` against.
"""
from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from ..kinds import node_kinds, node_models
from ..kinds.base import MAX_SIZE, NAME_PATTERN, Bits, NodeBase, NonNegativeInt, PadPair, Pair, PositiveInt, WeightedNode

__all__ = ["Node", "node_union", "node_kinds", "MAX_SIZE", "NAME_PATTERN", "Bits", "NodeBase", "NonNegativeInt",
           "PadPair", "Pair", "PositiveInt", "WeightedNode"]


def node_union():
    """``Annotated[Union[<every registered kind's model>], Field(discriminator="op")]``."""
    return Annotated[Union[node_models()], Field(discriminator="op")]


Node = node_union()
