"""status, logs, run --watch and port-forwarding on real objects, through the API server and
kwok's kubelet-like endpoint.

kwok runs no containers: the harness gives it a ClusterLogs (every simulated container's log is
one file, ``ControlPlane.write_pod_log``) and a ClusterPortForward (every port-forward lands
on a local process, ``ControlPlane.forward_to``). The requests take the real path: agentctl ->
kube-apiserver (pods/log, pods/portforward, RBAC, the pod's node) -> kwok's server on the
node's address and kubelet port -> the file or the local process.
"""

from __future__ import annotations

import json
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cli.helpers import run_cli
from tests.cluster import harness
from tests.cluster.test_cluster_real import install_crds, objects, wait_until
from tests.fakes import otlp_payloads as P
from tests.fakes.trace_backends import FakeTempo

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = [pytest.mark.cluster]


@pytest.fixture
def cp(control_plane: harness.ControlPlane | None) -> harness.ControlPlane:
    if control_plane is None:
        pytest.skip("needs the harness's kwok logs and port-forward configuration")
    return control_plane


def project(tmp_path: Path, example: str, namespace: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    proj = tmp_path / example
    proj.mkdir()
    shutil.copy(EXAMPLES / example / "agent.yaml", proj / "agent.yaml")
    (proj / "platform.yaml").write_text(
        yaml.safe_dump(
            {"apiVersion": "agentctl.dev/v1alpha1", "kind": "Platform", "namespace": namespace}
        )
    )
    (proj / ".git").mkdir()
    monkeypatch.chdir(proj)
    return proj


def test_logs_of_every_replica_through_the_api_server(
    cp: harness.ControlPlane,
    cluster_kubeconfig: Path,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project(tmp_path, "currency-converter", namespace, monkeypatch)
    res = run_cli("deploy", "--timeout", "120s")
    assert res.exit_code == 0, res.stdout + res.stderr
    marker = secrets.token_hex(4)
    cp.write_pod_log(f"converted 100 USD to EUR ({marker})", f"served /healthz ({marker})")
    logs = run_cli("logs", "currency-converter")
    assert logs.exit_code == 0, logs.stderr
    lines = [line for line in logs.stdout.splitlines() if marker in line]
    # every replica, each line prefixed by pod/container
    pods = [p["metadata"]["name"] for p in objects(cluster_kubeconfig, namespace, "Pod")]
    prefixes = [line.split("] ", 1)[0].lstrip("[") for line in lines]
    assert sorted(set(prefixes)) == sorted(f"{pod}/agent" for pod in pods), logs.stdout
    assert len(lines) == 2 * len(pods)
    tail = run_cli("logs", "currency-converter", "--tail", "1")
    assert tail.exit_code == 0, tail.stderr
    assert [line.split("] ", 1)[1] for line in tail.stdout.splitlines()] == [
        f"served /healthz ({marker})"
    ] * len(pods)
    status = json.loads(run_cli("status", "-o", "json").stdout)["data"]["agents"]
    assert [(a["name"], a["type"]) for a in status] == [("currency-converter", "service")]
    assert status[0]["ready"] == status[0]["desired"] == len(pods), status
    # --follow: lines written after the streams opened arrive, from every replica
    live = follow_until(
        cp, cluster_kubeconfig, namespace, "currency-converter", f"live {marker}", len(pods)
    )
    assert sorted(live) == sorted(f"{pod}/agent" for pod in pods)


def follow_until(
    cp: harness.ControlPlane, kubeconfig: Path, ns: str, agent: str, text: str, streams: int
) -> set[str]:
    """Follow the agent's logs (what `agentctl logs --follow` runs) from now on, appending
    ``text`` to the simulated containers' log until every stream has shown it."""
    from agentctl.deploy import logs as klogs
    from agentctl.deploy.client import ConnectOptions, connect

    seen: set[str] = set()
    stop = threading.Event()

    def emit(prefix: str, line: str) -> None:
        if text in line:
            seen.add(prefix)

    with connect(ConnectOptions(kubeconfig=str(kubeconfig))) as client:
        follower = threading.Thread(
            target=klogs.follow,
            args=(client, ns, agent, emit),
            kwargs={"stop": stop, "tail": 0, "rescan": 0.5},
            daemon=True,
        )
        follower.start()
        deadline = time.monotonic() + 60
        while len(seen) < streams and time.monotonic() < deadline:
            cp.write_pod_log(text)
            time.sleep(0.5)
        stop.set()
        cp.write_pod_log("end")  # wakes the readers so they see the stop
        follower.join(timeout=15)
    assert not follower.is_alive()
    return seen


def test_run_watch_follows_a_job_to_the_end_with_its_logs(
    cp: harness.ControlPlane,
    cluster_kubeconfig: Path,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    secret_store: dict[str, str],  # daily-report reads a key: deploy waits for it to sync
) -> None:
    install_crds(cluster_kubeconfig, "external-secrets")
    project(tmp_path, "daily-report", namespace, monkeypatch)
    res = run_cli("deploy", "--timeout", "120s")
    assert res.exit_code == 0, res.stdout + res.stderr
    marker = secrets.token_hex(4)
    cp.write_pod_log(f"report written ({marker})")
    run = run_cli("run", "daily-report", "--watch", "--log", "--timeout", "120s")
    assert run.exit_code == 0, run.stdout + run.stderr
    assert "Succeeded" in run.stdout + run.stderr, run.stdout
    assert any(marker in line and line.startswith("[") for line in run.stdout.splitlines()), (
        run.stdout
    )
    status = run_cli("status", "daily-report", "-o", "json")
    assert status.exit_code == 0, status.stderr
    agent: dict[str, Any] = json.loads(status.stdout)["data"]["agents"][0]
    assert "Succeeded" in json.dumps(agent), agent
    text = run_cli("status", "daily-report")  # the table renders a finished run
    assert text.exit_code == 0 and "Succeeded" in text.stdout, text.stdout + text.stderr


@pytest.fixture
def tempo() -> Iterator[tuple[FakeTempo, list[dict[str, Any]]]]:
    with FakeTempo() as fake:
        run = P.agent_run(agent="weather-bot")
        fake.add(P.json_doc(run, {"service.name": "weather-bot"}))
        yield fake, run


def test_port_forward_through_the_api_server_reaches_an_in_cluster_tempo(
    cp: harness.ControlPlane,
    cluster_kubeconfig: Path,
    namespace: str,
    tempo: tuple[FakeTempo, list[dict[str, Any]]],
) -> None:
    """`trace --port-forward svc/tempo`: the Service's selector picks the running pod, the
    stream goes API server -> kwok -> (the pod's port) a local Tempo."""
    from kubernetes import client, config

    fake, run = tempo
    api = config.new_client_from_config(str(cluster_kubeconfig))
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": namespace}})
    labels = {"app": "tempo"}
    core.create_namespaced_service(
        namespace,
        {
            "metadata": {"name": "tempo"},
            "spec": {"selector": labels, "ports": [{"name": "http", "port": 3200}]},
        },
    )
    core.create_namespaced_pod(
        namespace,
        {
            "metadata": {"name": "tempo-0", "labels": labels},
            "spec": {
                "containers": [
                    {"name": "tempo", "image": "grafana/tempo", "ports": [{"containerPort": 3200}]}
                ]
            },
        },
    )
    wait_until(
        "tempo-0 to run",
        lambda: core.read_namespaced_pod("tempo-0", namespace).status.phase == "Running",
    )
    cp.forward_to(int(fake.url.rsplit(":", 1)[1]))
    try:
        res = run_cli(
            "trace", "--source", "tempo", "--port-forward", "svc/tempo", "-n", namespace,
            "-o", "json",
        )  # fmt: skip
    finally:
        cp.forward_to(None)
    assert res.exit_code == 0, res.stderr
    assert "port-forward svc/tempo -> http://127.0.0.1:" in res.stderr
    traces = json.loads(res.stdout)["data"]["traces"]
    assert [t["traceId"] for t in traces] == [run[0]["trace_id"].hex()]
    # nothing listens behind the pod's port any more: kwok's dial is refused, the forwarded
    # connection is closed, and trace says it cannot reach the backend (exit 2), in one line
    refused = run_cli("trace", "--source", "tempo", "--port-forward", "svc/tempo", "-n", namespace)
    assert refused.exit_code == 2, refused.stdout + refused.stderr
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cannot reach the trace backend" in errors[0], refused.stderr
    assert "Traceback" not in refused.stderr
