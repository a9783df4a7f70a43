"""The agent runtime shared by every agentctl golden-path project.

It is vendored into each generated project (``src/agent_runtime``) so a
project has no runtime dependency on agentctl. Everything it needs comes from
the environment described in agentctl's runtime contract
(docs/reference/runtime-contract.md): model, guardrails, memory, tools and
OpenTelemetry settings.
"""

from agent_runtime.config import OFFLINE_DEMO, ConfigError, Settings, UndeclaredToolError
from agent_runtime.guardrails import GuardrailExceeded
from agent_runtime.loop import Agent, RunResult
from agent_runtime.tools import Tool, Toolbox, ToolError, tool

__version__ = "0.1.0"

__all__ = [
    "OFFLINE_DEMO",
    "Agent",
    "ConfigError",
    "GuardrailExceeded",
    "RunResult",
    "Settings",
    "Tool",
    "ToolError",
    "Toolbox",
    "UndeclaredToolError",
    "tool",
]
