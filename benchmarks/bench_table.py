"""Benchmark: a cold `snncost table resnet19 --input 224` and an in-process `analyze`.

Run:  python benchmarks/bench_table.py [--runs 15]
Prints median wall times and the cold-start ratio of issue #8: the median over paired
runs of (cold `snncost table resnet19 --input 224`) / (bare `python -c "import yaml,
tabulate"`), both started the same way with the same interpreter (target <= 1.25).
A script, not a test: timings depend on the machine.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


TABLE = [sys.executable, "-c", "import sys; from snncost.cli import main; sys.exit(main())",
         "table", "resnet19", "--input", "224"]
BARE = [sys.executable, "-c", "import yaml, tabulate"]


def _wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def cold_cli(runs: int) -> list[float]:
    exe = Path(sys.executable).with_name("snncost")  # the entry point of this interpreter's environment
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "snncost.cli"]
    cmd += ["table", "resnet19", "--input", "224"]
    return [_wall(cmd) for _ in range(runs)]


def cold_ratio(runs: int) -> tuple[float, float, float]:
    """Median of paired ratios table / bare (each pair run back to back), and the two medians."""
    pairs = [(_wall(TABLE), _wall(BARE)) for _ in range(runs)]
    ratios = [t / b for t, b in pairs]
    return (statistics.median(ratios), statistics.median(t for t, _ in pairs), statistics.median(b for _, b in pairs))


def in_process(runs: int) -> tuple[list[float], float]:
    start = time.perf_counter()
    import snncost

    snncost.analyze("resnet19", input=224)  # first call builds and caches the zoo spec
    first = time.perf_counter() - start
    times = []
    for i in range(runs):
        start = time.perf_counter()
        snncost.analyze("resnet19", input=224 + 32 * (i % 4), sharing=("none", "L+C2", "C4", "L")[i % 4])
        times.append(time.perf_counter() - start)
    return times, first


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cli = cold_cli(args.runs)
    inproc, first = in_process(args.runs * 100)
    print(f"cold CLI `snncost table resnet19 --input 224`: median {statistics.median(cli) * 1000:.0f} ms "
          f"(min {min(cli) * 1000:.0f}, max {max(cli) * 1000:.0f}, {len(cli)} runs)")
    ratio, table, bare = cold_ratio(args.runs)
    print(f"cold-start ratio (median of {args.runs} paired runs): {ratio:.2f}x  "
          f"(table {table * 1000:.0f} ms, bare `import yaml, tabulate` {bare * 1000:.0f} ms; target <= 1.25x)")
    print(f"import + first analyze (builds the zoo spec): {first * 1000:.0f} ms")
    print(f"in-process analyze('resnet19', input=224..320, mixed sharing): median {statistics.median(inproc) * 1000:.3f} ms "
          f"({len(inproc)} runs)")


if __name__ == "__main__":
    main()
