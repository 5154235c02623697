"""Errors that snncost reports to its users.

Every error names *where* the problem is (a node and field, a CLI option, a file),
*what* is wrong, and *what would be valid*.  The CLI prints ``str(error)`` as one
line on stderr and exits with status 2; the Python API raises these exceptions.
"""
from __future__ import annotations


class SnnCostError(ValueError):
    """Base class of every user-facing snncost error.

    ``where`` names the field (``node 'conv1' field 'kernel'``, ``option --sharing``),
    ``problem`` says what is wrong, ``valid`` says what would be accepted.
    """

    kind = "error"

    def __init__(self, where: str, problem: str, valid: str | None = None):
        self.where = where
        self.problem = problem
        self.valid = valid
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = f"{self.where}: {self.problem}"
        if self.valid:
            text += f"; valid: {self.valid}"
        return " ".join(text.split())  # always one line

    def __str__(self) -> str:
        return self.message


class SpecError(SnnCostError):
    """A network spec is malformed: unknown kind, bad field, bad graph."""

    kind = "spec error"


class ShapeError(SnnCostError):
    """A spec is well formed but its shapes do not work out for the given input."""

    kind = "shape error"


class SharingError(SnnCostError):
    """A sharing scheme or layer grouping cannot be applied to the network."""

    kind = "sharing error"


class ConfigError(SnnCostError):
    """An analysis option (bits, batch, units, format, training mode...) is invalid."""

    kind = "config error"


class InputFileError(SnnCostError):
    """A file cannot be read or parsed (missing, unreadable, malformed YAML/JSON)."""

    kind = "file error"
