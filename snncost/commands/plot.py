"""``snncost plot MODEL --kind KIND --out FILE``: a figure of the papers' kind (needs matplotlib)."""
from __future__ import annotations

from .common import (MODEL_HELP, _typed, add_nir_options, add_op_options, add_precision_options, bits, input_size,
                     model_argument, positive_int)


def register(sub) -> None:
    from ..plot import DEFAULT_SCHEMES, PLOTS

    p = sub.add_parser("plot", help="draw a memory breakdown, per-layer bars or sweep curves (png/svg/pdf)",
                       description="Figures of the kind the papers show; the plotted values are the report's.")
    p.add_argument("model", help=MODEL_HELP)
    p.add_argument("--kind", default="breakdown", help=f"{', '.join(PLOTS)} (default breakdown)")
    p.add_argument("--out", required=True, help="the figure file: .png, .svg or .pdf")
    p.add_argument("--sharing", help=f"schemes, comma-separated (default {','.join(DEFAULT_SCHEMES)}; "
                   "layers: one scheme, default none)")
    p.add_argument("--input", help="input size (224 or 224x160); sweep: a list or range such as 32,64,224 or 32:256:32")
    p.add_argument("--quantity", default="lif_forward_bits", help="sweep: the total to draw (default lif_forward_bits)")
    p.add_argument("--units", default="MiB", help="bit, B, KiB, MiB, GiB, kB, MB, GB (default MiB)")
    p.add_argument("--timesteps", "-T", type=_typed(positive_int, "--timesteps"), help="timesteps T (default: the model's)")
    p.add_argument("--batch", "-B", type=_typed(positive_int, "--batch"), help="batch size (default: the model's)")
    p.add_argument("--layer-groups", help="layer grouping for L: auto, none, or one the model declares")
    p.add_argument("--training", help="backward memory mode: bptt or reverse (default as in snncost table)")
    for name in ("weight", "membrane", "spike"):
        p.add_argument(f"--{name}-bits", type=_typed(bits, f"--{name}-bits"), help=f"{name} bits (default: the model's)")
    add_precision_options(p)
    add_op_options(p)
    add_nir_options(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from ..plot import check_out, figure, save
    from ..units import check_unit
    from .common import analysis_kwargs

    check_out(args.out)
    unit = check_unit(args.units)
    options = analysis_kwargs(args)
    options.pop("sharing", None)
    if args.kind != "sweep":
        if args.input is not None:
            options["input"] = input_size(args.input)
        if args.quantity != "lif_forward_bits":
            from ..errors import ConfigError

            raise ConfigError("option --quantity", "applies to --kind sweep only", "--kind sweep, or no --quantity")
    else:
        options["quantity"] = args.quantity
    fig = figure(model_argument(args), args.kind, sharing=args.sharing, unit=unit, **options)
    save(fig, args.out)
    return 0
