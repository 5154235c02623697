"""``snncost fit MODEL --memory 24GiB``: the largest batch per sharing scheme and precision,
or (with ``--batch``) the schemes and precisions that fit, cheapest first."""
from __future__ import annotations

from .common import model_argument, write_output
from .train_memory import add_training_options, training_kwargs


def register(sub) -> None:
    p = sub.add_parser("fit", help="fit a model into a memory budget (largest batch per sharing scheme and precision)",
                       description="Solve the closed-form training peak for the largest batch that fits a budget, for each "
                                   "sharing scheme and precision; with --batch, list what fits at that batch, cheapest first.")
    add_training_options(p)
    p.add_argument("--memory", required=True, help="the budget: 24GiB, 24GB, 80e9 (bytes)...")
    p.add_argument("--sharing", default="none,L,C2,L+C2", help="comma-separated schemes (default none,L,C2,L+C2)")
    p.add_argument("--precisions", default=None, help="comma-separated: fp32, bf16, fp16 (default fp32,bf16)")
    p.add_argument("--format", default="text", help="text, md, csv, json (default text)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..render.formats import check_format
    from ..render.training_table import TRAIN_FORMATS, render_fit
    from ..training.fit import fit
    from ..units import check_unit

    fmt = check_format(args.format, TRAIN_FORMATS)
    unit = check_unit(args.units)
    precisions = [p.strip() for p in args.precisions.split(",")] if args.precisions else None
    answer = fit(model_argument(args), args.memory, batch=args.batch, sharing=args.sharing, precisions=precisions,
                 **training_kwargs(args))
    write_output(render_fit(answer, fmt, unit, args.digits), args.out)
    return 0
