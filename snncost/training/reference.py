"""The reference PyTorch training step of the ``pytorch`` profile, and a meter of
what autograd keeps for it (domain notes section 9).

This is a *measuring instrument*, not part of the analysis: snncost's predictions
(:mod:`snncost.training.step`) never import it.  The tests build the spec's network
here, run one BPTT step on CPU and compare the bytes counted by
``torch.autograd.graph.saved_tensors_hooks`` (each storage once, parameters
excluded) with the prediction.  torch is imported inside the functions (optional
extra ``torch``).

The step: the spec's layers as plain torch.nn modules (Conv1d/2d, BatchNorm1d/2d in
training mode, Linear, Max/AvgPool1d/2d, AdaptiveAvgPool, Flatten, Dropout);
neuron sites as a plain module: ``v = x`` at the first timestep, else
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

DECAY = 0.5
THRESHOLD = 1.0


def _torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on the environment
        from ..errors import ConfigError

        raise ConfigError("torch", "the reference step needs PyTorch", "pip install 'snncost[torch]'") from exc
    return torch


def _spike_function():
    torch = _torch()

    class SpikeFn(torch.autograd.Function):
        """Heaviside forward, atan surrogate backward; saves its input (the membrane)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x > 0).to(x.dtype)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad / (1 + (math.pi * x) ** 2)

    return SpikeFn


def build_network(spec, input_shape=None):
    """``torch.nn`` modules for every node of ``spec`` (a ModuleDict) and the shapes."""
    torch = _torch()
    nn = torch.nn
    from ..shapes import infer_shapes

    shapes = infer_shapes(spec, input_shape)
    spike = _spike_function()

    class Neuron(nn.Module):
        def __init__(self, node):
            super().__init__()
            self.node = node
            self.v = None
            self.i = None

        def reset_state(self):
            self.v = self.i = None

        def forward(self, x):
            node = self.node
            decay = 1.0 if node.op == "if" else DECAY
            if node.op == "cubalif":
                self.i = x if self.i is None else DECAY * self.i + x
                x = self.i
            self.v = x if self.v is None else decay * self.v + x
            s = spike.apply(self.v - THRESHOLD)
            if node.reset == "soft":
                self.v = self.v - s.detach() * THRESHOLD
            else:
                self.v = self.v * (1.0 - s.detach())
            return s

    def pair(value):
        return tuple(value) if isinstance(value, (tuple, list)) else (value, value)

    modules = {}
    for node in spec.order:
        ins = shapes[node.name]["inputs"]
        op = node.op
        if op in ("conv2d", "conv1d"):
            dims = 2 if op == "conv2d" else 1
            cls = nn.Conv2d if dims == 2 else nn.Conv1d
            kernel = pair(node.kernel)[:dims] if dims == 2 else node.kernel
            stride = pair(node.stride)[:dims] if dims == 2 else node.stride
            dilation = pair(node.dilation)[:dims] if dims == 2 else node.dilation
            padding = node.padding if isinstance(node.padding, str) else (
                pair(node.padding)[:dims] if dims == 2 else node.padding)
            modules[node.name] = cls(ins[0][0], node.out_channels, kernel, stride=stride, padding=padding,
                                     dilation=dilation, groups=node.groups, bias=node.bias)
        elif op == "linear":
            modules[node.name] = nn.Linear(ins[0][-1], node.out_features, bias=node.bias)
        elif op == "batchnorm":
            cls = nn.BatchNorm2d if len(ins[0]) == 3 else nn.BatchNorm1d
            modules[node.name] = cls(ins[0][0], affine=node.affine)
        elif op.endswith(("pool2d", "pool1d")):
            dims = 2 if op.endswith("2d") else 1
            stride = node.stride if node.stride is not None else node.kernel
            k, s, p = ((pair(node.kernel), pair(stride), pair(node.padding)) if dims == 2
                       else (pair(node.kernel)[0], pair(stride)[0], pair(node.padding)[0]))
            if op.startswith("max"):
                modules[node.name] = (nn.MaxPool2d if dims == 2 else nn.MaxPool1d)(k, s, p)
            else:
                modules[node.name] = (nn.AvgPool2d if dims == 2 else nn.AvgPool1d)(k, s, p)
        elif op == "global_avgpool":
            modules[node.name] = nn.AdaptiveAvgPool2d(1) if len(ins[0]) == 3 else nn.AdaptiveAvgPool1d(1)
        elif op == "flatten":
            modules[node.name] = nn.Flatten()
        elif op == "dropout":
            modules[node.name] = nn.Dropout(node.p)
        elif op in ("lif", "if", "cubalif", "mlif"):
            modules[node.name] = Neuron(node)
    return nn.ModuleDict({k.replace(".", "__"): v for k, v in modules.items()}), shapes


def _apply(spec, modules, node, values):
    torch = _torch()
    ins = [values[src] for src in spec.edges[node.name]]
    if node.op == "add":
        out = ins[0]
        for other in ins[1:]:
            out = out + other
        return out
    if node.op == "concat":
        return torch.cat(ins, dim=1)
    if node.op == "identity":
        return ins[0]
    out = modules[node.name.replace(".", "__")](ins[0])
    if node.op.startswith("sumpool"):
        k = node.kernel
        out = out * (math.prod(k) if isinstance(k, (tuple, list)) else k ** (2 if node.op.endswith("2d") else 1))
    return out


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
