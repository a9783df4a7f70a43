"""SCH-001: strict schema validation of every object (core kinds and CRDs)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from agentctl.policy.model import Hit, PathKey, RunOptions, Unit, parse_dotted
from agentctl.policy.registry import check

_VALIDATOR = "schema-validator"


def share_validator(options: RunOptions, validator: Any) -> None:
    """Let SCH-001 use ``validator`` (made for ``options``' Kubernetes version and CRDs),
    whose schemas a caller compiled already."""
    options.cache[_VALIDATOR] = validator


def validator(options: RunOptions) -> Any:
    """One SchemaValidator per run: it compiles each (kind, version) schema once."""
    key = _VALIDATOR
    if key not in options.cache:
        from agentctl.render.schemas import SchemaValidator

        crd_dirs = [Path(d) for d in options.crd_dirs] or None
        options.cache[key] = SchemaValidator(kube_version=options.kube_version, crd_dirs=crd_dirs)
    return options.cache[key]


_UNEXPECTED = re.compile(r"\('([^']+)' (?:was|were) unexpected\)")


def _path(value: Any, message: str = "") -> PathKey:
    """The issue's field path; for an unexpected key, the key itself (so the finding lands on its line)."""
    if isinstance(value, list | tuple):
        path = tuple(int(p) if isinstance(p, str) and p.isdigit() else p for p in value)
    else:
        path = parse_dotted(str(value or ""))
    m = _UNEXPECTED.search(message)
    return (*path, m.group(1)) if m else path


def kind_allowed(api_version: str, kind: str, allowed: Iterable[str]) -> bool:
    """Whether ``Kind``, ``group/Kind`` or ``apiVersion/Kind`` in ``allowed`` names this kind."""
    group = api_version.rpartition("/")[0]
    for entry in allowed:
        prefix, _, name = entry.rpartition("/")
        if name == kind and (not prefix or prefix == api_version or (group and prefix == group)):
            return True
    return False


@check(
    "SCH-001",
    "Objects are valid against their schema",
    "high",
    kinds=("*",),
    description=(
        "Every object validates against the strict schema of the target Kubernetes version (default: the newest bundled), "
        "custom resources against their CRD schema (Argo Workflows, External Secrets, or --crd-dir); an unknown kind is a "
        "finding unless allowed with --allow-kind or platform.yaml policy.allowKinds."
    ),
    rationale="The API server rejects invalid objects at deploy time, half-way through a rollout; unknown fields are silently dropped, and with them a security setting.",
    remediation="Fix the field the message names; for a custom kind pass its CRD with --crd-dir DIR or allow it with --allow-kind KIND (or platform.yaml policy.allowKinds).",
    example="""
containers:
  - name: agent
    resources:
      limits: {memory: 512Mi}   # not "memroy"
""",
    tags=("correctness",),
)
def schema_valid(unit: Unit) -> Iterator[Hit]:
    if not unit.objects:
        return
    v = validator(unit.options)
    allowed = {*unit.options.allow_kinds, *unit.platform.platform.policy.allow_kinds}
    for obj in unit.objects:
        kind, api_version = obj.kind, obj.api_version
        if not kind or not api_version:
            continue  # reported by the loader
        if not v.knows(api_version, kind):
            if kind_allowed(api_version, kind, allowed):
                continue
            yield Hit(
                f"unknown kind {kind} ({api_version}): no schema to validate it against",
                obj,
                ("kind",),
            )
            continue
        for issue in v.validate(obj.data):
            yield Hit(str(issue.message), obj, _path(issue.path, str(issue.message)))
