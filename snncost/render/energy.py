"""The output of ``snncost energy``: per-layer counts and rules, breakdown, ANN comparison."""
from __future__ import annotations

from ..report import Report, json_number
from .formats import render_table, to_json
from .report_table import _count, _uj, op_summary


def render_energy(report: Report, fmt: str = "text") -> str:
    e = report.energy
    if fmt == "json":
        return to_json({"model": report.model, "config": report.config.as_dict(),
                        "totals": {k: json_number(v) for k, v in report.totals.items()
                                   if k in ("macs", "snn_macs", "acs", "exponent_adds", "neuron_updates", "neuron_ops",
                                            "energy_pj", "ann_energy_pj") or k.startswith("energy_")},
                        "energy": e.as_dict(),
                        "layers": [{k: json_number(r.get(k)) for k in ("name", "kind", "macs", "snn_macs", "acs",
                                                                       "neuron_updates", "energy_pj", "input_rate", "op_rule")}
                                   for r in report.rows if r["macs"] or r["neuron_updates"]],
                        "notes": report.notes}) + "\n"
    headers = ["node", "kind", "input rate", "MACs", "MACs executed", "ACs", "neuron updates", "energy [uJ]", "rule"]
    rows = [[r["name"], r["kind"], "" if r.get("input_rate") is None else f"{float(r['input_rate']):.4g}",
             _count(r["macs"]) if r["macs"] else "", _count(r["snn_macs"]) if r["snn_macs"] else "",
             _count(r["acs"]) if r.get("acs") else "", _count(r["neuron_updates"]) if r["neuron_updates"] else "",
             _uj(r["energy_pj"], 3), r["op_rule"]]
            for r in report.rows if r["macs"] or r["neuron_updates"]]
    c = report.config
    title = f"{report.model}: input {'x'.join(map(str, c.input_shape))}, T={c.timesteps}, energy model {e.model} ({e.table})"
    table = render_table(headers, rows, fmt)
    summary = op_summary(report, 3)
    if fmt == "csv":
        return table
    if fmt == "md":
        return (f"**{title}**\n\n{table}\n\n" + render_table(["total", "value", ""], [list(s) for s in summary], "md")
                + "\n\n" + "\n".join(f"- {n}" for n in report.notes) + "\n")
    width = max(len(s[0]) for s in summary)
    lines = [title, "", table, ""] + [f"{n:<{width}}  {v}" + (f"   [{x}]" if x else "") for n, v, x in summary]
    return "\n".join(lines + [""] + [f"note: {n}" for n in report.notes]) + "\n"
