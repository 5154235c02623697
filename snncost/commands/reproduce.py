"""``snncost reproduce PAPER``: recompute a paper's published figures and compare.

Every figure of the paper's registry (tables/<paper>.csv) is computed exactly,
compared with the printed value and given a status (match, match-rounded-parent,
explained-deviation, mismatch, not-modelled; info for rows that are not published
figures).
See docs/reproduce.md.
"""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("reproduce", help="recompute a paper's published figures and compare",
                       description="Recompute every published figure of a paper (registry tables/PAPER.csv), "
                                   "compare it with the printed value and report a status per row.")
    p.add_argument("paper", metavar="PAPER", help="the paper's registry name, e.g. efficientlif")
    p.add_argument("--format", default="text", help="text, md, csv, json (default text)")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..render.formats import check_format
    from ..reproduce.render import FORMATS, render
    from ..reproduce.runner import paper_module, reproduce

    paper_module(args.paper)  # an unknown name fails before anything else
    fmt = check_format(args.format, FORMATS)
    from .common import write_output

    write_output(render(reproduce(args.paper), fmt), args.out)
    return 0
