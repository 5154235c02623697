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

from functools import reduce
from math import prod

from .errors import ConfigError
from .kinds.base import pair
from .memory import exact
from .records import Record

# ---- what a node emits ------------------------------------------------------------

ANALOG, EVENTS, SPIKES, MULTILEVEL, SPIKE_SUM = "analog", "events", "spikes", "multi-level spikes", "sum of spikes"
BINARY = (EVENTS, SPIKES, MULTILEVEL)
SPIKE_PASSING = {
    "through": "spikes pass on unchanged (max-pool, flatten, dropout, identity)",
    "add": "a sum of spikes: its mean value is the sum of the addends' rates",
    "average": "an average of spikes: its mean value is the input's rate",
    "window-sum": "a window sum of spikes: its mean value is the window size times the input's rate",
    "token-sum": "a sum over the N tokens: its mean value is N times the input's rate",
    "product": "a product of spikes (an AND) is spikes, at the smaller rate (an upper bound)",
    "concat": "spikes stay spikes when every input is spikes; the rate is the channel-weighted mean",
}
"""The values of a kind's ``"spikes"`` rule (:mod:`snncost.kinds.registry`); a kind
without it emits analog values."""


class Value(Record):
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


def emitted(node, kind, ins: list, in_shapes, rates) -> Value:
    """The :class:`Value` a node emits, from the values of its inputs and its kind's
    ``"spikes"`` rule."""
    if kind.is_neuron:
        spike_kind = MULTILEVEL if node.lanes > 1 else SPIKES  # every neuron kind has lanes (1 but for mlif)
        return Value(spike_kind, None if rates is None else rates.get(node.name), node.name)
    passing = kind.rules.get("spikes")
    first = ins[0]
    if passing == "through":  # what came in, from where it came (a rate given for the node wins for spikes)
        given = rates is not None and node.name in rates and first.kind != ANALOG
        return Value(first.kind, rates[node.name] if given else first.rate, first.origin, first.from_input)
    if passing is None or any(v.kind == ANALOG for v in ins):
        return Value(ANALOG, origin=node.name)
    if passing == "concat" and all(v.kind == first.kind for v in ins) and first.kind in BINARY:
        return Value(first.kind, _mean_rate(ins, [s[0] for s in in_shapes]), node.name)
    if passing == "product":
        rate = reduce(_smaller, (v.rate for v in ins))
        if all(v.kind in BINARY for v in ins):
            return Value(MULTILEVEL if any(v.kind == MULTILEVEL for v in ins) else first.kind, rate, node.name)
    elif passing == "add":
        rate = _mean_rate(ins)
    elif passing == "concat":
        rate = _mean_rate(ins, [s[0] for s in in_shapes])
    elif passing == "window-sum":
        rate = None if first.rate is None else first.rate * prod(pair(node.kernel)[:len(in_shapes[0]) - 1])
    elif passing == "token-sum":
        rate = None if first.rate is None else first.rate * in_shapes[0][1]  # (D, N): N tokens
    else:
        rate = first.rate
    return Value(SPIKE_SUM, rate, node.name)


def shortcut_quirk_macs(node, in_shape) -> int:
    """one-hot-mlif-snn's ann.py sizes a 1x1 shortcut conv's output with the block's first
    3x3 conv's padding (1): floor((H - 1 + 2) / s) + 1 positions per side instead of
    floor((H - 1) / s) + 1 (the option ``shortcut_quirk``, for nodes named ``*shortcut_conv``)."""
    return node.out_channels * (in_shape[0] // node.groups) * prod(
        (size + 1) // stride + 1 for size, stride in zip(in_shape[1:], pair(node.stride)))


def dense_macs(node, kind, in_shapes, out, options) -> int:
    """A node's dense MACs of one timestep under the padding convention (its kind's
    ``"macs"`` rule; ``"macs_unpadded"`` when padding is excluded, for kinds that pad)."""
    rule = kind.rules["macs"]
    if options.shortcut_quirk and node.name.endswith("shortcut_conv") and "macs_unpadded" in kind.rules:
        return shortcut_quirk_macs(node, in_shapes[0])
    if options.padding == "excluded":
        rule = kind.rules.get("macs_unpadded", rule)
    return rule(node, in_shapes, out)


def extra_ops(node, kind, in_shapes, out, options) -> int:
    extra = kind.rules.get("extra_ops")
    return extra[1](node, in_shapes, out) if extra is not None and extra[0] in options.extra_ops else 0


EXTRA_OPS = ("bias", "batchnorm", "layernorm", "pool")
"""Ops off by default, each a named option: one add per bias, one multiply-add per
batchnorm element (scale and shift folded), one accumulate per avg/sum pooling tap.
They run densely at every timestep."""


# ---- neuron models ----------------------------------------------------------------

NEURON_MODELS = {
    "leaky": 4, "synaptic": 6, "synaptic-8": 8, "lapicque": 11, "alpha": 18, "alpha-24": 24,
}
"""Ops per neuron update (NeuroBench 2.x neuron_operations: snnTorch Leaky 4,
Synaptic 6 or 8, Lapicque 11, Alpha 18 or 24)."""

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


class OpsConfig(Record):
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
    rate_sources: dict = {}  # node -> "given" / "default"

    def per_timestep(self, timesteps) -> dict | None:
        """The rates as spikes per neuron per timestep (summed rates divided by T); None without rates."""
        if self.rates is None or self.rate_mode == "per-timestep":
            return self.rates
        return {k: v / timesteps for k, v in self.rates.items()}

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
                    analog_input=None, padding="included", extra_ops=None, input_spikes=False, neuron_model=None,
                    shortcut_quirk=False, energy_model=None, tech=None, timesteps=None) -> OpsConfig:
    """Check the op-count options against ``spec`` and resolve the rates.

    ``spike_sums`` and ``analog_input`` default to the energy model's convention
    (:data:`snncost.energy.FORCED_OPTIONS`: ``spikformer`` counts sums of spikes as
    SOPs, ``mlif`` runs the first layer once), else to ``neurobench`` and ``T``."""
    from . import rates as rates_mod
    from .energy import FORCED_OPTIONS

    if energy_model is not None:
        from .energy import check_energy_model

        check_energy_model(energy_model)
    paper = FORCED_OPTIONS.get(energy_model, {})
    spike_sums = spike_sums if spike_sums is not None else paper.get("spike_sums", "neurobench")
    analog_input = analog_input if analog_input is not None else paper.get("analog_input", "T")
    check_choice(rate_mode, RATE_MODES, "option --rate-mode")
    check_choice(spike_sums, SPIKE_SUMS, "option --spike-sums")
    check_choice(analog_input, ANALOG_INPUT, "option --analog-input")
    check_choice(padding, PADDING, "option --padding")
    if extra_ops is None:
        extra_ops = ()
    if isinstance(extra_ops, str):
        extra_ops = tuple(p.strip() for p in extra_ops.split(",") if p.strip())
    for item in extra_ops:
        check_choice(item, EXTRA_OPS, "option --extra-ops")
    if neuron_model is not None:
        check_choice(neuron_model, NEURON_MODELS, "option --neuron-model")
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

RATE_KEYS = ("acs", "exponent_adds", "input_rate", "energy_pj", "ann_energy_pj")
"""Row and total keys present only when rates are given."""


def count_ops(spec, layers: list, options: OpsConfig, timesteps) -> list[dict]:
    """The op facts of every node (``macs``, ``snn_macs``, ``op_rule``, ``neuron_updates``,
    ``neuron_ops``; with rates ``acs``, ``exponent_adds``, ``input_rate`` and the spike
    traffic the memory energy model reads), from the typed layer facts."""
    from .spec.network import INPUT_NAME

    T = timesteps
    per_step = options.per_timestep(T)
    values = {INPUT_NAME: Value(EVENTS if options.input_spikes else ANALOG,
                                None if per_step is None else per_step.get(INPUT_NAME), INPUT_NAME, True)}
    edges = spec.edges
    found = []
    for f in layers:
        node, kind = f.node, f.kind
        ins = [values[src] for src in edges[node.name]]
        in_shapes, out = f.input_shapes, f.output_shape
        values[node.name] = emitted(node, kind, ins, in_shapes, per_step)
        facts = {"macs": 0, "snn_macs": 0, "op_rule": "", "neuron_updates": 0, "neuron_ops": 0}
        if per_step is not None:
            facts.update(acs=0, exponent_adds=0)
        extra = extra_ops(node, kind, in_shapes, out, options)
        if "macs" in kind.rules:
            macs = dense_macs(node, kind, in_shapes, out, options)
            source = operand_source(ins) if kind.rules.get("operands") == 2 else ins[0]
            facts.update(_layer_rule(node, source, macs, options, T, per_step is not None))
            facts["macs"] = macs + extra
            if facts.get("acs"):  # spikes read from the input map (the memory energy model)
                facts.update(spike_reads=source.rate * T * prod(in_shapes[0]), spike_map_elements=prod(in_shapes[0]))
        elif extra:
            facts.update(macs=extra, op_rule="dense extra ops at every timestep")
        facts["snn_macs"] += extra * (1 if node.static else T)
        if kind.is_neuron:
            updates = f.neuron.neurons * T
            model = options.neuron_model or kind.rules.get("neuron_model", "leaky")
            facts.update(neuron_updates=updates, neuron_ops=updates * NEURON_MODELS[model],
                         op_rule=f"neuron updates: {NEURON_MODELS[model]} ops each (NeuroBench {model})")
            if per_step is not None:
                facts["spikes_emitted"] = values[node.name].rate * updates
        found.append(facts)
    return found


def operand_source(ins: list) -> Value:
    """What drives a product of two activations (``matmul``, ``multiply``).

    Both binary: an accumulate happens only where both operands spike; snncost counts
    min(r_a, r_b) x T x MACs, the attention count of the tool the Spikformer author
    points to (Spikingformer's energy_consumption_calculation: min(rate_K, rate_V)), an
    upper bound of r_a r_b.  One binary: accumulates of the other operand's values where it
    spikes (its rate).  Otherwise the two values multiply: MACs (sums of spikes follow
    the ``spike_sums`` convention of :func:`_layer_rule`, at the smaller mean value)."""
    a, b = ins
    binary = [v for v in ins if v.kind in BINARY]
    name = f"{a.origin}' x '{b.origin}"
    if len(binary) == 2:
        return Value(MULTILEVEL if MULTILEVEL in (a.kind, b.kind) else a.kind, _smaller(a.rate, b.rate), name)
    if binary:
        return Value(binary[0].kind, binary[0].rate, binary[0].origin)
    if any(v.kind == ANALOG for v in ins):
        return Value(ANALOG, origin=name)  # pragma: no mutate (equivalent: _layer_rule counts any source neither spikes nor a sum as analog)
    return Value(SPIKE_SUM, _smaller(a.rate, b.rate), name)


def _smaller(a, b):
    """min of two rates (None if either is unknown; sympy's Min for rate symbols)."""
    if a is None:  # rates are known for every spiking value or for none
        return None
    if hasattr(a, "free_symbols"):  # rates are all numbers or all sympy expressions
        import sympy

        return sympy.Min(a, b)
    return min(a, b)


def _layer_rule(node, source: Value, macs, options: OpsConfig, T, with_rates: bool) -> dict:
    """How a weighted layer is counted, from what feeds it (see the module docstring)."""
    out = {"input_rate": source.rate}  # a rate key: analysis.evaluate drops it without rates
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


# ---- the reported quantities (snncost.quantities) ---------------------------------

SECTION = "ops"


def op_fact(facts, key: str):
    """A node's op fact ``key`` (None for a rate-dependent key without rates:
    :func:`snncost.analysis.evaluate` then leaves the :data:`RATE_KEYS` out)."""
    return facts.ops.get(key)


def rate_total(key: str, ctx):
    """The network total of op fact ``key`` when rates were given (every node then has
    it), exact: an integral sum of Fractions is an int.  None without rates."""
    if ctx.config.ops.rates is None:
        return None
    return exact(sum(f.ops[key] for f in ctx.facts))


# The declarations below run once, at import: mutmut activates a mutant only after import,
# so it could never exercise a mutant of them (docs/testing.md rule 4).  They are plain
# data; the logic they call (op_fact, rate_total) is above, checked through analyze().
def _declare() -> None:  # pragma: no mutate block (runs at import only)
    from .quantities import register_quantity as add

    add("macs", unit="op", label="dense MACs (one pass, one timestep)", symbol=r"\mathrm{MAC}",
        per_node=lambda f, c: op_fact(f, "macs"), section=SECTION)
    add("snn_macs", unit="op", label="MACs executed (all timesteps)", symbol=r"\mathrm{MAC}_{\mathrm{SNN}}",
        per_node=lambda f, c: op_fact(f, "snn_macs"), section=SECTION)
    add("neuron_updates", unit="op", label="neuron updates", symbol=r"N_f T",
        per_node=lambda f, c: op_fact(f, "neuron_updates"), section=SECTION)
    add("neuron_ops", unit="op", label="neuron ops (NeuroBench costs)",
        per_node=lambda f, c: op_fact(f, "neuron_ops"), section=SECTION)
    add("acs", unit="op", label="spike-driven accumulates", symbol=r"\mathrm{AC}",
        per_node=lambda f, c: op_fact(f, "acs"), total=lambda t, ctx: rate_total("acs", ctx), section=SECTION)
    add("exponent_adds", unit="op", label="exponent adds (multi-level spikes)",
        per_node=lambda f, c: op_fact(f, "exponent_adds"), total=lambda t, ctx: rate_total("exponent_adds", ctx),
        section=SECTION)
    add("input_rate", unit="count", label="input spike rate per timestep", symbol="r",
        per_node=lambda f, c: op_fact(f, "input_rate"), total=None, section=SECTION)
    add("op_rule", unit=None, label="op-count rule", per_node=lambda f, c: op_fact(f, "op_rule"), total=None,
        section=SECTION)
    add("energy_pj", unit="pJ", label="energy", symbol="E",
        per_node=lambda f, c: op_fact(f, "energy_pj"), total=lambda t, ctx: rate_total("energy_pj", ctx),
        section="energy")
    add("ann_energy_pj", unit="pJ", label="energy of the ANN of the same architecture", symbol=r"E_{\mathrm{ANN}}",
        per_node=lambda f, c: op_fact(f, "ann_energy_pj"), total=lambda t, ctx: rate_total("ann_energy_pj", ctx),
        row=False, section="energy")


_declare()
