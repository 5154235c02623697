"""``snncost sweep MODEL``: exact costs over a grid of input sizes, timesteps, schemes, bits."""
from __future__ import annotations

from pathlib import Path

from .common import MODEL_HELP, add_nir_options, add_op_options, model_argument, op_kwargs, write_output


def register(sub) -> None:
    p = sub.add_parser(
        "sweep", help="evaluate every combination of input sizes, timesteps, batch, sharing schemes and bit widths",
        description="Exact design-space sweep from the closed-form formulas (one row per combination). "
                    "Lists are comma-separated; ranges START:STOP:STEP include STOP (32:512:32).")
    p.add_argument("model", help=MODEL_HELP)
    add_nir_options(p)
    p.add_argument("--input", help="input sizes: 32:512:32, 32,64,224, or HxW items such as 224x160 (default: the model's)")
    p.add_argument("--timesteps", "-T", help="timesteps: 1,2,4,8 or 1:16 (default: the model's)")
    p.add_argument("--batch", "-B", help="batch sizes: 1,64 (default: the model's)")
    p.add_argument("--sharing", default="none", help="schemes: none,L,C2,L+C2,W4,L+C2+W4 (default none)")
    p.add_argument("--layer-groups", help="layer grouping for L: auto, none, or one the model declares")
    p.add_argument("--training", help="backward memory mode: bptt or reverse (default per scheme)")
    p.add_argument("--weight-bits", help="weight bits: 32,8,4 (default: the model's)")
    p.add_argument("--membrane-bits", help="membrane bits: 32,16,1.5 (default: the model's)")
    p.add_argument("--spike-bits", help="spike bits (default: the model's)")
    p.add_argument("--quantity", help="comma-separated quantities, one column each (default lif_forward_bits,"
                                      "lif_backward_bits,total_bits; with --layer lif_forward_bits,lif_backward_bits,weight_bits)")
    p.add_argument("--layer", help="a node name: that node's quantities instead of the network totals")
    add_op_options(p)
    p.add_argument("--format", help="csv, json, parquet (default: from --out's extension, else csv)")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.add_argument("--plot", help="also draw memory vs input size (one line per scheme, log axes) to this PNG (needs matplotlib)")
    p.add_argument("--plot-quantity", help="the column to draw (default: the first quantity)")
    p.add_argument("--plot-units", default="MiB", help="unit of the plot's y axis for bit quantities (default MiB)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..errors import ConfigError, InputFileError
    from ..render.formats import check_format
    from ..sweeps import SWEEP_FORMATS, render_plot, require_matplotlib, to_bytes
    from .common import write_bytes_atomically

    fmt = args.format
    if fmt is None:
        suffix = Path(args.out).suffix.lower().lstrip(".") if args.out else ""
        fmt = suffix if suffix in SWEEP_FORMATS else "csv"
    check_format(fmt, SWEEP_FORMATS)
    if fmt == "parquet" and not args.out:
        raise ConfigError("option --format", "parquet is binary and needs a file", "--out results.parquet, or --format csv/json")
    if args.plot:
        if Path(args.plot).suffix.lower() != ".png":
            raise ConfigError("option --plot", f"{args.plot!r} is not a .png file name", "a path ending in .png")
        require_matplotlib()
    for option, path in (("--out", args.out), ("--plot", args.plot)):
        if path and not (Path(path).parent if str(Path(path).parent) else Path(".")).is_dir():
            raise InputFileError(f"option {option} '{path}'", "its folder does not exist", "a path in an existing folder")
    from ..sweeps import sweep
    from ..zoo import resolve_model

    spec = resolve_model(model_argument(args))
    df = sweep(spec, input=args.input, timesteps=args.timesteps, batch=args.batch, sharing=args.sharing,
               weight_bits=args.weight_bits, membrane_bits=args.membrane_bits, spike_bits=args.spike_bits,
               quantities=args.quantity, layer=args.layer, layer_groups=args.layer_groups, training=args.training,
               **op_kwargs(args))
    # every check, conversion and drawing before anything is written
    data = to_bytes(df, fmt)
    png = render_plot(df, quantity=args.plot_quantity, model=spec.name, unit=args.plot_units) if args.plot else None
    if png is not None:  # the plot first: a plot path that cannot be written stops before any output
        try:
            write_bytes_atomically(png, args.plot)
        except InputFileError as exc:
            raise InputFileError(f"option --plot '{args.plot}'", exc.problem, exc.valid) from None
    if args.out:
        write_bytes_atomically(data, args.out)
    else:
        write_output(data.decode("utf-8"), None)
    return 0
