"""The engine's network: a spec's graph run forward over T timesteps and differentiated.

:class:`EngineModel` reads the same spec, shapes, sharing buffers and training mode as
:func:`snncost.analyze` (``make_config``, ``infer_shapes``, ``sharing_buffers``), so the
sharing it trains is exactly the sharing snncost analyses.  Per-kind arithmetic lives
in :mod:`snncost.engine.rules`; the neuron dynamics of each sharing buffer in
:mod:`snncost.engine.neurons`; what the forward pass keeps for the backward pass in a
:class:`Tape`, whose bits :mod:`snncost.engine.tally` counts.

Inputs are direct-coded: the same input batch at every timestep (EfficientLIF-Net's
static images; seed 000 Sec. 5.4 feeds its HAR windows the same way).  The output is
the last node of the spec (topological order), a vector of class scores; its values are
summed over timesteps and a softmax cross-entropy (mean over the batch) is taken on the
sum (Sec. 3.2).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..analysis import make_config
from ..errors import ConfigError
from ..shapes import infer_shapes
from ..sharing import sharing_buffers, window_grid
from ..spec.network import INPUT_NAME
from ..zoo import resolve_model
from .neurons import MembraneChain, chain_slices
from .rules import rule_for
from .spikes import check_surrogate, spike_code, spike_values

DTYPES = {"float64": np.float64, "float32": np.float32}


@dataclass(frozen=True)
class EngineOptions:
    """Neuron constants and numerics: decay lambda, threshold theta (EfficientLIF-Net uses
    theta = 1), surrogate, dtype, and ``smooth`` (spikes replaced by the surrogate's
    primitive: a differentiable network, for finite-difference checks)."""

    decay: float = 0.5
    threshold: float = 1.0
    surrogate: str = "atan"
    dtype: str = "float64"
    smooth: bool = False


@dataclass
class Tape:
    """What one forward pass keeps for its backward pass (the tally counts exactly these)."""

    x: np.ndarray
    train: bool
    outputs: dict = field(default_factory=dict)  # (node, t or None) -> kept output (spike codes for neurons)
    caches: dict = field(default_factory=dict)  # (node, t or None) -> batchnorm (mean, 1/std)
    membranes: dict = field(default_factory=dict)  # bptt: (site, t) -> every step's membrane
    final_membranes: dict = field(default_factory=dict)  # reverse: chain name -> its last membrane
    spike_counts: dict = field(default_factory=dict)  # site -> neuron-timesteps that fired


def _check_options(options: EngineOptions) -> None:
    check_surrogate(options.surrogate)
    if options.dtype not in DTYPES:
        raise ConfigError("option --dtype", f"unknown dtype {options.dtype!r}", ", ".join(DTYPES))
    if not 0 < options.decay <= 1:
        raise ConfigError("option --decay", f"decay {options.decay} is out of range",
                          "a number in (0, 1] (reverse recomputation divides by it)")
    if not options.threshold > 0:
        raise ConfigError("option --threshold", f"threshold {options.threshold} is not positive", "a positive number")


class EngineModel:
    """A trainable NumPy network for ``spec`` under a sharing scheme and training mode."""

    def __init__(self, spec, *, sharing="none", layer_groups=None, training=None, timesteps=None,
                 options: EngineOptions | None = None, seed: int = 0):
        self.spec = resolve_model(spec)
        self.options = options or EngineOptions()
        _check_options(self.options)
        self.dtype = DTYPES[self.options.dtype]
        self.config = make_config(self.spec, timesteps=timesteps, sharing=sharing, layer_groups=layer_groups,
                                  training=training)
        self.timesteps = self.config.timesteps
        self.training = self.config.training
        self.shapes = infer_shapes(self.spec, self.config.input_shape)
        self.order = list(self.spec.order)
        self.edges = self.spec.edges
        self.rules = {node.name: rule_for(node) for node in self.order}
        self.static = {n.name for n in self.order if n.static}
        self._check_graph()
        self.output = self.order[-1].name
        out_shape = self.shapes[self.output]["output"]
        if len(out_shape) != 1:
            raise ConfigError(f"node '{self.output}'", f"the engine trains on the last node's output, which has shape "
                              f"{list(out_shape)}", "a spec ending in a vector of class scores (e.g. flatten then linear)")
        self.classes = out_shape[0]
        rng = np.random.default_rng(seed)
        self.params = {node.name: self.rules[node.name].init(node, self.shapes[node.name]["inputs"], rng, self.dtype)
                       for node in self.order}
        self.chains = self._chains()
        self.kept = self._kept_outputs()

    # ---- construction ------------------------------------------------------
    def _check_graph(self) -> None:
        for node in self.order:
            self.rules[node.name].check(node)
            if node.name in self.static:
                if self.rules[node.name].neuron:
                    raise ConfigError(f"node '{node.name}' field 'static'", "a neuron site cannot be static in the engine",
                                      "static: false on neuron nodes")
                for src in self.edges[node.name]:
                    if src != INPUT_NAME and src not in self.static:
                        raise ConfigError(f"node '{node.name}' field 'static'",
                                          f"a static node computed once cannot read the time-varying node '{src}'",
                                          "static nodes fed by the input or other static nodes only")

    def _chains(self) -> dict:
        buffers = sharing_buffers(self.spec, self.shapes, self.config.sharing, self.config.grouping)
        nodes = self.spec.node_map
        decays = {n.name: self.rules[n.name].decay(self.options) for n in self.spec.neuron_nodes}
        chains = {}
        for buf in buffers:
            shape = tuple(buf.shape)
            grid = window_grid(self.config.sharing, len(shape) - 1) if buf.windows != 1 else None
            slices = chain_slices(shape, self.config.sharing.channel_groups, grid)
            chain = MembraneChain(buf, nodes, slices, decays, self.options)
            for member in buf.members:
                chains[member] = chain
        return chains

    def _kept_outputs(self) -> set:
        """Outputs the backward pass needs: the inputs of kinds whose rule keeps its input
        and, under reverse recomputation, every neuron site's spikes (Eq. 18-19 need O)."""
        kept = set()
        for node in self.order:
            if self.rules[node.name].keeps_input:
                kept.update(src for src in self.edges[node.name] if src != INPUT_NAME)
        if self.training == "reverse":
            kept.update(n.name for n in self.spec.neuron_nodes)
        return kept

    @property
    def unique_chains(self) -> list:
        seen, out = set(), []
        for chain in self.chains.values():
            if id(chain) not in seen:
                seen.add(id(chain))
                out.append(chain)
        return out

    def trainable(self) -> dict:
        """name -> {parameter: array} of trainable parameters (batchnorm running statistics excluded)."""
        return {name: {k: v for k, v in p.items() if not k.startswith("running_")} for name, p in self.params.items()}

    def batched(self, shape, batch):
        return (batch, *shape)

    # ---- forward -------------------------------------------------------------
    def forward(self, x, *, train: bool = True, keep: bool = True, update_running: bool = False,
                count_spikes: bool = False):
        """Class scores summed over timesteps, and the :class:`Tape` for the backward pass."""
        x = np.asarray(x, dtype=self.dtype)
        tape = Tape(x=x, train=train)
        for chain in self.unique_chains:
            chain.reset()
        bptt = keep and self.training == "bptt"
        scores = np.zeros((x.shape[0], self.classes), dtype=self.dtype)
        static_values: dict = {}
        for t in range(self.timesteps):
            values = {INPUT_NAME: x}
            for node in self.order:
                name = node.name
                if name in static_values:
                    values[name] = static_values[name]
                    continue
                key = (name, None if name in self.static else t)
                inputs = [values[src] for src in self.edges[name]]
                rule = self.rules[name]
                if rule.neuron:
                    membranes = np.empty_like(inputs[0]) if bptt else None
                    out = self.chains[name].forward_site(name, inputs[0], membranes)
                    if bptt:
                        tape.membranes[key] = membranes
                    if count_spikes:
                        tape.spike_counts[name] = tape.spike_counts.get(name, 0) + int(np.count_nonzero(out))
                else:
                    out, cache = rule.forward(node, self.params[name], inputs, train)
                    if cache is not None:
                        if update_running:
                            rule.update_running(node, self.params[name], cache, inputs[0].size // inputs[0].shape[1])
                        if keep:
                            tape.caches[key] = cache
                values[name] = out
                if name in self.static:
                    static_values[name] = out
                if keep and name in self.kept:
                    tape.outputs[key] = self._encode(node, out, inputs)
            scores += values[self.output]
        if keep and self.training == "reverse":
            tape.final_membranes = {chain.name: chain.membrane for chain in self.unique_chains}
        return scores, tape

    def _encode(self, node, out, inputs):
        """What the tape keeps of a node's output: spike codes for neuron sites; otherwise
        the array itself, copied when it is a view or one of the node's inputs (flatten,
        identity), so that every kept array owns its memory and is counted once."""
        if self.rules[node.name].neuron and not self.options.smooth:
            return spike_code(out, node.lanes)
        if out.base is not None or any(out is x for x in inputs):
            return out.copy()
        return out

    def _value(self, name, t, tape):
        """Node ``name``'s output at timestep ``t``: kept, or recomputed from kept inputs."""
        if name == INPUT_NAME:
            return tape.x
        node = self.spec.node_map[name]
        key = (name, None if name in self.static else t)
        if key in tape.outputs:
            kept = tape.outputs[key]
            if self.rules[name].neuron and not self.options.smooth:
                return spike_values(kept, node.lanes, self.dtype)
            return kept
        inputs = [self._value(src, t, tape) for src in self.edges[name]]
        return self.rules[name].forward(node, self.params[name], inputs, tape.train)[0]

    # ---- backward ------------------------------------------------------------
    def backward(self, tape, grad_scores) -> dict:
        """Parameter gradients for dL/d(scores) = ``grad_scores`` (the same at every timestep)."""
        grads = {name: {k: np.zeros_like(v) for k, v in p.items()} for name, p in self.trainable().items()}
        batch = tape.x.shape[0]
        reverse = self.training == "reverse"
        for chain in self.unique_chains:
            chain.grad = chain.next_decay = None
            if reverse:
                chain.membrane = tape.final_membranes[chain.name]
        dynamic = [n for n in self.order if n.name not in self.static]
        static_grads: dict = {}
        for t in range(self.timesteps - 1, -1, -1):
            pending = {self.output: grad_scores}
            for node in reversed(dynamic):
                self._backward_node(node, t, tape, pending, static_grads, grads, batch)
        for node in reversed([n for n in self.order if n.name in self.static]):
            self._backward_node(node, None, tape, static_grads, static_grads, grads, batch)
        return grads

    def _backward_node(self, node, t, tape, pending, static_grads, grads, batch):
        name = node.name
        rule = self.rules[name]
        grad_out = pending.pop(name, None)
        in_shapes = [self.batched(s, batch) for s in self.shapes[name]["inputs"]]
        if rule.neuron:
            if grad_out is None:
                grad_out = np.zeros(self.batched(self.shapes[name]["output"], batch), dtype=self.dtype)
            chain = self.chains[name]
            if self.training == "bptt":
                grad_in = [chain.backward_site(name, grad_out, membranes=tape.membranes[(name, t)])]
            else:
                x = self._value(self.edges[name][0], t, tape)
                grad_in = [chain.backward_site(name, grad_out, x=x,
                                               previous_spikes=lambda step: self._previous_spikes(chain, name, step, t, tape))]
        else:
            if grad_out is None:
                return
            xs = [self._value(src, t, tape) for src in self.edges[name]] if rule.keeps_input else None
            cache = tape.caches.get((name, t))
            grad_in = rule.backward(node, self.params[name], xs, cache, grad_out, grads[name], in_shapes)
        for src, g in zip(self.edges[name], grad_in):
            if src == INPUT_NAME:
                continue
            target = static_grads if src in self.static else pending
            target[src] = target[src] + g if src in target else g

    def _previous_spikes(self, chain, name, step, t, tape):
        """Spike values of the chain step before (site ``name``, ``step``) at timestep ``t``."""
        if step > 0:
            site, index, when = name, chain.slices[step - 1], t
        else:
            position = chain.members.index(name)
            if position > 0:
                site, when = chain.members[position - 1], t
            elif t > 0:
                site, when = chain.members[-1], t - 1
            else:
                return None
            index = chain.slices[-1]
        kept = tape.outputs[(site, when)]
        if not self.options.smooth:
            return spike_values(kept[index], self.spec.node_map[site].lanes, self.dtype)
        return kept[index]

    # ---- loss ----------------------------------------------------------------
    @staticmethod
    def cross_entropy(scores, labels):
        """Mean softmax cross-entropy of ``scores`` (summed over timesteps) and its gradient."""
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        batch = scores.shape[0]
        loss = -log_p[np.arange(batch), labels].mean()
        grad = np.exp(log_p)
        grad[np.arange(batch), labels] -= 1.0
        return float(loss), grad / batch

    def loss_and_grads(self, x, labels, *, update_running: bool = False):
        """(loss, gradients, tape) of one training step (batchnorm in training mode)."""
        scores, tape = self.forward(x, train=True, keep=True, update_running=update_running)
        loss, grad = self.cross_entropy(scores, np.asarray(labels))
        return loss, self.backward(tape, grad), tape

    def loss(self, x, labels) -> float:
        scores, _ = self.forward(x, train=True, keep=False)
        return self.cross_entropy(scores, np.asarray(labels))[0]
