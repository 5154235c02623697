"""One BLAS thread while the engine runs.

The engine multiplies many small matrices; on a machine whose cores are shared, a
multi-threaded OpenBLAS spends most of its time synchronising (measured: a 12x12
conv backward 0.26 s with the default threads, 0.019 s with one).  This sets the
thread count of the OpenBLAS that NumPy loaded, through its C API, and restores it
afterwards; where no OpenBLAS is found (other BLAS, other systems) it does nothing.
"""
from __future__ import annotations

import ctypes
from contextlib import contextmanager

_PREFIXES = ("openblas", "scipy_openblas")
_SUFFIXES = ("", "64_")


def _openblas_calls():
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line})
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    return setter, getter
    return None


@contextmanager
def single_blas_thread():
    import numpy  # noqa: F401  (loads the BLAS whose threads are set)

    calls = _openblas_calls()
    if calls is None:
        yield
        return
    setter, getter = calls
    before = getter()
    setter(1)
    try:
        yield
    finally:
        setter(before)
