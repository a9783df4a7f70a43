"""The check catalogue: built-in checks, entry-point checks and declarative platform checks.

Built-in checks register themselves with :func:`check` when their module is
imported. Organisations add checks without forking in two ways:

* a Python distribution exposing an entry point in the group
  ``agentctl.checks`` whose object is a :class:`~agentctl.policy.model.Check`,
  an iterable of them, or a zero-argument callable returning either;
* ``policy.checks`` in platform.yaml (see :mod:`agentctl.policy.declarative`).
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Callable, Iterable
from typing import Any

from agentctl.errors import ConfigError, echoed
from agentctl.policy.catalogue import CATALOGUE_FILE, ENTRY_POINT_GROUP, declared
from agentctl.policy.model import Check, Hit, Severity

__all__ = [
    "CATALOGUE_FILE",
    "ENTRY_POINT_GROUP",
    "all_checks",
    "builtin_checks",
    "catalogue_json",
    "check",
]

_CHECK_MODULES = (
    "agentctl.policy.checks.schema",
    "agentctl.policy.checks.identity",
    "agentctl.policy.checks.rbac",
    "agentctl.policy.checks.pods",
    "agentctl.policy.checks.resources",
    "agentctl.policy.checks.network",
    "agentctl.policy.checks.secrets",
    "agentctl.policy.checks.images",
    "agentctl.policy.checks.guardrails",
    "agentctl.policy.checks.argo",
    "agentctl.policy.checks.meta",
    "agentctl.policy.suppress",
)
_BUILTIN: dict[str, Check] = {}


def check(
    id: str,
    title: str,
    severity: str,
    *,
    description: str,
    rationale: str,
    remediation: str,
    example: str,
    kinds: tuple[str, ...] = (),
    scope: str = "unit",
    tags: tuple[str, ...] = ("security",),
    fixes: dict[str, str] | None = None,
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    """Register a built-in check (used by the modules in ``agentctl.policy.checks``)."""

    def deco(fn: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        _BUILTIN[id] = Check(
            id=id,
            title=title,
            severity=Severity.parse(severity),
            description=description,
            rationale=rationale,
            remediation=remediation,
            example=example.strip("\n"),
            fn=fn,
            kinds=kinds,
            scope=scope,
            tags=tags,
            fixes=tuple((fixes or {}).items()),
        )
        return fn

    return deco


def builtin_checks() -> list[Check]:
    for module in _CHECK_MODULES:
        importlib.import_module(module)
    return sorted(_BUILTIN.values(), key=lambda c: c.id)


def _coerce(value: Any, where: str) -> list[Check]:
    if isinstance(value, Check):
        return [value]
    if callable(value) and not isinstance(value, type):
        return _coerce(value(), where)
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | dict):
        out: list[Check] = []
        for item in value:
            out.extend(_coerce(item, where))
        return out
    raise ConfigError(
        f"{where}: expected an agentctl.policy.Check, a list of them, or a function returning them; got {type(value).__name__}"
    )


def catalogue_json() -> str:
    """``catalogue.json`` as the built-in checks give it now (docs/gen_reference.py writes it)."""
    import json

    return json.dumps([c.summary() for c in builtin_checks()], indent=1, ensure_ascii=False) + "\n"


def entry_point_checks() -> list[Check]:
    """Checks contributed by installed distributions (group ``agentctl.checks``)."""
    if not declared(ENTRY_POINT_GROUP):
        return []
    from dataclasses import replace
    from importlib.metadata import entry_points

    out: list[Check] = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = getattr(ep, "dist", None)
        where = f"entry point {ep.name} = {ep.value}" + (
            f" ({dist.name})" if dist is not None else ""
        )
        try:
            loaded = ep.load()
        except Exception as exc:  # any import-time failure of a plug-in is a configuration problem
            raise ConfigError(
                f"cannot load check plug-in {where}: {type(exc).__name__}: {exc}"
            ) from exc
        for c in _coerce(loaded, where):
            out.append(c if c.source != "built-in" else replace(c, source=f"plugin:{ep.name}"))
    return out


def all_checks(extra: Iterable[Check] = (), *, plugins: bool = True) -> list[Check]:
    """Built-in + plug-in + ``extra`` (declarative) checks; an id may be defined once."""
    checks = builtin_checks()
    seen = {c.id: c for c in checks}
    for c in [*(entry_point_checks() if plugins else []), *extra]:
        if c.id in seen:
            raise ConfigError(
                f"check {c.id} from {c.source} clashes with {seen[c.id].source} check {c.id}; pick another id"
            )
        seen[c.id] = c
        checks.append(c)
    return sorted(checks, key=lambda c: c.id)


def select(
    checks: list[Check], include: list[str] | None, exclude: list[str] | None
) -> list[Check]:
    """Apply ``--include``/``--exclude`` (ids or globs such as ``NET-*``); unknown patterns are errors."""
    ids = [c.id for c in checks]
    for pattern in [*(include or []), *(exclude or [])]:
        if not fnmatch.filter(ids, pattern.upper()):
            raise ConfigError(
                f"no check matches {echoed(pattern)}",
                hint="list the catalogue with `agentctl checks`",
            )
    out = checks
    if include:
        out = [c for c in out if any(fnmatch.fnmatchcase(c.id, p.upper()) for p in include)]
    if exclude:
        out = [c for c in out if not any(fnmatch.fnmatchcase(c.id, p.upper()) for p in exclude)]
    return out
