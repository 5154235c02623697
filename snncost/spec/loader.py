"""Reading and writing spec files (YAML with the safe loader only, and JSON).

Pydantic's validation errors become one-line :class:`SpecError` messages naming the
node (by name, not by list index) and the field.
"""
from __future__ import annotations

import json
import reprlib
from pathlib import Path
from typing import Any

from ..errors import InputFileError, SnnCostError, SpecError
from .network import NetworkSpec
from .nodes import node_kinds

MAX_SPEC_BYTES = 10 * 2**20
"""Largest JSON spec file (JSON parses at C speed)."""
MAX_YAML_BYTES = 2**20
"""Largest YAML spec file: PyYAML builds Python objects slowly (a pathological 1 MiB file
takes seconds), so YAML is capped lower; a real network's spec is a few kB to ~100 kB."""

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring, _SHORT.maxother = 3, 6, 6, 60, 60
_SHORT.maxlong = 60


MAX_VALUES = 2_000_000
"""Most values (list items plus mapping entries, counted through YAML aliases) a spec's
data may hold: checked before validation, so no input can make validation crawl."""


def _check_size(data: Any, origin: str) -> None:
    count = 0
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += len(item)
            values = item.values()
        elif isinstance(item, (list, tuple)):
            count += len(item)
            values = item
        else:
            continue
        if count > MAX_VALUES:
            raise SpecError(origin, f"holds more than {MAX_VALUES} values (list items and fields, aliases expanded)",
                            "a spec of at most 100000 nodes without huge lists")
        stack.extend(values)


def short_repr(value) -> str:
    """A bounded repr for error messages (a YAML alias bomb must not hang the message)."""
    return _SHORT.repr(value)


def spec_from_dict(data: Any, origin: str = "spec") -> NetworkSpec:
    """Validate a plain dict (parsed YAML/JSON) into a :class:`NetworkSpec`."""
    if data is None:
        raise SpecError(origin, "is empty", "a mapping with keys name, input, nodes (see docs/spec.md)")
    _check_size(data, origin)
    if not isinstance(data, dict):
        raise SpecError(origin, f"the top level is a {type(data).__name__}, not a mapping",
                        "a mapping with keys name, input, nodes (and optionally timesteps, groupings...)")
    from pydantic import ValidationError

    try:
        return NetworkSpec.model_validate(data)
    except ValidationError as exc:
        raise _spec_error(exc, data, origin) from None


def spec_from_trusted_dict(data: dict) -> NetworkSpec:
    """Build a spec from code-made data (the zoo's builders) without pydantic, so a
    cold ``snncost table resnet19`` never imports it (records, :mod:`snncost.records`).
    The graph checks still run; the test suite validates every zoo model through
    :func:`spec_from_dict` as well (tests/test_zoo_valid.py)."""
    from .network import InputSpec, Precision, check_graph
    from ..kinds import get_kind

    fields = {k: v for k, v in data.items() if k not in ("input", "precision", "nodes")}
    spec = NetworkSpec.construct(
        input=InputSpec.construct(**data["input"]),
        precision=Precision.construct(**data.get("precision", {})),
        nodes=[get_kind(node["op"]).node_class.construct(**node) for node in data["nodes"]],
        **fields)
    check_graph(spec)
    return spec


def _spec_error(exc, data: dict, origin: str) -> SnnCostError:
    """A pydantic ``ValidationError`` as one-line :class:`SpecError` (its first error)."""
    first = exc.errors()[0]
    original = (first.get("ctx") or {}).get("error")
    if isinstance(original, SnnCostError):
        return original
    loc = list(first["loc"])
    where = origin
    if loc and loc[0] == "nodes" and len(loc) > 1 and isinstance(loc[1], int):
        index = loc[1]
        raw = data.get("nodes") or []
        node = raw[index] if index < len(raw) else None
        label = node.get("name") if isinstance(node, dict) and node.get("name") else f"#{index}"
        where = f"node '{label}' (nodes[{index}])"
        loc = loc[2:]
        if loc and isinstance(node, dict) and loc[0] == node.get("op"):
            loc = loc[1:]  # pydantic adds the discriminator value to the location
    # drop pydantic's union-member tags ('constrained-int', 'tuple[...]', 'literal[...]'): not field names
    field = ".".join(str(part) for part in loc if not _union_tag(part))
    if field:
        where += f" field '{field}'"
    problem, valid = _describe(first)
    return SpecError(where, problem, valid)


def _union_tag(part) -> bool:
    if not isinstance(part, str):
        return False
    return ("[" in part or part.startswith(("constrained-", "function-", "literal", "lax-", "strict-"))
            or part in ("int", "str", "float", "bool", "list", "dict", "tuple"))


def _describe(error: dict) -> tuple[str, str | None]:
    kind = error["type"]
    message = error["msg"]
    if kind == "union_tag_not_found":
        return "missing node kind (op)", ", ".join(node_kinds())
    if kind == "union_tag_invalid":
        given = error.get("input")
        return (f"unknown node kind (op): {short_repr(given.get('op') if isinstance(given, dict) else given)}",
                ", ".join(node_kinds()))
    if kind == "missing":
        return "required field is missing", None
    if kind == "extra_forbidden":
        return f"unknown field (value {short_repr(error.get('input'))})", "see the node kind's fields in docs/spec.md"
    if kind == "string_pattern_mismatch":
        return (f"invalid name {short_repr(error.get('input'))}",
                "a letter or _ first, then letters, digits, _ . or -")
    if kind in ("too_long", "too_short"):  # list lengths: do not echo the list
        return message, None
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    return f"{message} (got {short_repr(error.get('input'))})", None


def _read_text(path: Path, limit: int = MAX_SPEC_BYTES) -> str:
    if "\0" in str(path):
        raise InputFileError(f"spec file {str(path)!r}", "the path contains a NUL byte", "a file path without NUL")
    try:
        if path.is_dir():
            raise InputFileError(f"spec file '{path}'", "is a directory", "a .yaml, .yml or .json file")
        if path.stat().st_size > limit:
            raise InputFileError(f"spec file '{path}'", f"{path.stat().st_size} bytes is larger than the limit of {limit} bytes",
                                 f"a YAML spec up to {MAX_YAML_BYTES // 2**20} MiB, or JSON up to {MAX_SPEC_BYTES // 2**20} MiB")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"spec file '{path}'", "does not exist", "a path to a readable .yaml, .yml or .json file") from None
    except PermissionError:
        raise InputFileError(f"spec file '{path}'", "cannot be read (permission denied)", "a readable file") from None
    except UnicodeDecodeError:
        raise InputFileError(f"spec file '{path}'", "is not UTF-8 text", "a UTF-8 YAML or JSON file") from None
    except OSError as exc:
        raise InputFileError(f"spec file '{path}'", f"cannot be read ({exc.strerror})", "a readable file") from None


def read_data_file(path, where: str, limit: int, valid: str) -> str:
    """The UTF-8 text of a small data file (a rates file, a technology table), refused in
    one line (``where``: what the file is) when missing, unreadable or over ``limit`` bytes."""
    path = Path(path)
    try:
        if path.stat().st_size > limit:
            raise InputFileError(where, f"is larger than {limit // 2**20} MiB", "a smaller file")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(where, f"cannot read it ({type(exc).__name__})", valid) from None


def _safe_yaml(text: str) -> Any:
    """The safe loader only: libyaml's (CSafeLoader, same safe constructor, faster) when
    installed, else PyYAML's ``safe_load``.  A refusal is re-parsed by ``safe_load`` so
    the error message is the same on every installation."""
    import yaml

    if hasattr(yaml, "CSafeLoader"):
        loader = yaml.CSafeLoader(text)  # the safe constructor: plain data only
        try:
            return loader.get_single_data()
        except yaml.YAMLError:
            pass
        finally:
            loader.dispose()
    return yaml.safe_load(text)


def parse_text(text: str, suffix: str, origin: str) -> Any:
    """Parse YAML (safe loader: no Python objects, no code) or JSON text."""
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFileError(origin, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                                 "valid JSON") from None
        except RecursionError:
            raise InputFileError(origin, "JSON nested too deeply", "a flat spec") from None
        except ValueError as exc:  # e.g. an integer literal of more than 4300 digits
            raise InputFileError(origin, f"malformed JSON: {exc}", "valid JSON with numbers of sensible size") from None
    import yaml

    try:
        return _safe_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or type(exc).__name__
        raise InputFileError(origin, f"malformed YAML{at}: {reason}", "valid YAML (safe subset: no tags)") from None
    except RecursionError:
        raise InputFileError(origin, "YAML nested too deeply", "a flat spec") from None
    except ValueError as exc:  # e.g. an integer literal of more than 4300 digits
        raise InputFileError(origin, f"malformed YAML: {exc}", "valid YAML with numbers of sensible size") from None


def load_spec(path: str | Path) -> NetworkSpec:
    """Load a spec from a ``.yaml``/``.yml`` or ``.json`` file, or a ``.nir`` graph
    (:func:`snncost.nir_io.from_nir` with its defaults; needs the ``nir`` extra)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".nir":
        from ..nir_io import from_nir

        return from_nir(path)
    if suffix not in (".yaml", ".yml", ".json"):
        raise InputFileError(f"spec file '{path}'", f"unsupported file type '{suffix or '(none)'}'",
                             ".yaml, .yml or .json (snncost spec files) or .nir (NIR graphs)")
    text = _read_text(path, MAX_SPEC_BYTES if suffix == ".json" else MAX_YAML_BYTES)
    origin = f"spec file '{path}'"
    data = parse_text(text, suffix, origin)
    return spec_from_dict(data, origin)


def spec_to_dict(spec: NetworkSpec) -> dict:
    """Plain data of a spec, leaving out fields at their defaults (short, editable files)."""
    data = spec.dump(json=True, exclude_defaults=True)
    data["nodes"] = [
        {"name": node.name, "op": node.op, **{k: v for k, v in node.dump(json=True, exclude_defaults=True).items()
                                             if k not in ("name", "op")}}
        for node in spec.nodes
    ]
    ordered = {key: data[key] for key in ("name", "description", "source", "input", "timesteps", "batch",
                                          "precision", "default_grouping", "groupings", "notes") if key in data}
    ordered["nodes"] = data["nodes"]
    return ordered


def dump_yaml(spec: NetworkSpec) -> str:
    """The spec as YAML, one flow-style line per node, ready to copy and edit."""
    import yaml

    data = spec_to_dict(spec)
    nodes = data.pop("nodes")
    groupings = data.pop("groupings", None)
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
    if groupings:
        text += yaml.safe_dump({"groupings": groupings}, sort_keys=False, default_flow_style=None, width=100)
    text += "nodes:\n"
    for node in nodes:
        line = yaml.safe_dump(node, default_flow_style=True, sort_keys=False, width=10**6).strip()
        text += f"  - {line}\n"
    return text


def dump_json(spec: NetworkSpec) -> str:
    return json.dumps(spec_to_dict(spec), indent=2)
