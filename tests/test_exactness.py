"""Exactness (issue 15): every count and bit total snncost reports is a Python int or an
exact ``fractions.Fraction`` -- never a float, never an integral Fraction (those become
ints), never a bool -- over random specs and every precision preset and convention.
The one exception is the ``log2`` ternary convention, whose log2 3 bits are an exact
sympy number (no sympy Float anywhere in it).

The bug this guards against: ``masked-ternary`` under the ``packed`` ternary convention
halved the int 2 with ``/``, so ResNet19's ``lif_forward_bits`` came out as the float
753664.0.
"""
from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from snncost.analysis import analyze
from snncost.precision import FIXED_PRESETS, MASKED_CONVENTIONS, SPIKE_ENCODINGS, TERNARY_CONVENTIONS, masked_ternary_bits
from snncost.pruning import FORMATS

from strategies import network_specs

# Row fields that are counts or bit totals (bit *widths* and the sparsity are settings).
ROW_COUNTS = ("params", "buffers", "lif_neurons", "state_variables", "lif_forward_bits", "lif_backward_bits",
              "weight_bits", "spike_bits_per_timestep", "weight_elements", "weight_nonzeros", "spike_storage_bits",
              "eq15_weight_count", "eq15_weight_bits", "eq15_membrane_bits", "eq15_spike_bits",
              *(f"weight_{f}_bits" for f in FORMATS))


def exactness_problem(value, *, symbolic_ok: bool):
    """None if ``value`` is an exact count, else what is wrong with it."""
    kind = type(value)
    if kind is int:
        return None
    if kind is Fraction:
        return None if value.denominator != 1 else f"integral Fraction {value!r} (should be the int {int(value)})"
    if symbolic_ok and isinstance(value, sympy.Expr) and value.is_number:
        return None if not value.atoms(sympy.Float) else f"sympy number with a Float in it: {value}"
    return f"{kind.__name__} {value!r}"


def assert_exact(report, *, symbolic_ok: bool = False):
    problems = {f"totals[{key!r}]": exactness_problem(v, symbolic_ok=symbolic_ok) for key, v in report.totals.items()}
    for row in report.rows:
        for key in ROW_COUNTS:
            problems[f"{row['name']}[{key!r}]"] = exactness_problem(row[key], symbolic_ok=symbolic_ok)
    for key, v in (report.baseline or {}).items():
        problems[f"baseline[{key!r}]"] = exactness_problem(v, symbolic_ok=symbolic_ok)
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, problems


def test_masked_ternary_packed_is_an_int():
    """The bug: 2-bit packed ternary halved -> 1 bit, an int (was the float 1.0)."""
    bits = masked_ternary_bits("halved", "packed")
    assert type(bits) is int and bits == 1
    report = analyze("resnet19", membrane_bits="masked-ternary", ternary_convention="packed")
    forward = report.totals["lif_forward_bits"]
    # ResNet19 at 32x32 has 753,664 LIF neurons (EfficientLIF-Net Table 1 baseline): x 1 bit
    assert type(forward) is int and forward == 753_664
    assert_exact(report)


@pytest.mark.parametrize("ternary,expected", [
    ("imsnn", Fraction(3, 4)),  # 1.5 / 2
    ("packed", 1),              # 2 / 2
])
def test_masked_halved_by_hand(ternary, expected):
    bits = masked_ternary_bits("halved", ternary)
    assert bits == expected and type(bits) is type(expected)


def test_masked_halved_log2_is_exact_sympy():
    bits = masked_ternary_bits("halved", "log2")
    assert sympy.simplify(bits - sympy.log(3) / (2 * sympy.log(2))) == 0
    assert not bits.atoms(sympy.Float)


TERNARY = tuple(TERNARY_CONVENTIONS)
WEIGHT_SPIKE = (*FIXED_PRESETS, "ternary", 1.5, "3/2", 0.25, 7, None)
MEMBRANE = (*WEIGHT_SPIKE, "masked-ternary")


@settings(max_examples=60, deadline=None)
@given(spec=network_specs(max_layers=4, mlif=True), weight=st.sampled_from(WEIGHT_SPIKE),
       membrane=st.sampled_from(MEMBRANE), spike=st.sampled_from(WEIGHT_SPIKE), ternary=st.sampled_from(TERNARY),
       masked=st.sampled_from(tuple(MASKED_CONVENTIONS)), encoding=st.sampled_from(tuple(SPIKE_ENCODINGS)),
       sharing=st.sampled_from(["none", "L"]), training=st.sampled_from([None, "bptt"]),
       sparsity=st.sampled_from([None, Fraction(0), Fraction(1, 3), "94.94%", 0.5]),
       fmt=st.sampled_from(tuple(FORMATS)), index_bits=st.sampled_from([None, 5]),
       batch=st.sampled_from([None, 1, 3]), timesteps=st.sampled_from([None, 1, 4]))
def test_every_count_is_exact_under_every_precision(spec, weight, membrane, spike, ternary, masked, encoding, sharing,
                                                   training, sparsity, fmt, index_bits, batch, timesteps):
    report = analyze(spec, weight_bits=weight, membrane_bits=membrane, spike_bits=spike, ternary_convention=ternary,
                     masked_convention=masked, spike_encoding=encoding, sharing=sharing, training=training,
                     sparsity=sparsity, weight_format=fmt, index_bits=index_bits, batch=batch, timesteps=timesteps)
    assert_exact(report, symbolic_ok=ternary == "log2")  # log2 3 bits: exact sympy numbers
    reduction = report.reduction("lif_backward_bits")
    assert reduction is None or type(reduction) is Fraction


@pytest.mark.parametrize("membrane", [*FIXED_PRESETS, "ternary", "masked-ternary"])
@pytest.mark.parametrize("ternary", [t for t in TERNARY if t != "log2"])
@pytest.mark.parametrize("masked", tuple(MASKED_CONVENTIONS))
def test_every_preset_and_convention_on_resnet19(membrane, ternary, masked):
    """Every membrane preset x convention on a real model (ResNet19, L+C2 and none)."""
    for sharing in ("none", "L+C2"):
        assert_exact(analyze("resnet19", membrane_bits=membrane, weight_bits=membrane if membrane != "masked-ternary"
                             else "ternary", ternary_convention=ternary, masked_convention=masked, sharing=sharing))
