"""``snncost engine verify|train|compare``: the NumPy training engine (docs/engine.md).

One module per engine subcommand (``engine_verify``, ``engine_train``,
``engine_compare``); this module registers them under ``snncost engine`` and holds
the options and progress display they share.
"""
from __future__ import annotations

import sys

from .common import _typed, positive_int

SUBCOMMANDS = ("engine_verify", "engine_train", "engine_compare")


def register(sub) -> None:
    import importlib

    p = sub.add_parser("engine", help="train specs with the NumPy engine: verify the sharing math, train, compare schemes",
                       description="A pure-NumPy SNN engine on snncost's specs: exact gradients, reverse recomputation, "
                                   "measured memory and spike rates (docs/engine.md).")
    engine_sub = p.add_subparsers(dest="engine_command", metavar="ENGINE_COMMAND", parser_class=sub._parser_class)
    engine_sub.required = True
    for name in SUBCOMMANDS:
        importlib.import_module(f"snncost.commands.{name}").register(engine_sub)


def training_parser(sub, name: str, *, help: str, description: str, sharing: tuple, formats: tuple, run):
    """The parser of ``engine train`` / ``engine compare``: the shared training options,
    ``--sharing`` (default, help) and ``--format`` (choices, the first the default)."""
    p = sub.add_parser(name, help=help, description=description)
    add_training_options(p)
    p.add_argument("--sharing", default=sharing[0], help=sharing[1])
    p.add_argument("--format", default=formats[0], help=f"{', '.join(formats)} (default {formats[0]})")
    p.set_defaults(run=run, formats=formats)
    return p


def add_training_options(p) -> None:
    """Options of ``engine train`` and ``engine compare``."""
    p.add_argument("--model", required=True, help="a zoo model name or a .yaml/.yml/.json spec file (small: the engine is NumPy)")
    p.add_argument("--layer-groups", help="layer grouping for L: auto, none, or one the model declares")
    p.add_argument("--training", help="backward mode: bptt (store every membrane) or reverse (recompute, Eq. 18-19); "
                                      "default per scheme, as snncost table")
    p.add_argument("--epochs", type=_typed(positive_int, "--epochs"), default=3, help="training epochs (default 3)")
    p.add_argument("--batch", "-B", type=_typed(positive_int, "--batch"), default=32, help="batch size (default 32)")
    p.add_argument("--timesteps", "-T", type=_typed(positive_int, "--timesteps"), help="timesteps (default: the model's)")
    p.add_argument("--lr", type=float, default=0.05, help="SGD learning rate (default 0.05)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default 0.9)")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, data and batch order (default 0)")
    p.add_argument("--data", default="auto", help="toy data: auto (by input rank), bars (images), har (time series)")
    p.add_argument("--train-samples", type=_typed(positive_int, "--train-samples"), default=512,
                   help="training samples (default 512)")
    p.add_argument("--test-samples", type=_typed(positive_int, "--test-samples"), default=256, help="test samples (default 256)")
    p.add_argument("--decay", type=float, default=0.5, help="membrane decay lambda of lif/mlif sites (default 0.5)")
    p.add_argument("--threshold", type=float, default=1.0, help="firing threshold theta (default 1)")
    p.add_argument("--surrogate", default="atan", help="surrogate gradient: atan (the paper's), sigmoid, triangle (default atan)")
    p.add_argument("--dtype", default="float64", help="float64 (default) or float32")
    p.add_argument("--units", default="KiB", help="memory display unit: bit, B, KiB, MiB, GiB, kB, MB, GB (default KiB)")


def engine_options(args):
    from ..engine.model import EngineOptions

    return EngineOptions(decay=args.decay, threshold=args.threshold, surrogate=args.surrogate, dtype=args.dtype)


def train_kwargs(args) -> dict:
    return {"layer_groups": args.layer_groups, "training": args.training, "epochs": args.epochs, "batch": args.batch,
            "lr": args.lr, "momentum": args.momentum, "seed": args.seed, "data": args.data,
            "train_samples": args.train_samples, "test_samples": args.test_samples, "timesteps": args.timesteps,
            "options": engine_options(args)}


def check_choice(value: str, valid: tuple, option: str) -> str:
    from ..errors import ConfigError

    if value not in valid:
        raise ConfigError(f"option {option}", f"unknown value {value!r}", ", ".join(valid))
    return value


def check_folder(path: str, option: str) -> None:
    """Refuse an output path in a missing folder before any training is spent."""
    from pathlib import Path

    from ..errors import InputFileError

    folder = Path(path).parent if str(Path(path).parent) else Path(".")
    if not folder.is_dir():
        raise InputFileError(f"option {option} '{path}'", "its folder does not exist", "a path in an existing folder")


class Progress:
    """A progress bar on standard error: redrawn in place on a terminal, one line per
    finished stage otherwise (logs stay readable)."""

    def __init__(self, stages: int, stream=None):
        self.stream = stream or sys.stderr
        self.stages = stages
        self.stage = 0
        self.label = ""
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def start(self, label: str) -> None:
        self.label = label
        self.stage += 1

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            width = 30
            filled = width * done // total
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.stage}/{self.stages} {self.label} "
                              f"{done}/{total} steps")
            self.stream.flush()
        elif done == total:
            self.stream.write(f"{self.stage}/{self.stages} {self.label}: {total} steps done\n")

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
