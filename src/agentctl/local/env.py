"""The runtime-contract environment for local processes.

This follows docs/reference/runtime-contract.md exactly; only the values that
name places differ from the cluster's: ``OTEL_EXPORTER_OTLP_ENDPOINT`` is the
embedded receiver, tool URLs are loopback ports, ``AGENT_PORT`` is a free
local port, ``AGENT_MEMORY_DIR`` is a directory in the project, and secrets
come from :mod:`agentctl.local.secrets`. The downward-API resource attributes
(``k8s.*``) have no local meaning and are left out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.local.localhttp import no_proxy_for_loopback
from agentctl.spec import shapes
from agentctl.spec.loader import LoadedAgent, LoadedPlatform
from agentctl.spec.shapes import AgentType
from agentctl.spec.units import env_key

if TYPE_CHECKING:
    from agentctl.spec.models import Agent, McpTool, ServiceTool

LOOPBACK = "127.0.0.1"  # local servers listen on loopback only
OFFLINE_PROVIDER = "offline-demo"
OFFLINE_MODEL = "offline-demo"

# Variables of the developer's shell that processes need to work at all; the
# rest of the shell is not passed on (the cluster would not give it either).
PASSTHROUGH = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "TERM",
    "SYSTEMROOT",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "VIRTUAL_ENV",
)


@dataclass
class LocalPlaces:
    """Where things are on this machine."""

    otlp_endpoint: str
    agent_port: int | None = None
    tool_urls: dict[str, str] = field(
        default_factory=dict
    )  # service tools (and mcp tools run with --tool) -> http://127.0.0.1:port
    memory_dir: Path | None = None


def base_env(
    shell: Mapping[str, str], dotenv: Mapping[str, str], consumed: set[str]
) -> dict[str, str]:
    """The shell basics plus the project's ``.env`` (minus the secret sources it held)."""
    out = {k: shell[k] for k in PASSTHROUGH if k in shell}
    out.update({k: shell[k] for k in shell if k.startswith("LC_")})
    out.update({k: v for k, v in dotenv.items() if k not in consumed})
    out.update(no_proxy_for_loopback(out))  # spans and tool calls go to 127.0.0.1
    return out


def local_mcp_url(tool: McpTool, places: LocalPlaces, namespace: str) -> str:
    """Where an mcp tool is reached locally: the project run with ``--tool``, else its own URL."""
    from urllib.parse import urlsplit

    from agentctl.render.env import mcp_url

    base = places.tool_urls.get(tool.name)
    if base is None:
        return mcp_url(namespace, tool)
    path = tool.service.path if tool.service is not None else urlsplit(str(tool.url)).path
    return base + (path or "/mcp")


def tools_list(
    agent: Agent, places: LocalPlaces, namespace: str = "default"
) -> list[dict[str, Any]]:
    out = []
    for tool in agent.spec.tools:
        entry: dict[str, Any] = {"name": tool.name, "kind": tool.kind}
        if isinstance(tool, shapes.ServiceTool):
            entry["url"] = places.tool_urls.get(tool.name, "")
        elif isinstance(tool, shapes.HttpTool):
            entry["url"] = tool.url
        elif isinstance(tool, shapes.TcpTool):
            entry["url"] = f"{tool.host}:{tool.port}"
        elif isinstance(tool, shapes.McpTool):
            entry["url"] = local_mcp_url(tool, places, namespace)
            if tool.tools:
                entry["tools"] = list(tool.tools)
            if tool.auth_secret:
                entry["auth"] = tool.auth_secret
        out.append(entry)
    return out


def otel_env(agent: Agent, service_name: str, endpoint: str) -> dict[str, str]:
    from agentctl.render.env import genai_env

    meta = agent.metadata
    obs = agent.spec.observability
    attrs = {
        "gen_ai.agent.name": meta.name,
        "gen_ai.agent.version": meta.version,
        "agentctl.team": meta.team,
        "service.version": meta.version,
        "deployment.environment.name": "local",
    }
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_SERVICE_NAME": service_name,
        "OTEL_RESOURCE_ATTRIBUTES": ",".join(f"{k}={v}" for k, v in attrs.items()),
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": repr(float(obs.sample_ratio)),
        **genai_env(obs.capture_content),
        # Local only: export batches quickly so the live view shows spans as they end.
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }


def cluster_config(loaded: LoadedAgent, platform: LoadedPlatform) -> dict[str, str]:
    """The agent's ConfigMap data exactly as ``agentctl build`` renders it."""
    from agentctl.render.context import Ctx
    from agentctl.render.env import config_data
    from agentctl.render.schemas import resolve_kube_version

    ctx = Ctx(
        loaded, platform, platform.platform.namespace_for(loaded.agent), resolve_kube_version(None)
    )
    return {key: value for key, (value, _origin) in config_data(ctx, {}).items()}


# Cluster values that name places on the cluster; replaced (or dropped) locally.
_CLUSTER_ONLY_PREFIXES = ("SECRET_",)
# AGENT_SPEND_CONFIGMAP: there is no cluster ledger locally; the day's spend is counted under
# the local memory directory (or per process).
_CLUSTER_ONLY = {
    "AGENT_MODEL_API_KEY_FILE",
    "AGENT_MEMORY_DIR",
    "AGENT_PORT",
    "AGENT_SPEND_CONFIGMAP",
}


def agent_env(
    loaded: LoadedAgent,
    platform: LoadedPlatform,
    places: LocalPlaces,
    *,
    offline_model: bool = False,
) -> dict[str, str]:
    """The contract variables of the agent's own process (or of every workflow step).

    Starts from the rendered ConfigMap data, then points every place at this
    machine: the receiver, loopback tool ports, the local memory directory and
    the agent's local port. Secret locations come from :mod:`agentctl.local.secrets`.
    """
    agent = loaded.agent
    spec = agent.spec
    env = {
        k: v
        for k, v in cluster_config(loaded, platform).items()
        if k not in _CLUSTER_ONLY
        and not (k.startswith(_CLUSTER_ONLY_PREFIXES) and k.endswith("_FILE"))
    }
    if spec.type in (AgentType.service, AgentType.stateful) and places.agent_port is not None:
        env["AGENT_PORT"] = str(places.agent_port)
    if spec.memory is not None and places.memory_dir is not None:
        env["AGENT_MEMORY_DIR"] = str(places.memory_dir)
    tools = tools_list(agent, places, platform.platform.namespace_for(agent))
    env["AGENT_TOOLS"] = json.dumps(tools, separators=(",", ":"))
    for tool in tools:
        if tool["kind"] in ("service", "http", "mcp"):
            env[f"AGENT_TOOL_{env_key(tool['name'])}_URL"] = tool["url"]
    if offline_model:
        env["AGENT_MODEL_PROVIDER"] = OFFLINE_PROVIDER
        env["AGENT_MODEL_NAME"] = OFFLINE_MODEL
        env.pop("AGENT_MODEL_BASE_URL", None)
    env.update(otel_env(agent, agent.metadata.name, places.otlp_endpoint))
    env["AGENT_HOST"] = LOOPBACK
    env["AGENT_DRAIN_SECONDS"] = "0"  # no load balancer to drain from locally: stop at once
    return env


def tool_env(
    agent: Agent, tool: ServiceTool | McpTool, port: int, places: LocalPlaces
) -> dict[str, str]:
    """A ``service`` tool's process (or an ``mcp`` tool's project run with ``--tool``): its own
    settings, its port and OTel identity."""
    env = dict(tool.env) if isinstance(tool, shapes.ServiceTool) else {}
    env.update(
        {
            "AGENT_NAME": agent.metadata.name,
            "AGENT_VERSION": agent.metadata.version,
            "AGENT_TEAM": agent.metadata.team,
            "AGENT_TOOL_NAME": tool.name,
            "AGENT_PORT": str(port),
            "AGENT_HOST": LOOPBACK,
            "AGENT_DRAIN_SECONDS": "0",
            "PORT": str(port),
        }
    )
    env.update(otel_env(agent, f"{agent.metadata.name}-{tool.name}", places.otlp_endpoint))
    return env


def python_path(project_dir: Path, inherited: str | None) -> str:
    """The project (and its ``src/``) first, so ``python -m <module>`` finds its code."""
    parts = [str(project_dir)]
    if (project_dir / "src").is_dir():
        parts.append(str(project_dir / "src"))
    if inherited:
        parts.append(inherited)
    return os.pathsep.join(parts)
