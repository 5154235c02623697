"""Op counts (issue 9): dense MACs against hand derivations and PyTorch's FlopCounterMode,
the spike-fed rules, rates, neuron updates, multi-level spikes."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from strategies import network_specs

import snncost
from snncost.errors import ConfigError, InputFileError
from snncost.shapes import infer_shapes
from snncost.spec import SpecBuilder


def _rows(report):
    return {r["name"]: r for r in report.rows}


def tiny(*, input_shape=(3, 8, 8), timesteps=4):
    """conv(3->4, 3x3, pad 1) -> lif -> maxpool 2 -> conv(4->6, 3x3) -> lif -> add with itself... see each test."""
    return SpecBuilder("tiny", input_shape, timesteps=timesteps)


# ---- dense MACs by hand ------------------------------------------------------------

def test_conv_linear_macs_by_hand():
    b = tiny()
    b.conv2d("c1", 4, 3, padding=1)          # 8x8 out: 4 x 8 x 8 x (3 x 9) = 6912
    b.lif("l1")
    b.conv2d("c2", 6, 3, stride=2, padding=0, groups=2)  # out (8-3)//2+1 = 3: 6 x 3 x 3 x (4/2 x 9) = 972
    b.lif("l2")
    b.flatten("f")
    b.linear("fc", 5)                         # 54 x 5 = 270
    r = snncost.analyze(b.build())
    rows = _rows(r)
    assert rows["c1"]["macs"] == 6912
    assert rows["c2"]["macs"] == 972
    assert rows["fc"]["macs"] == 270
    assert r.totals["macs"] == 6912 + 972 + 270
    # neuron updates: (4*8*8 + 6*3*3) neurons x T=4
    assert r.totals["neuron_updates"] == (256 + 54) * 4
    assert r.totals["neuron_ops"] == (256 + 54) * 4 * 4  # NeuroBench Leaky: 4 ops per update


def test_dilated_conv1d_by_hand():
    b = SpecBuilder("seq", (2, 20), timesteps=1)
    b.conv1d("c", 3, 3, dilation=2, padding=1)  # out = 20 + 2 - 4 - 1 + 1 = 18; 3 x 18 x 2 x 3 = 324
    assert _rows(snncost.analyze(b.build()))["c"]["macs"] == 324


def test_lstm_macs_seed002_eq14():
    """Seed 002 Eq. 14: an LSTM layer is (c_in + c_out) x c_out x 4 ops: 16 -> 8: (16 + 8) x 8 x 4 = 768."""
    b = SpecBuilder("rnn", (16,), timesteps=3)
    b.lstm("cell", 8)
    row = _rows(snncost.analyze(b.build()))["cell"]
    assert row["macs"] == 768
    assert row["params"] == 4 * 8 * (16 + 8) + 2 * 4 * 8   # nn.LSTMCell: two bias vectors


def test_lstm_macs_match_flop_counter():
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    b = SpecBuilder("rnn", (10,))
    b.lstm("cell", 6)
    row = _rows(snncost.analyze(b.build()))["cell"]
    cell = torch.nn.LSTMCell(10, 6)
    assert sum(p.numel() for p in cell.parameters()) == row["params"]
    with FlopCounterMode(display=False) as counter:
        cell(torch.zeros(1, 10), (torch.zeros(1, 6), torch.zeros(1, 6)))
    assert counter.get_total_flops() == 2 * row["macs"]


def test_padding_excluded_by_hand():
    """1 channel, 3x3 input, 3x3 kernel, pad 1: corner outputs see 4 taps, edges 6,
    the centre 9: 4*4 + 4*6 + 9 = 49 (NeuroBench Dense), 81 with padding positions."""
    b = SpecBuilder("p", (1, 3, 3))
    b.conv2d("c", 1, 3, padding=1)
    spec = b.build()
    assert _rows(snncost.analyze(spec))["c"]["macs"] == 81
    assert _rows(snncost.analyze(spec, padding="excluded"))["c"]["macs"] == 49


def test_extra_ops_named_options():
    b = SpecBuilder("x", (2, 4, 4))
    b.conv2d("c", 3, 1, bias=True)        # 3x4x4 out: 48 MACs (2 x 1 x 48 = 96), 48 bias adds
    b.batchnorm("bn")                     # 48 elements
    b.pool("p", "avgpool2d", 2)           # 3x2x2 out x 4 taps = 48
    spec = b.build()
    base = snncost.analyze(spec).totals["macs"]
    assert base == 96
    assert snncost.analyze(spec, extra_ops="bias").totals["macs"] == 96 + 48
    assert snncost.analyze(spec, extra_ops=("bias", "batchnorm", "pool")).totals["macs"] == 96 + 48 + 48 + 48


def test_tdbn_resnet19_macs_seed002():
    """Seed 002 Table 2: 'ANN Res-19 2285M' = tdBN ResNet-19, 2,285,373,952 MACs (domain notes sec. 2)."""
    assert snncost.analyze("tdbn-resnet19").totals["macs"] == 2_285_373_952


# ---- against PyTorch -------------------------------------------------------------------

def _torch_flops(node, in_shape):
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    pair = lambda v: tuple(v) if isinstance(v, (list, tuple)) else v  # noqa: E731
    if node.op == "linear":
        layer = torch.nn.Linear(in_shape[-1], node.out_features, bias=False)
    else:
        cls = torch.nn.Conv2d if node.op == "conv2d" else torch.nn.Conv1d
        layer = cls(in_shape[0], node.out_channels, pair(node.kernel), stride=pair(node.stride),
                    padding=pair(node.padding), dilation=pair(node.dilation), groups=node.groups, bias=False)
    x = torch.zeros((1, *in_shape))
    with FlopCounterMode(display=False) as counter:
        layer(x)
    return counter.get_total_flops(), layer, x


@settings(max_examples=40, deadline=None)
@given(network_specs(attention=True))
def test_macs_match_flop_counter(spec):
    """FlopCounterMode counts 2 FLOPs per MAC (padding positions included)."""
    pytest.importorskip("torch")
    shapes = infer_shapes(spec)
    report = snncost.analyze(spec, baseline=False)
    for node, row in zip(spec.order, report.rows):
        if node.op in ("conv2d", "conv1d", "linear"):
            flops, _, _ = _torch_flops(node, shapes[node.name]["inputs"][0])
            assert 2 * row["macs"] == flops, node


@settings(max_examples=30, deadline=None)
@given(network_specs(rank=3, attention=True))
def test_macs_without_padding_match_all_ones_run(spec):
    """NeuroBench's Dense count: the layer run on all-ones inputs and weights, zero
    padding.  The sum of the outputs counts exactly the taps that land on the input."""
    torch = pytest.importorskip("torch")
    shapes = infer_shapes(spec)
    report = snncost.analyze(spec, baseline=False, padding="excluded")
    for node, row in zip(spec.order, report.rows):
        if node.op in ("conv2d", "conv1d"):
            _, layer, x = _torch_flops(node, shapes[node.name]["inputs"][0])
            with torch.no_grad():
                layer.weight.fill_(1.0)
                total = layer(torch.ones_like(x)).double().sum().item()
            assert row["macs"] == int(total), node


# ---- which rule applies ------------------------------------------------------------------

def _mixed():
    """input -> c1 -> l1 -> maxpool -> c2 -> l2 ; add(l2, l2') -> c3 ; avgpool(l2) -> flatten -> fc."""
    b = SpecBuilder("mixed", (2, 8, 8), timesteps=4)
    b.conv2d("c1", 4, 3, padding=1)          # 4*8*8*2*9 = 4608
    b.lif("l1")
    b.pool("mp", "maxpool2d", 2)
    b.conv2d("c2", 4, 3, padding=1)          # 4*4*4*4*9 = 2304
    b.lif("l2")
    b.conv2d("c2b", 4, 1, inputs="mp")       # 4*4*4*4 = 256
    b.lif("l3")
    b.residual_add("sum", ["l2", "l3"])
    b.conv2d("c3", 4, 1)                     # 256
    b.pool("ap", "avgpool2d", 2, inputs="l2")
    b.flatten("f")
    b.linear("fc", 3)                        # 16 * 3 = 48
    return b.build()


def test_rules_neurobench_default():
    r = snncost.analyze(_mixed(), rates={"l1": 0.5, "l2": 0.25, "l3": Fraction(1, 8)})
    rows = _rows(r)
    T = 4
    assert rows["c1"]["op_rule"].startswith("MAC x T") and rows["c1"]["snn_macs"] == 4608 * T
    assert rows["c2"]["acs"] == Fraction(1, 2) * T * 2304          # spikes through max-pool
    assert rows["c2b"]["acs"] == Fraction(1, 2) * T * 256
    assert rows["c3"]["op_rule"].startswith("MAC x T (neurobench)") and rows["c3"]["snn_macs"] == 256 * T
    assert rows["fc"]["snn_macs"] == 48 * T and rows["fc"]["acs"] == 0
    assert r.totals["acs"] == 2 * 2304 + 2 * 256


def test_rules_paper_convention_and_analog_once():
    r = snncost.analyze(_mixed(), rates={"l1": 0.5, "l2": 0.25, "l3": Fraction(1, 8)}, spike_sums="paper",
                        analog_input="once")
    rows = _rows(r)
    assert rows["c1"]["snn_macs"] == 4608 and "once" in rows["c1"]["op_rule"]
    assert rows["c3"]["acs"] == (Fraction(1, 4) + Fraction(1, 8)) * 4 * 256   # sum of the addends' rates
    assert rows["fc"]["acs"] == Fraction(1, 4) * 4 * 48                      # avg-pool keeps the mean value
    assert "paper" in rows["c3"]["op_rule"]


def test_event_input_counts_as_spikes():
    spec = _mixed()
    r = snncost.analyze(spec, rates={"input": 0.1, "l1": 0.5, "l2": 0.25, "l3": 0.125}, input_spikes=True)
    assert _rows(r)["c1"]["acs"] == Fraction(1, 10) * 4 * 4608


def test_static_node_runs_once():
    r = snncost.analyze("resnet19", rates=0.2)
    stem = _rows(r)["stem.conv"]
    assert stem["snn_macs"] == stem["macs"] and "static" in stem["op_rule"]


def test_multilevel_spikes_exponent_adds():
    b = SpecBuilder("ml", (2, 4, 4), timesteps=2)
    b.conv2d("c1", 2, 1)
    b.lif("m", op="mlif", lanes=3)
    b.conv2d("c2", 2, 1)                     # 2*4*4*2 = 64 MACs
    r = snncost.analyze(b.build(), rates=0.5)
    assert _rows(r)["c2"]["acs"] == 64 and r.totals["exponent_adds"] == 64   # 0.5 x T=2 x 64


# ---- rates ------------------------------------------------------------------------------

def test_rates_summed_equals_per_timestep_times_T():
    a = snncost.analyze(_mixed(), rates=0.25).totals["acs"]
    b = snncost.analyze(_mixed(), rates=1, rate_mode="summed").totals["acs"]   # 1 over T=4 = 0.25 per step
    assert a == b


def test_rates_files(tmp_path):
    csv_file = tmp_path / "r.csv"
    csv_file.write_text("node,rate\nl1,0.5\nl2,0.25\nl3,0.125\n")
    json_file = tmp_path / "r.json"
    json_file.write_text(json.dumps({"l1": 0.5, "l2": 0.25, "l3": 0.125}))
    expected = snncost.analyze(_mixed(), rates={"l1": 0.5, "l2": 0.25, "l3": 0.125}).totals["acs"]
    assert snncost.analyze(_mixed(), rates=str(csv_file)).totals["acs"] == expected
    assert snncost.analyze(_mixed(), rates=json_file).totals["acs"] == expected


def test_rates_missing_unknown_out_of_range(tmp_path):
    with pytest.raises(ConfigError, match="no rate for node 'l3'"):
        snncost.analyze(_mixed(), rates={"l1": 0.5, "l2": 0.25})
    assert snncost.analyze(_mixed(), rates={"l1": 0.5}, rate_default=0).totals["acs"] == Fraction(1, 2) * 4 * (2304 + 256)
    with pytest.raises(ConfigError, match="'nope'"):
        snncost.analyze(_mixed(), rates={"nope": 0.5}, rate_default=0)
    with pytest.raises(ConfigError, match="out of range"):
        snncost.analyze(_mixed(), rates=1.5)
    assert snncost.analyze(_mixed(), rates=3, rate_mode="summed").totals["acs"] > 0   # 3 <= T = 4
    bad = tmp_path / "bad.csv"
    bad.write_text("layer,value\n")
    with pytest.raises(InputFileError, match="header"):
        snncost.analyze(_mixed(), rates=str(bad))


# ---- JSON interface -------------------------------------------------------------------------

def test_json_totals_keys():
    plain = snncost.analyze("resnet19").to_dict()["totals"]
    assert isinstance(plain["macs"], int) and isinstance(plain["neuron_updates"], int)
    assert "acs" not in plain and "energy_pj" not in plain
    data = snncost.analyze("resnet19", rates=0.15).to_dict()
    assert isinstance(data["totals"]["acs"], (int, float)) and isinstance(data["totals"]["energy_pj"], (int, float))
    assert data["energy"]["model"] == "compute" and data["energy"]["breakdown_pj"]
    json.dumps(data)


# ---- command line ---------------------------------------------------------------------------

def test_cli_energy_and_table_json(capsys, tmp_path):
    from snncost.cli import main

    assert main(["energy", "resnet19", "--rates", "0.15", "--energy", "yao2023", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["energy"]["model"] == "yao2023"
    # seed 002 Table 2's rule: 0.9 pJ x (ACs + MACs executed) + 4.6 pJ x MACs executed
    t = data["totals"]
    assert Fraction(t["energy_pj"]).limit_denominator(10**6) == \
        Fraction(9, 10) * (Fraction(t["acs"]).limit_denominator(10**6) + t["snn_macs"]) + Fraction(46, 10) * t["snn_macs"]
    rates = tmp_path / "r.csv"
    rates.write_text("node,rate\n" + "".join(f"{n},0.1\n" for n in ("stem.lif",)))
    assert main(["table", "resnet19", "--rates", str(rates), "--rate-default", "0.2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["name"]: r for r in data["layers"]}
    assert rows["s1b1.conv1"]["input_rate"] == 0.1 and rows["s1b1.conv2"]["input_rate"] == 0.2
    assert data["config"]["ops"]["rates_given"] is True
    assert main(["table", "resnet19", "--rates", "0.1", "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert "macs" in header and "acs" in header and "op_rule" in header
