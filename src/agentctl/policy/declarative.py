"""Declarative organisation checks from platform.yaml ``policy.checks``.

Each rule names object kinds, a dotted field path (``[*]`` for every list
item) and a condition: ``exists`` (true: must be set; false: must not be set),
``match`` (every value present must fully match the regular expression) or
``notMatch`` (no value present may match it). Combine ``exists: true`` with
``match`` to require a matching value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from agentctl.errors import ConfigError
from agentctl.policy.model import Check, Hit, PathKey, Severity, Unit, parse_dotted
from agentctl.spec.yamlsafe import dotted_path

if TYPE_CHECKING:
    from agentctl.spec.loader import LoadedPlatform
    from agentctl.spec.models import FieldRule


def resolve(data: Any, path: PathKey, prefix: PathKey = ()) -> Iterator[tuple[PathKey, Any, bool]]:
    """Every concrete path the (wildcard) path names: (path, value, found)."""
    if not path:
        yield prefix, data, True
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(data, list):
            for i, item in enumerate(data):
                yield from resolve(item, rest, (*prefix, i))
        elif isinstance(data, dict):
            for key, item in data.items():
                yield from resolve(item, rest, (*prefix, key))
        return
    if isinstance(head, int):
        if isinstance(data, list) and head < len(data):
            yield from resolve(data[head], rest, (*prefix, head))
            return
    elif isinstance(data, dict) and head in data and data[head] is not None:
        yield from resolve(data[head], rest, (*prefix, head))
        return
    yield (*prefix, *path), None, False


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _kind_matches(kinds: list[str], api_version: str, kind: str) -> bool:
    return "*" in kinds or kind in kinds or f"{api_version}/{kind}" in kinds


def _run(
    rule: FieldRule,
    path: PathKey,
    pattern: re.Pattern[str] | None,
    anti: re.Pattern[str] | None,
    unit: Unit,
) -> Iterator[Hit]:
    shown = rule.path
    for obj in unit.objects:
        if not _kind_matches(rule.kinds, obj.api_version, obj.kind):
            continue
        for where, value, found in resolve(obj.data, path):
            if not found:
                if rule.exists is True:
                    yield Hit(rule.message or f"{dotted_path(where)} is not set", obj, where)
                continue
            if rule.exists is False:
                yield Hit(rule.message or f"{dotted_path(where)} must not be set", obj, where)
                continue
            if isinstance(value, dict | list):
                continue
            text = _text(value)
            if pattern is not None and not pattern.fullmatch(text):
                yield Hit(
                    rule.message or f"{shown} is {text!r}, which does not match {rule.match!r}",
                    obj,
                    where,
                )
            if anti is not None and anti.search(text):
                yield Hit(
                    rule.message
                    or f"{shown} is {text!r}, which matches the forbidden {rule.not_match!r}",
                    obj,
                    where,
                )


def _compile(value: str | None, where: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        raise ConfigError(f"{where}: invalid regular expression {value!r}: {exc}") from None


def field_rule_checks(platform: LoadedPlatform) -> list[Check]:
    out = []
    for i, rule in enumerate(platform.platform.policy.checks):
        file, line, col = platform.locate(("policy", "checks", i))
        where = f"{file}:{line}:{col}: policy.checks[{i}] ({rule.id})"
        if rule.match is None and rule.not_match is None and rule.exists is None:
            raise ConfigError(f"{where}: a check needs match, notMatch or exists")
        pattern, anti = _compile(rule.match, where), _compile(rule.not_match, where)
        conditions = []
        if rule.exists is not None:
            conditions.append("must be set" if rule.exists else "must not be set")
        if rule.match is not None:
            conditions.append(f"must match {rule.match!r}")
        if rule.not_match is not None:
            conditions.append(f"must not match {rule.not_match!r}")
        description = f"For {', '.join(rule.kinds)}: {rule.path} " + " and ".join(conditions) + "."
        out.append(
            Check(
                id=rule.id,
                title=rule.message or f"{rule.path} {' and '.join(conditions)}",
                severity=Severity.parse(rule.severity),
                description=description,
                rationale=f"An organisation rule from {file}:{line}.",
                remediation=rule.remediation or f"Make {rule.path} satisfy the rule.",
                example="",
                fn=partial(_run, rule, parse_dotted(rule.path), pattern, anti),
                kinds=tuple(rule.kinds),
                source="platform",
                tags=("organisation",),
            )
        )
    return out
