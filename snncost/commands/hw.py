"""``snncost hw MODEL``: LIF units, membrane buffers, memory traffic and simulator
exports of a network on a PE-array accelerator (snncost.hw, docs/hardware.md)."""
from __future__ import annotations

from .common import add_model_options, add_rate_options, analysis_kwargs, write_output


def register(sub) -> None:
    from ..hw.accelerator import PARAMETERS, Accelerator
    from ..hw.render import EXPORTS

    p = sub.add_parser("hw", help="hardware counts: LIF units, membrane buffers, memory traffic, simulator exports",
                       description="LIF units and membrane buffers of a PE array under a sharing scheme, memory "
                                   "traffic per mini-batch, SATA training workload, NeuroBench metrics; exports for "
                                   "Accelergy, Timeloop and NeuroBench.")
    add_model_options(p)
    add_rate_options(p)
    default = Accelerator()
    for name, (about, _source) in PARAMETERS.items():
        p.add_argument(f"--{name.replace('_', '-')}", dest=f"hw_{name}",   # checked by Accelerator.with_options
                       help=f"{about} (default {getattr(default, name)})".replace("%", "%%")
                       + ("; the same as --rates R" if name == "spike_rate" else ""))
    p.add_argument("--format", default="text", help="text or json (default text)")
    p.add_argument("--export", nargs=2, metavar=("KIND", "DIR"), help=f"write {', '.join(EXPORTS)} files into DIR")
    p.add_argument("--ert", metavar="FILE", help="price the action counts with an Accelergy energy reference table (YAML)")
    p.add_argument("--out", help="write the report to this file instead of standard output")
    p.set_defaults(run=run)


def run(args) -> int:
    import json

    from ..errors import ConfigError
    from ..hw import hardware
    from ..hw.accelerator import PARAMETERS
    from ..hw.render import EXPORTS, export_files, render_text, to_json_dict

    if args.format not in ("text", "json"):
        raise ConfigError("option --format", f"unknown format {args.format!r}", "text, json")
    if args.export and args.export[0] not in EXPORTS:
        raise ConfigError("option --export", f"unknown export {args.export[0]!r}", ", ".join(EXPORTS))
    kwargs = analysis_kwargs(args)
    kwargs.pop("training", None)
    unsupported = [k for k in kwargs if k not in ("input", "timesteps", "batch", "sharing", "layer_groups",
                                                  "weight_bits", "membrane_bits", "spike_bits",
                                                  "rates", "rate_default", "rate_mode")]
    if unsupported:
        raise ConfigError(f"option --{unsupported[0].replace('_', '-')}", "is not used by 'snncost hw'",
                          "the options listed by 'snncost hw --help'")
    params = {name: getattr(args, f"hw_{name}") for name in PARAMETERS}
    report = hardware(args.model, **kwargs, **params)
    priced = None
    if args.ert:
        from ..hw.accelergy import load_ert, price

        priced = price(report.actions, load_ert(args.ert))
    if args.export:
        _export(report, args.export[0], args.export[1], export_files)
    if args.format == "json":
        out = to_json_dict(report)
        if priced is not None:
            out["energy"] = _energy_json(priced)
        text = json.dumps(out, indent=2) + "\n"
    else:
        text = render_text(report)
        if priced is not None:
            text += _energy_text(priced)
    write_output(text, args.out)
    return 0


def _export(report, kind: str, directory: str, export_files) -> None:
    from pathlib import Path

    from ..errors import InputFileError
    from .common import write_bytes_atomically

    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise InputFileError(f"option --export DIR '{directory}'", "exists and is not a folder", "a folder path")
    if not path.exists():
        if not path.parent.is_dir():
            raise InputFileError(f"option --export DIR '{directory}'", "its parent folder does not exist",
                                 "a folder in an existing folder")
        path.mkdir()
    for name, text in export_files(report, kind).items():
        write_bytes_atomically(text.encode("utf-8"), str(path / name))


def _energy_json(priced) -> dict:
    from ..report import json_number

    return {"energy_pj": {c: {a: json_number(v) for a, v in acts.items()} for c, acts in priced["energy_pj"].items()},
            "total_pj": json_number(priced["total_pj"]), "unpriced": priced["unpriced"], "per": "mini-batch"}


def _energy_text(priced) -> str:
    from ..units import round_half_up

    lines = ["", "energy per mini-batch (ERT prices, pJ)"]
    for component, acts in priced["energy_pj"].items():
        lines.append(f"  {component:<16}" + ", ".join(f"{a} {round_half_up(v, 1)}" for a, v in acts.items()))
    lines.append(f"  total {round_half_up(priced['total_pj'], 1)} pJ")
    if priced["unpriced"]:
        lines.append(f"  not in the ERT: {', '.join(priced['unpriced'])}")
    return "\n".join(lines) + "\n"
