"""``snncost plot``: files are produced, and the plotted values (read back from the
figure's artists, not from pixels) equal the report's."""
from __future__ import annotations

from fractions import Fraction

import pytest

pytest.importorskip("matplotlib")

import snncost  # noqa: E402
from snncost.plot import figure  # noqa: E402

MIB = 8 * 2**20


def bars(ax) -> dict:
    """label -> bar heights, from the axes' bar containers."""
    return {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers}


def test_breakdown_bars_are_the_report_totals():
    fig = figure("resnet19", "breakdown", input=224, unit="MiB")
    ax = fig.axes[0]
    heights = bars(ax)
    assert list(heights) == ["weights", "spikes (all T)", "LIF forward", "LIF backward"]
    # by hand (domain notes sec. 1): 753,664 LIF neurons at 32x32, x 49 at 224x224, 32 bits: 140.875 MiB
    assert heights["LIF forward"][0] == 753_664 * 49 * 32 / MIB == 140.875
    for i, scheme in enumerate(("none", "L", "C2", "L+C2")):
        totals = snncost.analyze("resnet19", input=224, sharing=scheme).totals
        for key, label in (("weight_bits", "weights"), ("spike_bits_all_timesteps", "spikes (all T)"),
                           ("lif_forward_bits", "LIF forward"), ("lif_backward_bits", "LIF backward")):
            assert heights[label][i] == pytest.approx(float(Fraction(totals[key], MIB)), rel=1e-12)
    assert "[MiB]" in ax.get_ylabel() and "T=5" in ax.get_title() and "3x224x224" in ax.get_title()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["none\n(bptt)", "L\n(reverse)", "C2\n(reverse)",
                                                            "L+C2\n(reverse)"]


def test_layer_bars_are_the_report_rows():
    fig = figure("imsnn-vgg9", "layers", sharing="C2", unit="KiB", timesteps=3)
    ax = fig.axes[0]
    report = snncost.analyze("imsnn-vgg9", sharing="C2", timesteps=3)
    rows = [r for r in report.rows if r["weight_bits"] or r["lif_forward_bits"] or r["lif_backward_bits"]]
    assert [t.get_text() for t in ax.get_xticklabels()] == [r["name"] for r in rows]
    heights = bars(ax)
    for key, label in (("weight_bits", "weights"), ("lif_forward_bits", "LIF forward"), ("lif_backward_bits", "LIF backward")):
        assert heights[label] == pytest.approx([float(Fraction(r[key], 8 * 1024)) for r in rows], rel=1e-12)


def test_sweep_lines_are_the_report_totals():
    fig = figure("vgg16", "sweep", input="32,64,96", sharing="none,C4", unit="MB", quantity="lif_backward_bits")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["none", "C4"]
    for line, scheme in zip(ax.lines, ("none", "C4")):
        assert list(line.get_xdata()) == [32, 64, 96]
        expected = [float(Fraction(snncost.analyze("vgg16", input=s, sharing=scheme).totals["lif_backward_bits"], 8 * 10**6))
                    for s in (32, 64, 96)]
        assert list(line.get_ydata()) == pytest.approx(expected, rel=1e-12)
    # by hand (domain notes sec. 1): VGG16 at 32x32 has 473,088 LIF neurons; bptt keeps T = 5 copies of 32 bits
    assert ax.lines[0].get_ydata()[0] == pytest.approx(473_088 * 5 * 32 / 8e6)


def test_palette_is_colour_blind_safe():
    from matplotlib.colors import to_hex

    from snncost.plot import OKABE_ITO

    fig = figure("resnet19", "breakdown", unit="MiB")
    colours = [to_hex(c.patches[0].get_facecolor()).upper() for c in fig.axes[0].containers]
    assert colours == [c.upper() for c in OKABE_ITO[:4]]


@pytest.mark.parametrize("suffix, magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_cli_writes_each_format(tmp_path, suffix, magic):
    from snncost.cli import main

    out = tmp_path / f"fig.{suffix}"
    for kind in ("breakdown", "layers", "sweep"):
        assert main(["plot", "resnet19", "--kind", kind, "--out", str(out), *(["--input", "32,64"] if kind == "sweep" else [])]) == 0
        data = out.read_bytes()
        assert data.startswith(magic) and len(data) > 1000


def test_training_step_bars_are_the_step_totals():
    from snncost import train_memory

    fig = figure("resnet19", "training", sharing="none,L+C2", unit="MiB")
    heights = bars(fig.axes[0])
    assert list(heights) == ["parameters", "gradients", "optimizer state", "saved for backward", "transient"]
    # by hand: fp32 parameters, 4 bytes each, for the params snncost.analyze counts
    params = snncost.analyze("resnet19").totals["params"]
    assert heights["parameters"] == [pytest.approx(params * 4 * 8 / MIB, rel=1e-12)] * 2
    for i, scheme in enumerate(("none", "L+C2")):
        step = train_memory("resnet19", sharing=scheme)
        stacked = 0
        for key, label in (("parameter_bytes", "parameters"), ("gradient_bytes", "gradients"),
                           ("optimizer_bytes", "optimizer state"), ("saved_bytes", "saved for backward"),
                           ("transient_bytes", "transient")):
            assert heights[label][i] == pytest.approx(float(Fraction(step.totals[key] * 8, MIB)), rel=1e-12)
            stacked += heights[label][i]
        assert stacked == pytest.approx(float(Fraction(step.totals["peak_bytes"] * 8, MIB)), rel=1e-12)


def test_energy_bars_are_the_report_breakdown():
    fig = figure("resnet19", "energy", rates=0.15)
    heights = bars(fig.axes[0])
    energy = snncost.analyze("resnet19", rates=0.15, baseline=False).energy
    for component, pj in energy.breakdown.items():
        assert heights[component] == [pytest.approx(float(Fraction(pj) / 10**6), rel=1e-12)]
    assert heights["ANN (MACs)"] == [pytest.approx(float(Fraction(energy.ann_pj) / 10**6), rel=1e-12)]
    assert sum(h[0] for k, h in heights.items() if k != "ANN (MACs)") == pytest.approx(float(energy.total_pj / 10**6))
    assert "[uJ]" in fig.axes[0].get_ylabel()
