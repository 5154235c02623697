"""Boundaries and types of the core rules (issue 15: what mutation testing found untested).

Every expected value is derived by hand in the comments; the tests go through the public
interface (``snncost.analyze`` results and the public functions of memory, sharing,
precision and pruning), so they survive a reorganisation of the modules.
"""
from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from snncost import memory, precision, pruning
from snncost.kinds import weight_dims
from snncost.analysis import analyze
from snncost.errors import ConfigError, SharingError
from snncost.sharing import SharingScheme, parse_sharing
from snncost.spec import SpecBuilder


# ---------------------------------------------------------------------------
# memory: the none/bptt baseline with batch != 1 and two state variables
# ---------------------------------------------------------------------------

def two_sites(timesteps=2, batch=1):
    """input (2, 4, 6) -> conv 3x3 pad 1 (2->4) -> bn -> cubalif 'u' -> conv 3x3 pad 1 (4->4) -> lif 'v'
    -> flatten -> linear 96->5 (bias).  Both sites hold 4 x 4 x 6 = 96 neurons."""
    b = SpecBuilder("two", (2, 4, 6), timesteps=timesteps, batch=batch)
    b.conv2d("c1", 4, 3, padding=1)
    b.batchnorm("bn")
    b.lif("u", op="cubalif")
    b.conv2d("c2", 4, 3, padding=1)
    b.lif("v")
    b.flatten("flat")
    b.linear("fc", 5)
    return b.build()


def test_baseline_with_batch_and_two_state_variables():
    report = analyze(two_sites(), sharing="C2", batch=3)
    # baseline (none): (96 neurons x 2 state variables + 96 x 1) x 32 bits x batch 3 = 27,648 bits
    assert report.baseline["lif_forward_bits"] == 27_648
    # bptt keeps T = 2 timesteps: 55,296
    assert report.baseline["lif_backward_bits"] == 55_296
    # C2 halves every buffer: u 48 x 2 x 32 x 3 = 9,216; v 48 x 1 x 32 x 3 = 4,608
    assert report.totals["lif_forward_bits"] == 13_824
    assert [r["lif_forward_bits"] for r in report.rows if r["name"] in ("u", "v")] == [9_216, 4_608]
    # soft reset everywhere: C2 trains with reverse recomputation, backward = forward
    assert report.config.training == "reverse"
    assert report.totals["lif_backward_bits"] == 13_824
    assert report.reduction("lif_backward_bits") == 4  # 55,296 / 13,824
    assert report.reduction("lif_forward_bits") == 2
    # state values: 96 x 2 + 96 x 1
    assert report.totals["lif_state_values"] == 288
    assert report.totals["lif_neurons"] == 192 and report.totals["lif_sites"] == 2


def test_bptt_per_site_with_batch_and_timesteps():
    report = analyze(two_sites(timesteps=3, batch=2), sharing="none")
    # u: 3 timesteps x 96 x 2 x 32 x 2 = 36,864; v: 3 x 96 x 1 x 32 x 2 = 18,432
    assert [r["lif_backward_bits"] for r in report.rows if r["name"] in ("u", "v")] == [36_864, 18_432]
    # forward u: 96 x 2 x 32 x 2 = 12,288; v: 6,144
    assert [r["lif_forward_bits"] for r in report.rows if r["name"] in ("u", "v")] == [12_288, 6_144]
    # spikes: 192 neurons x 1 bit x batch 2 = 384 per timestep, x 3 timesteps
    assert report.totals["spike_bits_per_timestep"] == 384
    assert report.totals["spike_bits_all_timesteps"] == 1_152


def test_params_buffers_and_totals_of_the_two_site_spec():
    report = analyze(two_sites(), weight_bits=4)
    by = {r["name"]: r for r in report.rows}
    # c1: 4 x 2 x 9 = 72; bn: gamma + beta of 4 channels = 8; c2: 4 x 4 x 9 = 144; fc: 96 x 5 + 5 = 485
    assert [by[n]["params"] for n in ("c1", "bn", "c2", "fc")] == [72, 8, 144, 485]
    assert report.totals["params"] == 709
    # bn running mean + variance: 2 x 4
    assert by["bn"]["buffers"] == 8 and report.totals["buffers"] == 8
    assert report.totals["weight_bits"] == 709 * 4
    # total = weights + forward LIF + spikes over T: 2,836 + (192 + 96) x 32 + 192 x 2
    assert report.totals["total_bits"] == 2_836 + 9_216 + 384


@pytest.mark.parametrize("affine,params", [(True, 6), (False, 0), (None, 6)])
def test_batchnorm_counts_channels_not_height(affine, params):
    """input (3, 5, 7): a batchnorm has gamma, beta (if affine) and running mean, variance per
    channel: 2 x 3 each; never 2 x 5 or 2 x 7."""
    b = SpecBuilder("bn", (3, 5, 7))
    b.batchnorm("bn", **({} if affine is None else {"affine": affine}))
    b.lif("lif")
    report = analyze(b.build())
    bn = report.rows[0]
    assert (bn["params"], bn["buffers"]) == (params, 6)
    assert (report.totals["params"], report.totals["buffers"]) == (params, 6)
    assert report.totals["lif_neurons"] == 105  # 3 x 5 x 7
    # weight bits: batchnorm parameters are stored dense at 32 bits
    assert report.totals["weight_bits"] == params * 32


@pytest.mark.parametrize("value,expected", [
    (Fraction(6, 2), 3), (Fraction(3, 2), Fraction(3, 2)), (7, 7), (0, 0), (Fraction(0), 0),
])
def test_exact_turns_integral_fractions_into_ints(value, expected):
    result = memory.exact(value)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("value,expected", [
    (1.5, Fraction(3, 2)), (2.0, 2), (Fraction(8, 4), 2), (4, 4), (None, None), (0.1, Fraction(1, 10)),
])
def test_bits_value_is_exact(value, expected):
    result = memory.bits_value(value)
    assert result == expected and type(result) is type(expected)


def test_bits_value_passes_symbols_and_keeps_bools_out_of_exact():
    b = sympy.Symbol("b")
    assert memory.bits_value(b) is b
    assert memory.bits_value(True) is True  # not a bit width: left for the caller's check


def test_fractional_bits_on_an_odd_count_stay_a_fraction():
    # input (1, 1, 3) -> lif: 3 neurons x 3/2 bits = 9/2 bits, batch 1
    b = SpecBuilder("odd", (1, 1, 3))
    b.lif("lif")
    report = analyze(b.build(), membrane_bits=1.5)
    assert report.totals["lif_forward_bits"] == Fraction(9, 2)
    # with batch 2: 9 bits, an int
    doubled = analyze(b.build(), membrane_bits=1.5, batch=2).totals["lif_forward_bits"]
    assert doubled == 9 and type(doubled) is int


# ---------------------------------------------------------------------------
# sharing: C<N> divisibility, the count parser's boundary, buffer labels
# ---------------------------------------------------------------------------

def channels(c, h=2, w=2):
    b = SpecBuilder("ch", (c, h, w))
    b.lif("lif")
    return b.build()


def test_c2_on_an_odd_channel_count_is_refused():
    with pytest.raises(SharingError, match="C2 does not divide the 3 channels of LIF site 'lif'"):
        analyze(channels(3), sharing="C2")


@pytest.mark.parametrize("c,n", [(3, 3), (6, 2), (6, 3), (6, 6), (1, 1)])
def test_c_n_on_a_divisor_divides_memory(c, n):
    # c x 2 x 2 neurons x 32 bits / n
    assert analyze(channels(c), sharing=f"C{n}").totals["lif_forward_bits"] == c * 4 * 32 // n


@pytest.mark.parametrize("text,expected", [
    ("C999999", SharingScheme(channel_groups=999_999)),   # 6 digits: the largest count
    ("C#000001", SharingScheme(channel_groups=1)),        # 6 digits, value 1
    ("W999999", SharingScheme(windows=999_999)),
    ("W1x999999", SharingScheme(windows=999_999, window_grid=(1, 999_999))),
    ("c2+l", SharingScheme(layer=True, channel_groups=2)),
    ("W2x3+L+C4", SharingScheme(layer=True, channel_groups=4, windows=6, window_grid=(2, 3))),
    (" none ", SharingScheme()),
    ("NONE", SharingScheme()),
])
def test_parse_sharing_at_the_boundary(text, expected):
    assert parse_sharing(text) == expected


@pytest.mark.parametrize("text,match", [
    ("C1000000", "channel group count 1000000 out of range"),   # 7 digits
    ("C0000001", "channel group count 0000001 out of range"),   # 7 digits, value 1
    ("C0", "channel group count 0 out of range"),
    ("W1000000", "window count 1000000 out of range"),
    ("W0", "window count 0 out of range"),
    ("W0x2", "window rows 0 out of range"),
    ("W2x0", "window columns 0 out of range"),
    ("W2x1000000", "window columns 1000000 out of range"),
    ("L+L", "names L sharing twice"),
    ("C2+C4", "names C sharing twice"),
    ("W4+W2x2", "names W sharing twice"),
    ("CN", "unknown sharing scheme"),
    ("LC2", "unknown sharing scheme"),
])
def test_parse_sharing_refuses(text, match):
    with pytest.raises(SharingError, match=match) as info:
        parse_sharing(text)
    assert str(info.value).startswith("option --sharing: ")


def test_parse_sharing_twice_word_for_word():
    with pytest.raises(SharingError) as info:
        parse_sharing("L+L")
    assert str(info.value).startswith("option --sharing: 'L+L' names L sharing twice; valid: none, or any of L, C<N>")


def test_parse_sharing_symbols_and_labels():
    n, p = sympy.symbols("N P")
    scheme = parse_sharing("L+CN+WP", symbols={"N": n, "P": p})
    assert scheme == SharingScheme(layer=True, channel_groups=n, windows=p)
    assert scheme.label == "L+CN+WP"
    assert parse_sharing("W2x4+L").label == "L+W2x4"
    assert parse_sharing("C#2").label == "C2"
    assert parse_sharing("none").label == "none"
    assert parse_sharing(scheme) is scheme
    assert (SharingScheme().shares, SharingScheme(layer=True).shares, SharingScheme(channel_groups=2).shares,
            SharingScheme(windows=4).shares) == (False, True, True, True)
    assert SharingScheme(window_grid=(1, 1)).has_windows and not SharingScheme().has_windows


def grouped(declare: bool):
    """input (2, 4, 4) -> conv -> lif a -> conv -> lif b -> conv(stride 2) -> lif c -> conv -> lif d.
    a, b: (4, 4, 4); c, d: (4, 2, 2)."""
    b = SpecBuilder("g", (2, 4, 4))
    b.conv2d("c1", 4, 3, padding=1); b.lif("a")
    b.conv2d("c2", 4, 3, padding=1); b.lif("b")
    b.conv2d("c3", 4, 3, stride=2, padding=1); b.lif("c")
    b.conv2d("c4", 4, 3, padding=1); b.lif("d")
    if declare:
        b.grouping("pairs", {"first": ["a", "b"], "second": ["c", "d"]}, default=True)
        b.grouping("one", {"only": ["c", "d"]})
    return b.build()


def test_sharing_buffer_labels_with_declared_groups():
    report = analyze(grouped(True), sharing="L")
    labels = {r["name"]: r["sharing_buffer"] for r in report.rows if r["lif_neurons"]}
    assert labels == {"a": "first", "b": "first", "c": "second", "d": "second"}
    # forward: one (4, 4, 4) buffer + one (4, 2, 2) buffer = 64 + 16 neurons x 32 bits
    assert report.totals["lif_forward_bits"] == 80 * 32
    assert report.totals["sharing_buffers"] == 2
    # a grouping that leaves a and b alone: they keep their own names
    partial = analyze(grouped(True), sharing="L", layer_groups="one")
    labels = {r["name"]: r["sharing_buffer"] for r in partial.rows if r["lif_neurons"]}
    assert labels == {"a": "a", "b": "b", "c": "only", "d": "only"}
    assert partial.totals["lif_forward_bits"] == (64 + 64 + 16) * 32
    assert partial.totals["sharing_buffers"] == 3


def test_sharing_buffer_labels_without_declared_groups():
    """L on a spec that declares no grouping: auto groups consecutive equal shapes, and a
    buffer is named after its first site."""
    report = analyze(grouped(False), sharing="L")
    assert report.config.grouping == "auto"
    labels = {r["name"]: r["sharing_buffer"] for r in report.rows if r["lif_neurons"]}
    assert labels == {"a": "a", "b": "a", "c": "c", "d": "c"}
    assert report.totals["lif_forward_bits"] == 80 * 32
    # only the first member of a buffer is charged
    assert [r["lif_forward_bits"] for r in report.rows if r["lif_neurons"]] == [64 * 32, 0, 16 * 32, 0]
    none = analyze(grouped(False), sharing="none")
    assert {r["name"]: r["sharing_buffer"] for r in none.rows if r["lif_neurons"]} == {
        "a": "a", "b": "b", "c": "c", "d": "d"}
    assert none.totals["sharing_buffers"] == 4
    # layer grouping none: every site alone even under L
    alone = analyze(grouped(True), sharing="L", layer_groups="none")
    assert alone.totals["lif_forward_bits"] == (64 + 64 + 16 + 16) * 32


# ---------------------------------------------------------------------------
# pruning: conv1d weight tensors, CSR pointer widths, the symbolic path
# ---------------------------------------------------------------------------

def conv1d_spec():
    """input (4, 10) -> conv1d k3 (4->6, groups 2, bias) -> lif."""
    b = SpecBuilder("seq", (4, 10))
    b.conv1d("conv", 6, 3, bias=True, groups=2)
    b.lif("lif")
    return b.build()


def test_conv1d_weight_tensor_and_sparse_storage_by_hand():
    report = analyze(conv1d_spec(), weight_bits=8, sparsity=Fraction(1, 2), weight_format="csr")
    conv = report.rows[0]
    # weight tensor (6, 4 / 2, 3): 36 weights + 6 biases = 42 parameters
    assert conv["weight_elements"] == 36 and conv["params"] == 42
    assert report.totals["conv_weight_elements"] == 36
    # nnz = 36 - floor(36 / 2) = 18; the 6 biases stay dense: 6 x 8 = 48 bits
    assert conv["weight_nonzeros"] == 18
    assert conv["weight_dense_bits"] == 36 * 8 + 48          # 336
    assert conv["weight_values_bits"] == 18 * 8 + 48         # 192
    assert conv["weight_bitmask_bits"] == 36 + 18 * 8 + 48   # 228
    # coo: ceil(log2 6) + ceil(log2 2) + ceil(log2 3) = 3 + 1 + 2 = 6 index bits
    assert conv["weight_coo_bits"] == 18 * (8 + 6) + 48       # 300
    # csr: rows of 36 / 6 = 6 -> 3-bit columns; 7 pointers of ceil(log2 37) = 6 bits
    assert conv["weight_csr_bits"] == 18 * (8 + 3) + 7 * 6 + 48  # 288
    assert conv["weight_bits"] == 288  # the chosen format
    # the conv1d output (6, 8) feeds 48 neurons
    assert report.totals["lif_neurons"] == 48


@pytest.mark.parametrize("op,kernel,dims", [
    ("conv1d", 3, (6, 2, 3)), ("conv1d", 5, (6, 2, 5)), ("conv2d", 3, (6, 2, 3, 3)), ("conv2d", [1, 3], (6, 2, 1, 3)),
])
def test_weight_dims(op, kernel, dims):
    b = SpecBuilder("w", (4, 9, 9) if op == "conv2d" else (4, 9))
    b.add("conv", op, out_channels=6, kernel=kernel, groups=2)
    spec = b.build()
    assert weight_dims(spec.node_map["conv"], (4, 9, 9)) == dims


def test_weight_dims_linear_and_weightless():
    b = SpecBuilder("w", (7,))
    b.linear("fc", 3)
    b.lif("lif")
    spec = b.build()
    assert weight_dims(spec.node_map["fc"], (7,)) == (3, 7)
    assert weight_dims(spec.node_map["lif"], (3,)) == ()
    assert pruning.storage_bits((), 8, Fraction(1, 2)) == {"nonzeros": 0, **{f: 0 for f in pruning.FORMATS}}


@pytest.mark.parametrize("n,bits", [(1, 0), (2, 1), (3, 2), (4, 2), (5, 3), (7, 3), (8, 3), (9, 4), (15, 4), (16, 4),
                                    (17, 5)])
def test_ceil_log2(n, bits):
    assert pruning.ceil_log2(n) == bits


@pytest.mark.parametrize("dims,pointer_bits", [
    ((3, 5), 4),   # N = 15 = 2^4 - 1: pointers 0..15 need ceil(log2 16) = 4 bits
    ((4, 4), 5),   # N = 16: pointers 0..16 need ceil(log2 17) = 5 bits
    ((1, 7), 3),   # N = 7 = 2^3 - 1: 3 bits
])
def test_csr_pointer_width_at_powers_of_two(dims, pointer_bits):
    rows, cols = dims
    s = pruning.storage_bits(dims, 1, Fraction(0))
    # no zeros: N values of 1 bit + ceil(log2 cols) column bits each + (rows + 1) pointers
    column_bits = (cols - 1).bit_length()
    assert s["csr"] == rows * cols * (1 + column_bits) + (rows + 1) * pointer_bits


def test_nonzeros_symbolic_and_exact():
    k = sympy.Symbol("k", integer=True, positive=True)
    # 4k weights, half of them zero: 4k - floor(2k) = 2k
    assert sympy.simplify(pruning.nonzeros(4 * k, Fraction(1, 2)) - 2 * k) == 0
    assert pruning.nonzeros(4 * k, Fraction(0)) == 4 * k
    # 3 weights at 1/2: zeros floor(1.5) = 1, 2 stay; at 2/3: zeros 2, 1 stays
    assert pruning.nonzeros(3, Fraction(1, 2)) == 2 and pruning.nonzeros(3, Fraction(2, 3)) == 1
    assert type(pruning.nonzeros(3, Fraction(1, 2))) is int


def test_storage_bits_symbolic_dims():
    k = sympy.Symbol("k", integer=True, positive=True)
    s = pruning.storage_bits((k, 4), 8, Fraction(0))
    # dense 4k x 8 bits; bitmask 4k + 4k x 8; values 32k
    assert sympy.simplify(s["dense"] - 32 * k) == 0
    assert sympy.simplify(s["bitmask"] - 36 * k) == 0
    assert sympy.simplify(s["values"] - 32 * k) == 0
    # csr: 4k x (8 + ceil(log2 4) = 2) + (k + 1) x ceil(log2(4k + 1))
    expected_csr = 40 * k + (k + 1) * sympy.ceiling(sympy.log(4 * k + 1, 2))
    assert sympy.simplify(s["csr"] - expected_csr) == 0


@pytest.mark.parametrize("text,value", [
    ("0", Fraction(0)), ("0%", Fraction(0)), (" 50 % ", Fraction(1, 2)), ("99.99%", Fraction(9999, 10000)),
    (Fraction(1, 3), Fraction(1, 3)), (0, Fraction(0)), (None, Fraction(0)), ("1/4", Fraction(1, 4)),
])
def test_parse_sparsity_edges(text, value):
    result = pruning.parse_sparsity(text)
    assert result == value and type(result) is Fraction


@pytest.mark.parametrize("bad", [1, Fraction(1), "100.0%", -1, "-1%", "1/0", [0.5], False])
def test_parse_sparsity_refuses(bad):
    with pytest.raises(ConfigError, match="option --sparsity"):
        pruning.parse_sparsity(bad)


# ---------------------------------------------------------------------------
# precision: the 64-bit boundary, the numeric branch, presets and labels
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("value,bits", [
    (64, 64), ("64", 64), (64.0, 64), (Fraction(128, 2), 64), (1.5, Fraction(3, 2)), ("3/2", Fraction(3, 2)),
    (" 1.5 ", Fraction(3, 2)), (Fraction(1, 64), Fraction(1, 64)), (0.25, Fraction(1, 4)), ("8", 8),
    (Fraction(6, 3), 2), ("4/2", 2),
])
def test_resolve_bits_numbers(value, bits):
    width = precision.resolve_bits(value, where="w")
    assert width.bits == bits and type(width.bits) is type(bits)
    assert width.label == f"{bits} bits"


@pytest.mark.parametrize("value", [0, "0", 0.0, 64.5, "65", Fraction(129, 2), -1, "1/0", "x", True, [1], None])
def test_resolve_bits_refuses(value):
    with pytest.raises(ConfigError) as info:
        precision.resolve_bits(value, where="option --w")
    assert info.value.where == "option --w"
    assert "(0, 64]" in str(info.value)


@pytest.mark.parametrize("name,bits", [("fp32", 32), (" FP16 ", 16), ("Int8", 8), ("int4", 4), ("int2", 2),
                                       ("binary", 1)])
def test_fixed_presets(name, bits):
    width = precision.resolve_bits(name, where="w")
    assert width.bits == bits and type(width.bits) is int
    assert width.label == f"{name.strip().lower()} ({bits} bits)"


def test_ternary_and_masked_presets_and_labels():
    t = precision.resolve_bits("ternary", where="w", ternary_convention="packed")
    assert t.bits == 2 and type(t.bits) is int
    assert t.label.startswith("ternary, convention 'packed': 2 bits")
    m = precision.resolve_bits("masked-ternary", where="w")
    assert m.bits == Fraction(3, 4)
    assert "(ternary convention 'imsnn')" in m.label and m.label.startswith("masked-ternary, convention 'halved'")
    binary = precision.resolve_bits("masked-ternary", where="w", masked_convention="binary")
    assert binary.bits == 1 and "ternary convention" not in binary.label
    with pytest.raises(ConfigError, match="masked-ternary is a membrane convention only"):
        precision.resolve_bits("masked-ternary", where="option --weight-bits", allow_masked=False)
    log2 = precision.resolve_bits("ternary", where="w", ternary_convention="log2")
    assert sympy.simplify(log2.bits - sympy.log(3, 2)) == 0


def test_resolve_bits_passes_symbols_and_exact_sympy_numbers():
    b = sympy.Symbol("b")
    assert precision.resolve_bits(b, where="w") == precision.BitWidth(b, "b")
    number = sympy.log(3) / sympy.log(2)
    assert precision.resolve_bits(number, where="w").bits == number


@pytest.mark.parametrize("call,match", [
    (lambda: precision.ternary_bits("half"), "unknown ternary convention 'half'"),
    (lambda: precision.masked_ternary_bits("quarter"), "unknown masked-ternary convention 'quarter'"),
    (lambda: precision.check_encoding("gray"), "unknown spike encoding 'gray'"),
])
def test_unknown_conventions(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


@pytest.mark.parametrize("lanes,bits,one_hot,encoded", [
    (1, 1, 1, 1), (2, 1, 2, 2), (3, 1, 3, 2), (4, 2, 8, 3), (7, 1, 7, 3), (8, 1, 8, 4),
])
def test_spike_storage_by_hand(lanes, bits, one_hot, encoded):
    # one-hot: lanes x bits per lane; encoded: ceil(log2(lanes + 1)) -- 3 lanes + none = 4 states = 2 bits
    assert precision.spike_storage_bits(lanes, bits, "one-hot") == one_hot
    assert precision.spike_storage_bits(lanes, bits, "encoded") == encoded


def test_display_number():
    assert precision.display_number(Fraction(3, 2)) == Fraction(3, 2)
    assert precision.display_number(7) == 7
    shown = precision.display_number(sympy.log(3) / sympy.log(2))
    assert type(shown) is Fraction and abs(shown - Fraction(158496250072115618, 10**17)) < Fraction(1, 10**15)
    with pytest.raises(TypeError):
        precision.display_number(sympy.Symbol("b"))
    assert precision.display_number(0.5) == Fraction(1, 2)


# ---------------------------------------------------------------------------
# sharing: window buffers
# ---------------------------------------------------------------------------

def sequence_with_vector_site():
    """input (2, 8) -> conv1d k3 pad 1 (2->2) -> lif a (2, 8) -> flatten -> linear 16->3 -> lif b (3,)."""
    b = SpecBuilder("seq", (2, 8))
    b.conv1d("c", 2, 3, padding=1)
    b.lif("a")
    b.flatten("f")
    b.linear("fc", 3)
    b.lif("b")
    return b.build()


def test_window_buffers_keep_name_members_and_state():
    from snncost.sharing import SharingBuffer, sharing_buffers
    from snncost.shapes import infer_shapes

    spec = two_sites()
    buffers = sharing_buffers(spec, infer_shapes(spec), parse_sharing("W2x3"), None)
    # (4, 4, 6) maps: 2 window rows divide 4, 3 window columns divide 6; cubalif keeps 2 state variables
    assert buffers == [SharingBuffer("u", ("u",), (4, 4, 6), 2, 6), SharingBuffer("v", ("v",), (4, 4, 6), 1, 6)]
    grouped_spec = grouped(True)
    labelled = sharing_buffers(grouped_spec, infer_shapes(grouped_spec), parse_sharing("L+W4"), "pairs")
    assert [(b.name, b.members, b.windows) for b in labelled] == [("first", ("a", "b"), 4), ("second", ("c", "d"), 4)]
    # no grouping given: the spec's default ('pairs')
    default = sharing_buffers(grouped_spec, infer_shapes(grouped_spec), parse_sharing("L"), None)
    assert [(b.name, b.members, b.shape, b.state_variables, b.windows) for b in default] == [
        ("first", ("a", "b"), (4, 4, 4), 1, 1), ("second", ("c", "d"), (4, 2, 2), 1, 1)]
    # no layer sharing: one buffer per site, named after it
    alone = sharing_buffers(spec, infer_shapes(spec), parse_sharing("C2"), "auto")
    assert [(b.name, b.members, b.state_variables) for b in alone] == [("u", ("u",), 2), ("v", ("v",), 1)]


def test_window_labels_and_vector_sites():
    report = analyze(sequence_with_vector_site(), sharing="W2")
    # a: 2 x 8 neurons in 2 windows of 4 -> 8 x 32 bits; b (a vector) stays whole: 3 x 32
    assert report.totals["lif_forward_bits"] == (8 + 3) * 32
    assert {r["name"]: r["sharing_buffer"] for r in report.rows if r["lif_neurons"]} == {"a": "a", "b": "b"}
    whole = [n for n in report.notes if "without a spatial dimension" in n]
    assert whole == ["1 LIF site(s) without a spatial dimension (b) are not split into windows: they keep their "
                     "whole membrane"]
    # W4 on length 8: 4 windows of 2 -> 2 x 2 + 3 = 7 neurons
    assert analyze(sequence_with_vector_site(), sharing="W4").totals["lif_forward_bits"] == 7 * 32
    with pytest.raises(SharingError, match="splits into 3 window windows, which does not divide size 8"):
        analyze(sequence_with_vector_site(), sharing="W3")
    with pytest.raises(SharingError, match="W2x2 has no window grid for the 1-D map"):
        analyze(sequence_with_vector_site(), sharing="W2x2")


@pytest.mark.parametrize("scheme,match", [
    ("W2x4", "splits into 4 window columns, which does not divide size 6 of LIF site 'u'.*valid: window columns "
             "dividing 6: 1, 2, 3, 6"),
    ("W3x2", "splits into 3 window rows, which does not divide size 4 of LIF site 'u'.*valid: window rows "
             "dividing 4: 1, 2, 4"),
    ("W2", "W2 has no window grid for the 2-D map"),
])
def test_window_grid_refusals_name_the_axis(scheme, match):
    with pytest.raises(SharingError, match=match):
        analyze(two_sites(), sharing=scheme)


def test_windows_on_maps_of_more_than_two_spatial_dimensions_are_refused():
    from snncost.kinds.registry import remove_kind

    register_node_kind("test_unsqueeze", shape=lambda node, shapes: (shapes[0][0], 1, *shapes[0][1:]))
    try:
        b = SpecBuilder("r4", (2, 4, 4))
        b.add("up", "test_unsqueeze")
        b.lif("lif")
        spec = b.build()
        # (2, 1, 4, 4): three spatial dimensions
        assert analyze(spec).totals["lif_neurons"] == 32
        with pytest.raises(SharingError) as info:
            analyze(spec, sharing="W4")
        assert str(info.value) == ("option --sharing: W4 on LIF site 'lif' of shape [2, 1, 4, 4]: windows split 1-D or "
                                   "2-D maps only; valid: a scheme without W<P> for this model")
    finally:
        remove_kind("test_unsqueeze")


def test_divisibility_of_symbolic_sizes():
    from snncost.sharing import _divisible, _divisors

    k = sympy.Symbol("k", integer=True, positive=True)
    assert _divisible(4 * k, 2) and _divisible(4 * k, 4) and not _divisible(k, 2)
    assert _divisible(6, 3) and not _divisible(6, 4)
    assert _divisors(36) == [1, 2, 3, 4, 6, 9, 12, 18, 36] and _divisors(7) == [1, 7] and _divisors(1) == [1]


# ---------------------------------------------------------------------------
# precision: defaults, display digits
# ---------------------------------------------------------------------------

def test_convention_defaults():
    # IM-SNN's convention by default: 1.5 bits, halved for the masked membrane
    assert precision.ternary_bits() == Fraction(3, 2)
    assert precision.masked_ternary_bits() == Fraction(3, 4)
    assert precision.spike_storage_bits(3, 2) == 6  # one-hot by default


def test_display_number_keeps_40_significant_digits():
    from decimal import Decimal, localcontext

    with localcontext() as ctx:  # log2 3 by the decimal module, to 60 digits, then rounded to 40
        ctx.prec = 60
        log2_3 = Decimal(3).ln() / Decimal(2).ln()
        ctx.prec = 40
        expected = Fraction(+log2_3)
    assert precision.display_number(sympy.log(3) / sympy.log(2)) == expected


# ---------------------------------------------------------------------------
# kinds: what a registered user kind carries
# ---------------------------------------------------------------------------

def register_node_kind(*args, **kwargs):
    import snncost

    return snncost.register_node_kind(*args, **kwargs)


def test_user_kind_entry_carries_every_rule():
    from snncost.kinds.registry import get_kind, remove_kind

    def params(node, shapes):
        return 3 * shapes[0][0]

    def buffers(node, shapes):
        return node.k + 2

    def dims(node, in_shape):
        return (in_shape[0], 3)

    def stride(node, n):
        return (2,) * n

    rules = {"macs": lambda node, ins, out: 7}
    doc = ("`k`", "unchanged", "3 C")
    kind = register_node_kind("test_rules", fields={"k": (int, 2)}, params=params, buffers=buffers, weight_dims=dims,
                              stride=stride, inputs=(1, 2), doc=doc, rules=rules)
    try:
        assert get_kind("test_rules") is kind
        assert (kind.params, kind.buffers, kind.weight_dims, kind.stride) == (params, buffers, dims, stride)
        assert (kind.inputs, kind.doc, kind.rules, kind.family) == ((1, 2), doc, rules, "user")
        assert kind.rules is not rules  # a copy: later edits of the caller's dict do not leak in
        assert kind.weighted and not kind.is_neuron and kind.state_variables == ()
        assert set(kind.model.model_fields) >= {"k", "weight_bits", "bias"}
        b = SpecBuilder("u", (4, 2, 2))
        b.add("x", "test_rules", k=3)
        b.lif("lif")
        report = analyze(b.build(), weight_bits=8, sparsity=Fraction(1, 2))
        x = report.rows[0]
        # params 3 x 4 = 12, buffers 5, prunable tensor (4, 3): 12 weights, 6 nonzero
        assert (x["params"], x["buffers"], x["weight_elements"], x["weight_nonzeros"]) == (12, 5, 12, 6)
        assert report.totals["eq15_weight_count"] == 0  # not a conv: IM-SNN's Eq. 15 counts conv weights only
    finally:
        remove_kind("test_rules")


@pytest.mark.parametrize("options,weighted", [({}, False), ({"params": lambda n, s: 1}, True),
                                              ({"weight_dims": lambda n, s: (1,)}, True),
                                              ({"params": lambda n, s: 1, "weighted": False}, False)])
def test_user_kind_weighted(options, weighted):
    from snncost.kinds.registry import remove_kind

    kind = register_node_kind("test_weighted", **options)
    try:
        assert kind.weighted is weighted
        assert ("weight_bits" in kind.model.model_fields) is weighted
        assert kind.family == "user" and kind.rules == {} and kind.doc == ("", "", "")
        assert "lanes" not in kind.model.model_fields  # lanes belong to neuron kinds
        again = register_node_kind("test_weighted", replace=True, doc=("a", "b", "c"))
        assert again.doc == ("a", "b", "c")
        with pytest.raises(ConfigError, match="is already registered"):
            register_node_kind("test_weighted")
    finally:
        remove_kind("test_weighted")


def test_user_neuron_kind_fields():
    from snncost.kinds.registry import remove_kind

    kind = register_node_kind("test_neuron", state_variables=("v", "a"))
    try:
        assert kind.family == "neuron" and kind.is_neuron and kind.state_variables == ("v", "a")
        assert {"reset", "layer_group", "lanes", "membrane_bits", "spike_bits"} <= set(kind.model.model_fields)
        b = SpecBuilder("n", (1, 2, 2))
        b.add("n", "test_neuron")
        node = b.build().node_map["n"]
        assert node.lanes == 1 and node.state_variables == 2
        b = SpecBuilder("n", (1, 2, 2))
        b.add("n", "test_neuron", lanes=2)
        with pytest.raises(Exception, match="lanes"):
            b.build()
    finally:
        remove_kind("test_neuron")


# ---------------------------------------------------------------------------
# shapes: refusals name the layout, the axis and the sizes
# ---------------------------------------------------------------------------

def _shape_error(input_shape, op, **fields):
    from snncost.errors import ShapeError

    b = SpecBuilder("s", input_shape)
    b.add("x", op, **fields)
    b.lif("lif")
    with pytest.raises(ShapeError) as info:
        analyze(b.build())
    return str(info.value)


@pytest.mark.parametrize("input_shape,op,fields,message", [
    ((6,), "maxpool1d", {"kernel": 2}, "node 'x': maxpool1d needs a (C, L) input, got shape [6]; valid: an input of "
                                       "rank 2 (channels first, no batch)"),
    ((2, 6), "avgpool2d", {"kernel": 2}, "node 'x': avgpool2d needs a (C, H, W) input, got shape [2, 6]; valid: an "
                                         "input of rank 3 (channels first, no batch)"),
    ((6,), "global_avgpool", {}, "node 'x': global_avgpool needs a (C, H, W) or (C, L) input, got shape [6]; valid: an "
                                 "input of rank 2 or 3 (channels first, no batch)"),
    ((2, 6, 6), "conv1d", {"out_channels": 2, "kernel": 3}, "node 'x': conv1d needs a (C, L) input, got shape [2, 6, 6]"),
    ((2, 6), "conv2d", {"out_channels": 2, "kernel": 3}, "node 'x': conv2d needs a (C, H, W) input, got shape [2, 6]"),
    ((2, 4), "conv1d", {"out_channels": 2, "kernel": 3, "dilation": 2},
     "node 'x' field 'kernel': kernel 3 (dilation 2, padding 0) does not fit the length input size 4; valid: a larger "
     "input, a smaller kernel/stride, or more padding (output length would be 0)"),
    ((2, 9, 2), "conv2d", {"out_channels": 2, "kernel": [1, 3]},
     "node 'x' field 'kernel': kernel 3 (dilation 1, padding 0) does not fit the width input size 2"),
    ((2, 2, 9), "maxpool2d", {"kernel": [3, 1]}, "kernel 3 (dilation 1, padding 0) does not fit the height input size 2"),
    ((2, 2), "sumpool1d", {"kernel": 3}, "kernel 3 (dilation 1, padding 0) does not fit the length input size 2"),
    ((2, 8, 8), "avgpool2d", {"kernel": 2, "padding": 2}, "node 'x' field 'padding': padding 2 is more than half the "
                                                          "kernel 2; valid: padding <= kernel / 2 (as in PyTorch)"),
])
def test_shape_refusals_by_hand(input_shape, op, fields, message):
    assert message in _shape_error(input_shape, op, **fields)


def test_sliding_size_at_the_boundary():
    from snncost.shapes import sliding_size

    b = SpecBuilder("s", (1, 5))
    b.lif("lif")
    node = b.build().node_map["lif"]
    # (5 + 0 - 1 x (5 - 1) - 1) // 1 + 1 = 1: a kernel as large as the input fits once
    assert sliding_size(node, 5, 5, 1, 0, 1) == 1
    # (5 + 2 - 2 x 2 - 1) // 2 + 1 = 2
    assert sliding_size(node, 5, 3, 2, 1, 2) == 2
    with pytest.raises(Exception, match="does not fit the width input size 5"):
        sliding_size(node, 5, 6, 1, 0, 1, 1, 2)
    with pytest.raises(Exception, match="does not fit the length input size 2"):  # axis 0 of a 1-D map by default
        sliding_size(node, 2, 3, 1, 0, 1)


def test_buffer_forward_bits_by_hand():
    # 12 neurons / C2 x 1 state variable x 32 bits x batch 1 = 192; in 3 windows: 64
    assert memory.buffer_forward_bits(12, 1, 2, 32, 1) == 192
    assert memory.buffer_forward_bits(12, 1, 2, 32, 1, 3) == 64
    assert memory.buffer_forward_bits(12, 2, 1, Fraction(3, 2), 2) == 72 and type(
        memory.buffer_forward_bits(12, 2, 1, Fraction(3, 2), 2)) is int


def test_pool_stride_in_closed_forms():
    from snncost.formulas import total_stride

    b = SpecBuilder("p", (1, 8, 8))
    b.pool("p1", "maxpool2d", 2, stride=1)
    b.pool("p2", "avgpool2d", 2)
    b.lif("lif")
    # stride 1 given, then the default stride = kernel 2
    assert total_stride(b.build()) == (2, 2)
    b = SpecBuilder("p", (1, 8, 8))
    b.pool("p1", "maxpool2d", 2, stride=1)
    b.lif("lif")
    assert total_stride(b.build()) == (1, 1)


def test_neurons_and_state_variables_of_every_kind():
    from snncost.kinds.registry import neurons, state_variables

    b = SpecBuilder("k", (2, 3, 3))
    b.conv2d("conv", 2, 1)
    b.lif("lif")
    b.lif("cuba", op="cubalif")
    spec = b.build()
    # a neuron kind has one neuron per element (2 x 3 x 3); other kinds none
    assert [neurons(spec.node_map[n], (2, 3, 3)) for n in ("conv", "lif", "cuba")] == [0, 18, 18]
    assert [state_variables(spec.node_map[n]) for n in ("conv", "lif", "cuba")] == [0, 1, 2]


# ---------------------------------------------------------------------------
# refusals of the core, word for word (a wrong field or list in a message is a bug too)
# ---------------------------------------------------------------------------

def _message(call) -> str:
    from snncost.errors import SnnCostError

    with pytest.raises(SnnCostError) as info:
        call()
    return str(info.value)


def _mismatched(kind: str):
    """Two sites in one declared group 'g': equal shapes but lif vs cubalif, or unequal shapes."""
    b = SpecBuilder("m", (4, 8, 8))
    b.conv2d("c1", 8, 3, padding=1)
    b.lif("a", layer_group="g")
    b.conv2d("c2", 8, 3, padding=1, stride=2 if kind == "shape" else 1)
    b.lif("b", op="cubalif" if kind == "state" else "lif", layer_group="g")
    return b.build()


def test_core_refusal_messages():
    from snncost.kinds.registry import NodeKind, add_kind, get_kind, node_kinds
    from snncost.sharing import layer_groups
    from snncost.shapes import infer_shapes

    spec = grouped(True)
    messages = {
        "grouping": _message(lambda: layer_groups(spec, "nope")),
        "taken": _message(lambda: add_kind(get_kind("lif"))),
        "stride": _message(lambda: add_kind(NodeKind("test_bad", get_kind("lif").model, shape=None, stride="up"))),
        "kind": _message(lambda: get_kind("conv3d")),
        "rank": _message(lambda: infer_shapes(spec, (2, 4))),
        "sparsity-type": _message(lambda: pruning.parse_sparsity(True, "s")),
        "sparsity-text": _message(lambda: pruning.parse_sparsity("half", "s")),
        "sparsity-range": _message(lambda: pruning.parse_sparsity("100%", "s")),
        "format": _message(lambda: pruning.check_format("csc")),
        "ternary": _message(lambda: precision.ternary_bits("half")),
        "masked": _message(lambda: precision.masked_ternary_bits("quarter")),
        "encoding": _message(lambda: precision.check_encoding("gray")),
        "masked-weights": _message(lambda: precision.resolve_bits("masked-ternary", where="w", allow_masked=False)),
        "shapes": _message(lambda: analyze(_mismatched("shape"), sharing="L", layer_groups="node-fields")),
        "state": _message(lambda: analyze(_mismatched("state"), sharing="L", layer_groups="node-fields")),
        "channels": _message(lambda: analyze(channels(6), sharing="C4")),
        "no-spatial": _message(lambda: analyze(_vector_only(), sharing="W4")),
    }
    assert messages == {
        "grouping": "option --layer-groups: model 'g' has no grouping 'nope'; valid: none, auto, pairs, one",
        "taken": "node kind 'lif': is already registered; valid: another name, or replace=True",
        "stride": "node kind 'test_bad' stride: unknown stride 'up'; valid: keep, collapse, drop or a callable(node, "
                  "dims) -> strides",
        "kind": f"node kind: unknown node kind (op): 'conv3d'; valid: {', '.join(node_kinds())}",
        "rank": "option --input: the spec's input has rank 3 (shape [2, 4, 4]) but 2 sizes were given; valid: "
                "spatial size(s) only: H or HxW for images, L for sequences",
        "sparsity-type": "s: expected a fraction of zero weights, got True; valid: a number in [0, 1) or a "
                         "percentage such as 94.94%",
        "sparsity-text": "s: cannot read sparsity 'half'; valid: a number in [0, 1) or a percentage such as 94.94%",
        "sparsity-range": "s: sparsity 100% is out of range; valid: a number in [0, 1) (0.9494) or a percentage "
                          "below 100% (94.94%)",
        "format": "option --weight-format: unknown weight storage format 'csc'; valid: dense, values, bitmask, coo, csr",
        "ternary": "option --ternary-convention: unknown ternary convention 'half'; valid: imsnn, log2, packed",
        "masked": "option --masked-convention: unknown masked-ternary convention 'quarter'; valid: halved, binary",
        "encoding": "option --spike-encoding: unknown spike encoding 'gray'; valid: one-hot, encoded",
        "masked-weights": "w: masked-ternary is a membrane convention only; valid: fp32, fp16, int8, int4, int2, "
                          "binary, ternary",
        "shapes": "layer group 'g' (grouping 'node-fields'): members have different membrane shapes: a [8, 8, 8] vs "
                  "b [8, 4, 4]; valid: groups whose LIF sites share one membrane shape (or --layer-groups auto)",
        "state": "layer group 'g' (grouping 'node-fields'): members have different state variables per neuron: a "
                 "(lif, 1) vs b (cubalif, 2); valid: groups of one neuron kind's state (e.g. lif with lif, cubalif "
                 "with cubalif)",
        "channels": "option --sharing: C4 does not divide the 6 channels of LIF site 'lif'; valid: a channel group "
                    "count that divides every LIF site's channels",
        "no-spatial": "option --sharing: W4: no LIF site has a spatial dimension (e.g. 'lif' has shape [5]), so there "
                      "is nothing to split into windows; valid: a scheme without W<P> for this model",
    }


def _vector_only():
    b = SpecBuilder("v", (5,))
    b.lif("lif")
    return b.build()


@pytest.mark.parametrize("text,message", [
    ("C0", "option --sharing: channel group count 0 out of range; valid: 1 <= count <= 999999; none, or any of L, "
           "C<N> (alias C#<N>), W<P> (or W<gh>x<gw>) joined by +, with N and P positive integers, e.g. L+C2, W4, "
           "L+C2+W4"),
    ("X", "option --sharing: unknown sharing scheme 'X'; valid: none, or any of L, C<N> (alias C#<N>), W<P> (or "
          "W<gh>x<gw>) joined by +, with N and P positive integers, e.g. L+C2, W4, L+C2+W4"),
    (3, "option --sharing: expected a scheme name, got int 3; valid: none, or any of"),
])
def test_sharing_parse_messages(text, message):
    assert _message(lambda: parse_sharing(text)).startswith(message)


def test_window_refusal_messages():
    assert _message(lambda: analyze(two_sites(), sharing="W3")) == (
        "option --sharing: W3 has no window grid for the 2-D map of LIF site 'u' of shape [4, 4, 6]; valid: W<P> with "
        "P a perfect square (W4, W9, ...) or W<gh>x<gw> such as W2x4")
    assert _message(lambda: analyze(sequence_with_vector_site(), sharing="W2x2")) == (
        "option --sharing: W2x2 has no window grid for the 1-D map of LIF site 'a' of shape [2, 8]; valid: W<P> (P "
        "windows along the length) for a 1-D map")
    assert _message(lambda: analyze(two_sites(), sharing="W9")) == (
        "option --sharing: W9 splits into 3 window rows, which does not divide size 4 of LIF site 'u' of shape "
        "[4, 4, 6]; valid: window rows dividing 4: 1, 2, 4")
    assert _message(lambda: analyze(sequence_with_vector_site(), sharing="W3")) == (
        "option --sharing: W3 splits into 3 window windows, which does not divide size 8 of LIF site 'a' of shape "
        "[2, 8]; valid: window windows dividing 8: 1, 2, 4, 8")


def test_display_number_refuses_symbols_by_name():
    with pytest.raises(TypeError, match=r"^b is symbolic$"):
        precision.display_number(sympy.Symbol("b"))


# ---------------------------------------------------------------------------
# precision: the one bit-width check and command-line text
# ---------------------------------------------------------------------------

PRESETS_VALID = ("a number in (0, 64] such as 32, 4, 1.5 or 3/2, or a preset: fp32, fp16, int8, int4, int2, binary, "
                 "ternary, masked-ternary")


@pytest.mark.parametrize("text,expected", [
    (" INT8 ", "int8"), ("Masked-Ternary", "masked-ternary"), ("1.5", Fraction(3, 2)), ("64", 64), ("3/2", Fraction(3, 2)),
    ("6/3", 2),
])
def test_parse_bits_text(text, expected):
    value = precision.parse_bits_text(text)
    assert value == expected and type(value) is type(expected)


def test_parse_bits_text_default_field():
    with pytest.raises(ConfigError) as info:
        precision.parse_bits_text("65")
    assert str(info.value).startswith("option: 65 bits is out of range")


@pytest.mark.parametrize("text,message", [
    ("65", f"option --x: 65 bits is out of range; valid: {PRESETS_VALID}"),
    ("0", f"option --x: 0 bits is out of range; valid: {PRESETS_VALID}"),
    ("int9", f"option --x: 'int9' is neither a number of bits nor a preset; valid: {PRESETS_VALID}"),
])
def test_parse_bits_text_refusals(text, message):
    with pytest.raises(ConfigError) as info:
        precision.parse_bits_text(text, "option --x")
    assert str(info.value) == message


@pytest.mark.parametrize("value,expected", [
    (sympy.Rational(3, 2), Fraction(3, 2)), (sympy.Integer(8), 8), (64.0, 64), (Fraction(1, 3), Fraction(1, 3)),
])
def test_exact_bits_numbers(value, expected):
    bits = precision.exact_bits(value, "w")
    assert bits == expected and type(bits) is type(expected)


@pytest.mark.parametrize("value,message", [
    (float("nan"), "w: nan bits is out of range; valid: a number in (0, 64]"),
    (float("inf"), "w: inf bits is out of range; valid: a number in (0, 64]"),
    (float("-inf"), "w: -inf bits is out of range; valid: a number in (0, 64]"),
    (True, "w: expected a number of bits, got True; valid: a number in (0, 64]"),
    ([4], "w: expected a number of bits, got [4]; valid: a number in (0, 64]"),
    (64.5, "w: 64.5 bits is out of range; valid: a number in (0, 64]"),
])
def test_exact_bits_refusals(value, message):
    with pytest.raises(ConfigError) as info:
        precision.exact_bits(value, "w")
    assert str(info.value) == message


def test_exact_bits_passes_symbols():
    b = sympy.Symbol("b")
    assert precision.exact_bits(b, "w") is b


# ---------------------------------------------------------------------------
# kinds: training notes and views (snncost.training reads them from the registry)
# ---------------------------------------------------------------------------

def test_training_notes_and_views_of_the_kinds():
    from snncost.kinds.registry import get_kind
    from snncost.training.profiles import get_profile

    b = SpecBuilder("t", (2, 4))
    b.add("d0", "dropout")
    b.add("d1", "dropout", p=0.5)
    b.add("i", "identity")
    b.lif("m", op="mlif", lanes=2)
    b.lif("l")
    nodes = b.build().node_map
    dropout, identity, neuron = get_kind("dropout"), get_kind("identity"), get_kind("lif")
    pytorch = get_profile("pytorch")
    # dropout p = 0 and identity are views; dropout p > 0 keeps a mask
    assert [dropout.rules["train_view"](nodes[n]) for n in ("d0", "d1")] == [True, False]
    assert identity.rules["train_view"](nodes["i"]) is True
    assert dropout.rules["train_note"](nodes["d0"], pytorch) is None
    assert dropout.rules["train_note"](nodes["d1"], pytorch).startswith("dropout keeps an input-dtype mask")
    assert identity.rules["train_note"](nodes["i"], pytorch) is None
    assert dropout.rules["train_note"](nodes["d1"], get_profile("numpy-engine")) is None  # a PyTorch CPU kernel fact
    assert neuron.rules["train_note"](nodes["m"], pytorch).startswith("mlif sites are counted as one spike-function")
    assert neuron.rules["train_note"](nodes["l"], pytorch) is None


def test_resolve_bits_labels_and_valid_text():
    number = sympy.log(3) / sympy.log(2)
    assert precision.resolve_bits(number, where="w").label == "log(3)/log(2)"
    with pytest.raises(ConfigError) as info:
        precision.resolve_bits(65, where="w")
    assert str(info.value) == f"w: 65 bits is out of range; valid: {PRESETS_VALID}"


def test_node_override_of_spike_and_membrane_bits():
    # two_sites: u (cubalif) and v (lif), 96 neurons each; v's spikes 4 bits, u's membrane 8 bits
    report = analyze(two_sites(), node_overrides={"v": {"spike_bits": 4}, "u": {"membrane_bits": 8}})
    by = {r["name"]: r for r in report.rows}
    assert (by["u"]["spike_bits_per_timestep"], by["v"]["spike_bits_per_timestep"]) == (96, 96 * 4)
    # u: 96 x 2 state variables x 8 bits; v: 96 x 1 x 32
    assert (by["u"]["lif_forward_bits"], by["v"]["lif_forward_bits"]) == (96 * 2 * 8, 96 * 32)


def test_node_models_are_distinct_in_registration_order():
    from snncost.kinds.registry import kinds, node_models

    models = node_models()
    assert len(models) == len(set(models)) and set(models) == {k.model for k in kinds()}
    first_seen = []
    for kind in kinds():
        if kind.model not in first_seen:
            first_seen.append(kind.model)
    assert list(models) == first_seen


@pytest.mark.parametrize("kernel,dilation,options,conv_bytes", [
    # B = 1, T = 2, fp32, input (2, 5, 5) = 50 elements, kept once for both timesteps: 200 B
    (3, 1, {}, 200),          # total padding 2: symmetric, no copy
    (2, 2, {}, 200),          # total padding d (k - 1) = 2: symmetric
    # total padding 1 (odd): PyTorch convolves a padded copy per call, 2 x 6 x 6 = 72 el. x 4 B x 2 calls
    (2, 1, {}, 576),
    ([2, 3], 1, {}, 480),     # only the height grows: 2 x 6 x 5 = 60 el. x 4 B x 2
    # bf16 autocast: the padded copy in 2 bytes, 72 x 2 x 2 calls
    (2, 1, {"amp": "bf16"}, 288),
])
def test_same_padding_copy_in_training_memory(kernel, dilation, options, conv_bytes):
    from snncost.training.step import step_memory

    b = SpecBuilder("s", (2, 5, 5), timesteps=2)
    b.conv2d("c1", 2, kernel, padding="same", dilation=dilation)
    b.lif("l")
    assert step_memory(b.build(), batch=1, **options).totals["saved_by_kind"]["conv2d"] == conv_bytes


def test_node_fields_index_bits_and_sparsity_rows():
    """Node fields win over the network's bits; index bits and sparsity reach every row.
    input (2, 4, 4) -> conv 1x1 (2->3, no bias, weight_bits 8) -> lif (spike_bits 2) -> flatten -> linear 48->2."""
    b = SpecBuilder("f", (2, 4, 4))
    b.conv2d("c", 3, 1, weight_bits=8)
    b.lif("l", spike_bits=2)
    b.flatten("f")
    b.linear("fc", 2, bias=False)
    spec = b.build()
    report = analyze(spec, weight_bits=4, sparsity=Fraction(1, 2), weight_format="coo", index_bits=5)
    by = {r["name"]: r for r in report.rows}
    # c: 6 weights at 8 bits, 3 nonzero, coo 3 x (8 + 5); fc: 96 weights at 4 bits, 48 nonzero, coo 48 x (4 + 5)
    assert (by["c"]["weight_precision_bits"], by["fc"]["weight_precision_bits"]) == (8, 4)
    assert (by["c"]["weight_bits"], by["fc"]["weight_bits"]) == (3 * 13, 48 * 9)
    assert (by["c"]["weight_dense_bits"], by["fc"]["weight_dense_bits"]) == (48, 384)
    # sparsity: the network's for nodes with weights, 0 for the others
    assert [by[n]["sparsity"] for n in ("c", "l", "f", "fc")] == [Fraction(1, 2), 0, 0, Fraction(1, 2)]
    # spikes: 48 neurons x 2 bits (the node field over the network's 1 bit)
    assert by["l"]["spike_bits_per_timestep"] == 96
    dense = analyze(spec, weight_bits=4)
    assert dense.totals["weight_bits"] == 6 * 8 + 96 * 4


def _saved_by_kind(build, **options) -> dict:
    from snncost.training.step import step_memory

    b = SpecBuilder("s", (2, 5, 5), timesteps=2)
    build(b)
    b.lif("l")
    return step_memory(b.build(), batch=1, **options).totals["saved_by_kind"]


def test_training_rules_of_dropout_batchnorm_and_pools_by_hand():
    """B = 1, T = 2, input (2, 5, 5) = 50 elements; pytorch: fp32 (4 B), numpy-engine: 8 B."""
    def conv(b):
        b.conv2d("c", 2, 1)

    # dropout p > 0 after a tracked layer keeps its mask: 50 x 4 B x 2 calls
    assert _saved_by_kind(lambda b: (conv(b), b.add("d", "dropout", p=0.5)))["dropout"] == 400
    assert "dropout" not in _saved_by_kind(lambda b: (conv(b), b.add("d", "dropout", p=0.0)))  # a view
    assert "dropout" not in _saved_by_kind(lambda b: b.add("d", "dropout", p=0.5))  # the input needs no gradient
    # batchnorm on the network input: its input once (200 B), batch statistics 2 x 2 x 4 B x 2 calls (32 B),
    # running statistics 2 x 2 x 4 B once (16 B); without affine parameters nothing needs its input
    assert _saved_by_kind(lambda b: b.batchnorm("bn"))["batchnorm"] == 248
    assert "batchnorm" not in _saved_by_kind(lambda b: b.batchnorm("bn", affine=False))
    # maxpool: input 50 x 4 B x 2 + int64 indices 2 x 2 x 2 x 8 B x 2 = 528; the numpy engine keeps no
    # indices: 50 x 8 B x 2 = 800
    assert _saved_by_kind(lambda b: (conv(b), b.pool("p", "maxpool2d", 2)))["maxpool2d"] == 528
    assert _saved_by_kind(lambda b: (conv(b), b.pool("p", "maxpool2d", 2)), profile="numpy-engine")["maxpool2d"] == 800
    # avgpool keeps its input in PyTorch (50 x 4 B x 2), nothing in the numpy engine
    assert _saved_by_kind(lambda b: (conv(b), b.pool("p", "avgpool2d", 2)))["avgpool2d"] == 400
    assert "avgpool2d" not in _saved_by_kind(lambda b: (conv(b), b.pool("p", "avgpool2d", 2)), profile="numpy-engine")


@pytest.mark.parametrize("reset,options,lif_bytes", [
    # two LIF sites of 2 x 4 x 4 = 32 neurons, B = 1, T = 2; pytorch fp32: each membrane 32 x 4 B x 2 = 256,
    # the hard-reset site also its mask 1 - s (256)
    ("hard", {}, 768),
    # the numpy engine keeps no reset mask; 8-byte membranes: 2 x 32 x 8 B x 2
    ("hard", {"profile": "numpy-engine"}, 1024),
    # reverse recomputation under C2: each site's buffer of 16 neurons once per step, 2 x 16 x 4 B
    ("soft", {"sharing": "C2", "training": "reverse"}, 128),
    # numpy engine: buffers 2 x 16 x 8 B, plus the 1-byte spike codes of both sites at both timesteps, 2 x 32 x 2
    ("soft", {"profile": "numpy-engine", "sharing": "C2", "training": "reverse"}, 384),
])
def test_training_rules_of_neurons_by_hand(reset, options, lif_bytes):
    def build(b):
        b.conv2d("c", 2, 1)
        b.lif("l0")
        b.conv2d("c2", 2, 1)

    from snncost.training.step import step_memory

    b = SpecBuilder("s", (2, 4, 4), timesteps=2)
    build(b)
    b.lif("l", reset=reset)
    assert step_memory(b.build(), batch=1, **options).totals["saved_by_kind"]["lif"] == lif_bytes


def test_training_saved_tensors_are_named_per_node():
    """The per-node 'saved' column names what each rule keeps, with its bytes (B = 1, T = 2, fp32):
    input (2, 4, 4) -> conv 1x1 -> bn -> lif -> dropout 0.5 -> maxpool 2 -> conv 1x1 -> lif (hard)."""
    from snncost.training.step import step_memory

    b = SpecBuilder("s", (2, 4, 4), timesteps=2)
    b.conv2d("c", 2, 1)
    b.batchnorm("bn")
    b.lif("l0")
    b.add("d", "dropout", p=0.5)
    b.pool("p", "maxpool2d", 2)
    b.conv2d("c2", 2, 1)
    b.lif("l", reset="hard")
    spec = b.build()
    saved = {r["name"]: r["saved"] for r in step_memory(spec, batch=1).rows}
    assert saved == {
        "c": "input 128",                                            # the network input, 32 x 4 B, once
        "bn": "input 256, statistics 32, running statistics 16",     # 32 x 4 x 2; 2 x 2 x 4 x 2; 2 x 2 x 4
        "l0": "membrane 256",                                        # 32 x 4 x 2
        "d": "mask 256",                                             # 32 x 4 x 2
        "p": "input 256, indices 128",                               # 32 x 4 x 2; int64 2 x 2 x 2 x 8 x 2
        "c2": "input 64",                                            # 8 x 4 x 2
        "l": "membrane 64, reset mask 64",                           # 8 x 4 x 2 each
    }
    b = SpecBuilder("r", (2, 4, 4), timesteps=2)
    b.conv2d("c", 2, 1)
    b.lif("l")
    reverse = {r["name"]: r["saved"] for r in step_memory(b.build(), batch=1, sharing="C2", training="reverse",
                                                            profile="numpy-engine").rows}
    # 16 neurons x 8 B once; the 1-byte spike codes of 32 neurons at 2 timesteps
    assert reverse["l"] == "membrane buffer (reverse) 128, spike codes 64"
