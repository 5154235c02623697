"""The node-kind registry: everything snncost knows about a node kind, in one entry.

A :class:`NodeKind` holds the kind's fields (a record class), its shape and parameter
rules, its neuron state variables, its prunable weight tensor, its spatial stride (for
closed-form formulas) and its number of inputs.  Everything else looks the kind up
here (``get_kind(node.op)``); nothing tests op-name strings.  The built-in kinds are
registered by :mod:`snncost.kinds.conv`, ``linear``, ``pool``, ``structure``, ``norm``
and ``neuron``; users add kinds with :func:`register_node_kind` (also exported as
``snncost.register_node_kind``).

Rules later issues add go into ``rules``, one key per concern, so that a new concern is
one rule per kind in the kind's own entry.  Reserved keys (a rule is a callable; a kind
without the key gets the concern's documented default):

- ``"macs"``: ``rule(node, input_shapes, output_shape) -> int``, dense multiply-
  accumulates of one timestep, padding positions included; ``"macs_unpadded"``: the
  same without padding positions (NeuroBench's Dense count); ``"extra_ops"``:
  ``(option name, rule)``, dense ops counted only when that option is named (bias,
  batchnorm, layernorm, pool); ``"spikes"``: what the kind makes of spikes (``through``,
  ``add``, ``average``, ``window-sum``, ``token-sum``, ``product``, ``concat``; absent: its output is
  analog); ``"operands"``: 2 for a product of two activations (``matmul``, ``multiply``),
  counted from both inputs;
  ``"neuron_model"``: the NeuroBench model a neuron update is priced as (op counts and
  energy, issue #9, :mod:`snncost.opcount`);
- ``"train_saved"``: ``rule(node, input_shapes, output_shape, ctx) -> [Saved, ...]``, the
  tensors autograd keeps for the backward pass per call (training memory, issue #10;
  :mod:`snncost.training.saved`; default: the inputs, when tracked); with it
  ``"train_view"`` (bool or ``rule(node) -> bool``: the output is the input's storage;
  default False) and ``"train_autocast"`` (bool: autocast runs the kind in the lower
  precision; default False), ``"train_note"`` (``rule(node, profile) -> str or None``: a
  caveat printed with the result); ``"torch"``: ``rule(node, input_shapes) -> torch.nn.Module``
  called with the node's inputs, the kind in the reference PyTorch step that measures it
  (:mod:`snncost.training.reference`);
- ``"numpy"``: the kind's forward in the NumPy engine (issue #11);
- ``"hardware"``: ``rule(node, input_shapes, output_shape) -> dict``, the kind's role on a
  PE-array accelerator (issue #12, :mod:`snncost.hw`): ``{"role": "compute", "problem":
  {C, M, R, S, P, Q, Wstride, Hstride, Wdilation, Hdilation, input_positions}}`` for a
  layer mapped onto the PEs (Timeloop's CNN-layer dimensions), ``{"role": "passthrough"}``
  for a node fused into the read of its input (pools, flatten, dropout); a kind without
  the rule is fused into the PE and its LIF unit (batchnorm, adds, neurons);
- ``"nir"``: a :class:`snncost.nir_rules.NirRule`: ``rule(node, input_shapes) -> nir.NIRNode``
  (NIR export, issue #13), with ``rule.imports`` the NIR node types read as this kind
  and ``rule.not_exported`` why a kind without an export is not written (a kind without
  the key is neither read from nor written to NIR).
"""
from __future__ import annotations

from math import prod
from typing import Any, Callable, Optional, Union

from ..errors import ConfigError
from ..records import Record

Shape = tuple
ShapeRule = Callable[[Any, list], Shape]
CountRule = Callable[[Any, list], Any]
StrideRule = Union[str, Callable[[Any, int], tuple]]

RULE_KEYS = ("macs", "macs_unpadded", "extra_ops", "spikes", "operands", "neuron_model", "train_saved",
             "train_view", "train_autocast", "train_note", "torch", "numpy", "hardware", "nir")
"""Keys of :attr:`NodeKind.rules` reserved for the next issues (others are allowed)."""
SPATIAL = ("keep", "collapse", "drop")
FAMILIES = ("conv", "linear", "norm", "pool", "neuron", "structure", "user")


class NodeKind(Record):
    """One node kind (one ``op`` value of a spec).

    - ``name``: the ``op`` value.
    - ``node_class``: the record class of its nodes (a subclass of
      :class:`snncost.kinds.base.NodeBase` with ``op: Literal[name, ...]``); its fields
      are the kind's spec fields, and :attr:`model`, the pydantic model validating them,
      is built from it on first use (:mod:`snncost.records`).
    - ``shape(node, input_shapes) -> shape``: output shape, batch-free, ints or sympy.
    - ``params(node, input_shapes) -> int``: trainable parameters (None: 0).
    - ``buffers(node, input_shapes) -> int``: non-trainable stored values such as
      batchnorm running statistics (None: 0).
    - ``state_variables``: names of the per-neuron state variables of a spiking
      neuron kind (``("v",)`` for LIF, ``("v", "i")`` for current-based LIF); empty for
      kinds that are not neurons.  A neuron kind has one neuron per output element.
    - ``weight_dims(node, in_shape) -> tuple``: dimensions of the prunable weight
      tensor (None: no prunable weights).
    - ``stride``: how the kind maps spatial sizes, for the total stride of
      :func:`snncost.formulas.total_stride`: ``"keep"`` (size unchanged), ``"collapse"``
      (to a fixed size, global pooling), ``"drop"`` (spatial dimensions gone: flatten,
      linear), or ``rule(node, dims) -> tuple`` of per-dimension strides.
    - ``inputs``: ``(min, max)`` number of inputs (``max`` None: unbounded).
    - ``family``: ``conv``, ``linear``, ``norm``, ``pool``, ``neuron``, ``structure`` or
      ``user`` (IM-SNN's Eq. 15 counts the ``conv`` family's weights).
    - ``doc``: (fields, output shape, parameters) for the docs/spec.md table.
    - ``rules``: further per-concern rules, keyed as in :data:`RULE_KEYS`.
    """

    name: str
    node_class: type
    shape: ShapeRule
    params: Optional[CountRule] = None
    buffers: Optional[CountRule] = None
    state_variables: tuple = ()
    weight_dims: Optional[Callable[[Any, Shape], tuple]] = None
    stride: StrideRule = "keep"
    inputs: tuple = (1, 1)
    family: str = "user"
    doc: tuple = ("", "", "")
    rules: dict = {}

    @property
    def is_neuron(self) -> bool:
        return bool(self.state_variables)

    @property
    def weighted(self) -> bool:
        """Whether the kind's nodes carry weights (a ``weight_bits`` field)."""
        return "weight_bits" in self.node_class.fields

    @property
    def model(self) -> type:
        """The pydantic model validating the kind's fields (built on first use)."""
        from ..records import pydantic_model

        return pydantic_model(self.node_class)


_KINDS: dict[str, NodeKind] = {}
_listeners: list[Callable[[], None]] = []


def add_kind(kind: NodeKind, *, replace: bool = False) -> NodeKind:
    """Register ``kind`` (refuses a taken name unless ``replace``)."""
    if kind.name in _KINDS and not replace:
        raise ConfigError(f"node kind '{kind.name}'", "is already registered", "another name, or replace=True")
    if kind.stride not in SPATIAL and not callable(kind.stride):
        raise ConfigError(f"node kind '{kind.name}' stride", f"unknown stride {kind.stride!r}",
                          f"{', '.join(SPATIAL)} or a callable(node, dims) -> strides")
    _KINDS[kind.name] = kind
    for listener in _listeners:
        listener()
    return kind


def remove_kind(name: str) -> None:
    """Unregister kind ``name`` (tests that register a kind clean up with this)."""
    get_kind(name)
    del _KINDS[name]
    for listener in _listeners:
        listener()


def on_change(listener: Callable[[], None]) -> None:  # pragma: no mutate block (called at import only)
    """Call ``listener()`` after every registration (the spec model rebuilds its node union)."""
    _listeners.append(listener)


def get_kind(name: str) -> NodeKind:
    """The registered kind of ``op`` value ``name``."""
    try:
        return _KINDS[name]
    except KeyError:
        raise ConfigError("node kind", f"unknown node kind (op): {name!r}", ", ".join(_KINDS)) from None


def kind_of(node) -> NodeKind:
    """The kind of a node (by its ``op``)."""
    return _KINDS[node.op]


def node_kinds() -> list[str]:
    """Every valid ``op`` value, in registration order (error messages, docs)."""
    return list(_KINDS)


def kinds() -> tuple[NodeKind, ...]:
    return tuple(_KINDS.values())


def node_models() -> tuple[type, ...]:
    """The distinct pydantic models of the registered kinds, in registration order
    (builds them: imports pydantic)."""
    return tuple(dict.fromkeys(kind.model for kind in _KINDS.values()))


# ---- per-node facts every module asks for ----------------------------------------
def parameters(node, input_shapes) -> Any:
    """Trainable parameters (weights, biases, batchnorm gamma/beta)."""
    rule = _KINDS[node.op].params
    return rule(node, input_shapes) if rule else 0


def buffers(node, input_shapes) -> Any:
    """Non-trainable stored values (batchnorm running mean and variance)."""
    rule = _KINDS[node.op].buffers
    return rule(node, input_shapes) if rule else 0


def state_variables(node) -> int:
    """State variables per neuron (0 for kinds that are not neurons)."""
    return len(_KINDS[node.op].state_variables)


def is_neuron(node) -> bool:
    return _KINDS[node.op].is_neuron


def neurons(node, out_shape) -> Any:
    """Spiking neurons of a neuron node: one per element of its (batch-free) shape."""
    return prod(out_shape) if is_neuron(node) else 0


def weight_dims(node, in_shape) -> tuple:
    """Dimensions of a node's prunable weight tensor (empty if it has none)."""
    rule = _KINDS[node.op].weight_dims
    return tuple(rule(node, in_shape)) if rule else ()


def output_shape(node, input_shapes: list) -> Shape:
    """The output shape of ``node`` given the shapes of its inputs."""
    return tuple(_KINDS[node.op].shape(node, list(input_shapes)))


# ---- the docs/spec.md node table -------------------------------------------------
def spec_table() -> str:
    """The node table of docs/spec.md, one row per run of kinds sharing a doc row."""
    lines = ["| op | fields (default) | output shape | parameters |", "|---|---|---|---|"]
    rows: list[tuple[list[str], tuple]] = []
    for kind in _KINDS.values():
        if rows and rows[-1][1] == kind.doc:
            rows[-1][0].append(kind.name)
        else:
            rows.append(([kind.name], kind.doc))
    for names, doc in rows:
        lines.append("| " + ", ".join(f"`{n}`" for n in names) + " | " + " | ".join(doc) + " |")
    return "\n".join(lines) + "\n"
