"""Operation counts: dense MACs, spike-driven accumulates (ACs), neuron updates.

One table, :data:`OP_RULES`, maps a node kind to the function giving its dense
multiply-accumulates (MACs) for one pass, one timestep, one sample; a second,
:data:`VALUE_RULES`, says what kind of values a node emits (analog, events, binary
spikes, multi-level spikes, sums of spikes), which decides how a layer fed by it is
counted.  Everything is an exact int (or Fraction, once a spike rate enters), and the
dense rules also run on sympy symbols (:mod:`snncost.formula`).

Conventions (each one named in the report, each one switchable):

- **Dense MACs** (Yao et al., seed 002 Eq. 14; PyTorch's ``FlopCounterMode`` counts 2
  FLOPs per MAC): conv = k_h k_w (C_in / groups) C_out H_out W_out, padding positions
  included (``padding='included'``); ``padding='excluded'`` counts only kernel taps
  that land on the input, as NeuroBench's Dense count does (it re-runs the layer on
  all-ones inputs, so zero padding contributes nothing).  Linear = F_in F_out per
  token.  Biases, batchnorm and avg/sum pooling are off unless named in ``extra_ops``.
- **Spike-driven accumulates**: a layer fed by binary spikes (a neuron output, possibly
  through max-pool, flatten, dropout, identity) costs r x T x MACs ACs, r its input
  spike rate per timestep (seed 002 Eq. 13-14; Spikformer App. C.2).  Sums of spikes
  (a SEW residual add, an average pool of spikes) are not binary: ``spike_sums =
  'neurobench'`` (default) counts such a layer as dense MACs at every timestep, as
  NeuroBench's SynapticOperations does (ACs only when every input value is in
  {-1, 0, 1}); ``'paper'`` counts it as ACs at the input's mean value per element
  (the sum of the addends' rates), the way Spikformer's Table 2 does.
- **Analog-fed layers** (direct encoding) cost MACs: T times (``analog_input='T'``,
  Spikformer, seed 002) or once (``'once'``, seed 004).  A ``static`` node runs once.
  Event input (``input_spikes``) counts as spikes, at the rate given for ``input``.
- **Neuron updates**: one per neuron per timestep; NeuroBench's per-update op costs
  price them (:data:`NEURON_MODELS`).  Sharing changes memory, not updates.
- **Multi-level spikes** (seed 004, one-hot M-LIF): one accumulate per multi-level
  spike, plus the 2^s lane scaling as one exponent add (``exponent_adds``).

Counts are per sample (no batch factor); ``macs`` is one pass, one timestep.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import prod

from .errors import ConfigError

# ---- dense MACs, one rule per node kind ---------------------------------------------


def _pair(value, dims: int) -> tuple:
    return tuple(value)[:dims] if isinstance(value, (tuple, list)) else (value,) * dims


def _left_padding(node, dims: int) -> tuple:
    """Zero padding before the first input position, per spatial dimension
    (PyTorch ``'same'`` pads d (k - 1) // 2 on the left)."""
    if node.padding == "valid":
        return (0,) * dims
    if node.padding == "same":
        return tuple(d * (k - 1) // 2 for k, d in zip(_pair(node.kernel, dims), _pair(node.dilation, dims)))
    return _pair(node.padding, dims)


def valid_taps(size: int, out: int, kernel: int, stride: int, pad: int, dilation: int) -> int:
    """Pairs (output position o, kernel tap j) whose input position o s - p + j d lies on
    the input (0 <= . < size): the taps NeuroBench's all-ones Dense count sees."""
    total = 0
    for j in range(kernel):
        offset = j * dilation - pad                    # input position of tap j at output 0
        low = max(0, -(offset // stride))              # ceil(-offset / stride)
        high = min(out - 1, (size - 1 - offset) // stride)
        total += max(0, high - low + 1)
    return total


def _conv_macs(node, ins, out, options) -> int:
    dims = len(out) - 1
    in_shape = ins[0]
    per_output = (in_shape[0] // node.groups) * prod(_pair(node.kernel, dims))
    dense = node.out_channels * prod(out[1:]) * per_output
    if options.padding == "included" and not _quirk_applies(node, options):
        return dense
    if options.padding == "included":  # one-hot-mlif-snn's shortcut-size quirk (seed 004 code)
        return node.out_channels * (in_shape[0] // node.groups) * prod(
            (s + 2 - 1) // st + 1 for s, st in zip(in_shape[1:], _pair(node.stride, dims)))
    if not all(isinstance(v, int) for v in (*in_shape, *out)):
        raise ConfigError("option padding", "the count without padding positions needs numeric sizes",
                          "padding 'included' for closed-form formulas")
    taps = prod(valid_taps(in_shape[1 + i], out[1 + i], k, s, p, d) for i, (k, s, p, d) in enumerate(zip(
        _pair(node.kernel, dims), _pair(node.stride, dims), _left_padding(node, dims), _pair(node.dilation, dims))))
    return node.out_channels * (in_shape[0] // node.groups) * taps


def _quirk_applies(node, options) -> bool:
    """one-hot-mlif-snn's ann.py sizes a 1x1 shortcut conv's output with the block's
    first 3x3 conv's padding (1): floor((H - 1 + 2) / s) + 1 instead of floor((H - 1) / s) + 1."""
    return options.shortcut_quirk and node.name.endswith("shortcut_conv")


def _linear_macs(node, ins, out, options) -> int:
    return prod(out) * ins[0][-1]


OP_RULES = {
    "conv2d": _conv_macs,
    "conv1d": _conv_macs,
    "linear": _linear_macs,
}
"""Node kind -> dense MACs of one pass, one timestep, one sample:
``rule(node, input_shapes, output_shape, options)``."""


def _bias_ops(node, ins, out) -> int:
    return prod(out) if getattr(node, "bias", False) else 0


def _pool_ops(node, ins, out) -> int:
    if node.op.startswith("max"):
        return 0  # comparisons, not accumulates
    if node.op == "global_avgpool":
        return prod(ins[0])
    return prod(out) * prod(_pair(node.kernel, len(out) - 1))


EXTRA_OPS = {
    "bias": {"conv2d": _bias_ops, "conv1d": _bias_ops, "linear": _bias_ops},
    "batchnorm": {"batchnorm": lambda node, ins, out: prod(out)},
    "pool": {k: _pool_ops for k in ("avgpool2d", "sumpool2d", "avgpool1d", "sumpool1d", "global_avgpool")},
}
"""Ops off by default, each a named option: one add per bias, one multiply-add per
batchnorm element (scale and shift folded), one accumulate per avg/sum pooling tap.
They run densely at every timestep."""

# ---- what a node emits ------------------------------------------------------------

ANALOG, EVENTS, SPIKES, MULTILEVEL, SPIKE_SUM = "analog", "events", "spikes", "multi-level spikes", "sum of spikes"
BINARY = (EVENTS, SPIKES, MULTILEVEL)

THROUGH_KINDS = ("maxpool2d", "maxpool1d", "flatten", "dropout", "identity")
"""Kinds that pass spikes on unchanged (a max of binary values is binary)."""
SUMMING_KINDS = ("add", "avgpool2d", "avgpool1d", "sumpool2d", "sumpool1d", "global_avgpool")
"""Kinds whose output, fed by spikes, is an integer or fractional sum of spikes."""


@dataclass(frozen=True)
class Value:
    """What a node emits: its class, the mean value per element per timestep when it is
    spike-like (a rate, or None when no rates are given), where it comes from, and
    whether it is the network input (possibly through pass-through nodes)."""

    kind: str
    rate: object = None
    origin: str = ""
    from_input: bool = False


def _mean_rate(values, weights=None):
    if any(v.rate is None for v in values):
        return None
    if weights is None:
        return sum(v.rate for v in values)
    return sum(v.rate * w for v, w in zip(values, weights)) / sum(weights)


def emitted(node, ins: list, in_shapes, rates) -> Value:
    """The :class:`Value` a node emits, from the values of its inputs."""
    op = node.op
    if op in ("lif", "if", "cubalif", "mlif"):
        kind = MULTILEVEL if getattr(node, "lanes", 1) > 1 else SPIKES
        return Value(kind, None if rates is None else rates.get(node.name), node.name)
    first = ins[0]
    if op in THROUGH_KINDS or op == "concat" and all(v.kind == first.kind for v in ins) and first.kind in BINARY:
        rate = first.rate if op != "concat" else _mean_rate(ins, [s[0] for s in in_shapes])
        if rates is not None and node.name in rates:
            rate = rates[node.name]
        return Value(first.kind, rate, first.origin if op != "concat" else node.name,
                     first.from_input and op != "concat")
    if op in SUMMING_KINDS or op == "concat":
        if any(v.kind == ANALOG for v in ins):
            return Value(ANALOG, origin=node.name)
        if op == "add":
            rate = _mean_rate(ins)
        elif op == "concat":
            rate = _mean_rate(ins, [s[0] for s in in_shapes])
        elif op.startswith("sumpool"):
            rate = None if first.rate is None else first.rate * prod(_pair(node.kernel, len(in_shapes[0]) - 1))
        else:
            rate = first.rate
        return Value(SPIKE_SUM, rate, node.name)
    return Value(ANALOG, origin=node.name)


# ---- neuron models ----------------------------------------------------------------

NEURON_MODELS = {
    "leaky": 4, "synaptic": 6, "synaptic-8": 8, "lapicque": 11, "alpha": 18, "alpha-24": 24,
}
"""Ops per neuron update (NeuroBench 2.x neuron_operations: snnTorch Leaky 4,
Synaptic 6 or 8, Lapicque 11, Alpha 18 or 24)."""
DEFAULT_NEURON_MODEL = {"lif": "leaky", "if": "leaky", "mlif": "leaky", "cubalif": "synaptic"}
"""The NeuroBench model each snncost neuron kind is priced as (IF: Leaky with beta 1)."""

# ---- options ----------------------------------------------------------------------

SPIKE_SUMS = {"neurobench": "a layer fed by sums of spikes (values outside {-1, 0, 1}) costs dense MACs "
                            "at every timestep (NeuroBench SynapticOperations)",
              "paper": "a layer fed by sums of spikes costs ACs at the input's mean value per element "
                       "(the sum of the addends' rates), as Spikformer's Table 2 counts them"}
ANALOG_INPUT = {"T": "layers fed by the analog network input (direct encoding) run their MACs at every "
                     "timestep (Spikformer App. C.2, seed 002)",
                "once": "layers fed by the analog network input run their MACs once (seed 004)"}
PADDING = {"included": "conv MACs include padding positions (PyTorch FlopCounterMode, the papers)",
           "excluded": "conv MACs exclude padding positions (NeuroBench Dense)"}
RATE_MODES = {"per-timestep": "rates are spikes per neuron per timestep, in [0, 1] (seed 002 Eq. 13 over T)",
              "summed": "rates are spikes per neuron summed over the T timesteps, in [0, T] (seed 004)"}


@dataclass(frozen=True)
class OpsConfig:
    """The op-count conventions of one analysis (see the module docstring)."""

    rates: dict | None = None          # node name -> rate as given (mode below); None: no rates
    rate_mode: str = "per-timestep"
    spike_sums: str = "neurobench"
    analog_input: str = "T"
    padding: str = "included"
    extra_ops: tuple = ()
    input_spikes: bool = False
    neuron_model: str | None = None    # one NeuroBench model for every neuron; None: per kind
    shortcut_quirk: bool = False
    energy_model: str | None = None
    tech: str | None = None
    rate_sources: dict = field(default_factory=dict)  # node -> "given" / "default"

    def as_dict(self) -> dict:
        return {"rate_mode": self.rate_mode, "spike_sums": self.spike_sums, "analog_input": self.analog_input,
                "padding": self.padding, "extra_ops": list(self.extra_ops), "input_spikes": self.input_spikes,
                "neuron_model": self.neuron_model or "per kind", "shortcut_quirk": self.shortcut_quirk,
                "energy_model": self.energy_model, "tech": self.tech, "rates_given": self.rates is not None}

    def notes(self) -> list[str]:
        text = ["op counts per sample; macs = dense MACs of one pass, one timestep; " + PADDING[self.padding]]
        if self.extra_ops:
            text.append("extra dense ops counted in macs: " + ", ".join(self.extra_ops))
        text.append(ANALOG_INPUT[self.analog_input] + ("; the network input is events (counted as spikes)"
                                                       if self.input_spikes else ""))
        text.append("spike sums: " + self.spike_sums + ": " + SPIKE_SUMS[self.spike_sums])
        if self.rates is not None:
            text.append(RATE_MODES[self.rate_mode])
        if self.shortcut_quirk:
            text.append("shortcut-size quirk of one-hot-mlif-snn's ann.py: 1x1 shortcut convs counted at "
                        "floor((H + 1) / s) + 1 output positions per side (the block's 3x3 padding)")
        return text


def check_choice(value, choices, where: str) -> str:
    if value not in choices:
        raise ConfigError(where, f"unknown value {value!r}", ", ".join(choices))
    return value


def make_ops_config(spec, *, rates=None, rate_default=None, rate_mode="per-timestep", spike_sums=None,
                    analog_input=None, padding="included", extra_ops=(), input_spikes=False, neuron_model=None,
                    shortcut_quirk=False, energy_model=None, tech=None, timesteps=None) -> OpsConfig:
    """Check the op-count options against ``spec`` and resolve the rates.

    ``spike_sums`` and ``analog_input`` default to the energy model's convention
    (:data:`snncost.energy.FORCED_OPTIONS`: ``spikformer`` counts sums of spikes as
    SOPs, ``mlif`` runs the first layer once), else to ``neurobench`` and ``T``."""
    from . import rates as rates_mod
    from .energy import FORCED_OPTIONS

    paper = FORCED_OPTIONS.get(energy_model, {}) if isinstance(energy_model, str) else {}
    spike_sums = spike_sums if spike_sums is not None else paper.get("spike_sums", "neurobench")
    analog_input = analog_input if analog_input is not None else paper.get("analog_input", "T")
    check_choice(rate_mode, RATE_MODES, "option --rate-mode")
    check_choice(spike_sums, SPIKE_SUMS, "option --spike-sums")
    check_choice(analog_input, ANALOG_INPUT, "option --analog-input")
    check_choice(padding, PADDING, "option --padding")
    if isinstance(extra_ops, str):
        extra_ops = tuple(p.strip() for p in extra_ops.split(",") if p.strip())
    for item in extra_ops:
        check_choice(item, EXTRA_OPS, "option --extra-ops")
    if neuron_model is not None:
        check_choice(neuron_model, NEURON_MODELS, "option --neuron-model")
    if energy_model is not None:
        from .energy import check_energy_model

        check_energy_model(energy_model)
    if tech is not None:
        from .energy import load_table

        load_table(tech)
    resolved, sources = (None, {})
    if rates is not None or rate_default is not None:
        resolved, sources = rates_mod.resolve_rates(spec, rates, rate_default, rate_mode,
                                                    timesteps or spec.timesteps, bool(input_spikes))
    return OpsConfig(rates=resolved, rate_mode=rate_mode, spike_sums=spike_sums, analog_input=analog_input,
                     padding=padding, extra_ops=tuple(extra_ops), input_spikes=bool(input_spikes),
                     neuron_model=neuron_model, shortcut_quirk=bool(shortcut_quirk), energy_model=energy_model,
                     tech=tech, rate_sources=sources)


# ---- the count --------------------------------------------------------------------

OP_TOTAL_KEYS = ("macs", "snn_macs", "neuron_updates", "neuron_ops")
RATE_TOTAL_KEYS = ("acs", "exponent_adds")


def count_ops(spec, shapes: dict, options: OpsConfig, timesteps, rows: list) -> dict:
    """Add op facts to every row (``macs``, ``snn_macs``, ``op_rule``, ``neuron_updates``,
    ``neuron_ops``; with rates ``acs``, ``exponent_adds``, ``input_rate``) and return the op totals."""
    from .spec.network import INPUT_NAME

    T = timesteps
    per_step = None
    if options.rates is not None:
        per_step = options.rates if options.rate_mode == "per-timestep" else \
            {k: v / T for k, v in options.rates.items()}
    input_value = Value(EVENTS if options.input_spikes else ANALOG,
                        None if per_step is None else per_step.get(INPUT_NAME), INPUT_NAME, True)
    values = {INPUT_NAME: input_value}
    edges = spec.edges
    totals = {"macs": 0, "snn_macs": 0, "neuron_updates": 0, "neuron_ops": 0}
    if per_step is not None:
        totals.update(acs=0, exponent_adds=0)
    for node, row in zip(spec.order, rows):
        ins = [values[src] for src in edges[node.name]]
        in_shapes, out = shapes[node.name]["inputs"], shapes[node.name]["output"]
        values[node.name] = emitted(node, ins, in_shapes, per_step)
        facts = {"macs": 0, "snn_macs": 0, "op_rule": "", "neuron_updates": 0, "neuron_ops": 0}
        if per_step is not None:
            facts.update(acs=0, exponent_adds=0, input_rate=None)
        rule = OP_RULES.get(node.op)
        extra = sum(EXTRA_OPS[name][node.op](node, in_shapes, out) for name in options.extra_ops
                    if node.op in EXTRA_OPS[name])
        if rule is not None:
            macs = rule(node, in_shapes, out, options)
            facts.update(_layer_rule(node, ins[0], macs, options, T, per_step is not None))
            if facts.get("acs"):  # spikes read from the input map (the memory energy model)
                facts.update(spike_reads=ins[0].rate * T * prod(in_shapes[0]), spike_map_elements=prod(in_shapes[0]))
            facts["macs"] = macs + extra
            facts["snn_macs"] += extra * (1 if node.static else T)
        elif extra:
            facts["macs"] = extra
            facts["snn_macs"] = extra * (1 if node.static else T)
            facts["op_rule"] = "dense extra ops at every timestep"
        if node.op in DEFAULT_NEURON_MODEL:
            updates = row["lif_neurons"] * T
            model = options.neuron_model or DEFAULT_NEURON_MODEL[node.op]
            facts.update(neuron_updates=updates, neuron_ops=updates * NEURON_MODELS[model],
                         op_rule=f"neuron updates: {NEURON_MODELS[model]} ops each (NeuroBench {model})")
            if per_step is not None:
                facts["spikes_emitted"] = values[node.name].rate * updates
        row.update(facts)
        for key in totals:
            totals[key] += facts[key]
    return totals


def _layer_rule(node, source: Value, macs, options: OpsConfig, T, with_rates: bool) -> dict:
    """How a weighted layer is counted, from what feeds it (see the module docstring)."""
    out = {"snn_macs": 0}
    if with_rates:
        out.update(acs=0, exponent_adds=0, input_rate=source.rate)
    spike_like = source.kind in BINARY or source.kind == SPIKE_SUM and options.spike_sums == "paper"
    if node.static:
        out.update(snn_macs=macs, op_rule="MAC once: static node (computed once, outside the time loop)")
    elif spike_like:
        if source.kind == SPIKE_SUM:
            why = f"AC (paper convention): input is a sum of spikes ('{source.origin}') counted as spikes"
        elif source.kind == EVENTS:
            why = "AC: input is events (network input)"
        elif source.kind == MULTILEVEL:
            why = f"AC: input is multi-level spikes from '{source.origin}' (one AC + one exponent add per spike)"
        else:
            why = f"AC: input is spikes from '{source.origin}'"
        out["op_rule"] = why
        if with_rates:
            acs = source.rate * T * macs
            out["acs"] = acs
            if source.kind == MULTILEVEL:
                out["exponent_adds"] = acs
    elif source.kind == SPIKE_SUM:
        out.update(snn_macs=macs * T, op_rule=f"MAC x T (neurobench): input is a sum of spikes ('{source.origin}'), "
                                              "values outside {-1, 0, 1}")
    elif source.from_input and options.analog_input == "once":
        out.update(snn_macs=macs, op_rule="MAC once: analog network input (direct encoding)")
    else:
        where = "analog network input (direct encoding)" if source.from_input else f"analog input from '{source.origin}'"
        out.update(snn_macs=macs * T, op_rule=f"MAC x T: {where}")
    return out


def as_fraction(value):
    """An exact rate: ints and Fractions as they are; floats through their decimal text."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)
