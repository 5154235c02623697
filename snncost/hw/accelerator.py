"""The accelerator model: a PE array with LIF units, and what cross-channel sharing
does to it (EfficientLIF-Net, Kim et al. 2023, Sec. 4.4.2 and 5.3.9; Fig. 9 top).

Each post-synaptic neuron's convolution is mapped to one PE; its result goes to the
PE's LIF unit, which holds the neuron's full-precision membrane in a buffer.  With
C<N> sharing, N channel groups pass one membrane from group to group, so one LIF
unit and one membrane buffer serve N PEs: the array needs ``ceil(PEs x units per PE
/ N)`` LIF units, and spike generation for one round of the array takes N cycles
instead of one (Sec. 4.4.2: "for 128 PE array ... C#4 ... 32 ... we will need 4
cycles instead").

Every assumption is a field of :class:`Accelerator`, with its default and its
source in :data:`PARAMETERS`; reports print them all.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from fractions import Fraction

from ..errors import ConfigError

WEIGHT_READS = ("mini-batch", "timestep")
STATIC_LAYERS = ("recompute", "store")


@dataclass(frozen=True)
class Accelerator:
    """The named assumptions of the hardware model (see :data:`PARAMETERS`)."""

    pe: int = 128
    lif_units_per_pe: int = 1
    clock_mhz: int = 200
    lif_share: Fraction = Fraction("0.616")
    membrane_registers_per_lif_unit: int = 1
    spike_rate: Fraction = Fraction(1)
    input_bits: int = 8
    word_bits: int = 64
    global_buffer_bits: int = 0
    weight_reads: str = "mini-batch"
    static_layers: str = "recompute"
    sata_word_bits: int = 8
    gradient_density: Fraction = Fraction(1)

    def with_options(self, **options) -> "Accelerator":
        """A copy with ``options`` checked (None values keep the default)."""
        known = {f.name for f in fields(self)}
        for key in options:
            if key not in known:
                raise ConfigError(f"hardware parameter {key!r}", "unknown parameter", ", ".join(sorted(known)))
        given = {k: v for k, v in options.items() if v is not None}
        return replace(self, **{k: _check(k, v) for k, v in given.items()})

    def steps(self, node, timesteps: int) -> int:
        """Times a node runs per sample: T, or once for a static node under ``store``."""
        return 1 if node.static and self.static_layers == "store" else timesteps

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


#: parameter -> (what it is, where the default comes from)
PARAMETERS = {
    "pe": ("processing elements in the array; one post-synaptic neuron per PE per round",
           "EfficientLIF-Net Sec. 4.4.2 and Fig. 9: a 128-PE array on SATA"),
    "lif_units_per_pe": ("LIF units per PE without sharing", "Sec. 4.4.2: one LIF unit inside each PE"),
    "clock_mhz": ("clock frequency, for LIF time per timestep", "assumed (SATA's paper gives no figure here)"),
    "lif_share": ("LIF share of PE compute without sharing", "Sec. 5.3.9: 61.6% measured on SATA"),
    "membrane_registers_per_lif_unit": ("membranes each LIF unit's buffer holds (one neuron at a time)",
                                        "Sec. 4.4.2: a buffer for the full-precision membrane of the neuron in flight"),
    "spike_rate": ("output spike rate of every neuron site per timestep (input density of spike-fed layers), "
                   "when no per-node rates (--rates) are given",
                   "assumed upper bound 1 (dense); give measured rates (--rates: one number or a per-node file)"),
    "input_bits": ("bits per input (image) value read from DRAM", "assumed 8-bit pixels"),
    "word_bits": ("bits per memory access (DRAM and global buffer)", "Horowitz 2014 prices 64-bit accesses"),
    "global_buffer_bits": ("on-chip global buffer: a spike, membrane or static-current tensor of one layer and "
                           "timestep for the mini-batch stays on chip when it fits, else it goes to DRAM",
                           "assumed 0: every such tensor goes through DRAM (our reading of Fig. 9)"),
    "weight_reads": ("weights read from DRAM once per mini-batch, or once per timestep",
                     "issue 12's reading of Fig. 9: once per mini-batch (weights dominate at B = 1)"),
    "static_layers": ("a static node (the spec computes it once, outside the time loop): recompute runs it every "
                      "timestep from the input; store runs it once and keeps its output current, read every timestep",
                      "assumed recompute: a SNN accelerator runs every layer at every timestep (Sec. 4.4.1); "
                      "store follows the authors' GPU code"),
    "sata_word_bits": ("SATA's word: spikes are packed this many per word (b)",
                       "SATA_Sim get_workload.py uses b = 8"),
    "gradient_density": ("density of membrane gradients (SATA's 1 - sp_du) for backward MACs", "assumed 1 (dense)"),
}

_INT_PARAMS = ("pe", "lif_units_per_pe", "clock_mhz", "membrane_registers_per_lif_unit", "input_bits", "word_bits",
               "sata_word_bits")
_FRACTION_PARAMS = ("lif_share", "spike_rate", "gradient_density")


def parse_fraction(value, where: str, valid: str) -> Fraction:
    """An exact fraction from an int, a Fraction or text such as '0.616' or '61.6%'
    (never a float's binary expansion: '0.616' is 77/125)."""
    if isinstance(value, bool):
        raise ConfigError(where, f"expected a number, got {value!r}", valid)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        text = value.strip()
        percent = text.endswith("%")
        try:
            number = Fraction(text[:-1] if percent else text)
        except (ValueError, ZeroDivisionError):
            raise ConfigError(where, f"cannot read {value[:40]!r} as a number", valid) from None
        return number / 100 if percent else number
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    raise ConfigError(where, f"expected a number, got {type(value).__name__}", valid)


def _check(key: str, value):
    where = f"option --{key.replace('_', '-')}"
    if key in _INT_PARAMS or key == "global_buffer_bits":
        from ..options import MAX_OPTION_INT, positive_int

        if key == "global_buffer_bits" and (value == 0 and not isinstance(value, bool) or str(value).strip() == "0"):
            return 0
        low = "0 or a" if key == "global_buffer_bits" else "a"
        return positive_int(value, where, f"{low} positive integer up to 10^18", MAX_OPTION_INT)
    if key in _FRACTION_PARAMS:
        number = parse_fraction(value, where, "a number in [0, 1] such as 0.616 or 61.6%")
        if not 0 <= number <= 1 or (key == "lif_share" and number in (0, 1)):
            raise ConfigError(where, f"{value} is out of range",
                              "a number strictly between 0 and 1" if key == "lif_share" else "a number in [0, 1]")
        return number
    choices = {"weight_reads": WEIGHT_READS, "static_layers": STATIC_LAYERS}.get(key)
    if choices:
        if value not in choices:
            raise ConfigError(where, f"unknown value {value!r}", ", ".join(choices))
        return value
    return value


def lif_units(acc: Accelerator, channel_groups: int) -> int:
    """LIF units of the array under C<N>: ceil(PEs x units per PE / N) (Sec. 4.4.2)."""
    baseline = acc.pe * acc.lif_units_per_pe
    return -(-baseline // channel_groups)


def membrane_buffer_bits(acc: Accelerator, channel_groups: int, membrane_bits, state_variables: int = 1):
    """Membrane buffer bits of the LIF units: units x registers x state variables x b_u."""
    return lif_units(acc, channel_groups) * acc.membrane_registers_per_lif_unit * state_variables * membrane_bits


def lif_share(baseline: Fraction, channel_groups: int) -> Fraction:
    """LIF share of PE compute after C<N> sharing: only the LIF part shrinks N times,
    s' = (s / N) / (s / N + 1 - s).  Sec. 5.3.9: s = 0.616, N = 4 -> 77/269 = 28.6%."""
    part = Fraction(baseline) / channel_groups
    return part / (part + 1 - Fraction(baseline))


def lif_cycles(acc: Accelerator, channel_groups: int, neurons: int) -> int:
    """Cycles the LIF units spend on one site's ``neurons`` in one timestep: the array
    produces ``PEs x units per PE`` results per round, and each round's spikes take N
    cycles with C<N> (one without sharing)."""
    per_round = acc.pe * acc.lif_units_per_pe
    rounds = -(-neurons // per_round)
    return rounds * channel_groups
