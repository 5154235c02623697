"""snncost's saved bytes against a real PyTorch training step (CPU), exactly, per kind.

The reference step (snncost.training.reference, domain notes section 9) builds the spec's
network in plain torch.nn, runs one BPTT step and counts what autograd saves with
``torch.autograd.graph.saved_tensors_hooks``: each storage once, parameters excluded.
Skipped without torch (optional extra ``snncost[torch]``).  Small sizes keep it fast.
"""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from strategies import network_specs  # noqa: E402

import snncost  # noqa: E402
from snncost.training.reference import measure_saved  # noqa: E402
from snncost.training.step import step_memory  # noqa: E402

torch.set_num_threads(1)

ZOO_CASES = [("resnet19", 8, "once"), ("resnet19", 8, "per-timestep"), ("resnet19-baseline-code", 8, "once"),
             ("vgg16", 16, "once"), ("vgg16-sharing-code", 16, "per-timestep")]


@pytest.mark.parametrize("amp", [None, "bf16"])
@pytest.mark.parametrize("model,size,static", ZOO_CASES)
def test_zoo_saved_bytes_exact(model, size, static, amp):
    spec = snncost.zoo.load(model)
    measured = measure_saved(spec, input=size, timesteps=2, batch=2, amp=amp, static_nodes=static)
    predicted = step_memory(spec, input=size, timesteps=2, batch=2, amp=amp, static_nodes=static).totals
    assert predicted["saved_by_kind"] == measured["saved_by_kind"]
    assert predicted["saved_bytes"] == measured["saved_bytes"]


def test_fp16_autocast_saved_bytes_exact():
    spec = snncost.zoo.load("resnet19")
    measured = measure_saved(spec, input=8, timesteps=2, batch=2, amp="fp16")
    predicted = step_memory(spec, input=8, timesteps=2, batch=2, amp="fp16").totals
    assert predicted["saved_by_kind"] == measured["saved_by_kind"]


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(network_specs(max_channels=6, max_size=10), st.sampled_from([None, "bf16"]), st.integers(1, 3),
       st.sampled_from(["once", "per-timestep"]))
def test_random_specs_saved_bytes_exact(spec, amp, T, static):
    # random convs (non-square kernels, strides, padding incl. 'same', dilation, groups), batchnorm,
    # max/avg/sum pools, residual adds, concats, dropout, linear heads, lif/if/cubalif, soft/hard reset
    measured = measure_saved(spec, timesteps=T, batch=2, amp=amp, static_nodes=static)
    predicted = step_memory(spec, timesteps=T, batch=2, amp=amp, static_nodes=static).totals
    assert predicted["saved_by_kind"] == measured["saved_by_kind"]
    assert predicted["saved_bytes"] == measured["saved_bytes"]


# Spiking transformers (issue 9's kinds: tokens, layernorm, split/merge_heads, matmul, multiply,
# token_sum, membrane_add) and lstm cells: the zoo's Spikformer (CIFAR; Q K^T first) at 8x8 (N = 4
# tokens), and the same builders at depth 1 (Spikformer ImageNet: K^T V first; the Spike-driven
# Transformer: masks, token sums, membrane shortcuts) and the zoo's sdt-8-512 at 16x16 (N = 1).
def _transformer_cases():
    from snncost.model_zoo.transformers import sdt, spikformer

    return [("spikformer-4-384-cifar", lambda: snncost.zoo.load("spikformer-4-384-cifar"), 8),
            ("spikformer-1-32", lambda: spikformer(1, 32, heads=4), 32),
            ("sdt-1-32", lambda: sdt(1, 32), 32),
            ("sdt-8-512", lambda: snncost.zoo.load("sdt-8-512"), 16)]


@pytest.mark.parametrize("case,amp", [(c, a) for c in range(4) for a in (None, "bf16") if (c, a) != (3, "bf16")])
def test_transformer_saved_bytes_exact(case, amp):  # sdt-8-512 (1 s a run) in fp32 only: sdt-1-32 has bf16
    _, build, size = _transformer_cases()[case]
    spec = build()
    measured = measure_saved(spec, input=size, timesteps=2, batch=2, amp=amp)
    predicted = step_memory(spec, input=size, timesteps=2, batch=2, amp=amp).totals
    assert predicted["saved_by_kind"] == measured["saved_by_kind"]
    assert predicted["saved_bytes"] == measured["saved_bytes"]


def test_lstm_saved_bytes_by_hand():
    # x (6 features) -> lstm (hidden 3) -> linear 2 -> lif; B = 2, T = 3, fp32.  nn.LSTMCell on CPU keeps,
    # per sample: x (6 floats, the network input: one storage for all T), the zeros of (h0, c0) (3, one
    # storage), per call the gates (4 x 3) and tanh(c') (3), c of the first T - 1 calls (3 each):
    # 6 + 3 + 3 x 15 + 2 x 3 = 60 floats.  h of the first T - 1 calls is kept too, but the linear keeps
    # every h first (its input, the same storage): 3 x 3 floats under linear.  The lif keeps v - theta
    # (2 floats per call); the loss log-softmax (2 floats), the int64 target and the 0-dim total weight.
    spec = snncost.spec.spec_from_dict({"name": "lstm", "input": {"shape": [6]}, "nodes": [
        {"name": "cell", "op": "lstm", "hidden": 3}, {"name": "fc", "op": "linear", "out_features": 2},
        {"name": "lif", "op": "lif"}]})
    by_hand = {"lstm": 2 * 60 * 4, "linear": 2 * 9 * 4, "lif": 2 * 3 * 2 * 4, "loss": 2 * (2 * 4 + 8) + 4}
    for amp in (None, "bf16"):
        measured = measure_saved(spec, timesteps=3, batch=2, amp=amp)
        predicted = step_memory(spec, timesteps=3, batch=2, amp=amp).totals
        assert predicted["saved_by_kind"] == measured["saved_by_kind"]
        if amp is None:
            assert measured["saved_by_kind"] == by_hand


@pytest.mark.parametrize("affine", [False, True])
def test_layernorm_statistics_dtype_by_hand(affine):
    # found by hypothesis (test below): CPU autocast bf16, a layernorm on the bf16 spikes of a LIF
    # site, D = 1 feature, N = 3 tokens, B = 2, T = 1.  ATen keeps the input (6 bf16 = 12 B) and the
    # per-token mean and 1/std: 2 x 6 values, bf16 (24 B) without affine parameters, fp32 (48 B)
    # with them (a mixed-type call: bf16 input, fp32 gamma/beta).
    spec = snncost.spec.spec_from_dict({"name": "ln", "input": {"shape": [1, 1]}, "nodes": [
        {"name": "conv", "op": "conv1d", "out_channels": 1, "kernel": 1, "bias": False, "padding": 1},
        {"name": "lif", "op": "lif"}, {"name": "ln", "op": "layernorm", "affine": affine},
        {"name": "flat", "op": "flatten"}, {"name": "fc", "op": "linear", "out_features": 1, "bias": False}]})
    by_hand = 12 + (48 if affine else 24)
    measured = measure_saved(spec, timesteps=1, batch=2, amp="bf16")
    predicted = step_memory(spec, timesteps=1, batch=2, amp="bf16").totals
    assert measured["saved_by_kind"]["layernorm"] == by_hand
    assert predicted["saved_by_kind"] == measured["saved_by_kind"]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(network_specs(max_channels=6, max_size=6, max_layers=4, attention=True), st.sampled_from([None, "bf16"]),
       st.integers(1, 3), st.sampled_from(["once", "per-timestep"]))
def test_random_attention_specs_saved_bytes_exact(spec, amp, T, static):
    # the above plus random attention blocks (tokens, maybe layernorm with/without affine, Q/K/V 1x1
    # convs maybe with neuron sites, split_heads, Q K^T or K^T V first, merge_heads, maybe the
    # token_sum / multiply mask, add or membrane_add residual) and lstm cells in the head
    measured = measure_saved(spec, timesteps=T, batch=2, amp=amp, static_nodes=static)
    predicted = step_memory(spec, timesteps=T, batch=2, amp=amp, static_nodes=static).totals
    assert predicted["saved_by_kind"] == measured["saved_by_kind"]
    assert predicted["saved_bytes"] == measured["saved_bytes"]
