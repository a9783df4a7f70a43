"""Turn Pydantic validation errors into located, human problems.

Pydantic reports a ``loc`` such as ``('spec', 'tools', 0, 'service', 'imag')``
(the discriminator tag included); we map it onto the YAML data to find the
line, drop union tags from the displayed path, and suggest the closest valid
key for unknown keys.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from agentctl.errors import Problem, echoed
from agentctl.spec.shapes import FieldValueError as FieldValueError
from agentctl.spec.yamlsafe import PathKey, dotted_path

_ABSENT = object()


def _child(cur: Any, part: Any) -> Any:
    if isinstance(cur, dict) and isinstance(part, str):
        return cur.get(part, _ABSENT)
    if isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
        return cur[part]
    return _ABSENT


def data_path(data: Any, loc: tuple[Any, ...]) -> tuple[PathKey, bool]:
    """Project a Pydantic loc onto the data; returns (path, complete)."""
    path: list[str | int] = []
    cur = data
    complete = True
    for part in loc:
        child = _child(cur, part)
        if child is not _ABSENT:
            path.append(part)
            cur = child
        elif isinstance(cur, dict) and isinstance(part, str):
            # A key that is not there (missing field) or a union tag.
            if _is_union_tag(part, cur):
                continue
            path.append(part)
            complete = False
            cur = None
        # else: union member names ("function-after[...]", "str", ...) are skipped.
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
    models = candidates_at(root, loc)
    return models[0] if len(models) == 1 else None


def candidates_at(root: type[BaseModel], loc: tuple[Any, ...]) -> list[type[BaseModel]]:
    """The model classes that may apply at ``loc`` (several for a union)."""
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
            return []
    return [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]


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
        match = [
            lowered[m]
            for m in difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.6)
        ]
    return match[0] if match else None


def _message(
    err: Any, model: type[BaseModel] | None, key: str | None, union: list[type[BaseModel]]
) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        text = f"unknown key {echoed(key)}"
        if model is not None and key is not None:
            hint = suggest(key, valid_keys(model))
            text += (
                f"; did you mean {hint!r}?"
                if hint
                else f" (valid keys: {', '.join(valid_keys(model))})"
            )
        return text
    if kind == "missing":
        return f"missing required key {echoed(key)}"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx") or {}
        field = str(ctx.get("discriminator", "kind")).strip("'")
        tag = str(ctx.get("tag"))
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        hint = suggest(tag, expected)
        tail = f"did you mean {hint!r}?" if hint else f"expected one of {', '.join(expected)}"
        return f"unknown {field} {echoed(tag)}; {tail}"
    if kind == "union_tag_not_found":
        field = str((err.get("ctx") or {}).get("discriminator", "kind")).strip("'")
        tags = [t for t in (_model_tag(c) for c in union) if t]
        return f"missing {field!r}" + (f": one of {', '.join(tags)}" if tags else "")
    if kind in ("literal_error", "enum"):
        expected = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
        got = err.get("input")
        text = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {echoed(got)}"
        hint = suggest(got, expected) if isinstance(got, str) and expected else None
        return f"{text}; did you mean {hint!r}?" if hint else text
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    msg = re.sub(r" or instance of \w+$", "", msg)
    return msg[:1].lower() + msg[1:] if msg[:2] != msg[:2].upper() else msg


def problems_from_validation(
    exc: ValidationError,
    root: type[BaseModel],
    data: Any,
    locate: Callable[[PathKey, bool], tuple[str, int, int, str]],
) -> list[Problem]:
    """Map every error of ``exc`` to a Problem; ``locate(path, is_key)`` gives (file, line, col, dotted).

    A missing required key is not reported when an unknown key next to it is
    its misspelling ("unknown key 'nmae'; did you mean 'name'?" says it all).
    """
    found: list[tuple[Problem, str, PathKey]] = []
    typos: set[tuple[PathKey, str]] = set()
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldValueError):
            loc = (*loc, *cause.field)
        elif err["type"] == "union_tag_invalid":
            loc = (*loc, str((err.get("ctx") or {}).get("discriminator", "kind")).strip("'"))
        path, complete = data_path(data, loc)
        key = str(path[-1]) if path and isinstance(path[-1], str) else None
        parent_model = model_at(root, loc[:-1]) if loc else root
        union = candidates_at(root, loc) if err["type"] == "union_tag_not_found" else []
        message = _message(err, parent_model, key, union)
        is_key = err["type"] == "extra_forbidden"
        if is_key and parent_model is not None and key is not None:
            hint = suggest(key, valid_keys(parent_model))
            if hint:
                typos.add((path[:-1], hint))
        lookup = path if complete or is_key else path[:-1]
        file, line, col, dotted = locate(lookup, is_key)
        shown = dotted_path(path) if dotted == "" or not complete else dotted
        ident = (shown, message)
        if ident in seen:
            continue
        seen.add(ident)
        found.append((Problem(file, line, col, shown, message), err["type"], path))
    return [
        problem
        for problem, kind, path in found
        if not (kind == "missing" and path and (path[:-1], str(path[-1])) in typos)
    ]
