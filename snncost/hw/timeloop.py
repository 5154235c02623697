"""Timeloop / Sparseloop problem files (Parashar et al., ISPASS 2019; timeloop.csail.mit.edu),
one per conv or linear layer, as plain YAML.

The CNN-layer problem of Timeloop: dimensions R, S (kernel width, height), P, Q
(output width, height), C (input channels), M (output channels), N (batch), with
Wstride/Hstride and Wdilation/Hdilation; input width = (P - 1) Wstride + (R - 1)
Wdilation + 1, so padding is implicit.  For an SNN layer N = batch x timesteps (a
static layer kept under ``static_layers = store``: batch), and the input density
(Sparseloop's ``densities``) is the layer's input spike rate (1 for an analog input).
The dimensions come from each node kind's ``hardware`` rule.  A grouped conv gives C per group
(Timeloop's CNN layer has no group dimension; C x M x R x S x N x P x Q still equals
the layer's dense MACs x N); conv1d has S = Q = 1; a linear layer is a 1x1 conv
with C = in, M = out, P = rows.
"""
from __future__ import annotations

from fractions import Fraction

from ..report import json_number

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


def instance(problem: dict, n: int, density) -> dict:
    """The problem instance of one layer: its kind's ``hardware`` dimensions
    (:mod:`snncost.kinds.registry`), N and the input density."""
    density = Fraction(density)
    inst = {**{k: problem[k] for k in ("C", "M", "R", "S")}, "N": n, "P": problem["P"], "Q": problem["Q"],
            **{k: problem[k] for k in ("Wstride", "Hstride", "Wdilation", "Hdilation")}}
    inst["densities"] = {"Inputs": {"density": json_number(density),
                                    "distribution": "fixed-structured"}}
    return inst


def problems(report) -> dict:
    """Layer name -> Timeloop problem document."""
    B, T = report.config.batch, report.config.timesteps
    out = {}
    by_name = {x["name"]: x for x in report.layers}
    for node in report.spec.order:
        x = by_name[node.name]
        if x["problem"] is None:
            continue
        n = B * report.accelerator.steps(node, T)
        out[node.name] = {"problem": {"version": "0.4", "shape": shape(),
                                      "instance": instance(x["problem"], n, x["input_density"])}}
    return out
