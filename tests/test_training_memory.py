"""Training memory (issue 10) without torch: hand-derived bytes, the closed form, fitting,
budgets, the CLI and invariants over random specs.  The comparison with a real PyTorch
step is tests/test_training_torch.py."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import network_specs

import snncost
from snncost.cli import main
from snncost.spec import SpecBuilder
from snncost.training.budget import parse_size
from snncost.training.fit import batch_line, largest_batch, peak_formula
from snncost.training.step import step_memory


def tiny():
    b = SpecBuilder("tiny", (3, 8, 8), timesteps=2)
    b.conv2d("c1", 4, (3, 2), padding=1, bias=True)   # -> 4 x 8 x 9
    b.batchnorm("bn1")
    b.lif("l1")
    b.pool("mp", "maxpool2d", 2)                       # -> 4 x 4 x 4
    b.conv2d("c2", 6, 1)                               # -> 6 x 4 x 4
    b.lif("l2", reset="hard")
    b.pool("ap", "avgpool2d", 2)                       # -> 6 x 2 x 2
    b.global_avgpool("g")                              # -> 6 x 1 x 1
    b.flatten("f")
    b.linear("fc", 5)
    return b.build()


def test_tiny_fp32_by_hand():
    # B = 1, T = 2, fp32 (4 B):
    # conv2d: c1 keeps the input x (3*8*8 = 192 el.), one storage for both timesteps: 768;
    #         c2 keeps the maxpool output (64 el.) at each timestep: 2*256 = 512      -> 1280
    # batchnorm: input 4*8*9 = 288 el. x 2 steps = 2304; batch mean+invstd 2*4*4 B x 2 = 64;
    #            running mean+var 2*4*4 B once = 32                                   -> 2400
    # lif: l1 membrane 288 el. x 4 x 2 = 2304; l2 (hard) membrane 96 el. + mask 96 el., x 4 x 2 = 1536 -> 3840
    # maxpool: input 288 el. x 4 + int64 indices 64 x 8 = 1664 per step              -> 3328
    # avgpool: input 96 el. x 4 x 2                                                   -> 768
    # global avgpool: nothing (a mean); linear: input 6 x 4 x 2                       -> 48
    # loss: log-softmax 5 x 4 + int64 target 8 + total weight 4                       -> 32
    r = step_memory(tiny(), batch=1)
    assert r.totals["saved_by_kind"] == {"avgpool2d": 768, "batchnorm": 2400, "conv2d": 1280, "lif": 3840,
                                         "linear": 48, "loss": 32, "maxpool2d": 3328}
    assert r.totals["saved_bytes"] == 11696


def test_tiny_bf16_by_hand():
    # bf16 autocast (2 B): c1 keeps a bf16 copy of x at each call: 192 x 2 x 2 = 768; c2 keeps
    # the (bf16) maxpool output 64 x 2 x 2 = 256 -> conv2d 1024.  The weight copies, once:
    # c1 4*3*3*2 = 72 el. (bias not kept), c2 24 el., fc 30 el.: 126 x 2 = 252.
    # batchnorm input bf16: 288 x 2 x 2 = 1152, statistics stay fp32: 64 + 32 -> 1248.
    # lif 3840 / 2 = 1920; maxpool 288 x 2 x 2 + indices 1024 = 2176; avgpool 384; linear 6 x 2 x 2 = 24;
    # loss fp32: 32.
    r = step_memory(tiny(), batch=1, amp="bf16")
    assert r.totals["saved_by_kind"] == {"avgpool2d": 384, "batchnorm": 1248, "cast_weights": 252, "conv2d": 1024,
                                         "lif": 1920, "linear": 24, "loss": 32, "maxpool2d": 2176}


def test_tiny_transient_by_hand():
    # B = 1, fp32.  LIF states held by the modules: l1 288 + l2 96 neurons, x 4 B = 1536;
    # one carried membrane gradient per buffer: 1536 again.  Largest (input + output)
    # gradients: bn1 or l1, 288 + 288 elements x 4 B = 2304 (c1's input x is not tracked:
    # 288 x 4 only).  Nothing is static, no workspace.
    t = step_memory(tiny(), batch=1).totals
    assert t["transient_by_part"] == {"membrane_state": 1536, "membrane_gradients": 1536,
                                      "largest_layer_gradients": 2304, "static_output_gradients": 0, "workspace": 0}
    params = 4 * 3 * 3 * 2 + 4 + 2 * 4 + 6 * 4 + 5 * 6 + 5  # c1 (+bias), bn1, c2, fc (+bias)
    assert t["parameter_bytes"] == 4 * params
    assert t["peak_bytes"] == 3 * 4 * params + 11696 + 1536 + 1536 + 2304
    assert step_memory(tiny(), batch=1, workspace=1000).totals["peak_bytes"] == t["peak_bytes"] + 1000


def test_resnet19_domain_notes_saved_exactly():
    # Domain notes section 9 (H200, every node at every timestep): saved 3,021,730,820 B:
    # LIF 964,689,920, conv inputs 954,990,592, batchnorm 1,101,391,872; params 104,432,168 B.
    r = step_memory(snncost.zoo.load("resnet19"), input=32, timesteps=5, batch=64, static_nodes="per-timestep")
    t = r.totals
    assert t["saved_bytes"] == 3_021_730_820
    assert t["saved_by_kind"]["lif"] == 964_689_920
    assert t["saved_by_kind"]["conv2d"] == 954_990_592
    assert t["saved_by_kind"]["batchnorm"] == 1_101_391_872
    assert t["parameter_bytes"] == t["gradient_bytes"] == t["optimizer_bytes"] == 104_432_168


def test_resnet19_gpu_peak_within_5_percent():
    measured = 3_914_115_072  # torch.cuda.max_memory_allocated, domain notes section 9
    r = step_memory(snncost.zoo.load("resnet19"), input=32, timesteps=5, batch=64, static_nodes="per-timestep")
    assert abs(Fraction(r.totals["peak_bytes"] - measured, measured)) <= Fraction(5, 100)


def test_optimizer_state():
    spec = tiny()
    params = snncost.analyze(spec).totals["params"]
    expected = {"sgd": 0, "sgd-momentum": 1, "adam": 2, "adamw": 2}
    for name, states in expected.items():
        t = step_memory(spec, optimizer=name).totals
        assert t["optimizer_bytes"] == states * params * 4
        assert t["peak_bytes"] == t["static_bytes"] + t["saved_bytes"] + t["transient_bytes"]


def test_reverse_keeps_only_the_shared_buffers():
    # EfficientLIF-Net Eq. 18-19: the LIF part of what is saved is lif_backward_bits / 8
    # (= the forward buffers); every other saved tensor is unchanged.
    spec = snncost.zoo.load("resnet19")
    none = snncost.train_memory(spec, input=64, batch=2)
    shared = snncost.train_memory(spec, input=64, batch=2, sharing="L+C2")
    lif = snncost.analyze(spec, input=64, batch=2, sharing="L+C2", membrane_bits=32).totals["lif_backward_bits"] // 8
    assert shared.config["training"] == "reverse"
    assert shared.totals["saved_by_kind"]["lif"] == lif
    for kind in ("conv2d", "batchnorm", "linear", "loss"):
        assert shared.totals["saved_by_kind"][kind] == none.totals["saved_by_kind"][kind]
    effect = shared.sharing_effect
    assert effect["baseline"]["peak_bytes"] == none.totals["peak_bytes"]
    assert effect["peak_bytes_removed"] == none.totals["peak_bytes"] - shared.totals["peak_bytes"] > 0


def test_peak_formula_matches_step_and_fit_solves():
    spec = snncost.zoo.load("resnet19")
    f = peak_formula(spec, symbols="B,T,H,W")
    for B, T, H in ((1, 1, 8), (3, 5, 32), (7, 2, 64)):
        value = f.expr.subs({"B": B, "T": T, "H": H, "W": H})
        assert value == step_memory(spec, batch=B, timesteps=T, input=H).totals["peak_bytes"]
    budget = parse_size("24GiB")
    fb = peak_formula(spec, symbols="B", input=224, sharing="L+C2", amp="bf16")
    best = largest_batch(fb.expr, budget)
    assert step_memory(spec, input=224, batch=best, sharing="L+C2", amp="bf16").totals["peak_bytes"] <= budget
    assert step_memory(spec, input=224, batch=best + 1, sharing="L+C2", amp="bf16").totals["peak_bytes"] > budget
    # fit's line (exact steps at B = 1, 2) is the same closed form
    line = batch_line(spec, input=224, sharing="L+C2", amp="bf16")
    assert str(line) == str(fb.expr) and line.largest_batch(budget) == best
    answer = snncost.fit(spec, budget, input=224, sharing="L+C2", precisions=["bf16"])
    assert answer["candidates"][0]["largest_batch"] == best


def test_fit_too_small_is_an_answer():
    answer = snncost.fit("resnet19", "1MiB", input=32)
    assert answer["fits"] == [] and "nothing fits" in answer["answer"]
    assert all(e["largest_batch"] == 0 for e in answer["candidates"])


def test_fit_with_batch_cheapest_first():
    answer = snncost.fit("resnet19", "24GiB", input=224, batch=16)
    peaks = [e["peak_bytes"] for e in answer["candidates"] if e["fits"]]
    assert peaks == sorted(peaks) and peaks
    assert all(p <= answer["budget_bytes"] for p in peaks)


@pytest.mark.parametrize("text,value", [("24GiB", 24 * 2**30), ("24GB", 24 * 10**9), ("24 gib", 24 * 2**30),
                                        ("80e9", 80 * 10**9), ("1.5KiB", 1536), ("512MiB", 2**29), (100, 100)])
def test_parse_size(text, value):
    assert parse_size(text) == value


def test_cli_json_keys(capsys):
    assert main(["train-memory", "resnet19", "--input", "32", "-B", "2", "--sharing", "L", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("parameter_bytes", "gradient_bytes", "optimizer_bytes", "saved_bytes", "saved_by_kind",
                "transient_bytes", "peak_bytes"):
        assert key in data["totals"]
    assert isinstance(data["totals"]["saved_by_kind"], dict)
    assert data["sharing_effect"]["peak_bytes_removed"] > 0
    assert data["layers"][0]["name"] == "stem.conv"
    assert main(["fit", "resnet19", "--memory", "24GiB", "--format", "json"]) == 0
    fit = json.loads(capsys.readouterr().out)
    assert fit["budget_bytes"] == 24 * 2**30 and fit["candidates"]
    assert main(["train-memory", "resnet19", "--formula", "--symbols", "B"]) == 0
    assert capsys.readouterr().out.startswith("peak_bytes = ")


SLOW = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@SLOW
@given(network_specs(max_channels=8, max_size=12), st.sampled_from([None, "bf16"]), st.integers(1, 4))
def test_step_is_affine_in_batch_and_sums(spec, amp, T):
    steps = [step_memory(spec, batch=b, timesteps=T, amp=amp) for b in (1, 2, 3)]
    t = [r.totals for r in steps]
    for r in steps:  # per-layer rows add up to the total (the loss is not a layer)
        assert sum(row["saved_bytes"] for row in r.rows) + r.totals["saved_by_kind"].get("loss", 0) == r.totals["saved_bytes"]
    for key in ("saved_bytes", "transient_bytes", "peak_bytes"):
        assert t[2][key] - t[1][key] == t[1][key] - t[0][key] >= 0
    for x in t:
        assert x["saved_bytes"] == sum(x["saved_by_kind"].values())
        assert x["peak_bytes"] == x["static_bytes"] + x["saved_bytes"] + x["transient_bytes"]


@SLOW
@given(network_specs(max_channels=8, max_size=12, reset="soft"), st.integers(1, 4))
def test_bptt_lif_saved_is_lif_backward_bits(spec, T):
    # With soft reset, BPTT keeps each site's membrane at each timestep: snncost table's
    # lif_backward_bits (analysis.evaluate, another code path) / 8, for every site autograd tracks.
    r = step_memory(spec, batch=2, timesteps=T)
    rows = {row["name"]: row for row in snncost.analyze(spec, batch=2, timesteps=T).rows}
    tracked = [row for row in r.rows if row["kind"] in ("lif", "if", "cubalif") and row["saved_bytes"]]
    for row in tracked:
        neurons = rows[row["name"]]["lif_neurons"]
        assert row["saved_bytes"] == neurons * 4 * 2 * T
