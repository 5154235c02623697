"""Neuron-sharing schemes and layer groupings (EfficientLIF-Net, Kim et al. 2023).

- ``none``: every LIF site keeps its own membrane buffer.
- ``L`` (cross-layer, Eq. 4-6): the LIF sites of one layer-sharing group use one
  buffer; the last member's membrane feeds the first member at the next timestep.
- ``C<N>`` (cross-channel, Eq. 7-11): a site's C channels are split into N groups of
  C/N that pass one membrane from group to group; a buffer holds C/N channels.
- ``L+C<N>`` (Eq. 12-14): both; a group of layers shares one buffer of C/N channels.

Which sites form a layer group is a *grouping*: ``none``, ``auto`` (maximal runs of
consecutive LIF sites of equal membrane shape), ``node-fields`` (the nodes'
``layer_group`` fields) or a grouping the spec declares by name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import SharingError

_SCHEME = re.compile(r"^(?:(?P<none>none)|(?P<layer>L)(?:\+C#?(?P<n1>\d+))?|C#?(?P<n2>\d+))$", re.IGNORECASE)
VALID_SCHEMES = "none, L, C<N> (alias C#<N>), L+C<N>, with N a positive integer, e.g. L+C2"


@dataclass(frozen=True)
class SharingScheme:
    """A sharing scheme: ``layer`` (cross-layer) and ``channel_groups`` N (1 = no channel sharing)."""

    layer: bool = False
    channel_groups: object = 1  # int, or a sympy Symbol in formulas

    @property
    def label(self) -> str:
        channel = f"C{self.channel_groups}" if self.channel_groups != 1 else ""
        if self.layer and channel:
            return f"L+{channel}"
        return "L" if self.layer else (channel or "none")

    @property
    def shares(self) -> bool:
        return self.layer or self.channel_groups != 1

    def __str__(self) -> str:
        return self.label


def parse_sharing(text, where: str = "option --sharing") -> SharingScheme:
    """``'L+C#2'`` -> SharingScheme(layer=True, channel_groups=2)."""
    if isinstance(text, SharingScheme):
        return text
    if not isinstance(text, str):
        raise SharingError(where, f"expected a scheme name, got {type(text).__name__} {text!r}", VALID_SCHEMES)
    match = _SCHEME.match(text.strip())
    if not match:
        raise SharingError(where, f"unknown sharing scheme {text!r}", VALID_SCHEMES)
    if match["none"]:
        return SharingScheme()
    n = match["n1"] or match["n2"]
    groups = int(n) if n else 1
    if n is not None and (groups < 1 or len(n) > 6):
        raise SharingError(where, f"channel group count {n} out of range", "1 <= N <= 999999 " + VALID_SCHEMES)
    return SharingScheme(layer=bool(match["layer"]), channel_groups=groups)


@dataclass(frozen=True)
class SharingBuffer:
    """One membrane buffer: the LIF sites that use it and the neurons it holds."""

    name: str
    members: tuple[str, ...]
    shape: tuple
    state_variables: int


def layer_groups(spec, grouping: str) -> list[list[str]]:
    """Groups (lists of neuron node names, topological order) of a grouping; sites
    that belong to no group are returned as groups of one."""
    neurons = [n.name for n in spec.neuron_nodes]
    if grouping == "none":
        return [[name] for name in neurons]
    if grouping == "node-fields":
        named: dict[str, list[str]] = {}
        for node in spec.neuron_nodes:
            named.setdefault(node.layer_group or f"\0{node.name}", []).append(node.name)
        return list(named.values())
    if grouping not in spec.groupings:
        valid = ", ".join(["none", "auto"] + spec.grouping_names())
        raise SharingError("option --layer-groups", f"model '{spec.name}' has no grouping '{grouping}'", valid)
    member_of = {m: g for g, members in spec.groupings[grouping].items() for m in members}
    groups: dict[str, list[str]] = {}
    for name in neurons:
        groups.setdefault(member_of.get(name, f"\0{name}"), []).append(name)
    return list(groups.values())


def auto_groups(spec, shapes: dict) -> list[list[str]]:
    """Maximal runs of consecutive (topological order) LIF sites of equal membrane shape."""
    groups: list[list[str]] = []
    previous = None
    for node in spec.neuron_nodes:
        key = (tuple(shapes[node.name]["output"]), node.state_variables)
        if groups and key == previous:
            groups[-1].append(node.name)
        else:
            groups.append([node.name])
        previous = key
    return groups


def group_names(spec, grouping: str) -> dict[str, str]:
    """Member site -> declared group name, for labelling buffers."""
    if grouping == "node-fields":
        return {n.name: n.layer_group for n in spec.neuron_nodes if n.layer_group}
    return {m: g for g, members in spec.groupings.get(grouping, {}).items() for m in members}


def default_grouping(spec) -> str:
    if spec.default_grouping:
        return spec.default_grouping
    return "node-fields" if "node-fields" in spec.grouping_names() else "auto"


def sharing_buffers(spec, shapes: dict, scheme: SharingScheme, grouping: str | None) -> list[SharingBuffer]:
    """The membrane buffers of a network under a scheme (before channel division)."""
    by_name = spec.node_map
    if not scheme.layer:
        groups = [[n.name] for n in spec.neuron_nodes]
        labels: dict[str, str] = {}
    else:
        grouping = grouping or default_grouping(spec)
        groups = auto_groups(spec, shapes) if grouping == "auto" else layer_groups(spec, grouping)
        labels = group_names(spec, grouping)
    buffers = []
    for members in groups:
        first = by_name[members[0]]
        shape = tuple(shapes[first.name]["output"])
        for other in members[1:]:
            other_shape = tuple(shapes[other]["output"])
            where = f"layer group '{labels.get(first.name, first.name)}' (grouping '{grouping}')"
            if other_shape != shape:
                raise SharingError(
                    where, f"members have different membrane shapes: {first.name} {list(shape)} vs {other} {list(other_shape)}",
                    "groups whose LIF sites share one membrane shape (or --layer-groups auto)")
            if by_name[other].state_variables != first.state_variables:
                raise SharingError(
                    where, f"members have different state variables per neuron: {first.name} ({first.op}, "
                    f"{first.state_variables}) vs {other} ({by_name[other].op}, {by_name[other].state_variables})",
                    "groups of one neuron kind's state (e.g. lif with lif, cubalif with cubalif)")
        name = labels.get(first.name, first.name) if len(members) > 1 or first.name in labels else first.name
        buffers.append(SharingBuffer(name, tuple(members), shape, first.state_variables))
    if scheme.channel_groups != 1:
        n = scheme.channel_groups
        for buf in buffers:
            channels = buf.shape[0]
            if isinstance(n, int) and isinstance(channels, int) and channels % n:
                raise SharingError(
                    "option --sharing", f"C{n} does not divide the {channels} channels of LIF site '{buf.members[0]}'",
                    "a channel group count that divides every LIF site's channels")
    return buffers
