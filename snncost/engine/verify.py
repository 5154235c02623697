"""``snncost engine verify``: the engine's proofs re-run on random small specs.

Each case draws a small spec (:func:`random_spec`), a sharing scheme (cycling through
:data:`SCHEMES`, so every scheme is covered), a batch and labels, and runs
:func:`snncost.engine.checks.check_model` under both backward modes: reverse vs store
gradients, finite differences (smooth mode), tallied membrane bits vs
``lif_backward_bits``.  The same generator backs the hypothesis tests (a ``choose``
callable picks every random choice, so hypothesis can shrink a failing spec).
"""
from __future__ import annotations

import time

import numpy as np

from ..spec import spec_from_dict
from .checks import check_model
from .model import EngineModel, EngineOptions
from .threads import single_blas_thread

SCHEMES = ("none", "L", "C2", "L+C2", "W4", "L+C2+W4")
MAX_AMPLIFICATION = 1e6
"""Reverse recomputation divides by lambda at every chain step (Eq. 18-19), so rounding
errors grow like lambda^-k over a chain of k steps; the random cases keep lambda^-k <=
this bound (docs/engine.md measures the growth beyond it)."""
THRESHOLDS = {"max_grad_rel_err_reverse_vs_store": 1e-9, "max_grad_rel_err_vs_finite_diff": 1e-5,
              "memory_mismatch_bits": 0}


def random_spec(choose, *, spatial: bool | None = None) -> dict:
    """Plain data of a small spec every scheme of :data:`SCHEMES` applies to: neuron sites
    with an even channel count (C2) and even sizes (W4: a 2x2 grid on maps, 4 windows
    along sequences, whose lengths stay multiples of 4).  ``choose(options)`` returns
    one of ``options``."""
    nodes: list[dict] = []
    count = [0]

    def name(stem):
        count[0] += 1
        return f"{stem}{count[0]}"

    rank = choose([3, 2] if spatial else [1] if spatial is False else [3, 2, 1])
    channels = choose([1, 2, 3])
    if rank == 3:
        shape = [channels, *([choose([4, 8])] * 2)]
    elif rank == 2:
        shape = [channels, choose([8, 16])]
    else:
        shape = [choose([4, 6])]
    state = {"last": "input", "shape": tuple(shape)}

    def add(node, out_shape, inputs=None):
        if inputs is not None:
            node["inputs"] = inputs
        nodes.append(node)
        state["last"], state["shape"] = node["name"], tuple(out_shape)
        return node["name"]

    def neuron():
        op = choose(["lif", "lif", "if", "mlif"])
        node = {"name": name(op), "op": op}
        if op == "mlif":
            node["lanes"] = choose([2, 3])
        return add(node, state["shape"])

    def conv(source=None, out=None, kernel=None, stride=None):
        source = source or state["last"]
        c_in, *sizes = shapes[source]
        kernel = kernel or choose([1, 3])
        minimum = 8 if len(sizes) == 2 else 16
        stride = stride or (choose([1, 2]) if sizes[0] >= minimum else 1)
        out = out or choose([2, 4])
        groups = choose([1, 2]) if c_in % 2 == 0 else 1
        out_sizes = [(s + 2 * (kernel // 2) - kernel) // stride + 1 for s in sizes]
        node = {"name": name("conv"), "op": "conv2d" if len(sizes) == 2 else "conv1d", "out_channels": out,
                "kernel": kernel, "padding": kernel // 2, "stride": stride, "groups": groups}
        result = add(node, (out, *out_sizes), inputs=[source] if source != state["last"] else None)
        shapes[result] = state["shape"]
        return result

    shapes = {"input": tuple(shape)}
    if rank > 1:
        for _ in range(choose([1, 2, 3])):
            block = choose(["conv", "conv", "res", "pool"])
            if block == "pool" and state["shape"][1] >= (4 if rank == 3 else 16) and state["last"] != "input":
                kind = choose(["avgpool", "maxpool"]) + ("2d" if rank == 3 else "1d")
                c, *sizes = state["shape"]
                shapes[add({"name": name("pool"), "op": kind, "kernel": 2}, (c, *[s // 2 for s in sizes]))] = None
                shapes[state["last"]] = state["shape"]
                continue
            if block == "res" and state["last"] != "input":
                entry = state["last"]
                c_in = state["shape"][0]
                conv(out=c_in if c_in % 2 == 0 else 2, kernel=3, stride=1)
                neuron()
                shapes[state["last"]] = state["shape"]
                main = conv(kernel=3, stride=1)
                shortcut = entry if shapes[entry] == shapes[main] else conv(source=entry, out=shapes[main][0], kernel=1,
                                                                               stride=1)
                add({"name": name("add"), "op": "add"}, shapes[main], inputs=[main, shortcut])
            else:
                conv()
                if choose([False, True]):
                    add({"name": name("bn"), "op": "batchnorm"}, state["shape"])
            neuron()
            shapes[state["last"]] = state["shape"]
        if choose([False, True]):
            add({"name": name("gap"), "op": "global_avgpool"}, (state["shape"][0],) + (1,) * (rank - 1))
        add({"name": name("flat"), "op": "flatten"}, (int(np.prod(state["shape"])),))
    else:
        add({"name": name("fc"), "op": "linear", "out_features": choose([2, 4])}, (0,))
        neuron()
    if choose([False, True]):
        add({"name": name("fc"), "op": "linear", "out_features": choose([2, 4])}, (0,))
        neuron()
    add({"name": name("fc"), "op": "linear", "out_features": choose([2, 3])}, (0,))
    return {"name": "random-engine", "input": {"shape": shape}, "timesteps": choose([2, 3]), "batch": choose([2, 3]),
            "nodes": nodes}


def run_case(choose, scheme: str, seed: int) -> dict:
    """One verification case: a random spec under ``scheme``, both backward modes."""
    data = random_spec(choose, spatial=True if "W" in scheme else None)
    spec = spec_from_dict(data)
    rng = np.random.default_rng(seed)
    batch = data["batch"]
    x = rng.normal(size=(batch, *data["input"]["shape"]))
    classes = data["nodes"][-1]["out_features"]
    labels = rng.integers(0, classes, size=batch)
    steps = chain_steps(EngineModel(spec, sharing=scheme, training="bptt"))
    decays = [d for d in (0.5, 0.7, 0.9, 1.0) if d ** -steps <= MAX_AMPLIFICATION]
    options = EngineOptions(decay=choose(decays), surrogate=choose(["atan", "sigmoid", "triangle"]))
    result = check_model(spec, scheme, x, labels, options=options, seed=seed)
    return {"scheme": scheme, "nodes": len(data["nodes"]), "decay": options.decay, "surrogate": options.surrogate,
            "chain_steps": steps, **result}


def chain_steps(model) -> int:
    """Steps of the longest membrane chain over the whole run: T x sites x N x P."""
    return model.timesteps * max(len(c.members) * len(c.slices) for c in model.unique_chains)


def verify(cases: int = 20, seed: int = 0, progress=None) -> dict:
    """Run ``cases`` random cases; the summary keys of ``snncost engine verify --format json``."""
    rng = np.random.default_rng(seed)

    def choose(options):
        return options[int(rng.integers(len(options)))]

    start = time.perf_counter()
    rows = []
    with single_blas_thread():
        for i in range(cases):
            rows.append(run_case(choose, SCHEMES[i % len(SCHEMES)], seed + i))
            if progress:
                progress(i + 1, cases)
    summary = {
        "cases": cases,
        "seed": seed,
        "schemes": sorted({r["scheme"] for r in rows}, key=SCHEMES.index),
        "training_modes": ["bptt", "reverse"],
        "max_grad_rel_err_reverse_vs_store": max((r["reverse_vs_store"] for r in rows), default=0.0),
        "max_grad_rel_err_vs_finite_diff": max((r["fd_err"] for r in rows), default=0.0),
        "memory_mismatch_bits": max((r["memory_mismatch_bits"] for r in rows), default=0),
        "max_chain_steps": max((r["chain_steps"] for r in rows), default=0),
        "max_reverse_amplification": max((r["decay"] ** -r["chain_steps"] for r in rows), default=1.0),
    }
    summary["passed"] = all(summary[k] <= limit for k, limit in THRESHOLDS.items())
    summary["thresholds"] = THRESHOLDS
    summary["seconds"] = round(time.perf_counter() - start, 3)
    summary["per_case"] = rows
    return summary
