"""Records (snncost/records.py): the plain classes specs and start-up value objects are
made of.  They must behave as the dataclasses and pydantic models they replaced did.

Record classes are made inside the tests (``_classes()``), not at import: class creation
and model building are code under test (docs/testing.md, mutation rules 4 and 6).
"""
from __future__ import annotations

from typing import Optional

import pytest
from pydantic import ValidationError

from snncost import SpecError, register_node_kind
from snncost.kinds import get_kind
from snncost.kinds.base import NodeBase, PositiveInt
from snncost.kinds.conv import Conv2d
from snncost.kinds.registry import remove_kind
from snncost.records import REQUIRED, Record, SpecRecord, from_validated, pydantic_model
from snncost.spec import spec_from_dict
from snncost.spec.network import NetworkSpec, Precision


def _classes():
    class Point(Record):
        x: int
        y: int = 2
        tags: list = []

    class Point3(Point):
        z: int = 3

    class Counter(Record, frozen=False):
        count: int = 0

    class FrozenCounter(Counter, frozen=True):
        pass

    return Point, Point3, Counter, FrozenCounter


def test_fields_in_declaration_order_base_first():
    Point, Point3, *_ = _classes()
    assert list(Point3.fields) == ["x", "y", "tags", "z"]
    assert Point3.fields["x"] is REQUIRED and Point3.fields["y"] == 2 and Point3.fields["z"] == 3

    class Labelled(Record):
        label: str = ...  # required, as pydantic writes it

    assert Labelled.fields["label"] is REQUIRED
    with pytest.raises(TypeError, match="missing required field 'label'"):
        Labelled()


def test_positional_and_keyword_construction_like_a_dataclass():
    Point, Point3, *_ = _classes()
    assert Point(1).values() == {"x": 1, "y": 2, "tags": []}
    assert Point(1, 5, ["a"]).values() == {"x": 1, "y": 5, "tags": ["a"]}
    assert Point3(1, z=9).values() == {"x": 1, "y": 2, "tags": [], "z": 9}
    assert Point(x=4, y=None).values() == {"x": 4, "y": None, "tags": []}  # None is a value, not "missing"


@pytest.mark.parametrize("make, message", [
    (lambda P: P(), "Point() missing required field 'x'"),
    (lambda P: P(y=1), "Point() missing required field 'x'"),
    (lambda P: P(1, bogus=3), "Point() got an unexpected field 'bogus'"),
    (lambda P: P(1, x=2), "Point() got a field twice or too many positional arguments"),
    (lambda P: P(1, 2, [], 4), "Point() got a field twice or too many positional arguments"),
])
def test_bad_construction_is_refused(make, message):
    Point, *_ = _classes()
    with pytest.raises(TypeError) as info:
        make(Point)
    assert str(info.value) == message


def test_list_and_dict_defaults_are_not_shared():
    Point, *_ = _classes()
    a, b = Point(1), Point(1)
    a.tags.append("only a")
    assert b.tags == [] and Point.construct(x=1).tags == [] and Point.fields["tags"] == []
    assert vars(Point.construct(y=5)) == {"y": 5, "tags": []}  # unchecked: a missing required field stays missing


def test_frozen_and_mutable_records():
    Point, _, Counter, FrozenCounter = _classes()
    p = Point(1)
    with pytest.raises(AttributeError) as info:
        p.x = 3
    assert str(info.value) == "Point is frozen: use .replace(x=...)"
    with pytest.raises(AttributeError) as info:
        del p.y
    assert str(info.value) == "Point is frozen" and p.y == 2
    c = Counter()
    c.count += 1
    c.extra = "a note"
    assert c.count == 1 and c.extra == "a note"
    del c.extra
    assert not hasattr(c, "extra")
    with pytest.raises(TypeError):
        hash(c)  # mutable: unhashable, as a dataclass
    class Keyed(Point):
        def __hash__(self):
            return 7

    assert hash(Keyed(1)) == 7  # a subclass's own hash is kept
    f = FrozenCounter(5)
    with pytest.raises(AttributeError):
        f.count = 6
    assert hash(f) == hash(FrozenCounter(5)) and f.count == 5


def test_equality_hash_repr_replace():
    Point, Point3, *_ = _classes()
    assert Point(1) == Point(1, 2, []) and Point(1) != Point(2) and Point(1) != Point3(1)
    assert Point(1) != (1, 2, [])
    assert hash(Point(1, 2, ["a"])) == hash(Point(1, 2, ["a"]))
    assert hash(Point(1, 2, ["a"])) != hash(Point(1, 2, ["b"]))  # (equal hashes here would be a 2^-64 accident)
    assert hash(Point(1, 2, [{"k": (1, 2)}])) == hash(Point(1, 2, [{"k": [1, 2]}]))
    assert hash(Point(1, 2, [{"k": 1}])) != hash(Point(1, 2, [{"k": 2}]))
    assert repr(Point(1)) == "Point(x=1, y=2, tags=[])"
    q = Point(1).replace(y=7)
    assert q == Point(1, 7) and type(q) is Point
    with pytest.raises(TypeError) as info:
        Point(1).replace(w=1)
    assert str(info.value) == "Point has no field 'w'"


def test_dump_json_and_defaults():
    Point, *_ = _classes()

    class Outer(Record):
        inner: Point
        pair: tuple = (1, 2)
        table: dict = {}

    outer = Outer(Point(1, tags=[(3, 4)]), pair=(5, 6), table={"a": (7, 8)})
    assert outer.dump() == {"inner": {"x": 1, "y": 2, "tags": [(3, 4)]}, "pair": (5, 6), "table": {"a": (7, 8)}}
    assert type(outer.dump()["pair"]) is tuple
    assert outer.dump(json=True) == {"inner": {"x": 1, "y": 2, "tags": [[3, 4]]}, "pair": [5, 6], "table": {"a": [7, 8]}}
    assert Outer(Point(1)).dump(exclude_defaults=True) == {"inner": {"x": 1, "y": 2, "tags": []}}
    assert Outer(Point(1), (1, 3)).dump(exclude_defaults=True) == {"inner": {"x": 1, "y": 2, "tags": []}, "pair": (1, 3)}


def test_record_class_default_is_a_fresh_record():
    spec = NetworkSpec.construct(name="n", input={"shape": [1]}, nodes=[])
    assert spec.precision == Precision(weight_bits=32, membrane_bits=32, spike_bits=1)
    assert type(spec.precision) is Precision and spec.groupings == {} and spec.notes == []
    assert spec.dump(exclude_defaults=True) == {"name": "n", "input": {"shape": [1]}, "nodes": []}
    assert spec.model_dump(mode="json", exclude_defaults=True) == {"name": "n", "input": {"shape": [1]}, "nodes": []}
    assert spec.model_copy(update={"name": "m"}).name == "m" and spec.model_copy() == spec


def test_spec_record_construction_validates():
    conv = Conv2d(name="c", op="conv2d", out_channels=8, kernel=[3, 5])
    assert type(conv) is Conv2d and conv.kernel == (3, 5)  # pydantic's tuple, as a record
    with pytest.raises(ValidationError):
        Conv2d(name="c", op="conv2d", out_channels=0, kernel=3)  # out_channels must be >= 1
    with pytest.raises(ValidationError):
        Conv2d(name="c", op="conv2d", out_channels=True, kernel=3)  # a bool is not an int
    with pytest.raises(ValidationError):
        Conv2d(name="c", op="conv2d", out_channels=8, kernel=3, colour="red")  # unknown field


def test_a_fresh_spec_record_builds_its_model():
    def double_if_even(value, fields):
        if fields.get("mode") == "strict" and value % 2:
            raise ValueError("odd size in strict mode")
        return 2 * value

    class Thing(NodeBase):
        op: str = "thing"
        mode: str = "loose"
        size: PositiveInt = 1
        maybe: Optional[PositiveInt] = None
        validators = {"size": double_if_even}

    # a class made in a function names another local class by the object itself (a string
    # annotation could not be resolved: PEP 563 keeps no local namespace)
    Box = type("Box", (SpecRecord,), {"__annotations__": {"thing": Thing, "count": "PositiveInt"}})

    conv = Conv2d(name="c", op="conv2d", out_channels=8, kernel=[3, 5])
    assert conv.model_dump()["kernel"] == (3, 5) and conv.model_dump(mode="json")["kernel"] == [3, 5]
    assert conv.model_dump()["bias"] is True and "bias" not in conv.model_dump(exclude_defaults=True)
    thing = Thing(name="a", size=3)
    assert type(thing) is Thing and thing.size == 6 and thing.maybe is None  # the validator's value is kept
    with pytest.raises(ValidationError, match="odd size in strict mode"):
        Thing(name="a", size=3, mode="strict")
    with pytest.raises(ValidationError):
        Thing(name="a", size=-1)
    with pytest.raises(ValidationError):
        Thing(size=2)  # name is required
    with pytest.raises(ValidationError):
        Thing(name="a", shape=2)  # unknown field
    box = Box(thing={"name": "b", "size": 2}, count=1)
    assert type(box.thing) is Thing and box.thing.size == 4
    with pytest.raises(ValidationError):
        Box(thing={"name": "b"})  # count is required
    assert pydantic_model(Box) is pydantic_model(Box)  # built once
    assert pydantic_model(Box).__record__ is Box


def test_validators_of_a_spec_record_run_in_its_model():
    with pytest.raises(ValidationError, match="lanes > 1 needs op 'mlif'"):
        from_validated(get_kind("lif").model.model_validate({"name": "a", "op": "lif", "lanes": 2}))
    assert from_validated(get_kind("mlif").model.model_validate({"name": "a", "op": "mlif", "lanes": 2})).lanes == 2


def test_validated_and_constructed_specs_are_the_same_records():
    data = {"name": "t", "input": {"shape": [3, 8, 8]},
            "nodes": [{"name": "c", "op": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1},
                      {"name": "s", "op": "lif"}]}
    validated = spec_from_dict(data)
    assert type(validated) is NetworkSpec and [type(n).__name__ for n in validated.nodes] == ["Conv2d", "Neuron"]
    built = NetworkSpec.construct(name="t", input=validated.input,
                                  nodes=[Conv2d.construct(**data["nodes"][0]), type(validated.nodes[1]).construct(**data["nodes"][1])])
    assert built.dump() == validated.dump() and built == validated


def test_rebuilt_network_model_keeps_the_node_count_limit(monkeypatch):
    from snncost import records

    monkeypatch.setattr(records, "MAX_NODES", 2)  # read when the network's model is (re)built
    register_node_kind("test_record_kind")
    try:
        nodes = [{"name": f"x{i}", "op": "test_record_kind"} for i in range(3)]
        with pytest.raises(SpecError, match="at most 2 items"):
            spec_from_dict({"name": "t", "input": {"shape": [4]}, "nodes": nodes})
    finally:
        remove_kind("test_record_kind")  # rebuilt again at the next validation, with the real limit


def test_network_model_follows_registrations():
    data = {"name": "t", "input": {"shape": [4]}, "nodes": [{"name": "x", "op": "test_record_kind"}]}
    with pytest.raises(SpecError, match="unknown node kind \\(op\\): 'test_record_kind'"):
        spec_from_dict(data)  # not a kind yet
    register_node_kind("test_record_kind")
    try:
        assert spec_from_dict(data).nodes[0].op == "test_record_kind"
        with pytest.raises(SpecError, match="at least 1 item"):  # the rebuilt model keeps the node-count limits
            spec_from_dict({**data, "nodes": []})
    finally:
        remove_kind("test_record_kind")
    with pytest.raises(SpecError, match="unknown node kind \\(op\\): 'test_record_kind'"):
        spec_from_dict(data)  # gone again
