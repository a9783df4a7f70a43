"""The runtime contract (docs/reference/runtime-contract.md) as ConfigMap data and container env.

Non-secret values go into ``<agent>-config`` (``envFrom``); values that need
the downward API, and secrets with ``mount: env``, are container ``env``
entries. ``OTEL_RESOURCE_ATTRIBUTES`` refers to the downward-API variables
with ``$(VAR)``, which Kubernetes expands because they are defined first.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from agentctl.render.bundle import SpecPath
from agentctl.render.context import SECRETS_DIR, Ctx
from agentctl.render.egress import model_endpoint, split_url
from agentctl.spec import units
from agentctl.spec.shapes import AgentType
from agentctl.spec.units import env_key

if TYPE_CHECKING:
    from agentctl.spec.models import Secret

OTLP_PROTOCOL = "http/protobuf"
SAMPLER = "parentbased_traceidratio"
# The latest GenAI conventions (gen_ai.provider.name, gen_ai.input.messages...), which agentctl
# follows; on them the GenAI instrumentations take a content mode, not true/false.
SEMCONV_OPT_IN = "gen_ai_latest_experimental"
CONTENT_ON, CONTENT_OFF = "SPAN_ONLY", "NO_CONTENT"

# (variable, fieldPath) exposed through the downward API before the attributes that use them.
DOWNWARD = (
    ("K8S_NAMESPACE_NAME", "metadata.namespace"),
    ("K8S_POD_NAME", "metadata.name"),
    ("K8S_NODE_NAME", "spec.nodeName"),
)


def secret_object_name(ctx: Ctx, secret: Secret) -> str:
    return f"{ctx.name}-{secret.name}"


def secret_file(secret: Secret) -> str:
    return f"{SECRETS_DIR}/{secret.name}/value"


def spend_ledger_name(ctx: Ctx) -> str:
    """The ConfigMap that holds the agent's spend per UTC day (``dailyUSD`` across replicas)."""
    return f"{ctx.name}-spend"


def otlp_endpoint(ctx: Ctx) -> str:
    return ctx.spec.observability.otlp_endpoint or ctx.platform.telemetry.otlp_endpoint


def service_tool_name(ctx: Ctx, tool_name: str) -> str:
    return f"{ctx.name}-{tool_name}"


def tool_url(ctx: Ctx, tool: Any) -> str | None:
    """Where a tool is reached (None for ``function`` tools: they run in the agent's process)."""
    if tool.kind == "function":
        return None
    if tool.kind == "service":
        return f"http://{service_tool_name(ctx, tool.name)}:{tool.port}"
    if tool.kind == "http":
        return str(tool.url)
    if tool.kind == "tcp":
        return f"{tool.host}:{tool.port}"
    if tool.kind == "mcp":
        return mcp_url(ctx.namespace, tool)
    return "https://kubernetes.default.svc"


def mcp_url(namespace: str, tool: Any) -> str:
    """The endpoint of an ``mcp`` tool: its url, or its in-cluster Service's."""
    if tool.url is not None:
        return str(tool.url)
    svc = tool.service
    return f"http://{svc.name}.{svc.namespace or namespace}.svc.cluster.local:{svc.port}{svc.path}"


def tool_entry(ctx: Ctx, tool: Any) -> dict[str, Any]:
    """One ``AGENT_TOOLS`` entry: name and kind, and the url of tools reached over the network."""
    entry: dict[str, Any] = {"name": tool.name, "kind": tool.kind}
    url = tool_url(ctx, tool)
    if url is not None:
        entry["url"] = url
    if tool.kind == "mcp":
        if tool.tools:
            entry["tools"] = list(tool.tools)
        if tool.auth_secret:
            entry["auth"] = tool.auth_secret
    return entry


def _money(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _bool(value: bool) -> str:
    return "true" if value else "false"


def otel_data(ctx: Ctx, service_name: str) -> dict[str, tuple[str, SpecPath]]:
    obs = ctx.spec.observability
    endpoint_origin: SpecPath = (
        ("spec", "observability", "otlpEndpoint") if obs.otlp_endpoint else ("metadata",)
    )
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": (otlp_endpoint(ctx), endpoint_origin),
        "OTEL_EXPORTER_OTLP_PROTOCOL": (OTLP_PROTOCOL, ("metadata",)),
        "OTEL_SERVICE_NAME": (service_name, ("metadata", "name")),
        "OTEL_TRACES_SAMPLER": (SAMPLER, ("spec", "observability", "sampleRatio")),
        "OTEL_TRACES_SAMPLER_ARG": (
            repr(float(obs.sample_ratio)),
            ("spec", "observability", "sampleRatio"),
        ),
        **{
            key: (value, ("spec", "observability", "captureContent"))
            for key, value in genai_env(obs.capture_content).items()
        },
    }


def genai_env(capture_content: bool) -> dict[str, str]:
    """What the OpenTelemetry GenAI instrumentations read: conventions and content mode."""
    return {
        "OTEL_SEMCONV_STABILITY_OPT_IN": SEMCONV_OPT_IN,
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": (
            CONTENT_ON if capture_content else CONTENT_OFF
        ),
    }


def config_data(ctx: Ctx, proxy_env: dict[str, str]) -> dict[str, tuple[str, SpecPath]]:
    """Every ConfigMap variable with the spec path it comes from."""
    spec, meta = ctx.spec, ctx.agent.metadata
    data: dict[str, tuple[str, SpecPath]] = {
        "AGENT_NAME": (meta.name, ("metadata", "name")),
        "AGENT_VERSION": (meta.version, ("metadata", "version")),
        "AGENT_TEAM": (meta.team, ("metadata", "team")),
        "AGENT_TYPE": (spec.type.value, ("spec", "type")),
        "AGENT_CAPTURE_CONTENT": (
            _bool(spec.observability.capture_content),
            ("spec", "observability", "captureContent"),
        ),
    }
    if spec.port is not None and spec.type in (AgentType.service, AgentType.stateful):
        data["AGENT_PORT"] = (str(spec.port), ("spec", "port"))
    if spec.model is not None:
        data["AGENT_MODEL_PROVIDER"] = (spec.model.provider, ("spec", "model", "provider"))
        data["AGENT_MODEL_NAME"] = (spec.model.name, ("spec", "model", "name"))
        base = model_endpoint(spec.model)
        if base:
            data["AGENT_MODEL_BASE_URL"] = (base, ("spec", "model", "endpoint"))
        key_secret = _api_key_secret(ctx)
        if key_secret is not None and key_secret.mount == "file":
            data["AGENT_MODEL_API_KEY_FILE"] = (
                secret_file(key_secret),
                ("spec", "model", "apiKeySecret"),
            )
    g = spec.guardrails
    if g.max_steps is not None:
        data["AGENT_MAX_STEPS"] = (str(g.max_steps), ("spec", "guardrails", "maxSteps"))
    if g.max_tool_calls is not None:
        data["AGENT_MAX_TOOL_CALLS"] = (
            str(g.max_tool_calls),
            ("spec", "guardrails", "maxToolCalls"),
        )
    if g.timeout is not None:
        data["AGENT_TIMEOUT_SECONDS"] = (
            str(units.parse_duration(g.timeout)),
            ("spec", "guardrails", "timeout"),
        )
    if g.budget.per_run_usd is not None:
        data["AGENT_BUDGET_PER_RUN_USD"] = (
            _money(g.budget.per_run_usd),
            ("spec", "guardrails", "budget", "perRunUSD"),
        )
    if g.budget.daily_usd is not None:
        data["AGENT_BUDGET_DAILY_USD"] = (
            _money(g.budget.daily_usd),
            ("spec", "guardrails", "budget", "dailyUSD"),
        )
    if ctx.spend_ledger:
        data["AGENT_SPEND_CONFIGMAP"] = (
            spend_ledger_name(ctx),
            ("spec", "guardrails", "budget", "dailyLedger"),
        )
    if spec.memory is not None:
        data["AGENT_MEMORY_DIR"] = (spec.memory.mount_path, ("spec", "memory", "mountPath"))
    tools = [tool_entry(ctx, t) for t in spec.tools]
    data["AGENT_TOOLS"] = (json.dumps(tools, separators=(",", ":")), ("spec", "tools"))
    for i, tool in enumerate(spec.tools):
        url = tool_url(ctx, tool)
        if tool.kind in ("service", "http", "mcp") and url is not None:
            data[f"AGENT_TOOL_{env_key(tool.name)}_URL"] = (url, ("spec", "tools", i))
    for i, secret in enumerate(spec.secrets):
        if secret.mount == "file":
            data[f"SECRET_{env_key(secret.name)}_FILE"] = (
                secret_file(secret),
                ("spec", "secrets", i),
            )
    data.update(otel_data(ctx, ctx.name))
    for key, value in proxy_env.items():
        data[key] = (value, ("metadata",))
    secret_names = set(secret_env_names(ctx))
    for key, value in spec.env.items():
        ctx.check_env_name(("spec", "env", key), key)
        if key in data or key in {d for d, _ in DOWNWARD} or key == "OTEL_RESOURCE_ATTRIBUTES":
            raise ctx.error(
                ("spec", "env", key),
                f"{key} is set by agentctl (runtime contract); remove it from spec.env",
            )
        if key in secret_names:
            raise ctx.error(
                ("spec", "env", key),
                f"{key} is also a secret's env variable: a literal would shadow it",
            )
        data[key] = (value, ("spec", "env", key))
    return dict(sorted(data.items()))


def _api_key_secret(ctx: Ctx) -> Secret | None:
    model = ctx.spec.model
    if model is None or not model.api_key_secret:
        return None
    return next((s for s in ctx.spec.secrets if s.name == model.api_key_secret), None)


def secret_env_names(ctx: Ctx) -> list[str]:
    names = [s.env for s in ctx.spec.secrets if s.mount == "env" and s.env]
    key = _api_key_secret(ctx)
    if key is not None and key.mount == "env":
        names.append("AGENT_MODEL_API_KEY")
    return names


def resource_attributes(ctx: Ctx, tool: str | None = None) -> str:
    meta = ctx.agent.metadata
    attrs = [
        ("gen_ai.agent.name", meta.name),
        *([("agentctl.tool", tool)] if tool else []),
        ("gen_ai.agent.version", meta.version),
        ("agentctl.team", meta.team),
        ("service.version", meta.version),
        ("k8s.namespace.name", "$(K8S_NAMESPACE_NAME)"),
        ("k8s.pod.name", "$(K8S_POD_NAME)"),
        ("k8s.node.name", "$(K8S_NODE_NAME)"),
    ]
    return ",".join(f"{k}={v}" for k, v in attrs)


def downward_env(ctx: Ctx, tool: str | None = None) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}}
        for name, path in DOWNWARD
    ]
    env.append({"name": "OTEL_RESOURCE_ATTRIBUTES", "value": resource_attributes(ctx, tool)})
    return env


def secret_env(ctx: Ctx) -> list[dict[str, Any]]:
    """Env vars for secrets with ``mount: env`` (and the model key when it is one)."""
    out: list[dict[str, Any]] = []
    key = _api_key_secret(ctx)
    for secret in ctx.spec.secrets:
        if secret.mount != "env":
            continue
        ref = {"secretKeyRef": {"name": secret_object_name(ctx, secret), "key": "value"}}
        if secret.env:
            out.append({"name": secret.env, "valueFrom": ref})
        if key is not None and key.name == secret.name and secret.env != "AGENT_MODEL_API_KEY":
            out.append({"name": "AGENT_MODEL_API_KEY", "valueFrom": ref})
    return out


def secret_volumes(ctx: Ctx) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(volumes, mounts) for secrets consumed as files."""
    volumes, mounts = [], []
    for secret in ctx.spec.secrets:
        if secret.mount != "file":
            continue
        vol = f"secret-{secret.name}"
        volumes.append(
            {
                "name": vol,
                "secret": {
                    "secretName": secret_object_name(ctx, secret),
                    "defaultMode": 0o440,
                    "items": [{"key": "value", "path": "value"}],
                },
            }
        )
        mounts.append({"name": vol, "mountPath": f"{SECRETS_DIR}/{secret.name}", "readOnly": True})
    return volumes, mounts


def proxy_env(ctx: Ctx, no_proxy_hosts: list[str]) -> dict[str, str]:
    egress = ctx.platform.egress
    if egress.mode != "proxy" or egress.proxy is None:
        return {}
    proxy = f"http://{egress.proxy.service}.{egress.proxy.namespace}:{egress.proxy.port}"
    _, collector_host, _ = split_url(otlp_endpoint(ctx))
    hosts = [
        "localhost",
        "127.0.0.1",
        ".svc",
        ".cluster.local",
        "kubernetes.default.svc",
        collector_host,
    ]
    hosts += no_proxy_hosts
    no_proxy = ",".join(dict.fromkeys(h for h in hosts if h))
    return {
        "HTTPS_PROXY": proxy,
        "HTTP_PROXY": proxy,
        "NO_PROXY": no_proxy,
        "https_proxy": proxy,
        "http_proxy": proxy,
        "no_proxy": no_proxy,
    }
