"""Training memory's options read exactly: memory sizes (bytes from units by hand), workspace
allowances, framework profiles, optimizers and autocast precisions, with every refusal word
for word.  In process and fast (the mutation selection of docs/testing.md)."""
from __future__ import annotations

import pytest

from test_training_bytes import small

import snncost
from snncost.errors import ConfigError
from snncost.spec import SpecBuilder
from snncost.training.budget import parse_size, parse_workspace
from snncost.training.profiles import PROFILES, check_amp, check_optimizer, get_profile

VALID = "a size such as 24GiB, 24GB, 512MiB, 80e9 (bytes) or 1000000; units B, kB, MB, GB, TB, KiB, MiB, GiB, TiB"


def _refusal(call) -> str:
    with pytest.raises(ConfigError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize("text,value", [
    ("1B", 1), ("3kB", 3000), ("3KiB", 3072), ("2MB", 2_000_000), ("2MiB", 2 * 1024 * 1024),
    ("5GB", 5_000_000_000), ("1TB", 10**12), ("1TiB", 1024**4), ("7 mib", 7 * 1024**2),
    ("  12  ", 12), ("2.5kB", 2500), ("1.9", 1),       # a budget rounds down: 1.9 B -> 1 B
    ("1e24", 10**24), (10**24, 10**24),                # the largest size accepted: 10^24 bytes exactly
    (" " * 38 + "42", 42),                             # 40 characters: still read
    (1, 1),
])
def test_sizes_by_hand(text, value):
    size = parse_size(text)
    assert size == value and type(size) is int


@pytest.mark.parametrize("text,message", [
    (True, f"option --memory: expected a memory size, got True; valid: {VALID}"),
    ("24XB", f"option --memory: cannot read memory size '24XB'; valid: {VALID}"),
    ("GiB", f"option --memory: cannot read memory size 'GiB'; valid: {VALID}"),
    (2.5e10, f"option --memory: cannot read memory size 'float'; valid: {VALID}"),
    ("7" * 41, f"option --memory: cannot read memory size '{'7' * 40}...'; valid: {VALID}"),  # 41 characters
    ("0", f"option --memory: memory size '0' is not positive; valid: {VALID}"),
    (0, f"option --memory: memory size 0 is not positive; valid: {VALID}"),
    ("1.000001e24", "option --memory: memory size '1.000001e24' is too large; valid: at most 10^24 bytes"),
    (10**24 + 1, f"option --memory: memory size {10**24 + 1} is too large; valid: at most 10^24 bytes"),
])
def test_size_refusals(text, message):
    assert _refusal(lambda: parse_size(text)) == message


def test_size_refusal_names_its_option():
    assert _refusal(lambda: parse_size("lots", "option --budget")).startswith("option --budget: cannot read")


@pytest.mark.parametrize("value,expected", [(0, 0), (None, 0), (1, 1), (4096, 4096), ("1KiB", 1024)])
def test_workspace_allowance(value, expected):
    size = parse_workspace(value)
    assert size == expected and type(size) is int


@pytest.mark.parametrize("value,message", [
    (False, f"option --workspace: expected a memory size, got False; valid: {VALID}"),
    (-5, f"option --workspace: memory size -5 is not positive; valid: {VALID}"),
    ("lots", f"option --workspace: cannot read memory size 'lots'; valid: {VALID}"),
])
def test_workspace_refusals(value, message):
    assert _refusal(lambda: parse_workspace(value)) == message


def _tiny():
    # input (2, 3, 3) -> conv 1x1 (2 -> 2, no bias: 4 weights) -> lif -> flatten -> linear 18 -> 2 (+ bias: 38)
    return small()


def test_workspace_is_added_to_the_peak_and_reported():
    plain = snncost.train_memory(_tiny(), batch=1)
    more = snncost.train_memory(_tiny(), batch=1, workspace="1KiB")
    assert more.totals["transient_by_part"]["workspace"] == 1024
    assert more.totals["peak_bytes"] == plain.totals["peak_bytes"] + 1024
    assert more.config["workspace"] == 1024 and plain.config["workspace"] == 0


def test_optimizers_by_state_count():
    # 42 parameters x 4 B = 168 B of weights, as many of gradients; states: sgd 0, momentum 1, adam(w) 2
    for name, states in (("sgd", 0), ("sgd-momentum", 1), ("adam", 2), ("adamw", 2)):
        totals = snncost.train_memory(_tiny(), batch=1, optimizer=name).totals
        assert (totals["parameter_bytes"], totals["gradient_bytes"], totals["optimizer_bytes"]) == (168, 168, 168 * states)
        assert totals["static_bytes"] == 168 * (2 + states)
        assert check_optimizer(name) == name


def test_profiles_and_their_refusals():
    assert get_profile("pytorch") is PROFILES["pytorch"]
    assert get_profile("numpy-engine") is PROFILES["numpy-engine"]
    custom = PROFILES["pytorch"]
    assert get_profile(custom) is custom
    assert _refusal(lambda: get_profile("jax")) == \
        "option --profile: unknown framework profile 'jax'; valid: pytorch, numpy-engine"
    assert _refusal(lambda: check_optimizer("lamb")) == \
        "option --optimizer: unknown optimizer 'lamb'; valid: sgd, sgd-momentum, adam, adamw"


def test_autocast_precisions():
    pytorch, engine = PROFILES["pytorch"], PROFILES["numpy-engine"]
    for name in (None, "fp32", "none"):
        assert check_amp(name, pytorch) is None and check_amp(name, engine) is None
    assert check_amp("bf16", pytorch) == "bf16" and check_amp("fp16", pytorch) == "fp16"
    assert _refusal(lambda: check_amp("int8", pytorch)) == \
        "option --amp: unknown precision 'int8'; valid: fp32 (no autocast), bf16, fp16"
    assert _refusal(lambda: check_amp("bf16", engine)) == \
        "option --amp: profile 'numpy-engine' has no autocast (bf16); valid: fp32, or the pytorch profile"
    assert _refusal(lambda: check_amp("fp16", engine, "option --precisions")).startswith("option --precisions: profile")
    # the config says which: fp32 without autocast
    assert snncost.train_memory(_tiny(), batch=1, amp="none").config["amp"] == "fp32"
    assert snncost.train_memory(_tiny(), batch=1, amp="fp16").config["amp"] == "fp16"


def test_numpy_engine_profile_refuses_kinds_the_engine_does_not_run():
    b = SpecBuilder("tok", (4, 2, 2), timesteps=2)
    b.lif("l")
    b.tokens("t")
    b.layernorm("ln")
    spec = b.build()
    message = _refusal(lambda: snncost.train_memory(spec, profile="numpy-engine"))
    assert message.startswith("node 't' field 'op': profile 'numpy-engine': the engine has no rule for 'tokens' nodes; "
                              "valid: a spec using add, ")
    assert message.endswith("; or profile pytorch")
    assert snncost.train_memory(spec, profile="pytorch").totals["peak_bytes"] > 0


def test_static_nodes_refusal():
    assert _refusal(lambda: snncost.train_memory(_tiny(), static_nodes="sometimes")) == \
        "option --static-nodes: unknown value 'sometimes'; valid: once, per-timestep"
    assert _refusal(lambda: snncost.fit(_tiny(), "1GiB", static_nodes="never")) == \
        "option --static-nodes: unknown value 'never'; valid: once, per-timestep"
