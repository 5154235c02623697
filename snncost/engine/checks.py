"""The engine's proofs on one model: reverse vs store gradients, finite differences, memory.

- :func:`grad_rel_err`: ||a - b|| / ||a|| over all trainable parameters concatenated.
- :func:`finite_difference_err`: in smooth mode (spikes replaced by the surrogate's
  primitive, so the network is differentiable and the backward pass is its exact
  gradient), for each parameter tensor a random unit direction d: the central
  difference (L(p + h d) - L(p - h d)) / 2h against g . d, relative to
  max(|fd|, |g . d|, 1e-3 ||g||) (the floor keeps tensors whose gradient cancels
  exactly, such as a bias before batchnorm, from dividing rounding noise by zero).
  The triangle surrogate's primitive is piecewise quadratic and saturates at exactly 0
  and 1 (ties in max pooling, kinks), so finite differences run with ``atan`` in its
  place; the triangle pair itself is checked in the tests.
- :func:`membrane_mismatch_bits`: |tallied membrane bits - snncost's lif_backward_bits|.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .model import EngineModel
from .tally import predicted_membrane_bits, tally

FD_STEP = 1e-6
SMOOTH_SURROGATES = ("atan", "sigmoid")


def _flat(grads) -> np.ndarray:
    parts = [g.ravel() for p in grads.values() for g in p.values()]
    return np.concatenate(parts) if parts else np.zeros(0)


def grad_rel_err(a, b) -> float:
    fa, fb = _flat(a), _flat(b)
    scale = max(np.linalg.norm(fa), np.linalg.norm(fb))
    return float(np.linalg.norm(fa - fb) / scale) if scale > 0 else 0.0


def finite_difference_err(model: EngineModel, x, labels, rng, step: float = FD_STEP) -> float:
    """Largest relative error of directional derivatives against central differences."""
    _, grads, _ = model.loss_and_grads(x, labels)
    floor = 1e-3 * np.linalg.norm(_flat(grads))
    worst = 0.0
    for name, params in model.trainable().items():
        for key, value in params.items():
            direction = rng.normal(size=value.shape)
            direction /= np.linalg.norm(direction) or 1.0
            exact = float((grads[name][key] * direction).sum())
            saved = value.copy()
            value += step * direction
            up = model.loss(x, labels)
            value[...] = saved - step * direction
            down = model.loss(x, labels)
            value[...] = saved
            numeric = (up - down) / (2 * step)
            scale = max(abs(numeric), abs(exact), floor)
            if scale > 0:
                worst = max(worst, abs(numeric - exact) / scale)
    return worst


def membrane_mismatch_bits(model: EngineModel, tape) -> int:
    return abs(tally(model, tape)["categories"]["membranes"] - predicted_membrane_bits(model, tape.x.shape[0]))


def check_model(spec, sharing: str, x, labels, *, options, seed: int = 0, modes=("bptt", "reverse")) -> dict:
    """All three checks on ``spec`` under ``sharing`` for each training mode in ``modes``."""
    rng = np.random.default_rng(seed)
    grads, result = {}, {"fd_err": 0.0, "memory_mismatch_bits": 0, "reverse_vs_store": 0.0}
    for mode in modes:
        model = EngineModel(spec, sharing=sharing, training=mode, options=options, seed=seed)
        _, grads[mode], tape = model.loss_and_grads(x, labels)
        result["memory_mismatch_bits"] = max(result["memory_mismatch_bits"], membrane_mismatch_bits(model, tape))
        surrogate = options.surrogate if options.surrogate in SMOOTH_SURROGATES else "atan"
        smooth = EngineModel(spec, sharing=sharing, training=mode, options=replace(options, smooth=True, surrogate=surrogate),
                             seed=seed)
        result["fd_err"] = max(result["fd_err"], finite_difference_err(smooth, x, labels, rng))
    if "bptt" in grads and "reverse" in grads:
        result["reverse_vs_store"] = grad_rel_err(grads["bptt"], grads["reverse"])
    return result
