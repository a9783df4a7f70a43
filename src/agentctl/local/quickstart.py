"""The pieces of ``agentctl quickstart`` that are not printing.

The demo project is the ``stateful-agent`` golden-path template, unchanged
except for its name and team and without a remote tool service (so nothing
it declares is missing locally). It keeps its real model settings: the run
uses the offline demo model the way ``agentctl dev --offline-model`` does,
so the project stays ready for a real key and a cluster.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from agentctl.errors import UsageError

TEMPLATE = "stateful-agent"
AGENT_NAME = "quickstart-agent"
TEAM = "demo"
WORKSPACE = "agentctl-quickstart"
# The offline demo model passes the task text as the tools' string arguments:
# keep digits and operators to the one expression the calculator should see.
SAMPLE_TASK = "Calculate 120 * 12 for our yearly cluster budget in USD and remember it as a note"
TEMPLATE_VALUES = {
    "team": TEAM,
    "tool_service": "",
    "description": "The agentctl quickstart demo agent",
}


def shared_venv() -> Path:
    """Where every quickstart's demo project keeps its environment (the demo's pyproject.toml
    is the same each time, so only the first quickstart installs anything)."""
    import platformdirs

    return platformdirs.user_cache_path("agentctl", appauthor=False) / "quickstart-venv"


def fresh_workspace(base: Path) -> Path:
    """A new directory ``agentctl-quickstart[-N]`` in ``base`` (or in the temp dir when base is read-only)."""
    if os.access(base, os.W_OK):
        for n in range(1, 1000):
            candidate = base / (WORKSPACE if n == 1 else f"{WORKSPACE}-{n}")
            try:
                candidate.mkdir()
            except FileExistsError:
                continue
            return candidate
    return Path(tempfile.mkdtemp(prefix=f"{WORKSPACE}-"))


def workspace(explicit: Path | None, cwd: Path) -> Path:
    if explicit is None:
        return fresh_workspace(cwd)
    target = explicit.expanduser()
    if target.exists() and not target.is_dir():
        raise UsageError(f"--dir {explicit}: not a directory")
    project = target / AGENT_NAME
    if project.exists() and any(project.iterdir()):
        raise UsageError(
            f"--dir {explicit}: {project} already exists and is not empty",
            hint="pick another --dir (or remove the old demo project)",
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--dir {explicit}: cannot create it: {exc.strerror or exc}") from None
    return target


def scaffold(workspace_dir: Path) -> Path:
    """Generate the demo project into ``workspace_dir/quickstart-agent``; returns its path."""
    from agentctl.scaffold.generate import InitRequest, generate

    result = generate(
        InitRequest(
            template=TEMPLATE,
            name=AGENT_NAME,
            output_dir=workspace_dir,
            sets=dict(TEMPLATE_VALUES),
            interactive=False,
            output_option="--dir",
        )
    )
    return result.path
