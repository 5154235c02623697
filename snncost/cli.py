"""The ``snncost`` command line.

Each subcommand lives in :mod:`snncost.commands` (one module per command, with
``register(subparsers)`` and ``run(args)``).  Bad input of any kind prints one line
on stderr and exits with status 2; nothing prints a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .errors import ConfigError, SnnCostError

COMMANDS = ("table", "energy", "spec", "zoo", "reproduce", "formula", "sweep", "train-memory", "fit", "engine", "hw",
            "plot")


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors become one-line :class:`ConfigError` messages."""

    def error(self, message):  # noqa: D401 - argparse API
        raise ConfigError(f"command line of '{self.prog}'", message, f"see '{self.prog} --help'")

    def _get_value(self, action, arg_string):
        """An option's ``type`` that raises an snncost error keeps its message (what is
        wrong, what is valid) instead of argparse's bare "invalid value"."""
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as exc:
            cause = exc.__context__
            if isinstance(cause, SnnCostError):
                option = "/".join(action.option_strings) or action.dest
                where = cause.where if cause.where != "option" else f"option {option}"
                raise type(cause)(where, cause.problem, cause.valid) from None
            raise


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command; given a command line whose first word is a command,
    the parser of that command only (a cold start imports one command module)."""
    parser = _Parser(prog="snncost", description="Exact memory, operation and energy costs of spiking neural networks.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in (argv[:1] if argv and argv[0] in COMMANDS else COMMANDS):
        try:
            module = importlib.import_module(f"snncost.commands.{name.replace('-', '_')}")
        except ModuleNotFoundError as exc:
            if exc.name == f"snncost.commands.{name.replace('-', '_')}":
                continue  # a command not written yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser(argv).parse_args(argv)
        return args.run(args) or 0
    except SnnCostError as exc:
        print(f"snncost: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("snncost: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not bad input: still one line unless debugging
        if os.environ.get("SNNCOST_DEBUG"):
            raise
        print(f"snncost: internal error ({type(exc).__name__}: {' '.join(str(exc).split())}); "
              "please report it with the command line (SNNCOST_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
