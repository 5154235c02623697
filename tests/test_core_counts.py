"""Hand-derived shapes, parameter and neuron counts for small specs and the zoo."""
from fractions import Fraction

import pytest

import snncost
from snncost.analysis import analyze
from snncost.spec import SpecBuilder, spec_from_dict

TINY = {
    "name": "tiny",
    "input": {"shape": [3, 32, 32]},
    "timesteps": 5,
    "nodes": [
        {"name": "conv1", "op": "conv2d", "out_channels": 16, "kernel": 3, "padding": 1},
        {"name": "lif1", "op": "lif", "reset": "soft"},
        {"name": "pool", "op": "avgpool2d", "kernel": 2},
        {"name": "flat", "op": "flatten"},
        {"name": "fc", "op": "linear", "out_features": 10, "inputs": ["flat"]},
    ],
}


def test_tiny_spec_by_hand():
    report = analyze(spec_from_dict(TINY))
    rows = {r["name"]: r for r in report.rows}
    # conv1: 16 x 3 x 3 x 3 weights + 16 biases (PyTorch default bias) = 448
    assert rows["conv1"]["params"] == 448
    assert rows["conv1"]["output_shape"] == [16, 32, 32]
    # lif1: 16 x 32 x 32 = 16384 neurons
    assert rows["lif1"]["lif_neurons"] == 16384
    # pool 2x2 stride 2: 16 x 16 x 16; flatten: 4096; fc: 4096 x 10 + 10
    assert rows["pool"]["output_shape"] == [16, 16, 16]
    assert rows["flat"]["output_shape"] == [4096]
    assert rows["fc"]["params"] == 40970
    t = report.totals
    assert t["params"] == 448 + 40970
    # forward: 16384 neurons x 32 bit; backward bptt: x T = 5
    assert t["lif_forward_bits"] == 16384 * 32
    assert t["lif_backward_bits"] == 5 * 16384 * 32
    assert t["weight_bits"] == (448 + 40970) * 32
    assert t["spike_bits_per_timestep"] == 16384
    assert t["spike_bits_all_timesteps"] == 5 * 16384


@pytest.mark.parametrize("size,kernel,stride,padding,dilation,expected", [
    (32, 3, 1, 1, 1, 32),   # same-size 3x3
    (32, 3, 2, 1, 1, 16),   # floor((32 + 2 - 2 - 1) / 2) + 1 = 15 + 1
    (7, 3, 2, 0, 1, 3),     # floor((7 - 2 - 1) / 2) + 1 = 3
    (10, 3, 1, 0, 2, 6),    # dilation 2: effective kernel 5 -> 10 - 5 + 1
    (5, 5, 1, 0, 1, 1),     # kernel equals input
    (224, 7, 2, 3, 1, 112), # ResNet stem
])
def test_conv_output_size_pytorch_rule(size, kernel, stride, padding, dilation, expected):
    b = SpecBuilder("c", (1, size, size))
    b.conv2d("c", 4, kernel, stride=stride, padding=padding, dilation=dilation)
    report = analyze(b.build())
    assert report.rows[0]["output_shape"] == [4, expected, expected]


def test_non_square_kernel_stride_padding_and_groups():
    b = SpecBuilder("ns", (8, 20, 30))
    b.conv2d("c", 16, [3, 5], stride=[1, 2], padding=[1, 0], groups=4)
    report = analyze(b.build())
    # H: (20 + 2 - 2 - 1) // 1 + 1 = 20; W: (30 - 4 - 1) // 2 + 1 = 13
    assert report.rows[0]["output_shape"] == [16, 20, 13]
    # grouped weights: 16 x (8 / 4) x 3 x 5 = 480 (bias off in the builder)
    assert report.rows[0]["params"] == 480


def test_same_padding_conv1d_and_linear_on_sequences():
    b = SpecBuilder("seq", (6, 100))
    b.conv1d("c1", 128, 5, padding="same")
    b.lif("l1")
    b.conv1d("c2", 128, 3, stride=2)
    b.linear("fc", 7)
    report = analyze(b.build())
    rows = {r["name"]: r for r in report.rows}
    assert rows["c1"]["output_shape"] == [128, 100]
    assert rows["c1"]["params"] == 128 * 6 * 5
    assert rows["c2"]["output_shape"] == [128, 49]  # (100 - 2 - 1) // 2 + 1
    assert rows["fc"]["output_shape"] == [128, 7]   # linear acts on the last dimension
    assert rows["fc"]["params"] == 49 * 7 + 7


def test_residual_concat_batchnorm_cubalif():
    b = SpecBuilder("res", (4, 8, 8))
    b.conv2d("a", 8, 3, padding=1)
    b.batchnorm("bn")
    b.conv2d("short", 8, 1, inputs="input")
    b.residual_add("add", ["bn", "short"])
    b.add("cat", "concat", ["add", "a"])
    b.lif("n", op="cubalif")
    report = analyze(b.build())
    rows = {r["name"]: r for r in report.rows}
    assert rows["cat"]["output_shape"] == [16, 8, 8]
    assert rows["bn"]["params"] == 16 and rows["bn"]["buffers"] == 16  # gamma, beta; mean, var
    # cubalif: two state variables (v, i): 16 x 8 x 8 x 2 x 32 bits
    assert report.totals["lif_forward_bits"] == 16 * 64 * 2 * 32


def test_resnet19_counts_from_the_paper():
    report = analyze("resnet19")
    t = report.totals
    # stem 128*32*32 + 6 x 256*16*16 + 6 x 512*8*8 + 4 x 512*4*4 (domain notes: 753,664)
    assert t["lif_neurons"] == 128 * 1024 + 6 * 256 * 256 + 6 * 512 * 64 + 4 * 512 * 16 == 753_664
    assert t["lif_sites"] == 17
    # 753,664 x 32 bit / 8 / 2^20 = 2.875 MiB exactly (Table 1 prints 2.88)
    assert Fraction(t["lif_forward_bits"], 8 * 2**20) == Fraction(23, 8)


def test_resnet19_parameters_by_hand():
    report = analyze("resnet19")
    conv = 3 * 128 * 9
    conv += (128 * 256 * 9 + 256 * 256 * 9 + 128 * 256) + 2 * (2 * 256 * 256 * 9)   # stage 1
    conv += (256 * 512 * 9 + 512 * 512 * 9 + 256 * 512) + 2 * (2 * 512 * 512 * 9)   # stage 2
    conv += (512 * 512 * 9 + 512 * 512 * 9 + 512 * 512) + 1 * (2 * 512 * 512 * 9)   # stage 3
    bn = 2 * (128 + 2 * 3 * 256 + 256 + 2 * 3 * 512 + 512 + 2 * 2 * 512 + 512)      # incl. shortcut BNs
    fc = 512 * 10 + 10
    assert report.totals["params"] == conv + bn + fc


def test_vgg16_counts_from_the_paper():
    t = analyze("vgg16").totals
    # 2 x 128*32*32 + 2 x 256*16*16 + 3 x 256*8*8 + 3 x 512*4*4 + 3 x 512*2*2
    assert t["lif_neurons"] == 2 * 131072 + 2 * 65536 + 3 * 16384 + 3 * 8192 + 3 * 2048 == 473_088


def test_static_marks_and_zoo_listing():
    spec = snncost.zoo.load("resnet19")
    assert [n.name for n in spec.order if n.static] == ["stem.conv", "stem.bn"]
    assert {"resnet19", "vgg16", "vgg16-sharing-code", "resnet19-baseline-code"} <= set(snncost.zoo.names())
    assert "EfficientLIF-Net" in spec.source and "resnet_snn_layershare.py" in spec.source


def test_zoo_options_change_the_input_channels_not_the_lif_memory():
    two = analyze(snncost.zoo.load("resnet19", in_channels=2))
    three = analyze("resnet19")
    assert two.totals["lif_forward_bits"] == three.totals["lif_forward_bits"]
    assert three.totals["params"] - two.totals["params"] == 128 * 9  # one input channel of the stem
