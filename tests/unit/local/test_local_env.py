"""The local runtime-contract environment, secrets and commands of agentctl dev."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from agentctl.errors import UsageError
from agentctl.local import env as envmod
from agentctl.local import plan
from agentctl.local.secrets import resolve_secrets
from agentctl.spec.loader import load_agent, load_platform

AGENT = """\
apiVersion: agentctl.dev/v1alpha1
kind: Agent
metadata: {name: helper, team: search, version: 1.2.3}
spec:
  type: stateful
  image: ghcr.io/acme/helper:1.2.3
  command: [python, -m, helper]
  port: 8080
  model: {provider: openai, name: gpt-4.1-mini, apiKeySecret: llm-api-key}
  memory: {size: 1Gi, mountPath: /data}
  env: {LOG_LEVEL: debug}
  tools:
    - {name: rates, kind: service, image: ghcr.io/acme/rates:1.0.0, port: 9000, env: {RATES_SOURCE: ecb}}
    - {name: web-search, kind: http, url: "https://search.example.com/v1"}
    - {name: orders-db, kind: tcp, host: orders.internal, port: 5432}
  secrets:
    - {name: llm-api-key, store: vault, remoteRef: {key: k}}
    - {name: db-password, store: vault, remoteRef: {key: d}, mount: env, env: DB_PASSWORD}
  guardrails:
    budget: {perRunUSD: 0.50, dailyUSD: 20}
    maxSteps: 12
    maxToolCalls: 20
    timeout: 2m
  observability: {sampleRatio: 0.5, captureContent: true}
"""


@pytest.fixture
def loaded(tmp_path: Path):
    project = tmp_path / "helper"
    project.mkdir()
    (project / "agent.yaml").write_text(AGENT)
    return load_agent(project)


def places(tmp_path: Path) -> envmod.LocalPlaces:
    return envmod.LocalPlaces(
        otlp_endpoint="http://127.0.0.1:4999",
        agent_port=5001,
        tool_urls={"rates": "http://127.0.0.1:5002"},
        memory_dir=tmp_path / ".agentctl" / "memory",
    )


def test_agent_env_is_the_rendered_config_pointed_at_this_machine(loaded, tmp_path: Path) -> None:
    env = envmod.agent_env(loaded, load_platform(None, tmp_path), places(tmp_path))
    cluster = envmod.cluster_config(loaded, load_platform(None, tmp_path))
    assert (
        env["AGENT_NAME"] == "helper"
        and env["AGENT_VERSION"] == "1.2.3"
        and env["AGENT_TEAM"] == "search"
    )
    assert env["AGENT_TYPE"] == "stateful"
    assert env["AGENT_PORT"] == "5001" and env["AGENT_HOST"] == "127.0.0.1"
    assert env["AGENT_DRAIN_SECONDS"] == "0"  # nothing routes to it locally: stop at once
    assert env["AGENT_MODEL_PROVIDER"] == "openai" and env["AGENT_MODEL_NAME"] == "gpt-4.1-mini"
    assert env["AGENT_MODEL_BASE_URL"] == cluster["AGENT_MODEL_BASE_URL"]
    assert env["AGENT_MAX_STEPS"] == "12" and env["AGENT_MAX_TOOL_CALLS"] == "20"
    assert env["AGENT_TIMEOUT_SECONDS"] == "120"
    assert env["AGENT_BUDGET_PER_RUN_USD"] == "0.5" and env["AGENT_BUDGET_DAILY_USD"] == "20"
    assert env["AGENT_MEMORY_DIR"] == str(tmp_path / ".agentctl" / "memory")
    assert env["AGENT_CAPTURE_CONTENT"] == "true"
    assert env["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] == "SPAN_ONLY"
    assert env["OTEL_SEMCONV_STABILITY_OPT_IN"] == "gen_ai_latest_experimental"
    assert env["LOG_LEVEL"] == "debug"
    assert json.loads(env["AGENT_TOOLS"]) == [
        {"name": "rates", "kind": "service", "url": "http://127.0.0.1:5002"},
        {"name": "web-search", "kind": "http", "url": "https://search.example.com/v1"},
        {"name": "orders-db", "kind": "tcp", "url": "orders.internal:5432"},
    ]
    assert env["AGENT_TOOL_RATES_URL"] == "http://127.0.0.1:5002"
    assert env["AGENT_TOOL_WEB_SEARCH_URL"] == "https://search.example.com/v1"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4999"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert env["OTEL_SERVICE_NAME"] == "helper"
    assert (
        env["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
        and env["OTEL_TRACES_SAMPLER_ARG"] == "0.5"
    )
    assert "gen_ai.agent.name=helper" in env["OTEL_RESOURCE_ATTRIBUTES"]
    assert "k8s." not in env["OTEL_RESOURCE_ATTRIBUTES"]
    # cluster-only places are never passed on
    assert not any(k.startswith("SECRET_") for k in env)
    assert "AGENT_MODEL_API_KEY_FILE" not in env
    # every other contract variable the cluster sets is set locally too (secret files come from resolve_secrets)
    assert set(cluster) - set(env) == {"SECRET_LLM_API_KEY_FILE", "AGENT_MODEL_API_KEY_FILE"}


def test_offline_model_overrides_the_provider(loaded, tmp_path: Path) -> None:
    env = envmod.agent_env(
        loaded, load_platform(None, tmp_path), places(tmp_path), offline_model=True
    )
    assert env["AGENT_MODEL_PROVIDER"] == "offline-demo"
    assert env["AGENT_MODEL_NAME"] == "offline-demo"
    assert "AGENT_MODEL_BASE_URL" not in env


def test_tool_env(loaded, tmp_path: Path) -> None:
    tool = loaded.agent.spec.tools[0]
    env = envmod.tool_env(loaded.agent, tool, 5002, places(tmp_path))
    assert env["AGENT_PORT"] == "5002" and env["AGENT_HOST"] == "127.0.0.1"
    assert env["OTEL_SERVICE_NAME"] == "helper-rates"
    assert env["RATES_SOURCE"] == "ecb"


def test_base_env_passes_basics_and_dotenv_but_not_the_rest_of_the_shell() -> None:
    shell = {
        "PATH": "/bin",
        "HOME": "/h",
        "LC_ALL": "C",
        "OPENAI_API_KEY": "sk-" + "x" * 20,
        "RANDOM": "1",
    }
    base = envmod.base_env(shell, {"LOG_LEVEL": "info", "SECRET_X": "v"}, {"SECRET_X"})
    assert base == {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", "LOG_LEVEL": "info"}


def test_file_secret_from_a_value_is_an_in_memory_file(loaded) -> None:
    key = "sk-" + "y" * 20
    delivery = resolve_secrets(loaded.agent, {"SECRET_LLM_API_KEY": key, "DB_PASSWORD": "pw"})
    try:
        assert delivery.missing == [] and sorted(delivery.found) == ["db-password", "llm-api-key"]
        path = delivery.env["AGENT_MODEL_API_KEY_FILE"]
        assert delivery.env["SECRET_LLM_API_KEY_FILE"] == path
        if path.startswith("/dev/fd/"):
            fd = int(path.rsplit("/", 1)[1])
            assert fd in delivery.pass_fds
            assert Path(path).read_text() == key
            assert key not in delivery.env.values()
        assert delivery.env["DB_PASSWORD"] == "pw"
        assert {"SECRET_LLM_API_KEY", "DB_PASSWORD"} <= delivery.consumed
    finally:
        delivery.close()
    assert delivery.pass_fds == []


def test_file_secret_from_a_path_and_fallback_without_memfd(loaded, tmp_path: Path) -> None:
    secret_file = tmp_path / "key"
    secret_file.write_text("sk-" + "z" * 20)
    delivery = resolve_secrets(loaded.agent, {"SECRET_LLM_API_KEY_FILE": str(secret_file)})
    assert delivery.env["AGENT_MODEL_API_KEY_FILE"] == str(secret_file)
    assert delivery.missing == ["db-password"]
    plain = resolve_secrets(loaded.agent, {"SECRET_LLM_API_KEY": "v"}, use_memfd=False)
    assert plain.env["AGENT_MODEL_API_KEY"] == "v" and plain.env["SECRET_LLM_API_KEY"] == "v"


def test_commands(loaded, tmp_path: Path) -> None:
    project = loaded.project_dir
    assert plan.project_python(project) == sys.executable
    venv_python = project / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text("")
    assert plan.project_python(project) == str(venv_python)
    assert plan.project_python(project, "/opt/py") == "/opt/py"
    cmds = plan.commands(loaded.agent, project, "/opt/py")
    assert cmds.agent == ["/opt/py", "-m", "helper"]
    assert cmds.tools == {"rates": None}  # no code for it in the project
    (project / "tools" / "rates").mkdir(parents=True)
    (project / "tools" / "rates" / "__main__.py").write_text("")
    assert plan.commands(loaded.agent, project, "/opt/py").tools == {
        "rates": ["/opt/py", "-m", "tools.rates"]
    }
    assert plan.resolve_command(["node", "server.js"], "/opt/py") == ["node", "server.js"]


def test_agent_without_command_needs_its_package(tmp_path: Path) -> None:
    project = tmp_path / "svc"
    project.mkdir()
    (project / "agent.yaml").write_text(
        "apiVersion: agentctl.dev/v1alpha1\nkind: Agent\nmetadata: {name: my-svc, team: t}\n"
        "spec: {type: service, image: ghcr.io/a/b:1, port: 8080}\n"
    )
    agent = load_agent(project).agent
    with pytest.raises(
        UsageError, match=r"spec\.command is not set and the project has no package 'my_svc'"
    ):
        plan.agent_command(agent, project, "py")
    (project / "src" / "my_svc").mkdir(parents=True)
    (project / "src" / "my_svc" / "__main__.py").write_text("")
    assert plan.agent_command(agent, project, "py") == ["py", "-m", "my_svc"]
    assert str(project / "src") in envmod.python_path(project, None).split(os.pathsep)


def test_session_warns_about_missing_secrets_without_starting_anything(
    loaded, tmp_path: Path
) -> None:
    from agentctl.local.session import DevOptions, DevSession

    session = DevSession(
        loaded, DevOptions(store_path=tmp_path / "t.db"), shell_env={"PATH": "/bin"}
    )
    with session:
        session.prepare()
        assert session.processes == []
    assert session.warnings == [
        "secret llm-api-key has no local value: set SECRET_LLM_API_KEY or SECRET_LLM_API_KEY_FILE "
        "in the shell or .env (or use --offline-model)",
        "secret db-password has no local value: set SECRET_DB_PASSWORD or SECRET_DB_PASSWORD_FILE in the shell or .env",
    ]
    offline = DevSession(
        loaded, DevOptions(store_path=tmp_path / "t.db", offline_model=True), shell_env={}
    )
    with offline:
        offline.prepare()
    assert len(offline.warnings) == 1  # the model key is not needed offline


def test_unknown_tool_dir_is_a_usage_error(loaded, tmp_path: Path) -> None:
    from agentctl.local.session import DevOptions, DevSession

    options = DevOptions(store_path=tmp_path / "t.db", tool_dirs={"nope": tmp_path})
    with (
        DevSession(loaded, options) as session,
        pytest.raises(UsageError, match="--tool nope: not a service or mcp tool"),
    ):
        session.prepare()


def test_a_cluster_spend_ledger_stays_on_the_cluster(tmp_path: Path) -> None:
    """dailyLedger: cluster names a ConfigMap in the pod's namespace: locally there is none,
    and the day's spend is counted under the local memory directory instead."""
    project = tmp_path / "helper"
    project.mkdir()
    (project / "agent.yaml").write_text(
        AGENT.replace("dailyUSD: 20}", "dailyUSD: 20, dailyLedger: cluster}")
    )
    loaded = load_agent(project)
    platform = load_platform(None, tmp_path)
    assert envmod.cluster_config(loaded, platform)["AGENT_SPEND_CONFIGMAP"] == "helper-spend"
    assert "AGENT_SPEND_CONFIGMAP" not in envmod.agent_env(loaded, platform, places(tmp_path))
