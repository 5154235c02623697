"""Timeloop / Sparseloop problem files (Parashar et al., ISPASS 2019; timeloop.csail.mit.edu),
one per conv or linear layer, as plain YAML.

The CNN-layer problem of Timeloop: dimensions R, S (kernel width, height), P, Q
(output width, height), C (input channels), M (output channels), N (batch), with
Wstride/Hstride and Wdilation/Hdilation; input width = (P - 1) Wstride + (R - 1)
Wdilation + 1, so padding is implicit.  For an SNN layer N = batch x timesteps (a
static layer kept under ``static_layers = store``: batch), and the input density (Sparseloop's ``densities``) is the
layer's input spike rate (1 for an analog input).  A grouped conv gives C per group
(Timeloop's CNN layer has no group dimension; C x M x R x S x N x P x Q still equals
the layer's dense MACs x N); conv1d has S = Q = 1; a linear layer is a 1x1 conv
with C = in, M = out, P = rows.
"""
from __future__ import annotations

from fractions import Fraction
from math import prod

DIMENSIONS = ("C", "M", "R", "S", "N", "P", "Q")


def shape() -> dict:
    """Timeloop's CNN-layer problem shape (dimensions, coefficients, data spaces)."""
    return {
        "name": "CNN-Layer",
        "dimensions": list(DIMENSIONS),
        "coefficients": [{"name": n, "default": 1} for n in ("Wstride", "Hstride", "Wdilation", "Hdilation")],
        "data-spaces": [
            {"name": "Weights", "projection": [[["C"]], [["M"]], [["R"]], [["S"]]]},
            {"name": "Inputs", "projection": [[["N"]], [["C"]], [["R", "Wdilation"], ["P", "Wstride"]],
                                               [["S", "Hdilation"], ["Q", "Hstride"]]]},
            {"name": "Outputs", "projection": [[["N"]], [["M"]], [["Q"]], [["P"]]], "read-write": True},
        ],
    }


def instance(node, in_shape, out_shape, n: int, density) -> dict:
    """The problem instance of one conv/linear node."""
    if node.op == "linear":
        rows = prod(in_shape[:-1]) if len(in_shape) > 1 else 1
        dims = {"C": in_shape[-1], "M": node.out_features, "R": 1, "S": 1, "N": n, "P": rows, "Q": 1}
        coeff = {"Wstride": 1, "Hstride": 1, "Wdilation": 1, "Hdilation": 1}
    else:
        from .ops_provisional import conv_geometry

        g = conv_geometry(node, in_shape, out_shape)
        k, s, d, o = g["kernel"], g["stride"], g["dilation"], g["out_size"]
        two = len(k) == 2  # (height, width) order in snncost shapes
        dims = {"C": g["in_channels"] // g["groups"], "M": g["out_channels"],
                "R": k[-1], "S": k[0] if two else 1, "N": n, "P": o[-1], "Q": o[0] if two else 1}
        coeff = {"Wstride": s[-1], "Hstride": s[0] if two else 1,
                 "Wdilation": d[-1], "Hdilation": d[0] if two else 1}
    density = Fraction(density)
    inst = {**dims, **coeff}
    inst["densities"] = {"Inputs": {"density": int(density) if density.denominator == 1 else float(density),
                                    "distribution": "fixed-structured"}}
    return inst


def problems(report) -> dict:
    """Layer name -> Timeloop problem document."""
    B, T = report.config.batch, report.config.timesteps
    out = {}
    by_name = {x["name"]: x for x in report.layers}
    for node in report.spec.order:
        x = by_name[node.name]
        if not x["dense_macs"]:
            continue
        shapes = report.shapes[node.name]
        n = B * report.accelerator.steps(node, T)
        out[node.name] = {"problem": {"version": "0.4", "shape": shape(),
                                      "instance": instance(node, shapes["inputs"][0], shapes["output"], n,
                                                           x["input_density"])}}
    return out
