"""Output formats shared by every command (table, reproduce, formula, sweep)."""
from __future__ import annotations

import csv
import io
import json

from ..errors import ConfigError

FORMATS = ("text", "md", "csv", "json", "latex")
TABULATE_STYLE = {"text": "simple", "md": "github", "latex": "latex_booktabs"}


def check_format(fmt: str, valid=FORMATS, where: str = "option --format") -> str:
    if fmt not in valid:
        raise ConfigError(where, f"unknown format {fmt!r}", ", ".join(valid))
    return fmt


def render_table(headers: list[str], rows: list[list], fmt: str, *, colalign=None) -> str:
    """A plain table in one of the text formats (text, md, latex, csv)."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(rows)
        return buffer.getvalue()
    from tabulate import tabulate

    return tabulate(rows, headers=headers, tablefmt=TABULATE_STYLE[fmt], disable_numparse=True, colalign=colalign)


def to_json(data) -> str:
    return json.dumps(data, indent=2, sort_keys=False)
