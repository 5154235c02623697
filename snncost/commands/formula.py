"""``snncost formula MODEL``: the closed-form expression of a cost quantity (sympy)."""
from __future__ import annotations

from .common import add_model_options, add_op_options, analysis_kwargs, model_argument, write_output

FORMULA_FORMATS = ("text", "latex", "json")


def register(sub) -> None:
    p = sub.add_parser(
        "formula", help="closed-form formula of a cost quantity in symbols H, W (L), T, B, b_w, b_u, b_s, N",
        description="Derive the closed-form expression of a total or per-layer quantity (exact, sympy). "
                    "By default the input is a multiple of the network's total stride (a polynomial); "
                    "--any-size keeps the exact floor() form.")
    add_model_options(p)
    add_op_options(p)
    p.add_argument("--quantity", default="lif_forward_bits",
                   help="lif_forward_bits (default), lif_backward_bits, weight_bits, spike_bits_per_timestep, "
                        "spike_bits_all_timesteps, total_bits, params, lif_neurons, ...")
    p.add_argument("--layer", help="a node name: that node's quantity instead of the network total")
    p.add_argument("--symbols", help="names kept symbolic, comma-separated: H,W (or L),T,B,b_w,b_u,b_s,N, or "
                                     "r (one spike rate), r_l (a rate per neuron node), NAME=NODE.FIELD (default: input sizes, T, B, "
                                     "b_w, b_u, b_s; N with --sharing L+CN, P with WP; r for acs and energy_pj)")
    p.add_argument("--any-size", action="store_true",
                   help="do not assume the input is a multiple of the total stride (exact floor() terms remain)")
    p.add_argument("--format", default="text", help="text, latex, json (default text)")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..formulas import derive
    from ..render.formats import check_format, to_json

    fmt = check_format(args.format, FORMULA_FORMATS)
    result = derive(model_argument(args), args.quantity, layer=args.layer, symbols=args.symbols,
                    divisible=not args.any_size, **analysis_kwargs(args))
    text = {"text": result.text, "latex": result.latex, "json": lambda: to_json(result.to_dict()) + "\n"}[fmt]()
    write_output(text, args.out)
    return 0
