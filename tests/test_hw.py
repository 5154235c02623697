"""snncost.hw: hardware counts, memory traffic and simulator exports (issue 12).

Expected values are derived by hand in the comments (or by a second method: a brute
force over output positions, torch when installed), never copied from the code.
"""
from __future__ import annotations

import json
from fractions import Fraction

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snncost.cli import main
from snncost.errors import ConfigError, InputFileError
from snncost.hw import hardware, lif_share
from snncost.hw.accelergy import action_counts, default_ert, load_ert, price, read_ert
from snncost.hw.render import export_files, to_json_dict
from snncost.spec import SpecBuilder
from snncost.spec.loader import spec_from_dict

from strategies import network_specs

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def two_layer(out_features=6):
    """input (2, 4, 4), T = 2: conv 3x3 pad 1 -> 3 channels, LIF, maxpool 2, flatten, linear -> 6, LIF."""
    b = SpecBuilder("two", (2, 4, 4), timesteps=2)
    b.conv2d("conv1", 3, 3, padding=1, bias=False)
    b.lif("lif1")
    b.pool("pool", "maxpool2d", 2)
    b.flatten("flat")
    b.linear("fc", out_features, bias=False)
    b.lif("lif2")
    return b.build()


# --- the accelerator: LIF units, membrane buffers, LIF share ----------------------------
def test_sec_5_3_9_lif_share_c4():
    # (0.616 / 4) / (0.616 / 4 + 0.384) = 0.154 / 0.538 = 77/269 = 0.28624..., printed 28.6%
    report = hardware("vgg16", sharing="C4", pe=128, batch=64, lif_share="0.616")
    assert report.lif["lif_units"] == 32 and report.lif["lif_units_baseline"] == 128
    assert report.lif_share == Fraction(154, 538) == Fraction(77, 269)
    assert round(float(report.lif_share) * 100, 1) == 28.6
    # membrane buffers shrink with the units: 32 x 32 bits vs 128 x 32 bits
    assert report.lif["membrane_buffer_bits"] == 32 * 32 and report.lif["membrane_buffer_bits_baseline"] == 128 * 32


@pytest.mark.parametrize("n, units, share", [
    (1, 128, Fraction(616, 1000)),
    (2, 64, Fraction(308, 308 + 384)),      # (0.616 / 2) / (0.308 + 0.384)
    (8, 16, Fraction(77, 77 + 384)),        # 0.077 / (0.077 + 0.384)
])
def test_c2_c8_the_same_way(n, units, share):
    report = hardware("vgg16", sharing=f"C{n}" if n > 1 else "none", pe=128, lif_share=Fraction(616, 1000))
    assert report.lif["lif_units"] == units and report.lif_share == share


def test_lif_share_from_percent_text_is_exact():
    assert hardware("vgg16", sharing="C4", lif_share="61.6%").lif_share == Fraction(77, 269)


@given(st.fractions(min_value=Fraction(1, 100), max_value=Fraction(99, 100)), st.integers(1, 63))
def test_lif_share_shrinks_with_groups(base, n):
    assert lif_share(base, n + 1) < lif_share(base, n) <= base


# --- a two-layer net, by hand -------------------------------------------------------------
def test_two_layer_counts_by_hand():
    r = hardware(two_layer(), sharing="C3", batch=3, pe=4, spike_rate="1/2")
    layers = {x["name"]: x for x in r.layers}
    # conv1: 3 out x 2 in x 9 taps x 16 positions = 864 dense MACs; padding excluded, per axis
    # the taps inside a 4-wide input with pad 1 are 2 + 3 + 3 + 2 = 10, so 3 x 2 x 10 x 10 = 600
    assert layers["conv1"]["dense_macs"] == 864 and layers["conv1"]["dense_macs_unpadded"] == 600
    # fc: 12 x 6 = 72, fed by lif1's spikes through maxpool and flatten
    assert layers["fc"]["dense_macs"] == 72 and layers["fc"]["spike_source"] == "lif1"
    assert layers["conv1"]["spike_source"] is None            # fed by the image: MACs
    # per mini-batch of 3, T = 2: conv1 MACs 864 x 2 x 3 = 5184; fc ACs 72 x 2 x 3 x 1/2 = 216
    assert r.actions["mac_unit"]["compute"] == 5184 and r.actions["adder"]["compute"] == 216
    # LIF updates (48 + 6) x 2 x 3 = 324, fires at rate 1/2: 162
    assert r.actions["lif_unit"] == {"update": 324, "fire": 162}
    # LIF units ceil(4 / 3) = 2; cycles per timestep: lif1 ceil(48 / 4) = 12 rounds x 3 cycles,
    # lif2 ceil(6 / 4) = 2 rounds x 3: 42 (14 without sharing)
    assert r.lif["lif_units"] == 2
    assert r.lif["lif_cycles_per_timestep"] == 42 and r.lif["lif_cycles_per_timestep_baseline"] == 14
    t = r.traffic["by_tensor"]
    # weights: conv1 54 x 32 bits = 27 words, fc 72 x 32 = 36 words, once per mini-batch
    assert t["weights"]["dram_reads"] == 63 and t["weights"]["dram_writes"] == 0
    # input: 32 values x 8 bits x 3 samples = 768 bits = 12 words, read at both timesteps
    assert t["input"]["dram_reads"] == 24
    # spikes: lif1 48 x 3 bits = 144 -> 3 words per timestep, written 2x, read by fc 2x;
    # lif2 6 x 3 = 18 bits -> 1 word, written 2x
    assert t["spikes"]["dram_writes"] == 6 + 2 and t["spikes"]["dram_reads"] == 6
    # membranes under C3: lif1 48 / 3 x 32 bits x 3 = 1536 bits = 24 words, lif2 6 / 3 x 32 x 3 = 192
    # bits = 3 words; written each timestep (2), read at every timestep but the first (1)
    assert t["membranes"]["dram_writes"] == 2 * 24 + 2 * 3 and t["membranes"]["dram_reads"] == 24 + 3
    assert r.traffic["total"]["dram_accesses"] == (63 + 24 + 6 + 27) + (8 + 54)   # 182
    # unshared: membranes 48 x 32 x 3 = 72 words and 6 x 32 x 3 = 9 words -> reads 81, writes 162
    assert r.traffic_baseline["dram_accesses"] == (63 + 24 + 6 + 81) + (8 + 162)   # 344
    assert r.reduction["at_batch"] == 1 - Fraction(182, 344)


def test_layer_sharing_writes_one_membrane_per_group():
    # two same-shape LIF sites (3, 4, 4) form one auto group: one buffer of 48 x 32 bits x B
    b = SpecBuilder("pair", (2, 4, 4), timesteps=4)
    b.conv2d("c1", 3, 3, padding=1)
    b.lif("l1")
    b.conv2d("c2", 3, 3, padding=1)
    b.lif("l2")
    spec = b.build()
    shared = hardware(spec, sharing="L", batch=2).traffic["by_tensor"]["membranes"]
    alone = hardware(spec, sharing="none", batch=2).traffic["by_tensor"]["membranes"]
    words = 48 * 32 * 2 // 64   # 48 words per buffer and timestep
    assert shared["dram_writes"] == 4 * words and alone["dram_writes"] == 2 * 4 * words
    assert shared["dram_reads"] == 3 * words and alone["dram_reads"] == 2 * 3 * words


def test_global_buffer_keeps_small_tensors_on_chip():
    # a 2 Kibit buffer holds lif1's membrane for the batch (48 x 32 x 1 = 1536 bits) but not
    # the input's weights; weights always come from DRAM
    r = hardware(two_layer(), batch=1, global_buffer_bits=2048)
    t = r.traffic["by_tensor"]
    assert t["membranes"]["dram_accesses"] == 0 and t["membranes"]["on_chip_writes"] == 2 * 24 + 2 * 3
    assert t["weights"]["dram_reads"] == 63


def test_per_inference_is_per_mini_batch_over_b():
    data = to_json_dict(hardware(two_layer(), batch=3))
    per_batch, per_inf = data["traffic"]["per_mini_batch"]["total"], data["traffic"]["per_inference"]["total"]
    assert per_inf["dram_reads"] == pytest.approx(per_batch["dram_reads"] / 3)


def test_fig9_reduction_grows_with_batch():
    r = hardware("vgg16", sharing="L", batch=64)
    values = list(r.reduction["by_batch"].values())
    assert values == sorted(values) and values[0] < Fraction(1, 10)   # little at B = 1
    # published 23% at 64 mini-batches (CIFAR10): under the declared assumptions 22.96%
    assert round(r.reduction["at_batch"] * 100) == 23


# --- SATA workload ------------------------------------------------------------------------
def test_sata_counts_by_hand():
    r = hardware(two_layer(), spike_rate="1/2")
    conv1 = next(x for x in r.sata if x["name"] == "conv1")
    # C 2, K 3, R 9, H = E = 16, T 2, s = 1 (image input), b = 8
    assert (conv1["C"], conv1["K"], conv1["R"], conv1["H"], conv1["E"]) == (2, 3, 9, 16, 16)
    assert conv1["lif"] == 3 * 16 * 2 == 96
    assert conv1["mac_forward"] == 2 * 9 * 3 * 16 * 2 == 1728
    assert conv1["dram_forward"] == 54 + (48 + Fraction(32, 8)) * 2 == 158
    assert conv1["dram_backward"] == 2 * (48 + 4) == 104
    fc = next(x for x in r.sata if x["name"] == "fc")
    # a linear layer as a 1x1 conv: C 12, K 6, one row; spikes at density 1/2
    assert fc["mac_forward"] == Fraction(1, 2) * 12 * 6 * 2 and fc["mac_backward"] == 12 * 6 * 2


# --- NeuroBench ---------------------------------------------------------------------------
def _brute_force_taps(size, out, k, s, p, d):
    return sum(1 for o in range(out) for t in range(k) if 0 <= o * s - p + t * d < size)


def test_neurobench_metrics_by_hand():
    nb = hardware(two_layer(), spike_rate="1/2").neurobench
    # Dense excludes padding: conv1 600 x T 2 + fc 72 x 2 = 1344 per sample
    assert nb["synaptic_operations"]["Dense"] == 1344
    assert nb["synaptic_operations"]["Effective_MACs"] == 1200      # image input: dense
    assert nb["synaptic_operations"]["Effective_ACs"] == 72         # 144 x rate 1/2
    assert nb["membrane_updates"] == (48 + 6) * 2
    assert nb["neuron_operations"] == 4 * (48 + 6) * 2              # snntorch Leaky: 4 per update
    assert nb["footprint"] == (54 + 72) * 4                          # bytes, fp32, no biases
    assert nb["connection_sparsity"] == 0


@pytest.mark.parametrize("size, k, s, p, d", [(7, 3, 2, 1, 1), (9, 3, 1, 2, 2), (5, 5, 1, 2, 1), (6, 1, 3, 0, 1)])
def test_dense_excludes_padding_like_brute_force(size, k, s, p, d):
    b = SpecBuilder("one", (2, size, size), timesteps=1)
    b.conv2d("c", 4, k, stride=s, padding=p, dilation=d, bias=False)
    b.lif("l")
    out = (size + 2 * p - d * (k - 1) - 1) // s + 1
    taps = _brute_force_taps(size, out, k, s, p, d)
    nb = hardware(b.build()).neurobench
    assert nb["synaptic_operations"]["Dense"] == 4 * 2 * taps * taps


def test_dense_matches_torch_all_ones_run():
    torch = pytest.importorskip("torch")
    # NeuroBench's Dense: the layer with all-ones weights, no bias, on all-ones input: sum of outputs
    for (size, k, s, p, d, g) in [(7, 3, 2, 1, 1, 1), (9, 3, 1, 2, 2, 2), (8, 5, 2, 2, 1, 1)]:
        conv = torch.nn.Conv2d(4, 6, k, stride=s, padding=p, dilation=d, groups=g, bias=False)
        torch.nn.init.ones_(conv.weight)
        expected = int(conv(torch.ones(1, 4, size, size)).sum().item())
        b = SpecBuilder("one", (4, size, size), timesteps=1)
        b.conv2d("c", 6, k, stride=s, padding=p, dilation=d, groups=g, bias=False)
        b.lif("l")
        assert hardware(b.build()).neurobench["synaptic_operations"]["Dense"] == expected


# --- exports, re-read -----------------------------------------------------------------------
def test_accelergy_export_reread(tmp_path, capsys):
    assert main(["hw", "vgg16", "--sharing", "C4", "--batch", "8", "--format", "json",
                 "--export", "accelergy", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    doc = yaml.safe_load((tmp_path / "action_counts.yaml").read_text())
    local = doc["action_counts"]["local"]
    names = {c["name"].rsplit(".", 1)[-1] for c in local}
    assert names == {"dram", "global_buffer", "weight_buffer", "spike_buffer", "membrane_buffer", "lif_unit",
                     "adder", "mac_unit"}
    for component in local:
        short = component["name"].rsplit(".", 1)[-1]
        for action in component["action_counts"]:
            assert action["counts"] == report["actions"][short][action["name"]]
    # the DRAM counts are the traffic report's totals
    total = report["traffic"]["per_mini_batch"]["total"]
    dram = {a["name"]: a["counts"] for c in local if c["name"].endswith(".dram") for a in c["action_counts"]}
    assert dram == {"read": total["dram_reads"], "write": total["dram_writes"]}
    arch = yaml.safe_load((tmp_path / "architecture.yaml").read_text())
    local_arch = arch["architecture"]["subtree"][0]["subtree"][0]["local"]
    assert {c["name"] for c in local_arch} == names
    assert next(c for c in local_arch if c["name"] == "lif_unit")["attributes"]["instances"] == 32


def test_timeloop_export_dims_match_shapes(tmp_path):
    assert main(["hw", "resnet19", "--batch", "4", "--spike-rate", "0.25", "--export", "timeloop", str(tmp_path)]) == 0
    r = hardware("resnet19", batch=4, spike_rate="0.25")
    files = sorted(tmp_path.glob("*.yaml"))
    layers = [x for x in r.layers if x["dense_macs"]]
    assert len(files) == len(layers)
    for path, x in zip(files, layers):
        assert path.name.endswith(f"_{x['name']}.yaml")
        inst = yaml.safe_load(path.read_text())["problem"]["instance"]
        node = r.spec.node_map[x["name"]]
        in_shape, out_shape = r.shapes[x["name"]]["inputs"][0], r.shapes[x["name"]]["output"]
        assert inst["N"] == 4 * 5                                      # batch x timesteps
        dims = inst["C"] * inst["M"] * inst["R"] * inst["S"] * inst["N"] * inst["P"] * inst["Q"]
        assert dims == x["dense_macs"] * inst["N"]
        if node.op == "conv2d":
            assert (inst["M"], inst["Q"], inst["P"]) == tuple(out_shape)      # (C_out, H_out, W_out)
            assert inst["C"] * node.groups == in_shape[0]
            pad = node.padding if isinstance(node.padding, int) else 0
            # Timeloop's input width (P - 1) Wstride + (R - 1) Wdilation + 1 fits the padded input
            width = (inst["P"] - 1) * inst["Wstride"] + (inst["R"] - 1) * inst["Wdilation"] + 1
            assert 0 <= in_shape[2] + 2 * pad - width < inst["Wstride"]   # the floor of PyTorch's size rule
        expected = Fraction(1, 4) if x["spike_source"] else 1
        assert Fraction(str(inst["densities"]["Inputs"]["density"])) == expected


def test_neurobench_export_reread(tmp_path):
    assert main(["hw", "vgg16", "--export", "neurobench", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "neurobench.json").read_text())
    assert set(data) >= {"footprint", "connection_sparsity", "synaptic_operations", "membrane_updates",
                         "neuron_operations"}
    assert set(data["synaptic_operations"]) == {"Effective_MACs", "Effective_ACs", "Dense"}
    nb = hardware("vgg16").neurobench
    assert data["membrane_updates"] == nb["membrane_updates"] and data["synaptic_operations"]["Dense"] == \
        nb["synaptic_operations"]["Dense"]


# --- Accelergy ERT import and pricing --------------------------------------------------------
def test_ert_pricing_by_hand(tmp_path):
    ert = tmp_path / "ERT.yaml"
    ert.write_text(yaml.safe_dump({"ERT": {"version": "0.4", "tables": [
        {"name": "system.chip.dram", "actions": [{"name": "read", "energy": 2.5}, {"name": "write", "energy": 3}]},
        {"name": "system.chip.adder", "actions": [{"name": "compute", "arguments": [{"energy": 0.5}]}]},
    ]}}))
    r = hardware(two_layer(), sharing="C3", batch=3, spike_rate="1/2")
    priced = price(r.actions, load_ert(str(ert)))
    # DRAM 120 reads x 2.5 + 62 writes x 3 (the two-layer counts above) + 216 ACs x 0.5
    assert priced["total_pj"] == Fraction(5, 2) * 120 + 3 * 62 + Fraction(1, 2) * 216
    assert "mac_unit.compute" in priced["unpriced"] and "global_buffer.read" not in priced["unpriced"]


def test_default_ert_roundtrip_prices_every_action():
    r = hardware(two_layer(), batch=2)
    table = read_ert(yaml.safe_dump(default_ert()))
    priced = price(r.actions, table)
    assert priced["unpriced"] == []
    assert priced["energy_pj"]["mac_unit"]["compute"] == r.actions["mac_unit"]["compute"] * Fraction("4.6")


def test_cli_ert_option(tmp_path, capsys):
    ert = tmp_path / "ert.yaml"
    ert.write_text(yaml.safe_dump(default_ert()))
    assert main(["hw", "vgg16", "--ert", str(ert), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["energy"]["total_pj"] > 0 and data["energy"]["unpriced"] == []


@pytest.mark.parametrize("text, fragment", [
    ("ERT: [1, 2]", "no 'ERT: tables' list"),
    ("ERT: {tables: [{name: x}]}", "needs a 'name' and an 'actions' list"),
    ("ERT: {tables: [{name: x, actions: [{name: read, energy: -1}]}]}", "non-negative number 'energy'"),
    ("ERT: {tables: [{name: x, actions: [{name: read, arguments: [{energy: 1}, {energy: 2}]}]}]}",
     "several argument variants"),
    ("ERT: {tables: [{name: x, actions: [{name: read, energy: !!python/name:os.system }]}]}", "could not determine a constructor"),
])
def test_bad_ert_is_one_line(text, fragment):
    with pytest.raises(InputFileError) as info:
        read_ert(text, "option --ert 'e.yaml'")
    assert fragment in str(info.value) and "\n" not in str(info.value)


# --- CLI and options ------------------------------------------------------------------------
def test_cli_json_keys(capsys):
    assert main(["hw", "vgg16", "--sharing", "C4", "--pe", "128", "--batch", "64", "--lif-share", "0.616",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["lif_units"] == 32 and data["lif_share"] == "77/269" and data["membrane_buffer_bits"] == 1024
    assert data["parameters"]["lif_share"] == {"value": "77/125", "default": "77/125",
                                               "about": data["parameters"]["lif_share"]["about"],
                                               "source": data["parameters"]["lif_share"]["source"]}
    assert set(data["traffic"]["per_mini_batch"]["by_tensor"]) == {"weights", "input", "spikes", "membranes",
                                                                   "static_currents"}
    assert "dram_reads" in data["traffic"]["per_mini_batch"]["by_tensor"]["membranes"]
    assert "on_chip_reads" in data["traffic"]["per_mini_batch"]["by_tensor"]["membranes"]


def test_cli_text_prints_every_parameter_default(capsys):
    from snncost.hw import PARAMETERS

    assert main(["hw", "vgg16", "--sharing", "C4"]) == 0
    out = capsys.readouterr().out
    for name in PARAMETERS:
        assert f"  {name} = " in out and "(default " in out
    assert "28.62% = 77/269" in out


@pytest.mark.parametrize("argv, fragment", [
    (["hw", "vgg16", "--lif-share", "1.5"], "option --lif-share: 1.5 is out of range"),
    (["hw", "vgg16", "--lif-share", "abc"], "option --lif-share: cannot read 'abc'"),
    (["hw", "vgg16", "--pe", "0"], "option --pe: 0 is not positive"),
    (["hw", "vgg16", "--spike-rate", "2"], "option --spike-rate: 2 is out of range"),
    (["hw", "vgg16", "--weight-reads", "never"], "option --weight-reads: unknown value 'never'"),
    (["hw", "vgg16", "--static-layers", "x"], "option --static-layers: unknown value 'x'"),
    (["hw", "vgg16", "--format", "csv"], "option --format: unknown format 'csv'"),
    (["hw", "vgg16", "--export", "gem5", "d"], "option --export: unknown export 'gem5'"),
    (["hw", "vgg16", "--export", "timeloop", "/nonexistent/dir"], "its parent folder does not exist"),
    (["hw", "vgg16", "--ert", "/nonexistent.yaml"], "option --ert '/nonexistent.yaml': does not exist"),
    (["hw", "vgg16", "--sparsity", "0.5"], "option --sparsity: is not used by 'snncost hw'"),
])
def test_cli_errors_are_one_line(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


def test_api_unknown_parameter():
    with pytest.raises(ConfigError, match="unknown parameter"):
        hardware("vgg16", pes=3)


# --- invariants over random specs -------------------------------------------------------------
@FAST
@given(network_specs(reset="soft", groupings=False), st.integers(1, 5), st.fractions(0, 1))
def test_invariants(spec, batch, rate):
    r = hardware(spec, batch=batch, spike_rate=rate, reduction_batches=(1,))
    total = r.traffic["total"]
    assert total["dram_accesses"] == r.traffic_baseline["dram_accesses"]      # sharing none: same network
    assert r.reduction["at_batch"] == 0
    dense = {x["name"]: x for x in r.layers}
    for x in r.layers:
        assert x["dense_macs_unpadded"] <= x["dense_macs"]
    nb = r.neurobench["synaptic_operations"]
    assert nb["Effective_ACs"] + nb["Effective_MACs"] <= nb["Dense"]
    assert sum(x["acs"] + x["macs"] for x in dense.values()) == r.actions["weight_buffer"]["read"]
    for name, doc in export_files(r, "timeloop").items():
        inst = yaml.safe_load(doc)["problem"]["instance"]
        layer = dense[name.split("_", 1)[1][:-5]]
        product = inst["C"] * inst["M"] * inst["R"] * inst["S"] * inst["N"] * inst["P"] * inst["Q"]
        assert product == layer["dense_macs"] * inst["N"]


@FAST
@given(network_specs(reset="soft", groupings=False), st.integers(1, 4))
def test_sharing_never_adds_dram_traffic(spec, batch):
    from snncost.analysis import make_config
    from snncost.shapes import infer_shapes

    shapes = infer_shapes(spec, make_config(spec).input_shape)
    channels = [shapes[n.name]["output"][0] for n in spec.neuron_nodes]
    n = 2 if all(c % 2 == 0 for c in channels) else 1
    for sharing in (f"C{n}" if n > 1 else "none", "L"):
        r = hardware(spec, sharing=sharing, batch=batch, reduction_batches=())
        assert r.traffic["total"]["dram_accesses"] <= r.traffic_baseline["dram_accesses"]
        assert 0 <= r.reduction["at_batch"] < 1
        # only membranes change with the scheme: every other tensor moves as in the unshared network
        base = hardware(spec, batch=batch, reduction_batches=()).traffic["by_tensor"]
        for tensor in ("weights", "input", "spikes", "static_currents"):
            assert r.traffic["by_tensor"][tensor] == base[tensor]


def test_action_counts_document_shape():
    doc = action_counts({"dram": {"read": 3, "write": Fraction(1, 2)}})
    entry = doc["action_counts"]["local"][0]
    assert entry["name"].endswith(".dram") and entry["action_counts"][1] == {"name": "write", "counts": 0.5}


def test_spec_dict_model_works():
    data = {"name": "v", "input": {"shape": [8]}, "timesteps": 3,
            "nodes": [{"name": "fc", "op": "linear", "out_features": 4}, {"name": "l", "op": "lif"}]}
    r = hardware(spec_from_dict(data))
    assert r.layers[0]["dense_macs"] == 32 and r.lif["lif_cycles_per_timestep"] == 1


def test_docs_name_every_parameter():
    from pathlib import Path

    from snncost.hw import PARAMETERS

    text = (Path(__file__).resolve().parents[1] / "docs" / "hardware.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in PARAMETERS)


def test_hardware_figures_registered_with_honest_statuses():
    from snncost.reproduce import reproduce

    results = {r.row.id: r for r in reproduce("efficientlif").results if r.row.id.startswith("hw.")}
    assert results["hw.sec442.C4.lif_units"].computed == 32 and results["hw.sec442.C4.lif_units"].status == "match"
    assert results["hw.sec539.C4.lif_share"].computed == 100 * Fraction(77, 269)
    assert results["hw.sec539.C4.lif_share"].status == "match"
    # Fig. 9 bottom: 23% (CIFAR10) reproduced under the declared assumptions, 25% (TinyImageNet) not
    assert results["hw.fig9.vgg16.cifar10.L.b64"].status == "match"
    assert results["hw.fig9.vgg16.tinyimagenet.L.b64"].status == "mismatch"
    # the 61.6% baseline from a SATA PE compute model: 62.9% by power, not reproduced
    assert results["hw.sec539.baseline.lif_share.power"].status == "mismatch"
    assert all(r.status == "info" for i, r in results.items() if not r.row.is_published)


# --- per-layer spike rates (#9's rates: --rates / --rate-default / --rate-mode) ------------------
def three_layer():
    """input (2, 4, 4), T = 2: conv1 3x3 pad 1 -> 3 ch, lif1, maxpool 2, flatten, fc1 -> 6, lif2, fc2 -> 4, lif3."""
    b = SpecBuilder("three", (2, 4, 4), timesteps=2)
    b.conv2d("conv1", 3, 3, padding=1, bias=False)
    b.lif("lif1")
    b.pool("pool", "maxpool2d", 2)
    b.flatten("flat")
    b.linear("fc1", 6, bias=False)
    b.lif("lif2")
    b.linear("fc2", 4, bias=False)
    b.lif("lif3")
    return b.build()


# lif1 spikes 1/4 and lif2 1/2 per timestep, lif3 takes the default 1/8; B = 3, T = 2 (6 passes)
PER_LAYER = {"lif1": "0.25", "lif2": Fraction(1, 2)}


def _check_per_layer_counts(r):
    layers = {x["name"]: x for x in r.layers}
    # input densities: conv1 reads the image (1), fc1 lif1's spikes through pool/flatten, fc2 lif2's
    assert [layers[n]["input_density"] for n in ("conv1", "fc1", "fc2")] == [1, Fraction(1, 4), Fraction(1, 2)]
    # conv1: 3 x 2 x 9 x 16 = 864 MACs x 6 passes = 5184; fc1: 12 x 6 = 72 x 6 x 1/4 = 108 ACs;
    # fc2: 6 x 4 = 24 x 6 x 1/2 = 72 ACs
    assert (layers["conv1"]["macs"], layers["fc1"]["acs"], layers["fc2"]["acs"]) == (5184, 108, 72)
    a = r.actions
    assert a["adder"]["compute"] == 180 and a["mac_unit"]["compute"] == 5184
    assert a["weight_buffer"]["read"] == 5184 + 180
    # LIF updates: (48 + 6 + 4) neurons x 6 = 348; fires 48 x 6 / 4 + 6 x 6 / 2 + 4 x 6 / 8 = 72 + 18 + 3
    assert a["lif_unit"] == {"update": 348, "fire": 93}
    assert r.spike_rates == {"lif1": Fraction(1, 4), "lif2": Fraction(1, 2), "lif3": Fraction(1, 8)}
    # NeuroBench per sample: Effective_ACs = 72 x 2 x 1/4 + 24 x 2 x 1/2 = 36 + 24; Effective_MACs = 600 x 2
    nb = r.neurobench["synaptic_operations"]
    assert (nb["Effective_ACs"], nb["Effective_MACs"]) == (60, 1200)
    # SATA forward MACs per sample s C R K E T: fc1 1/4 x 12 x 1 x 6 x 1 x 2 = 36, fc2 1/2 x 6 x 4 x 2 = 24
    sata = {row["name"]: row for row in r.sata}
    assert (sata["fc1"]["mac_forward"], sata["fc2"]["mac_forward"]) == (36, 24)
    # Timeloop: each layer's input density is its rate
    docs = {name.split("_", 1)[1][:-5]: yaml.safe_load(doc) for name, doc in export_files(r, "timeloop").items()}
    assert {n: d["problem"]["instance"]["densities"]["Inputs"]["density"] for n, d in docs.items()} == \
        {"conv1": 1, "fc1": 0.25, "fc2": 0.5}


def test_per_layer_rates_by_hand():
    _check_per_layer_counts(hardware(three_layer(), batch=3, rates=PER_LAYER, rate_default="0.125"))


def test_summed_rates_are_divided_by_timesteps():
    # summed over T = 2: 1/2, 1 and 1/4 are the per-timestep 1/4, 1/2, 1/8
    _check_per_layer_counts(hardware(three_layer(), batch=3, rates={"lif1": "0.5", "lif2": 1, "lif3": "0.25"},
                                     rate_mode="summed"))


@pytest.mark.parametrize("name, body", [
    ("rates.csv", "node,rate\nlif1,0.25\nlif2,0.5\n"),
    ("rates.json", '{"lif1": 0.25, "lif2": "0.5"}'),
])
def test_cli_rates_file(tmp_path, capsys, name, body):
    spec = tmp_path / "three.yaml"
    from snncost.spec.loader import dump_yaml

    spec.write_text(dump_yaml(three_layer()))
    rates = tmp_path / name
    rates.write_text(body)
    assert main(["hw", str(spec), "--batch", "3", "--rates", str(rates), "--rate-default", "0.125",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["actions"]["lif_unit"] == {"update": 348, "fire": 93}
    assert out["spike_rates"]["per_timestep"] == {"lif1": "1/4", "lif2": "1/2", "lif3": "1/8"}
    assert out["spike_rates"]["sources"] == {"lif1": "given", "lif2": "given", "lif3": "default"}
    _check_per_layer_counts(hardware(spec, batch=3, rates=str(rates), rate_default="0.125"))


def test_spike_rate_is_one_global_rate():
    # --spike-rate r and --rates r give the same report
    a = to_json_dict(hardware(three_layer(), batch=3, spike_rate="0.3"))
    b = to_json_dict(hardware(three_layer(), batch=3, rates="0.3"))
    for key in ("layers", "actions", "sata", "neurobench"):
        assert a[key] == b[key]
    assert a["spike_rates"]["per_timestep"] == b["spike_rates"]["per_timestep"] == {f"lif{i}": "3/10" for i in (1, 2, 3)}


def test_pass_through_override_as_in_op_counts():
    # a rate given to the max-pool overrides what it passes on (snncost.rates): fc1 reads 1/8, lif1 fires 1/4;
    # the second method: snncost.analyze's ACs per sample (#9), times the batch
    import snncost

    rates = {"lif1": "0.25", "lif2": "0.5", "lif3": "0.125", "pool": "0.125"}
    r = hardware(three_layer(), batch=3, rates=rates)
    layers = {x["name"]: x for x in r.layers}
    assert layers["fc1"]["input_density"] == Fraction(1, 8) and layers["fc1"]["acs"] == 72 * 6 // 8
    rows = {row["name"]: row for row in snncost.analyze(three_layer(), rates=rates).rows}
    for name in ("fc1", "fc2"):
        assert layers[name]["acs"] == rows[name]["acs"] * 3


def test_rates_errors():
    with pytest.raises(ConfigError, match="no rate for node 'lif3'"):
        hardware(three_layer(), rates=PER_LAYER)
    with pytest.raises(ConfigError, match="option --spike-rate"):
        hardware(three_layer(), rates=PER_LAYER, spike_rate="0.1")
    with pytest.raises(ConfigError, match="has no spiking node"):
        hardware(three_layer(), rates={"fc1": "0.1"}, rate_default=0)


@FAST
@given(network_specs(reset="soft", groupings=False), st.integers(1, 4), st.data())
def test_per_node_rates_agree_with_op_counts(spec, batch, data):
    """Random per-node rates: each layer's accumulates on the accelerator are #9's ACs per
    sample (snncost.analyze, the second method) times the batch, its Timeloop density its
    input rate, and LIF fires sum neurons x timesteps x batch x the node's own rate."""
    import snncost

    rates = {n.name: data.draw(st.fractions(0, 1, max_denominator=16)) for n in spec.neuron_nodes}
    r = hardware(spec, batch=batch, rates=rates, reduction_batches=(1,))
    rows = {row["name"]: row for row in snncost.analyze(spec, rates=rates).rows}
    for x in r.layers:
        if x["spike_source"]:
            assert x["input_density"] == rows[x["name"]]["input_rate"]
            assert x["acs"] == rows[x["name"]]["acs"] * batch
    T = r.config.timesteps  # static_layers = recompute (default): every node runs every timestep
    fires = sum(rows[n.name]["lif_neurons"] * T * batch * rates[n.name] for n in spec.neuron_nodes)
    assert r.actions["lif_unit"]["fire"] == fires


# --- the baseline LIF share from a SATA PE compute model (snncost.hw.pe_compute) ----------------
def test_sata_pe_compute_model_by_hand():
    from snncost.hw.pe_compute import lif_share_baseline

    # training-ops: LIF = add + comp + 2 mux + 3 reg = 0.00967 + 0.00309 + 0.00344 + 0.0903 = 0.1065 pJ;
    # MAC = acc + and = 0.0389 + 0.000794 = 0.039694 pJ; share 0.1065 / 0.146194 = 72.85%
    assert lif_share_baseline("training-ops") == Fraction("0.1065") / Fraction("0.146194")
    # area (um^2): LIF 32.424 + 45.024 + 17.47 + 34.27 = 129.188; MAC 6.720 + 22.176 + 68.04 = 96.936
    assert lif_share_baseline("area") == Fraction("129.188") / Fraction("226.124")
    # power (mW): LIF (1.46e-2 + 4.95e-3) + (1.68e-2 + 1.99e-2) + (1.17e-3 + 5.20e-3) + (2.19e-3 + 1.03e-2)
    # = 0.07511, leakage (18.2 + 35.0 + 10.2 + 20.1) nW = 0.0000835; MAC (1.35e-3 + 1.00e-3) + (7.62e-3 + 9.27e-3)
    # + (4.41e-3 + 2.07e-2) = 0.04435, leakage (4.81 + 17.0 + 40.2) nW = 0.00006201
    lif, mac = Fraction("0.0751935"), Fraction("0.04441201")
    assert lif_share_baseline("power") == lif / (lif + mac)
    assert round(float(lif_share_baseline("power")) * 100, 1) == 62.9   # not the paper's 61.6: a mismatch


def test_sata_pe_compute_model_unknown():
    from snncost.hw.pe_compute import lif_share_baseline

    with pytest.raises(ConfigError, match="unknown model"):
        lif_share_baseline("latency")
