"""How far reverse recomputation (EfficientLIF-Net Eq. 18-19) can be trusted in floating point.

Each step back divides the membrane by lambda, so a rounding error made k steps later
reaches the first step multiplied by lambda^-k.  This script trains nothing: it runs one
gradient of a 2-site L-shared vector network for growing T under store-everything BPTT
and under reverse recomputation, and prints their relative gradient difference
||g_reverse - g_bptt|| / ||g_bptt|| per decay lambda and dtype; then the same difference
for the example specs of this folder on one batch of their toy data, at initialisation.

    python docs/examples/engine/reverse_stability.py
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from snncost.engine import EngineModel, EngineOptions
from snncost.engine.checks import grad_rel_err
from snncost.engine.data import make_dataset
from snncost.engine.threads import single_blas_thread
from snncost.engine.verify import chain_steps
from snncost.spec import spec_from_dict


def spec(timesteps: int):
    nodes = [{"name": "fc1", "op": "linear", "out_features": 8}, {"name": "lif1", "op": "lif"},
             {"name": "fc2", "op": "linear", "out_features": 8}, {"name": "lif2", "op": "lif"},
             {"name": "out", "op": "linear", "out_features": 3}]
    return spec_from_dict({"name": "chain", "input": {"shape": [8]}, "timesteps": timesteps, "nodes": nodes})


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 1.0, size=(4, 8))
    labels = [0, 1, 2, 0]
    print("rel. gradient difference reverse vs bptt, L sharing of 2 sites (chain k = 2 T steps)")
    print(f"{'dtype':>8} {'lambda':>7} " + " ".join(f"{'T=' + str(t):>9}" for t in (4, 8, 16, 32, 64)))
    with single_blas_thread():
        for dtype in ("float64", "float32"):
            for decay in (0.5, 0.9, 0.99, 1.0):
                cells = []
                for timesteps in (4, 8, 16, 32, 64):
                    grads = {}
                    for mode in ("bptt", "reverse"):
                        model = EngineModel(spec(timesteps), sharing="L", training=mode,
                                            options=EngineOptions(decay=decay, dtype=dtype))
                        grads[mode] = model.loss_and_grads(x, labels)[1]
                    cells.append(f"{grad_rel_err(grads['bptt'], grads['reverse']):9.1e}")
                print(f"{dtype:>8} {decay:>7} " + " ".join(cells))
        print("\nexample specs, one batch of 32 at initialisation, float64")
        folder = Path(__file__).resolve().parent
        for name in ("har-conv1d.yaml", "bars-resnet.yaml"):
            for sharing in ("L", "C2", "L+C2"):
                for decay in (0.5, 0.9):
                    grads = {}
                    for mode in ("bptt", "reverse"):
                        model = EngineModel(str(folder / name), sharing=sharing, training=mode,
                                            options=EngineOptions(decay=decay))
                        xb, yb, _, _ = make_dataset("auto", model.config.input_shape, model.classes, 32, 1, 0)
                        grads[mode] = model.loss_and_grads(xb, yb)[1]
                    print(f"{name:>17} {sharing:>5} lambda {decay}: chain {chain_steps(model):>3} steps, "
                          f"rel. difference {grad_rel_err(grads['bptt'], grads['reverse']):.1e}")


if __name__ == "__main__":
    main()
