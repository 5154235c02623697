"""``analyze``: per-layer facts of a network under one configuration.

Collecting the facts (this module) is separate from presenting them
(:mod:`snncost.render`): the result is a :class:`snncost.report.Report` of plain
data.  The arithmetic is exact (ints and Fractions) and also runs on sympy symbols
for :mod:`snncost.formula`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from math import prod

from . import memory, precision, pruning
from .kinds import registry as kinds
from .errors import ConfigError, SharingError
from .report import json_number
from .shapes import infer_shapes
from .sharing import SharingScheme, default_grouping, parse_sharing, sharing_buffers, vector_sites
from .spec.network import NetworkSpec

MAX_BITS = precision.MAX_BITS  # one limit for every bit width (snncost.precision)


@dataclass(frozen=True)
class AnalysisConfig:
    """Everything besides the spec that a result depends on."""

    input_shape: tuple
    timesteps: object
    batch: object
    sharing: SharingScheme
    grouping: str | None
    training: str
    weight_bits: object
    membrane_bits: object
    spike_bits: object
    notes: tuple = field(default=())
    # precision conventions and pruning (snncost.precision, snncost.pruning)
    weight_precision: str = ""
    membrane_precision: str = ""
    spike_encoding: str = "one-hot"
    sparsity: object = Fraction(0)
    weight_format: str = "dense"
    index_bits: object = None
    node_overrides: dict = field(default_factory=dict)
    eq15_weights: str = "conv"

    def as_dict(self) -> dict:
        return {
            "input_shape": [json_number(v) for v in self.input_shape],
            "timesteps": json_number(self.timesteps),
            "batch": json_number(self.batch),
            "sharing": self.sharing.label,
            "layer_groups": self.grouping,
            "training": self.training,
            "weight_bits": json_number(self.weight_bits),
            "membrane_bits": json_number(self.membrane_bits),
            "spike_bits": json_number(self.spike_bits),
            "weight_precision": self.weight_precision or f"{json_number(self.weight_bits)} bits",
            "membrane_precision": self.membrane_precision or f"{json_number(self.membrane_bits)} bits",
            "spike_encoding": self.spike_encoding,
            "sparsity": json_number(self.sparsity),
            "weight_format": self.weight_format,
            "index_bits": json_number(self.index_bits),
            "eq15_weights": self.eq15_weights,
            "node_overrides": {name: {k: json_number(v) for k, v in values.items()}
                               for name, values in self.node_overrides.items()},
        }


def _positive_int(value, where: str, valid: str = "a positive integer"):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if hasattr(value, "free_symbols"):  # a sympy expression, from snncost.formula
            return value
        raise ConfigError(where, f"expected an integer, got {value!r}", valid)
    if value < 1:
        raise ConfigError(where, f"must be positive, got {value}", valid)
    return value


def _bits(value, where: str):
    """A numeric bit width given to the API (presets and text go through
    :func:`snncost.precision.resolve_bits`, see :func:`_precision`)."""
    if value is None or hasattr(value, "free_symbols"):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "denominator"):
        raise ConfigError(where, f"expected a number of bits, got {value!r}", f"a number in (0, {MAX_BITS}]")
    if not 0 < value <= MAX_BITS:
        raise ConfigError(where, f"{value} bits is out of range", f"a number in (0, {MAX_BITS}]")
    return memory.bits_value(value)


def resolve_input_shape(spec: NetworkSpec, size) -> tuple:
    """``224`` -> (C, 224, 224); ``(224, 160)`` or ``'224x160'`` -> (C, 224, 160)."""
    base = tuple(spec.input.shape)
    if size is None:
        return base
    spatial = len(base) - 1 if len(base) > 1 else 1
    if isinstance(size, str):
        parts = size.lower().replace("×", "x").split("x")
        try:
            size = tuple(int(p) for p in parts)
        except ValueError:
            raise ConfigError("option --input", f"cannot read size {size!r}", "a positive integer like 224, or HxW like 224x160") from None
        if len(size) == 1:
            size = size[0]
    sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * spatial
    if len(sizes) != spatial:
        raise ConfigError("option --input", f"{len(sizes)} sizes given for a {spatial}-dimensional input of shape {list(base)}",
                          "one size (square) or one per spatial dimension")
    for s in sizes:
        _positive_int(s, "option --input", "positive integer sizes")
    return (base[0], *sizes) if len(base) > 1 else sizes


def make_config(spec: NetworkSpec, *, input=None, timesteps=None, batch=None, sharing="none",
                layer_groups=None, training=None, weight_bits=None, membrane_bits=None,
                spike_bits=None, ternary_convention="imsnn", masked_convention="halved",
                spike_encoding="one-hot", sparsity=None, weight_format="dense", index_bits=None,
                node_overrides=None, eq15_weights="conv") -> AnalysisConfig:
    """Check and complete the options of an analysis (defaults come from the spec).

    Bit widths may be numbers or presets of :mod:`snncost.precision` (``int4``,
    ``ternary``, ``masked-ternary`` for the membrane) under ``ternary_convention`` /
    ``masked_convention``.  ``sparsity``, ``weight_format`` and ``index_bits`` are
    :mod:`snncost.pruning`'s.  ``node_overrides`` maps a node name to any of
    ``weight_bits``, ``membrane_bits``, ``spike_bits``, ``sparsity``; it wins over the
    spec's node fields, which win over the network values.  ``eq15_weights`` is the
    weight count of IM-SNN's Eq. 15 total: ``conv`` (conv weights only, as IM-SNN's
    tables count) or ``all`` (every parameter).
    """
    scheme = parse_sharing(sharing)
    if isinstance(scheme.channel_groups, int) and scheme.channel_groups < 1:
        raise ConfigError("option --sharing", "channel groups must be positive", "C1, C2, ...")
    grouping = layer_groups
    if grouping is not None:
        valid = ["none", "auto"] + spec.grouping_names()
        if grouping not in valid:
            from .errors import SharingError
            raise SharingError("option --layer-groups", f"model '{spec.name}' has no grouping {grouping!r}", ", ".join(valid))
    elif scheme.layer:
        grouping = default_grouping(spec)
    notes = []
    if training is not None and training not in memory.TRAINING_MODES:
        raise ConfigError("option --training", f"unknown training mode {training!r}", ", ".join(memory.TRAINING_MODES))
    hard = [n.name for n in spec.neuron_nodes if n.reset == "hard"]
    if training is None:
        if not scheme.shares:
            training = "bptt"
        elif scheme.has_windows:
            training = "bptt"
            notes.append(WINDOW_BPTT_NOTE)
        elif hard:
            training = "bptt"
            notes.append(f"training mode bptt: reverse recomputation needs soft reset, and {hard[0]} has hard reset")
        else:
            training = "reverse"
    elif training == "reverse" and hard:
        raise ConfigError("option --training", f"reverse recomputation needs soft reset, but node '{hard[0]}' has reset 'hard' "
                          "(a hard reset erases the residual membrane, EfficientLIF-Net Sec. 5.3.4)",
                          "--training bptt, or reset: soft on every neuron node")
    elif training == "reverse" and scheme.has_windows:
        notes.append(WINDOW_REVERSE_NOTE)
    conv = {"ternary_convention": ternary_convention, "masked_convention": masked_convention}
    wprec = _precision(weight_bits, "option --weight-bits", conv, allow_masked=False)
    uprec = _precision(membrane_bits, "option --membrane-bits", conv)
    sprec = _precision(spike_bits, "option --spike-bits", conv, allow_masked=False)
    if eq15_weights not in EQ15_WEIGHTS:
        raise ConfigError("option --eq15-weights", f"unknown weight count {eq15_weights!r}", ", ".join(EQ15_WEIGHTS))
    if index_bits is not None:
        index_bits = _positive_int(index_bits, "option --index-bits")
    return AnalysisConfig(
        input_shape=resolve_input_shape(spec, input),
        timesteps=_positive_int(timesteps, "option --timesteps") or spec.timesteps,
        batch=_positive_int(batch, "option --batch") or spec.batch,
        sharing=scheme,
        grouping=grouping,
        training=training,
        weight_bits=wprec.bits if wprec else memory.bits_value(spec.precision.weight_bits),
        membrane_bits=uprec.bits if uprec else memory.bits_value(spec.precision.membrane_bits),
        spike_bits=sprec.bits if sprec else memory.bits_value(spec.precision.spike_bits),
        notes=tuple(notes),
        weight_precision=wprec.label if wprec else "",
        membrane_precision=uprec.label if uprec else "",
        spike_encoding=precision.check_encoding(spike_encoding),
        sparsity=pruning.parse_sparsity(sparsity),
        weight_format=pruning.check_format(weight_format),
        index_bits=index_bits,
        node_overrides=_node_overrides(spec, node_overrides, conv),
        eq15_weights=eq15_weights,
    )


WINDOW_BPTT_NOTE = ("training mode bptt: seed 002 trains its window LIF with surrogate-gradient BPTT and describes "
                    "no reverse recomputation across windows (ask --training reverse to assume EfficientLIF-Net Eq. 18-19 "
                    "applies to the window chain)")
WINDOW_REVERSE_NOTE = ("training mode reverse across windows: snncost assumes EfficientLIF-Net's recomputation "
                       "(Eq. 18-19) runs back along seed 002's window chain (Eq. 4) as along a channel chain; "
                       "neither paper reports it")
EQ15_WEIGHTS = ("conv", "all")
OVERRIDE_KEYS = ("weight_bits", "membrane_bits", "spike_bits", "sparsity")


def _precision(value, where: str, conventions: dict, allow_masked: bool = True):
    """A network-level bit width (number or preset) -> BitWidth, or None if not given."""
    if value is None:
        return None
    if hasattr(value, "free_symbols") and value.free_symbols:
        return precision.BitWidth(value, str(value))
    if not isinstance(value, str):
        return precision.BitWidth(_bits(value, where), "")
    return precision.resolve_bits(value, where=where, allow_masked=allow_masked, **conventions)


def _node_overrides(spec: NetworkSpec, overrides, conventions: dict) -> dict:
    """Check per-node overrides: known node, known key, valid value (presets resolved)."""
    if not overrides:
        return {}
    if not isinstance(overrides, dict):
        raise ConfigError("option --node", f"expected a mapping of node name to settings, got {type(overrides).__name__}",
                          "{'conv1': {'weight_bits': 32}}")
    checked: dict = {}
    for name, values in overrides.items():
        where = f"option --node '{name}'"
        node = spec.node_map.get(name)
        if node is None:
            raise ConfigError(where, f"model '{spec.name}' has no node {name!r}", "a node name of the model (snncost table lists them)")
        if not isinstance(values, dict) or not values:
            raise ConfigError(where, "no settings given", ", ".join(OVERRIDE_KEYS))
        out: dict = {}
        for key, value in values.items():
            if key not in OVERRIDE_KEYS:
                raise ConfigError(where, f"unknown setting {key!r}", ", ".join(OVERRIDE_KEYS))
            neuron_key = key in ("membrane_bits", "spike_bits")
            kind = kinds.kind_of(node)
            if neuron_key and not kind.is_neuron:
                raise ConfigError(where, f"{key} applies to neuron nodes, and '{name}' is a {node.op} node",
                                  f"a {'/'.join(k.name for k in kinds.kinds() if k.is_neuron)} node")
            if key in ("weight_bits", "sparsity") and not (kind.weighted or kind.params):
                raise ConfigError(where, f"{key} applies to nodes with weights, and '{name}' is a {node.op} node",
                                  f"a {'/'.join(k.name for k in kinds.kinds() if k.weight_dims)} "
                                  f"(or {'/'.join(k.name for k in kinds.kinds() if k.params and not k.weight_dims)}, "
                                  "for weight_bits) node")
            if key == "sparsity":
                out[key] = pruning.parse_sparsity(value, f"{where} sparsity")
            else:
                out[key] = _precision(value, f"{where} {key}", conventions, allow_masked=(key == "membrane_bits")).bits
        checked[name] = out
    return checked


TOTAL_KEYS = ("params", "buffers", "lif_sites", "lif_neurons", "lif_state_values", "sharing_buffers",
              "lif_forward_bits", "lif_backward_bits", "weight_bits", "spike_bits_per_timestep",
              "spike_bits_all_timesteps", "total_bits")
PRECISION_TOTAL_KEYS = ("weight_elements", "conv_weight_elements", "weight_nonzeros",
                        *(f"weight_{f}_bits" for f in pruning.FORMATS),
                        "eq15_weight_count", "eq15_weight_bits", "eq15_membrane_bits", "eq15_spike_bits", "eq15_bits")
"""Totals added by precision and pruning: prunable weights, their storage in every
format (:mod:`snncost.pruning`) and IM-SNN's Eq. 15 total M_t = w_p N_w + u_p N_f + u_s N_f."""


def evaluate(spec: NetworkSpec, config: AnalysisConfig, shapes: dict | None = None) -> tuple[list[dict], dict]:
    """Per-layer rows and totals of one configuration (exact; symbolic-safe)."""
    shapes = shapes if shapes is not None else infer_shapes(spec, config.input_shape)
    buffers = sharing_buffers(spec, shapes, config.sharing, config.grouping)
    owner = {buf.members[0]: buf for buf in buffers}
    buffer_of = {m: buf.name for buf in buffers for m in buf.members}
    membrane = {node.name: membrane_bits(node, config) for node in spec.neuron_nodes}
    check_buffer_precision(buffers, membrane, config.grouping)
    T = config.timesteps
    rows: list[dict] = []
    for node in spec.order:
        ins, out = shapes[node.name]["inputs"], shapes[node.name]["output"]
        params = kinds.parameters(node, ins)
        row = {"name": node.name, "kind": node.op, "output_shape": list(out), "params": params,
               "buffers": kinds.buffers(node, ins), "lif_neurons": 0, "state_variables": 0,
               "sharing_buffer": "", "lif_forward_bits": 0, "lif_backward_bits": 0,
               "weight_bits": 0, "spike_bits_per_timestep": 0, "static": node.static}
        override = config.node_overrides.get(node.name, {})
        row.update(_weight_facts(node, ins, params, config, override))
        if kinds.is_neuron(node):
            row.update(_neuron_facts(node, out, config, override, membrane[node.name], buffer_of[node.name],
                                     owner.get(node.name)))
        rows.append(row)
    totals = {
        "params": sum(r["params"] for r in rows),
        "buffers": sum(r["buffers"] for r in rows),
        "lif_sites": sum(1 for node in spec.order if kinds.is_neuron(node)),
        "lif_neurons": sum(r["lif_neurons"] for r in rows),
        "lif_state_values": sum(r["lif_neurons"] * r["state_variables"] for r in rows),
        "sharing_buffers": len(buffers),
        "lif_forward_bits": memory.exact(sum(r["lif_forward_bits"] for r in rows)),
        "lif_backward_bits": memory.exact(sum(r["lif_backward_bits"] for r in rows)),
        "weight_bits": memory.exact(sum(r["weight_bits"] for r in rows)),
        "spike_bits_per_timestep": memory.exact(sum(r["spike_bits_per_timestep"] for r in rows)),
    }
    totals["spike_bits_all_timesteps"] = memory.exact(totals["spike_bits_per_timestep"] * T)
    totals["total_bits"] = memory.exact(totals["weight_bits"] + totals["lif_forward_bits"] + totals["spike_bits_all_timesteps"])
    totals["weight_elements"] = sum(r["weight_elements"] for r in rows)
    totals["conv_weight_elements"] = sum(r["weight_elements"] for r in rows if kinds.get_kind(r["kind"]).family == "conv")
    totals["weight_nonzeros"] = sum(r["weight_nonzeros"] for r in rows)
    for f in pruning.FORMATS:
        totals[f"weight_{f}_bits"] = memory.exact(sum(r[f"weight_{f}_bits"] for r in rows))
    for key in ("eq15_weight_count", "eq15_weight_bits", "eq15_membrane_bits", "eq15_spike_bits"):
        totals[key] = memory.exact(sum(r[key] for r in rows))
    # IM-SNN Eq. 15: M_t = w_p N_w + u_p N_f + u_s N_f (Eq. 16-17: N_w weights, N_f neurons)
    totals["eq15_bits"] = memory.exact(totals["eq15_weight_bits"] + totals["eq15_membrane_bits"] + totals["eq15_spike_bits"])
    return rows, totals


def _weight_facts(node, ins, params, config: AnalysisConfig, override: dict) -> dict:
    """Weight memory of one node at its precision, in every storage format
    (:mod:`snncost.pruning`), and its IM-SNN Eq. 15 weight term (conv weights or all)."""
    wbits = _first(override.get("weight_bits"), memory.bits_value(getattr(node, "weight_bits", None)), config.weight_bits)
    dims = kinds.weight_dims(node, ins[0]) if ins else ()
    sparsity = override.get("sparsity", config.sparsity)
    storage = pruning.storage_bits(dims, wbits, sparsity, config.index_bits)
    elements = prod(dims) if dims else 0
    dense_rest = memory.weight_bits(params - elements, wbits)  # biases, batchnorm: stored dense
    facts = {
        "weight_bits": memory.weight_bits(params, wbits) if config.weight_format == "dense"
        else memory.exact(storage[config.weight_format] + dense_rest),
        "weight_elements": elements, "weight_nonzeros": storage["nonzeros"], "weight_precision_bits": wbits,
        "sparsity": sparsity if dims else 0,
        **{f"weight_{f}_bits": memory.exact(storage[f] + dense_rest) for f in pruning.FORMATS},
    }
    conv_weights = elements if kinds.kind_of(node).family == "conv" else 0
    facts["eq15_weight_count"] = conv_weights if config.eq15_weights == "conv" else params
    facts["eq15_weight_bits"] = memory.weight_bits(facts["eq15_weight_count"], wbits)
    facts.update(membrane_bits=0, spike_storage_bits=0, eq15_membrane_bits=0, eq15_spike_bits=0)
    return facts


def membrane_bits(node, config: AnalysisConfig):
    """A neuron site's membrane bits: its --node override, else its node field, else the network's."""
    override = config.node_overrides.get(node.name, {})
    return _first(override.get("membrane_bits"), memory.bits_value(node.membrane_bits), config.membrane_bits)


def check_buffer_precision(buffers, membrane: dict, grouping) -> None:
    """One sharing buffer holds one membrane precision: refuse a buffer whose LIF sites
    ask for different ``membrane_bits`` (its size would depend on which site is listed
    first; EfficientLIF-Net's shared buffer, Eq. 4-6, is one tensor of one dtype)."""
    for buf in buffers:
        first = buf.members[0]
        for other in buf.members[1:]:
            if membrane[other] != membrane[first]:
                raise SharingError(
                    f"layer group '{buf.name}' (grouping '{grouping}')",
                    f"members have different membrane_bits: {first} ({memory.bits_value(membrane[first])}) vs "
                    f"{other} ({memory.bits_value(membrane[other])}); one shared buffer holds one membrane precision",
                    "one membrane_bits for every LIF site of a layer group (node field or --node override), "
                    "or another --layer-groups")


def _neuron_facts(node, out, config: AnalysisConfig, override: dict, ubits, buffer_name: str, owned_buffer) -> dict:
    """LIF facts of one neuron site: neurons, membrane memory forward (charged to the
    first site of its sharing buffer) and backward (bptt: T copies; reverse: = forward),
    spike storage per timestep."""
    B, T = config.batch, config.timesteps
    n = kinds.neurons(node, out)
    sv = kinds.state_variables(node)
    sbits = _first(override.get("spike_bits"), memory.bits_value(node.spike_bits), config.spike_bits)
    per_neuron = precision.spike_storage_bits(node.lanes, sbits, config.spike_encoding)
    forward = memory.buffer_forward_bits(prod(owned_buffer.shape), sv, config.sharing.channel_groups, ubits, B,
                                         owned_buffer.windows) if owned_buffer else 0
    return {
        "lif_neurons": n, "state_variables": sv, "sharing_buffer": buffer_name,
        "spike_bits_per_timestep": memory.spike_bits(n, per_neuron, B),
        "membrane_bits": ubits, "spike_storage_bits": per_neuron,
        "eq15_membrane_bits": memory.exact(n * sv * ubits * B),
        "eq15_spike_bits": memory.spike_bits(n, per_neuron, B),
        "lif_forward_bits": forward,
        "lif_backward_bits": memory.site_bptt_bits(n, sv, ubits, B, T) if config.training == "bptt" else forward,
    }


def _first(*values):
    """The first value that is not None (a node override, the node's field, the network's)."""
    for value in values:
        if value is not None:
            return value
    return None


def analyze(model, *, input=None, timesteps=None, batch=None, sharing="none", layer_groups=None,
            training=None, weight_bits=None, membrane_bits=None, spike_bits=None, baseline: bool = True,
            **precision_options):
    """Analyse ``model`` (a zoo name, a spec file path, or a :class:`NetworkSpec`).

    Returns a :class:`snncost.report.Report` with exact integer ``totals`` (bits),
    per-layer ``rows`` and, as ``layers``, a pandas DataFrame of them.
    ``precision_options`` are :func:`make_config`'s precision and pruning options
    (``ternary_convention``, ``sparsity``, ``node_overrides``...).  With
    ``baseline`` the same network under ``none``/``bptt`` is evaluated too, for the
    reduction factors.
    """
    from .report import Report
    from .zoo import resolve_model

    spec = resolve_model(model)
    config = make_config(spec, input=input, timesteps=timesteps, batch=batch, sharing=sharing,
                         layer_groups=layer_groups, training=training, weight_bits=weight_bits,
                         membrane_bits=membrane_bits, spike_bits=spike_bits, **precision_options)
    shapes = infer_shapes(spec, config.input_shape)
    rows, totals = evaluate(spec, config, shapes)
    if config.sharing.has_windows:
        whole = vector_sites(sharing_buffers(spec, shapes, config.sharing, config.grouping))
        if whole:
            config = replace(config, notes=config.notes + (
                f"{len(whole)} LIF site(s) without a spatial dimension ({', '.join(whole[:3])}"
                f"{', ...' if len(whole) > 3 else ''}) are not split into windows: they keep their whole membrane",))
    base = None
    if baseline:
        forward, backward = memory.unshared_lif_bits(rows, config.batch, config.timesteps)
        base = {"lif_forward_bits": forward, "lif_backward_bits": backward}
    return Report(model=spec.name, spec=spec, config=config, rows=rows, totals=totals, baseline=base)
