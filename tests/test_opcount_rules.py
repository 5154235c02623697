"""Op-count rules node by node (issue 9, checked as issue 15 asks): what each kind makes
of spikes, which rule counts a layer, the exact op_rule text, the conventions' options,
notes and JSON config, the shortcut-size quirk, extra ops, symbolic rates.

Every expected value is derived by hand in the comment next to it (MACs of a 1x1 conv
C_in -> C_out on an H x W map: C_in C_out H W; ACs: rate x T x MACs, seed 002 Eq. 13-14;
NeuroBench neuron costs: Leaky 4, Synaptic 6, Alpha 18 ops per update)."""
from __future__ import annotations

from fractions import Fraction as F

import pytest

import snncost
from snncost.errors import ConfigError
from snncost.opcount import make_ops_config
from snncost.spec import SpecBuilder

ANALOG_T = "MAC x T: analog network input (direct encoding)"


def _rows(report):
    return {r["name"]: r for r in report.rows}


def _facts(report, name, *keys):
    row = _rows(report)[name]
    return tuple(row[k] for k in keys)


# ---- neurons: spikes, multi-level spikes, updates ----------------------------------------

def _neuron_chain():
    """input (2, 4, 4), T = 3; five 1x1 convs 2 -> 2 (2 x 2 x 16 = 64 MACs each) between
    a lif, an mlif with 2 lanes, an mlif with 1 lane and a cubalif."""
    b = SpecBuilder("neurons", (2, 4, 4), timesteps=3)
    b.conv2d("c1", 2, 1); b.lif("l1")
    b.conv2d("c2", 2, 1); b.lif("m2", op="mlif", lanes=2)
    b.conv2d("c3", 2, 1); b.lif("m1", op="mlif", lanes=1)
    b.conv2d("c4", 2, 1); b.lif("cb", op="cubalif")
    b.conv2d("c5", 2, 1)
    return b.build()


RATES = {"l1": F(1, 2), "m2": F(1, 4), "m1": F(1, 8), "cb": F(1, 3)}


def test_spike_fed_layers_by_hand():
    r = snncost.analyze(_neuron_chain(), rates=RATES)
    rows = _rows(r)
    # c1: the analog input, MACs at every timestep: 64 x 3 = 192
    assert _facts(r, "c1", "macs", "snn_macs", "acs", "exponent_adds", "input_rate", "op_rule") == \
        (64, 192, 0, 0, None, ANALOG_T)
    # c2: spikes of l1: 1/2 x 3 x 64 = 96 ACs, no MACs
    assert _facts(r, "c2", "snn_macs", "acs", "exponent_adds", "input_rate", "op_rule") == \
        (0, 96, 0, F(1, 2), "AC: input is spikes from 'l1'")
    # c3: multi-level spikes of m2 (2 lanes): 1/4 x 3 x 64 = 48 ACs and 48 exponent adds
    assert _facts(r, "c3", "snn_macs", "acs", "exponent_adds", "op_rule") == \
        (0, 48, 48, "AC: input is multi-level spikes from 'm2' (one AC + one exponent add per spike)")
    # c4: an mlif with one lane emits plain spikes: 1/8 x 3 x 64 = 24 ACs, no exponent add
    assert _facts(r, "c4", "acs", "exponent_adds", "op_rule") == (24, 0, "AC: input is spikes from 'm1'")
    # c5: cubalif spikes: 1/3 x 3 x 64 = 64
    assert _facts(r, "c5", "acs", "op_rule") == (64, "AC: input is spikes from 'cb'")
    # every neuron: 2 x 4 x 4 = 32 neurons x T = 96 updates; Leaky 4 ops (lif, mlif), Synaptic 6 (cubalif)
    for name, ops, model in (("l1", 4, "leaky"), ("m2", 4, "leaky"), ("m1", 4, "leaky"), ("cb", 6, "synaptic")):
        assert _facts(r, name, "neuron_updates", "neuron_ops", "op_rule", "macs", "snn_macs", "acs") == \
            (96, 96 * ops, f"neuron updates: {ops} ops each (NeuroBench {model})", 0, 0, 0), name
    t = r.totals
    assert (t["macs"], t["snn_macs"], t["acs"], t["exponent_adds"]) == (5 * 64, 192, 96 + 48 + 24 + 64, 48)
    assert (t["neuron_updates"], t["neuron_ops"]) == (4 * 96, 96 * (4 + 4 + 4 + 6))
    for key in ("macs", "snn_macs", "acs", "exponent_adds", "neuron_updates", "neuron_ops"):
        assert type(t[key]) is int, key          # exact: whole Fraction sums become ints
    assert rows["c2"]["acs"] == 96


def test_totals_keep_fractions_exact():
    """1/3 x 3 x 64 is whole, but 1/7 x 3 x 64 = 192/7 is not: the total stays a Fraction."""
    r = snncost.analyze(_neuron_chain(), rates={**RATES, "cb": F(1, 7)})
    assert r.totals["acs"] == 96 + 48 + 24 + F(192, 7) and type(r.totals["acs"]) is F
    assert type(r.totals["energy_pj"]) in (int, F)


def test_neuron_model_option_prices_every_update():
    r = snncost.analyze(_neuron_chain(), neuron_model="alpha")
    assert _facts(r, "cb", "neuron_ops", "op_rule") == (96 * 18, "neuron updates: 18 ops each (NeuroBench alpha)")
    assert r.totals["neuron_ops"] == 4 * 96 * 18
    assert "acs" not in r.totals and "acs" not in r.rows[0] and "input_rate" not in r.rows[0]


def test_no_rates_no_rate_keys():
    r = snncost.analyze(_neuron_chain())
    for key in ("acs", "exponent_adds", "input_rate", "energy_pj", "ann_energy_pj"):
        assert key not in r.totals and all(key not in row for row in r.rows), key
    assert _facts(r, "c2", "snn_macs", "op_rule") == (0, "AC: input is spikes from 'l1'")
    assert type(r.totals["snn_macs"]) is int and r.totals["snn_macs"] == 192


# ---- pass-through nodes ----------------------------------------------------------------------

def test_pass_through_keeps_origin_and_a_given_rate_wins():
    """l1 (rate 1/2) -> maxpool 2 (rate given 1/5) -> conv 2 -> 2 on 2x2 (16 MACs);
    l1 -> dropout -> identity -> conv 2 -> 3 on 4x4 (96 MACs); T = 2."""
    b = SpecBuilder("through", (2, 4, 4), timesteps=2)
    b.lif("l1")
    b.pool("mp", "maxpool2d", 2)
    b.conv2d("ca", 2, 1)
    b.add("drop", "dropout", inputs="l1", p=0.5)
    b.add("ident", "identity")
    b.conv2d("cb", 3, 1)
    r = snncost.analyze(b.build(), rates={"l1": F(1, 2), "mp": F(1, 5)})
    # 1/5 x 2 x 16 = 32/5; origin stays the neuron
    assert _facts(r, "ca", "acs", "input_rate", "op_rule") == (F(32, 5), F(1, 5), "AC: input is spikes from 'l1'")
    # 1/2 x 2 x 96 = 96
    assert _facts(r, "cb", "acs", "input_rate", "op_rule") == (96, F(1, 2), "AC: input is spikes from 'l1'")
    assert _facts(r, "mp", "macs", "snn_macs", "op_rule") == (0, 0, "")


def test_analog_input_once_through_pass_through_nodes():
    """Direct encoding with analog_input='once': a layer fed by the network input through
    flatten (or max-pool) runs once (seed 004); a layer fed by another layer's analog
    output, even through flatten, runs T times.  input (1, 4, 4), T = 4:
    flatten -> fc 16 -> 3 (48 MACs); conv 1 -> 2 1x1 (32 MACs) -> flatten -> fc 32 -> 3 (96)."""
    b = SpecBuilder("once", (1, 4, 4), timesteps=4)
    b.flatten("f")
    b.linear("fc", 3, bias=False)
    b.pool("mp", "maxpool2d", 2, inputs="input")
    b.conv2d("cm", 2, 1)                      # 2 x 1 x 2 x 2 = 8 MACs
    b.conv2d("c", 2, 1, inputs="input")
    b.flatten("f2")
    b.linear("fc2", 3, bias=False)
    spec = b.build()
    once = snncost.analyze(spec, analog_input="once")
    assert _facts(once, "fc", "macs", "snn_macs", "op_rule") == (48, 48, "MAC once: analog network input (direct encoding)")
    assert _facts(once, "cm", "snn_macs", "op_rule") == (8, "MAC once: analog network input (direct encoding)")
    assert _facts(once, "c", "snn_macs", "op_rule") == (32, "MAC once: analog network input (direct encoding)")
    assert _facts(once, "fc2", "macs", "snn_macs", "op_rule") == (96, 96 * 4, "MAC x T: analog input from 'c'")
    every = snncost.analyze(spec)
    assert _facts(every, "fc", "snn_macs", "op_rule") == (48 * 4, ANALOG_T)
    # a rate given for a pass-through node of analog values is no spike rate: fc stays analog-fed
    given = snncost.analyze(spec, rates={"f": F(1, 2)})
    assert _facts(given, "fc", "snn_macs", "acs", "input_rate", "op_rule") == (48 * 4, 0, None, ANALOG_T)
    assert _facts(every, "fc2", "snn_macs", "op_rule") == (96 * 4, "MAC x T: analog input from 'c'")


# ---- concat, add, pools, token sums: sums of spikes --------------------------------------------

def _concat(second="lif"):
    """input (2, 4, 4), T = 2: lif a (2 channels) and conv 2 -> 4 -> neuron b (4 channels),
    concat (6 channels) -> conv 6 -> 1 1x1 (6 x 16 = 96 MACs)."""
    b = SpecBuilder("cat", (2, 4, 4), timesteps=2)
    b.lif("a")
    b.conv2d("c4", 4, 1, inputs="input")
    if second == "analog":
        b.batchnorm("bn")
    else:
        b.lif("b", op=second, **({"lanes": 2} if second == "mlif" else {}))
    b.add("cat", "concat", inputs=["a", "bn" if second == "analog" else "b"])
    b.conv2d("out", 1, 1)
    return b.build()


def test_concat_of_spikes_is_spikes_at_the_channel_weighted_rate():
    # (2 x 1/2 + 4 x 1/4) / 6 = 1/3 per element; 1/3 x 2 x 96 = 64 ACs
    r = snncost.analyze(_concat(), rates={"a": F(1, 2), "b": F(1, 4)})
    assert _facts(r, "out", "acs", "input_rate", "snn_macs", "op_rule") == (64, F(1, 3), 0, "AC: input is spikes from 'cat'")
    # without rates: the rule, no ACs; c4 (2 -> 4 on 4x4: 128 MACs) is fed by the analog input, 2 x 128 = 256
    plain = snncost.analyze(_concat())
    assert _facts(plain, "out", "snn_macs", "op_rule") == (0, "AC: input is spikes from 'cat'")
    assert plain.totals["snn_macs"] == 256


def test_concat_of_spikes_and_multilevel_spikes_is_a_sum_of_spikes():
    rates = {"a": F(1, 2), "b": F(1, 4)}
    r = snncost.analyze(_concat("mlif"), rates=rates)
    assert _facts(r, "out", "acs", "snn_macs", "op_rule") == \
        (0, 96 * 2, "MAC x T (neurobench): input is a sum of spikes ('cat'), values outside {-1, 0, 1}")
    r = snncost.analyze(_concat("mlif"), rates=rates, spike_sums="paper")
    # the channel-weighted mean 1/3 again: 1/3 x 2 x 96 = 64 ACs, no exponent adds (a sum, not multi-level spikes)
    assert _facts(r, "out", "acs", "exponent_adds", "input_rate", "op_rule") == \
        (64, 0, F(1, 3), "AC (paper convention): input is a sum of spikes ('cat') counted as spikes")


def test_concat_with_an_analog_input_is_analog():
    r = snncost.analyze(_concat("analog"), rates={"a": F(1, 2)})
    assert _facts(r, "out", "acs", "snn_macs", "input_rate", "op_rule") == (0, 96 * 2, None, "MAC x T: analog input from 'cat'")


def test_sums_of_spikes_mean_values_paper_convention():
    """input (2, 4, 6), T = 2, lif a (rate 1/8) and lif b (rate 1/4) on it:
    add(a, b): mean value 3/8 -> conv 2 -> 1 on 4x6: 48 MACs, 3/8 x 2 x 48 = 36 ACs;
    avgpool 2 of a: 1/8 -> conv 2 -> 1 on 2x3: 12 MACs, 1/8 x 2 x 12 = 3;
    sumpool (2, 3) of a: 6 x 1/8 = 3/4 -> conv on 2x2: 8 MACs, 3/4 x 2 x 8 = 12;
    sumpool 2 of b: 4 x 1/4 = 1 -> conv on 2x3: 12 MACs, 1 x 2 x 12 = 24."""
    b = SpecBuilder("sums", (2, 4, 6), timesteps=2)
    b.lif("a")
    b.lif("b", inputs="input")
    b.residual_add("sum", ["a", "b"])
    b.conv2d("c_sum", 1, 1)
    b.pool("ap", "avgpool2d", 2, inputs="a")
    b.conv2d("c_avg", 1, 1)
    b.pool("sp", "sumpool2d", (2, 3), inputs="a")
    b.conv2d("c_win", 1, 1)
    b.pool("sp2", "sumpool2d", 2, inputs="b")
    b.conv2d("c_win2", 1, 1)
    spec = b.build()
    rates = {"a": F(1, 8), "b": F(1, 4)}
    r = snncost.analyze(spec, rates=rates, spike_sums="paper")
    paper = "AC (paper convention): input is a sum of spikes ('{}') counted as spikes"
    assert _facts(r, "c_sum", "acs", "input_rate", "op_rule") == (36, F(3, 8), paper.format("sum"))
    assert _facts(r, "c_avg", "acs", "input_rate", "op_rule") == (3, F(1, 8), paper.format("ap"))
    assert _facts(r, "c_win", "acs", "input_rate", "op_rule") == (12, F(3, 4), paper.format("sp"))
    assert _facts(r, "c_win2", "acs", "input_rate", "op_rule") == (24, 1, paper.format("sp2"))
    assert r.totals["acs"] == 36 + 3 + 12 + 24 and r.totals["snn_macs"] == 0
    nb = snncost.analyze(spec, rates=rates)
    assert _facts(nb, "c_win", "acs", "snn_macs", "input_rate", "op_rule") == \
        (0, 16, F(3, 4), "MAC x T (neurobench): input is a sum of spikes ('sp'), values outside {-1, 0, 1}")
    assert nb.totals["snn_macs"] == 2 * (48 + 12 + 8 + 12)


def test_window_sum_of_a_sequence_and_token_sum():
    """input (4, 6) (C, L), T = 2, lif a (rate 1/2): sumpool1d 3 -> (4, 2), mean value
    3 x 1/2 = 3/2 -> conv1d 4 -> 1: 8 MACs, 3/2 x 2 x 8 = 24 ACs;
    token_sum of a: (4, 1), 4 x 6 = 24 accumulates fed by spikes (1/2 x 2 x 24 = 24 ACs),
    mean value 6 x 1/2 = 3 -> conv1d 4 -> 2: 8 MACs, 3 x 2 x 8 = 48 ACs."""
    b = SpecBuilder("seq", (4, 6), timesteps=2)
    b.lif("a")
    b.pool("sp", "sumpool1d", 3)
    b.conv1d("c_win", 1, 1)
    b.token_sum("ts", inputs="a")
    b.conv1d("c_tok", 2, 1)
    r = snncost.analyze(b.build(), rates={"a": F(1, 2)}, spike_sums="paper")
    assert _facts(r, "c_win", "macs", "acs", "input_rate") == (8, 24, F(3, 2))
    assert _facts(r, "ts", "macs", "acs", "op_rule") == (24, 24, "AC: input is spikes from 'a'")
    assert _facts(r, "c_tok", "macs", "acs", "input_rate") == (8, 48, 3)
    plain = snncost.analyze(b.build(), spike_sums="paper")      # no rates: the rules alone
    assert _facts(plain, "c_win", "snn_macs", "op_rule") == \
        (0, "AC (paper convention): input is a sum of spikes ('sp') counted as spikes")
    assert _facts(plain, "c_tok", "snn_macs", "op_rule") == \
        (0, "AC (paper convention): input is a sum of spikes ('ts') counted as spikes")


# ---- products of two activations ----------------------------------------------------------------

def _products():
    """input (2, 4, 4), T = 2: lif a, lif b, mlif m (2 lanes), add s = a + b, a conv 2 -> 2
    1x1 twice (analog); products of two of them, each 2 x 4 x 4 = 32 multiplies, each followed by
    a conv 2 -> 1 1x1 (32 MACs)."""
    b = SpecBuilder("prod", (2, 4, 4), timesteps=2)
    b.lif("a")
    b.lif("b", inputs="input")
    b.lif("m", op="mlif", lanes=2, inputs="input")
    b.residual_add("s", ["a", "b"])
    b.residual_add("s2", ["b", "m"])
    b.conv2d("an", 2, 1, inputs="input")
    b.conv2d("an2", 2, 1, inputs="input")
    for name, x, y in (("ab", "a", "b"), ("am", "a", "m"), ("as", "a", "s"), ("ss", "s", "s2"), ("xa", "an", "a"),
                       ("xx", "an", "an2")):
        b.multiply(name, x, y)
        b.conv2d(f"c_{name}", 1, 1)
    return b.build()


PRODUCT_RATES = {"a": F(1, 2), "b": F(1, 4), "m": F(1, 8)}


def test_products_neurobench():
    r = snncost.analyze(_products(), rates=PRODUCT_RATES)
    # two spike trains: an AC where both spike, at the smaller rate: 1/4 x 2 x 32 = 16; the product is spikes
    assert _facts(r, "ab", "macs", "acs", "input_rate", "op_rule") == (32, 16, F(1, 4), "AC: input is spikes from 'a' x 'b'")
    assert _facts(r, "c_ab", "acs", "op_rule") == (16, "AC: input is spikes from 'ab'")
    # spikes x multi-level spikes: multi-level spikes at the smaller rate 1/8: 1/8 x 2 x 32 = 8 ACs and exponent adds
    assert _facts(r, "am", "acs", "exponent_adds", "op_rule") == \
        (8, 8, "AC: input is multi-level spikes from 'a' x 'm' (one AC + one exponent add per spike)")
    assert _facts(r, "c_am", "acs", "exponent_adds") == (8, 8)
    # spikes x a sum of spikes: accumulates of the sum where a spikes (rate 1/2): 1/2 x 2 x 32 = 32
    assert _facts(r, "as", "acs", "snn_macs", "op_rule") == (32, 0, "AC: input is spikes from 'a'")
    # the product of spikes and a sum is a sum of spikes, at the smaller mean value min(1/2, 3/4) = 1/2
    assert _facts(r, "c_as", "snn_macs", "input_rate", "op_rule") == \
        (64, F(1, 2), "MAC x T (neurobench): input is a sum of spikes ('as'), values outside {-1, 0, 1}")
    # two sums (3/4 and 3/8): MACs at every timestep
    assert _facts(r, "ss", "acs", "snn_macs", "input_rate", "op_rule") == \
        (0, 64, F(3, 8), "MAC x T (neurobench): input is a sum of spikes ('s' x 's2'), values outside {-1, 0, 1}")
    # analog x spikes: accumulates of the analog values where a spikes
    assert _facts(r, "xa", "acs", "snn_macs", "op_rule") == (32, 0, "AC: input is spikes from 'a'")
    assert _facts(r, "c_xa", "snn_macs", "op_rule") == (64, "MAC x T: analog input from 'xa'")
    # analog x analog: MACs
    assert _facts(r, "xx", "acs", "snn_macs", "input_rate", "op_rule") == (0, 64, None, "MAC x T: analog input from 'an' x 'an2'")


def test_products_with_event_input():
    """input_spikes: the network input is events (rate 1/10); a lif a (rate 1/2) on it;
    input x a and a x input: both binary, at the smaller rate 1/10: 1/10 x 2 x 32 = 32/5 ACs;
    the product's kind is its first operand's (events, or spikes from the pair)."""
    b = SpecBuilder("ev", (2, 4, 4), timesteps=2)
    b.lif("a")
    b.multiply("ia", "input", "a")
    b.multiply("ai", "a", "input")
    b.pool("mp", "maxpool2d", 2, inputs="input")
    b.conv2d("c", 1, 1)                                   # 2 x 2 x 2 = 8 MACs
    r = snncost.analyze(b.build(), rates={"input": F(1, 10), "a": F(1, 2)}, input_spikes=True)
    assert _facts(r, "ia", "acs", "op_rule") == (F(32, 5), "AC: input is events (network input)")
    assert _facts(r, "ai", "acs", "op_rule") == (F(32, 5), "AC: input is spikes from 'a' x 'input'")
    # events through a max-pool stay events: 1/10 x 2 x 8 = 8/5
    assert _facts(r, "c", "acs", "op_rule") == (F(8, 5), "AC: input is events (network input)")


def test_products_paper_convention():
    r = snncost.analyze(_products(), rates=PRODUCT_RATES, spike_sums="paper")
    # two sums of spikes count as spikes at the smaller mean value 3/8: 3/8 x 2 x 32 = 24
    assert _facts(r, "ss", "acs", "snn_macs", "op_rule") == \
        (24, 0, "AC (paper convention): input is a sum of spikes ('s' x 's2') counted as spikes")
    # spikes x a sum: still accumulates where the spikes are (rate 1/2)
    assert _facts(r, "as", "acs", "op_rule") == (32, "AC: input is spikes from 'a'")
    # the product of spikes and a sum feeds c_as as a sum at 1/2: 1/2 x 2 x 32 = 32
    assert _facts(r, "c_as", "acs", "input_rate") == (32, F(1, 2))


def test_products_without_rates_and_with_symbolic_rates():
    r = snncost.analyze(_products())
    assert _facts(r, "ab", "snn_macs", "op_rule") == (0, "AC: input is spikes from 'a' x 'b'")
    sympy = pytest.importorskip("sympy")
    expr = snncost.formula(_products(), "acs", symbols="T,r_l")
    ra, rb, rm, T = (sympy.Symbol(n, nonnegative=True) for n in ("r_a", "r_b", "r_m", "T"))
    values = {s.name: s for s in expr.free_symbols}
    env = {values["r_a"]: F(1, 2), values["r_b"]: F(1, 4), values["r_m"]: F(1, 8), values["T"]: 2}
    total = snncost.analyze(_products(), rates=PRODUCT_RATES).totals["acs"]
    assert sympy.nsimplify(expr.subs(env)) == total
    assert any(isinstance(a, sympy.Min) for a in sympy.preorder_traversal(expr))
    del ra, rb, rm, T


# ---- static nodes, extra ops, padding -----------------------------------------------------------

def test_static_nodes_and_extra_ops():
    """input (2, 4, 4), T = 3: static conv 2 -> 3 1x1 with bias (96 MACs, 48 bias adds),
    lif l, conv 3 -> 2 1x1 with bias (96 MACs, 32 bias adds), batchnorm (32 elements),
    avgpool 2 (2x2x2 out x 4 taps = 32 adds)."""
    b = SpecBuilder("extra", (2, 4, 4), timesteps=3)
    b.conv2d("c0", 3, 1, bias=True, static=True)
    b.lif("l")
    b.conv2d("c1", 2, 1, bias=True)
    b.batchnorm("bn")
    b.pool("ap", "avgpool2d", 2)
    spec = b.build()
    r = snncost.analyze(spec, rates=F(1, 2))
    assert _facts(r, "c0", "macs", "snn_macs", "op_rule") == \
        (96, 96, "MAC once: static node (computed once, outside the time loop)")
    assert _facts(r, "c1", "macs", "snn_macs", "acs") == (96, 0, 144)          # 1/2 x 3 x 96
    assert _facts(r, "bn", "macs", "snn_macs", "op_rule") == (0, 0, "")
    r = snncost.analyze(spec, rates=F(1, 2), extra_ops="bias, batchnorm,pool,")
    # static: 96 + 48 once; c1: bias adds at every timestep (32 x 3), the ACs unchanged
    assert _facts(r, "c0", "macs", "snn_macs") == (96 + 48, 96 + 48)
    assert _facts(r, "c1", "macs", "snn_macs", "acs") == (96 + 32, 32 * 3, 144)
    assert _facts(r, "bn", "macs", "snn_macs", "op_rule") == (32, 32 * 3, "dense extra ops at every timestep")
    assert _facts(r, "ap", "macs", "snn_macs", "op_rule") == (32, 32 * 3, "dense extra ops at every timestep")
    assert r.totals["snn_macs"] == 144 + 96 + 96 + 96 and type(r.totals["snn_macs"]) is int
    # a global average pool adds every input element once: 2 x 2 x 2 = 8 (after the 2x2 pool)
    b.global_avgpool("gap")
    gap = snncost.analyze(b.build(), extra_ops="pool")
    assert _facts(gap, "gap", "macs", "snn_macs") == (8, 8 * 3)
    only_pool = snncost.analyze(spec, extra_ops=["pool"])
    assert _facts(only_pool, "c0", "macs") == (96,) and _facts(only_pool, "ap", "macs") == (32,)
    assert only_pool.to_dict()["config"]["ops"]["extra_ops"] == ["pool"]


def test_padding_excluded_for_kinds_without_padding():
    """A linear layer and a matmul have no padding: their MACs do not change.
    tokens of (4, 2, 2): (4, 4); linear 4 -> 3 per token: 4 x 3 x 4 = 48 MACs."""
    b = SpecBuilder("nopad", (4, 2, 2), timesteps=1)
    b.tokens("tok")
    b.linear("fc", 3, bias=False)
    b.split_heads("h", 2, inputs="tok")
    b.split_heads("g", 2, inputs="tok")
    b.matmul("mm", "h", "g", transpose_a=True)     # (2, 4, 2)^T x (2, 2, 4): 2 x 4 x 4 x 2 = 64
    spec = b.build()
    for padding in ("included", "excluded"):
        r = snncost.analyze(spec, padding=padding)
        assert _facts(r, "fc", "macs") == (48,) and _facts(r, "mm", "macs") == (64,), padding


def test_shortcut_quirk_sizes():
    """one-hot-mlif-snn's ann.py: a 1x1 shortcut conv of stride s on an H x W map counted
    at floor((H + 1) / s) + 1 positions per side.  input (4, 7, 7), 8 output channels:
    stride 2: 5 x 5 positions, 8 x 4 x 25 = 800 MACs (without the quirk 4 x 4: 512);
    stride (2, 1): 5 x 9 positions, 8 x 4 x 45 = 1440 (without: 4 x 7: 896);
    groups 2, stride 2: 8 x 2 x 25 = 400 (without: 256);
    conv1d on (4, 7), stride 3: floor(8 / 3) + 1 = 3 positions, 8 x 4 x 3 = 96 (without: 3 also: 96)."""
    b = SpecBuilder("quirk", (4, 7, 7), timesteps=2)
    b.conv2d("a.shortcut_conv", 8, 1, stride=2, inputs="input")
    b.conv2d("b.shortcut_conv", 8, 1, stride=(2, 1), inputs="input")
    b.conv2d("c.shortcut_conv", 8, 1, stride=2, groups=2, inputs="input")
    b.conv2d("plain_conv", 8, 1, stride=2, inputs="input")
    spec = b.build()
    quirk = snncost.analyze(spec, shortcut_quirk=True)
    plain = snncost.analyze(spec, shortcut_quirk=False, padding="excluded")
    for name, with_quirk, without in (("a.shortcut_conv", 800, 512), ("b.shortcut_conv", 1440, 896),
                                      ("c.shortcut_conv", 400, 256), ("plain_conv", 512, 512)):
        assert _facts(quirk, name, "macs") == (with_quirk,), name
        assert _facts(plain, name, "macs") == (without,), name
        assert type(_facts(quirk, name, "macs")[0]) is int
    assert snncost.analyze(spec, shortcut_quirk=True, padding="excluded").totals["macs"] == 800 + 1440 + 400 + 512
    b = SpecBuilder("quirk1d", (4, 7), timesteps=1)
    b.conv1d("s.shortcut_conv", 8, 1, stride=2)
    r = snncost.analyze(b.build(), shortcut_quirk=True)
    assert _facts(r, "s.shortcut_conv", "macs") == (8 * 4 * 5,)   # floor(8 / 2) + 1 = 5 positions


# ---- the conventions: options, notes, JSON config ------------------------------------------------

def test_config_as_json_and_notes_defaults():
    r = snncost.analyze(_neuron_chain())
    assert r.to_dict()["config"]["ops"] == {
        "rate_mode": "per-timestep", "spike_sums": "neurobench", "analog_input": "T", "padding": "included",
        "extra_ops": [], "input_spikes": False, "neuron_model": "per kind", "shortcut_quirk": False,
        "energy_model": None, "tech": None, "rates_given": False}
    ops_notes = [n for n in r.notes if n.startswith(("op counts", "layers fed", "spike sums", "rates are", "shortcut-size"))]
    assert ops_notes == [
        "op counts per sample; macs = dense MACs of one pass, one timestep; conv MACs include padding positions "
        "(PyTorch FlopCounterMode, the papers)",
        "layers fed by the analog network input (direct encoding) run their MACs at every timestep "
        "(Spikformer App. C.2, seed 002)",
        "spike sums: neurobench: a layer fed by sums of spikes (values outside {-1, 0, 1}) costs dense MACs at every "
        "timestep (NeuroBench SynapticOperations)"]
    assert not any(n.startswith("extra dense ops") for n in r.notes)


def test_config_as_json_and_notes_every_option():
    r = snncost.analyze(_neuron_chain(), rates=2, rate_mode="summed", spike_sums="paper", analog_input="once",
                        padding="excluded", extra_ops="bias,pool", input_spikes=1, neuron_model="synaptic-8",
                        shortcut_quirk=1, energy_model="memory", tech="horowitz45", rate_default=None)
    assert r.to_dict()["config"]["ops"] == {
        "rate_mode": "summed", "spike_sums": "paper", "analog_input": "once", "padding": "excluded",
        "extra_ops": ["bias", "pool"], "input_spikes": True, "neuron_model": "synaptic-8", "shortcut_quirk": True,
        "energy_model": "memory", "tech": "horowitz45", "rates_given": True}
    notes = r.notes
    start = notes.index("op counts per sample; macs = dense MACs of one pass, one timestep; conv MACs exclude padding "
                        "positions (NeuroBench Dense)")
    assert notes[start + 1:start + 6] == [
        "extra dense ops counted in macs: bias, pool",
        "layers fed by the analog network input run their MACs once (seed 004); the network input is events "
        "(counted as spikes)",
        "spike sums: paper: a layer fed by sums of spikes costs ACs at the input's mean value per element (the sum of "
        "the addends' rates), as Spikformer's Table 2 counts them",
        "rates are spikes per neuron summed over the T timesteps, in [0, T] (seed 004)",
        "shortcut-size quirk of one-hot-mlif-snn's ann.py: 1x1 shortcut convs counted at floor((H + 1) / s) + 1 "
        "output positions per side (the block's 3x3 padding)"]
    # summed rate 2 over T = 3 timesteps: 2/3 per timestep; the event input too: c1 1/... x 3 x 64
    assert _facts(r, "c1", "acs", "input_rate", "op_rule") == (128, F(2, 3), "AC: input is events (network input)")
    assert _facts(r, "cb", "neuron_ops", "op_rule") == (96 * 8, "neuron updates: 8 ops each (NeuroBench synaptic-8)")


def test_energy_models_fix_their_conventions():
    """spikformer counts sums of spikes as SOPs; mlif runs the first layer once; an explicit
    option still wins."""
    spec = _concat("mlif")
    rates = {"a": F(1, 2), "b": F(1, 4)}
    ops = snncost.analyze(spec, rates=rates, energy_model="spikformer").to_dict()["config"]["ops"]
    assert (ops["spike_sums"], ops["analog_input"]) == ("paper", "T")
    ops = snncost.analyze(spec, rates=rates, energy_model="mlif").to_dict()["config"]["ops"]
    assert (ops["spike_sums"], ops["analog_input"]) == ("paper", "once")
    ops = snncost.analyze(spec, rates=rates, energy_model="mlif", spike_sums="neurobench",
                          analog_input="T").to_dict()["config"]["ops"]
    assert (ops["spike_sums"], ops["analog_input"]) == ("neurobench", "T")
    ops = snncost.analyze(spec, rates=rates, energy_model="compute").to_dict()["config"]["ops"]
    assert (ops["spike_sums"], ops["analog_input"]) == ("neurobench", "T")


def test_make_ops_config_directly():
    spec = _neuron_chain()
    config = make_ops_config(spec, rates=F(3, 2), rate_mode="summed", timesteps=6)
    assert config.rates == dict.fromkeys(RATES, F(3, 2)) and config.per_timestep(6) == dict.fromkeys(RATES, F(1, 4))
    assert config.rate_sources == dict.fromkeys(RATES, "global")
    # the spec's T (3) bounds a summed rate when no timesteps are given
    with pytest.raises(ConfigError, match="out of range"):
        make_ops_config(spec, rates=4, rate_mode="summed")
    with pytest.raises(ConfigError, match="out of range"):
        make_ops_config(spec, rates=2)                     # per timestep: at most 1
    assert make_ops_config(spec, rates=3, rate_mode="summed").rates == dict.fromkeys(RATES, 3)
    plain = make_ops_config(spec)
    assert plain.rates is None and plain.rate_sources == {} and plain.per_timestep(3) is None
    assert plain.extra_ops == () and plain.input_spikes is False and plain.shortcut_quirk is False
    defaulted = make_ops_config(spec, rate_default=F(1, 10))
    assert defaulted.rates == dict.fromkeys(RATES, F(1, 10)) and defaulted.rate_sources == dict.fromkeys(RATES, "default")
    with pytest.raises(ConfigError) as info:
        make_ops_config(spec, extra_ops=("bias", "relu"))
    assert str(info.value) == "option --extra-ops: unknown value 'relu'; valid: bias, batchnorm, layernorm, pool"
    with pytest.raises(ConfigError) as info:
        make_ops_config(spec, neuron_model="izhikevich")
    assert str(info.value) == ("option --neuron-model: unknown value 'izhikevich'; valid: leaky, synaptic, synaptic-8, "
                               "lapicque, alpha, alpha-24")
    for option, value, valid in (("rate_mode", "total", "per-timestep, summed"), ("spike_sums", "all", "neurobench, paper"),
                                 ("analog_input", "twice", "T, once"), ("padding", "some", "included, excluded")):
        with pytest.raises(ConfigError) as info:
            make_ops_config(spec, **{option: value})
        assert str(info.value) == f"option --{option.replace('_', '-')}: unknown value {value!r}; valid: {valid}"
    with pytest.raises(ConfigError, match="option --energy"):
        make_ops_config(spec, energy_model="excel")
    with pytest.raises(ConfigError, match="option --tech"):
        make_ops_config(spec, tech="7nm")


def test_memory_energy_spike_traffic_by_hand():
    """Lemaire et al. 2022 (energy model 'memory'): a spike read per spike consumed,
    priced by the spike map's size, a spike write per spike emitted.  input (2, 4, 4),
    T = 2, lif a (rate 1/2, 32 neurons) -> conv 2 -> 2 1x1 (64 MACs): spikes read
    1/2 x 2 x 32 = 32 from a 32-bit map (1-bit spikes); spikes written 1/2 x 32 x 2 = 32
    into the same 32-bit map: 64 accesses at 1.09e-5 x 32 + 13.2 pJ."""
    b = SpecBuilder("traffic", (2, 4, 4), timesteps=2)
    b.lif("a")
    b.conv2d("c", 2, 1)
    r = snncost.analyze(b.build(), rates=F(1, 2), energy_model="memory")
    access = F("0.0000109") * 32 + F("13.2")
    assert r.energy.breakdown["spike_reads_writes"] == 64 * access


def test_user_neuron_kind_priced_as_leaky():
    """A registered neuron kind without a ``neuron_model`` rule: NeuroBench Leaky, 4 ops per
    update; input (4, 2, 2), T = 3: 16 neurons x 3 = 48 updates, 192 ops."""
    from snncost.kinds.registry import remove_kind

    snncost.register_node_kind("test_ops_neuron", state_variables=("v",))
    try:
        spec = snncost.spec.spec_from_dict({"name": "user", "input": {"shape": [4, 2, 2]},
                                            "nodes": [{"name": "n", "op": "test_ops_neuron"}]})
        r = snncost.analyze(spec, timesteps=3)
        assert _facts(r, "n", "neuron_updates", "neuron_ops", "op_rule") == \
            (48, 192, "neuron updates: 4 ops each (NeuroBench leaky)")
    finally:
        remove_kind("test_ops_neuron")
