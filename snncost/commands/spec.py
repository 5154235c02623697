"""``snncost spec MODEL``: print a zoo model's (or a spec file's) spec as YAML or JSON."""
from __future__ import annotations

from .common import write_output


def register(sub) -> None:
    p = sub.add_parser("spec", help="print a model's spec as YAML (to copy and edit)")
    p.add_argument("model", help="a zoo model name or a spec file")
    p.add_argument("--format", default="yaml", help="yaml or json (default yaml)")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..render.formats import check_format
    from ..spec.loader import dump_json, dump_yaml
    from ..zoo import resolve_model

    fmt = check_format(args.format, ("yaml", "json"))
    spec = resolve_model(args.model)
    write_output(dump_yaml(spec) if fmt == "yaml" else dump_json(spec) + "\n", args.out)
    return 0
