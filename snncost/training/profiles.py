"""Framework profiles: what a training framework keeps, as data.

A profile names a framework's conventions that change what one training step holds:
element sizes, which per-kind tensors it keeps (the rules of
:mod:`snncost.training.saved` read these flags), optimizer state and the assumptions
printed with every result.  ``pytorch`` (default) is the reference step of domain
notes section 9; ``numpy-engine`` is what snncost's own NumPy BPTT engine (issue 11)
keeps, so that its memory tally can be checked against this prediction
(docs/training-memory.md, "Profiles").
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    assumptions: tuple
    activation_bytes: int = 4           # element size of activations, membranes, gradients (fp32)
    parameter_bytes: int = 4            # master weights, their gradients and optimizer state
    amp: tuple = ("bf16", "fp16")       # autocast precisions the framework offers
    autocast_casts: bool = True         # conv/linear keep autocast copies of fp32 inputs and weights
    same_padding_copy: bool = True      # padding='same' with an odd total pads a copy (PyTorch)
    statistics_bytes: int = 4           # batchnorm batch statistics (fp32 even under autocast)
    running_statistics_saved: bool = True
    maxpool_indices: bool = True
    avgpool_keeps_input: bool = True
    hard_reset_mask: bool = True
    reverse_keeps_spikes: bool = False
    spike_code_bytes: int | None = None  # neuron outputs kept as codes of this size (None: activation dtype)
    loss_saved: bool = True
    counts_network_input: bool = True
    views_share_storage: bool = True    # a view (flatten...) kept by a consumer is its producer's storage
    workspace_bytes: int = 0
    kind_rule: str | None = None        # only kinds with this registry rule (numpy-engine: "numpy", the engine's)


PROFILES = {
    "pytorch": Profile(
        "pytorch",
        "plain PyTorch modules, autograd BPTT (domain notes section 9)",
        ("layers as torch.nn modules, batchnorm in training mode",
         "neuron: v = decay v + x; s = SpikeFn(v - theta) saving its input (atan surrogate); "
         "soft reset v - s.detach() theta (hard: v (1 - s.detach()))",
         "T timesteps over the same input; static nodes run once; outputs summed over T; cross-entropy",
         "fp32 parameters, gradients kept between steps (zero_grad(set_to_none=False)), optimizer state",
         "saved tensors: each storage once, parameters excluded (torch.autograd.graph.saved_tensors_hooks)",
         "transient: LIF states held by the modules, membrane gradients carried across timesteps, "
         "the largest layer's input and output gradients, gradient accumulators of static outputs",
         "framework workspaces (cuDNN/cuBLAS) not modelled: add them with workspace=")),
    "numpy-engine": Profile(
        "numpy-engine",
        "snncost's NumPy BPTT engine (issue 11): float64 arrays, exactly what its tape keeps",
        ("float64 arrays (activation_bytes 8); no autocast",
         "conv, linear, batchnorm and maxpool keep their inputs, once per producer and timestep "
         "(the network input is the caller's array, not counted); avg/sum/global pooling keep nothing",
         "batchnorm keeps (mean, 1/std) per call; running statistics are parameters, not kept",
         "bptt: every site's membrane at every timestep; reverse: each sharing buffer's last membrane "
         "plus every site's spike codes (1 byte per neuron and timestep)",
         "neuron outputs kept by consumers as 1-byte spike codes; a kept view (flatten) is its own float array",
         "the loss keeps nothing"),
        activation_bytes=8, parameter_bytes=8, amp=(), autocast_casts=False, same_padding_copy=False, statistics_bytes=8,
        running_statistics_saved=False, maxpool_indices=False, avgpool_keeps_input=False, hard_reset_mask=False,
        reverse_keeps_spikes=True, spike_code_bytes=1, loss_saved=False, counts_network_input=False,
        views_share_storage=False, kind_rule="numpy"),
}

OPTIMIZER_STATES = {"sgd": 0, "sgd-momentum": 1, "adam": 2, "adamw": 2}
"""Optimizer state tensors per parameter (PyTorch: momentum buffer; Adam's exp_avg and
exp_avg_sq; Adam's per-parameter ``step`` counters live on the host, not counted)."""

AMP_BYTES = {"bf16": 2, "fp16": 2}


def get_profile(name) -> Profile:
    if isinstance(name, Profile):
        return name
    if name not in PROFILES:
        raise ConfigError("option --profile", f"unknown framework profile {name!r}", ", ".join(PROFILES))
    return PROFILES[name]


def check_optimizer(name) -> str:
    if name not in OPTIMIZER_STATES:
        raise ConfigError("option --optimizer", f"unknown optimizer {name!r}", ", ".join(OPTIMIZER_STATES))
    return name


def check_amp(name, profile: Profile, where: str = "option --amp"):
    if name in (None, "fp32", "none"):
        return None
    if name not in AMP_BYTES:
        raise ConfigError(where, f"unknown precision {name!r}", "fp32 (no autocast), " + ", ".join(AMP_BYTES))
    if name not in profile.amp:
        raise ConfigError(where, f"profile '{profile.name}' has no autocast ({name})",
                          "fp32, or the pytorch profile")
    return name


def check_kinds(spec, profile: Profile) -> None:
    """A profile that models one framework covers only the kinds that framework runs
    (``kind_rule``: the registry rule it needs, ``numpy`` for the NumPy engine's)."""
    if profile.kind_rule != "numpy":
        return
    from ..engine.rules import rule_for

    for node in spec.order:
        try:
            rule_for(node)
        except ConfigError as exc:
            raise ConfigError(exc.where, f"profile '{profile.name}': {exc.problem}",
                              f"{exc.valid}; or profile pytorch") from None
