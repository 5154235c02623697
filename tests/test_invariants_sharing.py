"""Hypothesis invariants of the sharing memory model over random conv/LIF stacks
(EfficientLIF-Net Sec. 4): sharing never increases memory, L+C<N> <= min(L, C<N>),
backward >= forward, exact scaling with batch and bits."""
from hypothesis import given, settings
from hypothesis import strategies as st

from snncost.analysis import analyze
from snncost.spec import SpecBuilder


@st.composite
def conv_lif_stacks(draw):
    """Random stacks of conv -> [batchnorm] -> LIF, channels multiples of 8, some stride 2,
    some residual adds, random soft/hard reset, random named layer groups."""
    size = draw(st.sampled_from([8, 12, 16, 32]))
    b = SpecBuilder("random", (draw(st.integers(1, 4)), size, size), timesteps=draw(st.integers(1, 8)))
    channels = draw(st.sampled_from([8, 16, 24]))
    b.conv2d("c0", channels, 3, padding=1)
    b.lif("n0", reset=draw(st.sampled_from(["soft", "hard"])), layer_group=draw(st.sampled_from([None, "g0"])))
    current = size
    for i in range(1, draw(st.integers(1, 6)) + 1):
        stride = 2 if current >= 4 and draw(st.booleans()) else 1
        new_channels = draw(st.sampled_from([channels, channels * 2]))
        before = b.last
        b.conv2d(f"c{i}", new_channels, 3, stride=stride, padding=1)
        if draw(st.booleans()):
            b.batchnorm(f"bn{i}")
        if stride == 1 and new_channels == channels and draw(st.booleans()):
            b.residual_add(f"add{i}", [b.last, before])
        op = draw(st.sampled_from(["lif", "if", "cubalif"]))
        shareable = op == "lif" and stride == 1 and new_channels == channels  # same shape, same state
        b.lif(f"n{i}", op=op, reset=draw(st.sampled_from(["soft", "soft", "hard"])),
              layer_group=f"g{i // 2}" if shareable and draw(st.booleans()) else None)
        current = (current + 2 - 3) // stride + 1
        channels = new_channels
    return b.build()


def forward(spec, sharing, **kw):
    return analyze(spec, sharing=sharing, training="bptt", layer_groups="auto" if "L" in sharing else None,
                   **kw).totals["lif_forward_bits"]


@settings(max_examples=60, deadline=None)
@given(conv_lif_stacks(), st.sampled_from([2, 4, 8]))
def test_sharing_never_increases_memory_and_combined_is_smallest(spec, n):
    none = forward(spec, "none")
    layer = forward(spec, "L")
    channel = forward(spec, f"C{n}")
    both = forward(spec, f"L+C{n}")
    assert layer <= none and channel <= none
    assert both <= min(layer, channel)
    assert channel * n == none  # C<N> divides every buffer by N exactly
    assert both * n == layer


@settings(max_examples=60, deadline=None)
@given(conv_lif_stacks(), st.sampled_from(["none", "L", "C2", "L+C8"]), st.integers(1, 64),
       st.sampled_from([1, 1.5, 2, 4, 8, 16, 32]), st.sampled_from([1, 2, 4]))
def test_backward_at_least_forward_and_exact_scaling(spec, sharing, batch, membrane_bits, spike_bits):
    base = analyze(spec, sharing=sharing).totals
    scaled = analyze(spec, sharing=sharing, batch=batch, membrane_bits=membrane_bits, spike_bits=spike_bits).totals
    assert base["lif_backward_bits"] >= base["lif_forward_bits"]
    assert scaled["lif_backward_bits"] >= scaled["lif_forward_bits"]
    # exact scaling: default membrane bits are 32, spike bits 1
    assert scaled["lif_forward_bits"] * 32 == base["lif_forward_bits"] * batch * membrane_bits
    assert scaled["lif_backward_bits"] * 32 == base["lif_backward_bits"] * batch * membrane_bits
    assert scaled["spike_bits_per_timestep"] == base["spike_bits_per_timestep"] * batch * spike_bits
    assert scaled["weight_bits"] == base["weight_bits"]


@settings(max_examples=40, deadline=None)
@given(conv_lif_stacks())
def test_bptt_backward_is_T_times_unshared_forward(spec):
    report = analyze(spec, sharing="none")
    assert report.totals["lif_backward_bits"] == spec.timesteps * report.totals["lif_forward_bits"]
    # and forward = sum of neurons x state variables x 32 bits, computed from the rows
    assert report.totals["lif_forward_bits"] == sum(r["lif_neurons"] * r["state_variables"] * 32 for r in report.rows)
