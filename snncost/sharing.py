"""Neuron-sharing schemes and layer groupings (EfficientLIF-Net, Kim et al. 2023;
spatial windows: Yao et al., seed 002, Sec. 3.1).

- ``none``: every LIF site keeps its own membrane buffer.
- ``L`` (cross-layer, Eq. 4-6): the LIF sites of one layer-sharing group use one
  buffer; the last member's membrane feeds the first member at the next timestep.
- ``C<N>`` (cross-channel, Eq. 7-11): a site's C channels are split into N groups of
  C/N that pass one membrane from group to group; a buffer holds C/N channels.
- ``L+C<N>`` (Eq. 12-14): both; a group of layers shares one buffer of C/N channels.
- ``W<P>`` (spatial windows, seed 002 Sec. 3.1, Eq. 4, non-dilated windows): a
  site's H x W map is split into P = g_h x g_w non-overlapping windows that pass one
  membrane from window to window, so a buffer holds (H/g_h) x (W/g_w) positions.
  ``W<P>`` needs P = g x g for 2-D maps (``W<gh>x<gw>`` for other grids); a 1-D map
  (C, L) is split into P windows along L.  Sites without a spatial dimension (vectors,
  after flatten) are left whole.  Combines with the others: ``L+C2+W4`` holds
  C/N x (H/g_h) x (W/g_w) per buffer.  The *dilated* windows of seed 002 (size 3H/4,
  overlaps averaged) are not modelled.

Which sites form a layer group is a *grouping*: ``none``, ``auto`` (maximal runs of
consecutive LIF sites of equal membrane shape), ``node-fields`` (the nodes'
``layer_group`` fields) or a grouping the spec declares by name.
"""
from __future__ import annotations

import re
from math import isqrt

from .errors import SharingError
from .records import Record

_LAYER = re.compile(r"^L$", re.IGNORECASE)
_CHANNEL = re.compile(r"^C#?(?P<n>\d+|N)$", re.IGNORECASE)
_WINDOW = re.compile(r"^W(?:(?P<p>\d+|P)|(?P<gh>\d+)[x×](?P<gw>\d+))$", re.IGNORECASE)
VALID_SCHEMES = ("none, or any of L, C<N> (alias C#<N>), W<P> (or W<gh>x<gw>) joined by +, with N and P positive "
                 "integers, e.g. L+C2, W4, L+C2+W4")
MAX_COUNT_DIGITS = 6


class SharingScheme(Record):
    """A sharing scheme: ``layer`` (cross-layer), ``channel_groups`` N (1 = no channel
    sharing), ``windows`` P (1 = no spatial windows) and, when written ``W<gh>x<gw>``,
    the ``window_grid`` (g_h, g_w)."""

    layer: bool = False
    channel_groups: object = 1  # int, or a sympy Symbol in formulas
    windows: object = 1  # int, or a sympy Symbol in formulas
    window_grid: tuple | None = None

    @property
    def label(self) -> str:
        parts = ["L"] if self.layer else []
        if self.channel_groups != 1:
            parts.append(f"C{self.channel_groups}")
        if self.window_grid is not None:
            parts.append(f"W{self.window_grid[0]}x{self.window_grid[1]}")
        elif self.windows != 1:
            parts.append(f"W{self.windows}")
        return "+".join(parts) or "none"

    @property
    def has_windows(self) -> bool:
        return self.windows != 1 or self.window_grid is not None

    @property
    def shares(self) -> bool:
        return self.layer or self.channel_groups != 1 or self.has_windows

    def __str__(self) -> str:
        return self.label


def _count(text: str, what: str, where: str) -> int:
    value = int(text)
    if value < 1 or len(text) > MAX_COUNT_DIGITS:
        raise SharingError(where, f"{what} {text} out of range", f"1 <= count <= 999999; {VALID_SCHEMES}")
    return value


def parse_sharing(text, where: str = "option --sharing", symbols: dict | None = None) -> SharingScheme:
    """``'L+C#2'`` -> SharingScheme(layer=True, channel_groups=2); ``'W2x4+L'`` ->
    SharingScheme(layer=True, windows=8, window_grid=(2, 4)).  Parts are
    order-insensitive, each at most once.  ``symbols`` ({'N': ..., 'P': ...}, from
    :mod:`snncost.formula`) lets ``CN`` / ``WP`` stand for a symbolic count."""
    if isinstance(text, SharingScheme):
        return text
    if not isinstance(text, str):
        raise SharingError(where, f"expected a scheme name, got {type(text).__name__} {text!r}", VALID_SCHEMES)
    if text.strip().lower() == "none":
        return SharingScheme()
    symbols = symbols or {}
    found: dict = {}
    for part in text.strip().split("+"):
        part = part.strip()
        channel, window = _CHANNEL.match(part), _WINDOW.match(part)
        kind = "L" if _LAYER.match(part) else "C" if channel else "W" if window else None
        symbolic = (channel and channel["n"].upper() == "N" and "N") or (window and str(window["p"]).upper() == "P" and "P")
        if kind is None or (symbolic and symbolic not in symbols):
            raise SharingError(where, f"unknown sharing scheme {text!r}", VALID_SCHEMES)
        if kind in found:
            raise SharingError(where, f"{text!r} names {kind} sharing twice", VALID_SCHEMES)
        if kind == "C":
            found["C"] = symbols["N"] if symbolic else _count(channel["n"], "channel group count", where)
        elif kind == "W" and symbolic:
            found["W"] = (symbols["P"], None)
        elif kind == "W" and window["p"]:
            found["W"] = (_count(window["p"], "window count", where), None)
        elif kind == "W":
            grid = (_count(window["gh"], "window rows", where), _count(window["gw"], "window columns", where))
            found["W"] = (grid[0] * grid[1], grid)
        else:
            found["L"] = True  # pragma: no mutate (equivalent: only the key's presence is read)
    windows, grid = found.get("W", (1, None))
    return SharingScheme(layer="L" in found, channel_groups=found.get("C", 1), windows=windows, window_grid=grid)


class SharingBuffer(Record):
    """One membrane buffer: the LIF sites that use it and the neurons it holds."""

    name: str
    members: tuple[str, ...]
    shape: tuple
    state_variables: int
    windows: object = 1  # spatial windows the buffer's map is split into (1 for a vector site)


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
    previous = None  # pragma: no mutate (equivalent: any non-tuple start; the first site always opens a group)
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
        name = labels.get(first.name, first.name)  # the declared group's name, else the first site's
        for other in members[1:]:
            other_shape = tuple(shapes[other]["output"])
            where = f"layer group '{name}' (grouping '{grouping}')"
            if other_shape != shape:
                raise SharingError(
                    where, f"members have different membrane shapes: {first.name} {list(shape)} vs {other} {list(other_shape)}",
                    "groups whose LIF sites share one membrane shape (or --layer-groups auto)")
            if by_name[other].state_variables != first.state_variables:
                raise SharingError(
                    where, f"members have different state variables per neuron: {first.name} ({first.op}, "
                    f"{first.state_variables}) vs {other} ({by_name[other].op}, {by_name[other].state_variables})",
                    "groups of one neuron kind's state (e.g. lif with lif, cubalif with cubalif)")
        buffers.append(SharingBuffer(name, tuple(members), shape, first.state_variables))
    if scheme.channel_groups != 1:
        n = scheme.channel_groups
        for buf in buffers:
            channels = buf.shape[0]
            if isinstance(n, int) and isinstance(channels, int) and channels % n:
                raise SharingError(
                    "option --sharing", f"C{n} does not divide the {channels} channels of LIF site '{buf.members[0]}'",
                    "a channel group count that divides every LIF site's channels")
    if scheme.has_windows:
        buffers = [_windowed(buf, scheme) for buf in buffers]
        if all(len(buf.shape) < 2 for buf in buffers):
            first = buffers[0]
            raise SharingError("option --sharing", f"{scheme.label}: no LIF site has a spatial dimension (e.g. "
                               f"'{first.members[0]}' has shape {list(first.shape)}), so there is nothing to split "
                               "into windows", "a scheme without W<P> for this model")
    return buffers


def window_grid(scheme: SharingScheme, rank: int) -> tuple:
    """The window grid of a scheme on a map of ``rank`` spatial dimensions: (g_h, g_w) for
    2-D maps (W<g*g> -> (g, g)), (P,) for 1-D maps; None when W<P> is not a perfect
    square on a 2-D map.  Symbolic P (formulas) gives (P,) whatever the rank."""
    if scheme.window_grid is not None:
        return scheme.window_grid if rank == 2 else None
    p = scheme.windows
    if not isinstance(p, int) or rank == 1:
        return (p,)
    root = isqrt(p)
    return (root, root) if root * root == p else None


def _windowed(buf: SharingBuffer, scheme: SharingScheme) -> SharingBuffer:
    """``buf`` split into the scheme's spatial windows (seed 002 Sec. 3.1): checks that
    the grid divides the site's spatial sizes; vector sites stay whole (windows 1)."""
    spatial = buf.shape[1:]
    if not spatial:
        return buf
    site = f"LIF site '{buf.members[0]}' of shape {list(buf.shape)}"
    if len(spatial) > 2:
        raise SharingError("option --sharing", f"{scheme.label} on {site}: windows split 1-D or 2-D maps only",
                           "a scheme without W<P> for this model")
    grid = window_grid(scheme, len(spatial))
    if grid is None:
        valid = ("W<P> with P a perfect square (W4, W9, ...) or W<gh>x<gw> such as W2x4" if len(spatial) == 2
                 else "W<P> (P windows along the length) for a 1-D map")
        raise SharingError("option --sharing", f"{scheme.label} has no window grid for the {len(spatial)}-D map of {site}",
                           valid)
    if len(grid) == len(spatial):
        for i, (g, size) in enumerate(zip(grid, spatial)):
            if isinstance(g, int) and not _divisible(size, g):
                axis = ("rows", "columns")[i] if len(spatial) == 2 else "windows"
                choices = (", ".join(str(d) for d in _divisors(size)) if isinstance(size, int)
                           else "(a symbolic size: drop --any-size / divisible=False, or give a numeric input)")
                raise SharingError("option --sharing",
                                   f"{scheme.label} splits into {g} window {axis}, which does not divide size {size} of {site}",
                                   f"window {axis} dividing {size}: {choices}")
    return SharingBuffer(buf.name, buf.members, buf.shape, buf.state_variables, scheme.windows)


def _divisible(size, g: int) -> bool:
    if isinstance(size, int):
        return size % g == 0
    return bool((size / g).is_integer)  # a sympy size: only when provably a multiple


def _divisors(n: int) -> list[int]:
    small = [d for d in range(1, isqrt(n) + 1) if n % d == 0]  # pragma: no mutate (a longer range finds the same pairs)
    return sorted(set(small + [n // d for d in small]))


def vector_sites(buffers) -> list[str]:
    """LIF sites left whole by a window scheme: their membrane has no spatial dimension."""
    return [m for buf in buffers if len(buf.shape) < 2 for m in buf.members]
