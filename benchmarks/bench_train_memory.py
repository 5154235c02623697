"""Benchmark: `train_memory` and `fit` in process (warm), and a cold `snncost fit`.

Run:  python benchmarks/bench_train_memory.py [--runs 7]
Prints median wall times.  A script, not a test: timings depend on the machine.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def timed(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    import snncost

    snncost.fit("resnet19", "24GiB", input=224)  # warm: imports, zoo cache
    print(f"train_memory resnet19 224 L+C2: {timed(lambda: snncost.train_memory('resnet19', input=224, sharing='L+C2'), runs) * 1e3:.1f} ms")
    print(f"fit resnet19 224 24GiB (8 closed forms): {timed(lambda: snncost.fit('resnet19', '24GiB', input=224), runs) * 1e3:.1f} ms")
    exe = shutil.which("snncost")
    cmd = ([exe] if exe else [sys.executable, "-m", "snncost.cli"]) + ["fit", "resnet19", "--input", "224", "--memory", "24GiB"]
    cold = timed(lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL), max(1, runs // 2))
    print(f"cold `snncost fit resnet19 --input 224 --memory 24GiB`: {cold * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
