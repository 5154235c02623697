"""The public extension API: a node kind registered from user code (no snncost file
edited) is loaded from a spec, analysed, formulated and swept.

The kind: ``space_to_depth`` with block r (PixelUnshuffle): (C, H, W) -> (C r^2, H/r,
W/r), no parameters, spatial stride r.  And ``layernorm`` over the channel dim:
2 C parameters (gamma, beta), shape unchanged.  Expected values by hand below.
"""
from __future__ import annotations

import pytest

import snncost
from snncost.kinds import get_kind, node_kinds
from snncost.kinds.registry import remove_kind

SPEC = {
    "name": "user-kinds", "input": {"shape": [3, 32, 32]}, "timesteps": 2,
    "nodes": [
        {"name": "s2d", "op": "test_space_to_depth", "block": 2},   # (12, 16, 16)
        {"name": "conv", "op": "conv2d", "out_channels": 8, "kernel": 3, "padding": 1, "bias": False},
        {"name": "ln", "op": "test_layernorm"},                       # 2 x 8 params
        {"name": "lif", "op": "lif"},                                 # 8 x 16 x 16 neurons
    ],
}


def _s2d_shape(node, input_shapes):
    c, h, w = input_shapes[0]
    r = node.block
    return (c * r * r, h // r, w // r)


@pytest.fixture(scope="module")
def user_kinds():
    snncost.register_node_kind("test_space_to_depth", fields={"block": (int, 2)}, shape=_s2d_shape,
                               stride=lambda node, dims: (node.block,) * dims)
    snncost.register_node_kind("test_layernorm", fields={"eps": (float, 1e-5)},
                               params=lambda node, input_shapes: 2 * input_shapes[0][0])
    yield snncost.spec.spec_from_dict(SPEC)
    remove_kind("test_space_to_depth")
    remove_kind("test_layernorm")
    assert "test_layernorm" not in node_kinds()


def test_registering_a_taken_name_is_refused():
    with pytest.raises(snncost.ConfigError, match="already registered"):
        snncost.register_node_kind("lif", shape=_s2d_shape)


def test_registered_kind_is_in_the_registry(user_kinds):
    assert get_kind("test_space_to_depth").stride != "keep"
    assert get_kind("test_layernorm").weighted  # params given: nodes carry weight_bits


def test_unknown_field_of_a_user_kind_refused(user_kinds):
    bad = dict(SPEC, nodes=[dict(SPEC["nodes"][0], colour="red"), *SPEC["nodes"][1:]])
    with pytest.raises(snncost.SpecError, match="colour"):
        snncost.spec.spec_from_dict(bad)


def test_analyze(user_kinds):
    report = snncost.analyze(user_kinds)
    rows = {r["name"]: r for r in report.rows}
    assert rows["s2d"]["output_shape"] == [12, 16, 16]
    # conv: 8 x 12 x 3 x 3 weights, no bias; layernorm: 2 x 8
    assert report.totals["params"] == 8 * 12 * 9 + 16
    # one LIF site of 8 x 16 x 16 neurons, 32-bit membrane, B = 1
    assert report.totals["lif_forward_bits"] == 8 * 16 * 16 * 32


def test_formula(user_kinds):
    from snncost.formulas import total_stride

    # total stride 2 (the user kind's stride rule): forward bits = 8 (H/2)(W/2) x 32 = 64 H W
    assert total_stride(user_kinds) == (2, 2)
    expr = snncost.formula(user_kinds, "lif_forward_bits", symbols=["H", "W"])
    assert str(expr) == "64*H*W"
    assert int(expr.subs({"H": 64, "W": 32})) == 8 * 32 * 16 * 32


def test_sweep(user_kinds):
    frame = snncost.sweep(user_kinds, input="32,64", quantities=["lif_forward_bits", "params"])
    # 8 x (s/2)^2 x 32 bits at s = 32, 64; params do not depend on the input size
    assert list(frame["lif_forward_bits"]) == [8 * 16 * 16 * 32, 8 * 32 * 32 * 32]
    assert list(frame["params"]) == [8 * 12 * 9 + 16] * 2


def test_user_neuron_kind():
    # adaptive LIF: membrane v and adaptation a, two state variables per neuron
    snncost.register_node_kind("test_alif", state_variables=("v", "a"))
    try:
        spec = snncost.spec.spec_from_dict({
            "name": "alif", "input": {"shape": [4, 8, 8]},
            "nodes": [{"name": "n1", "op": "test_alif", "reset": "soft", "membrane_bits": 16}]})
        report = snncost.analyze(spec, timesteps=3)
        # 4 x 8 x 8 neurons x 2 state variables x 16 bits; bptt keeps T = 3 copies
        assert report.totals["lif_forward_bits"] == 4 * 8 * 8 * 2 * 16
        assert report.totals["lif_backward_bits"] == 3 * 4 * 8 * 8 * 2 * 16
    finally:
        remove_kind("test_alif")


def test_user_quantity_in_analyze_formula_sweep(user_kinds):
    from snncost.quantities import remove_quantity

    # fp32 membrane state kept per neuron, counted in bytes: neurons x state variables x 4
    snncost.register_quantity(
        "test_state_bytes", unit="byte", label="membrane state (fp32)", symbol=r"4 N_f",
        per_node=lambda f, config: 4 * f.neuron.neurons * f.neuron.state_variables * config.batch if f.neuron else 0)
    try:
        report = snncost.analyze(user_kinds, batch=2)
        # 8 x 16 x 16 neurons, 1 state variable, 4 bytes, B = 2
        assert report.totals["test_state_bytes"] == 8 * 16 * 16 * 4 * 2
        assert [r["test_state_bytes"] for r in report.rows][-1] == 8 * 16 * 16 * 4 * 2
        expr = snncost.formula(user_kinds, "test_state_bytes", symbols=["H", "W", "B"])
        assert str(expr) == "8*B*H*W"   # 8 (H/2)(W/2) neurons x 4 bytes x B
        frame = snncost.sweep(user_kinds, input="32", batch="1,2", quantities=["test_state_bytes"])
        assert list(frame["test_state_bytes"]) == [8 * 16 * 16 * 4, 8 * 16 * 16 * 4 * 2]
    finally:
        remove_quantity("test_state_bytes")
    assert "test_state_bytes" not in snncost.analyze(user_kinds).totals


def test_readme_extension_example_runs(capsys):
    from pathlib import Path

    from snncost.quantities import remove_quantity

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Extending snncost"):]
    code = section[section.index("```python") + len("```python"):]
    code = code[:code.index("```")]
    try:
        exec(compile(code, "README.md", "exec"), {})
        # the printed values, by hand: 8 x 16 x 16 neurons x 4 bytes; 8 (H/2)(W/2) x 32 bits
        assert capsys.readouterr().out.split("\n")[:3] == ["8192", "64*H*W", "[65536, 262144]"]
    finally:
        remove_kind("space_to_depth")
        remove_quantity("state_bytes_fp32")
