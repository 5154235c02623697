"""The reference PyTorch training step of the ``pytorch`` profile, and a meter of
what autograd keeps for it (domain notes section 9).

This is a *measuring instrument*, not part of the analysis: snncost's predictions
(:mod:`snncost.training.step`) never import it.  The tests build the spec's network
here, run one BPTT step on CPU and compare the bytes counted by
``torch.autograd.graph.saved_tensors_hooks`` (each storage once, parameters
excluded) with the prediction.  torch is imported inside the functions (optional
extra ``torch``).

The step: the spec's layers as plain torch.nn modules, each built by its kind's
``torch`` rule in the registry (Conv1d/2d, BatchNorm1d/2d in training mode, Linear,
Max/AvgPool1d/2d, AdaptiveAvgPool, Flatten, Dropout, LayerNorm, LSTMCell carrying
(h, c) across timesteps; the transformer kinds' views, matmuls, products and token sums
as tensor methods); neuron sites as a plain module: ``v = x`` at the first timestep, else
``v = decay v + x`` (cubalif: ``i = decay_i i + x`` first); ``s = SpikeFn(v - theta)``
with the atan surrogate ``1 / (1 + (pi x)^2)`` saving its input; reset soft
``v = v - s.detach() theta`` or hard ``v = v (1 - s.detach())``; adds with ``+``;
static nodes run once before the time loop; T timesteps over the same input; the
last node's outputs summed over T; cross-entropy on their mean; ``loss.backward()``;
the optimizer's step.
"""
from __future__ import annotations

import math
from contextlib import nullcontext
from functools import lru_cache

DECAY = 0.5
THRESHOLD = 1.0


def _torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        from ..errors import ConfigError

        raise ConfigError("torch", "the reference step needs PyTorch", "pip install 'snncost[torch]'") from exc
    return torch


def torch_nn():
    """``torch.nn`` (for the kinds' ``torch`` rules, which build their modules with it)."""
    return _torch().nn


@lru_cache(maxsize=1)
def _classes() -> dict:
    """The modules the kinds' ``torch`` rules use besides torch.nn's own (made once torch is
    imported): the spiking neuron, and multi-input or scaling steps."""
    torch = _torch()
    nn = torch.nn

    class SpikeFn(torch.autograd.Function):
        """Heaviside forward, atan surrogate 1 / (1 + (pi x)^2) backward; saves its input."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x > 0).to(x.dtype)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad / (1 + (math.pi * x) ** 2)

    class Neuron(nn.Module):
        """v = x at the first timestep, else decay v + x (cubalif: i first); s = SpikeFn(v - theta);
        soft reset v - s.detach() theta, hard v (1 - s.detach()).  The state persists until
        :meth:`reset_state` (the start of the next step)."""

        def __init__(self, node, decay):
            super().__init__()
            self.node, self.decay = node, decay
            self.v = self.i = None

        def reset_state(self):
            self.v = self.i = None

        def forward(self, x):
            if self.node.state_variables == 2:
                self.i = x if self.i is None else DECAY * self.i + x
                x = self.i
            self.v = x if self.v is None else self.decay * self.v + x
            s = SpikeFn.apply(self.v - THRESHOLD)
            self.v = self.v - s.detach() * THRESHOLD if self.node.reset == "soft" else self.v * (1.0 - s.detach())
            return s

    class Sum(nn.Module):
        def forward(self, *xs):
            out = xs[0]
            for other in xs[1:]:
                out = out + other
            return out

    class Concat(nn.Module):
        def forward(self, *xs):
            return torch.cat(xs, dim=1)

    class Scale(nn.Module):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor

    class Function(nn.Module):
        """A step without parameters of its own (views, products, sums) around ``fn``;
        ``children`` (e.g. an nn.LayerNorm) are registered so their parameters train."""

        def __init__(self, fn, children=()):
            super().__init__()
            self.fn = fn
            self.children_ = nn.ModuleList(children)

        def forward(self, *xs):
            return self.fn(*xs)

    class Recurrent(nn.Module):
        """nn.LSTMCell over the last dimension (leading ones folded into the batch: views),
        its (h, c) carried from one timestep to the next, zeros at the first; the state
        persists until :meth:`reset_state`, as the neuron's."""

        def __init__(self, cell):
            super().__init__()
            self.cell = cell
            self.state = None

        def reset_state(self):
            self.state = None

        def forward(self, x):
            self.state = self.cell(x.reshape(-1, x.shape[-1]), self.state)
            return self.state[0].reshape(*x.shape[:-1], -1)

    return {"Neuron": Neuron, "Sum": Sum, "Concat": Concat, "Scale": Scale, "Function": Function,
            "Recurrent": Recurrent}


def neuron_module(node, leaky: bool = True):
    """The reference neuron site (decay DECAY, or 1 for a non-leaky kind)."""
    return _classes()["Neuron"](node, DECAY if leaky else 1.0)


def sum_module():
    return _classes()["Sum"]()


def concat_module():
    return _classes()["Concat"]()


def scale_module(factor):
    return _classes()["Scale"](factor)


def function_module(fn, *children):
    """A module running ``fn(*inputs)`` (the transformer kinds' views, products and sums)."""
    return _classes()["Function"](fn, children)


def recurrent_module(cell):
    """The reference recurrent site around ``cell`` (an nn.LSTMCell)."""
    return _classes()["Recurrent"](cell)


def build_network(spec, input_shape=None):
    """A ``torch.nn.ModuleDict`` with each node's module, built by its kind's ``torch`` rule
    (``rules["torch"](node, input_shapes) -> nn.Module``, called with the node's inputs),
    and the shapes."""
    from ..errors import ConfigError
    from ..kinds import kind_of
    from ..shapes import infer_shapes

    nn = torch_nn()
    shapes = infer_shapes(spec, input_shape)
    modules = {}
    for node in spec.order:
        rule = kind_of(node).rules.get("torch")
        if rule is None:
            raise ConfigError(f"node '{node.name}'", f"kind '{node.op}' has no torch rule: the reference step cannot build it",
                              "a kind registered with rules={'torch': ...}")
        modules[node.name.replace(".", "__")] = rule(node, shapes[node.name]["inputs"])
    return nn.ModuleDict(modules), shapes


def _apply(spec, modules, node, values):
    return modules[node.name.replace(".", "__")](*[values[src] for src in spec.edges[node.name]])


def _is_weight_copy(tensor) -> bool:
    """An autocast copy of a parameter: made by a cast whose input is a leaf (AccumulateGrad)."""
    fn = tensor.grad_fn
    while fn is not None and type(fn).__name__ in ("TBackward0", "TransposeBackward0", "ViewBackward0",
                                                    "PermuteBackward0", "UnsqueezeBackward0"):
        fn = fn.next_functions[0][0]
    return (fn is not None and type(fn).__name__.startswith("ToCopyBackward")
            and any(f is not None and type(f).__name__ == "AccumulateGrad" for f, _ in fn.next_functions))


class SavedMeter:
    """Counts what autograd saves: each storage once, parameters excluded, by the
    category of the node that saved it (its ``op``, ``loss`` for the loss, ``cast_weights``
    for autocast's weight copies)."""

    def __init__(self, parameters, hold: bool = True):
        self.parameter_storages = {p.untyped_storage().data_ptr() for p in parameters}
        self.seen: dict = {}
        self.keep: list = []
        self.hold = hold  # False when measuring a peak: holding would keep freed tensors alive
        self.category = "other"

    def pack(self, tensor):
        storage = tensor.untyped_storage()
        ptr = storage.data_ptr()
        if ptr not in self.parameter_storages and storage.nbytes() and ptr not in self.seen:
            self.seen[ptr] = ("cast_weights" if _is_weight_copy(tensor) else self.category, storage.nbytes())
        if self.hold:
            self.keep.append(tensor)  # keeps the storage alive, so its address stays unique
        return tensor

    @staticmethod
    def unpack(tensor):
        return tensor

    def by_category(self) -> dict:
        out: dict = {}
        for category, nbytes in self.seen.values():
            out[category] = out.get(category, 0) + nbytes
        return out

    @property
    def total(self) -> int:
        return sum(n for _, n in self.seen.values())


def measure_saved(spec, *, input=None, timesteps=None, batch=2, amp=None, seed=0, static_nodes="once",
                  device="cpu", optimizer=None, steps=1):
    """Run the reference training step; returns {"saved_bytes", "saved_by_kind"} (and, on
    CUDA, ``peak_bytes``: ``torch.cuda.max_memory_allocated`` during the last step).

    ``amp`` is None (fp32), ``"bf16"`` or ``"fp16"`` (autocast).  Kinds: the op of the node
    that saved the tensor (neuron sites under their op), ``loss``, ``cast_weights``.
    ``static_nodes``: ``once`` (static nodes before the time loop) or ``per-timestep``.
    ``optimizer`` (None: no update; ``sgd``, ``sgd-momentum``, ``adam``, ``adamw``) runs
    ``steps`` steps with gradients zeroed in place, so the last one starts with gradients
    and optimizer state allocated, as in training."""
    torch = _torch()
    from ..analysis import resolve_input_shape

    torch.manual_seed(seed)
    shape = resolve_input_shape(spec, input)
    modules, shapes = build_network(spec, shape)
    modules.to(device).train()
    T = timesteps or spec.timesteps
    x = torch.randn(batch, *shape, device=device)
    out_shape = shapes[spec.order[-1].name]["output"]
    target = torch.randint(0, out_shape[0], (batch, *out_shape[1:]), device=device)
    params = list(modules.parameters())
    opt = _optimizer(torch, optimizer, params)
    cuda = str(device).startswith("cuda")
    for step in range(steps if opt is not None else 1):
        if opt is not None:
            opt.zero_grad(set_to_none=False)
        if cuda and step == steps - 1:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        meter = SavedMeter(params, hold=not cuda)
        loss = _forward(torch, spec, modules, x, target, T, amp, static_nodes, meter, device)
        loss.backward()
        if opt is not None:
            opt.step()
        meter.keep.clear()
    result = {"saved_bytes": meter.total, "saved_by_kind": meter.by_category()}
    if cuda:
        torch.cuda.synchronize()
        result["peak_bytes"] = torch.cuda.max_memory_allocated()
    return result


def _optimizer(torch, name, params):
    if name is None:
        return None
    return {"sgd": lambda: torch.optim.SGD(params, lr=0.01),
            "sgd-momentum": lambda: torch.optim.SGD(params, lr=0.01, momentum=0.9),
            "adam": lambda: torch.optim.Adam(params), "adamw": lambda: torch.optim.AdamW(params)}[name]()


def _forward(torch, spec, modules, x, target, T, amp, static_nodes, meter, device):
    """One forward pass over T timesteps and the loss, under the meter's hooks."""
    import warnings

    for m in modules.modules():
        if hasattr(m, "reset_state"):
            m.reset_state()
    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16}
    autocast = torch.autocast(str(device).split(":")[0], dtype=dtypes[amp]) if amp else nullcontext()
    with torch.autograd.graph.saved_tensors_hooks(meter.pack, meter.unpack), autocast, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using padding='same'")  # the padded copy is counted
        values = {"input": x}
        static = {"input"}
        for node in spec.order:
            if static_nodes == "once" and node.static and all(src in static for src in spec.edges[node.name]):
                meter.category = node.op
                values[node.name] = _apply(spec, modules, node, values)
                static.add(node.name)
        total = 0
        for _t in range(T):
            for node in spec.order:
                if node.name in static:
                    continue
                meter.category = node.op
                values[node.name] = _apply(spec, modules, node, values)
            total = total + values[spec.order[-1].name]
        meter.category = "loss"
        return torch.nn.functional.cross_entropy(total / T, target)
