"""``snncost engine compare``: train one spec under several sharing schemes, side by side."""
from __future__ import annotations

import json

from .common import write_output
from .engine import Progress, check_choice, train_kwargs, training_parser


def register(sub) -> None:
    training_parser(sub, "compare", help="train a spec under several sharing schemes and compare accuracy and memory",
                    description="The same model, data, seed and step count under each scheme: test accuracy and the "
                                "membrane memory the backward pass kept (measured, and snncost's prediction).",
                    sharing=("none,L,C2,L+C2", "comma-separated schemes (default none,L,C2,L+C2)"),
                    formats=("text", "md", "json"), run=run)


def run(args) -> int:
    from ..engine.train import train
    from ..sharing import parse_sharing
    from ..units import check_unit

    fmt = check_choice(args.format, args.formats, "--format")
    unit = check_unit(args.units)
    schemes = [s.strip() for s in args.sharing.split(",") if s.strip()]
    for scheme in schemes:
        parse_sharing(scheme)
    progress = Progress(len(schemes))
    results = []
    for scheme in schemes:
        progress.start(scheme)
        results.append(train(args.model, sharing=scheme, progress=progress, **train_kwargs(args)))
    progress.finish()
    if fmt == "json":
        write_output(json.dumps([r.as_dict() for r in results], indent=2) + "\n", None)
    else:
        write_output(render_comparison(results, unit, fmt), None)
    return 0


def render_comparison(results, unit: str, fmt: str) -> str:
    from fractions import Fraction

    from tabulate import tabulate

    from ..units import fmt as show

    base = results[0].memory["categories"]["membranes"]
    header = ["sharing", "training", "test acc", "train acc", f"membranes ({unit})", f"vs {results[0].sharing}",
              f"kept total ({unit})", "predicted membranes", "mean rate"]
    rows = []
    for r in results:
        measured = r.memory["categories"]["membranes"]
        ratio = Fraction(base, measured) if measured else None
        rows.append([r.sharing, r.training, f"{r.test_accuracy:.4f}", f"{r.train_accuracy:.4f}", show(measured, unit),
                     f"{float(ratio):.2f}x" if ratio else "-", show(r.memory["total_bits"], unit),
                     "match" if measured == r.predicted_membrane_bits else f"MISMATCH ({r.predicted_membrane_bits})",
                     f"{sum(r.rates.values()) / max(len(r.rates), 1):.4f}"])
    first = results[0]
    title = (f"{first.model}: T = {first.timesteps}, batch {first.batch}, {first.epochs} epochs, "
             f"same seed and data for every scheme")
    table = tabulate(rows, headers=header, tablefmt="github" if fmt == "md" else "simple", disable_numparse=True)
    return title + "\n\n" + table + "\n"
