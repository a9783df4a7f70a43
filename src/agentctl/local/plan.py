"""Which local command runs the agent, each ``service`` tool and each workflow step.

The interpreter: the project's own virtualenv (``.venv/bin/python`` or
``venv/bin/python`` in the project directory) when it has one, else the
interpreter running agentctl; ``--python`` overrides both. ``python`` or
``python3`` as the first word of ``spec.command`` (a container's interpreter)
is replaced by that interpreter; any other command runs as written, from the
project directory, with the project (and its ``src/``) on ``PYTHONPATH``.

Without ``spec.command`` (the image's entrypoint is not known locally) the
agent runs as ``python -m <package>`` when the project holds the package
named after the agent (``research-assistant`` -> ``research_assistant``,
with a ``__main__.py``). A ``service`` tool without ``command`` runs as
``python -m <package>.tools.<tool>`` or ``python -m tools.<tool>`` when such a
module exists; otherwise it cannot run locally and is reported as skipped.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agentctl.errors import UsageError
from agentctl.spec import shapes

if TYPE_CHECKING:
    from agentctl.spec.models import Agent, ServiceTool

PYTHON_WORDS = ("python", "python3")


def module_name(name: str) -> str:
    return name.replace("-", "_")


def project_python(project_dir: Path, explicit: str | None = None) -> str:
    if explicit:
        return explicit
    for venv in (".venv", "venv"):
        for rel in ("bin/python", "Scripts/python.exe"):
            candidate = project_dir / venv / rel
            if candidate.is_file():
                return str(candidate)
    return sys.executable


def _roots(project_dir: Path) -> list[Path]:
    roots = [project_dir]
    if (project_dir / "src").is_dir():
        roots.append(project_dir / "src")
    return roots


def find_module(project_dir: Path, dotted: str) -> bool:
    """Is ``python -m dotted`` runnable from the project (a package with __main__ or a module)?"""
    rel = Path(*dotted.split("."))
    for root in _roots(project_dir):
        if (root / rel / "__main__.py").is_file() or (root / rel).with_suffix(".py").is_file():
            return True
    return False


def resolve_command(command: list[str], python: str) -> list[str]:
    if command and command[0] in PYTHON_WORDS:
        return [python, *command[1:]]
    return list(command)


@dataclass
class Commands:
    python: str
    agent: list[str]  # the agent's command (without step args)
    tools: dict[str, list[str] | None]  # None: cannot run locally


def agent_command(agent: Agent, project_dir: Path, python: str) -> list[str]:
    spec = agent.spec
    if spec.command:
        return resolve_command(spec.command, python)
    package = module_name(agent.metadata.name)
    if find_module(project_dir, package):
        return [python, "-m", package]
    raise UsageError(
        f"{agent.metadata.name}: spec.command is not set and the project has no package "
        f"{package!r} with a __main__.py to run",
        hint="set spec.command (e.g. [python, -m, my_agent]) so agentctl dev knows how to start it",
    )


def tool_command(
    agent: Agent, tool: ServiceTool, project_dir: Path, python: str
) -> list[str] | None:
    if tool.command:
        return [*resolve_command(tool.command, python), *(tool.args or [])]
    module = module_name(tool.name)
    for dotted in (f"{module_name(agent.metadata.name)}.tools.{module}", f"tools.{module}", module):
        if find_module(project_dir, dotted):
            return [python, "-m", dotted, *(tool.args or [])]
    return None


def commands(agent: Agent, project_dir: Path, python_override: str | None = None) -> Commands:
    python = project_python(project_dir, python_override)
    tools = {
        t.name: tool_command(agent, t, project_dir, python)
        for t in agent.spec.tools
        if isinstance(t, shapes.ServiceTool)
    }
    return Commands(python, agent_command(agent, project_dir, python), tools)
