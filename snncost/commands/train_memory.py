"""``snncost train-memory MODEL``: what one BPTT training step holds, per layer and in total."""
from __future__ import annotations

from .common import MODEL_HELP, _typed, add_nir_options, digits, input_size, model_argument, positive_int, write_output


def add_training_options(p, *, batch: bool = True) -> None:
    """Options shared by train-memory and fit."""
    p.add_argument("model", help=MODEL_HELP)
    add_nir_options(p)
    p.add_argument("--input", type=input_size, help="input spatial size: 224, or HxW (default: the model's)")
    p.add_argument("--timesteps", "-T", type=_typed(positive_int, "--timesteps"), help="timesteps T (default: the model's)")
    if batch:
        p.add_argument("--batch", "-B", type=_typed(positive_int, "--batch"), help="batch size (default: the model's)")
    p.add_argument("--optimizer", default="sgd-momentum", help="sgd, sgd-momentum, adam, adamw (default sgd-momentum)")
    p.add_argument("--layer-groups", help="layer grouping for L: auto, none, or one the model declares")
    p.add_argument("--training", help="LIF backward mode: bptt or reverse (default: bptt for none, reverse for shared schemes)")
    p.add_argument("--profile", default="pytorch", help="framework profile: pytorch (default), numpy-engine")
    p.add_argument("--static-nodes", default="once",
                   help="once (static nodes run once, as the spec says; default) or per-timestep (every node every step)")
    p.add_argument("--workspace", default=None, help="framework workspace allowance added to the peak, e.g. 256MiB (default 0)")
    p.add_argument("--units", default="GiB", help="display unit: B, KiB, MiB, GiB, kB, MB, GB (default GiB; JSON is in bytes)")
    p.add_argument("--digits", type=digits, default=3, help="decimals shown (default 3)")
    p.add_argument("--out", help="write to this file instead of standard output")


def register(sub) -> None:
    p = sub.add_parser("train-memory", help="memory of one BPTT training step (parameters, saved tensors, peak)",
                       description="Predict what one BPTT training step holds: parameters, gradients, optimizer state, "
                                   "what autograd keeps per node kind, the backward pass's transient memory, the peak.")
    add_training_options(p)
    p.add_argument("--amp", default="fp32", help="fp32 (default), bf16 or fp16 autocast")
    p.add_argument("--sharing", default="none", help="none, L, C<N>, L+C<N>, W<P>... (as snncost table)")
    p.add_argument("--format", default="text", help="text, md, csv, json (default text)")
    p.add_argument("--formula", action="store_true", help="print the closed form of peak_bytes instead (sympy)")
    p.add_argument("--symbols", default="B", help="with --formula: symbols kept, from B, T, H, W (L) (default B)")
    p.set_defaults(run=run)


def training_kwargs(args) -> dict:
    return {"input": args.input, "timesteps": args.timesteps, "optimizer": args.optimizer,
            "layer_groups": args.layer_groups, "training": args.training, "profile": args.profile,
            "static_nodes": args.static_nodes, "workspace": args.workspace}


def run(args) -> int:
    from ..render.formats import check_format
    from ..render.training_table import TRAIN_FORMATS, render_step
    from ..training.fit import peak_formula, train_memory
    from ..units import check_unit

    fmt = check_format(args.format, TRAIN_FORMATS)
    unit = check_unit(args.units)
    kwargs = training_kwargs(args)
    if args.formula:
        result = peak_formula(model_argument(args), symbols=args.symbols, batch=args.batch, amp=args.amp,
                              sharing=args.sharing, **kwargs)
        write_output(result.text(), args.out)
        return 0
    result = train_memory(model_argument(args), batch=args.batch, amp=args.amp, sharing=args.sharing, **kwargs)
    write_output(render_step(result, fmt, unit, args.digits), args.out)
    return 0
