"""How each snncost node kind meets NIR: the ``"nir"`` rule of its registry entry
(:mod:`snncost.kinds`), used by :mod:`snncost.nir_io`.

A :class:`NirRule` says which NIR node types are read as the kind (``imports``: NIR type
-> function(nir node, name, import context) -> the spec node's fields) and how a node of
the kind is written (calling the rule: ``rule(node, input_shapes) -> nir node``), or why
it is not (``not_exported``; :data:`ELIDED`: written as edges, since NIR sums the edges
into a node and has no identity node).  NIR node types: Pedersen et al., "Neuromorphic
intermediate representation", Nature Communications 15, 8122 (2024); PyPI ``nir``.

Nothing here imports ``nir`` or numpy at import time (the ``nir`` extra is optional).
"""
from __future__ import annotations

from math import prod
from typing import Callable

from .errors import ConfigError, ShapeError, SpecError
from .records import Record

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


def graph_checks_types(nir) -> bool:
    """Whether this nir version's NIRGraph takes ``type_check`` (1.0.5 on; 1.0.4, which
    Sinabs 3.1 pins, builds graphs without checking)."""
    import inspect

    return "type_check" in inspect.signature(nir.NIRGraph.__init__).parameters


def nir_graph(nir, nodes: dict, edges: list, metadata: dict | None = None):
    """A NIRGraph without nir's own type inference (snncost checks shapes itself)."""
    options = {"type_check": False} if graph_checks_types(nir) else {}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata or {}, **options)


# ---------------------------------------------------------------------------
# Import: one function per NIR node type, returning the snncost node's fields
# ---------------------------------------------------------------------------

class ImportContext(Record, frozen=False):
    """What the importer learns while converting, checked once shapes are known."""

    reset: str | None
    membrane_bits: object
    checks: list = []  # (snncost name, check(in_shape, out_shape))
    notes: list = []
    lost_biases: list = []
    non_spiking: list = []
    stateless: list = []


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


def _import_affine(node, name, ctx: ImportContext, bias: bool = True) -> dict:
    weight = _array(node, "weight")
    if weight.ndim != 2:
        raise SpecError(f"NIR node '{name}' field 'weight'", f"has {weight.ndim} dimensions", "a 2-D (out, in) matrix")
    ctx.checks.append((name, _check_weight_input(name, weight.shape[1], "input features", -1)))
    return {"op": "linear", "out_features": int(weight.shape[0]), "bias": bias}


def _import_conv(node, name, ctx: ImportContext, spatial: int) -> dict:
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


def _import_pool(node, name, ctx: ImportContext, op: str) -> dict:
    where = f"NIR node '{name}'"
    return {"op": op, "kernel": _pair(_ints(node.kernel_size, f"{where} field 'kernel_size'", 2)),
            "stride": _pair(_ints(node.stride, f"{where} field 'stride'", 2)),
            "padding": _pair(_ints(node.padding, f"{where} field 'padding'", 2))}


def _import_flatten(node, name, ctx: ImportContext) -> dict:
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
    def importer(node, name, ctx: ImportContext) -> dict:
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
    def importer(node, name, ctx: ImportContext) -> dict:
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


def _tuple(value, spatial: int) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * spatial


def _export_conv(nir, node, ins, spatial: int, folded_bias: bool = False):
    cls = nir.Conv2d if spatial == 2 else nir.Conv1d
    kernel, stride, dilation = (_tuple(v, spatial)[:spatial] for v in (node.kernel, node.stride, node.dilation))
    pad = node.padding
    if pad == "valid":
        pad = (0,) * spatial
    elif pad == "same" and all(d * (k - 1) % 2 == 0 for d, k in zip(dilation, kernel)):
        pad = tuple(d * (k - 1) // 2 for d, k in zip(dilation, kernel))  # 'same' at stride 1, as numbers
    elif pad != "same":
        pad = _tuple(pad, spatial)
    if spatial == 1:
        pad = pad if isinstance(pad, str) else pad[0]
        stride, dilation = stride[0], dilation[0]
    bias = _bias(node, node.out_channels)
    if folded_bias:
        bias[:] = 1
    fields = dict(weight=_zeros(node.out_channels, ins[0][0] // node.groups, *kernel),
                  stride=stride, padding=pad, dilation=dilation, groups=node.groups, bias=bias)
    try:
        return cls(input_shape=tuple(ins[0][1:]) if spatial == 2 else ins[0][1], **fields)
    except (AttributeError, TypeError):  # nir 1.0.4's output-size rule fails on asymmetric 'same' padding
        raise SpecError(f"node '{node.name}' field 'padding'", f"nir {getattr(nir, '__version__', '?')} cannot write "
                        "padding 'same' with an even kernel", "nir >= 1.0.5, or an explicit padding") from None


def _export_linear(nir, node, ins, folded_bias: bool = False):
    if len(ins[0]) != 1:
        raise SpecError(f"node '{node.name}'", f"a linear layer on a shape of rank {len(ins[0])} ({list(ins[0])}) "
                        "has no NIR form (NIR's Affine and Linear take vectors)", "a flatten before the linear layer")
    weight = _zeros(node.out_features, ins[0][0])
    if node.bias or folded_bias:
        import numpy as np

        return nir.Affine(weight=weight, bias=np.ones((node.out_features,), dtype=np.float32))
    return nir.Linear(weight=weight)


def _export_pool(nir, node, ins):
    import numpy as np

    if len(ins[0]) != 3:
        raise SpecError(f"node '{node.name}'", f"kind '{node.op}' on a shape of rank {len(ins[0])} ({list(ins[0])}) "
                        "cannot be written to NIR: NIR has no 1-D pooling", "pooling of (C, H, W) maps")
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


def _export_flatten(nir, node, ins):
    import numpy as np

    return nir.Flatten(input_type={"input": np.array(ins[0])}, start_dim=0, end_dim=-1)


# NIR placeholder neuron constants (a spec holds none): tau 2 (decay 1/2 at dt 1), r 1,
# v_leak 0, threshold 1, v_reset 0, tau_syn 2.
def _full(shape, value):
    import numpy as np

    return np.full(tuple(shape), value, dtype=np.float32)


def _export_neuron(nir, node, ins):
    shape = ins[0]  # one neuron per input element
    meta = {"reset": node.reset}
    common = {"r": _full(shape, 1), "v_threshold": _full(shape, 1), "v_reset": _full(shape, 0)}
    if node.op == "if":
        return _make(nir.IF, **common, metadata=meta)
    if node.op == "lif":
        return _make(nir.LIF, tau=_full(shape, 2), v_leak=_full(shape, 0), **common, metadata=meta)
    return _make(nir.CubaLIF, tau_syn=_full(shape, 2), tau_mem=_full(shape, 2), v_leak=_full(shape, 0),
                 w_in=_full(shape, 1), **common, metadata=meta)


def _make(cls, **fields):
    """A NIR node from the fields this nir version's class has (nir 1.0.4 has no v_reset)."""
    import dataclasses  # NIR's node classes are dataclasses

    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in fields.items() if k in known})


# ---------------------------------------------------------------------------
# The rule a registry entry holds
# ---------------------------------------------------------------------------

ELIDED = "elided"
"""``not_exported`` value of kinds written as edges (identity, dropout, add)."""


class NirRule(Record):
    """The ``"nir"`` rule of a node kind (see the module docstring)."""

    imports: dict = {}
    export: Callable | None = None
    not_exported: str = ""
    folded: bool = False        # written folded into the layer before it (batchnorm)
    absorbs_fold: bool = False  # can take a folded batchnorm as its bias (conv, linear)

    def __call__(self, node, input_shapes, **options):
        """The NIR node of ``node`` (placeholder weights, see :data:`PLACEHOLDER_NOTE`)."""
        if self.export is None:
            raise SpecError(f"node '{node.name}'", f"kind '{node.op}' cannot be written to NIR: {self.not_exported}",
                            "a spec of the kinds NIR has")
        return self.export(require_nir(), node, input_shapes, **options)


def conv_rule(spatial: int) -> NirRule:
    return NirRule({f"Conv{spatial}d": lambda n, name, ctx: _import_conv(n, name, ctx, spatial)},
                   lambda nir, node, ins, **kw: _export_conv(nir, node, ins, spatial, **kw), absorbs_fold=True)


LINEAR = NirRule({"Affine": _import_affine, "Linear": lambda n, name, ctx: _import_affine(n, name, ctx, bias=False)},
                 _export_linear, absorbs_fold=True)
FLATTEN = NirRule({"Flatten": _import_flatten}, _export_flatten)
IDENTITY = NirRule({"Scale": _stateless_importer("scale", "element-wise constant scale"),
                    "Delay": _stateless_importer("delay", "delay line, its buffer of past inputs not counted"),
                    "Threshold": _stateless_importer("threshold", "stateless spike generation")},
                   None, ELIDED)
ELIDED_RULE = NirRule({}, None, ELIDED)
BATCHNORM = NirRule({}, None, "folded into the conv/linear layer before it (NIR has no batch normalisation; "
                    "inference form: that layer gains a bias, the 2 C batchnorm parameters and 2 C running "
                    "statistics go)", folded=True)
CONCAT = NirRule({}, None, "NIR has no concatenation (edges into a node are summed)")
TRANSFORMER = NirRule({}, None, "NIR has no attention, token or layer-norm operations (spiking transformers)")
LSTM = NirRule({}, None, "NIR has no LSTM cell")


def pool_rule(op: str) -> NirRule:
    """avgpool2d / sumpool2d read and written as NIR's AvgPool2d / SumPool2d;
    global_avgpool written as an AvgPool2d over the whole map; the others have no NIR form."""
    nir_type = {"avgpool2d": "AvgPool2d", "sumpool2d": "SumPool2d"}.get(op)
    if nir_type:
        return NirRule({nir_type: lambda n, name, ctx: _import_pool(n, name, ctx, op)}, _export_pool)
    if op == "global_avgpool":
        return NirRule({}, _export_pool)
    return NirRule({}, None, "NIR has no max pooling" if op.startswith("max") else "NIR has no 1-D pooling")


NEURON_ARRAYS = {"LIF": ("tau", "r", "v_leak", "v_threshold"), "LI": ("tau", "r", "v_leak"),
                 "IF": ("r", "v_threshold"), "I": ("r",),
                 "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold"),
                 "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak")}
"""The per-neuron arrays of each NIR neuron type (checked against the layer's size)."""


def neuron_rule(op: str) -> NirRule:
    """lif <- LIF (and the non-spiking LI), if <- IF (and I), cubalif <- CubaLIF (and CubaLI);
    mlif has no NIR form."""
    spiking = {"lif": "LIF", "if": "IF", "cubalif": "CubaLIF"}.get(op)
    if spiking is None:
        return NirRule({}, None, "NIR has no multi-level (multi-lane) spiking neuron")
    quiet = spiking.removesuffix("F")
    return NirRule({spiking: _neuron_importer(op, NEURON_ARRAYS[spiking], True),
                    quiet: _neuron_importer(op, NEURON_ARRAYS[quiet], False)}, _export_neuron)

