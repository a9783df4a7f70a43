"""Reading command-line input the same way in every command: times and
durations (``--since``, ``--timeout``, ``--retention``), the agents in scope
and the platform file they use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentctl.cli import common
from agentctl.errors import echoed


def duration(value: str, flag: str) -> float:
    """A duration (``30s``, ``5m``, ``6h``, ``7d``) in seconds."""
    from agentctl.errors import UsageError
    from agentctl.spec.units import parse_duration

    try:
        return float(parse_duration(value.strip()))
    except ValueError as exc:
        raise UsageError(f"{flag} {echoed(value)}: {exc}") from None


# Times are kept as nanoseconds since 1970 in a signed 64-bit integer (the trace
# store's column type): about 1677-09-21 to 2262-04-11.
_NS_MIN, _NS_MAX = -(2**63), 2**63 - 1
_NS_RANGE = "1677-09-22 to 2262-04-11 (UTC)"


def _in_range(ns: int, value: str, flag: str) -> int:
    if not _NS_MIN <= ns <= _NS_MAX:
        from agentctl.errors import UsageError

        raise UsageError(f"{flag} {echoed(value)}: out of range; times go from {_NS_RANGE}")
    return ns


def parse_age(value: str, flag: str) -> int:
    """A duration (``30m``, ``6h``, ``7d``) in nanoseconds."""
    return _in_range(int(duration(value, flag)) * 1_000_000_000, value, flag)


def parse_when(value: str, flag: str, now_ns: int) -> int:
    """``7d``/``36h`` ago, or an ISO 8601 date or time (UTC unless it says otherwise), in ns."""
    import datetime as dt

    from agentctl.errors import UsageError
    from agentctl.spec.units import parse_duration

    try:
        return _in_range(now_ns - parse_duration(value) * 10**9, value, flag)
    except ValueError:
        pass
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{flag} {echoed(value)}: expected a duration (7d, 36h) or an ISO date/time "
            "(2025-03-01)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    since_epoch = when - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # exact, and never overflows
    return _in_range(since_epoch // dt.timedelta(microseconds=1) * 1000, value, flag)


def window(since: str, until: str | None) -> tuple[int, int]:
    """The time window ``--since``/``--until`` name (``--until`` defaults to now), in ns;
    a window that ends before it starts is a usage error."""
    import time

    now = time.time_ns()
    since_ns = parse_when(since, "--since", now)
    until_ns = parse_when(until, "--until", now) if until else now
    if since_ns >= until_ns:
        from agentctl.errors import UsageError

        raise UsageError(f"--since {since} is not before --until {until or 'now'}")
    return since_ns, until_ns


def working_directory_gone() -> bool:
    """Whether the directory the command was started in has been removed since
    (every relative path, and the project found from it, then names nothing)."""
    import os

    try:
        os.getcwd()
    except FileNotFoundError:
        return True
    return False


def load_agents(paths: list[Path] | None, env: str | None) -> list[Any]:
    """The agents in scope: those named, else the project the working directory is in (if any)."""
    from agentctl.spec.files import project_agent_file

    if not paths:
        own = project_agent_file(Path.cwd())
        if own is None:
            return []  # nothing in scope: the spec models are not even imported
        paths = [own]
    from agentctl.spec.loader import load_agent

    return [load_agent(p, env=env) for p in paths]


def load_platform_for(
    platform_file: Path | None, agents: list[Any], *, need_model: bool
) -> Any | None:
    """The LoadedPlatform, or None when there is no platform.yaml and defaults will do."""
    start = agents[0].path.resolve().parent if agents else Path.cwd()
    from agentctl.spec.files import find_platform_file

    path = find_platform_file(common.platform_path(platform_file), start)
    if path is None and not need_model:
        return None
    from agentctl.spec.loader import load_platform

    return load_platform(path, start)
