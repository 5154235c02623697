"""The NumPy engine against PyTorch (a real library; skipped when torch is absent):
layer by layer (forward and gradients), and a whole BPTT step of a residual SNN whose
LIF neurons are written with torch autograd and the atan surrogate."""
from __future__ import annotations

import numpy as np
import pytest

from snncost.engine import EngineModel, EngineOptions
from snncost.engine.rules import RULES
from snncost.engine.threads import single_blas_thread
from snncost.spec import spec_from_dict

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _node(data):
    return spec_from_dict({"name": "one", "input": {"shape": data.pop("shape")}, "nodes": [data]}).nodes[0]


def _compare(node, params, x, torch_forward):
    """Engine forward and input/parameter gradients (for a random output gradient) vs torch autograd."""
    rule = RULES[node.op]
    y, cache = rule.forward(node, params, [x], True)
    gy = np.random.default_rng(0).normal(size=y.shape)
    grads = {k: np.zeros_like(v) for k, v in params.items() if not k.startswith("running_")}
    (dx,) = rule.backward(node, params, [x] if rule.keeps_input else None, cache, gy, grads, [x.shape])
    tx = torch.tensor(x, requires_grad=True)
    tp = {k: torch.tensor(v, requires_grad=not k.startswith("running_")) for k, v in params.items()}
    ty = torch_forward(tx, tp)
    ty.backward(torch.tensor(gy))
    assert np.allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert np.allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for k, g in grads.items():
        assert np.allclose(g, tp[k].grad.numpy(), rtol=1e-10, atol=1e-12), k


@pytest.mark.parametrize("fields", [
    {"kernel": 3, "stride": 2, "padding": 1, "groups": 2},
    {"kernel": [3, 2], "stride": [1, 2], "padding": [2, 0], "dilation": [2, 1]},
    {"kernel": 2, "padding": "same", "dilation": 2},
    {"kernel": 3, "padding": "valid", "groups": 4},
])
def test_conv2d_matches_torch(fields):
    node = _node({"shape": [4, 7, 6], "name": "c", "op": "conv2d", "out_channels": 8, **fields})
    rng = np.random.default_rng(1)
    params = RULES["conv2d"].init(node, [(4, 7, 6)], rng, np.float64)
    params["bias"] = rng.normal(size=8)
    padding = node.padding if isinstance(node.padding, str) else tuple(np.broadcast_to(node.padding, 2))
    _compare(node, params, rng.normal(size=(3, 4, 7, 6)),
             lambda x, p: F.conv2d(x, p["weight"], p["bias"], stride=node.stride, padding=padding,
                                   dilation=node.dilation, groups=node.groups))


@pytest.mark.parametrize("fields", [{"kernel": 3, "stride": 2, "padding": 1}, {"kernel": 4, "padding": "same", "dilation": 1}])
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv1d_matches_torch(fields):
    node = _node({"shape": [2, 9], "name": "c", "op": "conv1d", "out_channels": 3, **fields})
    rng = np.random.default_rng(2)
    params = RULES["conv1d"].init(node, [(2, 9)], rng, np.float64)
    _compare(node, params, rng.normal(size=(2, 2, 9)),
             lambda x, p: F.conv1d(x, p["weight"], p["bias"], stride=node.stride, padding=node.padding,
                                   dilation=node.dilation))


@pytest.mark.parametrize("op", ["avgpool2d", "maxpool2d", "avgpool1d", "maxpool1d"])
def test_pooling_matches_torch(op):
    two = op.endswith("2d")
    shape = [3, 7, 6] if two else [3, 9]
    node = _node({"shape": list(shape), "name": "p", "op": op, "kernel": 3, "stride": 2, "padding": 1})
    x = np.random.default_rng(3).normal(size=(2, *shape))
    pool = {"avgpool2d": F.avg_pool2d, "maxpool2d": F.max_pool2d, "avgpool1d": F.avg_pool1d, "maxpool1d": F.max_pool1d}[op]
    _compare(node, {}, x, lambda t, p: pool(t, 3, 2, 1))


@pytest.mark.parametrize("shape", [[4, 5, 3], [4, 6]])
def test_batchnorm_training_matches_torch(shape):
    node = _node({"shape": list(shape), "name": "bn", "op": "batchnorm"})
    rng = np.random.default_rng(4)
    params = {"weight": rng.normal(size=4), "bias": rng.normal(size=4), "running_mean": np.zeros(4), "running_var": np.ones(4)}
    _compare(node, params, rng.normal(2.0, 3.0, size=(3, *shape)),
             lambda x, p: F.batch_norm(x, None, None, p["weight"], p["bias"], training=True, eps=1e-5))
    # running statistics: momentum 0.1, unbiased variance (as torch)
    x = rng.normal(size=(3, *shape))
    _, cache = RULES["batchnorm"].forward(node, params, [x], True)
    RULES["batchnorm"].update_running(node, params, cache, x.size // 4)
    rm, rv = torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    F.batch_norm(torch.tensor(x), rm, rv, training=True, momentum=0.1, eps=1e-5)
    assert np.allclose(params["running_mean"], rm.numpy())
    assert np.allclose(params["running_var"], rv.numpy())


class _Spike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return (v > 0).to(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        return grad / (1 + (np.pi * v) ** 2)


def test_whole_bptt_step_matches_torch_autograd():
    """A residual SNN (conv, batchnorm in training mode, LIF with soft reset, add, avg pool,
    flatten, linear), T = 3, scheme none: U = lambda (U - theta O) + X with the reset path in
    the graph, O = H(U - theta) with the atan surrogate; scores summed over T; mean
    cross-entropy.  Every parameter gradient of the engine equals autograd's."""
    data = {"name": "r", "input": {"shape": [2, 6, 6]}, "timesteps": 3, "nodes": [
        {"name": "conv1", "op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1},
        {"name": "bn1", "op": "batchnorm"}, {"name": "lif1", "op": "lif"},
        {"name": "conv2", "op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1},
        {"name": "add", "op": "add", "inputs": ["conv2", "lif1"]}, {"name": "lif2", "op": "lif"},
        {"name": "pool", "op": "avgpool2d", "kernel": 2}, {"name": "flat", "op": "flatten"},
        {"name": "fc", "op": "linear", "out_features": 3}]}
    decay, theta = 0.7, 1.0
    with single_blas_thread():
        model = EngineModel(spec_from_dict(data), training="bptt", options=EngineOptions(decay=decay))
        rng = np.random.default_rng(5)
        x = rng.normal(1.0, 1.0, size=(4, 2, 6, 6))
        labels = np.array([0, 1, 2, 1])
        loss, grads, _ = model.loss_and_grads(x, labels)
    p = {(n, k): torch.tensor(v, requires_grad=True) for n, d in model.trainable().items() for k, v in d.items()}
    tx = torch.tensor(x)
    state = {}
    scores = 0
    for _ in range(3):
        h = F.conv2d(tx, p["conv1", "weight"], p["conv1", "bias"], padding=1)
        h = F.batch_norm(h, None, None, p["bn1", "weight"], p["bn1", "bias"], training=True, eps=1e-5)
        u1 = h if "lif1" not in state else decay * (state["lif1"][0] - theta * state["lif1"][1]) + h
        o1 = _Spike.apply(u1 - theta)
        state["lif1"] = (u1, o1)
        h2 = F.conv2d(o1, p["conv2", "weight"], p["conv2", "bias"], padding=1) + o1
        u2 = h2 if "lif2" not in state else decay * (state["lif2"][0] - theta * state["lif2"][1]) + h2
        o2 = _Spike.apply(u2 - theta)
        state["lif2"] = (u2, o2)
        out = F.avg_pool2d(o2, 2).flatten(1)
        scores = scores + F.linear(out, p["fc", "weight"], p["fc", "bias"])
    torch_loss = F.cross_entropy(scores, torch.tensor(labels))
    torch_loss.backward()
    assert loss == pytest.approx(torch_loss.item(), rel=1e-12)
    for (name, key), tensor in p.items():
        assert np.allclose(grads[name][key], tensor.grad.numpy(), rtol=1e-9, atol=1e-12), (name, key)


def test_batchnorm_evaluation_matches_torch():
    node = _node({"shape": [3, 4, 4], "name": "bn", "op": "batchnorm"})
    rng = np.random.default_rng(6)
    params = {"weight": rng.normal(size=3), "bias": rng.normal(size=3), "running_mean": rng.normal(size=3),
              "running_var": rng.uniform(0.5, 2.0, size=3)}
    x = rng.normal(size=(2, 3, 4, 4))
    rule = RULES["batchnorm"]
    y, cache = rule.forward(node, params, [x], False)
    gy = rng.normal(size=y.shape)
    grads = {"weight": np.zeros(3), "bias": np.zeros(3)}
    (dx,) = rule.backward(node, params, [x], cache, gy, grads, [x.shape])
    tx = torch.tensor(x, requires_grad=True)
    w, b = torch.tensor(params["weight"], requires_grad=True), torch.tensor(params["bias"], requires_grad=True)
    ty = F.batch_norm(tx, torch.tensor(params["running_mean"]), torch.tensor(params["running_var"]), w, b,
                      training=False, eps=1e-5)
    ty.backward(torch.tensor(gy))
    assert np.allclose(y, ty.detach().numpy()) and np.allclose(dx, tx.grad.numpy())
    assert np.allclose(grads["weight"], w.grad.numpy()) and np.allclose(grads["bias"], b.grad.numpy())


def test_sgd_momentum_matches_torch():
    from snncost.engine.train import sgd_step

    rng = np.random.default_rng(7)
    w = rng.normal(size=(3, 2))
    params, velocity = {"fc": {"weight": w.copy()}}, {}
    tw = torch.tensor(w, requires_grad=True)
    optimizer = torch.optim.SGD([tw], lr=0.05, momentum=0.9)
    for _ in range(3):
        g = rng.normal(size=(3, 2))
        sgd_step(params, {"fc": {"weight": g}}, velocity, 0.05, 0.9)
        tw.grad = torch.tensor(g)
        optimizer.step()
    assert np.allclose(params["fc"]["weight"], tw.detach().numpy(), rtol=1e-14)
