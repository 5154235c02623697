"""Membrane chains: the neuron dynamics of one sharing buffer (EfficientLIF-Net Sec. 4).

A sharing buffer (:func:`snncost.sharing.sharing_buffers`, the same buffers
:func:`snncost.analyze` counts) is processed as one *chain* of steps.  At timestep t
the chain visits its member sites in topological order (cross-layer sharing, Eq. 4-6;
one site under ``none``), each site's N channel groups in order (cross-channel, Eq.
7-11, 12-14) and, within a group, the P spatial windows in row-major order (seed 002
Sec. 3.1).  One membrane of one slice's size is carried from step to step, and from the
last step of timestep t to the first of t + 1:

    U_k = lambda_k R_{k-1} + X_k,   O_k = f(U_k)
    R_{k-1} = U_{k-1} - theta O_{k-1}  (soft reset)  or  U_{k-1} (1 - F_{k-1})  (hard reset)

with X_k the slice of the site's input (the weighted spikes W O of the paper), lambda_k
the decay of the step's site (1 for ``if``), U_0 = 0 (so U_1 = X_1), and F the lane-0
fired gate.  The backward pass is the exact derivative of these equations with the
surrogate standing in for f' (Eq. 15-17; the reset path included):

    dL/dU_k = f'(U_k) dL/dO_k + lambda_{k+1} dL/dU_{k+1} (1 - theta f'(U_k))       (soft)
    dL/dU_k = f'(U_k) dL/dO_k + lambda_{k+1} dL/dU_{k+1} (1 - F_k - U_k F'(U_k))  (hard)
    dL/dX_k = dL/dU_k.

``bptt`` keeps every step's membrane (each site's whole membrane at every timestep).
``reverse`` keeps only the chain's last membrane and recomputes the earlier ones
backwards, Eq. 18-19: U_{k-1} = (U_k - X_k) / lambda_k + theta O_{k-1}, from the kept
spikes and the step's input (recomputed from kept layer inputs).  Only a soft reset
can be inverted this way.
"""
from __future__ import annotations

from itertools import product

import numpy as np

from .spikes import fire


def chain_slices(shape, channel_groups: int, grid) -> list[tuple]:
    """Index tuples (batch axis included) of a site's chain steps: channel groups outer,
    windows (row-major over ``grid``) inner; ``grid`` None leaves the map whole."""
    c = shape[0] // channel_groups
    spatial = shape[1:]
    grid = tuple(grid) if grid else (1,) * len(spatial)
    steps = []
    for i in range(channel_groups):
        for cell in product(*[range(g) for g in grid]):
            window = tuple(slice(r * (s // g), (r + 1) * (s // g)) for r, s, g in zip(cell, spatial, grid))
            steps.append((slice(None), slice(i * c, (i + 1) * c), *window))
    return steps


class MembraneChain:
    """One sharing buffer's chain: its sites, its steps and, while running, its membrane."""

    def __init__(self, buffer, nodes: dict, slices: list, decays: dict, options):
        self.name = buffer.name
        self.members = tuple(buffer.members)
        self.first = self.members[0]
        self.slices = slices
        self.nodes = nodes
        self.decays = decays
        self.options = options
        self.reset()

    def reset(self):
        self.membrane = None  # U of the last step taken
        self.last = None  # (spikes O, fired gate F, reset kind) of the last step
        self.grad = None  # dL/dU of the step after the one being differentiated
        self.next_decay = None

    def _fire(self, node, u):
        o = self.options
        return fire(u, node.lanes, o.threshold, o.surrogate, o.smooth)

    def forward_site(self, name: str, x, membranes=None):
        """Spikes of site ``name`` for input ``x``; fills ``membranes`` (bptt) with every step's U."""
        node, decay, theta = self.nodes[name], self.decays[name], self.options.threshold
        out = np.empty_like(x)
        for index in self.slices:
            xs = x[index]
            if self.membrane is None:
                u = xs.copy()
            else:
                spikes, gate, reset = self.last
                kept = self.membrane - theta * spikes if reset == "soft" else self.membrane * (1.0 - gate)
                u = decay * kept + xs
            spikes, _, gate, _ = self._fire(node, u)
            out[index] = spikes
            if membranes is not None:
                membranes[index] = u
            self.membrane, self.last = u, (spikes, gate, node.reset)
        return out

    def backward_site(self, name: str, grad_out, membranes=None, x=None, previous_spikes=None):
        """dL/dX of site ``name`` from dL/dO (``grad_out``), walking its steps backwards.

        ``membranes``: the site's kept membranes (bptt); otherwise the chain's membrane is
        stepped back in place (reverse, Eq. 18-19) using the site's input ``x`` and
        ``previous_spikes(step)`` (the spikes of the step before, None before the first)."""
        node, decay, theta = self.nodes[name], self.decays[name], self.options.threshold
        grad_in = np.empty_like(grad_out)
        for step in range(len(self.slices) - 1, -1, -1):
            index = self.slices[step]
            u = membranes[index] if membranes is not None else self.membrane
            _, slope, gate, gate_slope = self._fire(node, u)
            g = grad_out[index] * slope
            if self.grad is not None:
                if node.reset == "soft":
                    g += self.next_decay * self.grad * (1.0 - theta * slope)
                else:
                    g += self.next_decay * self.grad * (1.0 - gate - u * gate_slope)
            grad_in[index] = g
            self.grad, self.next_decay = g, decay
            if membranes is None:
                before = previous_spikes(step)
                if before is not None:  # Eq. 18-19, in place: the chain holds one membrane
                    self.membrane -= x[index]
                    self.membrane /= decay
                    self.membrane += theta * before
        return grad_in
