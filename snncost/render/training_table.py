"""Tables of ``snncost train-memory`` and ``snncost fit`` (text, md, csv, json)."""
from __future__ import annotations

from ..units import fmt
from .formats import render_table, to_json

TRAIN_FORMATS = ("text", "md", "csv", "json")


def _b(nbytes, unit, digits):
    return fmt(nbytes * 8, unit, digits)


def render_step(result, fmt_name: str = "text", unit: str = "GiB", digits: int = 3) -> str:
    """Per-layer rows, totals (static, saved by kind, transient by part, peak), what a
    sharing scheme removes of the whole step, the profile's assumptions."""
    if fmt_name == "json":
        return to_json(result.to_dict()) + "\n"
    t = result.totals
    if fmt_name == "csv":
        keys = ["name", "kind", "output_shape", "static", "params", "parameter_bytes", "gradient_bytes",
                "optimizer_bytes", "saved_bytes", "membrane_state_bytes", "gradient_in_flight_bytes", "saved"]
        rows = [["x".join(map(str, r[k])) if k == "output_shape" else r[k] for k in keys] for r in result.rows]
        rows.append(["TOTAL", "", "", "", sum(r["params"] for r in result.rows), t["parameter_bytes"], t["gradient_bytes"],
                     t["optimizer_bytes"], t["saved_bytes"], t["transient_by_part"]["membrane_state"], "", ""])
        return render_table(keys, rows, "csv")
    headers = ["layer", "kind", "output", "params", f"saved ({unit})", f"LIF state ({unit})", "kept"]
    rows = [[r["name"], r["kind"], "x".join(map(str, r["output_shape"])) + (" (static)" if r["static"] else ""),
             r["params"], _b(r["saved_bytes"], unit, digits), _b(r["membrane_state_bytes"], unit, digits),
             r["saved"]] for r in result.rows]
    c = result.config
    lines = [f"{result.model}: one training step, profile {result.profile.name}, input {'x'.join(map(str, c['input_shape']))}, "
             f"T = {c['timesteps']}, batch {c['batch']}, {c['amp']}, optimizer {c['optimizer']}, "
             f"sharing {c['sharing']}, training {c['training']}", "",
             render_table(headers, rows, fmt_name), ""]
    summary = [["parameters", t["parameter_bytes"]], ["gradients", t["gradient_bytes"]],
               ["optimizer state", t["optimizer_bytes"]], ["saved for backward", t["saved_bytes"]],
               *[[f"  saved: {kind}", v] for kind, v in t["saved_by_kind"].items()],
               ["transient", t["transient_bytes"]],
               *[[f"  transient: {part}", v] for part, v in t["transient_by_part"].items()],
               ["peak", t["peak_bytes"]]]
    lines.append(render_table(["total", "bytes", unit], [[k, v, _b(v, unit, digits)] for k, v in summary], fmt_name,
                              colalign=("left", "right", "right")))
    effect = result.sharing_effect
    if effect:
        base = effect["baseline"]["peak_bytes"]
        lines += ["", f"sharing {c['sharing']} ({c['training']}) removes {effect['peak_bytes_removed']} bytes "
                      f"({_b(effect['peak_bytes_removed'], unit, digits)} {unit}) of the none/bptt peak of {base} bytes "
                      f"({_b(base, unit, digits)} {unit}): a fraction {effect['fraction_of_peak_removed']} of the whole step"]
    lines += ["", "assumptions (profile " + result.profile.name + "):"] + [f"- {a}" for a in result.profile.assumptions]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def render_fit(answer: dict, fmt_name: str = "text", unit: str = "GiB", digits: int = 3) -> str:
    if fmt_name == "json":
        return to_json(answer) + "\n"
    by_batch = answer["batch"] is None
    headers = ["sharing", "precision", "training"] + (["largest batch", f"peak ({unit})", f"peak at batch 1 ({unit})"]
                                                     if by_batch else [f"peak at batch {answer['batch']} ({unit})", "fits"])
    rows = []
    for e in answer["candidates"]:
        if "refused" in e:
            rows.append([e["sharing"], e["precision"], "-", e["refused"]] + [""] * (len(headers) - 4))
        elif by_batch:
            rows.append([e["sharing"], e["precision"], e["training"], e["largest_batch"],
                         _b(e["peak_bytes"], unit, digits) if e.get("peak_bytes") else "-",
                         _b(e["peak_bytes_at_batch_1"], unit, digits)])
        else:
            rows.append([e["sharing"], e["precision"], e["training"], _b(e["peak_bytes"], unit, digits),
                         "yes" if e["fits"] else "no"])
    if fmt_name == "csv":
        return render_table(headers, rows, "csv")
    head = (f"{answer['model']}: budget {answer['budget_bytes']} bytes ({_b(answer['budget_bytes'], unit, digits)} {unit}), "
            f"T = {answer['timesteps']}, optimizer {answer['optimizer']}, profile {answer['profile']}")
    return "\n".join([head, "", render_table(headers, rows, fmt_name), "", answer["answer"]]) + "\n"
