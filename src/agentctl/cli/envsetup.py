"""The project environments of a local run, prepared before it starts (``dev``, ``quickstart``).

Creating ``<project>/.venv`` is the one slow step of a first run: it is
announced in one line, shows pip's current line on a terminal (a spinner),
and ends with one line saying how long it took. Reusing it prints nothing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


class _Progress:
    def __init__(self, console: Any, project: Path) -> None:
        self.console = console
        self.project = project
        self.status: Any = None
        self.started: float | None = None

    def __call__(self, line: str) -> None:
        if self.started is None:
            self.started = time.monotonic()
            self.console.print(
                f"setting up the project environment {self.project / '.venv'} from its pyproject.toml "
                "(once; later runs reuse it)",
                markup=False,
                highlight=False,
            )
            if self.console.is_terminal:
                self.status = self.console.status("pip")
                self.status.start()
        if self.status is not None:
            from agentctl.views.plain import escape

            self.status.update(f"[dim]{escape(line[: max(20, self.console.width - 4)])}[/]")

    def close(self, ok: bool) -> None:
        if self.status is not None:
            self.status.stop()
        if self.started is not None and ok:
            self.console.print(
                f"project environment ready in {time.monotonic() - self.started:.0f}s",
                markup=False,
                highlight=False,
            )


def prepare(
    project_dirs: list[Path],
    explicit: str | None,
    console: Any,
    *,
    shared_venv: Path | None = None,
) -> dict[Path, str]:
    """project directory -> interpreter, creating or updating each project's ``.venv`` as needed."""
    from agentctl.local import projectenv

    out: dict[Path, str] = {}
    for directory in project_dirs:
        resolved = directory.resolve()
        if resolved in out:
            continue
        progress = _Progress(console, resolved)
        ok = False
        try:
            out[resolved] = projectenv.ensure(
                resolved, explicit, progress, shared_venv=shared_venv
            ).python
            ok = True
        finally:
            progress.close(ok)
    return out


def tool_project_dirs(tool_dirs: dict[str, Path]) -> list[Path]:
    """The project directories of ``--tool NAME=DIR`` (DIR may name the agent.yaml)."""
    return [d if d.is_dir() else d.parent for d in tool_dirs.values()]
