"""Benchmark: in-process ``analyze`` of resnet19 with op counts and energy (issue 9,
target < 3 ms), and the same for a spiking transformer.

Run:  python benchmarks/bench_energy.py [--runs 200]
Prints the median wall time of ``snncost.analyze(model, rates=0.15, energy_model=...)``
after a warm-up call (the zoo spec and the technology tables are cached then).
A script, not a test: timings depend on the machine.
"""
from __future__ import annotations

import argparse
import statistics
import time


def median_ms(runs: int, **kwargs) -> float:
    import snncost

    snncost.analyze(**kwargs)  # warm-up: builds and caches the zoo spec, loads the tables
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        snncost.analyze(**kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    cases = [
        ("resnet19, memory only", dict(model="resnet19")),
        ("resnet19, rates 0.15, energy compute", dict(model="resnet19", rates=0.15)),
        ("resnet19, rates 0.15, energy memory", dict(model="resnet19", rates=0.15, energy_model="memory")),
        ("spikformer-8-512, rates 0.15, energy spikformer",
         dict(model="spikformer-8-512", rates=0.15, energy_model="spikformer")),
    ]
    for label, kwargs in cases:
        print(f"{label:50s} median {median_ms(args.runs, **kwargs):.3f} ms over {args.runs} runs")


if __name__ == "__main__":
    main()
