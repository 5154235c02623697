"""Benchmark: the NumPy engine's `verify` (issue #11 target: 20 cases under a minute on
2 cores) and one training step (forward + backward) of the example models.

Run:  python benchmarks/bench_engine.py [--runs 5]
Prints median wall times (CPU process time in brackets).  A script, not a test:
timings depend on the machine and on what else runs on it.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "engine"


def _timed(call, runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from snncost.engine import EngineModel, verify
    from snncost.engine.threads import single_blas_thread

    wall, cpu = _timed(lambda: verify(20, 0), max(1, args.runs // 2))
    print(f"engine verify --cases 20: {wall:.2f} s ({cpu:.2f} s CPU)")
    with single_blas_thread():
        for name, shape in (("bars-resnet.yaml", (32, 1, 12, 12)), ("har-conv1d.yaml", (32, 3, 32))):
            for sharing in ("none", "L+C2"):
                model = EngineModel(str(EXAMPLES / name), sharing=sharing)
                x = np.random.default_rng(0).normal(size=shape)
                labels = np.arange(32) % model.classes
                wall, cpu = _timed(lambda m=model, x=x, y=labels: m.loss_and_grads(x, y), args.runs)
                print(f"{name} {sharing:>5} ({model.training}), batch 32, T {model.timesteps}: one training step "
                      f"{wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU)")


if __name__ == "__main__":
    main()
