"""Sweep throughput of snncost (a script, not a test): ``python benchmarks/bench_sweep.py``.

Prints median timings of
1. the formula derivation (spec -> sympy expression, the symbolic pipeline),
2. compiling one quantity (integer polynomial + sympy.lambdify),
3. evaluating one lambdified quantity over a large grid with numpy into a full
   (materialised) int64 array: configurations per second,
4. a whole ``snncost.sweep`` (derivation + evaluation + DataFrame of every column).
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet19")
    parser.add_argument("--sharing", default="L+C2")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import snncost
    from snncost.formulas import derive
    from snncost.sweeps import _compile, _evaluate, build_grid

    print(f"machine: {os.cpu_count()} CPUs; numpy {np.__version__}; model {args.model}, sharing {args.sharing}")
    t, _ = median_time(lambda: derive(args.model, "lif_forward_bits", sharing=args.sharing), 1)
    print(f"formula derivation, first call (cold sympy cache):             {t * 1e3:.1f} ms")
    t, _ = median_time(lambda: derive(args.model, "lif_forward_bits", sharing=args.sharing), args.repeat)
    print(f"formula derivation (lif_forward_bits, symbols H,W,T,B,b_*): median {t * 1e3:.1f} ms (warm)")
    t, _ = median_time(lambda: derive(args.model, "total_bits", sharing=args.sharing, divisible=False), args.repeat)
    print(f"formula derivation (total_bits, exact floor() form):          median {t * 1e3:.1f} ms")

    # A grid of 1024 input sizes x 16 timesteps x 32 batch sizes x 20 membrane widths = 10,485,760 configurations.
    grid = build_grid(args.model, input="8:8192:8", timesteps="1:16", batch="1:32", membrane_bits="1:20",
                      sharing=args.sharing, quantities=["lif_forward_bits", "total_bits"])
    key, indices = next(iter(grid.size_classes().items()))
    rows, totals, config, shapes, hs = grid._derive(grid.schemes[0], key)
    arrays, variables, maxima, dens = grid._arrays(key, hs, indices)
    shape = (len(indices),) + grid.shape[2:]
    n = int(np.prod(shape))
    for quantity in ("lif_forward_bits", "total_bits"):
        expr = totals[quantity]
        t, compiled = median_time(lambda: _compile(expr, variables, maxima, dens), args.repeat)
        print(f"{quantity}: compile (integer polynomial + lambdify): median {t * 1e3:.1f} ms; "
              f"int64 {'no (object)' if compiled.use_object else 'yes'}")

        def run():
            out = np.empty(shape, dtype=np.int64)
            out[...] = _evaluate(compiled, arrays, shape)  # materialise every configuration's value
            return out

        t, out = median_time(run, args.repeat)
        print(f"{quantity}: evaluate {n:,} configurations: median {t * 1e3:.1f} ms = {n / t / 1e6:.1f} M configs/s")
        # spot check against analyze (exact)
        i, j = 5, 3
        size = grid.sizes[indices[i]]
        report = snncost.analyze(args.model, input=size, timesteps=grid.params["T"][j], batch=grid.params["B"][0],
                                 membrane_bits=grid.params["b_u"][0], sharing=args.sharing)
        assert out[i, j, 0, 0, 0, 0] == report.totals[quantity], "sweep value differs from analyze"

    small = dict(input="8:8192:8", timesteps="1:16", batch="1:32", membrane_bits="1:20", sharing=args.sharing,
                 quantities=["lif_forward_bits"])
    t, df = median_time(lambda: snncost.sweep(args.model, **small), args.repeat)
    print(f"snncost.sweep end to end (derivation + evaluation + DataFrame, {len(df):,} rows, 1 quantity): "
          f"median {t:.2f} s = {len(df) / t / 1e6:.1f} M rows/s")


if __name__ == "__main__":
    main()
