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
