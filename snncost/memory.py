"""The memory model: membrane (LIF), weight and spike memory, counted in bits.

Formulas (EfficientLIF-Net, Kim et al. 2023, Sec. 4 and 5.1):

- forward LIF memory  = sum over sharing buffers of
  (neurons per buffer / N) x state variables x membrane bits x batch,
  where a buffer holds one LIF site's membrane (``none``), one layer group's shared
  membrane (``L``, Eq. 4-6), and N divides the channels (``C<N>``, Eq. 7-11);
  with P spatial windows (``W<P>``, Yao et al., seed 002 Sec. 3.1, Eq. 4: one
  membrane carried window to window) a buffer holds one window:
  neurons / (N x P) x state variables x membrane bits x batch.
- backward LIF memory, training mode ``bptt`` (standard BPTT, Table 1 baseline):
  every LIF site's membrane at every timestep, T x sum over sites of
  neurons x state variables x membrane bits x batch.
- backward, mode ``reverse`` (reverse recomputation, Eq. 18-19): the earlier
  layers'/groups'/timesteps' membranes are recomputed from the last one, so only the
  forward buffers are kept: backward = forward.  Needs soft reset.
- weight memory = parameters x weight bits; spike memory per timestep =
  neurons x spike bits x batch (x T for all timesteps).

Every function works on ints, :class:`fractions.Fraction` bit widths, and sympy symbols.
"""
from __future__ import annotations

from fractions import Fraction

TRAINING_MODES = ("bptt", "reverse")


def exact(value):
    """Ints stay ints; integral Fractions become ints; other numbers stay exact."""
    kind = type(value)
    if kind is int:  # the common case, checked first: analyze() calls this thousands of times
        return value
    if kind is Fraction and value.denominator == 1:
        return int(value)
    return value


def bits_value(value):
    """A bit width as an exact number (1.5 -> Fraction(3, 2)); symbols pass through."""
    if isinstance(value, float):
        return exact(Fraction(repr(value)))
    return exact(value)  # None, bools and symbols come back as they are


def buffer_forward_bits(neurons, state_variables, channel_groups, membrane_bits, batch, windows=1):
    """Bits of one sharing buffer: neurons / (N x P) x state variables x b_u x B
    (EfficientLIF-Net Eq. 4-14; P spatial windows, seed 002 Sec. 3.1)."""
    parts = channel_groups * windows
    per_buffer = neurons // parts if isinstance(neurons, int) and isinstance(parts, int) else neurons / parts
    return exact(per_buffer * state_variables * membrane_bits * batch)


def unshared_lif_bits(rows, batch, timesteps) -> tuple:
    """(forward, bptt backward) LIF bits of the ``none`` scheme, from per-site rows
    (``lif_neurons``, ``state_variables``, ``membrane_bits``): the baseline every
    reduction factor is taken against (EfficientLIF-Net Table 1, Baseline rows)."""
    forward = exact(sum(r["lif_neurons"] * r["state_variables"] * r["membrane_bits"] for r in rows if r["lif_neurons"]) * batch)
    return forward, exact(forward * timesteps)


def site_bptt_bits(neurons, state_variables, membrane_bits, batch, timesteps):
    """Bits BPTT keeps for one LIF site: its membrane at each of T timesteps."""
    return exact(timesteps * neurons * state_variables * membrane_bits * batch)


def weight_bits(params, bits):
    return exact(params * bits)


def spike_bits(neurons, bits_per_spike, batch):
    """Spike bits one site emits in one timestep."""
    return exact(neurons * bits_per_spike * batch)
