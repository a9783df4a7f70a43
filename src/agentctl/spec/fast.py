"""Validate a spec without importing pydantic or building the model classes.

pydantic-core validates with the models' own core schemas (``compiled``, written from
the models), making the light classes of ``shapes``: the same checks, defaults and
refusals as the models, at a fraction of the start-up. Where these schemas cannot
be used (another pydantic-core than they were written with, which may read them
differently without refusing them, or one that refuses them), ``validate`` returns
None and callers use the models.

An invalid spec raises pydantic-core's ValidationError; callers validate it with the
models again for the located error messages (``errors_map`` reads the models).
"""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import ModuleType

    from pydantic_core import ValidationError as ValidationError

    from agentctl.spec.models import Platform

_CORE = "pydantic_core._pydantic_core"
_ALONE: list[ModuleType] = []  # the compiled module, loaded on its own


def _core() -> ModuleType:
    """pydantic-core's compiled module, where its SchemaValidator and ValidationError are.

    The package's ``__init__`` also imports ``core_schema`` (the TypedDicts for writing
    schemas by hand) and typing_extensions, about 10 ms of a deploy's start-up that
    validating with ready schemas never uses. Unless the package is imported already,
    the compiled module is loaded on its own, kept here and not in ``sys.modules``: a
    later ``import pydantic_core`` (pydantic, for the models) imports it the usual way.
    It is a single-phase extension module, so both are made from one initialisation
    and share their classes: ValidationError is one class whichever raised it (a test
    holds this). Anything unexpected in the package's layout: the usual import."""
    module = sys.modules.get(_CORE)
    if module is not None:
        return module
    if _ALONE:
        return _ALONE[0]
    if "pydantic_core" not in sys.modules:
        try:
            _ALONE.append(_load_alone())
            return _ALONE[0]
        except Exception:  # another layout: the usual import below
            pass
    import pydantic_core._pydantic_core as imported

    return imported


def _load_alone() -> ModuleType:
    import importlib.machinery
    import importlib.util
    import os

    package = importlib.util.find_spec("pydantic_core")  # finds, does not import, a package
    if package is None or not package.submodule_search_locations:
        raise ImportError("pydantic_core")
    for folder in package.submodule_search_locations:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "_pydantic_core" + suffix)
            if os.path.isfile(path):
                loader = importlib.machinery.ExtensionFileLoader(_CORE, path)
                spec = importlib.util.spec_from_file_location(_CORE, path, loader=loader)
                assert spec is not None
                module = importlib.util.module_from_spec(spec)
                loader.exec_module(module)
                return module
    raise ImportError(_CORE)


def __getattr__(name: str) -> Any:
    if name == "ValidationError":  # what spec_object raises: pydantic-core's own class
        return _core().ValidationError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _validator(name: str) -> Any:
    from agentctl.spec import compiled

    core = _core()
    SchemaError, SchemaValidator = core.SchemaError, core.SchemaValidator
    if core.__version__ != compiled.PYDANTIC_CORE_VERSION:
        # another pydantic-core takes a schema it reads differently (a key it does not
        # know is ignored, not refused): the models validate
        return None
    schema: dict[str, Any]
    if name == "Agent":
        schema = compiled.AGENT
    elif name == "Platform":
        schema = compiled.PLATFORM
    else:
        agent: dict[str, Any] = compiled.AGENT
        definitions = agent.get("definitions", [])
        schema = {
            "type": "definitions",
            "schema": compiled.MODELS[name],
            "definitions": definitions,
        }
    try:
        return SchemaValidator(schema)
    except SchemaError:
        return None


def validate(name: str, data: Any) -> Any:
    """``data`` validated as model ``name`` ("Agent", "Platform", "Scaling", ...) into a
    light spec object; None when the compiled schemas cannot be used here. Raises
    pydantic-core's ValidationError when ``data`` is invalid."""
    validator = _validator(name)
    if validator is None:
        return None
    return validator.validate_python(data)


def available() -> bool:
    """Whether the compiled schemas are used: this is the pydantic-core they were
    written with, and it takes them."""
    return _validator("Agent") is not None


def spec_object(name: str, data: Any) -> Any:
    """``data`` validated as spec model ``name``: a light spec object, or a model where
    the compiled schemas cannot be used. Raises ValidationError; when ``data`` is
    invalid, it is the models' (whose errors ``errors_map`` locates)."""
    try:
        obj = validate(name, data)
    except _core().ValidationError:
        obj = None
    if obj is None:
        obj = model_class(name).model_validate(data)
    return obj


def model_class(name: str) -> Any:
    """The pydantic model named ``name`` (agent.yaml's or platform.yaml's): imports pydantic."""
    from agentctl.spec import models, platform_models

    return getattr(models, name, None) or getattr(platform_models, name)


def default_platform() -> Platform:
    """Safe built-ins used when no platform.yaml is given (and reported as such)."""
    from agentctl.spec.shapes import DEFAULT_PLATFORM_DOC

    return spec_object("Platform", DEFAULT_PLATFORM_DOC)


def as_model(obj: Any) -> Any:
    """A light spec object as the model it stands for, field for field (not validated
    again), for what only a model does (``model_dump``, ``model_dump_json``): a policy
    plug-in may ask for them. Imports pydantic and builds the models."""
    from agentctl.spec.shapes import Twin

    if isinstance(obj, Twin):
        cls = model_class(type(obj).__name__)
        fields = {k: as_model(v) for k, v in obj._fields().items()}
        return cls.model_construct(set(obj.model_fields_set), **fields)
    if isinstance(obj, list):
        return [as_model(v) for v in obj]
    if isinstance(obj, dict):
        return {k: as_model(v) for k, v in obj.items()}
    return obj
