"""``snncost.hardware(...)``: the hardware counts of one network under one sharing
scheme on the accelerator of :mod:`.accelerator` (docs/hardware.md).

Collects, exactly (ints and Fractions):

- the LIF units, their membrane buffer bits, LIF cycles per timestep and the LIF share
  of PE compute (EfficientLIF-Net Sec. 4.4.2, 5.3.9);
- memory traffic per mini-batch and per inference, by tensor and location, and the
  DRAM reduction against the unshared network as a function of the batch
  (:mod:`.traffic`; Sec. 4.4.1, Fig. 9);
- compute-side action counts (synaptic ops, LIF updates and fires, buffer reads and
  writes) for :mod:`.accelergy`;
- SATA-form training workload counts per layer (:mod:`.sata`) and NeuroBench-named
  metrics (:mod:`.neurobench`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from . import accelerator, traffic
from .ops import dense_macs, dense_macs_unpadded, spike_source

REDUCTION_BATCHES = (1, 8, 16, 32, 64, 128, 256)


@dataclass
class HardwareReport:
    """Plain data; :meth:`to_dict` is the JSON interface, :func:`render_text` the text."""

    model: str
    spec: object
    config: object
    accelerator: accelerator.Accelerator
    shapes: dict
    lif: dict
    traffic: dict
    traffic_baseline: dict
    reduction: dict
    layers: list
    actions: dict
    sata: list
    neurobench: dict
    notes: list = field(default_factory=list)
    spike_rates: dict = field(default_factory=dict)  # neuron node -> spikes per neuron per timestep

    @property
    def lif_share(self) -> Fraction:
        return self.lif["lif_share"]

    def to_dict(self) -> dict:
        from .render import to_json_dict

        return to_json_dict(self)


def _channel_groups(config) -> int:
    n = config.sharing.channel_groups
    return n if isinstance(n, int) else 1


def _layers(spec, shapes, rows, config, acc) -> list[dict]:
    """Per-layer facts: dense MACs, spike-fed or not, synaptic ops per mini-batch,
    LIF neurons and LIF cycles per timestep."""
    T, B, N = config.timesteps, config.batch, _channel_groups(config)
    by_name = {r["name"]: r for r in rows}
    out = []
    for node in spec.order:
        ins, outshape = shapes[node.name]["inputs"], shapes[node.name]["output"]
        row = by_name[node.name]
        steps = acc.steps(node, T)
        facts = {"name": node.name, "kind": node.op, "output_shape": list(outshape), "static": node.static,
                 "dense_macs": 0, "dense_macs_unpadded": 0, "spike_source": None, "input_density": None,
                 "acs": 0, "macs": 0, "lif_neurons": row["lif_neurons"], "lif_cycles_per_timestep": 0,
                 "sharing_buffer": row["sharing_buffer"], "problem": None}
        hw = traffic.role(node, shapes)
        dense = dense_macs(node, ins, outshape)
        if dense:  # a kind with a macs rule; only "compute" kinds carry Timeloop dimensions
            source = spike_source(spec, node.name)
            # the rate reaching the layer (#9's rates, pass-through overrides included; spike_rate without them)
            density = row.get("input_rate", acc.spike_rate) if source else Fraction(1)
            facts.update(dense_macs=dense, dense_macs_unpadded=dense_macs_unpadded(node, ins, outshape),
                         spike_source=source, input_density=density, problem=hw.get("problem"))
            ops = dense * steps * B
            if source:
                facts["acs"] = ops * density
            else:
                facts["macs"] = ops
        if row["lif_neurons"]:
            facts["lif_cycles_per_timestep"] = accelerator.lif_cycles(acc, N, row["lif_neurons"])
        out.append(facts)
    return out


def _lif(spec, rows, config, acc, layers) -> dict:
    N = _channel_groups(config)
    sv = max((n.state_variables for n in spec.neuron_nodes), default=1)
    ubits = config.membrane_bits
    cycles = sum(x["lif_cycles_per_timestep"] for x in layers)
    base_cycles = sum(accelerator.lif_cycles(acc, 1, x["lif_neurons"]) for x in layers if x["lif_neurons"])
    return {
        "channel_groups": N,
        "lif_units": accelerator.lif_units(acc, N),
        "lif_units_baseline": accelerator.lif_units(acc, 1),
        "membrane_buffer_bits": accelerator.membrane_buffer_bits(acc, N, ubits, sv),
        "membrane_buffer_bits_baseline": accelerator.membrane_buffer_bits(acc, 1, ubits, sv),
        "lif_share": accelerator.lif_share(acc.lif_share, N),
        "lif_share_baseline": acc.lif_share,
        "lif_cycles_per_timestep": cycles,
        "lif_cycles_per_timestep_baseline": base_cycles,
        "lif_time_per_timestep_us": Fraction(cycles, acc.clock_mhz),
    }


def neuron_rates(spec, config, acc) -> dict:
    """Spikes per neuron per timestep of every neuron node: the rates given to
    :func:`hardware` (:mod:`snncost.rates`, summed rates divided by T), else the
    accelerator's one ``spike_rate``."""
    given = config.ops.per_timestep(config.timesteps)
    return {n.name: given[n.name] if given is not None else acc.spike_rate for n in spec.neuron_nodes}


def _actions(spec, layers, traffic_summary, rows, config, acc) -> dict:
    """Component -> action -> count per mini-batch (the Accelergy action counts)."""
    T, B = config.timesteps, config.batch
    steps = {n.name: acc.steps(n, T) for n in spec.order}
    synaptic = sum(x["acs"] + x["macs"] for x in layers)
    updates = sum(x["lif_neurons"] * steps[x["name"]] * B for x in layers)
    rate = neuron_rates(spec, config, acc)
    fires = sum(x["lif_neurons"] * steps[x["name"]] * B * rate[x["name"]] for x in layers if x["lif_neurons"])
    weight_elements = sum(r["params"] * (steps[r["name"]] if acc.weight_reads == "timestep" else 1)
                          for r in rows if r["weight_bits"])
    spikes_written = updates
    spike_reads = 0
    by_name = {x["name"]: x for x in layers}
    for x in layers:
        if x["spike_source"]:
            spike_reads += by_name[x["spike_source"]]["lif_neurons"] * steps[x["name"]] * B
    total = traffic_summary["total"]
    return {
        "dram": {"read": total["dram_reads"], "write": total["dram_writes"]},
        "global_buffer": {"read": total["on_chip_reads"], "write": total["on_chip_writes"]},
        "weight_buffer": {"read": synaptic, "write": weight_elements},
        "spike_buffer": {"read": spike_reads, "write": spikes_written},
        "membrane_buffer": {"read": updates, "write": updates},
        "lif_unit": {"update": updates, "fire": fires},
        "adder": {"compute": sum(x["acs"] for x in layers)},
        "mac_unit": {"compute": sum(x["macs"] for x in layers)},
    }


def sample_rows(spec, config, shapes, sharing=None) -> list[dict]:
    """Analysis rows of one sample (batch 1), under ``sharing`` if given."""
    from ..analysis import evaluate
    from ..sharing import parse_sharing

    cfg = config.replace(batch=1, ops=type(config.ops)(), **({"sharing": parse_sharing(sharing)} if sharing is not None else {}))
    return evaluate(spec, cfg, shapes)[0]


def _transfers(spec, config, shapes, rows1, acc, batch: int) -> list:
    return traffic.transfers(spec, shapes, rows1, config.input_shape, config.timesteps, batch, acc)


def dram_accesses(spec, config, shapes, rows1, acc, batch: int) -> int:
    """DRAM accesses of one mini-batch of ``batch`` (``rows1``: :func:`sample_rows`)."""
    return traffic.summarize(_transfers(spec, config, shapes, rows1, acc, batch), acc.word_bits)["total"]["dram_accesses"]


def _reference(spec, config, shapes, baseline_model, options: dict):
    """(spec, config, shapes) of the unshared reference network: the same one, or
    ``baseline_model`` under the same input, timesteps, batch and bit widths."""
    from ..analysis import make_config
    from ..shapes import infer_shapes
    from ..zoo import resolve_model

    if baseline_model is None:
        return spec, config, shapes
    base_spec = resolve_model(baseline_model)
    base_config = make_config(base_spec, **options)
    return base_spec, base_config, infer_shapes(base_spec, base_config.input_shape)


def dram_reduction(scheme: int, base: int) -> Fraction:
    """1 - DRAM accesses under the scheme / under the unshared reference."""
    return 1 - Fraction(scheme, base) if base else Fraction(0)


def hardware(model, *, sharing="none", batch=None, input=None, timesteps=None, layer_groups=None,
             weight_bits=None, membrane_bits=None, spike_bits=None, rates=None, rate_default=None,
             rate_mode="per-timestep", reduction_batches=REDUCTION_BATCHES, baseline_model=None,
             **parameters) -> HardwareReport:
    """Hardware counts of ``model`` (zoo name, spec path or NetworkSpec) under ``sharing``.

    ``parameters`` are the fields of :class:`~.accelerator.Accelerator` (``pe``,
    ``lif_share``, ``spike_rate``, ``global_buffer_bits``...; see
    :data:`~.accelerator.PARAMETERS`).  Counts are per mini-batch of ``batch`` unless
    named per inference (= per mini-batch / B, exact).  The DRAM reduction compares
    with the same network unshared, or with ``baseline_model`` unshared (EfficientLIF-Net's
    Table 1 compares its L rows with a baseline of other widths).

    ``rates``, ``rate_default`` and ``rate_mode`` are the spike rates of
    :mod:`snncost.rates` (as ``snncost.analyze`` and ``snncost table --rates`` take
    them): one rate, a ``{node: rate}`` dict or a .csv/.json file, per timestep or summed
    over T.  Each layer's action counts, SATA MACs, NeuroBench effective ops and
    Timeloop input density then use the rate reaching that layer, and each neuron
    node fires at its own rate.  Without them every node spikes at ``spike_rate``
    (``spike_rate=r`` is ``rates=r``; giving both is an error).
    """
    from ..analysis import evaluate, make_config
    from ..shapes import infer_shapes
    from ..zoo import resolve_model
    from . import neurobench, sata

    acc = accelerator.Accelerator().with_options(**parameters)
    if parameters.get("spike_rate") is not None and (rates is not None or rate_default is not None):
        from ..errors import ConfigError

        raise ConfigError("option --spike-rate", "given together with --rates / --rate-default",
                          "one of them (--spike-rate R is --rates R: one rate per timestep for every neuron node)")
    spec = resolve_model(model)
    options = dict(input=input, timesteps=timesteps, batch=batch, weight_bits=weight_bits, membrane_bits=membrane_bits,
                   spike_bits=spike_bits)
    config = make_config(spec, sharing=sharing, layer_groups=layer_groups, rates=rates, rate_default=rate_default,
                         rate_mode=rate_mode, **options)
    shapes = infer_shapes(spec, config.input_shape)
    rows = evaluate(spec, config, shapes)[0]
    layers = _layers(spec, shapes, rows, config, acc)
    rows1 = sample_rows(spec, config, shapes)
    items = _transfers(spec, config, shapes, rows1, acc, config.batch)
    summary = traffic.summarize(items, acc.word_bits)
    summary["by_layer"] = traffic.by_layer(items, acc.word_bits)
    reference = _reference(spec, config, shapes, baseline_model, options)
    base_rows1 = sample_rows(*reference, sharing="none")
    baseline = traffic.summarize(_transfers(*reference, base_rows1, acc, config.batch), acc.word_bits)
    reduction = {"vs": f"{reference[0].name} none", "by_batch": {
        b: dram_reduction(dram_accesses(spec, config, shapes, rows1, acc, b), dram_accesses(*reference, base_rows1, acc, b))
        for b in sorted(set(reduction_batches) | {config.batch})}}
    reduction["at_batch"] = reduction["by_batch"][config.batch]
    notes = _notes(spec, config, acc)
    return HardwareReport(
        model=spec.name, spec=spec, config=config, accelerator=acc, shapes=shapes,
        lif=_lif(spec, rows, config, acc, layers), traffic=summary, traffic_baseline=baseline["total"],
        reduction=reduction, layers=layers, actions=_actions(spec, layers, summary, rows, config, acc),
        sata=sata.workload(layers, config, acc),
        neurobench=neurobench.metrics(spec, rows, layers, config), notes=notes,
        spike_rates=neuron_rates(spec, config, acc))


def _notes(spec, config, acc) -> list[str]:
    notes = []
    N = _channel_groups(config)
    if (acc.pe * acc.lif_units_per_pe) % N:
        notes.append(f"C{N} does not divide the {acc.pe * acc.lif_units_per_pe} LIF units: "
                     f"{accelerator.lif_units(acc, N)} units (rounded up)")
    if config.sharing.has_windows:
        notes.append("spatial windows (W<P>) change membrane buffers and traffic, not the LIF units of the array")
    if config.sharing.layer:
        notes.append(f"cross-layer sharing (grouping '{config.grouping}'): one membrane write per shared group per "
                     "timestep; LIF units unchanged")
    return notes
