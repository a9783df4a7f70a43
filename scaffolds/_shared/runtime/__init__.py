"""The agent runtime shared by every agentctl golden-path project.

It is vendored into each generated project as a subpackage of the project's
own package (``src/<package>/_runtime``, relative imports only), so a project
has no runtime dependency on agentctl and two projects installed in one
environment never overwrite each other's runtime. Everything it needs comes from
the environment described in agentctl's runtime contract
(docs/reference/runtime-contract.md): model, guardrails, memory, tools and
OpenTelemetry settings.
"""

from .config import OFFLINE_DEMO, ConfigError, Settings, UndeclaredToolError
from .guardrails import GuardrailExceeded
from .loop import Agent, RunResult, report_outcome
from .model import ModelCallError
from .tools import Tool, Toolbox, ToolError, tool

__version__ = "0.1.0"

__all__ = [
    "OFFLINE_DEMO",
    "Agent",
    "ConfigError",
    "GuardrailExceeded",
    "ModelCallError",
    "RunResult",
    "Settings",
    "Tool",
    "ToolError",
    "Toolbox",
    "UndeclaredToolError",
    "report_outcome",
    "tool",
]
