"""The whole gate in one call: load inputs, render agents, run the selected checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from agentctl.errors import Problem, RenderError, SpecError, UsageError
from agentctl.policy import engine
from agentctl.policy.declarative import field_rule_checks
from agentctl.policy.model import Check, RunOptions, Unit
from agentctl.policy.registry import all_checks, select
from agentctl.policy.sources import agent_unit, load_manifests, manifest_unit
from agentctl.spec.files import AGENT_FILENAMES, display_path, find_agent_files


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
    checks = select(all_checks(field_rule_checks(platform), plugins=plugins), include, exclude)

    loaded, problems = load_agents(agent_files, env)
    objects = []
    try:
        objects = load_manifests(manifest_targets) if manifest_targets else []
    except SpecError as err:
        problems.extend(err.problems)
    if problems and not keep_going:
        raise SpecError(problems)
    units: list[Unit] = []
    for agent in loaded:
        try:
            units.append(agent_unit(agent, platform, options))
        except RenderError as err:
            if not keep_going:
                raise
            problems.append(Problem(agent.file, 1, 1, "", err.message))
    if objects:
        units.append(manifest_unit(objects, platform, options))
    if not units:
        return _unchecked(problems, checks, fail_on or str(platform.platform.policy.fail_on))
    report = engine.run(units, checks, fail_on=fail_on, inline_allowed=inline_allowed, today=today)
    report.errors = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path))
    return report


def _unchecked(problems: list[Problem], checks: list[Check], fail_on: str | None) -> engine.Report:
    """A report of a run where no input could be checked: only its errors."""
    from agentctl.policy.model import Severity

    ordered = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path))
    return engine.Report([], checks, [], Severity.parse(fail_on or "high"), errors=ordered)
