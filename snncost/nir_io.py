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

Which NIR node types a snncost kind is read from, and how it is written, is the ``"nir"``
rule of the kind's registry entry (:mod:`snncost.kinds`, rules built in
:mod:`snncost.nir_rules`); this module holds the graph-level work.
"""
from __future__ import annotations

import re
from pathlib import Path

from .errors import ConfigError, InputFileError, ShapeError, SnnCostError, SpecError
from .nir_rules import DEFAULT_RESET, ELIDED, PLACEHOLDER_NOTE, RESETS, ImportContext, graph_checks_types, nir_graph, require_nir
from .spec.nodes import NAME_PATTERN

# ---------------------------------------------------------------------------
# The registry's NIR rules
# ---------------------------------------------------------------------------

STRUCTURAL = ("Input", "Output", "NIRGraph")


def nir_rule(op: str):
    """The ``"nir"`` rule of kind ``op`` (None for a user kind without one)."""
    from .kinds import get_kind

    return get_kind(op).rules.get("nir")


def importers() -> dict:
    """NIR node type -> (snncost kind, import function), from every registered kind's rule."""
    from .kinds import kinds

    return {nir_type: (kind.name, fn) for kind in kinds() if kind.rules.get("nir")
            for nir_type, fn in kind.rules["nir"].imports.items()}


def nir_types() -> tuple:
    """Every NIR node type snncost reads."""
    return tuple(sorted(importers())) + STRUCTURAL


def exportable_kinds() -> list[str]:
    from .kinds import kinds

    rules = [(kind.name, kind.rules.get("nir")) for kind in kinds()]
    return ([name for name, rule in rules if rule and (rule.export is not None or rule.not_exported == ELIDED)]
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

    try:
        with h5py.File(path, "r") as handle:
            if "node" not in handle:
                raise InputFileError(origin, "is HDF5 but holds no NIR graph (no 'node' group)",
                                     "a file written by nir.write or a framework's NIR exporter")
            data = _hdf5_data(handle["node"])
    except SnnCostError:
        raise
    except OSError:
        raise InputFileError(origin, "is not an HDF5 file (NIR files are HDF5)",
                             "a .nir file written by nir.write or a framework's NIR exporter") from None
    except Exception as exc:  # noqa: BLE001 - a damaged file: one line, never a traceback
        raise InputFileError(origin, f"cannot be read ({type(exc).__name__})", "an undamaged NIR file") from None
    if data.get("type") != "NIRGraph":
        raise SpecError(origin, f"the top-level node is {data.get('type')!r}, not a NIRGraph", "a NIR graph file")
    _check_node_data(data, origin, "", graph_checks_types(nir))
    try:
        return nir.dict2NIRNode(data)
    except SnnCostError:
        raise
    except Exception as exc:  # noqa: BLE001 - nir's own constructors assert on bad arrays
        detail = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise SpecError(origin, f"a node's data is malformed ({detail})", "a file written by nir.write") from None


SHAPE_ONLY = ("weight",)
"""Datasets of which snncost needs only the shape: read as zero-stride views, not loaded."""


def _hdf5_data(group) -> dict:
    """An HDF5 group as nested dicts of values (nir's layout), weight matrices as
    shape-only views: a large network's file is read without decompressing its weights."""
    import h5py
    import numpy as np

    out: dict = {}
    for key, item in group.items():
        if isinstance(item, h5py.Group):
            out[key] = _hdf5_data(item)
        elif key in SHAPE_ONLY and item.shape:
            out[key] = np.broadcast_to(np.zeros((), dtype=item.dtype), item.shape)
        else:
            value = item[()]
            out[key] = value.decode("utf-8") if isinstance(value, bytes) else value
    return out


def _check_node_data(data: dict, origin: str, prefix: str, type_check_key: bool) -> None:
    """Types known, edges naming existing nodes; nested graphs without nir's type checks
    (snncost recomputes every shape itself)."""
    nodes = data.get("nodes")
    if not isinstance(nodes, dict):
        raise SpecError(origin, f"graph {prefix or '(top)'} has no nodes", "a NIR graph with nodes and edges")
    for name, node in nodes.items():
        kind = node.get("type") if isinstance(node, dict) else None
        if kind not in nir_types():
            raise SpecError(f"{origin} node '{prefix}{name}'", f"unknown NIR node type {kind!r}", ", ".join(nir_types()))
        if kind == "NIRGraph":
            _check_node_data(node, origin, f"{prefix}{name}.", type_check_key)
    if type_check_key:
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
        out[name] = _unique(base, used)
    return out


FIRST_RANK = {"Conv2d": 3, "Conv1d": 2, "AvgPool2d": 3, "SumPool2d": 3, "Affine": 1, "Linear": 1}


def _input_shape(shape, consumers) -> tuple[tuple, bool]:
    """The Input node's shape without a leading batch dimension of size 1 (which some
    exporters keep).  The rank the first layer expects decides; rank 4 is always batched."""
    import numpy as np

    first = None
    for node in consumers:
        first = first or FIRST_RANK.get(type(node).__name__)
        if first is None and hasattr(node, "r") and np.shape(node.r) == tuple(shape[1:]):
            first = len(shape) - 1  # a neuron first, whose arrays have the shape without the leading 1
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
    if isinstance(source, (str, Path)):
        origin = f"NIR file '{source}'"
        graph = read_graph(source)  # a file that is not HDF5 is refused before nir is needed
        label = Path(source).stem
        nir = require_nir()
    else:
        nir = require_nir()
        if not isinstance(source, nir.NIRGraph):
            raise SpecError("from_nir", f"expected a .nir file path or a nir.NIRGraph, got {type(source).__name__}",
                            "a path or nir.NIRGraph")
        origin, graph, label = "NIR graph", source, "nir_graph"
    nodes, virtual, edges = _flatten_graph(graph)
    for head, tail in edges:
        missing = next((end for end in (head, tail) if end not in nodes), None)
        if missing is not None:
            raise SpecError(f"{origin} edge ('{head}', '{tail}')", f"no node named '{missing}'",
                            "edges between the graph's nodes (a nested graph's inner node as 'graph.node')")
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
    ctx = ImportContext(reset=reset, membrane_bits=_bits_number(membrane_bits, "membrane_bits", 32))
    order = _forward_order(start, nodes, forward)
    table = importers()
    incoming: dict = {}
    for head, tail in forward:
        incoming.setdefault(tail, []).append(names[head])
    taken = set(names.values())
    spec_nodes: list[dict] = []
    for key in order:
        node = nodes[key]
        kind = type(node).__name__
        if kind not in table:
            raise SpecError(f"{origin} node '{key}'", f"NIR node type {kind!r} has no snncost equivalent",
                            ", ".join(nir_types()))
        sources = incoming[key]
        target = names[key]
        if len(sources) > 1:  # NIR sums the edges into a node: an explicit add
            summed = _unique(f"{target}.sum", taken)
            spec_nodes.append({"name": summed, "op": "add", "inputs": sources})
            sources = [summed]
        fields = table[kind][1](node, target, ctx)
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
    return spec.with_report_notes(notes)


def _unique(name: str, taken: set) -> str:
    """``name``, or ``name_1``, ``name_2``... if taken; the result is added to ``taken``."""
    candidate, i = name, 1
    while candidate in taken:
        candidate, i = f"{name}_{i}", i + 1
    taken.add(candidate)
    return candidate


def _network_name(label: str) -> str:
    return re.sub(r"\s+", "_", label)[:200] or "nir"


def _bits_number(value, what: str, default):
    if value is None:
        return default
    from fractions import Fraction

    if isinstance(value, Fraction) and Fraction(float(value)) == value:
        value = int(value) if value.denominator == 1 else float(value)  # 3/2 from the command line
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


def _checked_shapes(spec, ctx: ImportContext, names: dict, back: set, origin: str) -> dict:
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


def _import_notes(origin, ctx: ImportContext, spec, batched, back, names, shapes, timesteps, batch, reset,
                  weight_bits, membrane_bits, spike_bits) -> list[str]:
    from .report import json_number

    p = {k: json_number(v) for k, v in spec.precision.values().items()}

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

    Exported kinds: those whose registry rule ``"nir"`` has an ``export``; identity, dropout and add
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
    for node in spec.order:  # every node checked before anything is built
        rule = nir_rule(node.op)
        if (rule is None or rule.export is None and rule.not_exported != ELIDED) and node.name not in folded.values():
            why = rule.not_exported if rule else "the kind's registry entry has no 'nir' rule"
            raise SpecError(f"node '{node.name}'", f"kind '{node.op}' cannot be written to NIR: {why}",
                            "a spec of the kinds NIR has: " + ", ".join(exportable_kinds()))
    for node in spec.order:
        rule = nir_rule(node.op)
        inputs = [s for source in spec.edges[node.name] for s in sources_of[source]]
        if node.name in folded.values() or rule.export is None:  # folded, or written as edges
            sources_of[node.name] = list(dict.fromkeys(inputs))
            continue
        ins = shapes[node.name]["inputs"]
        nir_nodes[node.name] = rule(node, ins, **({"folded_bias": True} if node.name in folded else {}))
        edges += [(s, node.name) for s in dict.fromkeys(inputs)]
        sources_of[node.name] = [node.name]
    sinks = [n.name for n in spec.nodes if n.name not in consumers]
    for sink in sinks:
        out_name = "output" if len(sinks) == 1 else f"output_{sink}"
        for s in sources_of[sink]:
            edges.append((s, out_name))
        nir_nodes[out_name] = nir.Output(output_type={"output": _np_shape(shapes[sink]["output"])})
    graph = nir_graph(nir, nir_nodes, edges, {"snncost_model": spec.name})
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
        if not getattr(nir_rule(node.op), "folded", False):
            continue
        (source,) = spec.edges[node.name]
        layer = spec.node_map.get(source)
        if layer is None or not getattr(nir_rule(layer.op), "absorbs_fold", False) or users.get(source) != [node.name] \
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
    nir.write(buffer, graph, compression="gzip", compression_opts=1)  # placeholder arrays: fastest gzip
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
    elided = [n.name for n in spec.nodes if getattr(nir_rule(n.op), "not_exported", "") == ELIDED]
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
