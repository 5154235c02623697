"""IM-SNN's models (model_zoo/imsnn.py) and `snncost reproduce imsnn` (Tables III, V, VI,
VII: every memory figure, MINT rows and prior works that are not modelled included).

Counts are derived by hand from the layer lists (comments); published figures are
copied from the paper (seed 003) and the notes' recomputations are re-derived here.
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from fractions import Fraction
from importlib import resources

import pytest

from snncost.analysis import analyze
from snncost.cli import main
from snncost.reproduce import reproduce
from snncost.reproduce.registry import load_registry
from snncost.reproduce.render import render

MB = 8 * 10**6  # decimal megabyte in bits: Tables V-VII

# ---- TET-code ResNet-19 (domain notes sec. 3) --------------------------------------------
R19_CONV = (3 * 64 * 9                                                   # stem
            + 64 * 128 * 9 + 128 * 128 * 9 + 64 * 128 + 4 * 128 * 128 * 9  # layer1 (1x1 shortcut 64->128)
            + 128 * 256 * 9 + 256 * 256 * 9 + 128 * 256 + 4 * 256 * 256 * 9
            + 256 * 512 * 9 + 512 * 512 * 9 + 256 * 512 + 2 * 512 * 512 * 9)
R19_NEURONS = 64 * 32 * 32 + 6 * 128 * 32 * 32 + 6 * 256 * 16 * 16 + 4 * 512 * 8 * 8 + 256
# svgg9 at 48x48: 64, 128 @48; 256, 256 @24; 512, 512 @12; 512, 512 @6
VGG9_NEURONS = 2304 * (64 + 128) + 576 * 512 + 144 * 1024 + 36 * 1024
# ResNet-34 at 224: stem LIF 64x112x112; blocks [3, 4, 6, 3] x 2 LIFs at 56, 28, 14, 7
R34_STEM = 64 * 112 * 112
R34_BLOCKS = 6 * 64 * 56 * 56 + 8 * 128 * 28 * 28 + 12 * 256 * 14 * 14 + 6 * 512 * 7 * 7


def test_hand_counts_match_the_notes():
    assert R19_CONV == 12_486_336 and R19_NEURONS == 1_376_512
    assert VGG9_NEURONS == 921_600
    assert R34_BLOCKS == 2_759_680 and R34_STEM == 802_816


def test_imsnn_resnet19_counts():
    r = analyze("imsnn-resnet19", baseline=False)
    assert r.totals["conv_weight_elements"] == R19_CONV
    assert r.totals["lif_neurons"] == R19_NEURONS
    # Table V: 49.94 MB (truncated 49.945344) and 5.5 MB (5.506048) at 32 bits
    assert Fraction(r.totals["eq15_weight_bits"], MB) == Fraction(49_945_344, 10**6)
    assert Fraction(r.totals["eq15_membrane_bits"], MB) == Fraction(5_506_048, 10**6)


def test_imsnn_vgg9_and_resnet34_and_yolo_counts():
    assert analyze("imsnn-vgg9", baseline=False).totals["lif_neurons"] == VGG9_NEURONS
    r34 = analyze("imsnn-resnet34", baseline=False).totals
    assert r34["lif_neurons"] == R34_STEM + R34_BLOCKS
    # torchvision ResNet-34 parameter count, 1000-class head: 21,797,672 (87.19 MB at 4 B)
    assert r34["params"] == 21_797_672
    # YOLO at 416: conv LIFs 32@416, 64@208, (128,64,128)@104, (256,128,256)@52, (512,256,512,256)@26,
    # (1024,512,1024)@13, plus FC512's LIFs
    yolo = (32 * 416**2 + 64 * 208**2 + 320 * 104**2 + 640 * 52**2 + 1536 * 26**2 + 2560 * 13**2 + 512)
    assert analyze("imsnn-custom-yolov2", baseline=False).totals["lif_neurons"] == yolo == 14_969_856


def test_every_zoo_model_builds_and_cites_its_source():
    from snncost.model_zoo.imsnn import MODELS

    for name, builder in MODELS.items():
        spec = builder()
        assert spec.name == name and "IM-SNN" in spec.source


# ---- the reproduction ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def rep():
    return reproduce("imsnn")


def _not_modelled():
    return [r for r in load_registry("imsnn.csv") if r.model is None and r.parent is None]


def test_reproduce_imsnn_every_row_as_expected(rep):
    assert rep.unexpected == []
    counts = rep.counts()
    assert counts["mismatch"] == 0
    assert len(rep.published) == 118
    # every explained deviation carries its reason
    rows = load_registry("imsnn.csv")
    assert all(r.reason for r in rows if r.expected_status == "explained-deviation" and r.rounding != "truncate")


def test_every_memory_figure_of_the_tables_is_in_the_registry():
    """Tables III (6 figures), V (21 rows x 3 - Spikformer's NA = 62), VI (12 x 3 - 1 NA = 35)
    and VII (3 non-SNN rows x 2 + 3 SNN rows x 3 = 15): 118 figures in tables/imsnn.csv."""
    published = Counter(r.table for r in load_registry("imsnn.csv") if r.published is not None)
    assert published == Counter({"Table III": 6, "Table V": 62, "Table VI": 35, "Table VII": 15})
    # the prior works IM-SNN gives no layer list for (counted from the tables by hand):
    # Table V: DSR (CIFAR-10, CIFAR-100), Dspike 3 figures each, Spikformer 2 (U is NA),
    # this work's Spikformer 3 = 14; Table VI: DSR, Dspike, YOLE, EST, Asynet 3 each,
    # Spikformer 2 = 17; Table VII: 3 non-SNN detectors x 2, VGG+SSD 3 = 9
    assert Counter(r.table for r in _not_modelled()) == Counter({"Table V": 14, "Table VI": 17, "Table VII": 9})


def test_not_modelled_rows_are_explained_deviations_without_a_value(rep):
    ids = {r.id for r in _not_modelled()}
    results = [r for r in rep.results if r.row.id in ids]
    assert len(results) == 40 and all(r.not_modelled for r in results)
    for r in results:
        assert r.status == "explained-deviation" and r.computed is None and r.difference is None
        assert r.row.reason in r.verdict.detail and not r.verdict.checked
    assert "98 explained-deviation (40 not modelled)" in rep.summary()


def test_not_modelled_totals_that_claim_w_plus_2u():
    """Rows whose reason says Total = W + 2 U of the printed columns: recompute it."""
    by_row: dict = {}
    for r in _not_modelled():
        by_row.setdefault(r.row, {})[r.quantity] = r.published_value
    checked = 0
    for r in _not_modelled():
        if r.quantity.startswith("total") and "Total = W + 2 U" in r.reason:
            v = by_row[r.row]
            assert v["weight memory"] + 2 * v["membrane memory"] == v["total memory (Eq. 15)"], r.row
            checked += 1
    assert checked == 8  # DSR x2, Dspike x2, YOLE, EST, Asynet, VGG-11+SSD
    # and the two that say otherwise: DSR VGG-11 89.7 != 70.43 + 2 x 9.7; Spikformer Total = W
    assert by_row["DVS-CIFAR10 / DSR [12] / VGG-11 / 32-bit W, 32-bit U"]["total memory (Eq. 15)"] == Decimal("89.7")
    assert Decimal("70.43") + 2 * Decimal("9.7") == Decimal("89.83")


def test_registry_totals_claimed_as_printed_sums():
    """Modelled Total rows whose reason gives the paper's arithmetic 'W + 2 U = a + b + c = t':
    the sum holds, t is the printed total and a the row's printed weight memory."""
    import re

    rows = {r.id: r for r in load_registry("imsnn.csv")}
    checked = 0
    for r in rows.values():
        m = re.search(r"= ([0-9.]+) \+ ([0-9.]+) \+ ([0-9.]+) = ([0-9.]+)", r.reason)
        if not (r.id.endswith(".T") and r.model is not None and m):
            continue
        a, b, c, t = (Decimal(x) for x in m.groups())
        assert a + b + c == t == Decimal(r.published), r.id
        assert a == Decimal(rows[r.id[:-1] + "W"].published), r.id
        checked += 1
    # ResNet-19 32-bit x 4 (CIFAR-10 tdBN/this work, CIFAR-100 this work/TET), MINT 8-bit,
    # ResNet-34 32-bit x 4, TET VGG, YOLO
    assert checked == 11
    # TET's CIFAR-100 row: its own printed U (5.33) does not give its total
    tet = rows["t5.c100.tet.T"]
    assert Decimal("49.94") + 2 * Decimal(rows["t5.c100.tet.U"].published) != Decimal(tet.published)
    # MINT 4-bit: 6.24 + 0.69 + 8-bit spikes 1.37 = 8.30
    assert Decimal("6.24") + Decimal("0.69") + Decimal("1.37") == Decimal(rows["t5.mint4.T"].published)


def test_table3_conventions_by_hand(rep):
    rep = rep.by_id
    # 1.5-bit ternary: 1,376,512 x 1.5 / 8 B = 258,096 B = 258.096 kB (printed 250 = Table V's 0.25 MB)
    assert rep["t3.r19.c100.ternary"].computed == Fraction(258_096, 1000)
    # masked (halved): 0.75 bit per neuron; printed 125 = 250 / 2
    assert rep["t3.r19.c100.masked"].status == "match-rounded-parent"
    assert rep["t3.r19.c100.masked"].computed == Fraction(129_048, 1000)
    # VGG-9 230 KB is 2-bit storage: 921,600 x 2 / 8 = 230,400 B
    assert rep["t3.vgg9.dvs.ternary.packed"].computed == Fraction(2304, 10)
    assert rep["t3.vgg9.dvs.ternary.packed"].would_be.status == "match"
    assert rep["t3.vgg9.dvs.ternary"].status == "explained-deviation"


def test_mint_rows(rep):
    rep = rep.by_id
    # 8-bit: 12,486,336 B -> truncated 12.48; 4-bit 6.243168 -> 6.24; 2-bit 3.121584 -> 3.12
    assert rep["t5.mint8.W"].computed == Fraction(12_486_336, 10**6)
    assert [rep[f"t5.mint{b}.W"].status for b in (8, 4, 2)] == ["explained-deviation", "match", "match"]
    # 2-bit membrane: 344,128 B = 0.344 MB; the printed 0.35 = round(0.69 / 2)
    assert rep["t5.mint2.U"].status == "match-rounded-parent"
    # 2-bit total with 8-bit spikes: 3,121,584 + 344,128 + 1,376,512 B = 4.842224 MB -> 4.84
    assert rep["t5.mint2.T"].computed == Fraction(4_842_224, 10**6) and rep["t5.mint2.T"].status == "match"


def test_cli_reproduce_imsnn(capsys):
    assert main(["reproduce", "imsnn"]) == 0
    out = capsys.readouterr().out
    assert "0 mismatch" in out and "not as expected" not in out


def test_generated_table_is_fresh(rep):
    """tables/imsnn.md is `snncost reproduce imsnn --format md --out tables/imsnn.md`."""
    stored = resources.files("snncost.tables").joinpath("imsnn.md").read_text(encoding="utf-8")
    assert stored == render(rep, "md"), "tables/imsnn.md is stale: regenerate it with " \
        "snncost reproduce imsnn --format md --out tables/imsnn.md"
