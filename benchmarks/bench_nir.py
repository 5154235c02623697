"""NIR import/export timings (a script, not a test): ``python benchmarks/bench_nir.py``.

Prints median timings, for zoo models written to a temporary .nir file, of
1. ``snncost.to_nir`` (spec -> NIR graph -> HDF5 file, placeholder weight arrays),
2. ``snncost.from_nir`` (file -> checked spec: read, inline, shapes recomputed),
3. ``snncost.analyze`` of the imported spec.
Needs the ``nir`` extra.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(repeat: int = 5) -> None:
    import snncost

    with tempfile.TemporaryDirectory() as folder:
        for name in ("imsnn-vgg9", "resnet19", "imsnn-resnet19"):
            path = Path(folder, f"{name}.nir")
            spec = snncost.zoo.load(name)
            write = median_time(lambda spec=spec, path=path: snncost.to_nir(spec, path), repeat)
            read = median_time(lambda path=path: snncost.from_nir(path, reset="soft"), repeat)
            imported = snncost.from_nir(path, reset="soft")
            analyse = median_time(lambda imported=imported: snncost.analyze(imported), repeat)
            print(f"{name:16s} {path.stat().st_size / 2**20:6.2f} MiB file   to_nir {write * 1e3:8.1f} ms   "
                  f"from_nir {read * 1e3:7.1f} ms   analyze {analyse * 1e3:6.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
