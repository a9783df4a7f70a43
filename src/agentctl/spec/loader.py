"""Load agent.yaml and platform.yaml into models, with file:line:col errors."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.bulk import gc_paused
from agentctl.errors import Problem, SpecError, UsageError, echoed
from agentctl.spec import fast, graph
from agentctl.spec.files import AGENT_FILENAMES, display_path, find_agent_file, find_platform_file
from agentctl.spec.yamlsafe import Located, PathKey, dotted_path, load_one

if TYPE_CHECKING:
    from agentctl.spec.models import Agent, Platform

__all__ = ["AGENT_FILENAMES", "display_path", "find_agent_file", "find_platform_file"]


@dataclass
class LoadedAgent:
    """A validated agent with the source location of every field (after overlays)."""

    path: Path
    file: str  # as displayed
    agent: Agent
    doc: Located
    env: str | None = None
    # the source position of one path of the merged data, None when the data has no such
    # path: for findings about the effective spec (positions are read on first use only)
    position_of: Callable[[PathKey], tuple[str, int, int] | None] | None = None
    # image reference -> pushed digest, from image.lock.json beside agent.yaml
    image_digests: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.agent.metadata.name

    @property
    def project_dir(self) -> Path:
        return self.path.parent

    def locate(self, path: PathKey) -> tuple[str, int, int]:
        """Best source location for a path of the effective (overlaid) spec: the path's,
        else its closest ancestor's that the spec has."""
        p = tuple(path)
        if self.position_of is not None:
            while p:
                found = self.position_of(p)
                if found is not None:
                    return found
                p = p[:-1]
        return (self.file, 1, 1)


def _deep_merge(base: Any, overlay: Any) -> Any:
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = dict(base)
        for key, value in overlay.items():
            out[key] = _deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(overlay)


class _Positions:
    """Source positions of a possibly overlaid document."""

    def __init__(self, doc: Located, env: str | None, overlay: Any) -> None:
        self.doc = doc
        self.env = env
        self.overlay = overlay if env is not None else None

    def source_path(self, path: PathKey) -> PathKey:
        """Where a path of the merged spec came from: the overlay or the base."""
        env = self.env
        if env is None or self.overlay is None or len(path) < 2 or path[0] != "spec":
            return tuple(path)
        in_overlay: PathKey = ("spec", "environments", env, *path[1:])
        cur: Any = self.overlay
        for part in path[1:]:
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
                if not isinstance(cur, dict):
                    # scalars and lists replace the base value whole
                    return in_overlay
            else:
                return tuple(path)
        return in_overlay

    def locate(self, path: PathKey, is_key: bool = False) -> tuple[str, int, int, str]:
        src = self.source_path(path)
        line, col = self.doc.position(src, key=is_key)
        return self.doc.file, line, col, dotted_path(src)

    def within(self, data: Any, path: PathKey) -> tuple[str, int, int] | None:
        """Where ``path`` of ``data`` (the merged spec) came from; None if ``data`` has no such path."""
        cur = data
        for part in path:
            in_dict = isinstance(cur, dict) and part in cur
            if not (
                in_dict
                or (isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur))
            ):
                return None
            cur = cur[part]
        _, line, col, _ = self.locate(path)
        return (self.doc.file, line, col)


def _validate(
    doc: Located, data: dict[str, Any], env: str | None, overlay: Any
) -> tuple[Agent | None, list[Problem], _Positions]:
    positions = _Positions(doc, env, overlay)
    try:
        agent = fast.spec_object("Agent", data)
    except fast.ValidationError as exc:
        from agentctl.spec.errors_map import problems_from_validation
        from agentctl.spec.models import Agent

        problems = problems_from_validation(exc, Agent, data, positions.locate)
        problems.extend(_graph_problems_best_effort(doc, data, positions))
        return None, problems, positions
    problems = []
    for p, msg in graph.check_agent(agent):
        file, line, col, dotted = positions.locate(p)
        problems.append(Problem(file, line, col, dotted, msg))
    return (agent if not problems else None), problems, positions


def _graph_problems_best_effort(
    doc: Located, data: dict[str, Any], positions: _Positions
) -> list[Problem]:
    """Step-graph problems even when another part of the spec is invalid."""
    spec = data.get("spec")
    workflow = spec.get("workflow") if isinstance(spec, dict) else None
    if not isinstance(workflow, dict):
        return []
    try:
        steps = fast.spec_object("Workflow", workflow).steps
    except fast.ValidationError:
        return []
    out = []
    for p, msg in graph.check_steps(steps):
        file, line, col, dotted = positions.locate(p)
        out.append(Problem(file, line, col, dotted, msg))
    return out


def load_agent(target: Path | str, env: str | None = None) -> LoadedAgent:
    """Load, validate and (with ``env``) overlay an agent spec.

    Every overlay is validated too, so a typo in ``environments.prod`` is caught
    before anyone deploys to prod. All problems are reported together.
    """
    path = find_agent_file(Path(target))
    shown = display_path(path)
    doc = load_one(path, shown)
    data: dict[str, Any] = doc.data
    agent, problems, positions = _validate(doc, data, None, None)

    raw_spec = data.get("spec")
    spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
    raw_overlays = spec.get("environments")
    overlays: dict[str, Any] = raw_overlays if isinstance(raw_overlays, dict) else {}
    if env is not None and env not in overlays:
        known = ", ".join(sorted(overlays)) or "none defined"
        raise UsageError(
            f"{shown}: no environment {echoed(env)} in spec.environments (known: {known})"
        )

    result: LoadedAgent | None = None
    if agent is not None:
        result = LoadedAgent(
            path, shown, agent, doc, None, functools.partial(positions.within, data)
        )
    base_problems = set(problems)
    for name, overlay in overlays.items():
        if not isinstance(overlay, dict):
            continue  # reported by the model validation
        if "environments" in overlay:
            line, col = doc.position(("spec", "environments", name, "environments"), key=True)
            problems.append(
                Problem(
                    shown,
                    line,
                    col,
                    f"spec.environments.{name}.environments",
                    "overlays cannot nest",
                )
            )
            continue
        base = {k: v for k, v in spec.items() if k != "environments"}
        merged = {**data, "spec": {**_deep_merge(base, overlay), "environments": overlays}}
        env_agent, env_problems, env_positions = _validate(doc, merged, name, overlay)
        for p in env_problems:
            if p in base_problems:
                continue
            if not p.path.startswith(f"spec.environments.{name}"):
                # Valid alone, invalid with this overlay: say which overlay.
                p = Problem(p.file, p.line, p.column, p.path, f"{p.message} (with --env {name})")
            problems.append(p)
        if name == env and env_agent is not None:
            result = LoadedAgent(
                path, shown, env_agent, doc, name, functools.partial(env_positions.within, merged)
            )
    if problems:
        raise SpecError(_dedupe(problems))
    if result is None:  # pragma: no cover - every failure above records a problem
        raise SpecError([Problem(shown, 1, 1, "", "invalid agent spec")])
    from agentctl.spec import imagelock

    lock = imagelock.lock_path(path.parent)
    if lock.is_file():  # most projects have none: no display path to work out
        locked = imagelock.read(path.parent, display_path(lock))
        result.image_digests = {ref: entry.digest for ref, entry in locked.items()}
    return result


@gc_paused
def load_agents(
    files: list[Path], env: str | None = None, *, unreadable: Collection[Path] = ()
) -> tuple[list[LoadedAgent], list[Problem]]:
    """Load every agent.yaml (each file once), collecting every problem of every
    file instead of stopping at the first bad one. A file in ``unreadable`` that
    cannot be read at all (missing, a FIFO) is one more problem at its line 1, as an
    unreadable manifest is; any other such file is a UsageError."""
    loaded: list[LoadedAgent] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for f in files:
        real = f.resolve()
        if real in seen:
            continue
        seen.add(real)
        try:
            loaded.append(load_agent(f, env=env))
        except SpecError as err:
            problems.extend(err.problems)
        except UsageError as err:
            if f not in unreadable:
                raise
            shown = display_path(f)
            problems.append(Problem(shown, 1, 1, "", err.message.removeprefix(f"{shown}: ")))
    return loaded, problems


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[int, int, str, str]] = set()
    out = []
    for p in problems:
        key = (p.line, p.column, p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


@dataclass
class LoadedPlatform:
    platform: Platform
    path: Path | None  # None: built-in defaults
    doc: Located | None = None

    @property
    def is_default(self) -> bool:
        return self.path is None

    def locate(self, path: PathKey) -> tuple[str, int, int]:
        if self.doc is None:
            return ("<built-in platform defaults>", 1, 1)
        line, col = self.doc.position(path)
        return (self.doc.file, line, col)


def load_platform(
    explicit: str | Path | None = None, search_from: Path | None = None
) -> LoadedPlatform:
    path = find_platform_file(explicit, search_from)
    if path is None:
        return LoadedPlatform(fast.default_platform(), None)
    shown = display_path(path)
    doc = load_one(path, shown)
    try:
        platform = fast.spec_object("Platform", doc.data)
    except fast.ValidationError as exc:
        from agentctl.spec.errors_map import problems_from_validation
        from agentctl.spec.models import Platform

        def locate(p: PathKey, is_key: bool = False) -> tuple[str, int, int, str]:
            line, col = doc.position(p, key=is_key)
            return shown, line, col, dotted_path(p)

        raise SpecError(problems_from_validation(exc, Platform, doc.data, locate)) from None
    return LoadedPlatform(platform, path, doc)
