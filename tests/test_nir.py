"""NIR import and export (snncost.nir_io): every NIR node type, shapes recomputed,
batch dimension stripped, recurrent edges, defaults, round trips.

Expected values are derived by hand in the comments (PyTorch's output-size rule and
the parameter counts of the layers), never read from snncost's own output.
"""
from __future__ import annotations

from contextlib import redirect_stderr, redirect_stdout
from io import StringIO

import pytest

nir = pytest.importorskip("nir")
np = pytest.importorskip("numpy")

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402

import snncost  # noqa: E402
from snncost.errors import ShapeError, SpecError  # noqa: E402
from snncost.nir_io import from_nir, to_nir  # noqa: E402
from snncost.spec import spec_from_dict  # noqa: E402

from strategies import spec_dicts  # noqa: E402


def ones(*shape):
    return np.ones(shape, dtype=np.float32)


def lif(shape):
    return nir.LIF(tau=ones(*shape), r=ones(*shape), v_leak=ones(*shape) * 0, v_threshold=ones(*shape))


def graph(nodes: dict, edges: list) -> "nir.NIRGraph":
    from snncost.nir_rules import nir_graph

    return nir_graph(nir, nodes, edges)


def run(argv):
    from snncost.cli import main

    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------
# Import: shapes nir 1.0.8 gets wrong, batch dimension, every node type
# ---------------------------------------------------------------------------

def conv_net():
    """Input (1, 4, 10, 12) with a batch dim; grouped, non-square conv; LIF; sum pool;
    flatten; affine; CubaLIF; LI readout."""
    return graph({
        "inp": nir.Input(input_type={"input": np.array([1, 4, 10, 12])}),
        # 6 out channels, groups 2: weight (6, 4/2, 3, 5); stride (1, 2), padding (1, 0)
        "conv": nir.Conv2d(input_shape=None, weight=ones(6, 2, 3, 5), stride=(1, 2), padding=(1, 0), dilation=1,
                           groups=2, bias=ones(6)),
        "lif": lif((6, 10, 4)),
        "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
        "flat": nir.Flatten(input_type={"input": np.array([6, 5, 2])}, start_dim=0, end_dim=-1),
        "fc": nir.Affine(weight=ones(7, 60), bias=ones(7)),
        "cuba": nir.CubaLIF(tau_syn=ones(7), tau_mem=ones(7), r=ones(7), v_leak=ones(7), v_threshold=ones(7)),
        "fc2": nir.Linear(weight=ones(3, 7)),
        "readout": nir.LI(tau=ones(3), r=ones(3), v_leak=ones(3)),
        "out": nir.Output(output_type={"output": np.array([3])}),
    }, [("inp", "conv"), ("conv", "lif"), ("lif", "pool"), ("pool", "flat"), ("flat", "fc"), ("fc", "cuba"),
        ("cuba", "fc2"), ("fc2", "readout"), ("readout", "out")])


def test_conv_net_shapes_and_counts():
    spec = from_nir(conv_net(), timesteps=4)
    assert list(spec.input.shape) == [4, 10, 12]  # batch dimension of size 1 removed
    report = snncost.analyze(spec)
    rows = {r["name"]: r for r in report.rows}
    # conv: H = (10 + 2 - 2 - 1) // 1 + 1 = 10; W = (12 + 0 - 4 - 1) // 2 + 1 = 4
    # (nir 1.0.8 would take the kernel as 3x3 for both dimensions: W = 5)
    assert rows["conv"]["output_shape"] == [6, 10, 4]
    assert rows["pool"]["output_shape"] == [6, 5, 2]
    assert rows["flat"]["output_shape"] == [60]
    # params: conv 6 * 2 * 3 * 5 + 6 = 186; fc 60 * 7 + 7 = 427; fc2 3 * 7 = 21 (no bias)
    assert rows["conv"]["params"] == 186 and rows["fc"]["params"] == 427 and rows["fc2"]["params"] == 21
    assert report.totals["params"] == 186 + 427 + 21
    # neurons: 240 (lif) + 7 (CubaLIF, 2 state variables) + 3 (LI)
    assert report.totals["lif_neurons"] == 240 + 7 + 3
    assert report.totals["lif_state_values"] == 240 + 2 * 7 + 3
    assert rows["cuba"]["kind"] == "cubalif" and rows["readout"]["kind"] == "lif"
    # LI emits its membrane: stored at membrane bits (32), not 1-bit spikes
    assert rows["readout"]["spike_bits_per_timestep"] == 3 * 32
    assert spec.timesteps == 4
    notes = " ".join(report.notes)
    assert "batch dimension" in notes and "T = 4 (given)" in notes and "reset hard" in notes


def test_same_report_as_the_spec_written_by_hand():
    by_hand = spec_from_dict({"name": "by_hand", "input": {"shape": [4, 10, 12]}, "timesteps": 4, "nodes": [
        {"name": "conv", "op": "conv2d", "out_channels": 6, "kernel": [3, 5], "stride": [1, 2], "padding": [1, 0],
         "groups": 2},
        {"name": "lif", "op": "lif", "reset": "hard"},
        {"name": "pool", "op": "sumpool2d", "kernel": 2},
        {"name": "flat", "op": "flatten"},
        {"name": "fc", "op": "linear", "out_features": 7},
        {"name": "cuba", "op": "cubalif", "reset": "hard"},
        {"name": "fc2", "op": "linear", "out_features": 3, "bias": False},
        {"name": "readout", "op": "lif", "spike_bits": 32}]})
    for sharing in ("none", "L"):
        a = snncost.analyze(from_nir(conv_net(), timesteps=4), sharing=sharing, batch=3)
        b = snncost.analyze(by_hand, sharing=sharing, batch=3)
        assert a.totals == b.totals
        assert [r["lif_forward_bits"] for r in a.rows] == [r["lif_forward_bits"] for r in b.rows]


def test_every_other_node_type():
    """Conv1d, Scale, Delay, Threshold, I, IF, CubaLI, AvgPool2d and a nested graph."""
    if not hasattr(nir, "CubaLI"):
        pytest.skip(f"nir {nir.__version__} has no CubaLI node (added in nir 1.0.5)")
    inner = graph({"i": nir.Input(input_type={"input": np.array([5, 6])}),
                   "neuron": nir.IF(r=ones(5, 6), v_threshold=ones(5, 6)),
                   "o": nir.Output(output_type={"output": np.array([5, 6])})},
                  [("i", "neuron"), ("neuron", "o")])
    g = graph({
        "x": nir.Input(input_type={"input": np.array([2, 8])}),
        # conv1d: L = (8 + 2 * 0 - 1 * (3 - 1) - 1) // 1 + 1 = 6; params 5 * 2 * 3 + 5 = 35
        "c1": nir.Conv1d(input_shape=8, weight=ones(5, 2, 3), stride=1, padding=0, dilation=1, groups=1, bias=ones(5)),
        "scale": nir.Scale(scale=ones(5, 6)),
        "delay": nir.Delay(delay=ones(5, 6)),
        "block": inner,
        "integ": nir.I(r=ones(30)),
        "thr": nir.Threshold(threshold=ones(5, 6)),
        "cubali": nir.CubaLI(tau_syn=ones(30), tau_mem=ones(30), r=ones(30), v_leak=ones(30)),
    }, [("x", "c1"), ("c1", "scale"), ("scale", "delay"), ("delay", "block"), ("block", "integ"),
        ("integ", "thr"), ("thr", "cubali")])
    spec = from_nir(g)
    kinds = {n.name: n.op for n in spec.nodes}
    assert kinds == {"c1": "conv1d", "scale": "identity", "delay": "identity", "block.neuron": "if",
                     "integ": "if", "thr": "identity", "cubali": "cubalif"}
    t = snncost.analyze(spec).totals
    assert t["params"] == 35  # Scale/Delay/Threshold arrays and neuron constants are not parameters
    assert t["lif_neurons"] == 30 * 3 and t["lif_state_values"] == 30 + 30 + 2 * 30


def test_avgpool_and_flatten_with_batch_dims():
    """snnTorch's convention: Flatten(start_dim=1) on an input type that keeps the batch."""
    g = graph({"in": nir.Input(input_type={"input": np.array([1, 3, 8, 8])}),
               "pool": nir.AvgPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
               "flat": nir.Flatten(input_type={"input": np.array([1, 3, 4, 4])}, start_dim=1, end_dim=-1),
               "fc": nir.Affine(weight=ones(10, 48), bias=ones(10))},
              [("in", "pool"), ("pool", "flat"), ("flat", "fc")])
    t = snncost.analyze(from_nir(g)).totals
    assert t["params"] == 48 * 10 + 10  # 3 x 4 x 4 = 48 features


def test_recurrent_edges_are_accepted_and_flagged():
    """snnTorch's RLeaky export: a nested graph input -> lif -> w_rec -> lif."""
    rec = graph({"input": nir.Input(input_type={"input": np.array([8])}), "lif": lif((8,)),
                 "w_rec": nir.Linear(weight=ones(8, 8)), "output": nir.Output(output_type={"output": np.array([8])})},
                [("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])
    g = graph({"input": nir.Input(input_type={"input": np.array([4])}), "fc": nir.Affine(weight=ones(8, 4), bias=ones(8)),
               "rlif": rec, "output": nir.Output(output_type={"output": np.array([8])})},
              [("input", "fc"), ("fc", "rlif"), ("rlif", "output")])
    report = snncost.analyze(from_nir(g), timesteps=3)
    # params: fc 4 * 8 + 8 = 40, recurrent weights 8 * 8 = 64; neurons 8
    assert report.totals["params"] == 40 + 64
    assert report.totals["lif_neurons"] == 8
    assert report.totals["lif_backward_bits"] == 3 * 8 * 32
    assert any("recurrent edge rlif.w_rec -> rlif.lif" in note for note in report.notes)


def test_several_edges_into_a_node_are_summed():
    g = graph({"in": nir.Input(input_type={"input": np.array([4])}),
               "a": nir.Affine(weight=ones(6, 4), bias=ones(6)), "b": nir.Linear(weight=ones(6, 4)), "lif": lif((6,))},
              [("in", "a"), ("in", "b"), ("a", "lif"), ("b", "lif")])
    spec = from_nir(g)
    assert {n.op for n in spec.nodes} == {"linear", "add", "lif"}
    assert snncost.analyze(spec).totals["params"] == 30 + 24


@pytest.mark.parametrize("bad, error, words", [
    ({"lif": lif((5,))}, ShapeError, "holds 5 values"),                                # neuron array size
    ({"lif": nir.Affine(weight=ones(3, 9), bias=ones(3))}, ShapeError, "expects 9 input features"),
])
def test_inconsistent_shapes_are_refused(bad, error, words):
    g = graph({"in": nir.Input(input_type={"input": np.array([4])}), "fc": nir.Affine(weight=ones(6, 4), bias=ones(6)),
               **bad}, [("in", "fc"), ("fc", "lif")])
    with pytest.raises(error, match=words):
        from_nir(g)


def test_partial_flatten_and_two_inputs_are_refused():
    g = graph({"in": nir.Input(input_type={"input": np.array([3, 4, 4])}),
               "flat": nir.Flatten(input_type={"input": np.array([3, 4, 4])}, start_dim=1, end_dim=-1)},
              [("in", "flat")])
    with pytest.raises(SpecError, match="only part"):
        from_nir(g)
    g = graph({"a": nir.Input(input_type={"input": np.array([3])}), "b": nir.Input(input_type={"input": np.array([3])}),
               "lif": lif((3,))}, [("a", "lif"), ("b", "lif")])
    with pytest.raises(SpecError, match="2 Input nodes"):
        from_nir(g)


def test_reset_from_flag_metadata_and_default(tmp_path):
    g = graph({"in": nir.Input(input_type={"input": np.array([3])}), "lif": lif((3,))}, [("in", "lif")])
    assert from_nir(g).nodes[0].reset == "hard"
    assert from_nir(g, reset="soft").nodes[0].reset == "soft"
    g.nodes["lif"].metadata = {"reset": "soft"}
    assert from_nir(g).nodes[0].reset == "soft"
    assert from_nir(g, reset="hard").nodes[0].reset == "hard"


# ---------------------------------------------------------------------------
# Export and round trips
# ---------------------------------------------------------------------------

def _round_trip(spec, tmp_path, **options):
    path = tmp_path / "model.nir"
    to_nir(spec, path)
    return from_nir(path, timesteps=spec.timesteps, batch=spec.batch, **options)


COMPARED = ("params", "lif_neurons", "lif_state_values", "lif_forward_bits", "lif_backward_bits",
            "spike_bits_per_timestep", "spike_bits_all_timesteps", "weight_bits")


def test_round_trip_of_the_hand_built_net(tmp_path):
    spec = from_nir(conv_net(), timesteps=4)
    back = _round_trip(spec, tmp_path)
    a, b = snncost.analyze(spec), snncost.analyze(back)
    # the LI readout comes back as a spiking LIF (NIR's LIF): its 3 outputs at 1 bit, not 32
    assert {k: a.totals[k] for k in COMPARED if "spike" not in k} == {k: b.totals[k] for k in COMPARED if "spike" not in k}
    assert a.totals["spike_bits_per_timestep"] - b.totals["spike_bits_per_timestep"] == 3 * (32 - 1)


def test_round_trip_resnet19_folds_batchnorm(tmp_path):
    spec = snncost.zoo.load("resnet19")
    back = _round_trip(spec, tmp_path)
    a, b = snncost.analyze(spec), snncost.analyze(back)
    for key in ("lif_neurons", "lif_forward_bits", "lif_backward_bits", "spike_bits_per_timestep"):
        assert a.totals[key] == b.totals[key]
    # each batchnorm (2 C params) folds into a bias-free conv that gains C biases: -C per batchnorm.
    # Channels of ResNet19's batchnorms: stem 128; stage 1: 3 blocks x 2 x 256 + shortcut 256 = 1792;
    # stage 2: 3 x 2 x 512 + 512 = 3584; stage 3: 2 x 2 x 512 + 512 = 2560.  Sum 8064.
    assert a.totals["params"] - b.totals["params"] == 128 + 1792 + 3584 + 2560
    assert b.totals["buffers"] == 0
    # soft reset kept through the neurons' metadata: L+C2 defaults to reverse recomputation
    assert snncost.analyze(back, sharing="C2").config.training == "reverse"


def test_unexportable_kind_is_named():
    with pytest.raises(SpecError, match="node 'pool1'.*max pooling"):
        to_nir(snncost.zoo.load("vgg16"))


def _exportable(data: dict) -> dict:
    """Random specs made NIR-writable: max pools become average pools, batchnorms identity."""
    for node in data["nodes"]:
        if node["op"] == "maxpool2d":
            node["op"] = "avgpool2d"
        if node["op"] == "batchnorm":
            node.clear()
            node.update({"name": f"bn{id(node)}", "op": "identity"})
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                                   HealthCheck.function_scoped_fixture])
@given(spec_dicts(rank=3, groupings=False))
def test_round_trip_keeps_every_count(tmp_path, data):
    """spec -> NIR file -> spec: every memory count equal, per neuron site."""
    assume(not any(n["op"] in ("concat", "batchnorm") for n in data["nodes"]))
    data = _exportable(data)
    spec = spec_from_dict(data)
    back = _round_trip(spec, tmp_path)
    a, b = snncost.analyze(spec), snncost.analyze(back)
    assert {k: a.totals[k] for k in COMPARED} == {k: b.totals[k] for k in COMPARED}
    sites = lambda r: {row["name"]: (row["lif_neurons"], row["state_variables"]) for row in r.rows if row["lif_neurons"]}  # noqa: E731
    assert sites(a) == sites(b)
    assert [n.reset for n in spec.neuron_nodes] == [n.reset for n in back.neuron_nodes]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                                   HealthCheck.function_scoped_fixture])
@given(spec_dicts(rank=2, groupings=False, max_layers=3) | spec_dicts(rank=1, groupings=False))
def test_round_trip_of_sequences_and_vectors(tmp_path, data):
    """conv1d networks on (C, L) and linear networks on (F,): every count kept."""
    spec = spec_from_dict(data)
    if any(n.op == "concat" or "pool" in n.op for n in spec.nodes) and len(spec.input.shape) == 2:
        with pytest.raises(SpecError, match="cannot be written to NIR|only folded"):  # no 1-D pooling, no concat
            to_nir(spec)
        return
    assume(not any(n.op in ("concat", "batchnorm") for n in spec.nodes))
    back = _round_trip(spec, tmp_path)
    a, b = snncost.analyze(spec), snncost.analyze(back)
    assert {k: a.totals[k] for k in COMPARED} == {k: b.totals[k] for k in COMPARED}


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def test_cli_table_spec_and_to_nir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(["spec", "imsnn-resnet19", "--to-nir", "r.nir"])
    assert status == 0 and "wrote r.nir" in out and "batchnorm folded" in out
    status, out, err = run(["table", "r.nir", "-T", "5", "--reset", "soft", "--format", "json"])
    assert status == 0
    import json

    data = json.loads(out)
    assert data["config"]["timesteps"] == 5
    # IM-SNN ResNet-19 (domain notes sec. 3): 1,376,512 LIF neurons incl. the 256 FC neurons
    assert data["totals"]["lif_neurons"] == 1_376_512
    assert err.startswith("snncost: note: imported from NIR file 'r.nir'")
    # every import note on standard error (whatever the format), and in the report's notes
    assert [line.removeprefix("snncost: note: ") for line in err.splitlines()] == data["notes"][-len(err.splitlines()):]
    assert any("T = 5 (given)" in n for n in data["notes"])
    for command in (["formula", "r.nir"], ["sweep", "r.nir", "--input", "32,64"]):
        status, out, err = run(command)
        assert status == 0, err


def test_every_built_in_kind_states_its_nir_mapping():
    """Each registry entry carries its "nir" rule: read from which NIR types, written how or why not."""
    from snncost.kinds import kinds
    from snncost.nir_io import importers

    for kind in kinds():
        rule = kind.rules.get("nir")
        assert rule is not None, kind.name
        assert rule.export is not None or rule.not_exported, kind.name
    # every NIR node type of the NIR spec (domain notes sec. 7) but the structural ones is read
    assert set(importers()) == {"Affine", "Linear", "Scale", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Flatten",
                                "Delay", "Threshold", "I", "IF", "LI", "LIF", "CubaLI", "CubaLIF"}


def test_user_kind_without_nir_rule_is_refused():
    from snncost.kinds.registry import remove_kind

    snncost.register_node_kind("double", shape=lambda node, shapes: shapes[0])
    try:
        spec = spec_from_dict({"name": "u", "input": {"shape": [4]}, "nodes": [{"name": "d", "op": "double"}]})
        with pytest.raises(SpecError, match="node 'd'.*no 'nir' rule"):
            to_nir(spec)
    finally:
        remove_kind("double")


def test_dangling_edge_of_an_in_memory_graph():
    g = graph({"in": nir.Input(input_type={"input": np.array([4])}), "fc": nir.Affine(weight=ones(6, 4), bias=ones(6))},
              [("in", "fc"), ("fc", "fc.zz")])
    with pytest.raises(SpecError, match="no node named 'fc.zz'"):
        from_nir(g)


def test_batch_dimension_before_a_neuron():
    """Input (1, 6) feeding a 6-neuron LIF: the leading 1 is a batch dimension."""
    spec = from_nir(graph({"in": nir.Input(input_type={"input": np.array([1, 6])}), "lif": lif((6,))}, [("in", "lif")]))
    assert list(spec.input.shape) == [6]
    # a (2, 3) input feeding a 6-neuron LIF has no batch dimension to remove
    spec = from_nir(graph({"in": nir.Input(input_type={"input": np.array([2, 3])}), "lif": lif((6,))}, [("in", "lif")]))
    assert list(spec.input.shape) == [2, 3]
