"""Predicted vs measured saved bytes on CPU (the reference PyTorch step), zoo models.

Run:  python benchmarks/check_saved_cpu.py      (needs torch; about a minute on 2 cores)
The last line extrapolates the *measured* CPU bytes to the GPU point of domain notes
section 9: saved bytes are affine in B, so B = 1 and 2 give the value at B = 64
(3,021,730,820 B measured on an H200).
"""
from __future__ import annotations

import snncost
from snncost.training.reference import measure_saved
from snncost.training.step import step_memory

CASES = [("resnet19", 8, "once"), ("resnet19", 8, "per-timestep"), ("resnet19-baseline-code", 8, "once"),
         ("vgg16", 16, "once"), ("vgg16-sharing-code", 16, "per-timestep")]


def compare(model, size, T, B, amp, static):
    spec = snncost.zoo.load(model)
    measured = measure_saved(spec, input=size, timesteps=T, batch=B, amp=amp, static_nodes=static)
    predicted = step_memory(spec, input=size, timesteps=T, batch=B, amp=amp, static_nodes=static).totals
    same = predicted["saved_by_kind"] == measured["saved_by_kind"]
    print(f"{model} {size}x{size} T={T} B={B} {amp or 'fp32'} static={static}: predicted {predicted['saved_bytes']} "
          f"measured {measured['saved_bytes']} per-kind equal: {same}")
    return measured["saved_bytes"]


def main() -> None:
    for model, size, static in CASES:
        for amp in (None, "bf16", "fp16"):
            compare(model, size, 2, 2, amp, static)
    one, two = (compare("resnet19", 32, 5, B, None, "per-timestep") for B in (1, 2))
    print(f"resnet19 32x32 T=5 B=64 fp32, measured on CPU at B=1, 2 and extrapolated: {one + 63 * (two - one)} "
          "(H200, domain notes section 9: 3021730820)")


if __name__ == "__main__":
    main()
