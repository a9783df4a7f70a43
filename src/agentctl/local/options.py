"""Options, events and errors of a local run (``agentctl dev``, ``agentctl quickstart``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agentctl.errors import WaitError


@dataclass
class DevOptions:
    offline_model: bool = False
    python: str | None = None  # interpreter override
    store_path: Path | None = None  # None: the default trace store
    env_file: Path | None = None  # None: <project>/.env
    parameters: dict[str, str] = field(default_factory=dict)  # workflow parameter overrides
    ready_timeout: float = 60.0
    grace: float = 5.0
    receiver_port: int = 0  # 0: any free port
    platform_file: Path | None = None  # None: found as build finds it
    tool_dirs: dict[str, Path] = field(default_factory=dict)  # service tool -> its own project
    # resolved project directory -> its interpreter (projectenv.ensure), set before the run
    pythons: dict[Path, str] = field(default_factory=dict)


@dataclass
class DevEvent:
    kind: str  # log | status | step | info | warning
    source: str  # a process or step name, or "agentctl"
    text: str = ""
    status: str | None = None


EventSink = Callable[[DevEvent], None]


class ProcessCrashed(WaitError):
    """A local process ended on its own; carries its last log lines."""

    code = "process-crashed"

    def __init__(self, name: str, how: str, tail: list[str], *, when: str = "") -> None:
        super().__init__(
            f"{name} {when + ' ' if when else ''}ended unexpectedly ({how})",
            hint="its last log lines are above; fix the error and run agentctl dev again",
        )
        self.name = name
        self.tail = tail

    def lines(self) -> list[str]:
        return [self.message, *(f"  {self.name} | {line}" for line in self.tail)]

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["process"] = self.name
        out["lastLines"] = self.tail
        return out
