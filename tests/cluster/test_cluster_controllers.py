"""Against the real control plane with real controllers: Argo's workflow-controller runs an
agentctl workflow on simulated nodes, and the External Secrets operator (fake provider) syncs an
agentctl ExternalSecret into a Secret that ``deploy --wait`` waits for.

Both controllers are built by hack/cluster/build-controllers.sh; each test skips, saying why,
when its controller is not built. See tests/cluster/controllers.py for what simulated nodes
cannot do and what stands in for it.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.cluster import controllers, harness
from tests.cluster.test_cluster_real import project

pytestmark = [pytest.mark.cluster]

TOPICS = ["kubernetes", "etcd", "kwok"]


def _controller(
    control_plane: harness.ControlPlane | None, name: str, start: Any
) -> Iterator[harness.ControlPlane]:
    if control_plane is None:
        pytest.skip(f"runs {name} beside the harness's control plane (not an external cluster)")
    why = controllers.not_built(name, control_plane.bin_dir)
    if why:
        pytest.skip(why)
    start(control_plane)
    try:
        yield control_plane
    finally:
        control_plane.stop_process(name)


@pytest.fixture(scope="module")
def argo(control_plane: harness.ControlPlane | None) -> Iterator[harness.ControlPlane]:
    yield from _controller(control_plane, controllers.ARGO, controllers.start_workflow_controller)


def custom(cp: harness.ControlPlane) -> Any:
    from kubernetes import client

    return client.CustomObjectsApi(cp.api())


def step_outputs(template: str, parameter: str, pod: dict[str, Any]) -> str:
    """What deep-research's steps would write to /tmp/outputs/result.json (JSON)."""
    if template == "step-plan":
        return json.dumps(TOPICS)
    return json.dumps(f"{template}: {pod['metadata']['name']}")


def test_a_workflow_runs_node_by_node_to_succeeded_on_simulated_nodes(
    argo: harness.ControlPlane,
    secret_store: dict[str, str],
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """deep-research deploys its WorkflowTemplate; `agentctl run --watch` submits a Workflow
    from it; the real controller schedules plan, fans research out over plan's output (one pod
    per topic, on kwok nodes) and runs write; every node Succeeds and `run` exits 0."""
    project(tmp_path, "deep-research", namespace, monkeypatch)
    res = run_cli("deploy", "--timeout", "120s")
    assert res.exit_code == 0, res.stdout + res.stderr
    with controllers.ExecutorStandIn(argo, namespace, step_outputs) as executor:
        run = run_cli("run", "deep-research", "--watch", "--timeout", "4m", "-o", "json")
    assert run.exit_code == 0, run.stdout + run.stderr + argo.logs(controllers.ARGO)
    state = json.loads(run.stdout)["data"]
    assert state["phase"] == "Succeeded", state
    assert not executor.errors, executor.errors

    wf = custom(argo).get_namespaced_custom_object(
        "argoproj.io", "v1alpha1", namespace, "workflows", state["name"]
    )
    assert wf["spec"]["workflowTemplateRef"] == {"name": "deep-research"}
    assert wf["status"]["phase"] == "Succeeded"
    pods = [n for n in wf["status"]["nodes"].values() if n["type"] == "Pod"]
    by_step: dict[str, list[dict[str, Any]]] = {}
    for node in pods:
        by_step.setdefault(node["templateName"], []).append(node)
    assert {k: len(v) for k, v in by_step.items()} == {
        "step-plan": 1,
        "step-research": len(TOPICS),
        "step-write": 1,
    }, by_step
    for node in pods:
        assert node["phase"] == "Succeeded", node
        assert node["hostNodeName"].startswith("kwok-node-"), node
    # the fan-out took its items from plan's output, as the controller read it from the result
    items = sorted(
        p["value"]
        for n in by_step["step-research"]
        for p in n["inputs"]["parameters"]
        if p["name"] == "item"
    )
    assert items == sorted(TOPICS)
    # research's aggregated output fed write's inputs
    write_inputs = {p["name"]: p["value"] for p in by_step["step-write"][0]["inputs"]["parameters"]}
    assert json.loads(write_inputs["inputs"])["research"] and len(
        json.loads(write_inputs["inputs"])["research"]
    ) == len(TOPICS)
    # the nodes ran in dependency order: plan finished before research began, research before write
    plan, write = by_step["step-plan"][0], by_step["step-write"][0]
    research_start = min(n["startedAt"] for n in by_step["step-research"])
    research_end = max(n["finishedAt"] for n in by_step["step-research"])
    assert plan["finishedAt"] <= research_start and research_end <= write["startedAt"]


def test_a_step_without_its_outputs_stays_running(
    argo: harness.ControlPlane,
    secret_store: dict[str, str],
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the executor's WorkflowTaskResult a step with output parameters is not Succeeded
    when its pod is (the controller waits for its outputs), so nothing downstream starts and
    `run --watch` times out with exit 4: the stand-in above is needed, not decorative."""
    project(tmp_path, "deep-research", namespace, monkeypatch)
    assert run_cli("deploy", "--timeout", "120s").exit_code == 0
    run = run_cli("run", "deep-research", "--watch", "--timeout", "20s", "-o", "json")
    assert run.exit_code == 4, run.stdout + run.stderr
    wfs = custom(argo).list_namespaced_custom_object(
        "argoproj.io", "v1alpha1", namespace, "workflows"
    )["items"]
    assert len(wfs) == 1
    nodes = wfs[0]["status"]["nodes"].values()
    assert [n["templateName"] for n in nodes if n["type"] == "Pod"] == ["step-plan"]
    # the pod ended (kwok), but the node keeps the phase it had: its outputs never came
    phases = [(n["displayName"], n["phase"]) for n in nodes if n["type"] == "Pod"]
    assert phases in ([("plan(0)", "Pending")], [("plan(0)", "Running")]), phases
    assert wfs[0]["status"]["phase"] == "Running"


def test_restricted_namespaces_reject_step_pods_without_an_executor_security_context(
    argo: harness.ControlPlane,
    secret_store: dict[str, str],
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Why the platform must configure Argo's executor: with no `executor.securityContext` in
    the controller's configmap, Argo's init and wait containers break the restricted Pod
    Security Standard agentctl's namespaces enforce, the API server refuses the step pod, and
    `run --watch` fails (exit 4)."""
    project(tmp_path, "deep-research", namespace, monkeypatch)
    assert run_cli("deploy", "--timeout", "120s").exit_code == 0
    controllers.set_argo_config(argo, controllers.argo_config(executor_security_context=False))
    try:
        run = run_cli("run", "deep-research", "--watch", "--timeout", "90s", "-o", "json")
    finally:
        controllers.set_argo_config(argo, controllers.argo_config())
    assert run.exit_code == 4, run.stdout + run.stderr
    wf = custom(argo).list_namespaced_custom_object(
        "argoproj.io", "v1alpha1", namespace, "workflows"
    )["items"][0]
    messages = " ".join(n.get("message", "") for n in wf["status"]["nodes"].values())
    assert "violates PodSecurity" in messages, wf["status"]
    assert '"wait"' in messages, messages


def test_an_external_secret_syncs_into_a_secret_that_deploy_waits_for(
    secret_store: dict[str, str],
    cluster_kubeconfig: Path,
    control_plane: harness.ControlPlane | None,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """research-assistant's llm-api-key is read from the platform's store (here the fake
    provider): deploy --wait waits until the ExternalSecret is synced, the Secret holds the
    store's value, and the value appears nowhere in agentctl's output."""
    from kubernetes import client, config

    value = secret_store["openai-api-key"]
    project(tmp_path, "research-assistant", namespace, monkeypatch)
    res = run_cli("deploy", "--timeout", "120s", "-o", "json")
    logs = control_plane.logs(controllers.ESO) if control_plane else ""
    assert res.exit_code == 0, res.stdout + res.stderr + logs
    assert value not in res.stdout + res.stderr
    waited = {(s["kind"], s["name"]): s for s in json.loads(res.stdout)["data"]["wait"]["objects"]}
    es = waited[("ExternalSecret", "research-assistant-llm-api-key")]
    assert (es["ready"], es["message"]) == (True, "synced"), es

    api = config.new_client_from_config(str(cluster_kubeconfig))
    secret = client.CoreV1Api(api).read_namespaced_secret(
        "research-assistant-llm-api-key", namespace
    )
    assert base64.b64decode(secret.data["value"]).decode() == value
    owner = [r.kind for r in secret.metadata.owner_references or []]
    assert owner == ["ExternalSecret"]  # creationPolicy: Owner
    live = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "external-secrets.io", "v1", namespace, "externalsecrets", "research-assistant-llm-api-key"
    )
    ready = {c["type"]: c for c in live["status"]["conditions"]}["Ready"]
    assert (ready["status"], ready["reason"]) == ("True", "SecretSynced")
    # status and run see the agent; a redeploy changes nothing and waits on the synced secret
    again = run_cli("deploy", "--timeout", "60s")
    assert again.exit_code == 0 and again.stdout.startswith("No changes"), again.stdout


def test_deploy_wait_names_an_external_secret_the_store_cannot_serve(
    external_secrets: None,
    cluster_kubeconfig: Path,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The store lacks the key: the operator reports the ExternalSecret not synced, and
    deploy --wait fails (exit 4) naming it and the operator's reason."""
    controllers.fake_secret_store(
        cluster_kubeconfig, controllers.EXAMPLE_STORE, {"some-other-key": secrets.token_hex(8)}
    )
    project(tmp_path, "research-assistant", namespace, monkeypatch)
    res = run_cli("deploy", "--timeout", "25s")
    assert res.exit_code == 4, res.stdout + res.stderr
    assert "ExternalSecret/research-assistant-llm-api-key (not synced: " in res.stderr, res.stderr
