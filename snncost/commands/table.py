"""``snncost table MODEL``: per-layer LIF, weight and spike memory with totals."""
from __future__ import annotations

from .common import add_model_options, add_op_options, analysis_kwargs, digits, model_argument, write_output


def register(sub) -> None:
    p = sub.add_parser("table", help="per-layer memory table of a model or spec file",
                       description="Per-layer forward/backward LIF memory under a sharing scheme, with totals.")
    add_model_options(p)
    add_op_options(p)
    p.add_argument("--units", default="MiB", help="bit, B, KiB, MiB, GiB, kB, MB, GB (default MiB)")
    p.add_argument("--digits", type=digits, default=2, help="decimals shown (default 2; exact bits are always shown in totals)")
    p.add_argument("--format", default="text", help="text, md, csv, json, latex (default text)")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..analysis import analyze
    from ..render.formats import check_format
    from ..render.report_table import render_report
    from ..units import check_unit

    fmt = check_format(args.format)
    unit = check_unit(args.units)
    report = analyze(model_argument(args), **analysis_kwargs(args))
    write_output(render_report(report, fmt, unit, args.digits), args.out)
    return 0
