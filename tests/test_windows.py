"""Window-partitioned membrane sharing ``W<P>`` (Yao et al., seed 002 Sec. 3.1, Eq. 4:
non-dilated windows; one membrane carried window to window, so a buffer holds one
window).  Expected values are derived by hand in the comments."""
from __future__ import annotations

import pytest
import sympy
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

import snncost
from snncost.cli import main
from snncost.errors import ConfigError, SharingError
from snncost.formulas import derive
from snncost.sharing import parse_sharing
from snncost.spec import SpecBuilder
from test_invariants_sharing import conv_lif_stacks

# ResNet19 at 32x32 (domain notes Sec. 1): 753,664 LIF neurons unshared; 344,064 under the
# paper's layer grouping (table1).  Every site's H and W (32, 16, 8, 4) is even, so W4
# (a 2x2 grid) halves both: 753,664 / 4 = 188,416 neurons; 32-bit membrane, batch 1.
RESNET19_NEURONS = 753_664
RESNET19_TABLE1 = 344_064


def totals(model="resnet19", **kw):
    return snncost.analyze(model, **kw).totals


@pytest.mark.parametrize("text, label", [
    ("W4", "W4"), ("w9", "W9"), ("W2x4", "W2x4"), ("W4+C2+L", "L+C2+W4"), ("C#2+W2x4", "C2+W2x4"),
    ("L+W4", "L+W4"), ("W4 + L", "L+W4"), ("none", "none"),
])
def test_scheme_syntax_is_order_insensitive_with_a_canonical_label(text, label):
    assert parse_sharing(text).label == label


@pytest.mark.parametrize("text", ["W0", "Wx4", "W4+W2", "L+L", "none+L", "W2x0", "WP", "CN+W4", "W4+", "W1234567"])
def test_bad_schemes_are_one_line_errors(text):
    with pytest.raises(SharingError) as info:
        parse_sharing(text)
    assert info.value.where == "option --sharing" and "\n" not in str(info.value)


def test_resnet19_hand_values():
    none = totals()
    assert none["lif_neurons"] == RESNET19_NEURONS
    # W4: 753,664 / 4 = 188,416 neurons x 32 bits = 6,029,312 bits
    assert totals(sharing="W4")["lif_forward_bits"] == 188_416 * 32 == 6_029_312
    # W2x4: 32, 16, 8, 4 are multiples of 2 and 4: 753,664 / 8 = 94,208 neurons
    assert totals(sharing="W2x4")["lif_forward_bits"] == 94_208 * 32
    # L+C2+W4: 344,064 / (2 x 4) = 43,008 neurons x 32 = 1,376,256 bits; any order
    for text in ("L+C2+W4", "W4+L+C2", "C#2+W4+L"):
        assert totals(sharing=text)["lif_forward_bits"] == 43_008 * 32 == 1_376_256
    # the windows do not change the neuron count, only the buffer size
    assert totals(sharing="W4")["lif_neurons"] == RESNET19_NEURONS


def test_backward_stays_bptt_by_default_and_reverse_only_when_asked():
    w4 = snncost.analyze("resnet19", sharing="L+W4")
    # default bptt: T x every site's full membrane = 5 x 753,664 x 32 = 120,586,240 bits
    assert w4.config.training == "bptt"
    assert w4.totals["lif_backward_bits"] == 5 * RESNET19_NEURONS * 32 == 120_586_240
    assert any("seed 002" in note for note in w4.notes)
    reverse = snncost.analyze("resnet19", sharing="L+W4", training="reverse")
    # reverse: backward = forward = 344,064 / 4 x 32 = 2,752,512 bits
    assert reverse.totals["lif_backward_bits"] == reverse.totals["lif_forward_bits"] == 86_016 * 32 == 2_752_512
    assert any("neither paper reports it" in note for note in reverse.notes)
    with pytest.raises(ConfigError, match="soft reset"):
        snncost.analyze("resnet19-baseline-code", sharing="W4", training="reverse")


def test_7x7_site_is_refused_naming_the_site_and_the_divisors():
    # ResNet19 at 28x28: maps 28, 14, 7, 4; the 2x2 grid of W4 does not divide 7
    with pytest.raises(SharingError) as info:
        snncost.analyze("resnet19", input=28, sharing="W4")
    text = str(info.value)
    assert "'s2b1.lif1'" in text and "[512, 7, 7]" in text and "1, 7" in text


def test_not_a_square_needs_an_explicit_grid():
    with pytest.raises(SharingError, match=r"stem\.lif.*W2x4"):
        snncost.analyze("resnet19", sharing="W8")


def _vector_tail():
    # conv 4 x 8 x 8 + LIF (256 neurons), flatten, linear 10 + LIF (a vector site)
    b = SpecBuilder("tail", (3, 8, 8))
    b.conv2d("conv", 4, 3, padding=1)
    b.lif("lif1")
    b.flatten("flat")
    b.linear("fc", 10)
    b.lif("lif2")
    return b.build()


def test_vector_sites_stay_whole_with_a_note():
    report = snncost.analyze(_vector_tail(), sharing="W4")
    # 256 / 4 = 64 windowed neurons + 10 whole = 74 x 32 bits
    assert report.totals["lif_forward_bits"] == (64 + 10) * 32
    assert any("lif2" in note and "not split into windows" in note for note in report.notes)


def test_only_vector_sites_is_refused():
    b = SpecBuilder("vec", (16,))
    b.linear("fc", 8)
    b.lif("lif1")
    with pytest.raises(SharingError, match=r"no LIF site has a spatial dimension.*'lif1' has shape \[8\]"):
        snncost.analyze(b.build(), sharing="W4")


def _sequence():
    # conv1d 4 channels over length 12 + LIF: 48 neurons
    b = SpecBuilder("seq", (2, 12))
    b.conv1d("conv", 4, 3, padding=1)
    b.lif("lif1")
    return b.build()


def test_one_d_maps_split_along_the_length():
    assert totals(_sequence(), sharing="W3")["lif_forward_bits"] == 48 // 3 * 32
    assert totals(_sequence(), sharing="W2")["lif_forward_bits"] == 48 // 2 * 32  # P need not be square in 1-D
    with pytest.raises(SharingError, match=r"dividing 12: 1, 2, 3, 4, 6, 12"):
        snncost.analyze(_sequence(), sharing="W5")
    with pytest.raises(SharingError, match=r"1-D map of LIF site 'lif1'"):
        snncost.analyze(_sequence(), sharing="W2x2")


def test_formula_divides_by_P_like_N():
    H, W, B, b_u, N, P = (sympy.Symbol(n) for n in ("H", "W", "B", "b_u", "N", "P"))
    # 344,064 neurons at 32x32 = 336 per input pixel (table1 grouping)
    expr = snncost.formula("resnet19", sharing="L+CN+WP")
    assert sympy.simplify(expr - 336 * B * H * W * b_u / (N * P)) == 0
    # numeric W4: 753,664 / 1,024 / 4 = 184 per pixel, valid for H, W multiples of 8 x 2
    f = derive("resnet19", sharing="W4")
    assert sympy.simplify(f.expr - 184 * B * H * W * b_u) == 0
    assert f.size_multiple == (16, 16) and "multiple of 16" in f.assumption()
    # P added to the symbols of a numeric window scheme
    assert snncost.formula("resnet19", sharing="W4", symbols="P") == sympy.Integer(RESNET19_NEURONS * 32) / P


def test_formula_and_sweep_window_errors():
    with pytest.raises(ConfigError, match="needs a window-sharing scheme"):
        snncost.formula("resnet19", sharing="C2", symbols="H,W,P")
    with pytest.raises(ConfigError, match="written with P"):
        snncost.formula("resnet19", sharing="WP", symbols="H,W")
    with pytest.raises(ConfigError, match="numeric channel groups and windows"):
        snncost.sweep("resnet19", sharing="WP")


def test_sweep_with_windows_matches_analyze_including_off_grid_classes():
    # 48 = 16 x 3 (a multiple of stride x grid); 40: stages 40, 20, 10, 5 -> 5 odd: refused
    df = snncost.sweep("resnet19", input=[32, 48, 64], sharing="none,W4,L+C2+W4", quantities="lif_forward_bits")
    for r in df.itertuples():
        assert r.lif_forward_bits == totals(input=int(r.H), sharing=r.sharing)["lif_forward_bits"]
    with pytest.raises(SharingError, match=r"H=40.*s3b1\.lif1"):
        snncost.sweep("resnet19", input=[32, 40], sharing="W4")


def test_cli_refuses_7x7_with_one_line(capsys):
    assert main(["table", "resnet19", "--input", "28", "--sharing", "W4"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "s2b1.lif1" in err and "[512, 7, 7]" in err


WINDOWS = {"W4": 4, "W2x1": 2, "W1x2": 2, "W16": 16, "W2x4": 8}


@settings(max_examples=40, deadline=None)
@given(conv_lif_stacks(), st.sampled_from(sorted(WINDOWS)), st.sampled_from([2, 4, 8]))
def test_windows_divide_forward_memory_exactly_and_leave_bptt_alone(spec, window, n):
    p = WINDOWS[window]

    def run(sharing):
        return snncost.analyze(spec, sharing=sharing, training="bptt",
                               layer_groups="auto" if "L" in sharing else None).totals

    none, layer = run("none"), run("L")
    try:
        windowed = run(window)
    except SharingError as exc:
        assert "LIF site '" in exc.problem and "shape [" in exc.problem  # names the site and its shape
        event("grid does not divide a site")
        assume(False)
    assert windowed["lif_forward_bits"] <= none["lif_forward_bits"]  # windows never increase memory
    assert windowed["lif_forward_bits"] * p == none["lif_forward_bits"]  # every site is a map: exactly 1/P
    assert windowed["lif_backward_bits"] == none["lif_backward_bits"]  # bptt keeps T full membranes
    combined = run(f"L+C{n}+{window}")
    assert combined["lif_forward_bits"] * n * p == layer["lif_forward_bits"]
    assert combined["lif_forward_bits"] <= windowed["lif_forward_bits"]
