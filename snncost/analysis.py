"""``analyze``: per-layer facts of a network under one configuration.

Collecting the facts (this module) is separate from presenting them
(:mod:`snncost.render`): the result is a :class:`snncost.report.Report` of plain
data.  The arithmetic is exact (ints and Fractions) and also runs on sympy symbols
for :mod:`snncost.formula`.
"""
from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any, Union

from . import eq15, facts, memory, opcount, precision, pruning, quantities
from .kinds import registry as kinds
from .options import OP_OPTIONS, OPTION_DEFAULTS, AnalysisOptions, input_sizes, positive_int
from .errors import ConfigError, SharingError
from .report import Report, json_number
from .shapes import infer_shapes
from .sharing import SharingScheme, default_grouping, parse_sharing, sharing_buffers, vector_sites
from .spec.network import NetworkSpec
from .records import Record

if TYPE_CHECKING:
    import os

Model = Union[str, "os.PathLike[str]", NetworkSpec]
"""A zoo model name, a spec file path, or a spec."""
Size = Union[int, tuple, str, None]
"""An input size: 224, (224, 160) or '224x160' (None: the spec's)."""
BitsOption = Union[int, float, Fraction, str, None]
"""A bit width: a number or a preset name such as 'int4' (None: the spec's)."""

MAX_BITS = precision.MAX_BITS  # one limit for every bit width (snncost.precision)


class AnalysisConfig(Record):
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
    notes: tuple = ()
    # precision conventions and pruning (snncost.precision, snncost.pruning)
    weight_precision: str = ""
    membrane_precision: str = ""
    spike_encoding: str = "one-hot"
    sparsity: object = Fraction(0)
    weight_format: str = "dense"
    index_bits: object = None
    node_overrides: dict = {}
    eq15_weights: str = "conv"
    ops: opcount.OpsConfig = opcount.OpsConfig  # op counts and energy (snncost.opcount)

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
            "ops": self.ops.as_dict(),
        }


def resolve_input_shape(spec: NetworkSpec, size) -> tuple:
    """``224`` -> (C, 224, 224); ``(224, 160)`` or ``'224x160'`` -> (C, 224, 160)."""
    base = tuple(spec.input.shape)
    if size is None:
        return base
    spatial = len(base) - 1 if len(base) > 1 else 1
    if isinstance(size, str):
        size = input_sizes(size)
        if len(size) == 1:
            size = size[0]
    sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * spatial
    if len(sizes) != spatial:
        raise ConfigError("option --input", f"{len(sizes)} sizes given for a {spatial}-dimensional input of shape {list(base)}",
                          "one size (square) or one per spatial dimension")
    for s in sizes:
        positive_int(s, "option --input", "positive integer sizes")
    return (base[0], *sizes) if len(base) > 1 else sizes


def make_config(spec: NetworkSpec, options: AnalysisOptions | None = None, **kwargs) -> AnalysisConfig:
    """Check and complete the options of an analysis (defaults come from the spec).

    Bit widths may be numbers or presets of :mod:`snncost.precision` (``int4``,
    ``ternary``, ``masked-ternary`` for the membrane) under ``ternary_convention`` /
    ``masked_convention``.  ``sparsity``, ``weight_format`` and ``index_bits`` are
    :mod:`snncost.pruning`'s.  ``node_overrides`` maps a node name to any of
    ``weight_bits``, ``membrane_bits``, ``spike_bits``, ``sparsity``; it wins over the
    spec's node fields, which win over the network values.  ``eq15_weights`` is the
    weight count of IM-SNN's Eq. 15 total: ``conv`` (conv weights only, as IM-SNN's
    tables count) or ``all`` (every parameter).  The options come as an
    :class:`snncost.options.AnalysisOptions` or as its keywords.
    """
    o = options if options is not None else AnalysisOptions(**kwargs)
    input, timesteps, batch, sharing, layer_groups, training, weight_bits, membrane_bits, spike_bits = (
        o.input, o.timesteps, o.batch, o.sharing, o.layer_groups, o.training, o.weight_bits, o.membrane_bits, o.spike_bits)
    ternary_convention, masked_convention, spike_encoding, sparsity, weight_format, index_bits, node_overrides, eq15_weights = (
        o.ternary_convention, o.masked_convention, o.spike_encoding, o.sparsity, o.weight_format, o.index_bits, o.node_overrides, o.eq15_weights)
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
        index_bits = positive_int(index_bits, "option --index-bits")
    ops = opcount.OpsConfig()
    op_values = {name: getattr(o, name) for name in OP_OPTIONS}
    if any(op_values[name] != OPTION_DEFAULTS[name] for name in OP_OPTIONS):
        ops = opcount.make_ops_config(spec, timesteps=positive_int(timesteps, "option --timesteps") or spec.timesteps,
                                      **op_values)
    return AnalysisConfig(
        input_shape=resolve_input_shape(spec, input),
        timesteps=positive_int(timesteps, "option --timesteps") or spec.timesteps,
        batch=positive_int(batch, "option --batch") or spec.batch,
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
        ops=ops,
    )


WINDOW_BPTT_NOTE = ("training mode bptt: seed 002 trains its window LIF with surrogate-gradient BPTT and describes "
                    "no reverse recomputation across windows (ask --training reverse to assume EfficientLIF-Net Eq. 18-19 "
                    "applies to the window chain)")
WINDOW_REVERSE_NOTE = ("training mode reverse across windows: snncost assumes EfficientLIF-Net's recomputation "
                       "(Eq. 18-19) runs back along seed 002's window chain (Eq. 4) as along a channel chain; "
                       "neither paper reports it")
EQ15_WEIGHTS = eq15.EQ15_WEIGHTS
OVERRIDE_KEYS = ("weight_bits", "membrane_bits", "spike_bits", "sparsity")


def _precision(value, where: str, conventions: dict, allow_masked: bool = True):
    """A network-level bit width (number or preset) -> BitWidth, or None if not given."""
    if value is None:
        return None
    if hasattr(value, "free_symbols") and value.free_symbols:
        return precision.BitWidth(value, str(value))
    if not isinstance(value, str):
        return precision.BitWidth(precision.exact_bits(value, where), "")
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


def evaluate(spec: NetworkSpec, config: AnalysisConfig, shapes: dict | None = None) -> tuple[list[dict], dict]:
    """Per-layer rows and totals of one configuration (exact; symbolic-safe): the typed
    facts of every node (:mod:`snncost.facts`) reported through the quantity registry
    (:mod:`snncost.quantities`)."""
    shapes = shapes if shapes is not None else infer_shapes(spec, config.input_shape)
    buffers = sharing_buffers(spec, shapes, config.sharing, config.grouping)
    owner = {buf.members[0]: buf for buf in buffers}
    buffer_of = {m: buf.name for buf in buffers for m in buf.members}
    membrane = {node.name: facts.membrane_bits(node, config) for node in spec.neuron_nodes}
    check_buffer_precision(buffers, membrane, config.grouping)
    layers = [facts.layer_facts(node, shapes[node.name]["inputs"], shapes[node.name]["output"], config, membrane,
                                buffer_of, owner) for node in spec.order]
    layers, energy = _with_ops(spec, layers, config)
    rows = [quantities.layer_row(f, config) for f in layers]
    totals = quantities.aggregate(layers, config, facts.TotalsContext(config, layers, buffers))
    if config.ops.rates is None:  # rate-dependent keys only when rates are given
        for key in opcount.RATE_KEYS:
            totals.pop(key, None)
            for row in rows:
                row.pop(key, None)
    else:
        totals["energy"] = energy  # the breakdown and assumptions (not a number: Report.energy)
    return rows, totals


def _with_ops(spec, layers: list, config: AnalysisConfig) -> tuple[list, object]:
    """Attach every node's op counts (:mod:`snncost.opcount`) and, with rates, its energy
    (:mod:`snncost.energy`) to its layer facts."""
    found = opcount.count_ops(spec, layers, config.ops, config.timesteps)
    energy = None
    if config.ops.rates is not None:
        from .energy import evaluate_energy

        energy = evaluate_energy(config.ops.energy_model or "compute", config.ops.tech, layers, found,
                                 spike_bits=config.spike_bits)
    for f, ops in zip(layers, found):
        f.ops.update(ops)
    return layers, energy


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


def analyze(model: Model, *, input: Size = None, timesteps: int | None = None, batch: int | None = None,
            sharing: str = "none", layer_groups: str | None = None, training: str | None = None,
            weight_bits: BitsOption = None, membrane_bits: BitsOption = None, spike_bits: BitsOption = None,
            baseline: bool = True, **precision_options: Any) -> Report:
    """Analyse ``model`` (a zoo name, a spec file path, or a :class:`NetworkSpec`).

    Returns a :class:`snncost.report.Report` with exact integer ``totals`` (bits),
    per-layer ``rows`` and, as ``layers``, a pandas DataFrame of them.
    ``precision_options`` are :func:`make_config`'s precision and pruning options
    (``ternary_convention``, ``sparsity``, ``node_overrides``...).  With
    ``baseline`` the same network under ``none``/``bptt`` is evaluated too, for the
    reduction factors.
    """
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
            config = config.replace(notes=config.notes + (
                f"{len(whole)} LIF site(s) without a spatial dimension ({', '.join(whole[:3])}"
                f"{', ...' if len(whole) > 3 else ''}) are not split into windows: they keep their whole membrane",))
    base = None
    if baseline:
        forward, backward = memory.unshared_lif_bits(rows, config.batch, config.timesteps)
        base = {"lif_forward_bits": forward, "lif_backward_bits": backward}
    return Report(model=spec.name, spec=spec, config=config, rows=rows, totals=totals, baseline=base)
