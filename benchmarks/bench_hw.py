"""Benchmark: in-process `snncost.hardware` (LIF units, traffic, DRAM reduction at 7
batch sizes, SATA, NeuroBench; with and without per-node spike rates) and a cold `snncost hw vgg16 --sharing L --batch 64`.

Run:  python benchmarks/bench_hw.py [--runs 15]
Prints median wall times.  A script, not a test: timings depend on the machine.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def in_process(runs: int, model: str, **options) -> list[float]:
    import snncost

    snncost.hardware(model, **options)  # warm the zoo cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        snncost.hardware(model, **options)
        times.append(time.perf_counter() - start)
    return times


def cold_cli(runs: int) -> list[float]:
    exe = shutil.which("snncost")
    cmd = [exe] if exe else [sys.executable, "-m", "snncost.cli"]
    cmd += ["hw", "vgg16", "--sharing", "L", "--batch", "64"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    for label, model, options in [("vgg16 L B=64", "vgg16", {"sharing": "L", "batch": 64}),
                                  ("resnet19 C4 224", "resnet19", {"sharing": "C4", "input": 224}),
                                  ("vgg16 L B=64, no batch sweep", "vgg16",
                                   {"sharing": "L", "batch": 64, "reduction_batches": ()}),
                                  ("vgg16 L B=64, --rates 0.15", "vgg16", {"sharing": "L", "batch": 64, "rates": "0.15"})]:
        times = in_process(args.runs, model, **options)
        print(f"snncost.hardware {label:<30} median {statistics.median(times) * 1000:.1f} ms")
    print(f"cold `snncost hw vgg16 --sharing L --batch 64`  median {statistics.median(cold_cli(max(3, args.runs // 3))) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
