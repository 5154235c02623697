"""The NumPy engine (issue #11): forward dynamics against EfficientLIF-Net's equations
worked by hand, gradients (reverse recomputation vs store-everything vs finite
differences) on random specs from hypothesis, the memory tally against snncost's
``lif_backward_bits`` and against an independent count, ops against naive loops, the CLI.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snncost import analyze
from snncost.cli import main
from snncost.errors import ConfigError
from snncost.spec import spec_from_dict
from snncost.engine import EngineModel, EngineOptions, tally, train
from snncost.engine import ops
from snncost.engine.checks import check_model, finite_difference_err, grad_rel_err
from snncost.engine.spikes import PRIMITIVES, fire
from snncost.engine.threads import single_blas_thread
from snncost.engine.verify import MAX_AMPLIFICATION, SCHEMES, chain_steps, random_spec


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with single_blas_thread():
        yield


def vector_net(features: int, weights: list, *, timesteps: int, ops_=("lif",), reset="soft", lanes=None) -> dict:
    """input (F,) -> [linear (no bias) -> neuron] per weight matrix but the last -> linear (no bias)."""
    nodes = []
    for i, _ in enumerate(weights[:-1], start=1):
        nodes.append({"name": f"fc{i}", "op": "linear", "out_features": features, "bias": False})
        op = ops_[(i - 1) % len(ops_)]
        node = {"name": f"n{i}", "op": op, "reset": reset}
        if op == "mlif":
            node["lanes"] = lanes
        nodes.append(node)
    nodes.append({"name": "out", "op": "linear", "out_features": len(weights[-1]), "bias": False})
    return {"name": "hand", "input": {"shape": [features]}, "timesteps": timesteps, "nodes": nodes}


def run_hand(data, weights, x, sharing, *, decay=0.5):
    model = EngineModel(spec_from_dict(data), sharing=sharing, training="bptt", options=EngineOptions(decay=decay))
    for i, w in enumerate(weights[:-1], start=1):
        model.params[f"fc{i}"]["weight"][...] = w
    model.params["out"]["weight"][...] = weights[-1]
    scores, tape = model.forward(np.array([x]), train=True)
    membranes = {key: value[0].tolist() for key, value in tape.membranes.items()}
    return scores[0].tolist(), membranes


# ---------------------------------------------------------------------------
# Forward dynamics worked by hand (lambda = 0.5, theta = 1; every value is a dyadic
# fraction, so float64 holds it exactly and the comparisons are exact)
# ---------------------------------------------------------------------------

def test_forward_none_by_hand():
    """Eq. 1-2 with soft reset, each neuron alone: U[t] = 0.5 (U[t-1] - O[t-1]) + x.
    x = 0.625: U = 0.625, 0.5*0.625 + 0.625 = 0.9375, 0.5*0.9375 + 0.625 = 1.09375 -> spikes 0, 0, 1.
    x = 1.5:   U = 1.5 -> 1; 0.5*(1.5 - 1) + 1.5 = 1.75 -> 1; 0.5*0.75 + 1.5 = 1.875 -> 1."""
    EYE = [[1.0, 0.0], [0.0, 1.0]]
    scores, mem = run_hand(vector_net(2, [EYE, EYE], timesteps=3), [EYE, EYE], [0.625, 1.5], "none")
    assert mem[("n1", 0)] == [0.625, 1.5]
    assert mem[("n1", 1)] == [0.9375, 1.75]
    assert mem[("n1", 2)] == [1.09375, 1.875]
    assert scores == [1.0, 3.0]  # spikes summed over T


def test_forward_channel_groups_by_hand():
    """C2 (Eq. 7-11): the two features are two channel groups processed in order, carrying one membrane.
    t1: g1 U = 0.625 -> 0;  g2 U = 0.5*(0.625 - 0) + 1.5 = 1.8125 -> 1           (Eq. 8)
    t2: g1 U = 0.5*(1.8125 - 1) + 0.625 = 1.03125 -> 1                            (Eq. 11)
        g2 U = 0.5*(1.03125 - 1) + 1.5 = 1.515625 -> 1
    t3: g1 U = 0.5*0.515625 + 0.625 = 0.8828125 -> 0;  g2 U = 0.5*0.8828125 + 1.5 = 1.94140625 -> 1."""
    EYE = [[1.0, 0.0], [0.0, 1.0]]
    scores, mem = run_hand(vector_net(2, [EYE, EYE], timesteps=3), [EYE, EYE], [0.625, 1.5], "C2")
    assert mem[("n1", 0)] == [0.625, 1.8125]
    assert mem[("n1", 1)] == [1.03125, 1.515625]
    assert mem[("n1", 2)] == [0.8828125, 1.94140625]
    assert scores == [1.0, 3.0]


def test_forward_layer_sharing_by_hand():
    """L (Eq. 4-6): n1 and n2 share one membrane; x = 1.25, W2 = 1.5.
    t1: n1 U = 1.25 -> 1;  n2 U = 0.5*(1.25 - 1) + 1.5*1 = 1.625 -> 1                (Eq. 4)
    t2: n1 U = 0.5*(1.625 - 1) + 1.25 = 1.5625 -> 1                                  (Eq. 6)
        n2 U = 0.5*(1.5625 - 1) + 1.5 = 1.78125 -> 1
    t3: n1 U = 0.5*0.78125 + 1.25 = 1.640625;  n2 U = 0.5*0.640625 + 1.5 = 1.8203125.
    Unshared, n2 would see U = 1.5, 1.75, 1.875."""
    weights = [[[1.0]], [[1.5]], [[1.0]]]
    data = vector_net(1, weights, timesteps=3)
    _, mem = run_hand(data, weights, [1.25], "L")
    assert [mem[("n1", t)] for t in range(3)] == [[1.25], [1.5625], [1.640625]]
    assert [mem[("n2", t)] for t in range(3)] == [[1.625], [1.78125], [1.8203125]]
    _, alone = run_hand(data, weights, [1.25], "none")
    assert [alone[("n2", t)] for t in range(3)] == [[1.5], [1.75], [1.875]]


def test_forward_layer_and_channel_sharing_by_hand():
    """L+C2 (Eq. 12-14): n1 g1, n1 g2, n2 g1, n2 g2 in order, one membrane; x = (1.25, 0.25), W2 = 1.5 I.
    t1: n1 g1 U = 1.25 -> 1;  n1 g2 U = 0.5*(1.25 - 1) + 0.25 = 0.375 -> 0
        n2 g1 U = 0.5*(0.375 - 0) + 1.5*1 = 1.6875 -> 1                               (Eq. 13)
        n2 g2 U = 0.5*(1.6875 - 1) + 1.5*0 = 0.34375 -> 0
    t2: n1 g1 U = 0.5*0.34375 + 1.25 = 1.421875 -> 1                                  (Eq. 14)
        n1 g2 U = 0.5*0.421875 + 0.25 = 0.4609375;  n2 g1 U = 0.5*0.4609375 + 1.5 = 1.73046875
        n2 g2 U = 0.5*0.73046875 + 0 = 0.365234375."""
    EYE = [[1.0, 0.0], [0.0, 1.0]]
    weights = [EYE, [[1.5, 0.0], [0.0, 1.5]], EYE]
    scores, mem = run_hand(vector_net(2, weights, timesteps=2), weights, [1.25, 0.25], "L+C2")
    assert mem[("n1", 0)] == [1.25, 0.375] and mem[("n2", 0)] == [1.6875, 0.34375]
    assert mem[("n1", 1)] == [1.421875, 0.4609375] and mem[("n2", 1)] == [1.73046875, 0.365234375]
    assert scores == [2.0, 0.0]


def test_forward_windows_by_hand():
    """W4 (seed 002 Sec. 3.1): a 2x2 map, four 1x1 windows in row-major order, one membrane.
    x = [[0.625, 1.5], [0.25, 0.75]]:
    t1: w1 U = 0.625 -> 0;  w2 U = 0.5*0.625 + 1.5 = 1.8125 -> 1
        w3 U = 0.5*(1.8125 - 1) + 0.25 = 0.65625 -> 0;  w4 U = 0.5*0.65625 + 0.75 = 1.078125 -> 1
    t2: w1 U = 0.5*(1.078125 - 1) + 0.625 = 0.6640625 -> 0;  w2 U = 0.5*0.6640625 + 1.5 = 1.83203125."""
    data = {"name": "w", "input": {"shape": [1, 2, 2]}, "timesteps": 2, "nodes": [
        {"name": "conv", "op": "conv2d", "out_channels": 1, "kernel": 1, "bias": False},
        {"name": "n1", "op": "lif"}, {"name": "flat", "op": "flatten"},
        {"name": "out", "op": "linear", "out_features": 4, "bias": False}]}
    model = EngineModel(spec_from_dict(data), sharing="W4", training="bptt", options=EngineOptions(decay=0.5))
    model.params["conv"]["weight"][...] = 1.0
    _, tape = model.forward(np.array([[[[0.625, 1.5], [0.25, 0.75]]]]))
    assert tape.membranes[("n1", 0)][0, 0].tolist() == [[0.625, 1.8125], [0.65625, 1.078125]]
    assert tape.membranes[("n1", 1)][0, 0, 0].tolist() == [0.6640625, 1.83203125]


def test_forward_multilevel_and_hard_reset_by_hand():
    """One-hot multi-level LIF, S = 3 lanes (domain notes section 4): lane s fires 2^s when
    2^s < U <= 2^(s+1) (theta = 1), top lane above 4; soft reset subtracts the value.
    x = 3: U = 3 -> 2 (lane 1); U = 0.5*(3 - 2) + 3 = 3.5 -> 2; U = 0.5*1.5 + 3 = 3.75 -> 2: sum 6.
    x = 5: U = 5 -> 4 (top lane); 0.5*1 + 5 = 5.5 -> 4; 0.5*1.5 + 5 = 5.75 -> 4: sum 12.
    Hard reset (LIF), x = 1.5: U = 1.5 -> 1, then 0.5*0 + 1.5 each step: sum 3, membranes all 1.5."""
    EYE = [[1.0, 0.0], [0.0, 1.0]]
    scores, mem = run_hand(vector_net(2, [EYE, EYE], timesteps=3, ops_=("mlif",), lanes=3), [EYE, EYE], [3.0, 5.0], "none")
    assert scores == [6.0, 12.0]
    assert [mem[("n1", t)] for t in range(3)] == [[3.0, 5.0], [3.5, 5.5], [3.75, 5.75]]
    scores, mem = run_hand(vector_net(1, [[[1.0]], [[1.0]]], timesteps=3, reset="hard"), [[[1.0]], [[1.0]]], [1.5],
                           "none")
    assert scores == [3.0] and [mem[("n1", t)] for t in range(3)] == [[1.5]] * 3


def test_multilevel_lanes_boundaries():
    u = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 4.0, 4.5, 100.0])
    out, *_ = fire(u, 3, 1.0, "atan", smooth=False)
    assert out.tolist() == [0, 0, 1, 1, 2, 2, 4, 4]  # 2^s < U <= 2^(s+1), strict at theta (Eq. 2)


# ---------------------------------------------------------------------------
# An independent transcription of Eq. 4-14 in plain Python, against the engine
# ---------------------------------------------------------------------------

def paper_forward(x, weights, *, layer: bool, groups: int, timesteps: int, lam: float, theta: float = 1.0):
    """Loops over t, layers, channel groups, neurons; one carried membrane per buffer
    (one buffer for all sites under L).  Returns membranes[(site, t)] and the summed scores."""
    features = len(x)
    size = features // groups
    carried: dict = {}
    membranes: dict = {}
    scores = [0.0] * len(weights[-1])
    for t in range(timesteps):
        signal = list(x)
        for site, w in enumerate(weights[:-1], start=1):
            drive = [sum(w[i][j] * signal[j] for j in range(features)) for i in range(features)]
            u_site, o_site = [0.0] * features, [0.0] * features
            for g in range(groups):
                key = "shared" if layer else site
                previous = carried.get(key)
                cells = range(g * size, (g + 1) * size)
                u = [drive[i] if previous is None else lam * (previous[0][k] - theta * previous[1][k]) + drive[i]
                     for k, i in enumerate(cells)]
                o = [1.0 if v > theta else 0.0 for v in u]
                carried[key] = (u, o)
                for k, i in enumerate(cells):
                    u_site[i], o_site[i] = u[k], o[k]
            membranes[(f"n{site}", t)] = u_site
            signal = o_site
        out = weights[-1]
        for i in range(len(out)):
            scores[i] += sum(out[i][j] * signal[j] for j in range(features))
    return membranes, scores


@pytest.mark.parametrize("sharing", ["none", "L", "C2", "L+C2", "C4", "L+C4"])
def test_engine_matches_transcribed_equations(sharing):
    rng = np.random.default_rng(7)
    layer, groups = sharing.startswith("L"), int(sharing[-1]) if "C" in sharing else 1
    for _ in range(5):
        features, lam = 4, float(rng.choice([0.5, 0.75, 1.0]))
        weights = [rng.normal(0.3, 0.8, size=(features, features)).tolist() for _ in range(3)] + \
                  [rng.normal(size=(3, features)).tolist()]
        x = rng.normal(1.0, 1.0, size=features).tolist()
        data = vector_net(features, weights, timesteps=4)
        expected, expected_scores = paper_forward(x, weights, layer=layer, groups=groups, timesteps=4, lam=lam)
        scores, mem = run_hand(data, weights, x, sharing, decay=lam)
        for key, values in expected.items():
            assert mem[key] == pytest.approx(values, rel=1e-12, abs=1e-12), key
        assert scores == pytest.approx(expected_scores, rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------------------
# Gradients and memory on random small specs (hypothesis), every scheme, both modes
# ---------------------------------------------------------------------------

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), scheme=st.sampled_from(SCHEMES), surrogate=st.sampled_from(["atan", "sigmoid", "triangle"]),
       seed=st.integers(0, 2**16))
def test_random_specs_gradients_and_memory(data, scheme, surrogate, seed):
    spec_data = random_spec(lambda options: data.draw(st.sampled_from(options)), spatial=True if "W" in scheme else None)
    spec = spec_from_dict(spec_data)
    steps = chain_steps(EngineModel(spec, sharing=scheme, training="bptt"))
    decay = data.draw(st.sampled_from([d for d in (0.5, 0.7, 0.9, 1.0) if d ** -steps <= MAX_AMPLIFICATION]))
    rng = np.random.default_rng(seed)
    batch = spec_data["batch"]
    x = rng.normal(size=(batch, *spec_data["input"]["shape"]))
    labels = rng.integers(0, spec_data["nodes"][-1]["out_features"], size=batch)
    result = check_model(spec, scheme, x, labels, options=EngineOptions(decay=decay, surrogate=surrogate), seed=seed)
    assert result["reverse_vs_store"] <= 1e-9
    assert result["fd_err"] <= 1e-5
    assert result["memory_mismatch_bits"] == 0


@pytest.mark.parametrize("scheme", ["none", "L", "C2", "L+C2", "W4"])
@pytest.mark.parametrize("mode", ["bptt", "reverse"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_membrane_tally_equals_lif_backward_bits(scheme, mode, dtype):
    spec = spec_from_dict(bars_net())
    model = EngineModel(spec, sharing=scheme, training=mode, options=EngineOptions(dtype=dtype))
    _, _, tape = model.loss_and_grads(np.zeros((3, 1, 8, 8)), [0, 1, 2])
    bits = 64 if dtype == "float64" else 32
    report = analyze(spec, batch=3, sharing=scheme, training=mode, membrane_bits=bits)
    counted = tally(model, tape)
    assert counted["categories"]["membranes"] == report.totals["lif_backward_bits"]
    per_layer = {row["name"]: row["lif_backward_bits"] for row in report.rows if row["lif_backward_bits"]}
    assert {k: v["membranes"] for k, v in counted["layers"].items() if v["membranes"]} == per_layer


def bars_net(size: int = 8) -> dict:
    return {"name": "bars", "input": {"shape": [1, size, size]}, "timesteps": 2, "nodes": [
        {"name": "conv1", "op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1},
        {"name": "bn1", "op": "batchnorm"}, {"name": "lif1", "op": "lif"},
        {"name": "conv2", "op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1},
        {"name": "bn2", "op": "batchnorm"}, {"name": "lif2", "op": "lif"},
        {"name": "conv3", "op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1},
        {"name": "add3", "op": "add", "inputs": ["conv3", "lif1"]}, {"name": "lif3", "op": "lif"},
        {"name": "pool", "op": "avgpool2d", "kernel": 2}, {"name": "flat", "op": "flatten"},
        {"name": "fc", "op": "linear", "out_features": 3}]}


@pytest.mark.parametrize("mode", ["bptt", "reverse"])
def test_whole_tally_by_independent_count(mode):
    """The tally's rules (docs/engine.md) counted by hand for bars_net, B = 3, T = 2, float64:
    a site holds 4 x 8 x 8 = 256 neurons; per timestep and sample
    - layer inputs: conv1, conv2 outputs (batchnorm inputs, 256 each) and flat (fc input, 4 x 4 x 4 = 64)
      -> 576 values x 64 bits; conv3's output feeds an add and is not kept;
    - spikes (uint8 codes, 8 bits): lif1, lif2 (conv inputs) -> 512; under reverse lif3 too -> 768;
    - batchnorm statistics: 2 layers x (mean, 1/std) x 4 channels x 64 bits, per timestep (not per sample);
    - membranes: bptt 3 sites x 256 x 64 per timestep and sample; reverse (none) 3 x 256 x 64 once per sample;
    - other: nothing; the input batch (64 values x 64 bits per sample) is reported apart, not in the total.
    flat's output is a view of pool's: the tape keeps it as its own array (a copy), counted once."""
    B, T = 3, 2
    spec = spec_from_dict(bars_net())
    model = EngineModel(spec, sharing="none", training=mode)
    _, _, tape = model.loss_and_grads(np.ones((B, 1, 8, 8)), [0, 1, 2])
    spikes = 512 if mode == "bptt" else 768
    membranes = 3 * 256 * 64 * B * (T if mode == "bptt" else 1)
    expected = {"membranes": membranes, "spikes": spikes * 8 * B * T, "layer inputs": 576 * 64 * B * T,
                "batchnorm statistics": 2 * 2 * 4 * 64 * T, "other": 0}
    counted = tally(model, tape)
    assert counted["categories"] == expected
    assert counted["total_bits"] == sum(expected.values())
    assert counted["input_bits"] == 64 * 64 * B
    kept = [a for a in tape.outputs.values()]
    assert all(a.base is None for a in kept) and len({id(a) for a in kept}) == len(kept)


def test_reverse_needs_soft_reset():
    data = vector_net(2, [[[1, 0], [0, 1]]] * 2, timesteps=2, reset="hard")
    with pytest.raises(ConfigError, match="soft reset"):
        EngineModel(spec_from_dict(data), sharing="L", training="reverse")


def test_reverse_error_grows_like_inverse_decay_power():
    """Eq. 18-19 divide by lambda at every step: rounding grows like lambda^-k.  A chain of
    k = T x sites = 40 x 2 steps at lambda = 0.5 amplifies 2^80: reverse recomputation
    loses the gradient in float64, while lambda = 1 (IF) stays exact."""
    EYE = [[1.0, 0.0], [0.0, 1.0]]
    weights = [[[0.9, 0.1], [0.2, 0.8]], [[0.7, 0.3], [0.1, 1.2]], EYE]
    data = vector_net(2, weights, timesteps=40)
    x = np.array([[0.61, 1.37], [1.13, 0.42]])
    errors = {}
    for decay in (0.5, 1.0):
        grads = {}
        for mode in ("bptt", "reverse"):
            model = EngineModel(spec_from_dict(data), sharing="L", training=mode, options=EngineOptions(decay=decay))
            grads[mode] = model.loss_and_grads(x, [0, 1])[1]
        errors[decay] = grad_rel_err(grads["bptt"], grads["reverse"])
    assert errors[1.0] < 1e-12
    assert errors[0.5] > 1e-6


# ---------------------------------------------------------------------------
# Pieces: surrogates, ops, batchnorm
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_surrogate_is_derivative_of_primitive(name):
    x = np.linspace(-3.1, 3.1, 1001)
    x = x[np.min(np.abs(x[:, None] - np.array([-1.0, 0.0, 1.0])), axis=1) > 1e-3]  # away from triangle's kinks
    h = 1e-6
    f_up, _ = PRIMITIVES[name](x + h)
    f_down, _ = PRIMITIVES[name](x - h)
    _, slope = PRIMITIVES[name](x)
    assert np.allclose((f_up - f_down) / (2 * h), slope, rtol=1e-6, atol=1e-8)
    assert PRIMITIVES[name](np.array([0.0]))[1][0] == pytest.approx(1.0)  # every surrogate peaks at 1


def naive_conv2d(x, w, b, stride, pad, dilation, groups):
    B, C, H, W = x.shape
    n_out, Cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    ho = (H + 2 * pad[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (W + 2 * pad[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((B, n_out, ho, wo))
    for n in range(B):
        for o in range(n_out):
            g = o // (n_out // groups)
            for i in range(ho):
                for j in range(wo):
                    total = b[o] if b is not None else 0.0
                    for c in range(Cg):
                        for p in range(kh):
                            for q in range(kw):
                                total += w[o, c, p, q] * xp[n, g * Cg + c, i * stride[0] + p * dilation[0],
                                                          j * stride[1] + q * dilation[1]]
                    y[n, o, i, j] = total
    return y


@pytest.mark.parametrize("stride,pad,dilation,groups", [((1, 1), (0, 0), (1, 1), 1), ((2, 1), (1, 2), (1, 1), 2),
                                                         ((1, 2), (2, 1), (2, 1), 4), ((3, 3), (1, 1), (1, 2), 1)])
def test_conv_matches_naive_loops_and_its_gradient(stride, pad, dilation, groups):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, 7, 6))
    w = rng.normal(size=(8, 4 // groups, 3, 2))
    b = rng.normal(size=8)
    hk = ((7 + 2 * pad[0] - dilation[0] * 2 - 1) // stride[0] + 1, (6 + 2 * pad[1] - dilation[1] - 1) // stride[1] + 1)
    pads = ((pad[0], pad[0]), (pad[1], pad[1]))
    y = ops.conv_forward(x, w, b, stride, pads, dilation, groups, hk)
    assert np.allclose(y, naive_conv2d(x, w, b, stride, pad, dilation, groups))
    gy = rng.normal(size=y.shape)
    dx, dw, db = ops.conv_backward(x, w, gy, stride, pads, dilation, groups)
    h = 1e-6
    for array, grad in ((x, dx), (w, dw)):
        d = rng.normal(size=array.shape)
        array += h * d
        up = (ops.conv_forward(x, w, b, stride, pads, dilation, groups, hk) * gy).sum()
        array -= 2 * h * d
        down = (ops.conv_forward(x, w, b, stride, pads, dilation, groups, hk) * gy).sum()
        array += h * d
        assert (up - down) / (2 * h) == pytest.approx((grad * d).sum(), rel=1e-7)
    assert np.allclose(db, gy.sum(axis=(0, 2, 3)))


@pytest.mark.parametrize("kind", ["avg", "max", "sum"])
def test_pooling_matches_naive_loops(kind):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 5, 6))
    kernel, stride = (2, 3), (2, 2)  # padding 1 on both axes
    ho, wo = (5 + 2 - 2) // 2 + 1, (6 + 2 - 3) // 2 + 1
    y = ops.pool_forward(x, kind, kernel, stride, ((1, 1), (1, 1)), (ho, wo))
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=fill)
    for i in range(ho):
        for j in range(wo):
            window = xp[:, :, i * 2:i * 2 + 2, j * 2:j * 2 + 3]
            expected = {"avg": window.sum(axis=(2, 3)) / 6, "sum": window.sum(axis=(2, 3)),
                        "max": window.max(axis=(2, 3))}[kind]
            assert np.allclose(y[:, :, i, j], expected)


def test_batchnorm_train_gradient_by_finite_differences():
    """A network with batchnorm in training mode, smooth spikes: backward = derivative of the loss."""
    spec = spec_from_dict(bars_net(4))
    model = EngineModel(spec, sharing="L+C2", training="bptt", options=EngineOptions(smooth=True, decay=0.7))
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 1, 4, 4))
    assert finite_difference_err(model, x, [0, 1, 2], rng) < 1e-6


# ---------------------------------------------------------------------------
# Training, rates, determinism
# ---------------------------------------------------------------------------

def test_training_learns_and_is_deterministic():
    kwargs = dict(sharing="L+C2", epochs=2, batch=16, train_samples=64, test_samples=32, lr=0.05, seed=3)
    first = train(spec_from_dict(bars_net()), **kwargs)
    second = train(spec_from_dict(bars_net()), **kwargs)
    assert first.losses == second.losses and first.rates == second.rates
    assert first.losses[-1] < first.losses[0]
    assert first.memory["categories"]["membranes"] == first.predicted_membrane_bits
    assert set(first.rates) == {"lif1", "lif2", "lif3"} and all(0 <= r <= 1 for r in first.rates.values())


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def test_cli_verify_json(capsys):
    assert main(["engine", "verify", "--cases", "6", "--seed", "5", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cases"] == 6 and out["passed"]
    assert out["max_grad_rel_err_reverse_vs_store"] <= 1e-9
    assert out["max_grad_rel_err_vs_finite_diff"] <= 1e-5
    assert out["memory_mismatch_bits"] == 0
    assert out["schemes"] == list(SCHEMES)


def test_cli_train_and_rates_file(tmp_path, capsys):
    spec = tmp_path / "bars.yaml"
    spec.write_text(json.dumps(bars_net()))
    rates = tmp_path / "rates.csv"
    argv = ["engine", "train", "--model", str(spec), "--sharing", "L+C2", "--epochs", "1", "--train-samples", "32",
            "--test-samples", "16", "--batch", "16", "--rates-out", str(rates)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "accuracy: train" in out and ": match" in out
    lines = rates.read_text().splitlines()
    assert lines[0] == "node,rate" and [line.split(",")[0] for line in lines[1:]] == ["lif1", "lif2", "lif3"]
    assert all(0 <= float(line.split(",")[1]) <= 1 for line in lines[1:])


def test_cli_compare(tmp_path, capsys):
    spec = tmp_path / "bars.yaml"
    spec.write_text(json.dumps(bars_net()))
    argv = ["engine", "compare", "--model", str(spec), "--sharing", "none,L+C2", "--epochs", "1", "--train-samples",
            "16", "--test-samples", "16", "--batch", "16", "--format", "json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert [r["sharing"] for r in rows] == ["none", "L+C2"]
    assert [r["training"] for r in rows] == ["bptt", "reverse"]
    # none/bptt keeps T x 3 sites x 256 neurons; L+C2/reverse one buffer of 128: 2 x 3 x 256 / 128 = 12x less
    assert rows[0]["memory"]["categories"]["membranes"] == 12 * rows[1]["memory"]["categories"]["membranes"]
    assert "2/2 L+C2" in captured.err  # the progress display


def test_cli_bad_input_one_line(capsys):
    assert main(["engine", "train", "--model", "resnet19", "--surrogate", "relu"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--surrogate" in err and "atan" in err


def test_rules_live_in_the_kind_registry():
    """Each built-in kind the engine runs carries its rule as ``rules["numpy"]``; a kind
    without one (cubalif) is refused with one line naming the node."""
    from snncost.engine.rules import RULES
    from snncost.kinds.registry import get_kind

    for op, rule in RULES.items():
        assert get_kind(op).rules["numpy"] is rule
    data = vector_net(2, [[[1, 0], [0, 1]]] * 2, timesteps=2, ops_=("cubalif",))
    with pytest.raises(ConfigError, match="no rule for 'cubalif'"):
        EngineModel(spec_from_dict(data))


@pytest.mark.parametrize("scheme", ["none", "L", "C2", "L+C2"])
@pytest.mark.parametrize("mode", ["bptt", "reverse"])
def test_whole_tally_equals_training_memory_numpy_engine_profile(scheme, mode):
    """The training-memory prediction (issue #10) under its ``numpy-engine`` profile equals
    the whole tally, bit for bit."""
    from snncost.training import fit as training

    for data in (bars_net(), random_spec(lambda options: options[len(options) // 2])):
        spec = spec_from_dict(data)
        model = EngineModel(spec, sharing=scheme, training=mode)
        batch = 3
        x = np.random.default_rng(0).normal(size=(batch, *data["input"]["shape"]))
        _, _, tape = model.loss_and_grads(x, np.arange(batch) % model.classes)
        predicted = training.train_memory(spec, batch=batch, timesteps=model.timesteps, sharing=scheme, training=mode,
                                          profile="numpy-engine", baseline=False)
        assert tally(model, tape)["total_bits"] == predicted.totals["saved_bytes"] * 8


def mixed_net(reset: str) -> dict:
    """Kinds the random specs do not draw: a static stem, concat, sum pooling, identity, dropout p 0,
    padding 'same' with an even kernel (asymmetric), dilation, a hard or soft reset."""
    return {"name": "mixed", "input": {"shape": [2, 8, 8]}, "timesteps": 3, "batch": 2, "nodes": [
        {"name": "stem", "op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1, "static": True},
        {"name": "a", "op": "conv2d", "out_channels": 2, "kernel": 2, "padding": "same", "inputs": ["stem"]},
        {"name": "b", "op": "conv2d", "out_channels": 2, "kernel": 3, "padding": 2, "dilation": 2, "inputs": ["stem"]},
        {"name": "cat", "op": "concat", "inputs": ["a", "b"]},
        {"name": "n1", "op": "lif", "reset": reset},
        {"name": "id", "op": "identity"}, {"name": "drop", "op": "dropout", "p": 0.0},
        {"name": "pool", "op": "sumpool2d", "kernel": 2},
        {"name": "n2", "op": "mlif", "lanes": 2, "reset": reset},
        {"name": "flat", "op": "flatten"}, {"name": "fc", "op": "linear", "out_features": 3}]}


@pytest.mark.parametrize("reset", ["soft", "hard"])
@pytest.mark.parametrize("scheme", ["none", "C2", "W4"])
def test_mixed_kinds_gradients_and_memory(reset, scheme):
    spec = spec_from_dict(mixed_net(reset))
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 2, 8, 8))
    modes = ("bptt", "reverse") if reset == "soft" else ("bptt",)
    result = check_model(spec, scheme, x, [0, 2], options=EngineOptions(decay=0.8), modes=modes)
    assert result["fd_err"] <= 1e-5 and result["memory_mismatch_bits"] == 0
    assert result["reverse_vs_store"] <= 1e-9
    model = EngineModel(spec, sharing=scheme, training="bptt")
    _, _, tape = model.loss_and_grads(x, [0, 2])
    assert [key for key in tape.outputs if key[0] == "stem"] == [("stem", None)]  # a static output is kept once


def test_same_padding_with_even_kernel_pads_right_as_pytorch():
    """PyTorch's padding='same': total d (k - 1), left total // 2, the rest on the right.
    x = [1, 2, 3, 4], w = [10, 1] (k = 2): padded [1, 2, 3, 4, 0] ->
    y = [10*1 + 2, 10*2 + 3, 10*3 + 4, 10*4 + 0] = [12, 23, 34, 40]."""
    from snncost.engine.rules import RULES

    node = spec_from_dict({"name": "p", "input": {"shape": [1, 4]}, "nodes": [
        {"name": "c", "op": "conv1d", "out_channels": 1, "kernel": 2, "padding": "same", "bias": False}]}).nodes[0]
    y, _ = RULES["conv1d"].forward(node, {"weight": np.array([[[10.0, 1.0]]])}, [np.array([[[1.0, 2, 3, 4]]])], True)
    assert y.tolist() == [[[12.0, 23.0, 34.0, 40.0]]]
