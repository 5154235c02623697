"""The model zoo: named, cited networks (``snncost.zoo.load('resnet19')``).

Models live in the top-level ``model_zoo/`` folder of the repository (installed as
``snncost.model_zoo``): one module per source paper, each with a ``MODELS`` dict.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path

from .errors import SpecError


@lru_cache(maxsize=1)
def _registry() -> dict:
    package = importlib.import_module("snncost.model_zoo")
    models: dict = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"snncost.model_zoo.{info.name}")
        for name, builder in getattr(module, "MODELS", {}).items():
            models[name] = builder
    return models


def names() -> list[str]:
    """Every zoo model name."""
    return sorted(_registry())


@lru_cache(maxsize=64)
def _load(name: str, options: tuple):
    from .spec.builder import trusted_build

    with trusted_build():  # zoo code is validated by the test suite; skip pydantic at run time
        return _registry()[name](**dict(options))


def load(name: str, **options):
    """Build zoo model ``name`` (cached; options such as ``num_classes=100`` go to its builder)."""
    if name not in _registry():
        raise SpecError(f"model '{name}'", "not in the model zoo", ", ".join(names()) + ", or a .yaml/.yml/.json spec file or .nir graph")
    return _load(name, tuple(sorted(options.items())))


def resolve_model(model):
    """A NetworkSpec, a zoo name, or a path to a spec file -> NetworkSpec."""
    from .spec.loader import load_spec
    from .spec.network import NetworkSpec

    if isinstance(model, NetworkSpec):
        return model
    if isinstance(model, Path):
        return load_spec(model)
    if isinstance(model, str):
        if model in _registry():
            return load(model)
        if model.lower().endswith((".yaml", ".yml", ".json", ".nir")) or "/" in model or Path(model).exists():
            return load_spec(model)
        raise SpecError(f"model '{model}'", "not in the model zoo and not a spec file",
                        ", ".join(names()) + ", or a path to a .yaml/.yml/.json spec file or .nir graph")
    raise SpecError("model", f"expected a zoo name, a spec file path or a NetworkSpec, got {type(model).__name__}",
                    "a string, a pathlib.Path or snncost.spec.NetworkSpec")
