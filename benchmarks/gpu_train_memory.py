"""Predicted vs measured training memory on a CUDA device (one short script).

Run on a machine with a GPU and torch:  python benchmarks/gpu_train_memory.py [--out result.json]
For each configuration it runs the reference PyTorch step (snncost/training/reference.py)
for 2 steps (so gradients and optimizer state exist, as in training) and records
``torch.cuda.max_memory_allocated`` of the second step and the saved bytes, next to
snncost's prediction.  Not a test: no test depends on a GPU.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

CONFIGS = [  # model, input, T, batch, amp, optimizer, static_nodes
    ("resnet19", 32, 5, 64, None, "sgd-momentum", "per-timestep"),  # the point of domain notes section 9
    ("resnet19", 32, 5, 64, None, "sgd-momentum", "once"),
    ("resnet19", 32, 5, 64, "bf16", "sgd-momentum", "per-timestep"),
    ("resnet19", 32, 5, 32, None, "adam", "per-timestep"),
    ("resnet19", 64, 4, 16, None, "sgd-momentum", "per-timestep"),
    ("vgg16", 32, 5, 64, None, "sgd-momentum", "per-timestep"),
]


def main() -> int:
    import torch

    import snncost
    from snncost.training.reference import measure_saved

    parser = argparse.ArgumentParser()
    parser.add_argument("--out")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device", file=sys.stderr)
        return 1
    torch.backends.cudnn.benchmark = False
    rows = []
    for model, size, T, B, amp, opt, static in CONFIGS:
        spec = snncost.zoo.load(model)
        start = time.perf_counter()
        measured = measure_saved(spec, input=size, timesteps=T, batch=B, amp=amp, static_nodes=static,
                                 device="cuda", optimizer=opt, steps=2)
        predicted = snncost.train_memory(spec, input=size, timesteps=T, batch=B, amp=amp, optimizer=opt,
                                         static_nodes=static).totals
        row = {"model": model, "input": size, "T": T, "batch": B, "amp": amp or "fp32", "optimizer": opt,
               "static_nodes": static, "measured_peak": measured["peak_bytes"], "predicted_peak": predicted["peak_bytes"],
               "peak_error": (predicted["peak_bytes"] - measured["peak_bytes"]) / measured["peak_bytes"],
               "measured_saved": measured["saved_bytes"], "predicted_saved": predicted["saved_bytes"],
               "measured_saved_by_kind": measured["saved_by_kind"], "predicted_saved_by_kind": predicted["saved_by_kind"],
               "seconds": round(time.perf_counter() - start, 2)}
        rows.append(row)
        print(json.dumps(row), flush=True)
        torch.cuda.empty_cache()
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "rows": rows}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
