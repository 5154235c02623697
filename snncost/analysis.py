"""``analyze``: per-layer facts of a network under one configuration.

Collecting the facts (this module) is separate from presenting them
(:mod:`snncost.render`): the result is a :class:`snncost.report.Report` of plain
data.  The arithmetic is exact (ints and Fractions) and also runs on sympy symbols
for :mod:`snncost.formula`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from math import prod

from . import counts, memory
from .errors import ConfigError
from .shapes import infer_shapes
from .sharing import SharingScheme, default_grouping, parse_sharing, sharing_buffers
from .spec.network import NetworkSpec
from .spec.nodes import NEURON_KINDS

MAX_BITS = 64


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

    def as_dict(self) -> dict:
        return {
            "input_shape": [_plain(v) for v in self.input_shape],
            "timesteps": _plain(self.timesteps),
            "batch": _plain(self.batch),
            "sharing": self.sharing.label,
            "layer_groups": self.grouping,
            "training": self.training,
            "weight_bits": _plain(self.weight_bits),
            "membrane_bits": _plain(self.membrane_bits),
            "spike_bits": _plain(self.spike_bits),
        }


def _plain(value):
    if isinstance(value, (int, str)) or value is None:
        return value
    try:
        return float(value) if float(value) != int(value) else int(value)
    except (TypeError, ValueError):
        return str(value)


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
                spike_bits=None) -> AnalysisConfig:
    """Check and complete the options of an analysis (defaults come from the spec)."""
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
        elif hard:
            training = "bptt"
            notes.append(f"training mode bptt: reverse recomputation needs soft reset, and {hard[0]} has hard reset")
        else:
            training = "reverse"
    elif training == "reverse" and hard:
        raise ConfigError("option --training", f"reverse recomputation needs soft reset, but node '{hard[0]}' has reset 'hard' "
                          "(a hard reset erases the residual membrane, EfficientLIF-Net Sec. 5.3.4)",
                          "--training bptt, or reset: soft on every neuron node")
    return AnalysisConfig(
        input_shape=resolve_input_shape(spec, input),
        timesteps=_positive_int(timesteps, "option --timesteps") or spec.timesteps,
        batch=_positive_int(batch, "option --batch") or spec.batch,
        sharing=scheme,
        grouping=grouping,
        training=training,
        weight_bits=_bits(weight_bits, "option --weight-bits") or memory.bits_value(spec.precision.weight_bits),
        membrane_bits=_bits(membrane_bits, "option --membrane-bits") or memory.bits_value(spec.precision.membrane_bits),
        spike_bits=_bits(spike_bits, "option --spike-bits") or memory.bits_value(spec.precision.spike_bits),
        notes=tuple(notes),
    )


TOTAL_KEYS = ("params", "buffers", "lif_sites", "lif_neurons", "lif_state_values", "sharing_buffers",
              "lif_forward_bits", "lif_backward_bits", "weight_bits", "spike_bits_per_timestep",
              "spike_bits_all_timesteps", "total_bits")


def evaluate(spec: NetworkSpec, config: AnalysisConfig, shapes: dict | None = None) -> tuple[list[dict], dict]:
    """Per-layer rows and totals of one configuration (exact; symbolic-safe)."""
    shapes = shapes if shapes is not None else infer_shapes(spec, config.input_shape)
    buffers = sharing_buffers(spec, shapes, config.sharing, config.grouping)
    owner = {buf.members[0]: buf for buf in buffers}
    buffer_of = {m: buf.name for buf in buffers for m in buf.members}
    n_groups = config.sharing.channel_groups
    B, T = config.batch, config.timesteps
    rows: list[dict] = []
    for node in spec.order:
        ins, out = shapes[node.name]["inputs"], shapes[node.name]["output"]
        params = counts.parameters(node, ins)
        row = {"name": node.name, "kind": node.op, "output_shape": list(out), "params": params,
               "buffers": counts.buffers(node, ins), "lif_neurons": 0, "state_variables": 0,
               "sharing_buffer": "", "lif_forward_bits": 0, "lif_backward_bits": 0,
               "weight_bits": 0, "spike_bits_per_timestep": 0, "static": node.static}
        wbits = memory.bits_value(getattr(node, "weight_bits", None)) or config.weight_bits
        row["weight_bits"] = memory.weight_bits(params, wbits)
        if node.op in NEURON_KINDS:
            n = counts.neurons(node, out)
            sv = counts.state_variables(node)
            ubits = memory.bits_value(node.membrane_bits) or config.membrane_bits
            sbits = memory.bits_value(node.spike_bits) or config.spike_bits
            row.update(lif_neurons=n, state_variables=sv, sharing_buffer=buffer_of[node.name],
                       spike_bits_per_timestep=memory.spike_bits(n * node.lanes, sbits, B))
            buf = owner.get(node.name)
            forward = memory.buffer_forward_bits(prod(buf.shape), sv, n_groups, ubits, B) if buf else 0
            row["lif_forward_bits"] = forward
            if config.training == "bptt":
                row["lif_backward_bits"] = memory.site_bptt_bits(n, sv, ubits, B, T)
            else:
                row["lif_backward_bits"] = forward
        rows.append(row)
    totals = {
        "params": sum(r["params"] for r in rows),
        "buffers": sum(r["buffers"] for r in rows),
        "lif_sites": sum(1 for r in rows if r["kind"] in NEURON_KINDS),
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
    return rows, totals


def analyze(model, *, input=None, timesteps=None, batch=None, sharing="none", layer_groups=None,
            training=None, weight_bits=None, membrane_bits=None, spike_bits=None, baseline: bool = True):
    """Analyse ``model`` (a zoo name, a spec file path, or a :class:`NetworkSpec`).

    Returns a :class:`snncost.report.Report` with exact integer ``totals`` (bits),
    per-layer ``rows`` and, as ``layers``, a pandas DataFrame of them.  With
    ``baseline`` the same network under ``none``/``bptt`` is evaluated too, for the
    reduction factors.
    """
    from .report import Report
    from .zoo import resolve_model

    spec = resolve_model(model)
    config = make_config(spec, input=input, timesteps=timesteps, batch=batch, sharing=sharing,
                         layer_groups=layer_groups, training=training, weight_bits=weight_bits,
                         membrane_bits=membrane_bits, spike_bits=spike_bits)
    shapes = infer_shapes(spec, config.input_shape)
    rows, totals = evaluate(spec, config, shapes)
    base = None
    if baseline:
        base_config = replace(config, sharing=SharingScheme(), grouping=None, training="bptt", notes=())
        base = evaluate(spec, base_config, shapes)[1] if config.sharing.shares or config.training != "bptt" else totals
    return Report(model=spec.name, spec=spec, config=config, rows=rows, totals=totals, baseline=base)
