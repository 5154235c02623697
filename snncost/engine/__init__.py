"""A pure-NumPy SNN training engine that runs snncost's specs (issue #11).

It proves the sharing math of EfficientLIF-Net on real (toy) training: the shared
forward dynamics (Eq. 4-14), exact gradients (Eq. 15-17) and reverse recomputation of
earlier membranes (Eq. 18-19), with a tally of the bits the forward pass really keeps
and measured spike rates.  See docs/engine.md.

    from snncost.engine import EngineModel, train, verify
    result = train("docs/examples/engine/bars-resnet.yaml", sharing="L+C2", epochs=3)
    result.test_accuracy, result.memory["categories"]["membranes"]
"""
from __future__ import annotations

from .model import EngineModel, EngineOptions
from .tally import CATEGORIES, predicted_membrane_bits, tally
from .train import TrainResult, rates_csv, train
from .verify import verify

__all__ = ["EngineModel", "EngineOptions", "train", "TrainResult", "rates_csv", "verify", "tally",
           "predicted_membrane_bits", "CATEGORIES"]
