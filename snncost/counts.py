"""Per-node counts derived from shapes: parameters, buffers, neurons, state variables.

One rule per node kind (like fvcore's per-op handles); every count is an exact
integer (or a sympy expression when shapes are symbolic).
"""
from __future__ import annotations

from math import prod

from .spec.nodes import NEURON_KINDS


def _kernel_elements(kernel, spatial_dims: int):
    if isinstance(kernel, (tuple, list)):
        return prod(kernel[:spatial_dims])
    return kernel ** spatial_dims


def _conv_params(node, in_shape, spatial_dims):
    weights = node.out_channels * (in_shape[0] // node.groups) * _kernel_elements(node.kernel, spatial_dims)
    return weights + (node.out_channels if node.bias else 0)


def _linear_params(node, in_shape):
    return in_shape[-1] * node.out_features + (node.out_features if node.bias else 0)


def _batchnorm_params(node, in_shape):
    return 2 * in_shape[0] if node.affine else 0


PARAM_RULES = {
    "conv2d": lambda node, in_shape: _conv_params(node, in_shape, 2),
    "conv1d": lambda node, in_shape: _conv_params(node, in_shape, 1),
    "linear": _linear_params,
    "batchnorm": _batchnorm_params,
}


def parameters(node, in_shapes) -> int:
    """Trainable parameters (weights, biases, batchnorm gamma/beta)."""
    rule = PARAM_RULES.get(node.op)
    return rule(node, in_shapes[0]) if rule else 0


def buffers(node, in_shapes) -> int:
    """Non-trainable stored values: batchnorm running mean and variance (2 C)."""
    return 2 * in_shapes[0][0] if node.op == "batchnorm" else 0


def neurons(node, out_shape) -> int:
    """Spiking neurons of a neuron node: one per element of its (batch-free) shape."""
    return prod(out_shape) if node.op in NEURON_KINDS else 0


def state_variables(node) -> int:
    """State variables per neuron: 1 (v) for lif/if/mlif, 2 (v, i) for cubalif."""
    return node.state_variables if node.op in NEURON_KINDS else 0
