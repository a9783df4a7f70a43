"""The runtime contract (docs/reference/runtime-contract.md), as rendered for a cluster."""

from __future__ import annotations

import json

import pytest
from render_helpers import agent_doc, one

CONTRACT = {
    "AGENT_NAME": "demo",
    "AGENT_VERSION": "1.0.0",
    "AGENT_TEAM": "search",
    "AGENT_TYPE": "service",
    "AGENT_PORT": "8080",
    "AGENT_MODEL_PROVIDER": "openai",
    "AGENT_MODEL_NAME": "gpt-4.1-mini-2025-04-14",
    "AGENT_MODEL_BASE_URL": "https://api.openai.com/v1",
    "AGENT_MODEL_API_KEY_FILE": "/var/run/secrets/agentctl/llm-key/value",
    "AGENT_MAX_STEPS": "10",
    "AGENT_MAX_TOOL_CALLS": "20",
    "AGENT_TIMEOUT_SECONDS": "300",
    "AGENT_BUDGET_PER_RUN_USD": "1",
    "AGENT_BUDGET_DAILY_USD": "10",
    "AGENT_CAPTURE_CONTENT": "false",
    "SECRET_LLM_KEY_FILE": "/var/run/secrets/agentctl/llm-key/value",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector.observability:4318",
    "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
    "OTEL_SERVICE_NAME": "demo",
    "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
    "OTEL_TRACES_SAMPLER_ARG": "1.0",
    "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "NO_CONTENT",
    "AGENT_TOOLS": "[]",
}


def test_configmap_carries_the_contract_and_pods_read_it(render):
    bundle = render(agent_doc())
    data = one(bundle, "ConfigMap", "demo-config")["data"]
    assert data == CONTRACT
    container = one(bundle, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"configMapRef": {"name": "demo-config"}}]


def test_resource_attributes_use_the_downward_api(render):
    container = one(render(agent_doc()), "Deployment")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    names = [e["name"] for e in container["env"]]
    assert names.index("K8S_POD_NAME") < names.index("OTEL_RESOURCE_ATTRIBUTES"), (
        "$(VAR) needs earlier definitions"
    )
    assert env["K8S_POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env["K8S_NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    attrs = dict(kv.split("=", 1) for kv in env["OTEL_RESOURCE_ATTRIBUTES"]["value"].split(","))
    assert attrs == {
        "gen_ai.agent.name": "demo",
        "gen_ai.agent.version": "1.0.0",
        "agentctl.team": "search",
        "service.version": "1.0.0",
        "k8s.namespace.name": "$(K8S_NAMESPACE_NAME)",
        "k8s.pod.name": "$(K8S_POD_NAME)",
        "k8s.node.name": "$(K8S_NODE_NAME)",
    }


def test_tools_and_observability_settings(render):
    tools = [
        {"name": "web-search", "kind": "http", "url": "https://api.search.example.com/v1"},
        {"name": "db", "kind": "tcp", "host": "db.internal", "port": 5432},
        {"name": "calc", "kind": "service", "image": "ghcr.io/acme/calc:1.0.0"},
    ]
    doc = agent_doc(
        tools=tools,
        observability={"sampleRatio": 0.25, "captureContent": True},
        env={"LOG_LEVEL": "debug"},
    )
    data = one(render(doc), "ConfigMap", "demo-config")["data"]
    assert json.loads(data["AGENT_TOOLS"]) == [
        {"name": "web-search", "kind": "http", "url": "https://api.search.example.com/v1"},
        {"name": "db", "kind": "tcp", "url": "db.internal:5432"},
        {"name": "calc", "kind": "service", "url": "http://demo-calc:8080"},
    ]
    assert data["AGENT_TOOL_WEB_SEARCH_URL"] == "https://api.search.example.com/v1"
    assert "AGENT_TOOL_DB_URL" not in data
    assert data["OTEL_TRACES_SAMPLER_ARG"] == "0.25"
    # Our own flag is a boolean; the GenAI instrumentations (latest conventions) take a mode.
    assert data["AGENT_CAPTURE_CONTENT"] == "true"
    assert data["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] == "SPAN_ONLY"
    assert data["OTEL_SEMCONV_STABILITY_OPT_IN"] == "gen_ai_latest_experimental"
    assert data["LOG_LEVEL"] == "debug"
    assert list(data) == sorted(data), "stable order"


def test_api_key_as_env_secret(render):
    secrets = [
        {
            "name": "llm-key",
            "store": "vault",
            "remoteRef": {"key": "k"},
            "mount": "env",
            "env": "OPENAI_API_KEY",
        }
    ]
    bundle = render(agent_doc(secrets=secrets))
    data = one(bundle, "ConfigMap", "demo-config")["data"]
    assert "AGENT_MODEL_API_KEY_FILE" not in data and "SECRET_LLM_KEY_FILE" not in data
    env = {
        e["name"]: e
        for e in one(bundle, "Deployment")["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    ref = {"secretKeyRef": {"name": "demo-llm-key", "key": "value"}}
    assert env["OPENAI_API_KEY"]["valueFrom"] == ref == env["AGENT_MODEL_API_KEY"]["valueFrom"]


@pytest.mark.parametrize(
    "key", ["AGENT_NAME", "OTEL_SERVICE_NAME", "K8S_POD_NAME", "OTEL_RESOURCE_ATTRIBUTES"]
)
def test_spec_env_cannot_shadow_the_contract(render, key):
    from agentctl.errors import RenderError

    with pytest.raises(
        RenderError, match=rf"agent\.yaml:\d+:\d+: spec\.env\.{key}: {key} is set by agentctl"
    ):
        render(agent_doc(env={key: "x"}))


def test_secret_env_cannot_shadow_config(render):
    """SEC-004: a literal with the name of a secret variable would shadow (or be shadowed by) it."""
    from agentctl.errors import RenderError

    secrets = [
        {
            "name": "s",
            "store": "vault",
            "remoteRef": {"key": "k"},
            "mount": "env",
            "env": "LOG_LEVEL",
        }
    ]
    with pytest.raises(
        RenderError, match=r"spec\.env\.LOG_LEVEL: LOG_LEVEL is also a secret's env variable"
    ):
        render(agent_doc(secrets=secrets, model=None, env={"LOG_LEVEL": "x"}))


def test_offline_demo_model_has_no_endpoint(render):
    data = one(
        render(agent_doc(model={"provider": "offline-demo", "name": "demo"}, secrets=[])),
        "ConfigMap",
        "demo-config",
    )["data"]
    assert data["AGENT_MODEL_PROVIDER"] == "offline-demo"
    assert "AGENT_MODEL_BASE_URL" not in data


def test_workflow_step_env_cannot_shadow_step_contract(render):
    from render_helpers import WORKFLOW

    from agentctl.errors import RenderError

    wf = json.loads(json.dumps(WORKFLOW))
    wf["steps"][0]["env"] = {"AGENT_STEP": "x"}
    with pytest.raises(RenderError, match=r"spec\.workflow\.steps\[0\]\.env\.AGENT_STEP"):
        render(agent_doc(type="workflow", port=None, workflow=wf))
