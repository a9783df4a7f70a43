"""Turn Pydantic validation errors into located, human problems.

Pydantic reports a ``loc`` such as ``('spec', 'tools', 0, 'service', 'imag')``
(the discriminator tag included); we map it onto the YAML data to find the
line, drop union tags from the displayed path, and suggest the closest valid
key for unknown keys.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from agentctl.errors import Problem
from agentctl.spec.yamlsafe import PathKey, dotted_path


def data_path(data: Any, loc: tuple[Any, ...]) -> tuple[PathKey, bool]:
    """Project a Pydantic loc onto the data; returns (path, complete)."""
    path: list[str | int] = []
    cur = data
    complete = True
    for part in loc:
        if isinstance(cur, dict) and isinstance(part, str) and part in cur:
            path.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            path.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and isinstance(part, str):
            # A key that is not there (missing field) or a union tag.
            if _is_union_tag(part, cur):
                continue
            path.append(part)
            complete = False
            cur = None
        else:
            # Union member names ("function-after[...]", "str", ...) are skipped.
            continue
    return tuple(path), complete


def _is_union_tag(part: str, cur: dict[str, Any]) -> bool:
    return cur.get("kind") == part or "[" in part


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes an annotation may hold (through Optional, list, dict, Annotated, unions)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [annotation]


def model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class whose field set applies at ``loc`` (used for suggestions)."""
    candidates: list[Any] = [root]
    for part in loc:
        nxt: list[Any] = []
        for cand in candidates:
            origin = typing.get_origin(cand)
            if isinstance(part, int) and origin in (list, tuple):
                nxt.extend(_unwrap(typing.get_args(cand)[0]))
            elif origin is dict and isinstance(part, str):
                nxt.extend(_unwrap(typing.get_args(cand)[1]))
            elif isinstance(cand, type) and issubclass(cand, BaseModel) and isinstance(part, str):
                field = _field_by_alias(cand, part)
                if field is not None:
                    nxt.extend(_unwrap(field.annotation))
            else:
                continue
        # discriminated unions: a tag narrows the candidates
        if isinstance(part, str):
            tagged = [c for c in candidates if _model_tag(c) == part]
            if tagged:
                nxt = tagged
        candidates = [c for c in nxt if c is not type(None)]
        if not candidates:
            return None
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    return models[0] if len(models) == 1 else None


def _field_by_alias(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in (field.alias, name):
            return field
    return None


def _model_tag(model: Any) -> str | None:
    if isinstance(model, type) and issubclass(model, BaseModel) and "kind" in model.model_fields:
        ann = model.model_fields["kind"].annotation
        if typing.get_origin(ann) is typing.Literal:
            args = typing.get_args(ann)
            return str(args[0]) if len(args) == 1 else None
    return None


def valid_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def suggest(key: str, options: list[str]) -> str | None:
    lowered = {o.lower(): o for o in options}
    if key.lower() in lowered:
        return lowered[key.lower()]
    match = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
    if not match:
        match = [lowered[m] for m in difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.6)]
    return match[0] if match else None


def _message(err: dict[str, Any], model: type[BaseModel] | None, key: str | None) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        text = f"unknown key {key!r}"
        if model is not None and key is not None:
            hint = suggest(key, valid_keys(model))
            text += f"; did you mean {hint!r}?" if hint else f" (valid keys: {', '.join(valid_keys(model))})"
        return text
    if kind == "missing":
        return f"missing required key {key!r}"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"unknown {ctx.get('discriminator', 'kind').strip(chr(39))} {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return f"missing {err.get('ctx', {}).get('discriminator', 'kind')!s} (which kind of entry this is)"
    if kind == "literal_error":
        return f"{err['msg'][0].lower()}{err['msg'][1:]}, got {err.get('input')!r}"
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    return msg[:1].lower() + msg[1:] if msg[:2] != msg[:2].upper() else msg


def problems_from_validation(
    exc: ValidationError,
    root: type[BaseModel],
    data: Any,
    locate: Callable[[PathKey, bool], tuple[str, int, int, str]],
) -> list[Problem]:
    """Map every error of ``exc`` to a Problem; ``locate(path, is_key)`` gives (file, line, col, dotted)."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path, complete = data_path(data, loc)
        key = str(path[-1]) if path and isinstance(path[-1], str) else None
        parent_model = model_at(root, loc[:-1]) if loc else root
        message = _message(err, parent_model, key)
        is_key = err["type"] in ("extra_forbidden",)
        lookup = path if complete or is_key else path[:-1]
        file, line, col, dotted = locate(lookup if not is_key else path, is_key)
        shown = dotted_path(path) if dotted == "" or not complete else dotted
        ident = (shown, message)
        if ident in seen:
            continue
        seen.add(ident)
        problems.append(Problem(file, line, col, shown, message))
    return problems
