"""``snncost zoo``: list the zoo models with their descriptions and sources."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("zoo", help="list the model zoo")
    p.set_defaults(run=run)


def run(args) -> int:
    from .. import zoo

    for name in zoo.names():
        spec = zoo.load(name)
        print(f"{name:<26} {spec.description}")
    return 0
