"""Details of per-kind rules that no other fast test pins down (found by mutation testing,
docs/testing.md): the dropout/identity training rules and note, a user kind's required
field, and the refusal of window sharing on a symbolic size."""
from __future__ import annotations

import pytest

import snncost
from snncost import SharingError, SpecError, register_node_kind
from snncost.kinds.registry import remove_kind
from snncost.spec import spec_from_dict


def _passthrough_spec():
    return spec_from_dict({"name": "d", "input": {"shape": [4]}, "nodes": [
        {"name": "fc", "op": "linear", "out_features": 4}, {"name": "l", "op": "lif"},
        {"name": "d", "op": "dropout", "p": 0.5}, {"name": "i", "op": "identity", "p": 0.5},
        {"name": "fc2", "op": "linear", "out_features": 2},
        {"name": "fc3", "op": "linear", "out_features": 2, "inputs": ["d"]},
        {"name": "sum", "op": "add", "inputs": ["fc2", "fc3"]}]})


def test_dropout_mask_and_identity_view_by_hand():
    # B = 2, T = 1, fp32.  dropout (p 0.5) keeps its mask: 4 features x 4 B x 2 samples = 32 B; identity is
    # a view whatever its p (nothing kept, no storage of its own); fc keeps the network input (4 x 4 x 2 =
    # 32 B); fc2 keeps the identity's output and fc3 the dropout's: one storage, counted once (32 B); the
    # LIF site keeps its v - theta (32 B).
    result = snncost.train_memory(_passthrough_spec(), timesteps=1, batch=2)
    saved = result.totals["saved_by_kind"]
    assert saved["dropout"] == 32 and "identity" not in saved
    assert saved["linear"] == 64 and saved["lif"] == 32
    assert "dropout keeps an input-dtype mask (PyTorch's CPU kernel); CUDA's fused kernel keeps 1 byte per element" \
        in result.notes


def test_user_kind_required_field():
    register_node_kind("test_required_field", fields={"size": (int, ...)})
    try:
        spec = {"name": "u", "input": {"shape": [4]}, "nodes": [{"name": "x", "op": "test_required_field"}]}
        with pytest.raises(SpecError, match="field 'size': required field is missing"):
            spec_from_dict(spec)
        spec["nodes"][0]["size"] = 3
        assert spec_from_dict(spec).nodes[0].size == 3
    finally:
        remove_kind("test_required_field")


def test_window_sharing_on_a_symbolic_size_is_refused_in_full():
    with pytest.raises(SharingError) as info:
        snncost.formula("resnet19", sharing="W4", divisible=False)
    assert str(info.value) == (
        "option --sharing: W4 splits into 2 window rows, which does not divide size H of LIF site 'stem.lif' of "
        "shape [128, H, W]; valid: window rows dividing H: (a symbolic size: drop --any-size / divisible=False, or "
        "give a numeric input)")
