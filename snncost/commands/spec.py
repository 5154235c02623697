"""``snncost spec MODEL``: print a model's spec as YAML or JSON, or write it as a NIR graph."""
from __future__ import annotations

from .common import MODEL_HELP, add_nir_options, model_argument, write_output


def register(sub) -> None:
    p = sub.add_parser("spec", help="print a model's spec as YAML (to copy and edit), or write it as NIR")
    p.add_argument("model", help=MODEL_HELP)
    p.add_argument("--format", default="yaml", help="yaml or json (default yaml)")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.add_argument("--to-nir", metavar="FILE", help="write the model as a NIR graph (.nir, needs the nir extra) "
                   "instead of printing its spec; kinds NIR lacks are refused, naming the node")
    add_nir_options(p)
    p.set_defaults(run=run)


def run(args) -> int:
    from ..render.formats import check_format
    from ..spec.loader import dump_json, dump_yaml
    from ..zoo import resolve_model

    fmt = check_format(args.format, ("yaml", "json"))
    spec = resolve_model(model_argument(args))
    if args.to_nir:
        from ..nir_io import export_summary, to_nir

        graph = to_nir(spec, args.to_nir)
        write_output(export_summary(spec, graph, args.to_nir) + "\n", args.out)
        return 0
    write_output(dump_yaml(spec) if fmt == "yaml" else dump_json(spec) + "\n", args.out)
    return 0
