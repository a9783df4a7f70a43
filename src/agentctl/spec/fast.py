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
from typing import TYPE_CHECKING, Any

from pydantic_core import ValidationError

if TYPE_CHECKING:
    from agentctl.spec.models import Platform


@functools.cache
def _validator(name: str) -> Any:
    import pydantic_core
    from pydantic_core import SchemaError, SchemaValidator

    from agentctl.spec import compiled

    if pydantic_core.__version__ != compiled.PYDANTIC_CORE_VERSION:
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
    except ValidationError:
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
