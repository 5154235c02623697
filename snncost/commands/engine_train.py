"""``snncost engine train``: train a spec on toy data; accuracy, spike rates, memory."""
from __future__ import annotations

import json

from .common import write_bytes_atomically, write_output
from .engine import Progress, check_choice, check_folder, train_kwargs, training_parser


def register(sub) -> None:
    p = training_parser(sub, "train", help="train a (small) spec on toy data and measure accuracy, spike rates and memory",
                        description="SGD with momentum on procedurally generated data; prints accuracy, per-layer spike "
                                    "rates and the memory the forward pass kept, measured vs predicted.",
                        sharing=("none", "none, L, C<N>, L+C<N>, W<P>... (default none)"), formats=("text", "json"), run=run)
    p.add_argument("--rates-out", help="write the measured spike rates to this CSV file (node,rate)")


def run(args) -> int:
    from ..engine.train import rates_csv, train
    from ..units import check_unit

    fmt = check_choice(args.format, args.formats, "--format")
    unit = check_unit(args.units)
    if args.rates_out:
        check_folder(args.rates_out, "--rates-out")
    progress = Progress(1)
    progress.start(args.sharing)
    result = train(args.model, sharing=args.sharing, progress=progress, **train_kwargs(args))
    progress.finish()
    if args.rates_out:
        write_bytes_atomically(rates_csv(result.rates).encode("utf-8"), args.rates_out)
    if fmt == "json":
        data = result.as_dict()
        data["membrane_match"] = result.memory["categories"]["membranes"] == result.predicted_membrane_bits
        write_output(json.dumps(data, indent=2) + "\n", None)
    else:
        write_output(render_result(result, unit, args.dtype), None)
    return 0


def render_result(result, unit: str, dtype: str) -> str:
    from ..engine.tally import CATEGORIES
    from ..units import fmt

    memory = result.memory
    measured = memory["categories"]["membranes"]
    lines = [f"{result.model}: sharing {result.sharing} (training {result.training}"
             + (f", layer groups {result.layer_groups}" if result.layer_groups else "")
             + f"), T = {result.timesteps}, batch {result.batch}, {result.epochs} epochs, {result.seconds} s",
             "loss per epoch: " + " ".join(f"{loss:.4f}" for loss in result.losses),
             f"accuracy: train {result.train_accuracy:.4f}, test {result.test_accuracy:.4f}",
             "spike rates (spikes per neuron per timestep, test set):"]
    lines += [f"  {name:<16} {rate:.4f}" for name, rate in result.rates.items()]
    lines.append(f"kept for the backward pass, one training step ({dtype}, {unit}):")
    for category in CATEGORIES:
        lines.append(f"  {category:<22} {fmt(memory['categories'][category], unit):>12}")
    lines.append(f"  {'total':<22} {fmt(memory['total_bits'], unit):>12}")
    lines.append(f"  {'(input batch, apart)':<22} {fmt(memory['input_bits'], unit):>12}")
    verdict = "match" if measured == result.predicted_membrane_bits else "MISMATCH"
    lines.append(f"membranes: measured {measured} bits, predicted (snncost lif_backward_bits) "
                 f"{result.predicted_membrane_bits} bits: {verdict}")
    lines.append(f"parameters: {fmt(result.parameter_bits, unit)} {unit} (gradients and momentum as much again each)")
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n"
