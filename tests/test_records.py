"""Records (snncost/records.py): the plain classes specs and start-up value objects are
made of.  They must behave as the dataclasses and pydantic models they replaced did."""
from __future__ import annotations

from typing import Optional

import pytest
from pydantic import ValidationError

from snncost.kinds.base import NodeBase, PositiveInt
from snncost.kinds.conv import Conv2d
from snncost.records import REQUIRED, Record, SpecRecord, from_validated, pydantic_model
from snncost.spec import spec_from_dict
from snncost.spec.network import NetworkSpec, Precision


class Point(Record):
    x: int
    y: int = 2
    tags: list = []


class Point3(Point):
    z: int = 3


class Counter(Record, frozen=False):
    count: int = 0


def test_fields_in_declaration_order_base_first():
    assert list(Point3.fields) == ["x", "y", "tags", "z"]
    assert Point3.fields["x"] is REQUIRED and Point3.fields["z"] == 3


def test_positional_and_keyword_construction_like_a_dataclass():
    assert Point(1).values() == {"x": 1, "y": 2, "tags": []}
    assert Point(1, 5, ["a"]).values() == {"x": 1, "y": 5, "tags": ["a"]}
    assert Point3(1, z=9).values() == {"x": 1, "y": 2, "tags": [], "z": 9}


@pytest.mark.parametrize("make, message", [
    (lambda: Point(), "missing required field 'x'"),
    (lambda: Point(1, bogus=3), "unexpected field 'bogus'"),
    (lambda: Point(1, x=2), "got a field twice"),
    (lambda: Point(1, 2, [], 4), "too many positional arguments"),
])
def test_bad_construction_is_refused(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_list_defaults_are_not_shared():
    a, b = Point(1), Point(1)
    a.tags.append("only a")
    assert b.tags == [] and Point.construct(x=1).tags == []


def test_frozen_and_mutable_records():
    p = Point(1)
    with pytest.raises(AttributeError, match="frozen"):
        p.x = 3
    with pytest.raises(AttributeError, match="frozen"):
        del p.x
    c = Counter()
    c.count += 1
    assert c.count == 1
    with pytest.raises(TypeError):
        hash(c)  # mutable: unhashable, as a dataclass


def test_equality_hash_repr_replace():
    assert Point(1) == Point(1, 2, []) and Point(1) != Point(2) and Point(1) != Point3(1)
    assert hash(Point(1, 2, ["a"])) == hash(Point(1, 2, ["a"]))
    assert repr(Point(1)) == "Point(x=1, y=2, tags=[])"
    q = Point(1).replace(y=7)
    assert q == Point(1, 7) and type(q) is Point
    with pytest.raises(TypeError, match="no field 'w'"):
        Point(1).replace(w=1)


def test_dump_json_and_defaults():
    class Outer(Record):
        inner: Point
        pair: tuple = (1, 2)

    outer = Outer(Point(1, tags=[(3, 4)]), pair=(5, 6))
    assert outer.dump() == {"inner": {"x": 1, "y": 2, "tags": [(3, 4)]}, "pair": (5, 6)}
    assert outer.dump(json=True) == {"inner": {"x": 1, "y": 2, "tags": [[3, 4]]}, "pair": [5, 6]}
    assert Outer(Point(1)).dump(exclude_defaults=True) == {"inner": {"x": 1, "y": 2, "tags": []}}


def test_record_class_default_is_a_fresh_record():
    spec = NetworkSpec.construct(name="n", input={"shape": [1]}, nodes=[])
    assert spec.precision == Precision(weight_bits=32, membrane_bits=32, spike_bits=1)
    assert spec.groupings == {} and spec.notes == []


def test_spec_record_construction_validates():
    conv = Conv2d(name="c", op="conv2d", out_channels=8, kernel=[3, 5])
    assert type(conv) is Conv2d and conv.kernel == (3, 5)  # pydantic's tuple, as a record
    with pytest.raises(ValidationError):
        Conv2d(name="c", op="conv2d", out_channels=0, kernel=3)  # out_channels must be >= 1
    with pytest.raises(ValidationError):
        Conv2d(name="c", op="conv2d", out_channels=True, kernel=3)  # a bool is not an int
    with pytest.raises(ValidationError):
        Conv2d(name="c", op="conv2d", out_channels=8, kernel=3, colour="red")  # unknown field


def test_validators_of_a_spec_record_run_in_its_model():
    with pytest.raises(ValidationError, match="lanes > 1 needs op 'mlif'"):
        spec_from_dict_raw({"name": "a", "op": "lif", "lanes": 2})


def spec_from_dict_raw(node: dict):
    from snncost.kinds import get_kind

    return from_validated(get_kind(node["op"]).model.model_validate(node))


def test_validated_and_constructed_specs_are_the_same_records():
    data = {"name": "t", "input": {"shape": [3, 8, 8]},
            "nodes": [{"name": "c", "op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1},
                      {"name": "s", "op": "lif"}]}
    validated = spec_from_dict(data)
    assert type(validated) is NetworkSpec and [type(n).__name__ for n in validated.nodes] == ["Conv2d", "Neuron"]
    built = NetworkSpec.construct(name="t", input=validated.input,
                                  nodes=[Conv2d.construct(**data["nodes"][0]), type(validated.nodes[1]).construct(**data["nodes"][1])])
    assert built.dump() == validated.dump()


def test_a_user_record_with_field_type_names():
    class Thing(NodeBase):
        op: str = "thing"
        size: PositiveInt = 1
        maybe: Optional[PositiveInt] = None

    model = pydantic_model(Thing)
    assert model.model_validate({"name": "a", "size": 3}).size == 3
    with pytest.raises(ValidationError):
        model.model_validate({"name": "a", "size": -1})
    assert issubclass(Thing, SpecRecord)
