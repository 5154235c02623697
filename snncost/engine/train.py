"""Toy training: SGD with momentum on procedurally generated data, measured spike rates
and memory, and the side-by-side comparison of sharing schemes.

The claim checked (EfficientLIF-Net abstract, Sec. 5): sharing keeps accuracy (iso-
accuracy) while the backward LIF memory drops by a large factor.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from math import prod

import numpy as np

from ..errors import ConfigError
from .data import make_dataset
from .model import EngineModel, EngineOptions
from .tally import parameter_bits, predicted_membrane_bits, tally
from .threads import single_blas_thread


@dataclass
class TrainResult:
    model: str
    sharing: str
    training: str
    layer_groups: str | None
    epochs: int
    batch: int
    timesteps: int
    train_accuracy: float
    test_accuracy: float
    losses: list
    rates: dict  # neuron site -> spikes per neuron per timestep, on the test set
    memory: dict  # the tally of one training step (bits)
    predicted_membrane_bits: int
    parameter_bits: int
    seconds: float
    data: str = ""
    notes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def sgd_step(params, grads, velocity, lr: float, momentum: float) -> None:
    """v = momentum v + g; p = p - lr v (PyTorch's SGD with momentum, no dampening)."""
    for name, tensors in grads.items():
        for key, g in tensors.items():
            v = velocity.setdefault((name, key), np.zeros_like(g))
            v *= momentum
            v += g
            params[name][key] -= lr * v


def evaluate(model: EngineModel, x, y, batch: int):
    """(accuracy, spike rates) with batchnorm in evaluation mode, nothing kept."""
    correct, counts = 0, {}
    for start in range(0, len(x), batch):
        scores, tape = model.forward(x[start:start + batch], train=False, keep=False, count_spikes=True)
        correct += int((scores.argmax(axis=1) == y[start:start + batch]).sum())
        for site, n in tape.spike_counts.items():
            counts[site] = counts.get(site, 0) + n
    rates = {}
    for node in model.spec.neuron_nodes:
        neurons = prod(model.shapes[node.name]["output"])
        rates[node.name] = counts.get(node.name, 0) / (neurons * model.timesteps * len(x))
    return correct / len(x), rates


def train(spec, *, sharing="none", layer_groups=None, training=None, epochs: int = 3, batch: int = 32,
          lr: float = 0.05, momentum: float = 0.9, seed: int = 0, data: str = "auto", train_samples: int = 512,
          test_samples: int = 256, timesteps=None, options: EngineOptions | None = None, progress=None) -> TrainResult:
    """Train ``spec`` under ``sharing`` on a toy data set; accuracy, rates and memory measured."""
    for value, option in ((epochs, "--epochs"), (batch, "--batch"), (train_samples, "--train-samples"),
                          (test_samples, "--test-samples")):
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"option {option}", f"{value!r} is not a positive integer", "a positive integer")
    if not lr > 0 or not 0 <= momentum < 1:
        raise ConfigError("option --lr/--momentum", f"lr {lr}, momentum {momentum}", "lr > 0 and 0 <= momentum < 1")
    with single_blas_thread():
        return _train(spec, sharing, layer_groups, training, epochs, batch, lr, momentum, seed, data, train_samples,
                      test_samples, timesteps, options, progress)


def _train(spec, sharing, layer_groups, training, epochs, batch, lr, momentum, seed, data, train_samples,
           test_samples, timesteps, options, progress) -> TrainResult:
    start = time.perf_counter()
    model = EngineModel(spec, sharing=sharing, layer_groups=layer_groups, training=training, timesteps=timesteps,
                        options=options, seed=seed)
    x_train, y_train, x_test, y_test = make_dataset(data, model.config.input_shape, model.classes, train_samples,
                                                    test_samples, seed)
    rng = np.random.default_rng(seed + 1)
    velocity: dict = {}
    losses, memory = [], None
    steps = epochs * -(-train_samples // batch)
    done = 0
    for _ in range(epochs):
        order = rng.permutation(train_samples)
        total = 0.0
        for first in range(0, train_samples, batch):
            index = order[first:first + batch]
            loss, grads, tape = model.loss_and_grads(x_train[index], y_train[index], update_running=True)
            if memory is None and len(index) == batch:
                memory = tally(model, tape)
            del tape
            sgd_step(model.params, grads, velocity, lr, momentum)
            total += loss * len(index)
            done += 1
            if progress:
                progress(done, steps)
        losses.append(total / train_samples)
    if memory is None:  # every batch was partial (train_samples < batch): tally one full-size step
        _, _, tape = model.loss_and_grads(x_train[:batch], y_train[:batch])
        memory = tally(model, tape)
    train_accuracy, _ = evaluate(model, x_train, y_train, batch)
    test_accuracy, rates = evaluate(model, x_test, y_test, batch)
    tallied_batch = min(batch, train_samples)
    return TrainResult(
        model=model.spec.name, sharing=model.config.sharing.label, training=model.training,
        layer_groups=model.config.grouping, epochs=epochs, batch=tallied_batch, timesteps=model.timesteps,
        train_accuracy=train_accuracy, test_accuracy=test_accuracy, losses=losses, rates=rates, memory=memory,
        predicted_membrane_bits=predicted_membrane_bits(model, tallied_batch), parameter_bits=parameter_bits(model),
        seconds=round(time.perf_counter() - start, 3), data=data, notes=list(model.config.notes))


def rates_csv(rates: dict) -> str:
    """The rates file: ``node,rate`` (header), one neuron site per line, rate = spikes
    (any lane) per neuron per timestep in [0, 1], measured on the test set."""
    lines = ["node,rate"] + [f"{name},{rate:.10g}" for name, rate in rates.items()]
    return "\n".join(lines) + "\n"
