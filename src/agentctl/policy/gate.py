"""The whole gate in one call: load inputs, render agents, run the selected checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from agentctl.bulk import gc_paused
from agentctl.errors import GateFailed, Problem, RenderError, SpecError, UsageError
from agentctl.policy import engine
from agentctl.policy.declarative import field_rule_checks
from agentctl.policy.model import Check, Finding, RunOptions, Unit
from agentctl.policy.registry import all_checks, select
from agentctl.policy.sources import agent_unit, manifest_unit, read_manifests
from agentctl.spec.files import AGENT_FILENAMES, display_path, find_agent_files

if TYPE_CHECKING:
    from collections.abc import Sequence

    from agentctl.render.bundle import Bundle
    from agentctl.render.schemas import SchemaValidator
    from agentctl.spec.loader import LoadedAgent, LoadedPlatform

# Checks whose findings build and deploy never let through, whatever failOn,
# exceptions, suppressions or --no-gate say: the value would be written out.
ALWAYS_REFUSED = ("SEC-001",)


def _is_agent_file(path: Path) -> bool:
    from agentctl.spec.yamlsafe import parse_documents, read_text

    if path.name in AGENT_FILENAMES:
        return True
    try:
        docs = parse_documents(read_text(path), str(path), allow_multi=True)
    except SpecError:
        return True  # let the agent loader report it with its location
    first = docs[0].data if docs else None
    return isinstance(first, dict) and first.get("kind") == "Agent"


@gc_paused
def run(
    *,
    paths: list[Path],
    manifests: list[str],
    platform_file: Path | None = None,
    env: str | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    fail_on: str | None = None,
    inline_allowed: bool | None = None,
    kube_version: str | None = None,
    crd_dirs: list[str] | None = None,
    allow_kinds: list[str] | None = None,
    plugins: bool = True,
    today: dt.date | None = None,
    keep_going: bool = False,
) -> engine.Report:
    """Validate agents and manifests.

    An unusable input raises SpecError, unless ``keep_going``: then every other
    input is still checked and the problems are returned in ``Report.errors``
    (the caller reports both and exits 2).
    """
    from agentctl.spec.loader import load_agents, load_platform

    agent_files: list[Path] = []
    manifest_targets: list[str] = []
    for m in manifests:
        (
            agent_files.append(Path(m))
            if Path(m).name in AGENT_FILENAMES
            else manifest_targets.append(m)
        )
    given = set(agent_files)  # the agent files -f names
    implicit = not paths and not manifests
    if implicit:
        paths = [Path(".")]
    for target in paths:
        for found in find_agent_files(
            target,
            hint="pass an agent project, an agent.yaml, or plain manifests with -f",
            upwards=implicit,
        ):
            if found.is_file() and not _is_agent_file(found):
                raise UsageError(
                    f"{display_path(found)}: not an agent.yaml (kind Agent)",
                    hint=f"validate plain Kubernetes manifests with -f {display_path(found)}",
                )
            agent_files.append(found)

    search_from = agent_files[0].resolve().parent if agent_files else Path.cwd()
    try:
        platform = load_platform(platform_file, search_from)
    except SpecError as err:
        if not keep_going:
            raise
        checks = select(all_checks(plugins=plugins), include, exclude)
        return _unchecked(err.problems, checks, fail_on)
    options = RunOptions(
        kube_version=kube_version,
        crd_dirs=tuple(crd_dirs or ()),
        allow_kinds=tuple(allow_kinds or ()),
    )
    catalogue = all_checks(field_rule_checks(platform), plugins=plugins)
    checks = select(catalogue, include, exclude)

    loaded, problems = load_agents(agent_files, env, unreadable=given if keep_going else ())
    if plugins:  # without plug-ins, their ids are legitimately absent
        problems[:0] = unknown_check_ids(platform, catalogue)
    objects, unread = read_manifests(manifest_targets, keep_going=keep_going)
    problems.extend(unread)
    if problems and not keep_going:
        raise SpecError(problems)
    units: list[Unit] = []
    for one in loaded:
        for a, overlay in with_overlays(one, env):
            try:
                units.append(_unit(a, overlay, platform, options))
            except RenderError as err:
                if not keep_going:
                    raise
                problems.append(err.problem or Problem(a.file, 1, 1, "", err.message))
    if objects:
        units.append(manifest_unit(objects, platform, options))
    if not units:
        return _unchecked(problems, checks, fail_on or str(platform.platform.policy.fail_on))
    report = engine.run(units, checks, fail_on=fail_on, inline_allowed=inline_allowed, today=today)
    report.errors = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path))
    return report


def with_overlays(loaded: LoadedAgent, env: str | None) -> list[tuple[LoadedAgent, str | None]]:
    """The agent as --env selected it; without --env, the base spec and every overlay.

    Each pair is (agent, overlay): overlay names an environment gated in
    addition to the base spec (None for what --env selected, or the base).
    """
    from agentctl.spec.loader import load_agent

    out: list[tuple[LoadedAgent, str | None]] = [(loaded, None)]
    if env is None:
        for name in loaded.agent.spec.environments:
            out.append((load_agent(loaded.path, env=name), name))
    return out


def _unit(
    loaded: LoadedAgent, overlay: str | None, platform: LoadedPlatform, options: RunOptions
) -> Unit:
    unit = agent_unit(loaded, platform, options)
    unit.overlay = overlay
    return unit


class GateRefused(GateFailed):
    """build or deploy refused what the policy gate does not pass (exit 1, every finding listed)."""

    code = "gate-refused"

    def __init__(self, command: str, report: engine.Report, findings: list[Finding]) -> None:
        self.findings = findings
        self.report = report
        super().__init__(
            f"{command} refused: {len(findings)} policy finding(s) block it "
            f"(fail-on {report.fail_on.name}; the same gate as `agentctl validate`)",
            hint="fix them (agentctl checks explain ID), or see them all with `agentctl validate`",
        )

    def lines(self) -> list[str]:
        return [self.message] + [
            f"{f.file}:{f.line}:{f.column}: {f.check} {f.severity.name}: {f.message}"
            for f in self.findings
        ]

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "findings": [f.to_dict() for f in self.findings]}


@gc_paused
def enforce(
    command: str,
    loaded: list[LoadedAgent],
    platform: LoadedPlatform,
    *,
    kube_version: str | None = None,
    crd_dirs: list[str] | None = None,
    no_gate: bool = False,
    bundles: Sequence[Bundle] | None = None,
    schemas: SchemaValidator | None = None,
) -> engine.Report:
    """The gate build and deploy run on what they are about to write or apply.

    Same catalogue, platform and failOn as validate; refuses (GateRefused) when
    it fails. ``no_gate`` needs platform.yaml policy.allowNoGate and still
    refuses literal credentials (ALWAYS_REFUSED), suppressed or not.
    ``bundles``, when the caller rendered ``loaded`` already (one bundle per
    agent, in order, for the same ``kube_version``), are checked as they are
    instead of rendering every agent a second time; ``schemas``, the
    SchemaValidator that validated them (for the same ``kube_version`` and
    ``crd_dirs``), serves SCH-001 with its compiled schemas.
    """
    if no_gate and not platform.platform.policy.allow_no_gate:
        raise no_gate_refused(command)
    options = RunOptions(kube_version=kube_version, crd_dirs=tuple(crd_dirs or ()))
    if schemas is not None:
        from agentctl.policy.checks.schema import share_validator

        share_validator(options, schemas)
    checks = all_checks(field_rule_checks(platform))
    unknown = unknown_check_ids(platform, checks)
    if unknown:
        raise SpecError(unknown)
    rendered: Sequence[Bundle | None] = bundles if bundles is not None else [None] * len(loaded)
    units = [agent_unit(a, platform, options, b) for a, b in zip(loaded, rendered, strict=True)]
    return verdict(command, engine.run(units, checks), no_gate=no_gate)


def verdict(command: str, report: engine.Report, *, no_gate: bool = False) -> engine.Report:
    """Refuse (GateRefused) what the report does not pass; literal credentials always."""
    secrets = [f for f in report.findings if f.check in ALWAYS_REFUSED]
    if secrets:
        raise GateRefused(command, report, secrets)
    if report.failed and not no_gate:
        raise GateRefused(command, report, report.failing)
    return report


def no_gate_refused(command: str) -> UsageError:
    return UsageError(
        f"{command} --no-gate: this platform does not allow skipping the policy gate",
        hint="platform.yaml policy.allowNoGate: true allows it (the platform team decides)",
    )


def unknown_check_ids(platform: LoadedPlatform, catalogue: list[Check]) -> list[Problem]:
    """platform.yaml policy entries naming a check no catalogue has: a typo there would
    silently leave the check's severity (or its finding) as it was."""
    known = {c.id for c in catalogue}
    policy = platform.platform.policy
    named: list[tuple[tuple[str | int, ...], str, str]] = [
        (("policy", "severity", check_id), "policy.severity", check_id)
        for check_id in policy.severity
    ]
    named += [
        (("policy", "exceptions", i, "check"), f"policy.exceptions[{i}].check", e.check)
        for i, e in enumerate(policy.exceptions)
    ]
    out = []
    for path, where, check_id in named:
        if check_id not in known:
            file, line, col = platform.locate(path)
            out.append(
                Problem(file, line, col, where, f"unknown check {check_id!r} (see agentctl checks)")
            )
    return out


def _unchecked(problems: list[Problem], checks: list[Check], fail_on: str | None) -> engine.Report:
    """A report of a run where no input could be checked: only its errors."""
    from agentctl.policy.model import Severity

    ordered = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path))
    return engine.Report([], checks, [], Severity.parse(fail_on or "high"), errors=ordered)
