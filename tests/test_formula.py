"""Closed-form formulas (snncost.formula, `snncost formula`), issue 3.

Expected expressions are derived by hand from the architecture (comments), not from
snncost's output; the random-spec agreement test (formula = analyze = sweep) is in
tests/test_sweep.py.
"""
from __future__ import annotations

import json
from fractions import Fraction

import pytest
import sympy

import snncost
from snncost.cli import main
from snncost.errors import ConfigError
from snncost.formulas import SYMBOLS, derive, total_stride
from snncost.zoo import load

H, W, T, B, b_w, b_u, b_s, N = (SYMBOLS[n] for n in ("H", "W", "T", "B", "b_w", "b_u", "b_s", "N"))

# ResNet19 (Table 1 widths), LIF neurons per input pixel, by hand: stem 128 channels at
# H x W; stages of 3, 3, 2 blocks with 2 LIF sites each at 256 x H/2 x W/2, 512 x H/4 x W/4,
# 512 x H/8 x W/8:  128 + 6*256/4 + 6*512/16 + 4*512/64 = 128 + 384 + 192 + 32 = 736.
# Grouping table1 (stem alone, two buffers per stage):  128 + 2*256/4 + 2*512/16 + 2*512/64
# = 128 + 128 + 64 + 16 = 336 per pixel (344064 neurons at 32x32, the paper's L row).
NEURONS_PER_PIXEL = 736
TABLE1_BUFFER_PER_PIXEL = 336


def test_total_stride_of_zoo_models():
    # resnet19: three stride-2 stages -> 8; vgg16: four 2x2 max pools -> 16.
    assert total_stride(load("resnet19")) == (8, 8)
    assert total_stride(load("vgg16")) == (16, 16)


def test_resnet19_lif_forward_L_C2_is_the_issue_formula():
    expr = snncost.formula("resnet19", "lif_forward_bits", sharing="L+C2")
    assert sympy.expand(expr - TABLE1_BUFFER_PER_PIXEL * H * W * b_u * B / 2) == 0
    assert not expr.atoms(sympy.Float)


@pytest.mark.parametrize("size", [32, 64, 224, 48])
def test_resnet19_formula_evaluates_to_the_table(size):
    # Table value by hand: 344064 (size/32)^2 neurons x 32 bits / 2 (C#2), batch 1.
    expected = Fraction(344064 * size * size * 32, 32 * 32 * 2)
    expr = snncost.formula("resnet19", "lif_forward_bits", sharing="L+C2")
    value = expr.subs({"H": size, "W": size, "B": 1, "b_u": 32})
    assert value.is_Integer and int(value) == expected
    assert snncost.analyze("resnet19", input=size, sharing="L+C2").totals["lif_forward_bits"] == expected


def test_symbolic_channel_groups():
    expr = snncost.formula("resnet19", "lif_forward_bits", sharing="L+CN")
    assert sympy.simplify(expr - TABLE1_BUFFER_PER_PIXEL * H * W * b_u * B / N) == 0
    # N given as a symbol with a numeric scheme replaces the number
    expr2 = snncost.formula("resnet19", "lif_forward_bits", sharing="C2", symbols="H,W,N")
    assert sympy.simplify(expr2 - NEURONS_PER_PIXEL * H * W * 32 / N) == 0


def test_bptt_backward_memory_is_T_times_all_sites():
    expr = snncost.formula("resnet19", "lif_backward_bits")
    assert sympy.expand(expr - NEURONS_PER_PIXEL * H * W * T * b_u * B) == 0


def test_symbols_subset_takes_the_model_values():
    # only H, W symbolic: T=5, B=1, b_u=32 from the model; N=2 from the scheme
    expr = snncost.formula("resnet19", "lif_forward_bits", sharing="L+C2", symbols=["H", "W"])
    assert expr.free_symbols == {H, W}
    assert sympy.expand(expr - TABLE1_BUFFER_PER_PIXEL * 32 * H * W / 2) == 0


def test_per_layer_quantity():
    # s1b1.lif1: 256 channels at H/2 x W/2, its own buffer under none: 64 H W b_u B bits
    expr = snncost.formula("resnet19", "lif_forward_bits", layer="s1b1.lif1")
    assert sympy.expand(expr - 64 * H * W * b_u * B) == 0
    neurons = snncost.formula("resnet19", "lif_neurons", layer="s3b2.lif2")
    assert sympy.expand(neurons - 512 * H * W / 64) == 0


def test_weight_memory_does_not_depend_on_the_input():
    expr = snncost.formula("resnet19", "weight_bits")
    params = snncost.analyze("resnet19").totals["params"]
    assert sympy.expand(expr - params * b_w) == 0


def test_symbolic_spec_dimension():
    # stem.conv out_channels C1 (bias False): stem conv 3*9 C1, stem bn 2 C1, s1b1.conv1 256*9 C1,
    # s1b1 shortcut 1x1 conv 256 C1 -> d params / d C1 = 27 + 2 + 2304 + 256 = 2589.
    expr = snncost.formula("resnet19", "params", symbols="C1=stem.conv.out_channels")
    C1 = sympy.Symbol("C1")
    assert expr.free_symbols == {C1}
    assert sympy.diff(expr, C1) == 2589
    assert expr.subs(C1, 128) == snncost.analyze("resnet19").totals["params"]


@pytest.mark.parametrize("size", [(33, 33), (47, 50), (9, 17), (1, 1)])
def test_exact_floor_form_holds_for_any_size(size):
    f = derive("resnet19", "total_bits", sharing="L+C2", divisible=False)
    assert f.expr.atoms(sympy.floor)  # the floors remain
    report = snncost.analyze("resnet19", input=size, sharing="L+C2")
    value = f.expr.subs({"H": size[0], "W": size[1], "T": 5, "B": 1, "b_w": 32, "b_u": 32, "b_s": 1})
    assert value == report.totals["total_bits"]


def test_polynomial_form_is_wrong_off_the_stride_and_says_so():
    f = derive("resnet19", "lif_neurons")
    assert "multiple of 8" in f.assumption()
    # 33 is not a multiple of 8: the polynomial 736 H W / ... is not the count there
    assert f.expr.subs({"H": 33, "W": 33}) != snncost.analyze("resnet19", input=33).totals["lif_neurons"]


def test_fractional_bits_stay_rational():
    expr = snncost.formula("resnet19", "lif_forward_bits", sharing="L+C2", symbols="H,W", membrane_bits=1.5)
    assert not expr.atoms(sympy.Float)
    assert sympy.expand(expr - TABLE1_BUFFER_PER_PIXEL * H * W * sympy.Rational(3, 2) / 2) == 0


@pytest.mark.parametrize("kwargs, where", [
    ({"quantity": "lif_memory"}, "option --quantity"),
    ({"symbols": "H,X"}, "option --symbols"),
    ({"symbols": "P"}, "option --symbols"),
    ({"symbols": "L"}, "option --symbols"),          # a 2-D input has H, W
    ({"symbols": "N"}, "option --symbols"),          # no channel sharing
    ({"symbols": "x=__import__('os')"}, "option --symbols"),
    ({"symbols": "C1=nope.out_channels"}, "option --symbols"),
    ({"symbols": "C1=stem.bn.out_channels"}, "option --symbols"),
    ({"layer": "nope"}, "option --layer"),
    ({"sharing": "L+CN", "symbols": "H,W"}, "option --symbols"),
    ({"sharing": "Q"}, "option --sharing"),
])
def test_bad_input_is_a_clear_error(kwargs, where):
    quantity = kwargs.pop("quantity", "lif_forward_bits")
    with pytest.raises(ConfigError if where != "option --sharing" else snncost.SharingError) as info:
        snncost.formula("resnet19", quantity, **kwargs)
    assert info.value.where == where
    assert "\n" not in str(info.value)


def test_window_symbol_needs_a_window_scheme():
    with pytest.raises(ConfigError, match="needs a window-sharing scheme"):
        snncost.formula("resnet19", symbols="H,W,P")


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_done_criterion(capsys):
    code, out, err = run_cli(capsys, "formula", "resnet19", "--quantity", "lif_forward_bits", "--sharing", "L+C2")
    assert code == 0 and err == ""
    first = out.splitlines()[0]
    assert first == "lif_forward_bits = 168*B*H*W*b_u"  # 336 H W b_u B / 2, by hand above
    assert "multiple of 8" in out


def test_cli_json_and_latex(capsys):
    code, out, _ = run_cli(capsys, "formula", "resnet19", "--sharing", "L+C2", "--symbols", "H,W,T,N", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["free_symbols"] == ["H", "N", "W"]
    assert data["total_stride"] == {"H": 8, "W": 8}
    assert data["input_is_multiple_of_total_stride"] is True
    # the string parses back to the same expression (test code only: the library never sympifies user text)
    parsed = sympy.sympify(data["expression"], locals={"H": H, "W": W, "N": N})
    assert sympy.simplify(parsed - TABLE1_BUFFER_PER_PIXEL * H * W * 32 / N) == 0
    code, out, _ = run_cli(capsys, "formula", "resnet19", "--sharing", "L+C2", "--symbols", "H,W,N", "--format", "latex")
    assert code == 0
    assert r"M_{\mathrm{LIF}}^{\mathrm{fwd}} = \frac{10752 H W}{N}" in out


def test_cli_any_size_keeps_floors(capsys):
    code, out, _ = run_cli(capsys, "formula", "resnet19", "--any-size", "--symbols", "H,W", "--quantity", "lif_neurons")
    assert code == 0 and "floor(" in out


@pytest.mark.parametrize("argv", [
    ["--quantity", "nope"], ["--symbols", "H,Q"], ["--symbols", "P"], ["--format", "yaml"], ["--layer", "x"],
])
def test_cli_bad_input_exits_2(capsys, argv):
    code, out, err = run_cli(capsys, "formula", "resnet19", *argv)
    assert code == 2 and out == ""
    assert err.startswith("snncost: ") and err.count("\n") == 1


def test_cli_writes_atomically(tmp_path, capsys):
    target = tmp_path / "f.tex"
    code, _, _ = run_cli(capsys, "formula", "resnet19", "--format", "latex", "--out", str(target))
    assert code == 0 and target.read_text().startswith("% snncost")
    code, _, _ = run_cli(capsys, "formula", "resnet19", "--quantity", "bad", "--out", str(tmp_path / "g.tex"))
    assert code == 2 and not (tmp_path / "g.tex").exists()
