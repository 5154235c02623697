"""The bytes of one training step derived by hand from tensor shapes and dtypes, per layer
and per part (static, saved, transient), with their types, the step's configuration and
notes, static nodes, shared storages, the closed form in B and fitting a budget.
In process and fast (the mutation selection of docs/testing.md)."""
from __future__ import annotations

import dataclasses

import pytest

import snncost
from snncost.errors import ConfigError, SharingError
from snncost.spec import SpecBuilder
from snncost.training.fit import batch_line, largest_batch, peak_formula
from snncost.training.profiles import PROFILES


def small(timesteps=2):
    """input (2, 3, 3) -> conv 1x1 2 -> 2 (no bias: 4 weights) -> lif -> flatten -> linear 18 -> 2 (38)."""
    b = SpecBuilder("small", (2, 3, 3), timesteps=timesteps)
    b.conv2d("c", 2, 1)
    b.lif("l")
    b.flatten("f")
    b.linear("fc", 2)
    return b.build()


# small() at B = 3, T = 2, fp32 (4 B), sgd-momentum, by hand:
# saved: c keeps the network input (18 el., one storage for both timesteps): 18 x 3 x 4 = 216;
#        l keeps v - theta per call: 18 x 3 x 4 x 2 = 432; f (a view) nothing; fc keeps its input,
#        the storage of l's output (flatten is a view): 432; the loss: log-softmax 2 x 3 x 4 = 24,
#        int64 targets 1 x 3 x 8 = 24, the 0-dim total weight 4: 52.  Saved 1132.
# transient: l's membrane state 18 x 3 x 4 = 216, its carried gradient 216; gradients in flight
#        (input + output, x B): c 0 + 72, l 72 + 72, f 72 + 72, fc 72 + 8 (x 3): the largest 432.
# static: 42 parameters x 4 B x (weights, gradients, momentum) = 504.  Peak 504 + 1132 + 864 = 2500.
SMALL_ROWS = [
    {"name": "c", "kind": "conv2d", "output_shape": [2, 3, 3], "static": False, "params": 4, "parameter_bytes": 16,
     "saved_bytes": 216, "saved": "input 216", "membrane_state_bytes": 0, "gradient_in_flight_bytes": 216,
     "gradient_bytes": 16, "optimizer_bytes": 16},
    {"name": "l", "kind": "lif", "output_shape": [2, 3, 3], "static": False, "params": 0, "parameter_bytes": 0,
     "saved_bytes": 432, "saved": "membrane 432", "membrane_state_bytes": 216, "gradient_in_flight_bytes": 432,
     "gradient_bytes": 0, "optimizer_bytes": 0},
    {"name": "f", "kind": "flatten", "output_shape": [18], "static": False, "params": 0, "parameter_bytes": 0,
     "saved_bytes": 0, "saved": "", "membrane_state_bytes": 0, "gradient_in_flight_bytes": 432,
     "gradient_bytes": 0, "optimizer_bytes": 0},
    {"name": "fc", "kind": "linear", "output_shape": [2], "static": False, "params": 38, "parameter_bytes": 152,
     "saved_bytes": 432, "saved": "input 432", "membrane_state_bytes": 0, "gradient_in_flight_bytes": 240,
     "gradient_bytes": 152, "optimizer_bytes": 152},
]


def _ints(value):
    """Every number in a (nested) result is a Python int."""
    if isinstance(value, dict):
        return all(_ints(v) for v in value.values())
    return type(value) is int


def test_small_step_by_hand():
    r = snncost.train_memory(small(), batch=3)
    t = r.totals
    assert t == {"parameter_bytes": 168, "gradient_bytes": 168, "optimizer_bytes": 168, "saved_bytes": 1132,
                 "saved_by_kind": {"conv2d": 216, "lif": 432, "linear": 432, "loss": 52},
                 "transient_bytes": 864,
                 "transient_by_part": {"membrane_state": 216, "membrane_gradients": 216, "largest_layer_gradients": 432,
                                       "static_output_gradients": 0, "workspace": 0},
                 "static_bytes": 504, "peak_bytes": 2500}
    assert _ints(t)
    assert list(t["saved_by_kind"]) == ["conv2d", "lif", "linear", "loss"]  # sorted by name
    assert r.rows == SMALL_ROWS
    assert all(_ints({k: v for k, v in row.items() if k not in ("name", "kind", "output_shape", "static", "saved")})
               for row in r.rows)
    assert r.config == {"input_shape": [2, 3, 3], "timesteps": 2, "batch": 3, "optimizer": "sgd-momentum", "amp": "fp32",
                        "sharing": "none", "layer_groups": None, "training": "bptt", "profile": "pytorch",
                        "static_nodes": "once", "workspace": 0}
    assert r.notes == ["static nodes run once before the time loop"]
    assert r.sharing_effect is None  # none/bptt is its own baseline
    assert r.model == "small" and r.profile is PROFILES["pytorch"]


def test_small_step_as_json_data():
    data = snncost.train_memory(small(), batch=3, sharing="C2").to_dict()
    assert list(data) == ["model", "config", "profile", "totals", "sharing_effect", "notes", "layers"]
    assert data["model"] == "small"
    assert data["profile"] == {"name": "pytorch", "description": PROFILES["pytorch"].description,
                               "assumptions": list(PROFILES["pytorch"].assumptions)}
    assert data["totals"]["saved_by_kind"]["lif"] == 108 and data["totals"]["peak_bytes"] == 1960
    assert data["sharing_effect"]["baseline"]["peak_bytes"] == 2500
    assert data["layers"][1]["saved"] == "membrane buffer (reverse) 108"
    assert data["config"]["sharing"] == "C2" and data["config"]["training"] == "reverse"


def test_sharing_effect_by_hand():
    # C2 on l's 2 channels: one buffer of 9 neurons.  Reverse recomputation (the default with a scheme)
    # keeps that buffer once per step, 9 x 3 x 4 = 108 (not 432); the membrane state and its
    # gradient are 108 each.  Saved 216 + 108 + 432 + 52 = 808; transient 108 + 108 + 432 = 648;
    # peak 504 + 808 + 648 = 1960: 540 of the baseline's 2500 removed, 540 / 2500 = 0.216.
    r = snncost.train_memory(small(), batch=3, sharing="C2")
    assert r.totals["saved_bytes"] == 808 and r.totals["transient_bytes"] == 648 and r.totals["peak_bytes"] == 1960
    assert r.sharing_effect == {
        "baseline": {"sharing": "none", "training": "bptt", "peak_bytes": 2500, "saved_bytes": 1132, "transient_bytes": 864},
        "peak_bytes_removed": 540, "fraction_of_peak_removed": "0.2160"}
    assert type(r.sharing_effect["peak_bytes_removed"]) is int
    # BPTT under C2 keeps every membrane (432) but holds one shared buffer: 504 + 1132 + 648 = 2284, 216 removed
    bptt = snncost.train_memory(small(), batch=3, sharing="C2", training="bptt")
    assert bptt.totals["peak_bytes"] == 2284
    assert bptt.sharing_effect["peak_bytes_removed"] == 216 and bptt.sharing_effect["fraction_of_peak_removed"] == "0.0864"
    # reverse without a scheme still has a baseline (none/bptt); baseline=False leaves it out
    assert snncost.train_memory(small(), batch=3, training="reverse").sharing_effect["baseline"]["peak_bytes"] == 2500
    assert snncost.train_memory(small(), batch=3, sharing="C2", baseline=False).sharing_effect is None


def test_sharing_effect_baseline_ignores_layer_groups():
    # a grouping that only the shared scheme uses: the baseline is none/bptt without it
    b = SpecBuilder("g", (2, 3, 3), timesteps=2)
    b.conv2d("c", 2, 1)
    b.lif("l1", layer_group="a")
    b.conv2d("c2", 2, 1)
    b.lif("l2", layer_group="a")
    b.flatten("f")
    b.linear("fc", 2)
    spec = b.build()
    r = snncost.train_memory(spec, batch=1, sharing="L")
    assert r.sharing_effect["baseline"]["peak_bytes"] == snncost.train_memory(spec, batch=1).totals["peak_bytes"]


def test_layer_groups_reach_the_step_and_not_the_baseline():
    # input (2, 3, 3), B = 1, T = 2: c -> l1 -> c2 -> l2 -> flatten -> fc (46 parameters: static 46 x 12 = 552).
    # Baseline none/bptt: saved 72 (input) + 144 (l1) + 144 (c2 keeps l1's output) + 144 (l2) + 144 (fc)
    # + 20 (loss) = 668; transient 144 + 144 + 144 = 432; peak 1652.
    # L with grouping 'solo' (each site its own group), reverse: each buffer once, 72 + 72 (not 288):
    # saved 524, transient 432: 1508.  Grouping 'pairs' (one buffer for both): l1's 72 only: saved 452;
    # membrane state 72 and its gradient 72, largest 144: 288; peak 1292.
    b = SpecBuilder("g", (2, 3, 3), timesteps=2)
    b.conv2d("c", 2, 1)
    b.lif("l1")
    b.conv2d("c2", 2, 1)
    b.lif("l2")
    b.flatten("f")
    b.linear("fc", 2)
    b.grouping("pairs", {"g": ["l1", "l2"]})
    b.grouping("solo", {"a": ["l1"], "b": ["l2"]})
    spec = b.build()
    solo = snncost.train_memory(spec, batch=1, sharing="L", layer_groups="solo")
    pairs = snncost.train_memory(spec, batch=1, sharing="L", layer_groups="pairs")
    assert (solo.totals["peak_bytes"], pairs.totals["peak_bytes"]) == (1508, 1292)
    assert solo.config["layer_groups"] == "solo"
    assert solo.sharing_effect["baseline"]["peak_bytes"] == pairs.sharing_effect["baseline"]["peak_bytes"] == 1652
    assert solo.sharing_effect["peak_bytes_removed"] == 144 and solo.sharing_effect["fraction_of_peak_removed"] == "0.0872"
    assert snncost.fit(spec, 1500, sharing="L", layer_groups="solo", precisions=["fp32"],
                       batch=1)["candidates"][0]["peak_bytes"] == 1508


def static_stem(static=True):
    """input (2, 3, 3) -> conv 1x1 2 -> 2 (static) -> batchnorm (static) -> lif -> flatten -> linear 18 -> 2."""
    b = SpecBuilder("stem", (2, 3, 3), timesteps=3)
    b.conv2d("s", 2, 1, static=static)
    b.batchnorm("bn", static=static)
    b.lif("l")
    b.flatten("f")
    b.linear("fc", 2)
    return b.build()


def test_static_nodes_once_and_per_timestep():
    # B = 1, T = 3, fp32.  Once: s keeps the input 18 x 4 = 72; bn keeps s's output once (72), its batch
    # statistics (2 x 2 x 4 = 16) once and the running statistics 16: 104; l: 18 x 4 x 3 = 216; fc: l's
    # output 216; loss 2 x 4 + 8 + 4 = 20.  bn's output is static, tracked and read at every timestep:
    # one gradient accumulator, 18 x 4 = 72.
    once = snncost.train_memory(static_stem(), batch=1)
    assert once.totals["saved_by_kind"] == {"batchnorm": 104, "conv2d": 72, "lif": 216, "linear": 216, "loss": 20}
    assert once.totals["transient_by_part"]["static_output_gradients"] == 72
    assert [row["static"] for row in once.rows] == [True, True, False, False, False]
    # Per timestep: bn keeps s's output 3 times (216) and its statistics 3 times (48), the running ones once (16)
    every = snncost.train_memory(static_stem(), batch=1, static_nodes="per-timestep")
    assert every.totals["saved_by_kind"] == {"batchnorm": 280, "conv2d": 72, "lif": 216, "linear": 216, "loss": 20}
    assert every.totals["transient_by_part"]["static_output_gradients"] == 0
    assert not any(row["static"] for row in every.rows)
    assert every.notes[-1] == ("every node runs at every timestep (static marks ignored, as the measured reference "
                               "of domain notes section 9)")
    assert every.config["static_nodes"] == "per-timestep"
    # no static marks: the same as per-timestep
    assert snncost.train_memory(static_stem(False), batch=1).totals == every.totals


def test_a_static_mark_after_a_timestep_node_is_not_static():
    # s (static) is fed by the network input; bn (marked static) by... s: both static.  Put the
    # static mark on a node fed by the lif instead: it runs at every timestep.
    b = SpecBuilder("late", (2, 3, 3), timesteps=2)
    b.conv2d("c", 2, 1)
    b.lif("l")
    b.conv2d("s", 2, 1, static=True)
    b.flatten("f")
    b.linear("fc", 2)
    rows = {row["name"]: row for row in snncost.train_memory(b.build(), batch=1).rows}
    assert rows["s"]["static"] is False
    # s keeps l's output at both timesteps: 18 x 4 x 2 = 144
    assert rows["s"]["saved_bytes"] == 144


def test_static_output_read_only_by_static_nodes_has_no_accumulator():
    # s and bn static, the head reads bn's output only through l: only bn's output is read per timestep
    # (s's is read by bn, static): one accumulator of 18 x 4 x B = 144 at B = 2
    r = snncost.train_memory(static_stem(), batch=2)
    assert r.totals["transient_by_part"]["static_output_gradients"] == 144


def test_network_input_and_views_per_profile():
    # numpy-engine: the network input is the caller's array (not counted), a flatten kept by the head is its
    # own float array, neuron outputs are kept as 1-byte codes, 8-byte floats, no loss tensors.
    # B = 1, T = 2: c keeps nothing; l's membrane 18 x 8 x 2 = 288; fc keeps f's output (its own
    # storage, 8 B floats of l's codes: a float array) 18 x 8 x 2 = 288.
    r = snncost.train_memory(small(), batch=1, profile="numpy-engine")
    assert r.totals["saved_by_kind"] == {"lif": 288, "linear": 288}
    assert r.totals["parameter_bytes"] == 42 * 8
    # membrane state 18 x 8; gradients in flight: l (18 + 18) x 8 = 288
    assert r.totals["transient_by_part"] == {"membrane_state": 144, "membrane_gradients": 144,
                                             "largest_layer_gradients": 288, "static_output_gradients": 0, "workspace": 0}
    # pytorch with views as copies and the input not counted: fc keeps f's own storage (432 / 3 = 144 at B = 1)
    custom = dataclasses.replace(PROFILES["pytorch"], name="custom", views_share_storage=False, counts_network_input=False)
    c = snncost.train_memory(small(), batch=1, profile=custom)
    assert c.totals["saved_by_kind"] == {"lif": 144, "linear": 144, "loss": 4 * 2 + 8 + 4}
    assert c.config["profile"] == "custom"


def test_spike_codes_are_kept_at_their_own_size():
    # a conv after the lif keeps the lif's output: numpy-engine 1-byte codes, 18 x 1 x 2 = 36
    b = SpecBuilder("codes", (2, 3, 3), timesteps=2)
    b.conv2d("c", 2, 1)
    b.lif("l")
    b.conv2d("c2", 2, 1)
    b.lif("l2")
    r = snncost.train_memory(b.build(), batch=1, profile="numpy-engine")
    assert r.totals["saved_by_kind"]["conv2d"] == 36


def test_autocast_element_sizes():
    # bf16: c runs in autocast and keeps a bf16 copy of the fp32 input per call (18 x 2 x 2 = 72), its
    # weight copy once (4 x 2 = 8); l's input is c's bf16 output: membrane 18 x 2 x 2 = 72; fc keeps l's
    # bf16 output (72) and its weight copy (36 x 2 = 72).  B = 1.
    r = snncost.train_memory(small(), batch=1, amp="bf16")
    assert r.totals["saved_by_kind"] == {"cast_weights": 80, "conv2d": 72, "lif": 72, "linear": 72, "loss": 20}
    # a profile that does not cast (autocast flags off): inputs kept as given, no weight copies; the outputs
    # of conv and linear are still in bf16 (element sizes follow amp)
    rows = {row["name"]: row["saved"] for row in r.rows}
    assert rows["c"] == "input (autocast copy) 72, weight (autocast copy) 8"
    assert rows["fc"] == "input 72, weight (autocast copy) 72"
    # a profile that does not cast (autocast flags off): inputs kept as given, no weight copies; the outputs
    # of conv and linear are still in bf16 (element sizes follow amp).  T = 3: c keeps the fp32 input once
    # (18 x 4 = 72, not a bf16 copy per call: 108); l 18 x 2 x 3 = 108; fc l's output 108
    plain = dataclasses.replace(PROFILES["pytorch"], name="nocast", autocast_casts=False)
    p = snncost.train_memory(small(timesteps=3), batch=1, amp="bf16", profile=plain)
    assert p.totals["saved_by_kind"] == {"conv2d": 72, "lif": 108, "linear": 108, "loss": 20}


def test_gradients_in_flight_follow_the_element_sizes():
    # bf16, B = 1: c's output (bf16) 18 x 2 = 36; l's input 36 and output 36 (l promotes nothing): 72
    r = snncost.train_memory(small(), batch=1, amp="bf16")
    assert [row["gradient_in_flight_bytes"] for row in r.rows] == [36, 72, 72, 36 + 4]


def test_closed_form_in_batch_by_hand():
    # small(): per sample saved 72 + 144 + 144 + 8 + 8 = 376, transient 72 + 72 + 144 = 288; fixed: 504 + 4
    f = peak_formula(small(), symbols="B")
    assert f.at(B=3) == 2500 and type(f.at(B=3)) is int
    assert f.text() == "peak_bytes = 664*B + 508\n# bytes; valid for the given input size\n"
    assert f.symbols == ("B",) and f.size_multiple == () and f.quantity == "peak_bytes"
    assert f.config["training"] == "bptt"
    saved = peak_formula(small(), symbols=("B", "T"), quantity="saved_bytes")
    # saved per sample: input 72 (once) + (144 + 144) / 2 per timestep x T + 16 (loss); + 4
    assert saved.at(B=2, T=5) == 2 * (72 + 144 * 5 + 16) + 4
    line = batch_line(small())
    assert (line.fixed, line.per_sample, str(line)) == (508, 664, "664*B + 508")
    assert line.at(3) == 2500
    assert (line.largest_batch(2500), line.largest_batch(2499), line.largest_batch(1172), line.largest_batch(1171)) == (3, 2, 1, 0)
    assert line.largest_batch(100) == 0


def test_closed_form_in_input_size():
    # small() on (2, H, W), B = 1, T = 2: tensors of n = 2 H W elements.  Parameters 4 + (2 n + 2):
    # static 12 (4 H W + 6) = 48 H W + 72.  Saved 4 n (input) + 8 n (l) + 8 n (fc) + 20 = 40 H W + 20.
    # Transient 4 n + 4 n + max(c 4 n, l 8 n, f 8 n, fc 4 n + 8) = 16 H W + 16 H W (H W >= 1).
    f = peak_formula(small(), symbols="H,W", batch=1)
    assert f.size_multiple == (("H", 1), ("W", 1))
    assert f.text() == "peak_bytes = 120*H*W + 92\n# bytes; valid for H a multiple of 1, W a multiple of 1\n"
    # B, T and H at W = 3 (n = 6 H): static 12 (12 H + 6); saved B (24 H + 24 H T + 24 H T + 16) + 4;
    # transient B (24 H + 24 H + 48 H)
    g = peak_formula(small(), symbols=("B", "T", "H"))
    assert g.text() == "peak_bytes = 48*B*H*T + 120*B*H + 16*B + 144*H + 76\n# bytes; valid for H a multiple of 1\n"
    assert g.at(B=2, T=3, H=4) == 48 * 24 + 120 * 8 + 32 + 144 * 4 + 76
    # a stride-2 conv: H = 2 h, W = 2 w, the conv's output (2, h, w) has n = H W / 2 elements (no floor
    # left: h, w are integers).  18 weights: 216 fixed; saved: the input 4 H W (once), the membrane
    # 4 n x 2 = 4 H W, the loss over (2, h, w) 4 n + 8 h w + 4 = 4 H W + 4; transient: membrane 4 n,
    # its gradient 4 n, the largest gradients (lif: 4 n + 4 n) 4 H W: peak 20 H W + 220
    b = SpecBuilder("s2", (1, 8, 8), timesteps=2)
    b.conv2d("c", 2, 3, stride=2, padding=1)
    b.lif("l")
    s2 = peak_formula(b.build(), symbols="H,W", batch=1)
    assert s2.text() == "peak_bytes = 20*H*W + 220\n# bytes; valid for H a multiple of 2, W a multiple of 2\n"
    # a 1-D input has no size symbols: the formula holds for the given size
    b = SpecBuilder("vec", (6,), timesteps=2)
    b.linear("fc", 2)
    b.lif("l")
    # 14 parameters x 4 B x 3 = 168 fixed; per sample saved: fc's input 6 x 4 (once) = 24, l 2 x 4 x 2 = 16,
    # log-softmax 8 and target 8 (the total weight: 4 fixed); transient: membrane 8, its gradient 8, the
    # largest gradients in flight l's 8 + 8 (fc's input is not tracked: 0 + 8): 24 + 16 + 16 + 32 = 88
    v = peak_formula(b.build(), symbols="B")
    assert v.text() == "peak_bytes = 88*B + 172\n# bytes; valid for the given input size\n"


def test_closed_form_refusals():
    with pytest.raises(ConfigError) as info:
        peak_formula(small(), symbols="B,N")
    assert str(info.value) == "option --symbols: unknown symbol 'N' for a training formula; valid: B, T, H, W"
    with pytest.raises(ConfigError) as info:
        peak_formula(small(), quantity="saved_by_kind")
    assert str(info.value) == ("option --quantity: unknown training quantity 'saved_by_kind'; valid: parameter_bytes, "
                               "gradient_bytes, optimizer_bytes, saved_bytes, transient_bytes, static_bytes, peak_bytes")


def test_largest_batch_solves_exactly():
    import sympy

    B = sympy.Symbol("B")
    assert largest_batch(664 * B + 508, 2500) == 3 and type(largest_batch(664 * B + 508, 2500)) is int
    assert largest_batch(B + 5, 10) == 5                                             # a slope of exactly 1
    assert largest_batch(sympy.Rational(3, 2) * B + sympy.Rational(1, 2), 5) == 3   # 3/2 x 3 + 1/2 = 5
    assert largest_batch(sympy.Integer(7) + 0 * B, 100) is None                       # no B in it
    assert largest_batch(2 * B + 10, 9) == 0
    with pytest.raises(ValueError, match="not affine in B"):
        largest_batch(B**2, 10)
    with pytest.raises(ValueError, match=r"^the peak is not affine in B: B\*T \+ 1$"):
        largest_batch(B * sympy.Symbol("T") + 1, 10)


def test_fit_without_batch_by_hand():
    # small(), sgd-momentum, fp32 and bf16.  fp32: 664 B + 508.  bf16 (B = 1 per-sample by hand:
    # saved 72 + 72 + 72 + 16 = 232, cast weights 80 once, loss weight 4; transient membrane 36 + 36,
    # largest gradient 72: 144): 376 B + 504 + 80 + 4 = 376 B + 588.
    answer = snncost.fit(small(), 2500, sharing="none")
    fp32, bf16 = ({e["precision"]: e for e in answer["candidates"]}[p] for p in ("fp32", "bf16"))
    assert fp32 == {"sharing": "none", "precision": "fp32", "training": "bptt", "peak_formula": "664*B + 508",
                    "largest_batch": 3, "peak_bytes": 2500, "peak_bytes_at_batch_1": 1172, "fits": True}
    assert bf16["peak_formula"] == "376*B + 588" and bf16["largest_batch"] == 5 and bf16["peak_bytes"] == 2468
    assert [e["precision"] for e in answer["candidates"]] == ["bf16", "fp32"]  # largest batch first
    assert answer["answer"] == "largest batch 5 with none/bf16; 2 of 2 scheme/precision pairs fit batch 1 or more"
    assert answer["fits"] == ["none/bf16", "none/fp32"]
    assert (answer["model"], answer["budget_bytes"], answer["batch"], answer["profile"], answer["optimizer"],
            answer["timesteps"]) == ("small", 2500, None, "pytorch", "sgd-momentum", 2)
    # T = 4: per sample saved 72 + 144 x 4 + 16, transient 288: 952 B + 508
    at4 = snncost.fit(small(), 2500, sharing="none", timesteps=4, precisions=["fp32"])
    assert at4["timesteps"] == 4 and at4["candidates"][0]["peak_formula"] == "952*B + 508"


def test_fit_orders_ties_and_refusals():
    # 900 B: neither precision fits batch 1 (bf16 964, fp32 1172): the smaller peak first
    answer = snncost.fit(small(), 900, sharing="none")
    assert [e["precision"] for e in answer["candidates"]] == ["bf16", "fp32"]
    assert answer["answer"] == "nothing fits in 900 bytes at batch 1: the smallest peak there is 964 bytes"
    # 1500 B: fp32 fits batch 1 exactly; a refused scheme (C3 on 2 channels) goes after it
    answer = snncost.fit(small(), 1500, sharing="none,C3", precisions=["fp32"])
    assert [(e["sharing"], e.get("largest_batch")) for e in answer["candidates"]] == [("none", 1), ("C3", None)]
    # every scheme refused: nothing to compare
    answer = snncost.fit(small(), 900, sharing="C3,C4", precisions=["fp32"])
    assert answer["answer"] == "nothing fits in 900 bytes at batch 1" and answer["fits"] == []
    # at a batch: a refused scheme and one that does not fit (1836 > 1500) are both at the end
    answer = snncost.fit(small(), 1500, sharing="none,C3", batch=2)
    assert [(e["sharing"], e["precision"], e["fits"]) for e in answer["candidates"]] == [
        ("none", "bf16", True), ("C3", "fp32", False), ("C3", "bf16", False), ("none", "fp32", False)]


def test_fit_passes_profile_and_static_nodes_to_the_step():
    # numpy engine, small(): per sample saved 288 + 288, transient 144 + 144 + 288; 42 x 8 B x 3 fixed
    engine = snncost.fit(small(), "1MiB", sharing="none", profile="numpy-engine")
    assert engine["candidates"][0]["peak_formula"] == "1152*B + 1008"
    # static_stem() per timestep: 46 parameters, 552 fixed; per sample saved s 72, bn 3 x 72, l 216, fc 216,
    # loss 16 (bn's batch statistics 2 x 2 x 4 x 3 = 48 and running ones 16 are not per sample, the loss
    # weight 4 neither); transient 72 + 72 + 144 per sample: 1024 B + 620
    every = snncost.fit(static_stem(), "1MiB", sharing="none", precisions=["fp32"], static_nodes="per-timestep")
    assert every["candidates"][0]["peak_formula"] == "1024*B + 620"


def test_fit_nothing_fits():
    answer = snncost.fit(small(), 1000, sharing="none", precisions=["fp32"])
    assert answer["candidates"][0]["largest_batch"] == 0 and "peak_bytes" not in answer["candidates"][0]
    assert answer["candidates"][0]["fits"] is False
    assert answer["answer"] == "nothing fits in 1000 bytes at batch 1: the smallest peak there is 1172 bytes"
    at_batch = snncost.fit(small(), 1000, sharing="none", precisions=["fp32"], batch=2)
    assert at_batch["answer"] == "nothing fits in 1000 bytes at batch 2"


def test_fit_at_a_batch_cheapest_first():
    # B = 2: fp32 664 x 2 + 508 = 1836; bf16 376 x 2 + 588 = 1340
    answer = snncost.fit(small(), 1500, sharing="none", batch=2)
    assert [(e["precision"], e["peak_bytes"], e["fits"]) for e in answer["candidates"]] == [("bf16", 1340, True),
                                                                                             ("fp32", 1836, False)]
    assert answer["answer"] == "1 of 2 scheme/precision pairs fit at batch 2; cheapest none/bf16 (1340 bytes)"
    assert "largest_batch" not in answer["candidates"][0]
    both = snncost.fit(small(), 1836, sharing="none", batch=2)
    assert both["fits"] == ["none/bf16", "none/fp32"]   # 1836 <= 1836: a peak equal to the budget fits


def test_fit_schemes_and_refusals():
    # C2 fits (2 channels); C3 cannot share 2 channels: its row says why, the others still answer
    answer = snncost.fit(small(), "1KiB", sharing="none,C2,C3", precisions=["fp32"])
    rows = {e["sharing"]: e for e in answer["candidates"]}
    assert rows["C3"]["fits"] is False and rows["C3"]["refused"] == (
        "option --sharing: C3 does not divide the 2 channels of LIF site 'l'; "
        "valid: a channel group count that divides every LIF site's channels")
    assert rows["C2"]["training"] == "reverse" and rows["none"]["training"] == "bptt"
    assert snncost.fit(small(), "1KiB", sharing="C2", training="bptt", precisions=["fp32"])["candidates"][0]["training"] == "bptt"
    with pytest.raises(SharingError):
        snncost.fit(small(), "1KiB", sharing="C3")
    with pytest.raises(ConfigError) as info:
        snncost.fit(small(), "1KiB", sharing="none,,L")
    assert str(info.value) == "option --sharing: empty scheme in 'none,,L'; valid: a comma-separated list such as none,L,C2,L+C2"
    with pytest.raises(ConfigError) as info:
        snncost.fit(small(), "1KiB", sharing=[])
    assert str(info.value).startswith("option --sharing: empty scheme in []")
    with pytest.raises(ConfigError, match="option --optimizer"):
        snncost.fit(small(), "1KiB", optimizer="lamb")
    with pytest.raises(ConfigError, match="option --precisions"):
        snncost.fit(small(), "1KiB", precisions=["fp8"])
    # the numpy engine offers no autocast: fp32 only by default
    engine = snncost.fit(small(), "1MiB", sharing="none", profile="numpy-engine")
    assert [e["precision"] for e in engine["candidates"]] == ["fp32"] and engine["profile"] == "numpy-engine"


def test_fit_workspace_and_optimizer_reach_the_peak():
    # adam: 2 states, +168 fixed; a workspace of 100 B: +100 fixed
    answer = snncost.fit(small(), 10**6, sharing="none", precisions=["fp32"], optimizer="adam", workspace=100)
    assert answer["candidates"][0]["peak_formula"] == "664*B + 776"
    assert answer["optimizer"] == "adam"


def test_a_user_kind_without_a_training_rule_keeps_its_tracked_inputs():
    from snncost.kinds.registry import remove_kind

    snncost.register_node_kind("test_mix", inputs=(2, 2))   # registered inside the test (docs/testing.md rule 6)
    try:
        # input (2, 3, 3), B = 1, T = 2: mix(l, c2) keeps both inputs, l's output 18 x 4 x 2 = 144 and c2's 144
        b = SpecBuilder("mix", (2, 3, 3), timesteps=2)
        b.conv2d("c", 2, 1)
        b.lif("l")
        b.conv2d("c2", 2, 1, inputs="input")
        b.add("m", "test_mix", inputs=["l", "c2"])
        b.lif("out")
        rows = {row["name"]: row for row in snncost.train_memory(b.build(), batch=1).rows}
        assert rows["m"]["saved"] == "input 144, input 144" and rows["m"]["saved_bytes"] == 288
        # on untracked inputs (the network input and a parameter-free lif on it): nothing
        b = SpecBuilder("mix0", (2, 3, 3), timesteps=2)
        b.lif("l0", inputs="input")
        b.add("m", "test_mix", inputs=["input", "l0"])
        b.conv2d("c", 2, 1)
        b.lif("out")
        rows = {row["name"]: row for row in snncost.train_memory(b.build(), batch=1).rows}
        assert rows["m"]["saved"] == "" and rows["l0"]["saved"] == ""
    finally:
        remove_kind("test_mix")


def test_symbolic_sizes_name_the_saved_tensors_without_bytes():
    import sympy

    # symbolic B alone, T alone or an input size alone: the saved column names the tensors only
    B, T, H = (sympy.Symbol(n, integer=True, positive=True) for n in "BTH")
    by_b = snncost.train_memory(small(), batch=B)
    assert [row["saved"] for row in by_b.rows] == ["input", "membrane", "", "input"]
    assert by_b.totals["saved_bytes"] == 376 * B + 4
    by_t = snncost.train_memory(small(), timesteps=T, batch=1)
    assert [row["saved"] for row in by_t.rows] == ["input", "membrane", "", "input"]
    assert by_t.totals["saved_bytes"] == 144 * T + 92   # input 72 once, l and fc 72 per timestep, loss 20
    by_h = snncost.train_memory(small(), input=(H, 3), batch=1)
    assert [row["saved"] for row in by_h.rows] == ["input", "membrane", "", "input"]
    # n = 6 H elements: input 4 n, l 8 n, fc 8 n, loss 20
    assert sympy.expand(by_h.totals["saved_bytes"] - (120 * H + 20)) == 0


def test_a_view_of_the_network_input_is_the_input():
    # input (2, 3, 3) -> flatten -> linear 2 -> lif; B = 1, T = 2: fc keeps the network input (through
    # the view) once, 18 x 4 = 72 (not per timestep)
    b = SpecBuilder("flat", (2, 3, 3), timesteps=2)
    b.flatten("f")
    b.linear("fc", 2)
    b.lif("l")
    rows = {row["name"]: row for row in snncost.train_memory(b.build(), batch=1).rows}
    assert rows["fc"]["saved"] == "input 72"


def test_two_state_variables_double_the_membrane_state():
    # cubalif keeps v and i: the module holds 18 x 2 x 4 B = 144 at B = 1; the spike function still
    # keeps one membrane-sized tensor per call (18 x 4 x 2 = 144)
    b = SpecBuilder("cuba", (2, 3, 3), timesteps=2)
    b.conv2d("c", 2, 1)
    b.lif("l", op="cubalif")
    r = snncost.train_memory(b.build(), batch=1)
    row = {row["name"]: row for row in r.rows}["l"]
    assert (row["membrane_state_bytes"], row["saved_bytes"]) == (144, 144)
    assert r.totals["transient_by_part"]["membrane_state"] == 144


def test_adds_promote_to_the_widest_input_under_autocast():
    # bf16, B = 1, T = 2: c's output is bf16, the network input fp32; their sum is fp32 (PyTorch promotes),
    # so the lif after it keeps an fp32 membrane 18 x 4 x 2 = 144
    b = SpecBuilder("promote", (2, 3, 3), timesteps=2)
    b.conv2d("c", 2, 1)
    b.residual_add("a", ["c", "input"])
    b.lif("l")
    r = snncost.train_memory(b.build(), batch=1, amp="bf16")
    assert r.totals["saved_by_kind"]["lif"] == 144


def test_untracked_layers_have_no_gradients_in_flight():
    # input (2, 3, 3) -> lif (no parameters, on the untracked input) -> flatten -> linear 18 -> 2 -> lif;
    # B = 1: the first two rows carry no gradient; fc's output 2 x 4 = 8; the last lif 8 + 8
    b = SpecBuilder("untracked", (2, 3, 3), timesteps=2)
    b.lif("l0")
    b.flatten("f")
    b.linear("fc", 2)
    b.lif("l")
    r = snncost.train_memory(b.build(), batch=1)
    assert [row["gradient_in_flight_bytes"] for row in r.rows] == [0, 0, 8, 16]
    assert [row["membrane_state_bytes"] for row in r.rows] == [72, 0, 0, 8]


def test_a_dropout_mask_is_not_a_view():
    # B = 1, T = 2, (2, 3, 3): c keeps the input (72); d (p 0.5) its mask 18 x 4 x 2 = 144; c2 keeps d's
    # output, a storage of its own (144); c3 keeps c's output (144).  A p = 0 dropout is a view of c:
    # c2 and c3 keep one storage (144 once) and the dropout keeps nothing.
    def build(p):
        b = SpecBuilder("drop", (2, 3, 3), timesteps=2)
        b.conv2d("c", 2, 1)
        b.add("d", "dropout", p=p)
        b.conv2d("c2", 2, 1, inputs="d")
        b.conv2d("c3", 2, 1, inputs="c")
        b.residual_add("a", ["c2", "c3"])
        b.lif("l")
        return snncost.train_memory(b.build(), batch=1).totals["saved_by_kind"]

    assert build(0.5)["conv2d"] == 72 + 144 + 144 and build(0.5)["dropout"] == 144
    assert build(0.0)["conv2d"] == 72 + 144 and "dropout" not in build(0.0)


def test_an_odd_same_padding_keeps_a_padded_copy():
    # (2, 5, 5), kernel 2, padding 'same' (total 1, odd): PyTorch pads a copy, 2 x 6 x 6 = 72 el. x 4 B
    # per call, 2 calls: 576
    b = SpecBuilder("same", (2, 5, 5), timesteps=2)
    b.conv2d("c", 2, 2, padding="same")
    b.lif("l")
    rows = {row["name"]: row["saved"] for row in snncost.train_memory(b.build(), batch=1).rows}
    assert rows["c"] == "input (padded copy) 576"


def test_static_outputs_read_at_every_timestep_each_have_an_accumulator():
    # input (2, 4, 4), B = 1, T = 2.  Static: s (conv, 32 el.) -> p (maxpool 2, 8 el.); s2 (conv) -> p2
    # (maxpool, 8 el.).  p feeds l1 (per timestep), p2 the add with l1: both read at every timestep, each
    # with one accumulator of 8 x 4 = 32 B; s and s2 are read only by static nodes: none.
    b = SpecBuilder("acc", (2, 4, 4), timesteps=2)
    b.conv2d("s", 2, 1, static=True)
    b.add("p", "maxpool2d", kernel=2, static=True)
    b.lif("l1")
    b.conv2d("s2", 2, 1, static=True, inputs="input")
    b.add("p2", "maxpool2d", kernel=2, static=True)
    b.residual_add("a", ["l1", "p2"])
    b.lif("l2")
    r = snncost.train_memory(b.build(), batch=1)
    static = {row["name"]: row["static"] for row in r.rows}
    assert [n for n, v in static.items() if v] == ["s", "p", "s2", "p2"]
    assert r.totals["transient_by_part"]["static_output_gradients"] == 64


def test_a_profile_workspace_adds_to_the_allowance():
    custom = dataclasses.replace(PROFILES["pytorch"], name="cudnn", workspace_bytes=100)
    r = snncost.train_memory(small(), batch=1, profile=custom, workspace=28)
    assert r.totals["transient_by_part"]["workspace"] == 128


def test_window_sharing_splits_the_buffers():
    # (2, 4, 4) -> conv 1x1 -> lif -> flatten -> fc; W4: 2 x 2 windows of the 4 x 4 map, one buffer of
    # 32 / 4 = 8 neurons: the site holds 8 x 4 = 32 B of state (B = 1).  BPTT (the default with windows)
    # keeps every membrane, 32 x 4 x 2 = 256; reverse keeps the buffer once, 32
    b = SpecBuilder("win", (2, 4, 4), timesteps=2)
    b.conv2d("c", 2, 1)
    b.lif("l")
    b.flatten("f")
    b.linear("fc", 2)
    row = {row["name"]: row for row in snncost.train_memory(b.build(), batch=1, sharing="W4").rows}["l"]
    assert (row["saved"], row["membrane_state_bytes"]) == ("membrane 256", 32)
    row = {row["name"]: row for row in snncost.train_memory(b.build(), batch=1, sharing="W4", training="reverse").rows}["l"]
    assert (row["saved"], row["membrane_state_bytes"]) == ("membrane buffer (reverse) 32", 32)
