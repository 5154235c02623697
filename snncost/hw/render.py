"""Presenting a :class:`~.model.HardwareReport`: the JSON dict, the text report and
the export files (Accelergy, Timeloop, NeuroBench)."""
from __future__ import annotations

from fractions import Fraction

from ..report import json_number
from .accelerator import PARAMETERS, Accelerator

EXPORTS = ("accelergy", "timeloop", "neurobench")


def exact(value) -> str | int:
    """An exact value for JSON: an int, or the Fraction as 'p/q'."""
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _numbers(obj):
    if isinstance(obj, dict):
        return {str(k): _numbers(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_numbers(v) for v in obj]
    return json_number(obj)


def parameters(acc: Accelerator) -> dict:
    default = Accelerator()
    out = {}
    for name, (about, source) in PARAMETERS.items():
        value, base = getattr(acc, name), getattr(default, name)
        out[name] = {"value": exact(value) if isinstance(value, Fraction) else value,
                     "default": exact(base) if isinstance(base, Fraction) else base, "about": about, "source": source}
    return out


def _per_inference(table: dict, batch: int) -> dict:
    return {k: (_per_inference(v, batch) if isinstance(v, dict) else Fraction(v) / batch) for k, v in table.items()}


def to_json_dict(report) -> dict:
    lif = report.lif
    summary = {k: report.traffic[k] for k in ("by_tensor", "total")}
    B = report.config.batch
    return {
        "model": report.model,
        "config": report.config.as_dict(),
        "parameters": parameters(report.accelerator),
        "spike_rates": spike_rates_dict(report),
        "lif_units": lif["lif_units"],
        "lif_units_baseline": lif["lif_units_baseline"],
        "lif_share": exact(lif["lif_share"]),
        "lif_share_value": float(lif["lif_share"]),
        "lif_share_baseline": exact(lif["lif_share_baseline"]),
        "membrane_buffer_bits": json_number(lif["membrane_buffer_bits"]),
        "membrane_buffer_bits_baseline": json_number(lif["membrane_buffer_bits_baseline"]),
        "lif_cycles_per_timestep": lif["lif_cycles_per_timestep"],
        "lif_cycles_per_timestep_baseline": lif["lif_cycles_per_timestep_baseline"],
        "lif_time_per_timestep_us": exact(lif["lif_time_per_timestep_us"]),
        "traffic": {
            "per_mini_batch": _numbers(summary),
            "per_inference": _numbers(_per_inference(summary, B)),
            "baseline_per_mini_batch": _numbers(report.traffic_baseline),
            "by_layer": _numbers(report.traffic["by_layer"]),
        },
        "dram_reduction": {
            "vs": report.reduction["vs"],
            "at_batch": exact(report.reduction["at_batch"]),
            "at_batch_value": float(report.reduction["at_batch"]),
            "by_batch": {str(b): exact(v) for b, v in report.reduction["by_batch"].items()},
        },
        "layers": _numbers(report.layers),
        "actions": _numbers(report.actions),
        "sata": {"per": "sample", "layers": _numbers(report.sata), "totals": _numbers(_sata_totals(report))},
        "neurobench": neurobench_dict(report),
        "notes": report.notes,
    }


def spike_rates_dict(report) -> dict:
    """Where the spike rates come from and each neuron node's rate per timestep."""
    ops = report.config.ops
    given = ops.rates is not None
    return {"from": f"rates ({ops.rate_mode})" if given else "spike_rate",
            "per_timestep": {name: exact(r) for name, r in report.spike_rates.items()},
            "sources": dict(ops.rate_sources) if given else {name: "spike_rate" for name in report.spike_rates}}


def _sata_totals(report):
    from .sata import totals

    return totals(report.sata)


def neurobench_dict(report) -> dict:
    nb = report.neurobench
    return {"footprint": json_number(nb["footprint"]), "connection_sparsity": json_number(nb["connection_sparsity"]),
            "synaptic_operations": _numbers(nb["synaptic_operations"]),
            "membrane_updates": nb["membrane_updates"], "neuron_operations": nb["neuron_operations"],
            "per": "sample, summed over timesteps"}


def _pct(value) -> str:
    from ..units import round_half_up

    return f"{round_half_up(Fraction(value) * 100, 2)}%"


def render_text(report) -> str:
    c, lif, acc = report.config, report.lif, report.accelerator
    lines = [f"{report.model}: hardware counts, sharing {c.sharing.label}, batch {c.batch}, T = {c.timesteps}, "
             f"input {'x'.join(str(s) for s in c.input_shape)}", "", "parameters (value, default: what; source)"]
    for name, p in parameters(acc).items():
        lines.append(f"  {name} = {p['value']} (default {p['default']}): {p['about']}; {p['source']}")
    rates = spike_rates_dict(report)
    values = set(rates["per_timestep"].values())
    lines.append(f"  spike rates per timestep (from {rates['from']}): " + (
        f"{values.pop()} for every neuron node" if len(values) == 1 else
        ", ".join(f"{name} {r}" for name, r in rates["per_timestep"].items())))
    lines += ["", "LIF units (EfficientLIF-Net Sec. 4.4.2, 5.3.9)",
              f"  LIF units               {lif['lif_units']} (baseline {lif['lif_units_baseline']})",
              f"  membrane buffer bits    {json_number(lif['membrane_buffer_bits'])} "
              f"(baseline {json_number(lif['membrane_buffer_bits_baseline'])})",
              f"  LIF share of PE compute {_pct(lif['lif_share'])} = {exact(lif['lif_share'])} "
              f"(baseline {_pct(lif['lif_share_baseline'])})",
              f"  LIF cycles per timestep {lif['lif_cycles_per_timestep']} per sample "
              f"(baseline {lif['lif_cycles_per_timestep_baseline']}; {exact(lif['lif_time_per_timestep_us'])} us "
              f"at {acc.clock_mhz} MHz)", "",
              f"memory traffic per mini-batch of {c.batch} (accesses of {acc.word_bits} bits)",
              f"  {'tensor':<16}{'DRAM reads':>16}{'DRAM writes':>16}{'on-chip reads':>16}{'on-chip writes':>16}"]
    table = report.traffic["by_tensor"]
    for name, cell in [*table.items(), ("total", report.traffic["total"])]:
        lines.append(f"  {name:<16}{cell['dram_reads']:>16}{cell['dram_writes']:>16}"
                     f"{cell['on_chip_reads']:>16}{cell['on_chip_writes']:>16}")
    base = report.traffic_baseline["dram_accesses"]
    lines.append(f"  DRAM accesses per inference {json_number(Fraction(report.traffic['total']['dram_accesses'], c.batch))}"
                 f"; unshared network {base} per mini-batch")
    lines.append("  DRAM reduction vs none by batch: " + ", ".join(
        f"B={b} {_pct(v)}" for b, v in report.reduction["by_batch"].items()))
    lines += ["", "actions per mini-batch (Accelergy components)"]
    for component, acts in report.actions.items():
        lines.append(f"  {component:<16}" + ", ".join(f"{a} {json_number(n)}" for a, n in acts.items()))
    sata = {k: json_number(v) for k, v in _sata_totals(report).items()}
    lines += ["", f"SATA training workload (per sample, {len(report.sata)} conv/linear layers; words of "
                  f"{acc.sata_word_bits}-spike packing)",
              f"  MACs forward {sata['mac_forward']}, backward {sata['mac_backward']}, weight update "
              f"{sata['mac_weight_update']}; LIF ops {sata['lif']}, gradient-unit ops {sata['gradient_unit']}",
              "  DRAM / global buffer / scratchpad: forward " + " / ".join(
                  str(sata[f"{m}_forward"]) for m in ("dram", "glb", "spad")) + ", backward " + " / ".join(
                  str(sata[f"{m}_backward"]) for m in ("dram", "glb", "spad")) + ", weight update " + " / ".join(
                  str(sata[f"{m}_weight_update"]) for m in ("dram", "glb", "spad"))]
    nb = neurobench_dict(report)
    ops = nb["synaptic_operations"]
    lines += ["", "NeuroBench metrics (per sample)",
              f"  footprint {nb['footprint']} B, connection_sparsity {nb['connection_sparsity']}, "
              f"membrane_updates {nb['membrane_updates']}, neuron_operations {nb['neuron_operations']}",
              f"  synaptic_operations: Dense {ops['Dense']}, Effective_ACs {ops['Effective_ACs']}, "
              f"Effective_MACs {ops['Effective_MACs']}"]
    if report.notes:
        lines += ["", "notes"] + [f"  {n}" for n in report.notes]
    return "\n".join(lines) + "\n"


def export_files(report, kind: str) -> dict[str, str]:
    """File name -> YAML/JSON text of one export kind."""
    import json

    import yaml

    from . import accelergy, timeloop

    def dump(doc) -> str:
        return yaml.safe_dump(doc, sort_keys=False)

    if kind == "accelergy":
        return {"action_counts.yaml": dump(accelergy.action_counts(report.actions)),
                "architecture.yaml": dump(accelergy.architecture(report)),
                "ERT_horowitz45.yaml": dump(accelergy.default_ert())}
    if kind == "timeloop":
        return {f"{i:03d}_{name}.yaml": dump(doc) for i, (name, doc) in enumerate(timeloop.problems(report).items(), 1)}
    return {"neurobench.json": json.dumps(neurobench_dict(report), indent=2) + "\n"}
