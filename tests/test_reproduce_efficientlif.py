"""`snncost reproduce efficientlif`: the published-number registry of EfficientLIF-Net
(seed 000: Tables 1-2, the text figures, Fig. 1 and Fig. 8) and the generic status
framework (registry format, statuses, rows that are not modelled).

Expected values below are derived by hand from the layer lists (comments), not taken
from snncost's output.  Unit: the paper's "MB" is MiB = 2^20 bytes; a 32-bit membrane
is 4 bytes, so MiB = neurons * 4 / 2^20 = neurons / 262,144.
"""
from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snncost.cli import main
from snncost.errors import InputFileError
from snncost.reproduce import reproduce
from snncost.reproduce.registry import COLUMNS, load_registry, parse_registry
from snncost.reproduce.render import render
from snncost.reproduce.runner import judge_rows
from snncost.reproduce.status import decimal_text, to_printed

MIB_PER_NEURON = Fraction(4, 2**20)  # 32-bit membrane, in MiB

# --- hand derivations (neurons per LIF buffer, 32x32 input) -------------------------
# ResNet19 (widths 256/512/512): stem 128x32x32; stage 1 (16x16) 3 blocks x 2 LIFs x 256;
# stage 2 (8x8) 3 x 2 x 512; stage 3 (4x4) 2 x 2 x 512.
RESNET19_BASE = 128 * 32 * 32 + 6 * 256 * 16 * 16 + 6 * 512 * 8 * 8 + 4 * 512 * 4 * 4
assert RESNET19_BASE == 753_664  # x 4 B = 3,014,656 B = 2.875 MiB (printed 2.88)
# Table 1 L (grouping table1): stem + two buffers per stage (in-block, block-output)
RESNET19_L_TABLE1 = 128 * 32 * 32 + 2 * 256 * 16 * 16 + 2 * 512 * 8 * 8 + 2 * 512 * 4 * 4
assert RESNET19_L_TABLE1 == 344_064  # 1.3125 MiB (printed 1.31)
RESNET19_L_CODE = 128 * 32 * 32 + 256 * 16 * 16 + 512 * 8 * 8 + 512 * 4 * 4       # one buffer per stage
assert RESNET19_L_CODE == 237_568  # 0.90625 MiB
RESNET19_L_TEXT = 128 * 32 * 32 + 3 * 256 * 16 * 16 + 3 * 512 * 8 * 8 + 2 * 512 * 4 * 4  # one per block
assert RESNET19_L_TEXT == 442_368  # 1.6875 MiB
# VGG16 baseline: 2 x 128 @32x32, 2 x 256 @16x16, 3 x 256 @8x8, 3 x 512 @4x4, 3 x 512 @2x2
VGG16_BASE = 2 * 128 * 1024 + 2 * 256 * 256 + 3 * 256 * 64 + 3 * 512 * 16 + 3 * 512 * 4
assert VGG16_BASE == 473_088  # 1.8046875 MiB (printed 1.80)
# vgg16-sharing-code L: conv1, conv2 separate (128 @32x32 each), then one buffer per stage:
# 128 @16x16 (stage-2 width 128), 256 @8x8, 512 @4x4, 512 @2x2
VGG16_L_CODE = 2 * 128 * 1024 + 128 * 256 + 256 * 64 + 512 * 16 + 512 * 4
assert VGG16_L_CODE == 321_536  # 1.2265625 MiB (printed 1.23)

# Rows whose printed value is NOT the exact value rounded half-up, found by hand:
ROUNDED_PARENT = {
    # VGG16 L+C#2 at 32x32: exact 321,536 / 2 neurons = 0.61328125 MiB -> 0.61; printed
    # 0.62 = round(1.23 / 2) = round(0.615)
    "t1.vgg16.cifar10.LC2.fwd", "t1.vgg16.cifar10.LC2.bwd", "t1.vgg16.cifar100.LC2.fwd", "t1.vgg16.cifar100.LC2.bwd",
    # 64x64: 4 x 0.61328125 = 2.453125 -> 2.45; printed 2.46 = round(4.91 / 2) = round(2.455)
    "t1.vgg16.tinyimagenet.LC2.fwd", "t1.vgg16.tinyimagenet.LC2.bwd",
    # ResNet19 backward 5 x 2.875 = 14.375 -> 14.38; printed 14.40 = 5 x 2.88
    "t1.resnet19.cifar10.base.bwd", "t1.resnet19.cifar100.base.bwd",
    # N-Caltech101 48x48 (factor 2.25): C#2 = 2.875 x 2.25 / 2 = 3.234375 -> 3.23; printed 3.24 = round(6.47 / 2)
    "t1.resnet19.ncaltech101.C2.fwd", "t1.resnet19.ncaltech101.C2.bwd",
    # 224x224 (factor 49): 5 x 140.875 - 32.15625 = 672.21875 -> 672.22; printed 704.4 - 32.16 = 672.24
    "text.imagenet100.LC2.bwd_saving",
    # 14.375 - 0.65625 = 13.71875 -> 13.72; printed 14.40 - 0.66 = 13.74
    "text.cifar10.LC2.bwd_saving",
}
# Rows that declare truncation (and match under it, and only under it): "~4.3x" is
# 753,664 / 172,032 = 4.380952..., half-up 4.4; Fig. 1's "53%" is 53.63%, half-up 54.
TRUNCATED = {"text.fwd_efficiency", "fig1.lif_share"}
# Not reproduced: Fig. 8's "~60%" is 2.875 / 5.098 = 56.39% (the paper's own 2.9 / 5 gives
# 58%); Sec. 5.3.7's "around 7x larger than activation memory" is 32x with 1-bit spikes.
MISMATCHES = {"fig8.lif_vs_weights", "text.s537.lif_bwd_vs_activation"}


@pytest.fixture(scope="module")
def rep():
    return reproduce("efficientlif")


@pytest.fixture(scope="module")
def by_id(rep):
    return rep.by_id


HARDWARE = "hw."  # the hardware figures (Sec. 4.4.2, 5.3.9, Fig. 9): tests/test_hw.py


def test_every_table_figure_is_reproduced(rep):
    statuses = {r.row.id: r.status for r in rep.published if not r.row.id.startswith(HARDWARE)}
    assert {i for i, s in statuses.items() if s == "mismatch"} == MISMATCHES
    assert {i for i, s in statuses.items() if s == "match-rounded-parent"} == ROUNDED_PARENT
    assert {i for i, s in statuses.items() if s in ("explained-deviation", "not-modelled")} == set()
    assert all(s == "match" for i, s in statuses.items() if i not in ROUNDED_PARENT | MISMATCHES)
    assert {i for i, r in rep.by_id.items() if r.row.rounding == "truncate"} == TRUNCATED
    assert all(statuses[i] == "match" for i in TRUNCATED)
    # Tables 1 and 2: every figure reproduced
    assert all(r.status in ("match", "match-rounded-parent") for r in rep.published if r.row.table in ("Table 1", "Table 2"))
    assert rep.unexpected == []


def test_registry_covers_the_paper():
    rows = load_registry("efficientlif.csv")
    published = [r for r in rows if r.is_published and not r.id.startswith(HARDWARE)]
    # Table 1: 2 networks x 5 datasets x 4 schemes x (forward, backward); Table 2: 3 x 3; text: 6;
    # Fig. 1: the LIF share (53%); Fig. 8: weights 5 MB, LIF 2.9 MB, 60%, 23%
    assert sum(r.table == "Table 1" for r in published) == 80
    assert sum(r.table == "Table 2" for r in published) == 9
    assert sum(r.table == "Fig. 1" for r in published) == 1
    assert sum(r.table == "Fig. 8" for r in published) == 4
    # Sec. 5.3.7: "around 7x larger than weights or activation memory" (two figures);
    # Sec. 5.3.8: L and C#2 "reduce the LIF memory cost by about half" (two figures)
    assert sum(r.table.startswith("Text, Sec. 5.3.7") for r in published) == 2
    assert sum(r.table.startswith("Text, Sec. 5.3.8") for r in published) == 2
    assert len(published) == 104
    assert {r.published for r in published if r.table == "Text, Sec. 5.2"} == {"108.72", "672.24", "2.22", "13.74"}
    assert {r.published for r in published if r.unit == "x"} == {"4.3", "21.9", "7", "0.5"}
    assert {r.published for r in published if r.unit == "%"} == {"53", "60", "23"}
    assert all(r.printed_unit == "MB" and r.unit == "MiB" for r in published if r.unit not in ("x", "%"))


@pytest.mark.parametrize("row_id, neurons, factor", [
    ("t1.resnet19.cifar10.base.fwd", RESNET19_BASE, 1),
    ("t1.resnet19.cifar10.base.bwd", RESNET19_BASE, 5),          # BPTT, T = 5
    ("t1.resnet19.ncaltech101.base.bwd", RESNET19_BASE, Fraction(9, 4) * 10),  # 48x48 = 2.25 x 32x32, T = 10
    ("t1.resnet19.imagenet100.base.fwd", RESNET19_BASE, 49),     # 224x224 = 49 x 32x32
    ("t1.resnet19.cifar10.L.fwd", RESNET19_L_TABLE1, 1),
    ("t1.resnet19.imagenet100.LC2.bwd", RESNET19_L_TABLE1, Fraction(49, 2)),  # reverse: backward = forward
    ("t1.resnet19.tinyimagenet.LC2.fwd", RESNET19_L_TABLE1, Fraction(4, 2)),  # 2.625 exactly
    ("t2.resnet19.imagenet100.C8", RESNET19_BASE, Fraction(49, 8)),
    ("t1.vgg16.cifar10.base.fwd", VGG16_BASE, 1),
    ("t1.vgg16.imagenet100.base.bwd", VGG16_BASE, 49 * 5),
    ("t1.vgg16.cifar10.L.fwd", VGG16_L_CODE, 1),
    ("t1.vgg16.ncaltech101.LC2.fwd", VGG16_L_CODE, Fraction(9, 4) / 2),
    ("info.resnet19.cifar10.L.code", RESNET19_L_CODE, 1),
    ("info.resnet19.cifar10.L.text", RESNET19_L_TEXT, 1),
])
def test_computed_values_equal_hand_derivations(by_id, row_id, neurons, factor):
    assert by_id[row_id].computed == neurons * MIB_PER_NEURON * factor


def test_half_up_rounding_matters(by_id):
    # ResNet19 TinyImageNet L+C#2 is exactly 2.625 MiB; printed 2.63. Binary-float
    # rounding (round(2.625, 2) == 2.62) would call this a mismatch.
    r = by_id["t1.resnet19.tinyimagenet.LC2.fwd"]
    assert r.computed == Fraction(2625, 1000) and r.row.published == "2.63"
    assert round(2.625, 2) == 2.62 and r.status == "match"
    assert by_id["t1.resnet19.cifar10.base.fwd"].verdict.rounded == Decimal("2.88")  # 2.875 -> 2.88


def test_rounded_parent_is_recomputed_not_labelled(by_id):
    r = by_id["t1.vgg16.cifar10.LC2.fwd"]
    assert r.verdict.rounded == Decimal("0.61")
    assert r.verdict.via_parents == Fraction(615, 1000)        # 1.23 / 2
    assert r.verdict.via_parents_rounded == Decimal("0.62")
    saving = by_id["text.imagenet100.LC2.bwd_saving"]
    assert saving.computed == Fraction(67221875, 100000)        # 704.375 - 32.15625
    assert saving.verdict.via_parents == Fraction(67224, 100)   # 704.4 - 32.16


def test_changing_a_printed_parent_breaks_the_derived_row():
    """The framework derives from the parents' printed values: a wrong parent makes
    the child a mismatch (and the parent itself a mismatch)."""
    from snncost.reproduce import efficientlif

    rows = load_registry("efficientlif.csv")
    wanted = {"t1.vgg16.cifar10.L.fwd", "t1.vgg16.cifar10.LC2.fwd", "t1.vgg16.cifar10.base.fwd"}
    rows = [r for r in rows if r.id in wanted]
    good = {r.row.id: r.status for r in judge_rows(rows, efficientlif)}
    assert good["t1.vgg16.cifar10.LC2.fwd"] == "match-rounded-parent"
    # 1.25 / 2 = 0.625 -> 0.63, not 0.62; and 1.25 is not 1.2266 rounded
    bad_rows = [replace(r, published="1.25") if r.id == "t1.vgg16.cifar10.L.fwd" else r for r in rows]
    bad = {r.row.id: r.status for r in judge_rows(bad_rows, efficientlif)}
    assert bad["t1.vgg16.cifar10.L.fwd"] == "mismatch"
    assert bad["t1.vgg16.cifar10.LC2.fwd"] == "mismatch"


def test_a_parent_that_is_not_reproduced_cannot_vouch_for_a_child():
    # The child's printed 0.62 equals round(1.24 / 2) = round(0.62), but the parent's
    # printed 1.24 does not match its exact value 1.2266: the child is not reproduced
    # (not match-rounded-parent); its deviation is the parent's, checked by the arithmetic.
    from snncost.reproduce import efficientlif

    rows = [r for r in load_registry("efficientlif.csv") if r.id in {"t1.vgg16.cifar10.L.fwd", "t1.vgg16.cifar10.LC2.fwd"}]
    rows = [replace(r, published="1.24") if r.id == "t1.vgg16.cifar10.L.fwd" else r for r in rows]
    results = {r.row.id: r for r in judge_rows(rows, efficientlif)}
    assert results["t1.vgg16.cifar10.L.fwd"].status == "mismatch"
    child = results["t1.vgg16.cifar10.LC2.fwd"]
    assert child.verdict.via_parents_rounded == Decimal("0.62") and child.status == "explained-deviation"
    assert "inherits the deviation of t1.vgg16.cifar10.L.fwd (mismatch)" in child.verdict.detail


def test_truncated_efficiency_matches_under_its_declared_rounding_only(by_id):
    r = by_id["text.fwd_efficiency"]
    assert r.computed == Fraction(RESNET19_BASE, RESNET19_L_TABLE1 // 2)  # = 4.380952...
    assert to_printed(r.computed, 1) == Decimal("4.4") and r.row.published == "4.3"
    assert r.verdict.rounded == Decimal("4.3") and r.status == "match" and "truncates" in r.verdict.detail
    # the same row declared half-up is a mismatch: one convention, one chance
    from snncost.reproduce import efficientlif

    rows = [replace(x, rounding="half-up") if x.id == r.row.id else x for x in load_registry("efficientlif.csv")]
    assert {x.row.id: x.status for x in judge_rows(rows, efficientlif)}[r.row.id] == "mismatch"
    # "~21.9x" backward: 5 x 753,664 / 172,032 = 21.904... rounds to 21.9
    assert by_id["text.bwd_efficiency"].status == "match"


def test_which_grouping_reproduces_table1_resnet19_L(by_id):
    assert by_id["t1.resnet19.cifar10.L.fwd"].status == "match"
    assert by_id["t1.resnet19.cifar10.L.fwd"].row.config["grouping"] == "table1"
    for other in ("info.resnet19.cifar10.L.code", "info.resnet19.cifar10.L.text",
                  "info.resnet19.cifar10.base.code", "info.vgg16.cifar10.L.baseline_widths",
                  "info.vgg16.cifar10.C2.code_widths", "info.resnet19.ncaltech101.bwd_efficiency"):
        assert by_id[other].status == "info"
        assert by_id[other].would_be.status == "mismatch"
    # N-Caltech101, T = 10: 10 x 753,664 / 172,032 = 43.8x > the abstract's "up to ~21.9x"
    assert by_id["info.resnet19.ncaltech101.bwd_efficiency"].computed == Fraction(10 * RESNET19_BASE, RESNET19_L_TABLE1 // 2)


def test_fig1_and_fig8_by_hand(by_id):
    # Fig. 1 by hand, 224x224, 100-class head: LIF 753,664 x 49 neurons x 32 b; spikes 5 timesteps x 1 b;
    # weights 26,108,042 - 5,130 (10-class fc) + 51,300 (100-class fc) params x 32 b
    neurons = RESNET19_BASE * 49
    weights = 26_108_042 - 5_130 + 51_300
    share = Fraction(100 * 32 * neurons, 32 * weights + 32 * neurons + 5 * neurons)
    assert by_id["fig1.lif_share"].computed == share
    assert 53 < share < 54 and by_id["fig1.lif_share"].status == "match"  # under its declared truncation
    # one timestep of spikes instead of five (info row)
    assert by_id["fig1.lif_share.per_timestep"].computed == Fraction(100 * 32 * neurons,
                                                                      32 * weights + 32 * neurons + neurons)
    # Fig. 8: baseline LIF 753,664 x 32 b = 2.875 MiB ("2.9"); L+C#2 (grouping table1:
    # 344,064 / 2 neurons) over the baseline 753,664
    assert by_id["fig8.lif"].computed == RESNET19_BASE * MIB_PER_NEURON and by_id["fig8.lif"].status == "match"
    assert by_id["fig8.lc2_vs_base"].computed == Fraction(100 * RESNET19_L_TABLE1, 2 * RESNET19_BASE)
    assert by_id["fig8.lc2_vs_base"].status == "match"
    # "about 60%" is LIF / pruned weights: the same 2.875 MiB over the row's weight memory
    ratio = by_id["fig8.lif_vs_weights"].computed
    assert ratio == 100 * by_id["fig8.lif"].computed / by_id["fig8.weights"].computed
    # the paper's own figures 2.9 / 5 give 58%: tried, and not 60 either
    r = by_id["fig8.lif_vs_weights"]
    assert r.status == "mismatch" and "2.9 / 5 * 100 gives 58.0000 -> 58" in r.verdict.detail


def test_sec_5_3_7_and_5_3_8_by_hand(by_id):
    # Sec. 5.3.7 (Fig. 7B: ResNet19, ImageNet-100, 224x224): BPTT LIF = 5 x 753,664 x 49
    # neurons x 32 b; weights 26,154,212 params x 32 b (100-class head, as in Fig. 1)
    neurons = RESNET19_BASE * 49
    weights = 26_108_042 - 5_130 + 51_300
    assert by_id["text.s537.lif_bwd_vs_weights"].computed == Fraction(5 * 32 * neurons, 32 * weights)  # 7.06
    assert by_id["text.s537.lif_bwd_vs_weights"].status == "match"
    # activation = 1-bit spikes of every LIF at all 5 timesteps: 5 x 32 / 5 = 32 exactly
    assert by_id["text.s537.lif_bwd_vs_activation"].computed == 32
    # Sec. 5.3.8 (Fig. 8, CIFAR10): L = 344,064 / 753,664 = 0.4565 -> 0.5; C#2 = 1/2
    assert by_id["text.s538.L_vs_base"].computed == Fraction(RESNET19_L_TABLE1, RESNET19_BASE)
    assert by_id["text.s538.C2_vs_base"].computed == Fraction(1, 2)
    assert by_id["text.s538.L_vs_base"].status == by_id["text.s538.C2_vs_base"].status == "match"


@pytest.mark.parametrize("line, column, fragment", [
    ("f,efficientlif,Fig. 8,r,LIF share of weight memory,60,0,MiB,MB,resnet19,input=32,,,,,,", "unit", "does not fit"),
    ("f,efficientlif,Fig. 8,r,weight memory,5,0,%,%,resnet19,input=32,,,,,,", "unit", "does not fit"),
    ("f,efficientlif,Fig. 8,r,LIF forward memory,5,0,MiB,MB,resnet19,input=32; share=total,,,,,,", "config",
     "'share' does not apply"),
    ("f,efficientlif,Fig. 1,r,LIF share of total memory,53,0,%,%,resnet19,input=32; share=all,,,,,,", "config",
     "unknown share 'all'"),
    ("f,efficientlif,Fig. 1,r,LIF share of everything,53,0,%,%,resnet19,input=32,,,,,,", "quantity",
     "unknown quantity"),
    ("f,efficientlif,Fig. 1,r,weight memory,5,0,MiB,MB,resnet19,input=0,,,,,,", "config", "not a positive integer"),
])
def test_bad_figure_rows_name_the_cell(line, column, fragment):
    from snncost.reproduce import efficientlif

    row = parse_registry(_registry(line), "tables/efficientlif.csv")[0]
    with pytest.raises(InputFileError) as info:
        efficientlif.compute(row)
    text = str(info.value)
    assert f"tables/efficientlif.csv line 2 (id 'f') column '{column}'" in text and fragment in text


def test_committed_markdown_is_current(rep):
    committed = resources.files("snncost.tables").joinpath("efficientlif.md").read_text(encoding="utf-8")
    assert committed == render(rep, "md"), (
        "tables/efficientlif.md is stale: regenerate it with "
        "`snncost reproduce efficientlif --format md --out tables/efficientlif.md`")


def test_cli_text_and_json(capsys):
    assert main(["reproduce", "efficientlif"]) == 0
    out = capsys.readouterr().out
    last = out.strip().splitlines()[-1]
    # 104 memory figures + 5 hardware figures (3 match; Fig. 9 TinyImageNet and the SATA PE model's 61.6%
    # baseline LIF share mismatches) and 15 hardware info rows
    assert last == ("summary: 109 published figures: 93 match, 12 match-rounded-parent, 0 explained (checked), "
                    "4 mismatch, 0 not modelled; 26 info rows (not published figures)")
    assert main(["reproduce", "efficientlif", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    row = next(r for r in data["rows"] if r["id"] == "t1.resnet19.imagenet100.base.bwd")
    assert row["published"] == "704.4" and row["status"] == "match"
    assert row["computed_exact"] == "5635/8"  # 5 x 49 x 2.875 = 704.375
    # + hw.fig9 TinyImageNet and hw.sec539.baseline.lif_share.power
    assert data["summary"]["mismatch"] == 4 and data["summary"]["published"] == 109
    assert row["pinned"] == "5635/8" and row["explanation"] is None
    assert data["summary"]["not_modelled"] == 0


def test_cli_out_file_and_md(tmp_path, capsys):
    target = tmp_path / "efficientlif.md"
    assert main(["reproduce", "efficientlif", "--format", "md", "--out", str(target)]) == 0
    assert capsys.readouterr().out == ""
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Reproduction: EfficientLIF-Net") and "## Informational rows" in text
    assert "| Fig. 1 " in text and "| Fig. 8 " in text


@pytest.mark.parametrize("argv, fragment", [
    (["reproduce", "nosuchpaper"], "unknown paper 'nosuchpaper'; valid: "),
    (["reproduce", "efficientlif", "--format", "html"], "unknown format 'html'"),
])
def test_cli_errors_are_one_line(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1
    if "PAPER" in err:
        valid = err.strip().rpartition("valid: ")[2].split(", ")
        assert "efficientlif" in valid


# --- the registry format ------------------------------------------------------------
def _registry(*lines: str) -> str:
    """A registry text; lines of 17 cells get the two last columns (explanation, pinned) empty."""
    def full(line: str) -> str:
        return line + ",," if line.count(",") == len(COLUMNS) - 3 else line
    return ",".join(COLUMNS) + "\n" + "\n".join(full(x) for x in lines) + "\n"


BASE = "a,p,Table 1,r,q,1.80,2,MiB,MB,vgg16,input=32,,,,,,"


@pytest.mark.parametrize("line, column", [
    ("b,p,T,r,q,0.90,2,MiB,MB,,,a // 2,,,,,", "parent"),                 # not the grammar
    ("b,p,T,r,q,0.90,2,MiB,MB,,,zz / 2,,,,,", "parent"),                 # unknown id
    ("b,p,T,r,q,0.9,2,MiB,MB,vgg16,,,,,,,", "decimals"),                 # printed 0.9 has 1 decimal
    ("b,p,T,r,q,4.3,1,x,x,,,a / a,,,explained-deviation,,", "reason"),   # explanation without reason
    ("b,p,T,r,q,4.3,1,x,x,,,a / a,floor,,,,", "rounding"),
    ("b,p,T,r,q,1.80,2,MiB,MB,,,,,,,,", "model"),                        # neither model nor parent
    ("b,p,T,r,q,1.80,2,MiB,MB,,,,,,match,,", "expected_status"),         # not modelled, but expected to match
    ("b,p,T,r,q,1.80,2,MiB,MB,,,,,,explained-deviation,why,", "expected_status"),  # not modelled is its own status
    ("b,p,T,r,q,1.80,2,MiB,MB,,,,,,not-modelled,,", "reason"),           # not modelled, no reason
    ("b,p,T,r,q,3.60,2,MiB,MB,,,a + 2 * (a,,,,,", "parent"),              # unclosed parenthesis
    ("b,p,T,r,q,3.60,2,MiB,MB,,,a + 2,,,,,", "parent"),                   # a number added to MiB
    ("b,p,T,r,q,3.60,2,MiB,MB,,,__import__('os'),,,,,", "parent"),       # never evaluated
    ("b,p,T,r,q,3.60,2,MiB,MB,vgg16,,,,,,,,guess: a,", "explanation"),    # unknown kind
    ("b,p,T,r,q,3.60,2,MiB,MB,,,a * 2,,,,,,variant: input=64,", "explanation"),  # a variant needs a model
    ("b,p,T,r,q,3.60,2,MiB,MB,vgg16,,,,,,,,printed: zz * 2,", "explanation"),     # unknown id
    ("b,p,T,r,q,3.60,2,MiB,MB,vgg16,,,,,,,,,1.5", "pinned"),              # not exact
    ("b,p,T,r,q,,,MiB,MB,,,,,,,,", "model"),                             # an info row needs something to compute
    ("b,p,T,r,q,,,MiB,MB,,,,,,explained-deviation,why,", "expected_status"),  # not published
    ("b,p,T,r,q,0.90,2,MB,MB,,,a / 2,,,,,", "unit"),                     # a scaling keeps MiB
    ("b,p,T,r,q,abc,2,MiB,MB,vgg16,,,,,,,", "published"),
    ("b,p,T,r,q,1.80,2,MiB,MB,vgg16,input,,,,,,", "config"),
    ("a,p,T,r,q,1.80,2,MiB,MB,vgg16,,,,,,,", "id"),                      # duplicate id
])
def test_registry_errors_name_the_column(line, column):
    with pytest.raises(InputFileError) as info:
        parse_registry(_registry(BASE, line), "test.csv")
    assert f"column '{column}'" in str(info.value) and "\n" not in str(info.value)


def test_registry_derivation_cycle_is_an_error():
    text = _registry("a,p,T,r,q,1.0,1,MiB,MB,,,b * 2,,,,,", "b,p,T,r,q,1.0,1,MiB,MB,,,a * 2,,,,,")
    with pytest.raises(InputFileError, match="cycle"):
        parse_registry(text, "test.csv")


def test_framework_is_generic():
    """A made-up paper module: compute() returns exact values; derived rows follow."""
    text = _registry("x,demo,T,r,q,0.33,2,MB,MB,m,,,,,,,", "y,demo,T,r,q,0.67,2,MB,MB,,,x * 2,,,,,",
                     "z,demo,T,r,q,0.5,1,MB,MB,m,,,,,explained-deviation,printed as an estimate,")
    paper = SimpleNamespace(compute=lambda row: Fraction(1, 3))
    results = {r.row.id: r for r in judge_rows(parse_registry(text, "demo.csv"), paper)}
    assert results["x"].status == "match"                      # 1/3 -> 0.33
    assert results["y"].status == "match"                      # 2/3 -> 0.67 directly
    # a reason alone explains nothing: it stays as a note of a mismatch
    assert results["z"].status == "mismatch" and "note: printed as an estimate" in results["z"].verdict.detail


def test_not_modelled_row_error_names_file_line_and_column():
    text = _registry(BASE, "b,p,T,r,q,1.80,2,MiB,MB,,,,,,mismatch,,")
    with pytest.raises(InputFileError) as info:
        parse_registry(text, "tables/demo.csv")
    message = str(info.value)
    assert message.startswith("registry tables/demo.csv line 3 (id 'b') column 'expected_status'")
    assert "not-modelled" in message and "\n" not in message


def _not_modelled_demo():
    """A made-up paper: x is computed (1/3), n is a printed figure with no model, c is
    derived by the paper from n's printed value, d is computed and claims n as parent."""
    text = _registry("x,demo,T,r,q,0.33,2,MB,MB,m,,,,,,,",
                     "n,demo,T,prior work,q,0.62,2,MB,MB,,,,,,not-modelled,no layer list,",
                     "c,demo,T,r,q,1.24,2,MB,MB,,,n * 2,,,,,",
                     "d,demo,T,r,q,0.31,2,MB,MB,m,,n / 2,,,,,")
    paper = SimpleNamespace(compute=lambda row: Fraction(1, 3))
    results = judge_rows(parse_registry(text, "demo.csv"), paper)
    from snncost.reproduce.runner import Reproduction
    return Reproduction("demo", "Demo", "demo.csv", tuple(results))


def test_not_modelled_row_has_its_own_status_and_no_value():
    rep = _not_modelled_demo()
    r = {x.row.id: x for x in rep.results}
    n = r["n"]
    assert n.not_modelled and n.status == "not-modelled" and n.computed is None
    assert "no layer list" in n.verdict.detail and not n.verdict.checked
    # a figure derived from a value nobody computed is not modelled either
    assert r["c"].computed is None and r["c"].status == "not-modelled" and "parent n is not modelled" in r["c"].verdict.detail
    # ... and a not-modelled parent can neither vouch nor pass on an explanation:
    # 1/3 -> 0.33, not 0.31, although 0.62 / 2 = 0.31
    assert r["d"].verdict.via_parents_rounded == Decimal("0.31") and r["d"].status == "mismatch"
    assert rep.summary() == ("summary: 4 published figures: 1 match, 0 match-rounded-parent, 0 explained (checked), "
                             "1 mismatch, 2 not modelled; 0 info rows (not published figures)")


def test_not_modelled_row_in_every_format():
    rep = _not_modelled_demo()
    for fmt in ("text", "md"):
        line = next(x for x in render(rep, fmt).splitlines() if "prior work" in x)
        assert "not modelled" in line and "not-modelled" in line and "no layer list" in line
    csv_line = next(x for x in render(rep, "csv").splitlines() if "prior work" in x)
    assert ",0.62,not modelled,,not-modelled," in csv_line and "no layer list" in csv_line
    data = json.loads(render(rep, "json"))
    row = next(x for x in data["rows"] if x["id"] == "n")
    assert row["computed"] is None and row["computed_exact"] is None and row["difference"] is None
    assert row["not_modelled"] is True and row["status"] == "not-modelled" and row["reason"] == "no layer list"
    assert data["summary"]["not_modelled"] == 2 and data["summary"]["not-modelled"] == 2


# --- rounding invariants -------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.fractions(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=4))
def test_printed_rounding_invariants(value, decimals):
    step = Fraction(1, 10**decimals)
    half_up = Fraction(to_printed(value, decimals))
    truncated = Fraction(to_printed(value, decimals, "truncate"))
    assert truncated <= value < truncated + step
    # half-up = floor(value / step + 1/2) x step: a tie (value - rounded = -step/2) goes up
    assert -step / 2 <= value - half_up < step / 2


def test_decimal_text_is_exact_when_it_can_be():
    assert decimal_text(Fraction(2875, 1000)) == "2.8750"          # at least 4 decimals
    assert decimal_text(Fraction(321536 * 4, 2**20)) == "1.2265625"  # all 7, exact
    assert decimal_text(Fraction(753664, 172032)) == "4.380952..."   # 92/21 does not terminate
