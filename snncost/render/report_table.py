"""The per-layer memory table of ``snncost table`` (torchinfo-style summary)."""
from __future__ import annotations

from ..report import Report
from ..units import fmt as _fmt_exact
from .formats import render_table, to_json


def fmt_bits(bits, unit: str, digits: int = 2) -> str:
    """units.fmt, also for exact sympy numbers (log2 3-bit membranes), shown to ``digits``."""
    if hasattr(bits, "free_symbols"):
        from ..precision import display_number

        return _fmt_exact(display_number(bits), unit, digits)
    return _fmt_exact(bits, unit, digits)


def _shape(shape) -> str:
    return "x".join(str(s) for s in shape)


def _reduction(report: Report, key: str) -> str:
    r = report.reduction(key)
    return "n/a" if r is None else f"{float(r):.2f}x"


def render_report(report: Report, fmt: str = "text", unit: str = "MiB", digits: int = 2) -> str:
    """The table: per-layer rows, then totals, reduction against ``none``, notes."""
    if fmt == "json":
        data = report.to_dict()
        data["config"]["model"] = report.model
        return to_json(data) + "\n"
    t = report.totals
    if fmt == "csv":
        keys = ["name", "kind", "output_shape", "params", "lif_neurons", "state_variables", "sharing_buffer",
                "lif_forward_bits", "lif_backward_bits", "weight_bits", "spike_bits_per_timestep", "static"]
        op_keys = [k for k in ("macs", "snn_macs", "acs", "neuron_updates", "energy_pj", "op_rule") if k in report.rows[0]]
        rows = [[_shape(r[k]) if k == "output_shape" else r[k] for k in keys]
                + [_exact_text(r[k]) for k in op_keys] for r in report.rows]
        rows.append(["TOTAL", "", "", t["params"], t["lif_neurons"], "", f"{t['sharing_buffers']} buffers",
                     t["lif_forward_bits"], t["lif_backward_bits"], t["weight_bits"], t["spike_bits_per_timestep"], ""]
                    + [_exact_text(t[k]) if k in t else "" for k in op_keys])
        return render_table(keys + op_keys, rows, "csv")
    headers = ["node", "kind", "output shape", "params", "LIF neurons", "sharing buffer",
               f"LIF fwd [{unit}]", f"LIF bwd [{unit}]", "MACs"]
    with_rates = "acs" in t
    if with_rates:
        headers += ["ACs", "energy [uJ]"]
    owners = {r["sharing_buffer"]: r["name"] for r in reversed(report.rows) if r["lif_neurons"]}
    rows = []
    for r in report.rows:
        is_site = bool(r["lif_neurons"])
        if is_site and owners[r["sharing_buffer"]] != r["name"]:  # counted at the buffer's first site
            rows.append([r["name"], r["kind"], _shape(r["output_shape"]), "", str(r["lif_neurons"]),
                         r["sharing_buffer"], "shared", "shared" if report.config.training != "bptt"
                         else fmt_bits(r["lif_backward_bits"], unit, digits)] + _op_cells(r, with_rates, digits))
            continue
        rows.append([r["name"], r["kind"] + (" (static)" if r["static"] else ""), _shape(r["output_shape"]),
                     str(r["params"]) if r["params"] else "",
                     str(r["lif_neurons"]) if is_site else "", r["sharing_buffer"],
                     fmt_bits(r["lif_forward_bits"], unit, digits) if is_site else "",
                     fmt_bits(r["lif_backward_bits"], unit, digits) if is_site else ""] + _op_cells(r, with_rates, digits))
    rows.append(["TOTAL", "", "", str(t["params"]), str(t["lif_neurons"]), f"{t['sharing_buffers']} buffers",
                 fmt_bits(t["lif_forward_bits"], unit, digits), fmt_bits(t["lif_backward_bits"], unit, digits),
                 str(t["macs"])] + ([_count(t["acs"]), _uj(t["energy_pj"], digits)] if with_rates else []))
    c = report.config
    title = (f"{report.model}: input {_shape(c.input_shape)}, T={c.timesteps}, batch {c.batch}, sharing {c.sharing.label}, "
             f"bits: weight {c.weight_bits}, membrane {c.membrane_bits}, spike {c.spike_bits}")
    table = render_table(headers, rows, fmt, colalign=("left", "left", "left", "right", "right", "left", "right", "right")
                         + ("right",) * (len(headers) - 8))
    summary = [
        ("LIF forward memory", f"{fmt_bits(t['lif_forward_bits'], unit, digits)} {unit} ({t['lif_forward_bits']} bit)",
         f"reduction vs none: {_reduction(report, 'lif_forward_bits')}"),
        ("LIF backward memory", f"{fmt_bits(t['lif_backward_bits'], unit, digits)} {unit} ({t['lif_backward_bits']} bit)",
         f"reduction vs none (bptt): {_reduction(report, 'lif_backward_bits')}"),
        ("weight memory", f"{fmt_bits(t['weight_bits'], unit, digits)} {unit} ({t['weight_bits']} bit)", f"{t['params']} parameters"),
        ("spike memory per timestep", f"{fmt_bits(t['spike_bits_per_timestep'], unit, digits)} {unit}",
         f"all {c.timesteps} timesteps: {fmt_bits(t['spike_bits_all_timesteps'], unit, digits)} {unit}"),
        ("total (weights + LIF fwd + spikes, all T)", f"{fmt_bits(t['total_bits'], unit, digits)} {unit}", ""),
    ]
    summary += _precision_summary(report, unit, digits)
    summary += op_summary(report, digits)
    if fmt == "text":
        lines = [title, "", table, ""]
        width = max(len(s[0]) for s in summary)
        lines += [f"{name:<{width}}  {value}" + (f"   [{extra}]" if extra else "") for name, value, extra in summary]
        lines += [""] + [f"note: {n}" for n in report.notes]
        return "\n".join(lines) + "\n"
    summary_table = render_table(["total", "value", ""], [list(s) for s in summary], fmt)
    if fmt == "md":
        notes = "\n".join(f"- {n}" for n in report.notes)
        return f"**{title}**\n\n{table}\n\n{summary_table}\n\n{notes}\n"
    return f"% {title}\n{table}\n{summary_table}\n" + "".join(f"% {n}\n" for n in report.notes)


def _precision_summary(report: Report, unit: str, digits: int) -> list[tuple[str, str, str]]:
    """IM-SNN's Eq. 15 total and, when weights are pruned, the storage in every format."""
    t, c = report.totals, report.config
    if "eq15_bits" not in t:
        return []
    scope = "conv weights only" if getattr(c, "eq15_weights", "conv") == "conv" else "all parameters"
    lines = [("IM-SNN Eq. 15 total (w_p N_w + u_p N_f + u_s N_f)", f"{fmt_bits(t['eq15_bits'], unit, digits)} {unit}",
              f"N_w = {t['eq15_weight_count']} ({scope}): {fmt_bits(t['eq15_weight_bits'], unit, digits)}; "
              f"membrane {fmt_bits(t['eq15_membrane_bits'], unit, digits)}; spikes {fmt_bits(t['eq15_spike_bits'], unit, digits)} {unit}")]
    pruned = getattr(c, "sparsity", 0) or any("sparsity" in v for v in getattr(c, "node_overrides", {}).values()) \
        or getattr(c, "weight_format", "dense") != "dense"
    if pruned:
        from ..pruning import FORMATS

        for f in FORMATS:
            chosen = " (counted in weight memory)" if f == c.weight_format else ""
            lines.append((f"weights stored {f}", f"{fmt_bits(t[f'weight_{f}_bits'], unit, digits)} {unit}",
                          f"{FORMATS[f]}; {t['weight_nonzeros']} of {t['weight_elements']} weights nonzero{chosen}"))
    return lines


def _count(value) -> str:
    """An op count: exact ints as they are; a fractional expected count to 2 decimals."""
    if isinstance(value, int) or getattr(value, "denominator", None) == 1:
        return str(int(value))
    return f"{float(value):.2f}" if not hasattr(value, "free_symbols") else str(value)


def _exact_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "denominator") and not isinstance(value, int):
        return str(value) if value.denominator != 1 else str(value.numerator)
    return str(value)


def _uj(pj, digits: int) -> str:
    return f"{float(pj) / 1e6:.{max(digits, 3)}f}"


def _op_cells(row: dict, with_rates: bool, digits: int) -> list[str]:
    cells = [str(row["macs"]) if row["macs"] else ""]
    if with_rates:
        cells += [_count(row["acs"]) if row.get("acs") else "", _uj(row["energy_pj"], digits) if row.get("energy_pj") else ""]
    return cells


def op_summary(report: Report, digits: int) -> list[tuple[str, str, str]]:
    """Op totals and, with rates, the energy, its breakdown and the gain over the ANN."""
    t = report.totals
    if "macs" not in t:
        return []
    T = report.config.timesteps
    lines = [("dense MACs (one pass, one timestep)", _count(t["macs"]), "per sample"),
             ("MACs executed (all timesteps)", _count(t["snn_macs"]), "analog-fed / non-binary inputs / static nodes"),
             ("neuron updates", _count(t["neuron_updates"]), f"per neuron per timestep, T={T}; {t['neuron_ops']} neuron ops")]
    if "acs" in t:
        lines.append(("ACs (spike-driven accumulates)", _count(t["acs"]), f"exact {_exact_text(t['acs'])}"))
        if t.get("exponent_adds"):
            lines.append(("exponent adds (multi-level spikes)", _count(t["exponent_adds"]), ""))
        e = report.energy
        if e is not None:
            parts = ", ".join(f"{k} {_uj(v, digits)}" for k, v in e.breakdown.items())
            lines.append((f"energy ({e.model})", f"{_uj(e.total_pj, digits)} uJ", parts))
            gain = "n/a" if e.gain is None else f"{float(e.gain):.2f}x"
            lines.append(("ANN of the same architecture", f"{_uj(e.ann_pj, digits)} uJ", f"gain of the SNN: {gain}"))
    return lines
