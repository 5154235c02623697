"""``snncost energy MODEL --rates R``: the energy of a network, its breakdown, the rule
each layer was counted by, and the comparison with the ANN of the same architecture."""
from __future__ import annotations

from .common import add_model_options, add_op_options, analysis_kwargs, model_argument, write_output


def register(sub) -> None:
    p = sub.add_parser("energy", help="energy of a model under a named energy model, with the ANN comparison",
                       description="Per-layer op counts (MACs, ACs, neuron updates), the counting rule of each layer, "
                                   "the energy under a named model and technology table, and the gain over the ANN.")
    add_model_options(p, sharing=True)
    add_op_options(p)
    p.add_argument("--format", default="text", help="text, md, csv, json (default text)")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..analysis import analyze
    from ..errors import ConfigError
    from ..render.energy import render_energy
    from ..render.formats import check_format

    fmt = check_format(args.format, ("text", "md", "csv", "json"))
    kwargs = analysis_kwargs(args)
    if "rates" not in kwargs and "rate_default" not in kwargs:
        raise ConfigError("option --rates", "snncost energy needs spike rates",
                          "--rates 0.15 (every neuron node), or a .csv/.json file keyed by node name")
    report = analyze(model_argument(args), baseline=False, **kwargs)
    write_output(render_energy(report, fmt), args.out)
    return 0
