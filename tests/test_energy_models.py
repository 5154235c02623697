"""The five energy models (snncost.energy) on a network small enough to price by hand:
every component, every per-layer energy, the ANN energy, the labels and assumptions,
and the types (whole pJ as ints, the rest exact Fractions).

The network (T = 2, one sample): conv1 1 -> 2 channels, 3x3, padding 1, on a 1x4x4
analog input; lif1 (32 neurons); flatten; fc 32 -> 3 without bias; lif2 (3 neurons).
By hand:
- conv1: 2 x 4 x 4 outputs x 9 taps = 288 dense MACs; analog-fed, so 288 x T = 576
  MACs executed (288 once under ``mlif``); 18 weights = 576 bits at 32 bits.
- lif1: 32 x T = 64 updates, 4 ops each (NeuroBench leaky) = 256 neuron ops.
- fc: 32 x 3 = 96 dense MACs, fed by lif1's spikes: ACs = r x T x 96; 96 weights =
  3,072 bits.
- lif2: 3 x T = 6 updates, 24 neuron ops.
With r(lif1) = 1/4, r(lif2) = 1/2 per timestep: fc's ACs = 1/4 x 2 x 96 = 48.
"""
from __future__ import annotations

from fractions import Fraction

import pytest

import snncost
from snncost.energy import EnergyResult, register_table, sram_access_pj, unregister_table
from snncost.spec import spec_from_dict

NODES = [{"name": "conv1", "op": "conv2d", "out_channels": 2, "kernel": 3, "padding": 1, "bias": False},
         {"name": "lif1", "op": "lif"},
         {"name": "flat", "op": "flatten"},
         {"name": "fc", "op": "linear", "out_features": 3, "bias": False},
         {"name": "lif2", "op": "lif"}]
SPEC = spec_from_dict({"name": "tiny", "input": {"shape": [1, 4, 4]}, "timesteps": 2, "nodes": NODES})
RATES = {"lif1": Fraction(1, 4), "lif2": Fraction(1, 2)}
D = Fraction  # exact decimals: D("4.6")

HOROWITZ = ('technology table horowitz45: M. Horowitz, "Computing\'s energy problem (and what we can do about it)", '
            "ISSCC 2014, Fig. 1.1.9 (45 nm, 0.9 V); memory figures are per 64-bit access. The SNN papers' MAC = "
            "FP32 mult 3.7 + FP32 add 0.9 = 4.6 pJ and AC = FP32 add 0.9 pJ.")
COMPUTE = ("compute: E_MAC x MACs executed + E_AC x ACs + E_op x neuron ops + E_exp x exponent adds, priced by "
           "the table")
PAPER = "constants fixed by the paper (MAC 4.6 pJ, AC/SOP 0.9 pJ); neuron updates not counted"


def _run(model=None, spec=SPEC, rates=None, **options):
    report = snncost.analyze(spec, rates=RATES if rates is None else rates, energy_model=model, baseline=False,
                             **options)
    return report, {row["name"]: row["energy_pj"] for row in report.rows}


def _check_types(result: EnergyResult, per_layer: dict):
    """Whole pJ values are ints, the rest exact non-whole Fractions (never floats)."""
    for value in [result.total_pj, result.ann_pj, *result.breakdown.values(), *per_layer.values()]:
        assert type(value) is int or (type(value) is Fraction and value.denominator != 1), value


@pytest.fixture
def mine():
    """A table with four different prices, so that no role can stand in for another."""
    table = register_table({"name": "mine-energy-models", "source": " my lab,\n 2026 ", "unit": "pJ",
                            "ops": {"m": "2", "a": "0.5", "n": "0.25", "e": "0.125"},
                            "roles": {"mac": "m", "ac": ["a"], "neuron_op": ["n"], "exponent_add": ["e"]}})
    yield table
    unregister_table(table.name)


def test_compute_model_prices_every_role(mine):
    # mac 2 x 576 = 1152; ac 0.5 x 48 = 24; neuron 0.25 x (256 + 24) = 70; no exponent adds
    report, rows = _run(tech=mine.name)
    energy = report.energy
    assert energy.model == "compute" and energy.table == "mine-energy-models"
    assert list(energy.breakdown.items()) == [("mac", 1152), ("ac", 24), ("neuron", 70), ("exponent_add", 0)]
    assert energy.total_pj == 1246 and report.totals["energy_pj"] == 1246
    # per layer: conv1 1152, lif1 0.25 x 256 = 64, flatten 0, fc 24, lif2 0.25 x 24 = 6
    assert rows == {"conv1": 1152, "lif1": 64, "flat": 0, "fc": 24, "lif2": 6}
    # the ANN: (288 + 96) dense MACs at E_MAC = 2 pJ
    assert energy.ann_pj == 768 and report.totals["ann_energy_pj"] == 768
    assert energy.gain == Fraction(768, 1246) and type(energy.gain) is Fraction   # not the float 768 / 1246
    assert energy.assumptions == (COMPUTE, "technology table mine-energy-models: my lab, 2026")
    _check_types(energy, rows)
    assert type(report.totals["energy_pj"]) is int and type(report.totals["ann_energy_pj"]) is int


def test_compute_model_prices_exponent_adds_of_multilevel_spikes(mine):
    """lif1 as a 2-lane multi-level LIF: each of fc's 48 ACs also costs one exponent add."""
    spec = spec_from_dict({"name": "tiny-mlif", "input": {"shape": [1, 4, 4]}, "timesteps": 2,
                           "nodes": [NODES[0], {"name": "lif1", "op": "mlif", "lanes": 2}, *NODES[2:]]})
    report, rows = _run(spec=spec, tech=mine.name)
    # exponent_add 0.125 x 48 = 6; fc: 24 + 6 = 30
    assert list(report.energy.breakdown.items()) == [("mac", 1152), ("ac", 24), ("neuron", 70), ("exponent_add", 6)]
    assert report.energy.total_pj == 1252 and rows["fc"] == 30
    # Horowitz 45 nm (the default table): exponent add = int add 8 bit = 0.03 pJ
    report, rows = _run(spec=spec)
    # mac 4.6 x 576 = 2649.6; ac 0.9 x 48 = 43.2; neuron 0.9 x 280 = 252; exponent 0.03 x 48 = 1.44
    assert report.energy.breakdown == {"mac": D("2649.6"), "ac": D("43.2"), "neuron": 252, "exponent_add": D("1.44")}
    assert report.energy.total_pj == D("2946.24") and report.energy.table == "horowitz45"
    assert report.energy.ann_pj == D("4.6") * 384
    assert report.energy.assumptions == (COMPUTE, HOROWITZ)
    _check_types(report.energy, rows)


def test_yao2023_adds_and_mults():
    """Seed 002 Table 2: #Add = ACs + MACs executed at 0.9 pJ, #Mult = MACs executed at 4.6 pJ;
    the ANN adds and multiplies every dense MAC: 5.5 pJ each.  No table is used."""
    for tech in (None, "sata"):
        report, rows = _run("yao2023", tech=tech)
        energy = report.energy
        # add 0.9 x (48 + 576) = 561.6; mult 4.6 x 576 = 2649.6
        assert list(energy.breakdown.items()) == [("add", D("561.6")), ("mult", D("2649.6"))]
        assert energy.total_pj == D("3211.2") and energy.table == "seed 002 Table 2"
        # conv1 5.5 x 576 = 3168; neurons cost nothing; fc 0.9 x 48 = 43.2
        assert rows == {"conv1": 3168, "lif1": 0, "flat": 0, "fc": D("43.2"), "lif2": 0}
        assert energy.ann_pj == 2112 and type(energy.ann_pj) is int   # 5.5 x 384
        assert energy.assumptions == (
            "yao2023: seed 002 Table 2: 0.9 pJ x #Add + 4.6 pJ x #Mult; #Add = ACs + MACs executed, "
            "#Mult = MACs executed",
            "constants fixed by the paper (0.9 / 4.6 pJ); the technology table is not used")
        _check_types(energy, rows)


def test_spikformer_and_mlif_constants():
    report, rows = _run("spikformer", tech="spikingjelly-int8")   # the table does not count
    energy = report.energy
    # mac 4.6 x 576 (analog-fed conv1, T times) = 2649.6; ac 0.9 x 48 = 43.2
    assert list(energy.breakdown.items()) == [("mac", D("2649.6")), ("ac", D("43.2"))]
    assert energy.total_pj == D("2692.8") and energy.table == "Horowitz 45 nm as the paper"
    assert rows == {"conv1": D("2649.6"), "lif1": 0, "flat": 0, "fc": D("43.2"), "lif2": 0}
    assert energy.ann_pj == D("4.6") * 384
    assert energy.assumptions == ("spikformer: Spikformer App. C.2: 4.6 pJ x analog-fed MACs (T times) + 0.9 pJ x "
                                  "SOPs (sums of spikes are SOPs)", PAPER)
    _check_types(energy, rows)
    report, rows = _run("mlif")
    energy = report.energy
    # conv1 once: 4.6 x 288 = 1324.8; + 43.2 = 1368
    assert list(energy.breakdown.items()) == [("mac", D("1324.8")), ("ac", D("43.2"))]
    assert energy.total_pj == 1368 and type(energy.total_pj) is int
    assert energy.table == "Horowitz 45 nm as the paper"
    assert energy.ann_pj == D("1766.4") and energy.gain == D("1766.4") / 1368
    assert energy.assumptions == ("mlif: seed 004: 4.6 pJ x first-layer MACs (once) + 0.9 pJ x sum of r_l MAC_l "
                                  "(r_l summed over timesteps)", PAPER)
    _check_types(energy, rows)


def _lemaire(bits) -> Fraction:
    """Lemaire et al. 2022's SRAM fit, written out: 1.09e-5 pJ per bit of the memory + 13.2 pJ."""
    return Fraction(109, 10**7) * bits + Fraction(132, 10)


def test_sram_access_fit():
    assert sram_access_pj(0) == D("13.2")
    assert sram_access_pj(10**6) == D("10.9") + D("13.2")
    assert sram_access_pj(Fraction(1, 2)) == D("0.00000545") + D("13.2")
    assert type(sram_access_pj(64)) is Fraction


@pytest.mark.parametrize("options, membrane, spike, batch", [
    ({}, 32, 1, 1),
    ({"membrane_bits": 16, "spike_bits": 2, "batch": 3}, 16, 2, 3),
])
def test_memory_model_accesses(options, membrane, spike, batch):
    """Compute as ``compute`` (Horowitz), plus, each access priced by the fit of the memory
    it lives in:
    - weight reads: conv1 576 executed MACs from its 18 x 32-bit weights, fc 48 ACs from
      its 96 x 32-bit weights;
    - membrane: a read and a write per update, in the LIF site's buffer of neurons x
      membrane bits x batch: lif1 2 x 64 in 32 x b_u x B bits, lif2 2 x 6 in 3 x b_u x B;
    - spikes: fc reads r x T x 32 = 16 spikes from lif1's 32 x b_s bit map; lif1 writes
      1/4 x 64 = 16 spikes into it, lif2 1/2 x 6 = 3 spikes into its 3 x b_s bits."""
    report, rows = _run("memory", **options)
    energy = report.energy
    weights = 576 * _lemaire(18 * 32) + 48 * _lemaire(96 * 32)
    membrane_part = 2 * 64 * _lemaire(32 * membrane * batch) + 2 * 6 * _lemaire(3 * membrane * batch)
    spikes = 16 * _lemaire(32 * spike) + 16 * _lemaire(32 * spike) + 3 * _lemaire(3 * spike)
    assert energy.breakdown == {"mac": D("2649.6"), "ac": D("43.2"), "neuron": 252, "exponent_add": 0,
                                "weight_reads": weights, "membrane_reads_writes": membrane_part,
                                "spike_reads_writes": spikes}
    assert list(energy.breakdown) == ["mac", "ac", "neuron", "exponent_add", "weight_reads",
                                      "membrane_reads_writes", "spike_reads_writes"]
    assert energy.total_pj == D("2649.6") + D("43.2") + 252 + weights + membrane_part + spikes
    assert rows["conv1"] == D("2649.6") + 576 * _lemaire(576)
    assert rows["lif1"] == D("230.4") + 2 * 64 * _lemaire(32 * membrane * batch) + 16 * _lemaire(32 * spike)
    assert rows["fc"] == D("43.2") + 48 * _lemaire(3072) + 16 * _lemaire(32 * spike)
    assert rows["lif2"] == D("21.6") + 2 * 6 * _lemaire(3 * membrane * batch) + 3 * _lemaire(3 * spike)
    assert rows["flat"] == 0 and type(rows["flat"]) is int
    assert sum(rows.values()) == energy.total_pj == report.totals["energy_pj"]
    assert energy.assumptions == (
        "memory: compute + memory accesses (Lemaire et al. 2022): weight reads, membrane reads/writes, spike "
        "reads/writes, each priced 1.09e-5 pJ x (memory bits) + 13.2 pJ",
        "per-access energy 1.09e-5 pJ x (size of the memory in bits) + 13.2 pJ (Lemaire et al. 2022 SRAM fit), "
        "per layer: weights, membrane buffer, spike map", HOROWITZ)
    _check_types(energy, rows)


def test_memory_model_shared_buffer_size():
    """Two same-shape LIF sites: under L they share lif1's buffer (32 x 32 bits), under C2
    each buffer holds half the channels (16 x 32 bits); membrane accesses are priced at
    the buffer's size, the updates stay 2 x 64 per site."""
    spec = spec_from_dict({"name": "tiny2", "input": {"shape": [1, 4, 4]}, "timesteps": 2, "nodes": [
        NODES[0], NODES[1],
        {"name": "conv2", "op": "conv2d", "out_channels": 2, "kernel": 3, "padding": 1, "bias": False},
        {"name": "lif2", "op": "lif"}]})
    for sharing, size in (("none", 1024), ("L", 1024), ("C2", 512), ("L+C2", 512)):
        report, _ = _run("memory", spec=spec, rates=Fraction(1, 4), sharing=sharing)
        assert report.energy.breakdown["membrane_reads_writes"] == 2 * (2 * 64 * _lemaire(size)), sharing


def test_memory_model_weightless_products():
    """A product of two spike tensors (matmul) executes ACs but reads no weights."""
    spec = spec_from_dict({"name": "attn", "input": {"shape": [2, 4, 3]}, "timesteps": 1, "nodes": [
        {"name": "q", "op": "lif", "inputs": ["input"]},
        {"name": "k", "op": "lif", "inputs": ["input"]},
        {"name": "qk", "op": "matmul", "inputs": ["q", "k"], "transpose_b": True}]})
    report = snncost.analyze(spec, rates=Fraction(1, 2), energy_model="memory", baseline=False)
    rows = {row["name"]: row for row in report.rows}
    # q (2 x 4 x 3) times k transposed (2 x 3 x 4): 2 x 4 x 4 x 3 = 96 MACs; both operands spike at
    # 1/2: min(1/2, 1/2) x T x 96 = 48 ACs
    assert rows["qk"]["macs"] == 96 and rows["qk"]["acs"] == 48
    assert report.energy.breakdown["weight_reads"] == 0


def test_no_energy_no_gain():
    """Event input at rate 0: no AC, no MAC; yao2023 does not price neuron updates: 0 pJ,
    and the gain over the ANN is undefined (None), in JSON too."""
    report, rows = _run("yao2023", rates=0, input_spikes=True)
    assert report.energy.total_pj == 0 and type(report.energy.total_pj) is int
    assert report.energy.gain is None
    assert report.energy.breakdown == {"add": 0, "mult": 0}
    data = report.energy.as_dict()
    assert data["gain_over_ann"] is None and data["energy_pj"] == 0
    assert data["ann_energy_pj"] == 2112   # 5.5 x 384 dense MACs


def test_as_dict(mine):
    report, _ = _run(tech=mine.name)
    assert report.energy.as_dict() == {
        "model": "compute", "table": "mine-energy-models", "energy_pj": 1246,
        "breakdown_pj": {"mac": 1152, "ac": 24, "neuron": 70, "exponent_add": 0},
        "ann_energy_pj": 768, "gain_over_ann": 768 / 1246,
        "assumptions": [COMPUTE, "technology table mine-energy-models: my lab, 2026"]}
    report, _ = _run("spikformer")
    data = report.energy.as_dict()
    assert data["energy_pj"] == 2692.8 and data["breakdown_pj"] == {"mac": 2649.6, "ac": 43.2}
    assert data["ann_energy_pj"] == 1766.4 and data["gain_over_ann"] == 1766.4 / 2692.8
