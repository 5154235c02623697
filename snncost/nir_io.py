"""NIR in and out: :func:`from_nir` reads a NIR graph into a snncost spec, :func:`to_nir`
writes a spec as a NIR graph.

NIR, the Neuromorphic Intermediate Representation (Pedersen et al., Nature Communications
15, 8122, 2024; PyPI ``nir``, github neuromorphs/NIR), is the exchange format that
snnTorch, Norse, Sinabs, SpikingJelly and Rockpool export: an HDF5 file holding a graph
of typed nodes (with their weight and neuron-constant arrays) and (source, target) edges;
several edges into one node are summed.  The ``nir`` package is an optional extra
(``pip install 'snncost[nir]'``): nothing in snncost's core imports it.

What snncost takes from a NIR graph (domain notes, section 7):

- the node types and the edges; weight *shapes* (never their values);
- shapes are recomputed by snncost's own rules (nir 1.0.8 infers non-square and grouped
  convolutions wrongly) and checked against every array the file holds: a weight whose
  input size does not match what reaches it, or a neuron array of another size than its
  layer, is refused;
- a leading batch dimension of size 1 that exporters leave on the input is removed;
- recurrent edges are accepted: the edge that closes a cycle is left out of snncost's
  feed-forward graph, its synapse's weights are still counted, and the report says so.

What NIR does not store (timesteps, batch, bit widths, spike rates, reset mode) comes
from :func:`from_nir`'s arguments / the CLI's flags; the defaults used are written into
the report's notes.  Parameters are synaptic weights and biases; per-neuron constants
(tau, r, v_leak, thresholds, Scale and Delay arrays) are not parameters.

The mapping between NIR node types and snncost node kinds is the one table
:data:`KINDS` (keyed by snncost kind).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from math import prod
from pathlib import Path
from typing import Callable

from .errors import ConfigError, InputFileError, ShapeError, SnnCostError, SpecError
from .spec.nodes import NAME_PATTERN

RESETS = ("soft", "hard")
DEFAULT_RESET = "hard"
"""NIR's LIF, IF and CubaLIF equations set v to v_reset after a spike: a hard reset.
Exporters also write subtract-reset neurons as LIF; pass ``reset='soft'`` for those."""

PLACEHOLDER_NOTE = ("weights are placeholders (zeros; present biases ones, absent conv biases zeros, as NIR convs "
                    "always carry a bias array): a snncost spec holds no trained values")


def require_nir(where: str = "NIR"):
    """The ``nir`` package, or a one-line error naming the extra."""
    try:
        import nir
    except ImportError:
        raise ConfigError(where, "reading or writing NIR needs the 'nir' package, which is not installed",
                          "pip install 'snncost[nir]' (or pip install nir)") from None
    return nir


# ---------------------------------------------------------------------------
# Import: one function per NIR node type, returning the snncost node's fields
# ---------------------------------------------------------------------------

@dataclass
class _Import:
    """What the importer learns while converting, checked once shapes are known."""

    reset: str | None
    membrane_bits: object
    checks: list = field(default_factory=list)  # (snncost name, check(in_shape, out_shape))
    notes: list = field(default_factory=list)
    lost_biases: list = field(default_factory=list)
    non_spiking: list = field(default_factory=list)
    stateless: list = field(default_factory=list)


def _array(node, attr: str):
    import numpy as np

    return np.asarray(getattr(node, attr))


def _ints(value, where: str, count: int | None = None) -> tuple:
    """Stride/padding/kernel values of a NIR node (int, tuple or array) as Python ints."""
    import numpy as np

    flat = np.atleast_1d(np.asarray(value)).reshape(-1)
    if flat.dtype.kind not in "iuf" or any(float(v) != int(v) or int(v) < 0 for v in flat):
        raise SpecError(where, f"expected non-negative whole numbers, got {value!r}"[:200], "integers")
    values = tuple(int(v) for v in flat)
    if count is not None:
        if len(values) == 1:
            values = values * count
        if len(values) != count:
            raise SpecError(where, f"expected {count} values, got {len(values)}", f"{count} integers")
    return values


def _pair(values: tuple):
    """(3, 3) -> 3 (a tidier spec); (3, 5) -> [3, 5]."""
    return values[0] if len(set(values)) == 1 else list(values)


def _padding(value, where: str, count: int):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        if value not in ("same", "valid"):
            raise SpecError(where, f"unknown padding {value!r}", "an integer, one per spatial dimension, 'same' or 'valid'")
        return value
    return _pair(_ints(value, where, count))


def _check_weight_input(name: str, expected: int, what: str, dim: int = 0):
    def check(in_shape, out_shape):
        got = in_shape[dim] if -len(in_shape) <= dim < len(in_shape) else None
        if got != expected:
            raise ShapeError(f"NIR node '{name}'", f"its weight expects {expected} {what} but it receives shape "
                             f"{list(in_shape)}", f"a graph whose edges bring {expected} {what} to this node")
    return check


def _check_array_size(name: str, attr: str, size: int):
    def check(in_shape, out_shape):
        if size not in (1, prod(out_shape)):
            raise ShapeError(f"NIR node '{name}' field '{attr}'", f"holds {size} values for a layer of shape "
                             f"{list(out_shape)} ({prod(out_shape)} elements)", f"one value or {prod(out_shape)} values")
    return check


def _import_affine(node, name, ctx: _Import, bias: bool = True) -> dict:
    weight = _array(node, "weight")
    if weight.ndim != 2:
        raise SpecError(f"NIR node '{name}' field 'weight'", f"has {weight.ndim} dimensions", "a 2-D (out, in) matrix")
    ctx.checks.append((name, _check_weight_input(name, weight.shape[1], "input features", -1)))
    return {"op": "linear", "out_features": int(weight.shape[0]), "bias": bias}


def _import_conv(node, name, ctx: _Import, spatial: int) -> dict:
    where = f"NIR node '{name}'"
    weight = _array(node, "weight")
    if weight.ndim != spatial + 2:
        raise SpecError(f"{where} field 'weight'", f"has {weight.ndim} dimensions",
                        f"{spatial + 2} (C_out, C_in / groups, kernel{' h, w' if spatial == 2 else ''})")
    groups = _ints(node.groups, f"{where} field 'groups'", 1)[0]
    bias = _array(node, "bias")
    has_bias = bool(bias.size) and bool((bias != 0).any())
    if not has_bias:
        ctx.lost_biases.append(name)
    ctx.checks.append((name, _check_weight_input(name, weight.shape[1] * groups, "input channels")))
    fields = {"op": f"conv{spatial}d", "out_channels": int(weight.shape[0]), "groups": max(groups, 1),
              "kernel": _pair(tuple(int(k) for k in weight.shape[2:])),
              "stride": _pair(_ints(node.stride, f"{where} field 'stride'", spatial)),
              "padding": _padding(node.padding, f"{where} field 'padding'", spatial),
              "dilation": _pair(_ints(node.dilation, f"{where} field 'dilation'", spatial)),
              "bias": has_bias}
    if spatial == 1:
        fields.update({k: (v[0] if isinstance(v, list) else v) for k, v in fields.items() if k in ("kernel",)})
    return fields


def _import_pool(node, name, ctx: _Import, op: str) -> dict:
    where = f"NIR node '{name}'"
    return {"op": op, "kernel": _pair(_ints(node.kernel_size, f"{where} field 'kernel_size'", 2)),
            "stride": _pair(_ints(node.stride, f"{where} field 'stride'", 2)),
            "padding": _pair(_ints(node.padding, f"{where} field 'padding'", 2))}


def _import_flatten(node, name, ctx: _Import) -> dict:
    """snncost's flatten takes the whole batch-free shape; a NIR Flatten must too (after
    the batch dimension some exporters keep in its stored input type)."""
    import numpy as np

    stored = getattr(node, "input_type", {}) or {}
    stored = stored.get("input") if isinstance(stored, dict) else None
    stored_rank = None if stored is None else int(np.asarray(stored).size)
    start, end = int(node.start_dim), int(node.end_dim)

    def check(in_shape, out_shape):
        rank = len(in_shape)
        offset = stored_rank - rank if stored_rank is not None else (1 if start == 1 else 0)
        full_rank = rank + offset
        s = (start + full_rank if start < 0 else start) - offset
        e = (end + full_rank if end < 0 else end) - offset
        if s > 0 or e != rank - 1:
            raise SpecError(f"NIR node '{name}'", f"flattens dimensions {start}..{end} of an input of shape "
                            f"{list(in_shape)} (batch-free): only part of it",
                            "a Flatten of the whole batch-free shape (start_dim 0, end_dim -1); snncost's flatten has no partial form")
    ctx.checks.append((name, check))
    return {"op": "flatten"}


def _neuron_importer(op: str, arrays: tuple[str, ...], spiking: bool):
    """LIF/IF/CubaLIF (spiking) and LI/I/CubaLI (non-spiking: the output is the membrane)."""
    def importer(node, name, ctx: _Import) -> dict:
        for attr in arrays:
            if getattr(node, attr, None) is not None:
                ctx.checks.append((name, _check_array_size(name, attr, int(_array(node, attr).size))))
        fields = {"op": op}
        if spiking:
            reset = ctx.reset or _metadata_reset(node) or DEFAULT_RESET
            fields["reset"] = reset
        else:  # no spike, no reset: nothing blocks reverse recomputation; the output is the membrane
            ctx.non_spiking.append(name)
            fields["spike_bits"] = ctx.membrane_bits
        return fields
    return importer


def _stateless_importer(attr: str, what: str):
    """Scale, Delay and Threshold: shape-preserving, no parameters, no membrane."""
    def importer(node, name, ctx: _Import) -> dict:
        ctx.checks.append((name, _check_array_size(name, attr, int(_array(node, attr).size))))
        ctx.stateless.append(f"{name} ({type(node).__name__}: {what})")
        return {"op": "identity"}
    return importer


def _metadata_reset(node) -> str | None:
    value = (getattr(node, "metadata", None) or {}).get("reset")
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if value in RESETS else None


# ---------------------------------------------------------------------------
# Export: one function per snncost kind, returning a NIR node
# ---------------------------------------------------------------------------

def _zeros(*shape):
    import numpy as np

    return np.zeros(shape, dtype=np.float32)


def _bias(node, channels: int):
    import numpy as np

    return (np.ones if node.bias else np.zeros)((channels,), dtype=np.float32)


def _export_conv(nir, node, ins, out, spatial: int, folded_bias: bool = False):
    cls = nir.Conv2d if spatial == 2 else nir.Conv1d
    in_channels = ins[0][0]
    kernel = tuple(node.kernel) if isinstance(node.kernel, (tuple, list)) else (node.kernel,) * spatial
    pad = node.padding
    if not isinstance(pad, str):
        pad = tuple(pad) if isinstance(pad, (tuple, list)) else (pad,) * spatial
    stride = tuple(node.stride) if isinstance(node.stride, (tuple, list)) else (node.stride,) * spatial
    dilation = tuple(node.dilation) if isinstance(node.dilation, (tuple, list)) else (node.dilation,) * spatial
    if spatial == 1:
        pad = pad if isinstance(pad, str) else pad[0]
        stride, dilation = stride[0], dilation[0]
    bias = _bias(node, node.out_channels)
    if folded_bias:
        bias[:] = 1
    return cls(input_shape=tuple(ins[0][1:]) if spatial == 2 else ins[0][1],
               weight=_zeros(node.out_channels, in_channels // node.groups, *kernel[:spatial]),
               stride=stride, padding=pad, dilation=dilation, groups=node.groups, bias=bias)


def _export_linear(nir, node, ins, out, folded_bias: bool = False):
    if len(ins[0]) != 1:
        raise SpecError(f"node '{node.name}'", f"a linear layer on a shape of rank {len(ins[0])} ({list(ins[0])}) "
                        "has no NIR form (NIR's Affine and Linear take vectors)", "a flatten before the linear layer")
    weight = _zeros(node.out_features, ins[0][0])
    if node.bias or folded_bias:
        import numpy as np

        return nir.Affine(weight=weight, bias=np.ones((node.out_features,), dtype=np.float32))
    return nir.Linear(weight=weight)


def _export_pool(nir, node, ins, out):
    import numpy as np

    if node.op == "global_avgpool":
        kernel = stride = tuple(ins[0][1:])
        padding = (0, 0)
    else:
        kernel = tuple(node.kernel) if isinstance(node.kernel, (tuple, list)) else (node.kernel,) * 2
        raw = node.stride if node.stride is not None else node.kernel
        stride = tuple(raw) if isinstance(raw, (tuple, list)) else (raw,) * 2
        padding = tuple(node.padding) if isinstance(node.padding, (tuple, list)) else (node.padding,) * 2
    cls = nir.SumPool2d if node.op == "sumpool2d" else nir.AvgPool2d
    return cls(kernel_size=np.array(kernel), stride=np.array(stride), padding=np.array(padding))


def _export_flatten(nir, node, ins, out):
    import numpy as np

    return nir.Flatten(input_type={"input": np.array(ins[0])}, start_dim=0, end_dim=-1)


# NIR placeholder neuron constants (a spec holds none): tau 2 (decay 1/2 at dt 1), r 1,
# v_leak 0, threshold 1, v_reset 0, tau_syn 2.
def _full(shape, value):
    import numpy as np

    return np.full(tuple(shape), value, dtype=np.float32)


def _export_neuron(nir, node, ins, out):
    shape = out
    meta = {"reset": node.reset}
    common = {"r": _full(shape, 1), "v_threshold": _full(shape, 1), "v_reset": _full(shape, 0)}
    if node.op == "if":
        return nir.IF(**common, metadata=meta)
    if node.op == "lif":
        return nir.LIF(tau=_full(shape, 2), v_leak=_full(shape, 0), **common, metadata=meta)
    return nir.CubaLIF(tau_syn=_full(shape, 2), tau_mem=_full(shape, 2), v_leak=_full(shape, 0),
                       w_in=_full(shape, 1), **common, metadata=meta)


# ---------------------------------------------------------------------------
# THE table: snncost kind -> NIR node types it is imported from, how it is exported
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NirKind:
    """How one snncost node kind meets NIR.

    ``imports``: NIR node type -> function(nir node, name, import context) -> spec fields;
    ``export``: function(nir module, spec node, input shapes, output shape) -> NIR node,
    or ``None`` with ``not_exported`` saying why (or how the kind is written instead)."""

    imports: dict = field(default_factory=dict)
    export: Callable | None = None
    not_exported: str = ""


ELIDED = "elided"   # written as edges only: NIR sums the edges into a node, and has no identity node

KINDS: dict[str, NirKind] = {
    "linear": NirKind({"Affine": _import_affine,
                       "Linear": lambda n, name, ctx: _import_affine(n, name, ctx, bias=False)},
                      _export_linear),
    "conv2d": NirKind({"Conv2d": lambda n, name, ctx: _import_conv(n, name, ctx, 2)},
                      lambda nir, node, ins, out, **kw: _export_conv(nir, node, ins, out, 2, **kw)),
    "conv1d": NirKind({"Conv1d": lambda n, name, ctx: _import_conv(n, name, ctx, 1)},
                      lambda nir, node, ins, out, **kw: _export_conv(nir, node, ins, out, 1, **kw)),
    "avgpool2d": NirKind({"AvgPool2d": lambda n, name, ctx: _import_pool(n, name, ctx, "avgpool2d")}, _export_pool),
    "sumpool2d": NirKind({"SumPool2d": lambda n, name, ctx: _import_pool(n, name, ctx, "sumpool2d")}, _export_pool),
    "global_avgpool": NirKind({}, _export_pool),  # an AvgPool2d with the whole map as kernel
    "flatten": NirKind({"Flatten": _import_flatten}, _export_flatten),
    "lif": NirKind({"LIF": _neuron_importer("lif", ("tau", "r", "v_leak", "v_threshold"), True),
                    "LI": _neuron_importer("lif", ("tau", "r", "v_leak"), False)}, _export_neuron),
    "if": NirKind({"IF": _neuron_importer("if", ("r", "v_threshold"), True),
                   "I": _neuron_importer("if", ("r",), False)}, _export_neuron),
    "cubalif": NirKind({"CubaLIF": _neuron_importer("cubalif", ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold"), True),
                        "CubaLI": _neuron_importer("cubalif", ("tau_syn", "tau_mem", "r", "v_leak"), False)},
                       _export_neuron),
    "identity": NirKind({"Scale": _stateless_importer("scale", "element-wise constant scale"),
                         "Delay": _stateless_importer("delay", "delay line, its buffer of past inputs not counted"),
                         "Threshold": _stateless_importer("threshold", "stateless spike generation")},
                        None, ELIDED),
    "dropout": NirKind({}, None, ELIDED),
    "add": NirKind({}, None, ELIDED),
    "batchnorm": NirKind({}, None, "folded into the conv/linear layer before it (NIR has no batch normalisation; "
                                   "inference form: that layer gains a bias, the 2 C batchnorm parameters and 2 C "
                                   "running statistics go)"),
    "maxpool2d": NirKind({}, None, "NIR has no max pooling"),
    "avgpool1d": NirKind({}, None, "NIR has no 1-D pooling"),
    "maxpool1d": NirKind({}, None, "NIR has no 1-D pooling"),
    "sumpool1d": NirKind({}, None, "NIR has no 1-D pooling"),
    "concat": NirKind({}, None, "NIR has no concatenation (edges into a node are summed)"),
    "mlif": NirKind({}, None, "NIR has no multi-level (multi-lane) spiking neuron"),
}
"""Every snncost kind with its NIR mapping; the import table below is derived from it."""

IMPORTERS: dict[str, tuple[str, Callable]] = {nir_type: (op, fn) for op, kind in KINDS.items()
                                              for nir_type, fn in kind.imports.items()}
STRUCTURAL = ("Input", "Output", "NIRGraph")
NIR_TYPES = tuple(sorted(IMPORTERS)) + STRUCTURAL
"""Every NIR node type snncost reads."""


def exportable_kinds() -> list[str]:
    return ([op for op, kind in KINDS.items() if kind.export is not None or kind.not_exported == ELIDED]
            + ["batchnorm (folded into the conv/linear layer before it)"])


# ---------------------------------------------------------------------------
# Reading a file
# ---------------------------------------------------------------------------

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
"""The first 8 bytes of an HDF5 file (a NIR file is one)."""


def read_graph(path) -> object:
    """A NIR file -> nir.NIRGraph, every node type and edge checked first, with one-line errors."""
    path = Path(path)
    origin = f"NIR file '{path}'"
    if "\0" in str(path):
        raise InputFileError(f"NIR file {str(path)!r}", "the path contains a NUL byte", "a file path without NUL")
    try:
        with open(path, "rb") as handle:
            signature = handle.read(8)
    except FileNotFoundError:
        raise InputFileError(origin, "does not exist", "a path to a .nir file") from None
    except IsADirectoryError:
        raise InputFileError(origin, "is a directory", "a .nir file") from None
    except OSError as exc:
        raise InputFileError(origin, f"cannot be read ({exc.strerror})", "a readable .nir file") from None
    if signature != HDF5_SIGNATURE:
        raise InputFileError(origin, "is not an HDF5 file (NIR files are HDF5)",
                             "a .nir file written by nir.write or a framework's NIR exporter")
    nir = require_nir(origin)
    import h5py
    from nir.serialization import hdf2dict

    try:
        with h5py.File(path, "r") as handle:
            if "node" not in handle:
                raise InputFileError(origin, "is HDF5 but holds no NIR graph (no 'node' group)",
                                     "a file written by nir.write or a framework's NIR exporter")
            data = hdf2dict(handle["node"])
    except SnnCostError:
        raise
    except OSError:
        raise InputFileError(origin, "is not an HDF5 file (NIR files are HDF5)",
                             "a .nir file written by nir.write or a framework's NIR exporter") from None
    except Exception as exc:  # noqa: BLE001 - a damaged file: one line, never a traceback
        raise InputFileError(origin, f"cannot be read ({type(exc).__name__})", "an undamaged NIR file") from None
    if data.get("type") != "NIRGraph":
        raise SpecError(origin, f"the top-level node is {data.get('type')!r}, not a NIRGraph", "a NIR graph file")
    _check_node_data(data, origin, "")
    try:
        return nir.dict2NIRNode(data)
    except SnnCostError:
        raise
    except Exception as exc:  # noqa: BLE001 - nir's own constructors assert on bad arrays
        detail = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise SpecError(origin, f"a node's data is malformed ({detail})", "a file written by nir.write") from None


def _check_node_data(data: dict, origin: str, prefix: str) -> None:
    """Types known, edges naming existing nodes; nested graphs without nir's type checks
    (snncost recomputes every shape itself)."""
    nodes = data.get("nodes")
    if not isinstance(nodes, dict):
        raise SpecError(origin, f"graph {prefix or '(top)'} has no nodes", "a NIR graph with nodes and edges")
    for name, node in nodes.items():
        kind = node.get("type") if isinstance(node, dict) else None
        if kind not in NIR_TYPES:
            raise SpecError(f"{origin} node '{prefix}{name}'", f"unknown NIR node type {kind!r}", ", ".join(NIR_TYPES))
        if kind == "NIRGraph":
            _check_node_data(node, origin, f"{prefix}{name}.")
    data["type_check"] = False
    edges = data.get("edges")
    pairs = [] if edges is None else list(edges)
    for edge in pairs:
        try:
            source, target = (e.decode("utf-8") if isinstance(e, bytes) else str(e) for e in edge)
        except (TypeError, ValueError):
            raise SpecError(f"{origin} graph {prefix or '(top)'}", f"malformed edge {edge!r}"[:200],
                            "(source, target) pairs of node names") from None
        for end in (source, target):
            if end not in nodes and end.split(".", 1)[0] not in nodes:
                raise SpecError(f"{origin} edge ('{prefix}{source}', '{prefix}{target}')", f"no node named '{prefix}{end}'",
                                "edges between the graph's nodes: " + ", ".join(sorted(map(str, nodes)))[:300])
    data["edges"] = pairs if pairs else []


# ---------------------------------------------------------------------------
# NIR graph -> snncost spec
# ---------------------------------------------------------------------------

def _flatten_graph(graph, prefix: str = ""):
    """Nested graphs inlined: nodes named 'sub.inner'; inner Input/Output nodes and the top
    Output nodes become virtual pass-through points, contracted away afterwards."""
    import nir

    nodes: dict = {}
    virtual: set = set()
    edges: list = []
    inputs_of: dict = {}
    outputs_of: dict = {}
    for name, node in graph.nodes.items():
        full = f"{prefix}{name}"
        if isinstance(node, nir.NIRGraph):
            inner_nodes, inner_virtual, inner_edges = _flatten_graph(node, f"{full}.")
            nodes.update(inner_nodes)
            virtual |= inner_virtual
            edges += inner_edges
            inputs_of[name] = [f"{full}.{k}" for k, v in node.nodes.items() if isinstance(v, nir.Input)]
            outputs_of[name] = [f"{full}.{k}" for k, v in node.nodes.items() if isinstance(v, nir.Output)]
            continue
        nodes[full] = node
        if isinstance(node, nir.Output) or (prefix and isinstance(node, nir.Input)):
            virtual.add(full)
    for source, target in graph.edges:
        sources = outputs_of.get(source, [f"{prefix}{source}"])
        targets = inputs_of.get(target, [f"{prefix}{target}"])
        edges += [(s, t) for s in sources for t in targets]
    return nodes, virtual, edges


def _contract(nodes: dict, virtual: set, edges: list) -> list:
    """Remove virtual nodes, joining each one's sources to its targets (edge order kept)."""
    edges = list(dict.fromkeys(edges))
    for v in sorted(virtual):
        sources = [s for s, t in edges if t == v and s != v]
        targets = [t for s, t in edges if s == v and t != v]
        edges = [e for e in edges if v not in e] + [(s, t) for s in sources for t in targets]
        edges = list(dict.fromkeys(edges))
        nodes.pop(v, None)
    return edges


def _back_edges(start: str, nodes: dict, edges: list) -> tuple[set, set]:
    """Depth-first from the input: edges into a node still on the path close a cycle
    (recurrent edges).  Returns (back edges, reached nodes)."""
    successors: dict = {}
    for s, t in edges:
        successors.setdefault(s, []).append(t)
    back, reached, on_path = set(), {start}, {start}
    stack = [(start, iter(successors.get(start, ())))]
    while stack:
        node, it = stack[-1]
        child = next(it, None)
        if child is None:
            stack.pop()
            on_path.discard(node)
        elif child in on_path:
            back.add((node, child))
        elif child not in reached:
            reached.add(child)
            on_path.add(child)
            stack.append((child, iter(successors.get(child, ()))))
    return back, reached


_NAME_RE = re.compile(NAME_PATTERN)


def _spec_names(names) -> dict:
    """NIR names -> valid, unique snncost node names ('0' -> 'n0'; 'input' is reserved)."""
    out, used = {}, {"input"}
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(name))[:190] or "node"
        if not _NAME_RE.match(base) or base == "input":
            base = f"n{base}" if base != "input" else "input_"
        candidate, i = base, 1
        while candidate in used:
            candidate, i = f"{base}_{i}", i + 1
        used.add(candidate)
        out[name] = candidate
    return out


FIRST_RANK = {"Conv2d": 3, "Conv1d": 2, "AvgPool2d": 3, "SumPool2d": 3, "Affine": 1, "Linear": 1}


def _input_shape(shape, consumers) -> tuple[tuple, bool]:
    """The Input node's shape without a leading batch dimension of size 1 (which some
    exporters keep).  The rank the first layer expects decides; rank 4 is always batched."""
    import numpy as np

    first = None
    for node in consumers:
        first = first or FIRST_RANK.get(type(node).__name__)
        if first is None and hasattr(node, "v_threshold") or hasattr(node, "r"):
            size = int(np.asarray(getattr(node, "r", getattr(node, "v_threshold", 0))).size)
            if size == prod(shape[1:]) and size != prod(shape):
                first = len(shape) - 1
    batched = len(shape) >= 2 and shape[0] == 1 and (len(shape) == 4 or (first is not None and len(shape) == first + 1))
    return (tuple(shape[1:]) if batched else tuple(shape)), batched


def from_nir(source, *, name: str | None = None, timesteps: int | None = None, batch: int | None = None,
             reset: str | None = None, weight_bits=None, membrane_bits=None, spike_bits=None):
    """A NIR graph (a ``.nir`` file path or a ``nir.NIRGraph``) as a snncost
    :class:`~snncost.spec.NetworkSpec`.

    NIR stores no timesteps, batch, bit widths or reset mode: they come from the
    arguments, with defaults T = 1, batch 1, 32-bit weights and membrane, 1-bit spikes and
    ``reset='hard'`` (NIR's equations, v -> v_reset; a node's ``metadata['reset']``, which
    :func:`to_nir` writes, wins over the default but not over the argument).  The
    defaults used are listed in the spec's notes and in every report of it.
    """
    import numpy as np

    from .spec.loader import spec_from_dict

    if reset is not None and reset not in RESETS:
        raise ConfigError("option --reset", f"unknown reset mode {reset!r}", "soft or hard")
    nir = require_nir()
    if isinstance(source, (str, Path)):
        origin = f"NIR file '{source}'"
        graph = read_graph(source)
        label = Path(source).stem
    elif isinstance(source, nir.NIRGraph):
        origin, graph, label = "NIR graph", source, "nir_graph"
    else:
        raise SpecError("from_nir", f"expected a .nir file path or a nir.NIRGraph, got {type(source).__name__}",
                        "a path or nir.NIRGraph")
    nodes, virtual, edges = _flatten_graph(graph)
    inputs = [n for n, node in nodes.items() if isinstance(node, nir.Input) and n not in virtual]
    if len(inputs) != 1:
        raise SpecError(origin, f"has {len(inputs)} Input nodes" + (f" ({', '.join(inputs)})" if inputs else ""),
                        "a graph with exactly one Input node (snncost analyses single-input networks)")
    edges = _contract(nodes, virtual, edges)
    start = inputs[0]
    back, reached = _back_edges(start, nodes, edges)
    unreached = [n for n in nodes if n not in reached]
    if unreached:
        raise SpecError(f"{origin} node '{unreached[0]}'", "is not reachable from the Input node "
                        f"'{start}'" + (f" ({len(unreached) - 1} more nodes are not either)" if len(unreached) > 1 else ""),
                        "a graph whose every node is fed, through edges, from the Input node")
    forward = [e for e in edges if e not in back]
    names = _spec_names(n for n in nodes if n != start)
    names[start] = "input"
    consumers = [nodes[t] for s, t in forward if s == start]
    shape, batched = _input_shape(tuple(int(v) for v in np.atleast_1d(np.asarray(nodes[start].input_type["input"]))),
                                  consumers)
    ctx = _Import(reset=reset, membrane_bits=_bits_number(membrane_bits, "membrane_bits", 32))
    order = _forward_order(start, nodes, forward)
    spec_nodes: list[dict] = []
    for key in order:
        node = nodes[key]
        kind = type(node).__name__
        if kind not in IMPORTERS:
            raise SpecError(f"{origin} node '{key}'", f"NIR node type {kind!r} has no snncost equivalent",
                            ", ".join(NIR_TYPES))
        sources = [names[s] for s, t in forward if t == key]
        target = names[key]
        if len(sources) > 1:  # NIR sums the edges into a node: an explicit add
            summed = _unique(f"{target}.sum", names)
            spec_nodes.append({"name": summed, "op": "add", "inputs": sources})
            sources = [summed]
        fields = IMPORTERS[kind][1](node, target, ctx)
        spec_nodes.append({"name": target, **fields, "inputs": sources})
    data = {"name": name or _network_name(label), "source": f"{origin} (NIR, nir {getattr(nir, '__version__', '?')})",
            "input": {"shape": list(shape)}, "timesteps": timesteps or 1, "batch": batch or 1,
            "precision": {"weight_bits": _bits_number(weight_bits, "weight_bits", 32),
                          "membrane_bits": ctx.membrane_bits,
                          "spike_bits": _bits_number(spike_bits, "spike_bits", 1)},
            "nodes": spec_nodes}
    if not spec_nodes:
        raise SpecError(origin, "holds no computing node (only Input/Output)", "a graph with layers")
    spec = spec_from_dict(data, origin)
    shapes = _checked_shapes(spec, ctx, names, back, origin)
    notes = _import_notes(origin, ctx, spec, batched, back, names, shapes, timesteps, batch, reset,
                          weight_bits, membrane_bits, spike_bits)
    spec = spec.model_copy(update={"notes": notes})
    spec._report_notes = tuple(notes)
    return spec


def _unique(name: str, names: dict) -> str:
    taken = set(names.values())
    candidate, i = name, 1
    while candidate in taken:
        candidate, i = f"{name}_{i}", i + 1
    names[f"\0{candidate}"] = candidate
    return candidate


def _network_name(label: str) -> str:
    return re.sub(r"\s+", "_", label)[:200] or "nir"


def _bits_number(value, what: str, default):
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 64:
        raise ConfigError(f"from_nir {what}", f"expected a number of bits in (0, 64], got {value!r}",
                          "a number such as 32, 8 or 1.5 (presets go to snncost.analyze)")
    return value


def _forward_order(start: str, nodes: dict, forward: list) -> list:
    """Kahn's order of the feed-forward graph, taking the file's node order where free."""
    import heapq

    keys = list(nodes)
    index = {n: i for i, n in enumerate(keys)}
    waiting = {n: 0 for n in keys}
    successors: dict = {}
    for s, t in forward:
        waiting[t] += 1
        successors.setdefault(s, []).append(t)
    for t in successors.get(start, ()):
        waiting[t] -= 1
    ready = [index[n] for n in keys if n != start and waiting[n] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        key = keys[heapq.heappop(ready)]
        order.append(key)
        for t in successors.get(key, ()):
            waiting[t] -= 1
            if waiting[t] == 0:
                heapq.heappush(ready, index[t])
    return order


def _checked_shapes(spec, ctx: _Import, names: dict, back: set, origin: str) -> dict:
    from .shapes import infer_shapes

    try:
        shapes = infer_shapes(spec)
    except ShapeError as exc:
        raise ShapeError(f"{origin}: {exc.where}", exc.problem, exc.valid) from None
    for name, check in ctx.checks:
        try:
            check(shapes[name]["inputs"][0], shapes[name]["output"])
        except SnnCostError as exc:
            raise type(exc)(f"{origin} {exc.where.removeprefix('NIR ')}", exc.problem, exc.valid) from None
    for source, target in back:
        src, dst = names[source], names[target]
        got, wanted = shapes[src]["output"], shapes[dst]["inputs"][0]
        if tuple(got) != tuple(wanted):
            raise ShapeError(f"{origin} recurrent edge ('{source}', '{target}')",
                             f"brings shape {list(got)} into a node whose input has shape {list(wanted)}",
                             "a recurrent synapse whose output shape equals the input shape of the node it feeds")
    return shapes


def _import_notes(origin, ctx: _Import, spec, batched, back, names, shapes, timesteps, batch, reset,
                  weight_bits, membrane_bits, spike_bits) -> list[str]:
    from .report import json_number

    p = {k: json_number(v) for k, v in spec.precision.model_dump().items()}

    facts = [(timesteps, f"T = {spec.timesteps}"), (batch, f"batch {spec.batch}"),
             (weight_bits, f"{p['weight_bits']}-bit weights"), (membrane_bits, f"{p['membrane_bits']}-bit membrane"),
             (spike_bits, f"{p['spike_bits']}-bit spikes")]
    used = ", ".join(f"{text} ({'given' if value is not None else 'default'})" for value, text in facts)
    resets = (f"reset {reset} (given)" if reset else
              f"reset {DEFAULT_RESET} unless a node's metadata says otherwise (default: NIR's equations set v to v_reset)")
    notes = [f"imported from {origin}: NIR stores no timesteps, batch, bit widths, spike rates or reset mode; using "
             f"{used}, {resets} (options --timesteps, --batch, --weight-bits, --membrane-bits, --spike-bits, --reset)"]
    if batched:
        notes.append(f"the Input's leading batch dimension of size 1 was removed: input shape {list(spec.input.shape)}")
    for source, target in sorted(back):
        notes.append(f"recurrent edge {names[source]} -> {names[target]}: left out of the feed-forward graph; "
                     f"'{names[source]}' and its weights are counted, and '{names[target]}''s membrane is counted as "
                     "for a feed-forward site (the formulas are unchanged: a recurrent synapse adds its weights and, per "
                     "timestep, its synaptic operations; BPTT also keeps the previous timestep's spikes it reads, which are "
                     "the spike memory already counted)")
    if ctx.lost_biases:
        notes.append("conv bias of all zeros taken as no bias (NIR convs always carry a bias array): "
                     + ", ".join(ctx.lost_biases[:5]) + (" ..." if len(ctx.lost_biases) > 5 else ""))
    if ctx.non_spiking:
        notes.append("non-spiking neurons (LI, I, CubaLI: the output is the membrane, no reset) stored at spike_bits = "
                     f"membrane bits {ctx.membrane_bits}: " + ", ".join(ctx.non_spiking[:5]))
    if ctx.stateless:
        notes.append("stateless NIR nodes read as identity (no parameters, no membrane): " + "; ".join(ctx.stateless[:5]))
    return notes


# ---------------------------------------------------------------------------
# snncost spec -> NIR graph
# ---------------------------------------------------------------------------

def to_nir(spec, path=None, *, input=None):
    """A snncost spec as a ``nir.NIRGraph`` (written to ``path`` when given).

    Exported kinds: those of :data:`KINDS` with an ``export``; identity, dropout and add
    become edges (NIR sums the edges into a node); a batchnorm is folded into the conv or
    linear layer before it.  Max pooling, 1-D pooling, concat and multi-level neurons have
    no NIR form and are refused, naming the node.  Weights are placeholders (NIR needs
    arrays; a spec holds only their shapes); a neuron's reset mode goes into its
    ``metadata['reset']``.  Timesteps, batch, bit widths, sharing and layer groupings are
    not NIR's and are not written.
    """
    from .analysis import resolve_input_shape
    from .shapes import infer_shapes
    from .zoo import resolve_model

    spec = resolve_model(spec)
    nir = require_nir()
    input_shape = resolve_input_shape(spec, input)
    shapes = infer_shapes(spec, input_shape)
    folded = _folded_batchnorms(spec)
    consumers: dict = {}
    for node in spec.nodes:
        for source in spec.edges[node.name]:
            consumers.setdefault(source, []).append(node.name)
    nir_nodes: dict = {"input": nir.Input(input_type={"input": _np_shape(input_shape)})}
    sources_of: dict = {"input": ["input"]}
    edges: list = []
    for node in spec.order:
        kind = KINDS[node.op]
        inputs = [s for source in spec.edges[node.name] for s in sources_of[source]]
        if node.op == "batchnorm" and node.name in folded.values():
            sources_of[node.name] = inputs
            continue
        if kind.export is None:
            if kind.not_exported != ELIDED:
                raise SpecError(f"node '{node.name}'", f"kind '{node.op}' cannot be written to NIR: {kind.not_exported}",
                                "a spec of the kinds NIR has: " + ", ".join(exportable_kinds()))
            sources_of[node.name] = list(dict.fromkeys(inputs))
            continue
        ins, out = shapes[node.name]["inputs"], shapes[node.name]["output"]
        if node.name in folded:
            nir_nodes[node.name] = kind.export(nir, node, ins, out, folded_bias=True)
        else:
            nir_nodes[node.name] = kind.export(nir, node, ins, out)
        edges += [(s, node.name) for s in dict.fromkeys(inputs)]
        sources_of[node.name] = [node.name]
    sinks = [n.name for n in spec.nodes if n.name not in consumers]
    for sink in sinks:
        out_name = "output" if len(sinks) == 1 else f"output_{sink}"
        for s in sources_of[sink]:
            edges.append((s, out_name))
        nir_nodes[out_name] = nir.Output(output_type={"output": _np_shape(shapes[sink]["output"])})
    graph = nir.NIRGraph(nodes=nir_nodes, edges=edges, type_check=False,
                         metadata={"snncost_model": spec.name})
    if path is not None:
        _write(nir, graph, path)
    return graph


def _np_shape(shape):
    import numpy as np

    return np.array([int(v) for v in shape])


def _folded_batchnorms(spec) -> dict:
    """conv/linear name -> the batchnorm folded into it (the batchnorm's only input, fed
    to nothing else); any other batchnorm cannot be exported."""
    users: dict = {}
    for node in spec.nodes:
        for source in spec.edges[node.name]:
            users.setdefault(source, []).append(node.name)
    folded = {}
    for node in spec.nodes:
        if node.op != "batchnorm":
            continue
        (source,) = spec.edges[node.name]
        layer = spec.node_map.get(source)
        if layer is None or layer.op not in ("conv2d", "conv1d", "linear") or users.get(source) != [node.name] \
                or source in folded:
            raise SpecError(f"node '{node.name}'", "a batchnorm can be written to NIR only folded into the conv/linear "
                            "layer that alone feeds it (NIR has no batch normalisation)",
                            "a batchnorm right after a conv2d/conv1d/linear layer that feeds nothing else")
        folded[source] = node.name
    return folded


def _write(nir, graph, path) -> None:
    """nir.write into memory, then the one atomic file writer (no partial file on failure)."""
    import io

    from .commands.common import write_bytes_atomically

    buffer = io.BytesIO()
    nir.write(buffer, graph)
    try:
        write_bytes_atomically(buffer.getvalue(), str(path))
    except InputFileError as exc:
        raise InputFileError(f"option --to-nir '{path}'", exc.problem, exc.valid) from None


def export_summary(spec, graph, path) -> str:
    """What ``snncost spec MODEL --to-nir FILE`` wrote, and what NIR could not carry."""
    import nir

    kinds: dict = {}
    for node in graph.nodes.values():
        if not isinstance(node, (nir.Input, nir.Output)):
            kinds[type(node).__name__] = kinds.get(type(node).__name__, 0) + 1
    folded = _folded_batchnorms(spec)
    elided = [n.name for n in spec.nodes if KINDS[n.op].not_exported == ELIDED]
    lines = [f"wrote {path}: NIR graph of '{spec.name}', input {[int(v) for v in graph.nodes['input'].input_type['input']]}, "
             + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())),
             f"note: {PLACEHOLDER_NOTE}",
             "note: not written (NIR has no field for them): timesteps, batch, bit widths, static nodes, layer "
             "groupings; neuron reset modes go into each neuron's metadata['reset']"]
    if folded:
        lines.append("note: batchnorm folded into the layer before it (inference form, that layer gains a bias): "
                     + ", ".join(f"{bn} -> {layer}" for layer, bn in folded.items()))
    if elided:
        lines.append("note: written as edges (NIR sums the edges into a node): " + ", ".join(elided[:10])
                     + (" ..." if len(elided) > 10 else ""))
    return "\n".join(lines)
