"""The one error hierarchy of agentctl.

Core code raises these; ``agentctl.cli.app.main`` is the only place that
catches them, prints one line (plus an optional hint) and exits with
``exit_code``. See ``docs/reference/exit-codes.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EXIT_OK = 0
EXIT_FINDINGS = 1  # policy findings / budget or eval gate failed
EXIT_USAGE = 2  # bad input, bad configuration, usage error
EXIT_CLUSTER = 3  # cluster/API error
EXIT_FAILED = 4  # wait timed out, rollout or run failed
EXIT_INTERRUPTED = 130


def echoed(value: object, limit: int = 40, *, quote: bool = True) -> str:
    """How an error line shows a value the user gave: cut after ``limit`` characters (a
    10,000-character argument is not echoed whole) and repr'd, so a string is quoted with
    its control characters escaped, and any other value is shown unquoted (5 is not '5',
    a list keeps its brackets).

    ``quote=False`` leaves the quotes off a string of printable characters (a YAML scalar
    that reads as a number, shown as written); one with a control character is quoted
    all the same, so an error stays one line."""
    text = value if isinstance(value, str) else repr(value)
    cut = text if len(text) <= limit else f"{text[:limit]}..."
    if isinstance(value, str) and (quote or not cut.isprintable()):
        return repr(cut)
    return cut


class AgentctlError(Exception):
    """Root of every error agentctl reports to a user."""

    exit_code: int = EXIT_USAGE
    code: str = "error"
    # What an operation of several steps had done when it failed (a deploy's
    # result listing what was applied before the error), for the report.
    partial: Any = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        return [self.message]

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        return out


class UsageError(AgentctlError):
    exit_code = EXIT_USAGE
    code = "usage"


class ConfigError(AgentctlError):
    """A configuration file (platform.yaml, settings) is unusable."""

    exit_code = EXIT_USAGE
    code = "config"


def _shown_path(path: str, limit: int = 40) -> str:
    """A field path as an error line shows it: each name in it cut after ``limit``
    characters, as :func:`echoed` cuts a value (a 10,000-character key is not shown
    whole in the path either), and the whole cut after 4 x ``limit`` (a key made of
    dots and brackets is all separators). Machine-readable reports keep the whole path."""
    if len(path) <= limit:
        return path
    shown = _names_cut(path, limit)
    return shown if len(shown) <= 4 * limit else shown[: 4 * limit] + "..."


def _names_cut(path: str, limit: int) -> str:
    out: list[str] = []
    run = 0
    for char in path:
        if char in ".[]":
            run = 0
        else:
            run += 1
            if run == limit + 1:
                out.append("...")
            if run > limit:
                continue
        out.append(char)
    return "".join(out)


@dataclass(frozen=True)
class Problem:
    """One problem in one input file, located as precisely as we can."""

    file: str
    line: int
    column: int
    path: str  # dotted field path, e.g. spec.tools[0].port; "" for the document
    message: str

    def format(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        path = _shown_path(self.path)
        return f"{where}: {path}: {self.message}" if path else f"{where}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class SpecError(AgentctlError):
    """An input file (agent.yaml, platform.yaml, a manifest) is invalid.

    Carries every problem found, not just the first.
    """

    exit_code = EXIT_USAGE
    code = "invalid-input"

    def __init__(self, problems: list[Problem], *, hint: str | None = None) -> None:
        if not problems:
            raise ValueError("SpecError needs at least one problem")
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path))
        first = self.problems[0].format()
        more = len(self.problems) - 1
        message = first if not more else f"{first} (and {more} more)"
        super().__init__(message, hint=hint)

    def lines(self) -> list[str]:
        return [p.format() for p in self.problems]

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["problems"] = [p.to_dict() for p in self.problems]
        return out


class RenderError(AgentctlError):
    """The spec is valid but cannot be rendered (name clash, name too long...).

    ``problem`` locates it in the spec when it can be (``RenderError.at``), so a
    command that collects every problem reports it where it is, as it reports a
    SpecError's.
    """

    exit_code = EXIT_USAGE
    code = "render"

    def __init__(
        self, message: str, *, hint: str | None = None, problem: Problem | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.problem = problem

    @classmethod
    def at(
        cls, file: str, line: int, column: int, path: str, message: str, *, hint: str | None = None
    ) -> RenderError:
        """The error located at ``file:line:column``, field ``path`` (dotted)."""
        problem = Problem(file, line, column, path, message)
        return cls(problem.format(), hint=hint, problem=problem)


class ClusterError(AgentctlError):
    """The cluster could not be reached, or refused or rejected a request."""

    exit_code = EXIT_CLUSTER
    code = "cluster"


class WaitError(AgentctlError):
    """A rollout, job or run failed or did not finish in time."""

    exit_code = EXIT_FAILED
    code = "failed"


class GateFailed(AgentctlError):
    """A quality, budget or policy gate failed (exit 1)."""

    exit_code = EXIT_FINDINGS
    code = "gate-failed"


class TelemetryError(AgentctlError):
    """A trace source or store is unusable or sent something we cannot read."""

    exit_code = EXIT_USAGE
    code = "telemetry"


class ToolMissing(AgentctlError):
    """An external program agentctl drives (an image builder) is not installed (exit 3)."""

    exit_code = EXIT_CLUSTER
    code = "tool-missing"


class ToolFailed(AgentctlError):
    """An external program agentctl drives (an image build or push) failed (exit 4)."""

    exit_code = EXIT_FAILED
    code = "tool-failed"
