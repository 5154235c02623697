"""Records: plain objects whose fields are declared once, by class annotations: the
objects a spec is made of (network, input, precision, nodes: :class:`SpecRecord`) and the
value objects of the start-up path (node kinds, facts, options, configs: :class:`Record`).

A record class is a plain Python class, cheap to create (a dataclass compiles its methods
when its class is made, about a millisecond each).  A spec built by code (the model zoo,
the formula engine) is assembled without pydantic, so ``snncost table resnet19`` never
imports it (issue #8, cold start).  Validation of user data (spec files, dicts) uses a
pydantic model built from the same annotations on first use (:func:`pydantic_model`),
and its result is turned back into records (:func:`from_validated`): the rest of
snncost sees one kind of object, however the spec was made.

Field annotations are not evaluated at import (PEP 563): they name the field types
below, which mean the pydantic types of :class:`FieldTypes` when a model is built.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Callable, get_type_hints


MAX_SIZE = 10**18
"""Largest size, count or channel number a spec may give: results stay exact Python ints
of a printable length, far beyond any real network (docs/errors.md)."""
MAX_NODES = 100_000
"""Most nodes a spec may have (a bound so that no spec file can make an analysis hang)."""
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.\-]*$"

# ---- field types: names in annotations, pydantic types in FieldTypes -----------------
PositiveInt = "PositiveInt"
"""An int in 1..MAX_SIZE (never a bool, a float or a string)."""
NonNegativeInt = "NonNegativeInt"
"""An int in 0..MAX_SIZE."""
Pair = "Pair"
"""A PositiveInt or a pair of them (``k`` or ``(k_h, k_w)``)."""
PadPair = "PadPair"
"""A NonNegativeInt or a pair of them."""
Bits = "Bits"
"""A bit width: a finite int or float in (0, MAX_BITS], never a bool or a string."""
StrictBool = "StrictBool"
"""true or false (never 0/1 or a string)."""
Name = "Name"
"""A node, group or grouping name: NAME_PATTERN, at most 200 characters."""
InputName = "InputName"
"""A name in a node's ``inputs`` (checked against the graph, at most 200 characters)."""
Probability = "Probability"
"""A float in [0, 1)."""
SpecName = "SpecName"
"""A network's name: 1 to 200 characters."""
InputShape = "InputShape"
"""An input shape: 1 to 3 PositiveInts, channels first."""
Nodes = "Nodes"
"""1 to MAX_NODES nodes, each validated by its kind's model (discriminated by ``op``)."""
Groupings = "Groupings"
"""grouping name -> group name -> member neuron node names."""

REQUIRED = object()
"""The default of a field that has none."""


class FieldTypes(dict):
    """The pydantic types the field-type names above stand for (imports pydantic), as the
    local namespace annotations are evaluated in; ``Nodes`` is built when first named
    (from the kinds registered at that time)."""

    def __init__(self):
        super().__init__(_pydantic_types())

    def __missing__(self, name):
        if name != "Nodes":
            raise KeyError(name)  # pragma: no mutate (equivalent: eval falls back to the module's names whatever the key)
        from pydantic import Field

        from .spec.nodes import node_union

        return Annotated[list[node_union()], Field(min_length=1, max_length=MAX_NODES)]


@lru_cache(maxsize=1)
def _pydantic_types() -> dict[str, Any]:
    from typing import Union

    from pydantic import Field, StrictBool as PydanticStrictBool, StrictInt

    from .precision import MAX_BITS

    positive = Annotated[StrictInt, Field(gt=0, le=MAX_SIZE)]
    non_negative = Annotated[StrictInt, Field(ge=0, le=MAX_SIZE)]
    name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=200)]
    return {
        "PositiveInt": positive,
        "NonNegativeInt": non_negative,
        "Pair": Union[positive, tuple[positive, positive]],
        "PadPair": Union[non_negative, tuple[non_negative, non_negative]],
        # strict: a bit width is a number (int or float), never a bool or a string; finite
        "Bits": Annotated[float, Field(gt=0, le=MAX_BITS, strict=True, allow_inf_nan=False)],
        "StrictBool": PydanticStrictBool,
        "Name": name,
        "InputName": Annotated[str, Field(max_length=200)],
        "Probability": Annotated[float, Field(ge=0, lt=1)],
        "SpecName": Annotated[str, Field(min_length=1, max_length=200)],
        "InputShape": Annotated[list[positive], Field(min_length=1, max_length=3)],
        "Groupings": dict[name, dict[name, list[str]]],
    }


def _plain(value, json: bool):
    """A field value as plain data (records as dicts; tuples as lists in JSON mode)."""
    if isinstance(value, Record):
        return value.dump(json=json)
    if isinstance(value, (list, tuple)):
        items = [_plain(v, json) for v in value]
        return items if json or isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _plain(v, json) for k, v in value.items()}
    return value


def _frozen(value):
    """A hashable form of a field value."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    return value


class Record:
    """A record whose fields are its class annotations (base classes first); a class
    attribute of the same name is the field's default (``...``: none, the field is
    required; a list or dict default is copied for each record; a record class as
    default means a fresh record of that class).

    ``Record(*args, **kwargs)`` takes the fields in declaration order, as a dataclass
    does; records are frozen (``class R(Record, frozen=False)`` for a mutable one),
    compare and hash by their fields.  A plain class, not a dataclass: creating one
    costs microseconds, and snncost's start-up creates dozens (issue #8, cold start).
    """

    # set per class by __init_subclass__: name -> default (or REQUIRED), in declaration order
    fields = {}
    _frozen = True

    def __init_subclass__(cls, frozen=None, **kwargs):
        super().__init_subclass__(**kwargs)
        fields = {}
        for klass in reversed(cls.__mro__):
            for name in klass.__dict__.get("__annotations__", {}):
                default = klass.__dict__.get(name, REQUIRED)
                fields[name] = REQUIRED if default is ... else default
        cls.fields = fields
        if frozen is not None:
            cls._frozen = frozen
        if "__hash__" not in cls.__dict__ and "__eq__" not in cls.__dict__:  # a class's own equality stays
            cls.__hash__ = Record.__hash__ if cls._frozen else None  # mutable: unhashable, as a dataclass

    def __init__(self, *args, **kwargs):
        fields = type(self).fields
        values = dict(zip(fields, args))
        if kwargs:
            values.update(kwargs)
        if len(values) != len(args) + len(kwargs) or len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() got a field twice or too many positional arguments")
        if values.keys() != fields.keys():  # some fields left at their defaults (or unknown names)
            unknown = values.keys() - fields.keys()
            if unknown:
                raise TypeError(f"{type(self).__name__}() got an unexpected field {sorted(unknown)[0]!r}")
            for name in fields.keys() - values.keys():
                default = fields[name]
                if default is REQUIRED:
                    raise TypeError(f"{type(self).__name__}() missing required field {name!r}")
                values[name] = _default(default)
        self.__dict__.update(values)

    @classmethod
    def construct(cls, **values):
        """A record of ``values`` (defaults for the rest), unchecked: for data made by code."""
        record = object.__new__(cls)
        record.__dict__.update({k: _default(v) for k, v in cls.fields.items() if v is not REQUIRED and k not in values})
        record.__dict__.update(values)
        return record

    def replace(self, **changes):
        """A copy with ``changes`` (as ``dataclasses.replace``; not validated)."""
        unknown = set(changes) - set(type(self).fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        return type(self).construct(**{**self.values(), **changes})

    def values(self) -> dict:
        """Field name -> value, in declaration order."""
        return {name: getattr(self, name) for name in type(self).fields}

    def dump(self, *, json: bool = False, exclude_defaults: bool = False) -> dict:
        """Plain data: nested records as dicts; ``json``: tuples as lists;
        ``exclude_defaults``: leave out fields equal to their default."""
        fields = type(self).fields
        return {name: _plain(value, json) for name, value in self.values().items()
                if not (exclude_defaults and value == _default(fields[name]))}

    def __setattr__(self, name, value):
        if type(self)._frozen:
            raise AttributeError(f"{type(self).__name__} is frozen: use .replace({name}=...)")
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        if type(self)._frozen:
            raise AttributeError(f"{type(self).__name__} is frozen")
        object.__delattr__(self, name)

    def __eq__(self, other):
        return type(other) is type(self) and other.values() == self.values()

    def __hash__(self):
        return hash(_frozen(list(self.values().values())))

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.values().items())})"


class SpecRecord(Record):
    """A record of a spec (network, input, precision, node): validated when made from
    data (``SpecRecord(**data)``, :meth:`model_validate`), by a pydantic model built
    from its annotations on first use; :meth:`construct` skips validation.

    ``validators`` maps a field name to ``check(value, data) -> value`` (``data``: the
    fields validated before it), run by the pydantic model; a ``ValueError`` it raises
    is a validation error of that field.
    """

    validators = {}

    def __init__(self, **data):
        validated = type(self).model_validate(data)
        self.__dict__.update(validated.__dict__)

    @classmethod
    def model_validate(cls, data):
        """Validate plain data (a dict) into a record (pydantic errors are raised as
        ``pydantic.ValidationError``; :func:`snncost.spec.spec_from_dict` words them)."""
        return from_validated(pydantic_model(cls).model_validate(data))

    def model_copy(self, *, update: dict | None = None):
        """:meth:`replace`, under pydantic's name (specs were pydantic models once)."""
        return self.replace(**(update or {}))

    def model_dump(self, *, mode: str = "python",  # pragma: no mutate (equivalent: every mode but "json" is python mode)
                   exclude_defaults: bool = False) -> dict:
        """:meth:`dump` under pydantic's name (``mode="json"``: JSON types)."""
        return self.dump(json=mode == "json", exclude_defaults=exclude_defaults)


def _default(value):
    """A field's default value: a fresh record where the default is a record class, a
    fresh copy of a list or dict default."""
    if isinstance(value, type) and issubclass(value, Record):
        return value.construct()
    return type(value)(value) if isinstance(value, (list, dict)) else value


# ---- validation: a pydantic model per record class, built on first use ---------------
_MODELS: dict[type, type] = {}


def forget_model(cls: type) -> None:
    """Drop the built model of ``cls`` (the network's, after a node kind is registered,
    so that ``nodes`` validates against the new kinds)."""
    _MODELS.pop(cls, None)


def pydantic_model(cls: type) -> type:
    """The pydantic model validating the fields of record class ``cls`` (built once:
    strict types, unknown fields refused; its objects are turned into records at once,
    :func:`from_validated`)."""
    model = _MODELS.get(cls)
    if model is None:
        model = _MODELS[cls] = _build(cls)
    return model


def _build(cls: type) -> type:
    from pydantic import ConfigDict, create_model, field_validator

    # the annotations as Python resolves them (each class's module, then FieldTypes)
    hints = get_type_hints(cls, localns=FieldTypes(), include_extras=True)
    fields = {}
    for name in cls.fields:
        annotation = hints[name]
        if isinstance(annotation, type) and issubclass(annotation, Record):
            annotation = pydantic_model(annotation)
        default = cls.fields[name]
        if isinstance(default, type) and issubclass(default, Record):
            fields[name] = (annotation, _record_factory(default))
        else:
            fields[name] = (annotation, ... if default is REQUIRED else default)
    validators = {f"_check_{name}": field_validator(name)(_validator(check)) for name, check in cls.validators.items()}
    model = create_model(cls.__name__, __config__=ConfigDict(extra="forbid"),
                         __validators__=validators, **fields)
    model.__record__ = cls
    return model


def _record_factory(cls: type):
    from pydantic import Field

    return Field(default_factory=lambda: pydantic_model(cls)())


def _validator(check: Callable):
    def validate(model, value, info):
        return check(value, info.data)
    return classmethod(validate)


def from_validated(value):
    """A validated pydantic object as records (nested models too)."""
    record = getattr(type(value), "__record__", None)
    if record is not None:
        return record.construct(**{name: from_validated(getattr(value, name)) for name in record.fields})
    if isinstance(value, list):
        return [from_validated(v) for v in value]
    return value
