"""Options and output handling shared by several subcommands."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ..errors import ConfigError, InputFileError


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError("option", f"{text!r} is not an integer", "a positive integer") from None
    if value < 1:
        raise ConfigError("option", f"{value} is not positive", "a positive integer")
    return value


def bits(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigError("option", f"{text!r} is not a number of bits", "a number such as 32, 8, 1.5") from None
    if not 0 < value <= 64:
        raise ConfigError("option", f"{text} bits is out of range", "a number in (0, 64]")
    return int(value) if value.is_integer() else value


def add_model_options(parser, *, sharing: bool = True) -> None:
    """Options every analysis command takes: model, input, T, batch, bits, sharing."""
    parser.add_argument("model", help="a zoo model name (snncost zoo) or a .yaml/.yml/.json spec file")
    parser.add_argument("--input", help="input spatial size: 224, or HxW such as 224x160 (default: the model's)")
    parser.add_argument("--timesteps", "-T", type=_typed(positive_int, "--timesteps"), help="timesteps T (default: the model's)")
    parser.add_argument("--batch", "-B", type=_typed(positive_int, "--batch"), help="batch size (default 1)")
    if sharing:
        parser.add_argument("--sharing", default="none", help="none, L, C<N> (C#<N>), L+C<N> (default none)")
        parser.add_argument("--layer-groups", help="layer grouping for L: auto, none, or one the model declares")
        parser.add_argument("--training", choices=None, help="backward memory mode: bptt or reverse "
                            "(default: bptt for none, reverse for shared schemes with soft reset)")
    parser.add_argument("--weight-bits", type=_typed(bits, "--weight-bits"), help="weight bits (default 32)")
    parser.add_argument("--membrane-bits", type=_typed(bits, "--membrane-bits"), help="membrane bits (default 32)")
    parser.add_argument("--spike-bits", type=_typed(bits, "--spike-bits"), help="spike bits (default 1)")


def _typed(convert, option: str):
    def parse(text):
        try:
            return convert(text)
        except ConfigError as exc:
            raise ConfigError(f"option {option}", exc.problem, exc.valid) from None
    parse.__name__ = option
    return parse


def analysis_kwargs(args) -> dict:
    keys = ("input", "timesteps", "batch", "sharing", "layer_groups", "training", "weight_bits", "membrane_bits", "spike_bits")
    return {k: getattr(args, k) for k in keys if hasattr(args, k)}


def write_output(text: str, out: str | None) -> None:
    """Print, or write ``out`` atomically (no partial file is left behind on failure)."""
    if not out:
        sys.stdout.write(text)
        return
    write_bytes_atomically(text.encode("utf-8"), out)


def write_bytes_atomically(data: bytes, out: str) -> None:
    path = Path(out)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputFileError(f"option --out '{out}'", "its folder does not exist", "a path in an existing folder")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputFileError(f"option --out '{out}'", f"cannot write there ({exc.strerror})", "a writable path") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputFileError(f"option --out '{out}'", f"cannot write there ({exc.strerror})", "a writable file path") from None
