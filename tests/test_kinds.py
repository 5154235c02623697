"""The node-kind registry: docs/spec.md's node table and the property-test strategies
follow it; per-kind facts come from the registry only."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from snncost.kinds import get_kind, kinds, node_kinds
from snncost.kinds.registry import RULE_KEYS, spec_table
from snncost.spec.nodes import node_union

ROOT = Path(__file__).resolve().parent.parent


def test_spec_doc_table_is_the_registry_table():
    doc = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    assert spec_table() in doc, "docs/spec.md's node table is stale: paste snncost.kinds.registry.spec_table()"


def test_strategies_draw_every_builtin_kind():
    # the ops tests/strategies.py can emit, read from its source (a kind added to the
    # registry must be added to the strategies, or this fails)
    source = (ROOT / "tests" / "strategies.py").read_text(encoding="utf-8")
    drawn = set(re.findall(r'"([a-z0-9_]+)"', source)) & set(node_kinds())
    drawn |= {f"{p}{d}" for p in ("avgpool", "maxpool", "sumpool") for d in ("1d", "2d")
              if '"avgpool", "maxpool", "sumpool"' in source}
    builtin = {k.name for k in kinds() if k.family != "user"}
    assert builtin <= drawn, f"strategies never draw: {sorted(builtin - drawn)}"


def test_union_covers_every_kind():
    members = node_union().__origin__.__args__
    ops = {op for model in members for op in model.model_fields["op"].annotation.__args__}
    assert ops == set(node_kinds())


@pytest.mark.parametrize("name", ["lif", "if", "cubalif", "mlif"])
def test_neuron_kinds_have_state(name):
    # EfficientLIF-Net: one membrane v per LIF neuron; cubalif adds the synaptic current i
    assert get_kind(name).state_variables == (("v", "i") if name == "cubalif" else ("v",))


def test_weight_dims_of_a_conv_by_hand():
    from snncost.kinds.conv import Conv2d
    node = Conv2d(name="c", op="conv2d", out_channels=8, kernel=(3, 5), groups=2)
    # C_out x C_in/groups x k_h x k_w = 8 x 4/2 x 3 x 5
    assert get_kind("conv2d").weight_dims(node, (4, 9, 9)) == (8, 2, 3, 5)
    assert get_kind("conv2d").params(node, [(4, 9, 9)]) == 8 * 2 * 3 * 5 + 8


def test_rule_keys_are_documented():
    from snncost.kinds import registry
    for key in RULE_KEYS:
        assert f'"{key}"' in registry.__doc__
