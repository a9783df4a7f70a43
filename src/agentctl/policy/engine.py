"""Run the selected checks over units and turn hits into located findings."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from agentctl.errors import ConfigError, Problem
from agentctl.policy import suppress
from agentctl.policy.model import Check, Finding, Hit, Severity, Unit
from agentctl.policy.registry import all_checks
from agentctl.spec.yamlsafe import dotted_path


@dataclass
class Report:
    findings: list[Finding]  # suppressed ones included (marked)
    checks: list[Check]  # the checks that ran
    units: list[Unit]
    fail_on: Severity
    inline_allowed: bool = True
    platform_file: str | None = None
    notes: list[str] = field(default_factory=list)
    # Input problems (a typo in one agent.yaml): those files were not checked, the others were.
    errors: list[Problem] = field(default_factory=list)

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is None]

    @property
    def suppressed(self) -> list[Finding]:
        return [f for f in self.findings if f.suppressed is not None]

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.active if f.severity >= self.fail_on]

    @property
    def failed(self) -> bool:
        return bool(self.failing)

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity.name for f in self.active)
        return {s.name: c.get(s.name, 0) for s in sorted(Severity, reverse=True)}

    def files(self) -> list[str]:
        """Every input file of the run, in order (agent.yaml files and manifests)."""
        out: list[str] = list(dict.fromkeys(p.file for p in self.errors))
        for unit in self.units:
            names = [unit.agent.file] if unit.agent is not None else []
            names += [o.file for o in unit.objects if unit.agent is None]
            for name in names:
                if name not in out:
                    out.append(name)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": {
                "failOn": self.fail_on.name,
                "failed": self.failed,
                "findings": len(self.active),
                "suppressed": len(self.suppressed),
                "bySeverity": self.counts(),
                "checks": len(self.checks),
                "objects": sum(len(u.objects) for u in self.units),
            },
            "platform": {"file": self.platform_file, "default": self.platform_file is None},
            "agents": [
                {
                    "name": u.agent.name,
                    "file": u.agent.file,
                    "env": u.agent.env,
                    "objects": len(u.objects),
                }
                for u in self.units
                if u.agent is not None
            ],
            "manifests": [
                f
                for u in self.units
                if u.agent is None
                for f in dict.fromkeys(o.file for o in u.objects)
            ],
            "notes": self.notes,
            "errors": [p.to_dict() for p in self.errors],
            "findings": [f.to_dict() for f in self.active],
            "suppressed": [f.to_dict() for f in self.suppressed],
        }


def to_finding(check: Check, hit: Hit, unit: Unit) -> Finding:
    finding = _to_finding(check, hit, unit)
    if unit.overlay is not None:
        finding.extra["overlay"] = unit.overlay
    return finding


def _to_finding(check: Check, hit: Hit, unit: Unit) -> Finding:
    severity = hit.severity or check.severity
    agent = unit.agent
    if hit.obj is not None:
        obj = hit.obj
        if hit.location is not None:
            file, line, col = hit.location
        elif hit.spec_path is not None and agent is not None:
            file, line, col = agent.locate(hit.spec_path)
        else:
            file, line, col = obj.locate(hit.path)
        return Finding(
            check.id, severity, check.title, hit.message, check.remediation_for(hit.fix), obj.ref, obj.kind,
            obj.namespace, obj.name,
            dotted_path(hit.path), file, max(line, 1), max(col, 1), obj.agent, hit.container, obj.file,
        )  # fmt: skip
    if hit.location is not None:
        file, line, col = hit.location
    elif agent is not None:
        file, line, col = agent.locate(hit.path)
    else:
        file, line, col = (unit.label or "<input>", 1, 1)
    ref = hit.object_ref or (
        f"Agent/{agent.name}" if agent is not None else "Input/" + (unit.label or "input")
    )
    kind, _, name = ref.partition("/")
    return Finding(
        check.id, severity, check.title, hit.message, check.remediation_for(hit.fix), ref, kind, "", name,
        dotted_path(hit.path), file, max(line, 1), max(col, 1), agent.name if agent else None, hit.container,
        file if hit.location is not None or agent is None else agent.file,
    )  # fmt: skip


def _call(check: Check, arg: Any) -> list[Hit]:
    if check.source == "built-in":
        return list(check.fn(arg))
    try:
        return list(check.fn(arg))
    except Exception as exc:  # a plug-in's bug is reported as a configuration problem, not a crash
        raise ConfigError(
            f"check {check.id} ({check.source}) failed: {type(exc).__name__}: {exc}"
        ) from exc


def _locate_together(hits: list[tuple[Check, Hit, Unit]]) -> None:
    """Let each object whose locator can (a parsed manifest's) work out the positions
    of all its findings together: one pass over its document instead of one each."""
    asked: dict[int, tuple[Any, list[Any]]] = {}
    for _, hit, unit in hits:
        obj = hit.obj
        if obj is None or hit.location is not None:
            continue
        if hit.spec_path is not None and unit.agent is not None:
            continue
        together = getattr(obj.locator, "locate_all", None)
        if together is not None:
            asked.setdefault(id(obj), (together, []))[1].append(hit.path)
    for together, paths in asked.values():
        if len(paths) > 1:
            together(paths)


def _unit_of(hit: Hit, units: list[Unit]) -> Unit:
    if hit.obj is not None:
        for unit in units:
            if any(o is hit.obj for o in unit.objects):
                return unit
    return units[0]


def run(
    units: list[Unit],
    checks: list[Check] | None = None,
    *,
    fail_on: Severity | str | None = None,
    inline_allowed: bool | None = None,
    today: dt.date | None = None,
) -> Report:
    """Run ``checks`` (default: the whole catalogue) and apply severities, exceptions and suppressions."""
    if not units:
        raise ConfigError("nothing to validate")
    today = today or dt.date.today()
    platform = units[0].platform
    policy = platform.platform.policy
    checks = all_checks() if checks is None else checks
    fail = Severity.parse(fail_on if fail_on is not None else policy.fail_on)
    allow_inline = policy.allow_inline_suppressions if inline_allowed is None else inline_allowed
    overrides = {k: Severity.parse(v) for k, v in policy.severity.items()}

    hits: list[tuple[Check, Hit, Unit]] = []
    for check in checks:
        if check.id in suppress.META_CHECKS:
            continue
        if check.scope == "run":
            hits.extend((check, hit, _unit_of(hit, units)) for hit in _call(check, units))
        else:
            for unit in units:
                hits.extend((check, hit, unit) for hit in _call(check, unit))
    _locate_together(hits)
    findings = [to_finding(check, hit, unit) for check, hit, unit in hits]
    findings = _overlay_findings(findings, units)

    entries = suppress.platform_entries(units)
    inline = [e for u in units if u.overlay is None for e in suppress.inline_entries(u)]
    if allow_inline:
        entries += inline
    suppress.apply(findings, entries, today)

    by_id = {c.id: c for c in checks}
    meta: list[tuple[str, Hit]] = list(
        suppress.meta_hits(
            entries, {c.id for c in checks}, {u.agent.name for u in units if u.agent}, today
        )
    )
    if inline and not allow_inline:
        why = (
            "platform.yaml sets policy.allowInlineSuppressions: false"
            if not policy.allow_inline_suppressions
            else "--no-inline-suppressions"
        )
        meta.extend(suppress.forbidden_hits(inline, why))
    for check_id, hit in meta:
        if check_id in by_id:
            findings.append(to_finding(by_id[check_id], hit, units[0]))

    for f in findings:
        if f.check in overrides:
            f.severity = overrides[f.check]
    findings = _dedupe(findings)
    inputs = _input_order(units)
    findings.sort(
        key=lambda f: (inputs.get(f.group, len(inputs)), f.group, f.file, f.line, f.column, f.check)
    )
    notes = []
    if platform.is_default:
        notes.append(
            "no platform.yaml found: using agentctl's built-in platform defaults (no registry or model allowlist)"
        )
    shown = (
        None
        if platform.is_default
        else (platform.doc.file if platform.doc is not None else str(platform.path))
    )
    return Report(findings, checks, units, fail, allow_inline, shown, notes)


def _overlay_findings(findings: list[Finding], units: list[Unit]) -> list[Finding]:
    """Name the environment of findings that only an overlay has; drop those the base spec has too."""
    if not any(u.overlay for u in units):
        return findings
    base = {
        (f.check, f.object, f.file, f.line, f.message)
        for f in findings
        if f.extra.get("overlay") is None
    }
    out = []
    for f in findings:
        env = f.extra.get("overlay")
        if env is not None:
            if (f.check, f.object, f.file, f.line, f.message) in base:
                continue
            f.message = f"{f.message} (env {env})"
        out.append(f)
    return out


def _input_order(units: list[Unit]) -> dict[str, int]:
    order: dict[str, int] = {}
    for unit in units:
        for name in [unit.agent.file] if unit.agent is not None else [o.file for o in unit.objects]:
            order.setdefault(name, len(order))
    return order


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in findings:
        key = (f.check, f.object, f.file, f.line, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
