"""Array primitives of the engine: im2col convolution and pooling (PyTorch semantics).

Every sliding-window layer works on 2-D maps ``(B, C, H, W)``; a 1-D layer is the
same computation on ``(B, C, 1, L)``.  ``columns`` gathers the receptive fields
(im2col) with stride, dilation and (possibly asymmetric) padding; ``scatter_columns``
is its adjoint (col2im), used by every backward rule.
"""
from __future__ import annotations

import numpy as np


def pair(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def pad_map(x, pads, value=0.0):
    """Pad the two spatial axes of ``x`` by ``pads`` = ((top, bottom), (left, right))."""
    if not any(p for side in pads for p in side):
        return x
    return np.pad(x, ((0, 0), (0, 0), *pads), mode="constant", constant_values=value)


def columns(xp, kernel, stride, dilation, out):
    """im2col: ``(B, C, kh, kw, Ho, Wo)`` with ``[..., i, j, h, w] = xp[..., i d_h + h s_h, j d_w + w s_w]``."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out
    b, c = xp.shape[:2]
    cols = np.empty((b, c, kh, kw, ho, wo), dtype=xp.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i * dh: i * dh + sh * (ho - 1) + 1: sh, j * dw: j * dw + sw * (wo - 1) + 1: sw]
    return cols


def scatter_columns(dcols, padded_shape, stride, dilation):
    """col2im, the adjoint of :func:`columns`: sums every window's gradient back into the padded map."""
    b, c, kh, kw, ho, wo = dcols.shape
    (sh, sw), (dh, dw) = stride, dilation
    dxp = np.zeros(padded_shape, dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, i * dh: i * dh + sh * (ho - 1) + 1: sh, j * dw: j * dw + sw * (wo - 1) + 1: sw] += dcols[:, :, i, j]
    return dxp


def unpad(dxp, pads):
    (top, bottom), (left, right) = pads
    return dxp[:, :, top: dxp.shape[2] - bottom, left: dxp.shape[3] - right]


def conv_forward(x, weight, bias, stride, pads, dilation, groups, out):
    """Grouped 2-D convolution by im2col and one batched matmul per group.

    ``weight``: (C_out, C_in / groups, kh, kw).  Returns (B, C_out, Ho, Wo)."""
    b = x.shape[0]
    c_out, c_group, kh, kw = weight.shape
    cols = columns(pad_map(x, pads), (kh, kw), stride, dilation, out)
    k = c_group * kh * kw
    ho, wo = out
    cols = cols.reshape(b, groups, k, ho * wo).transpose(1, 2, 0, 3).reshape(groups, k, b * ho * wo)
    w = weight.reshape(groups, c_out // groups, k)
    y = (w @ cols).reshape(groups, c_out // groups, b, ho, wo).transpose(2, 0, 1, 3, 4).reshape(b, c_out, ho, wo)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1)
    return y


def conv_backward(x, weight, gy, stride, pads, dilation, groups):
    """Gradients of :func:`conv_forward`: (dx, dweight, dbias)."""
    b = x.shape[0]
    c_out, c_group, kh, kw = weight.shape
    ho, wo = gy.shape[2:]
    xp = pad_map(x, pads)
    k = c_group * kh * kw
    cols = columns(xp, (kh, kw), stride, dilation, (ho, wo))
    cols = cols.reshape(b, groups, k, ho * wo).transpose(1, 2, 0, 3).reshape(groups, k, b * ho * wo)
    og = c_out // groups
    g = gy.reshape(b, groups, og, ho * wo).transpose(1, 2, 0, 3).reshape(groups, og, b * ho * wo)
    w = weight.reshape(groups, og, k)
    dweight = (g @ cols.transpose(0, 2, 1)).reshape(weight.shape)
    dcols = (w.transpose(0, 2, 1) @ g).reshape(groups, c_group, kh, kw, b, ho, wo)
    dcols = dcols.transpose(4, 0, 1, 2, 3, 5, 6).reshape(b, groups * c_group, kh, kw, ho, wo)
    dx = unpad(scatter_columns(dcols, xp.shape, stride, dilation), pads)
    return dx, dweight, gy.sum(axis=(0, 2, 3))


def pool_forward(x, kind, kernel, stride, pads, out):
    """``kind`` avg (padding counted, as PyTorch's default), sum or max pooling."""
    fill = -np.inf if kind == "max" else 0.0
    cols = columns(pad_map(x, pads, fill), kernel, stride, (1, 1), out)
    if kind == "max":
        return cols.max(axis=(2, 3))
    total = cols.sum(axis=(2, 3))
    return total / (kernel[0] * kernel[1]) if kind == "avg" else total


def pool_backward(x, kind, gy, kernel, stride, pads):
    fill = -np.inf if kind == "max" else 0.0
    xp = pad_map(x, pads, fill)
    b, c, ho, wo = gy.shape
    kh, kw = kernel
    if kind == "max":  # the gradient goes to the first maximum of each window (PyTorch's choice)
        cols = columns(xp, kernel, stride, (1, 1), (ho, wo)).reshape(b, c, kh * kw, ho, wo)
        first = cols.argmax(axis=2)
        dcols = (np.arange(kh * kw).reshape(1, 1, -1, 1, 1) == first[:, :, None]) * gy[:, :, None]
        dcols = dcols.reshape(b, c, kh, kw, ho, wo).astype(gy.dtype)
    else:
        scale = 1.0 / (kh * kw) if kind == "avg" else 1.0
        dcols = np.broadcast_to((gy * scale)[:, :, None, None], (b, c, kh, kw, ho, wo))
    return unpad(scatter_columns(dcols, xp.shape, stride, (1, 1)), pads)
