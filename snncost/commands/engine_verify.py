"""``snncost engine verify``: re-run the engine's proofs on N random small specs."""
from __future__ import annotations

import json

from .common import _typed, positive_int, write_output
from .engine import check_choice


def register(sub) -> None:
    p = sub.add_parser("verify", help="check reverse vs store gradients, finite differences and membrane bits on random specs",
                       description="On N random small specs (every sharing scheme, both backward modes): gradient "
                                   "agreement of reverse recomputation and store-everything BPTT, agreement with finite "
                                   "differences, and tallied membrane bits against snncost's lif_backward_bits.")
    p.add_argument("--cases", type=_typed(positive_int, "--cases"), default=20, help="random cases (default 20)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random cases (default 0)")
    p.add_argument("--format", default="text", help="text or json (default text)")
    p.add_argument("--per-case", action="store_true", help="also list every case")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..engine.verify import verify

    fmt = check_choice(args.format, ("text", "json"), "--format")
    summary = verify(args.cases, args.seed)
    rows = summary.pop("per_case")
    if args.per_case:
        summary["per_case"] = rows
    if fmt == "json":
        write_output(json.dumps(summary, indent=2) + "\n", None)
    else:
        lines = [f"{summary['cases']} random specs (seed {summary['seed']}), schemes {', '.join(summary['schemes'])}, "
                 f"training modes bptt and reverse, {summary['seconds']} s",
                 f"max gradient rel. error, reverse vs store: {summary['max_grad_rel_err_reverse_vs_store']:.3g} "
                 f"(limit {summary['thresholds']['max_grad_rel_err_reverse_vs_store']:g})",
                 f"max gradient rel. error vs finite differences: {summary['max_grad_rel_err_vs_finite_diff']:.3g} "
                 f"(limit {summary['thresholds']['max_grad_rel_err_vs_finite_diff']:g})",
                 f"membrane bits, |tallied - lif_backward_bits|: {summary['memory_mismatch_bits']} (limit 0)",
                 f"longest membrane chain: {summary['max_chain_steps']} steps (largest lambda^-k: "
                 f"{summary['max_reverse_amplification']:.3g})",
                 "passed" if summary["passed"] else "FAILED"]
        for row in rows if args.per_case else []:
            lines.append(f"  {row['scheme']:>8} nodes {row['nodes']:>2} decay {row['decay']} {row['surrogate']:>8} "
                         f"steps {row['chain_steps']:>3} rev/store {row['reverse_vs_store']:.2g} fd {row['fd_err']:.2g} "
                         f"mem {row['memory_mismatch_bits']}")
        write_output("\n".join(lines) + "\n", None)
    return 0 if summary["passed"] else 1
