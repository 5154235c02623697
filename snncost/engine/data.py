"""Procedurally generated toy data sets (no downloads), deterministic per seed.

- ``bars`` (images ``(C, H, W)``): one bar or shape per image at a random place,
  intensity 1, plus Gaussian noise; classes in :data:`BAR_CLASSES` order.
- ``har`` (multichannel time series ``(C, L)``), in the spirit of EfficientLIF-Net's
  human-activity-recognition experiment (seed 000 Sec. 5.4: accelerometer/gyroscope
  windows, six activities): class k is a periodic motion of frequency 1 + k // 2 cycles
  per window whose per-channel phase pattern depends on k mod 2, or (the last class, the
  "still" activity) a constant posture offset; random phase, amplitude and noise.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError

BAR_CLASSES = ("horizontal", "vertical", "diagonal", "anti-diagonal", "cross", "square")
HAR_MAX_CLASSES = 6
DATASETS = ("bars", "har")


def bars(n: int, shape, classes: int, seed: int, noise: float = 0.3):
    """``n`` images of ``shape`` (C, H, W) and their labels in range(classes)."""
    if classes > len(BAR_CLASSES):
        raise ConfigError("data 'bars'", f"the model has {classes} classes, the bar set draws {len(BAR_CLASSES)}",
                          f"a model with at most {len(BAR_CLASSES)} output features")
    c, h, w = shape
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=n)
    images = rng.normal(0.0, noise, size=(n, c, h, w))
    rows, cols = np.mgrid[0:h, 0:w]
    for i, label in enumerate(labels):
        r, q = rng.integers(0, h), rng.integers(0, w)
        shift = rng.integers(-(min(h, w) // 3), min(h, w) // 3 + 1)
        name = BAR_CLASSES[label]
        if name == "horizontal":
            mask = rows == r
        elif name == "vertical":
            mask = cols == q
        elif name == "diagonal":
            mask = rows - cols * h // w == shift
        elif name == "anti-diagonal":
            mask = rows + cols * h // w == h - 1 + shift
        elif name == "cross":
            mask = (rows == r) | (cols == q)
        else:
            size = max(1, min(h, w) // 3)
            top, left = rng.integers(0, max(1, h - size)), rng.integers(0, max(1, w - size))
            inside = (rows >= top) & (rows <= top + size) & (cols >= left) & (cols <= left + size)
            edge = (rows == top) | (rows == top + size) | (cols == left) | (cols == left + size)
            mask = inside & edge
        images[i, :, mask] += 1.0
    return images, labels


def har(n: int, shape, classes: int, seed: int, noise: float = 0.3):
    """``n`` windows of ``shape`` (C, L) and their labels in range(classes)."""
    if classes > HAR_MAX_CLASSES:
        raise ConfigError("data 'har'", f"the model has {classes} classes, the activity set draws {HAR_MAX_CLASSES}",
                          f"a model with at most {HAR_MAX_CLASSES} output features")
    c, length = shape
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=n)
    t = np.arange(length) / length
    windows = rng.normal(0.0, noise, size=(n, c, length))
    channel = np.arange(c)
    for i, label in enumerate(labels):
        amplitude = rng.uniform(0.8, 1.2)
        if label == classes - 1 and classes > 1:  # still: a posture offset
            windows[i] += amplitude * (0.5 + 0.5 * (channel % 2))[:, None]
            continue
        frequency = 1 + label // 2
        phases = rng.uniform(0, 2 * np.pi) + (channel * np.pi / 2 if label % 2 else np.zeros(c))
        windows[i] += amplitude * np.sin(2 * np.pi * frequency * t[None, :] + phases[:, None])
    return windows, labels


def make_dataset(name: str, shape, classes: int, train: int, test: int, seed: int):
    """(x_train, y_train, x_test, y_test); ``name`` ``auto`` picks by the input's rank."""
    if name == "auto":
        name = {3: "bars", 2: "har"}.get(len(shape))
        if name is None:
            raise ConfigError("option --data", f"no toy data set for a vector input of shape {list(shape)}",
                              "a model whose input is an image (C, H, W) or a sequence (C, L)")
    if name not in DATASETS:
        raise ConfigError("option --data", f"unknown data set {name!r}", "auto, " + ", ".join(DATASETS))
    want = 3 if name == "bars" else 2
    if len(shape) != want:
        raise ConfigError("option --data", f"'{name}' draws inputs of rank {want}, the model's input is {list(shape)}",
                          "bars for (C, H, W) inputs, har for (C, L) inputs")
    make = bars if name == "bars" else har
    x, y = make(train + test, shape, classes, seed)
    return x[:train], y[:train], x[train:], y[train:]
