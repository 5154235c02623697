"""Spike functions and their surrogate gradients.

A spike is the Heaviside step of Eq. 2 of EfficientLIF-Net (fire when U > theta);
its derivative is replaced by a surrogate (Sec. 3.2):

- ``atan`` (the paper's): primitive f(x) = arctan(pi x) / pi + 1/2, f'(x) = 1 / (1 + (pi x)^2);
- ``sigmoid``: f(x) = 1 / (1 + exp(-4 x)), f'(x) = 4 f (1 - f);
- ``triangle``: f'(x) = max(0, 1 - |x|), its primitive the piecewise quadratic.

Every surrogate peaks at f'(0) = 1.  In *smooth* mode (gradient checks) the forward
pass uses the primitive f itself instead of the step, so that the engine's backward is
the exact gradient of a differentiable network and can be compared with finite
differences.

A one-hot multi-level neuron (seed 004, domain notes section 4) with S lanes emits
2^s when 2^s theta < U <= 2^(s+1) theta (top lane: U > 2^(S-1) theta), nothing when
U <= theta.  That is the sum of S steps: O(U) = H(U - theta) + sum_{s=1}^{S-1}
2^(s-1) H(U - 2^s theta), so its surrogate is the same sum of surrogates.  S = 1 is
the ordinary LIF.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError

SURROGATES = ("atan", "sigmoid", "triangle")


def _atan(x):
    with np.errstate(over="ignore"):  # far from threshold (pi x)^2 may overflow: the slope is then 0
        return np.arctan(np.pi * x) / np.pi + 0.5, 1.0 / (1.0 + (np.pi * x) ** 2)


def _sigmoid(x):
    f = 0.5 * (1.0 + np.tanh(2.0 * x))  # = 1 / (1 + exp(-4 x)), without overflow
    return f, 4.0 * f * (1.0 - f)


def _triangle(x):
    a = np.clip(x, -1.0, 1.0)
    f = np.where(a < 0, 0.5 * (1.0 + a) ** 2, 1.0 - 0.5 * (1.0 - a) ** 2)
    return f, np.maximum(0.0, 1.0 - np.abs(x))


PRIMITIVES = {"atan": _atan, "sigmoid": _sigmoid, "triangle": _triangle}


def check_surrogate(name: str) -> str:
    if name not in PRIMITIVES:
        raise ConfigError("option --surrogate", f"unknown surrogate {name!r}", ", ".join(SURROGATES))
    return name


def lane_steps(lanes: int, threshold: float) -> list[tuple[float, float]]:
    """(amplitude, step position) of each Heaviside term of an S-lane neuron."""
    return [(1.0, threshold)] + [(2.0 ** (s - 1), 2.0 ** s * threshold) for s in range(1, lanes)]


def fire(u, lanes: int, threshold: float, surrogate: str, smooth: bool):
    """(spike values O, surrogate dO/dU, fired gate F, dF/dU) for membranes ``u``.

    F is the lane-0 step H(U - theta), which gates a hard reset."""
    primitive = PRIMITIVES[surrogate]
    out = np.zeros_like(u)
    slope = np.zeros_like(u)
    gate = gate_slope = None
    for amplitude, position in lane_steps(lanes, threshold):
        smooth_value, d = primitive(u - position)
        value = smooth_value if smooth else (u > position).astype(u.dtype)
        if gate is None:
            gate, gate_slope = value, d
        out += amplitude * value
        slope += amplitude * d
    return out, slope, gate, gate_slope


def spike_code(values, lanes: int):
    """Spike values 0, 1, 2, 4, ... -> uint8 lane codes 0 (silent), 1 + s (lane s): what the engine keeps."""
    if lanes == 1:
        return values.astype(np.uint8)
    return np.where(values > 0, np.log2(np.maximum(values, 1.0)) + 1, 0).astype(np.uint8)


def spike_values(code, lanes: int, dtype):
    """uint8 lane codes -> spike values."""
    if lanes == 1:
        return code.astype(dtype)
    table = np.array([0.0] + [2.0 ** s for s in range(lanes)], dtype=dtype)
    return table[code]
