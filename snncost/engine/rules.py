"""Forward and backward rules of the engine, one per node kind (the table :data:`RULES`).

A rule knows, for its kind: the parameters it owns (``init``), whether its backward
needs its inputs (``keeps_input``: the engine then keeps them, once per producer),
``forward(node, params, xs, train) -> (y, cache)`` and ``backward(node, params, xs,
cache, gy) -> [dx per input]`` (accumulating parameter gradients into ``grads``).
Arrays carry the batch first: ``(B, C, H, W)``, ``(B, C, L)`` or ``(B, F)``.
Neuron kinds are in the table too (:class:`NeuronRule`) but their dynamics run in
:mod:`snncost.engine.neurons`, across the sites of a sharing buffer.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from ..kinds.registry import get_kind, kind_of, node_kinds
from . import ops

BN_EPS = 1e-5
BN_MOMENTUM = 0.1


def _spatial(node, x):
    """(view of x as a 2-D map, kernel, stride, dilation, pads) for conv/pool nodes."""
    one_d = node.op.endswith("1d")
    xm = x[:, :, None, :] if one_d else x
    if node.op.startswith("conv"):
        kernel, stride, dilation = (ops.pair(node.kernel), ops.pair(node.stride), ops.pair(node.dilation))
        padding = node.padding
    else:
        kernel = ops.pair(node.kernel)
        stride = ops.pair(node.stride if node.stride is not None else node.kernel)
        dilation, padding = (1, 1), node.padding
    if one_d:
        kernel, stride, dilation = (1, kernel[0]), (1, stride[0]), (1, dilation[0])
    if padding == "same":
        pads = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            pads.append((total // 2, total - total // 2))
        pads = tuple(pads)
    elif padding == "valid":
        pads = ((0, 0), (0, 0))
    else:
        p = ops.pair(padding)
        pads = ((0, 0), (p[0], p[0])) if one_d else ((p[0], p[0]), (p[1], p[1]))
    size = [xm.shape[2] + sum(pads[0]), xm.shape[3] + sum(pads[1])]
    out = tuple((s - d * (k - 1) - 1) // st + 1 for s, k, st, d in zip(size, kernel, stride, dilation))
    return xm, kernel, stride, dilation, pads, out


def _uniform(rng, shape, fan_in, dtype):
    bound = np.sqrt(6.0 / max(fan_in, 1))  # He-uniform
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


class Rule:
    keeps_input = False
    neuron = False

    def init(self, node, in_shapes, rng, dtype) -> dict:
        return {}

    def update_running(self, node, params, cache, count) -> None:
        """After a training forward: running statistics (batchnorm only)."""

    def check(self, node) -> None:
        """Refuse node settings the engine cannot run (before any computation)."""


class ConvRule(Rule):
    keeps_input = True

    def init(self, node, in_shapes, rng, dtype):
        c_in = in_shapes[0][0]
        kernel = ops.pair(node.kernel) if node.op == "conv2d" else (node.kernel,)
        shape = (node.out_channels, c_in // node.groups, *kernel)
        fan_in = int(np.prod(shape[1:]))
        params = {"weight": _uniform(rng, shape, fan_in, dtype)}
        if node.bias:
            params["bias"] = np.zeros(node.out_channels, dtype=dtype)
        return params

    def forward(self, node, params, xs, train):
        xm, kernel, stride, dilation, pads, out = _spatial(node, xs[0])
        w = params["weight"] if node.op == "conv2d" else params["weight"][:, :, None, :]
        y = ops.conv_forward(xm, w, params.get("bias"), stride, pads, dilation, node.groups, out)
        return (y[:, :, 0, :] if node.op == "conv1d" else y), None

    def backward(self, node, params, xs, cache, gy, grads, in_shapes):
        xm, kernel, stride, dilation, pads, out = _spatial(node, xs[0])
        w = params["weight"] if node.op == "conv2d" else params["weight"][:, :, None, :]
        gm = gy[:, :, None, :] if node.op == "conv1d" else gy
        dx, dw, db = ops.conv_backward(xm, w, gm, stride, pads, dilation, node.groups)
        grads["weight"] += dw.reshape(params["weight"].shape)
        if "bias" in params:
            grads["bias"] += db
        return [dx[:, :, 0, :] if node.op == "conv1d" else dx]


class LinearRule(Rule):
    keeps_input = True

    def init(self, node, in_shapes, rng, dtype):
        f_in = in_shapes[0][-1]
        params = {"weight": _uniform(rng, (node.out_features, f_in), f_in, dtype)}
        if node.bias:
            params["bias"] = np.zeros(node.out_features, dtype=dtype)
        return params

    def forward(self, node, params, xs, train):
        y = xs[0] @ params["weight"].T
        return (y + params["bias"] if "bias" in params else y), None

    def backward(self, node, params, xs, cache, gy, grads, in_shapes):
        x = xs[0]
        grads["weight"] += gy.reshape(-1, gy.shape[-1]).T @ x.reshape(-1, x.shape[-1])
        if "bias" in params:
            grads["bias"] += gy.reshape(-1, gy.shape[-1]).sum(axis=0)
        return [gy @ params["weight"]]


class PoolRule(Rule):
    def __init__(self, kind):
        self.kind = kind
        self.keeps_input = kind == "max"  # max pooling routes the gradient by its input

    def forward(self, node, params, xs, train):
        xm, kernel, stride, _, pads, out = _spatial(node, xs[0])
        y = ops.pool_forward(xm, self.kind, kernel, stride, pads, out)
        return (y[:, :, 0, :] if node.op.endswith("1d") else y), None

    def backward(self, node, params, xs, cache, gy, grads, in_shapes):
        x = xs[0] if xs is not None else np.zeros(in_shapes[0], dtype=gy.dtype)
        xm, kernel, stride, _, pads, out = _spatial(node, x)
        gm = gy[:, :, None, :] if node.op.endswith("1d") else gy
        dx = ops.pool_backward(xm, self.kind, gm, kernel, stride, pads)
        return [dx[:, :, 0, :] if node.op.endswith("1d") else dx]


class GlobalAvgPoolRule(Rule):
    def forward(self, node, params, xs, train):
        x = xs[0]
        return x.mean(axis=tuple(range(2, x.ndim)), keepdims=True), None

    def backward(self, node, params, xs, cache, gy, grads, in_shapes):
        return [np.broadcast_to(gy / np.prod(in_shapes[0][2:]), in_shapes[0]).copy()]


class FlattenRule(Rule):
    def forward(self, node, params, xs, train):
        return xs[0].reshape(xs[0].shape[0], -1), None

    def backward(self, node, params, xs, cache, gy, grads, in_shapes):
        return [gy.reshape(in_shapes[0])]


class AddRule(Rule):
    def forward(self, node, params, xs, train):
        y = xs[0].copy()
        for x in xs[1:]:
            y += x
        return y, None

    def backward(self, node, params, xs, cache, gy, grads, in_shapes):
        return [gy for _ in in_shapes]


class ConcatRule(Rule):
    def forward(self, node, params, xs, train):
        return np.concatenate(xs, axis=1), None

    def backward(self, node, params, xs, cache, gy, grads, in_shapes):
        cuts = np.cumsum([s[1] for s in in_shapes])[:-1]
        return list(np.split(gy, cuts, axis=1))


class IdentityRule(Rule):
    def check(self, node):
        if getattr(node, "p", 0.0):
            raise ConfigError(f"node '{node.name}' field 'p'", f"the engine does not apply dropout (p = {node.p})",
                              "p: 0 (the engine is deterministic), or op identity")

    def forward(self, node, params, xs, train):
        return xs[0], None

    def backward(self, node, params, xs, cache, gy, grads, in_shapes):
        return [gy]


class BatchNormRule(Rule):
    """Batch normalisation over the batch and spatial axes, per channel (axis 1).

    Training: batch statistics (biased variance), kept per call for the backward;
    running statistics updated with momentum 0.1 (unbiased variance), as PyTorch.
    Evaluation: running statistics."""

    keeps_input = True

    def init(self, node, in_shapes, rng, dtype):
        c = in_shapes[0][0]
        params = {"running_mean": np.zeros(c, dtype=dtype), "running_var": np.ones(c, dtype=dtype)}
        if node.affine:
            params.update(weight=np.ones(c, dtype=dtype), bias=np.zeros(c, dtype=dtype))
        return params

    @staticmethod
    def _axes(x):
        return (0,) + tuple(range(2, x.ndim))

    @staticmethod
    def _channel(v, x):
        return v.reshape((1, -1) + (1,) * (x.ndim - 2))

    def forward(self, node, params, xs, train):
        x = xs[0]
        if train:
            mean = x.mean(axis=self._axes(x))
            var = x.var(axis=self._axes(x))
            invstd = 1.0 / np.sqrt(var + BN_EPS)
            cache = (mean, invstd)
        else:
            mean, invstd = params["running_mean"], 1.0 / np.sqrt(params["running_var"] + BN_EPS)
            cache = None
        y = (x - self._channel(mean, x)) * self._channel(invstd, x)
        if node.affine:
            y = y * self._channel(params["weight"], x) + self._channel(params["bias"], x)
        return y, cache

    def update_running(self, node, params, cache, count):
        mean, invstd = cache
        var = 1.0 / invstd ** 2 - BN_EPS
        unbiased = var * count / max(count - 1, 1)
        params["running_mean"] *= 1 - BN_MOMENTUM
        params["running_mean"] += BN_MOMENTUM * mean
        params["running_var"] *= 1 - BN_MOMENTUM
        params["running_var"] += BN_MOMENTUM * unbiased

    def backward(self, node, params, xs, cache, gy, grads, in_shapes):
        x = xs[0]
        if cache is None:
            mean, invstd = params["running_mean"], 1.0 / np.sqrt(params["running_var"] + BN_EPS)
        else:
            mean, invstd = cache
        xhat = (x - self._channel(mean, x)) * self._channel(invstd, x)
        axes = self._axes(x)
        if node.affine:
            grads["weight"] += (gy * xhat).sum(axis=axes)
            grads["bias"] += gy.sum(axis=axes)
            gxhat = gy * self._channel(params["weight"], x)
        else:
            gxhat = gy
        if cache is None:
            return [gxhat * self._channel(invstd, x)]
        m = x.size // x.shape[1]
        term = gxhat.sum(axis=axes) / m
        proj = (gxhat * xhat).sum(axis=axes) / m
        return [(gxhat - self._channel(term, x) - xhat * self._channel(proj, x)) * self._channel(invstd, x)]


class NeuronRule(Rule):
    """A spiking neuron kind: its leak and lane count (dynamics in :mod:`snncost.engine.neurons`)."""

    neuron = True

    def __init__(self, leaky: bool):
        self.leaky = leaky

    def decay(self, options) -> float:
        return options.decay if self.leaky else 1.0


RULES: dict[str, Rule] = {
    "conv2d": ConvRule(), "conv1d": ConvRule(), "linear": LinearRule(),
    "avgpool2d": PoolRule("avg"), "avgpool1d": PoolRule("avg"),
    "maxpool2d": PoolRule("max"), "maxpool1d": PoolRule("max"),
    "sumpool2d": PoolRule("sum"), "sumpool1d": PoolRule("sum"),
    "global_avgpool": GlobalAvgPoolRule(), "flatten": FlattenRule(), "add": AddRule(), "concat": ConcatRule(),
    "batchnorm": BatchNormRule(), "identity": IdentityRule(), "dropout": IdentityRule(),
    "lif": NeuronRule(leaky=True), "if": NeuronRule(leaky=False), "mlif": NeuronRule(leaky=True),
}
"""The engine rule of each built-in kind.  On import they are attached to the node-kind
registry as each kind's ``rules["numpy"]`` (the key the registry reserves for the engine;
they are attached here, not in :mod:`snncost.kinds`, so that ``import snncost`` does not
load the engine).  A user kind registered with ``rules={"numpy": rule}`` runs too.
Kinds without a rule (``cubalif``) are refused by the engine."""
RULE_KEY = "numpy"


def _attach() -> None:
    for op, rule in RULES.items():
        get_kind(op).rules.setdefault(RULE_KEY, rule)


def rule_for(node) -> Rule:
    """The engine rule of ``node``'s kind, from the node-kind registry."""
    rule = kind_of(node).rules.get(RULE_KEY) or RULES.get(node.op)
    if rule is None:
        with_rule = sorted(op for op in node_kinds() if get_kind(op).rules.get(RULE_KEY))
        raise ConfigError(f"node '{node.name}' field 'op'", f"the engine has no rule for '{node.op}' nodes",
                          "a spec using " + ", ".join(with_rule))
    return rule


_attach()
