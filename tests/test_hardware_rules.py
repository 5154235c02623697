"""Each kind's ``hardware`` rule (snncost.hw) by hand: Timeloop's CNN-layer dimensions of
a layer mapped onto the PEs (R, S kernel width and height; P, Q output width and height;
C input channels per group; M output channels; strides, dilations, input positions), and
the ``extra_ops`` bias rule.  Shapes are batch-free, channels first."""
from __future__ import annotations

from snncost.kinds import get_kind, output_shape
from snncost.spec import spec_from_dict


def _node(**fields):
    return spec_from_dict({"name": "h", "input": {"shape": [1]}, "nodes": [{"name": "n", **fields}]}).nodes[0]


def _problem(node, in_shape):
    out = output_shape(node, [in_shape])
    return out, get_kind(node.op).rules["hardware"](node, [in_shape], out)


def test_conv2d_dimensions_by_hand():
    # input (4, 10, 12), 6 outputs, kernel 3 x 5, stride 2 x 1, dilation 1 x 2, padding 1 x 2, 2 groups:
    # out H = floor((10 + 2 - 1 x 2 - 1) / 2) + 1 = 5, W = floor((12 + 4 - 2 x 4 - 1) / 1) + 1 = 8
    node = _node(op="conv2d", out_channels=6, kernel=[3, 5], stride=[2, 1], dilation=[1, 2], padding=[1, 2], groups=2)
    out, rule = _problem(node, (4, 10, 12))
    assert out == (6, 5, 8)
    assert rule == {"role": "compute", "problem": {
        "C": 2, "M": 6, "R": 5, "S": 3, "P": 8, "Q": 5, "Wstride": 1, "Hstride": 2, "Wdilation": 2, "Hdilation": 1,
        "input_positions": 120}}


def test_conv1d_dimensions_by_hand():
    # input (3, 20), 4 outputs, kernel 5, stride 3, dilation 2, padding 1: L = floor((20 + 2 - 8 - 1) / 3) + 1 = 5;
    # a 1-D conv is a 2-D one of height 1 (S = Q = 1, unit height stride and dilation)
    node = _node(op="conv1d", out_channels=4, kernel=5, stride=3, dilation=2, padding=1)
    out, rule = _problem(node, (3, 20))
    assert out == (4, 5)
    assert rule == {"role": "compute", "problem": {
        "C": 3, "M": 4, "R": 5, "S": 1, "P": 5, "Q": 1, "Wstride": 3, "Hstride": 1, "Wdilation": 2, "Hdilation": 1,
        "input_positions": 20}}


def test_linear_on_tokens_is_a_1x1_conv_over_the_rows():
    # a (C, L) = (7, 3) input: the linear maps the last dimension (3 -> 2) for each of the
    # 7 rows: 7 output positions, C = 3 features in, M = 2 out, 1 x 1 kernel, unit strides and dilations
    node = _node(op="linear", out_features=2)
    out, rule = _problem(node, (7, 3))
    assert out == (7, 2)
    assert rule == {"role": "compute", "problem": {
        "C": 3, "M": 2, "R": 1, "S": 1, "P": 7, "Q": 1, "Wstride": 1, "Hstride": 1, "Wdilation": 1, "Hdilation": 1,
        "input_positions": 7}}
    out, rule = _problem(node, (4, 7, 3))  # a (C, H, W) input: 4 x 7 rows
    assert rule["problem"]["P"] == 28 and rule["problem"]["input_positions"] == 28


def test_fused_kinds_are_passthrough():
    for fields, shape in (({"op": "flatten"}, (2, 3, 3)), ({"op": "maxpool2d", "kernel": 2}, (2, 4, 4)),
                          ({"op": "dropout", "p": 0.1}, (5,))):
        node = _node(**fields)
        assert get_kind(node.op).rules["hardware"](node, [shape], output_shape(node, [shape])) == {"role": "passthrough"}


def test_bias_ops_one_add_per_output_element():
    extra = get_kind("conv2d").rules["extra_ops"]
    assert extra[0] == "bias"
    with_bias = _node(op="conv2d", out_channels=3, kernel=1, bias=True)
    without = _node(op="conv2d", out_channels=3, kernel=1, bias=False)
    assert extra[1](with_bias, [(2, 4, 5)], (3, 4, 5)) == 60 and extra[1](without, [(2, 4, 5)], (3, 4, 5)) == 0
