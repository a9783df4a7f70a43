"""The controllers some cluster tests run beside the control plane, on 127.0.0.1.

Argo Workflows' workflow-controller and the External Secrets operator are built by
``hack/cluster/build-controllers.sh`` beside the control plane's binaries, each with its own
CustomResourceDefinitions from the same module version (``<cache>/<version>/crds/<name>/``).
Tests that need one skip, saying why, when it is not built.

Both controllers run cluster-wide with the admin kubeconfig, in their own session, and are
stopped by pid. What simulated nodes cannot do for them is done here, the way kwok users do it:

- kwok runs no containers, so Argo's executor (argoexec's init and wait containers) never runs:
  a kwok Stage (``hack/cluster/kwok-stages-argo.yaml``) ends each step pod as if every container
  exited 0, and :class:`ExecutorStandIn` writes the WorkflowTaskResult the wait container
  would have written for a step with output parameters (without it the controller keeps such a
  node Running: its outputs are not set).
- The External Secrets ``fake`` provider serves the values a SecretStore lists in its spec; no
  cloud store is involved, so there is nothing to stand in for.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from tests.cluster import harness

BUILD_CONTROLLERS = harness.REPO / "hack" / "cluster" / "build-controllers.sh"
ARGO = "workflow-controller"
ESO = "external-secrets"
ARGO_VERSION = os.environ.get("AGENTCTL_ARGO_VERSION", "v4.0.5")
# never pulled (simulated nodes pull nothing), but it is what the pod spec names
EXECUTOR_IMAGE = f"quay.io/argoproj/argoexec:{ARGO_VERSION}"
ARGO_CONFIGMAP = "workflow-controller-configmap"
# Restricted PodSecurity (which agentctl's namespaces enforce) needs these on Argo's own init
# and wait containers; Argo sets none unless its configmap's `executor` says so.
EXECUTOR_SECURITY_CONTEXT = {
    "runAsNonRoot": True,
    "runAsUser": 8737,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
# the store examples/platform.yaml names, and the keys the examples read from it
EXAMPLE_STORE = "gcp-secret-manager"
EXAMPLE_KEYS = ("openai-api-key", "anthropic-api-key")
WORKFLOW_LABEL = "workflows.argoproj.io/workflow"
NODE_ID = "workflows.argoproj.io/node-id"
OUTPUTS_COMPLETED = "workflows.argoproj.io/report-outputs-completed"


def crd_dir(name: str, bin_dir: Path = harness.BIN_DIR) -> Path:
    return bin_dir.parent / "crds" / name


def not_built(name: str, bin_dir: Path = harness.BIN_DIR) -> str:
    """Why the controller cannot run ('' when it can)."""
    if os.access(bin_dir / name, os.X_OK) and any(crd_dir(name, bin_dir).glob("*.yaml")):
        return ""
    return (
        f"{name} is not built in {bin_dir}: run {BUILD_CONTROLLERS.relative_to(harness.REPO)} "
        f"(or `nox -s cluster`)"
    )


def crd_docs(paths: list[Path]) -> list[dict[str, Any]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [
        doc
        for path in paths
        for doc in yaml.load_all(path.read_text(), Loader=loader)
        if doc and doc.get("kind") == "CustomResourceDefinition"
    ]


def ensure_crds(cp: harness.ControlPlane, docs: list[dict[str, Any]]) -> None:
    """Create the CRDs that are missing (an existing one is kept), then wait until every one
    is Established, as an operator's install does before its controller starts."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    ext = client.ApiextensionsV1Api(cp.api())
    for doc in docs:
        try:
            ext.create_custom_resource_definition(doc)
        except ApiException as exc:
            if exc.status != 409:
                raise

    def established() -> bool:
        for doc in docs:
            crd = ext.read_custom_resource_definition(doc["metadata"]["name"])
            conds = {c.type: c.status for c in (crd.status.conditions or [])}
            if conds.get("Established") != "True":
                return False
        return True

    cp._wait("the controllers' CRDs to be Established", established)


def _start(
    cp: harness.ControlPlane,
    name: str,
    started: str,
    *args: str,
    env: dict[str, str] | None = None,
) -> None:
    """Launch a controller with the admin kubeconfig; wait until its log says ``started``."""
    cp._launch(name, *args, env={"KUBECONFIG": str(cp.kubeconfig), **(env or {})})
    cp._wait(f"{name} to start", lambda: started in cp.logs(name), timeout=90.0)


def argo_config(executor_security_context: bool = True) -> dict[str, str]:
    """The workflow-controller's configmap data: metrics and telemetry off, and (as a platform
    serving restricted namespaces must set) a security context for Argo's own containers."""
    config = {"metricsConfig": "enabled: false\n", "telemetryConfig": "enabled: false\n"}
    if executor_security_context:
        config["executor"] = yaml.safe_dump({"securityContext": EXECUTOR_SECURITY_CONTEXT})
    return config


def set_argo_config(cp: harness.ControlPlane, data: dict[str, str]) -> None:
    """Create or replace the configmap; a running controller watches it and applies a change
    without a restart."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    core = client.CoreV1Api(cp.api())
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": ARGO_CONFIGMAP}}
    applied = _argo_config_updates(cp)
    try:
        core.replace_namespaced_config_map(ARGO_CONFIGMAP, "default", {**body, "data": data})
    except ApiException as exc:
        if exc.status != 404:
            raise
        core.create_namespaced_config_map("default", {**body, "data": data})
    if ARGO in cp.procs:  # running: wait until it says it applied the change
        harness.wait_until(
            f"{ARGO} to apply its new configmap",
            lambda: _argo_config_updates(cp) > applied,
            30.0,
        )


def _argo_config_updates(cp: harness.ControlPlane) -> int:
    log = cp.root / "logs" / f"{ARGO}.log"
    return log.read_text(errors="replace").count("Configuration updated") if log.exists() else 0


def start_workflow_controller(cp: harness.ControlPlane) -> None:
    """Argo's workflow-controller, cluster-wide, no leader election, its configmap in the
    kubeconfig's namespace (default). It also listens on :6060 (health; hard-coded upstream)."""
    from tests.fakes.kube_resources import CRD_DIR

    # the fixtures' (agentctl renders against them), then the controller's own extra kinds
    ensure_crds(cp, crd_docs(sorted((CRD_DIR / "argo-workflows").glob("*.yaml"))))
    ensure_crds(cp, crd_docs(sorted(crd_dir(ARGO).glob("*.yaml"))))
    set_argo_config(cp, argo_config())
    _start(
        cp,
        ARGO,
        "Starting Workflow Controller",
        f"--configmap={ARGO_CONFIGMAP}",
        f"--executor-image={EXECUTOR_IMAGE}",
        "--workflow-workers=4",
        "--pod-cleanup-workers=2",
        "--loglevel=info",
        env={"LEADER_ELECTION_DISABLE": "true"},
    )


def start_external_secrets(cp: harness.ControlPlane) -> None:
    """The External Secrets controller (fake provider only), cluster-wide, metrics off."""
    from tests.fakes.kube_resources import CRD_DIR

    ensure_crds(cp, crd_docs(sorted((CRD_DIR / "external-secrets").glob("*.yaml"))))
    ensure_crds(cp, crd_docs(sorted(crd_dir(ESO).glob("*.yaml"))))
    _start(
        cp,
        ESO,
        "Starting workers",
        "--metrics-addr=0",
        "--enable-leader-election=false",
        "--concurrent=2",
        "--loglevel=info",
        "--zap-time-encoding=iso8601",
    )


def fake_secret_store(kubeconfig: Path, name: str, data: dict[str, str]) -> None:
    """(Re)create the ClusterSecretStore ``name`` of the External Secrets `fake` provider,
    serving ``data`` (each key also as version ``latest``, which research-assistant asks for)."""
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException

    api = client.CustomObjectsApi(config.new_client_from_config(str(kubeconfig)))
    group, version, plural = "external-secrets.io", "v1", "clustersecretstores"
    entries = [{"key": k, "value": v} for k, v in data.items()]
    entries += [{"key": k, "value": v, "version": "latest"} for k, v in data.items()]

    def gone() -> bool:
        try:
            api.get_cluster_custom_object(group, version, plural, name)
        except ApiException as exc:
            if exc.status == 404:
                return True
            raise
        return False

    with contextlib.suppress(ApiException):
        api.delete_cluster_custom_object(group, version, plural, name)
    harness.wait_until(f"ClusterSecretStore {name} to be deleted", gone, 30.0)
    api.create_cluster_custom_object(
        group,
        version,
        plural,
        {
            "apiVersion": f"{group}/{version}",
            "kind": "ClusterSecretStore",
            "metadata": {"name": name},
            "spec": {"provider": {"fake": {"data": entries}}},
        },
    )


class ExecutorStandIn:
    """What argoexec's wait container does for a step with output parameters, since no container
    runs on a simulated node: once the step's pod is Running, write its WorkflowTaskResult (named
    by the node's ID, labelled with the workflow and ``report-outputs-completed: "true"``) with
    the value ``outputs(template, parameter, pod)`` gives each declared output parameter."""

    def __init__(
        self,
        cp: harness.ControlPlane,
        namespace: str,
        outputs: Callable[[str, str, dict[str, Any]], str],
    ) -> None:
        self.cp, self.namespace, self.outputs = cp, namespace, outputs
        self.written: dict[str, dict[str, Any]] = {}
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="executor-stand-in", daemon=True)

    def __enter__(self) -> ExecutorStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        from kubernetes import client

        api = self.cp.api()
        core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
        while not self._stop.wait(0.3):
            try:
                pods = core.list_namespaced_pod(self.namespace, label_selector=WORKFLOW_LABEL)
                for pod in pods.items:
                    self._report(custom, api.sanitize_for_serialization(pod))
            except Exception as exc:  # keep serving; the test sees what the API shows
                self.errors.append(repr(exc)[:300])

    def _report(self, custom: Any, pod: dict[str, Any]) -> None:
        md = pod["metadata"]
        node_id = (md.get("annotations") or {}).get(NODE_ID)
        if not node_id or node_id in self.written:
            return
        if (pod.get("status") or {}).get("phase") not in ("Running", "Succeeded"):
            return
        template = _template_of(pod)
        params = ((template.get("outputs") or {}).get("parameters")) or []
        result = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "WorkflowTaskResult",
            "metadata": {
                "name": node_id,
                "labels": {WORKFLOW_LABEL: md["labels"][WORKFLOW_LABEL], OUTPUTS_COMPLETED: "true"},
                "ownerReferences": [
                    {**ref, "controller": False}
                    for ref in md.get("ownerReferences") or []
                    if ref.get("kind") == "Workflow"
                ],
            },
            "outputs": {
                "parameters": [
                    {
                        "name": p["name"],
                        "value": self.outputs(template.get("name", ""), p["name"], pod),
                    }
                    for p in params
                ]
            }
            if params
            else {},
        }
        custom.create_namespaced_custom_object(
            "argoproj.io", "v1alpha1", self.namespace, "workflowtaskresults", result
        )
        self.written[node_id] = result


def _template_of(pod: dict[str, Any]) -> dict[str, Any]:
    """The step's template, as the controller hands it to the executor (ARGO_TEMPLATE)."""
    spec = pod.get("spec") or {}
    for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        for env in c.get("env") or []:
            if env.get("name") == "ARGO_TEMPLATE" and env.get("value"):
                return dict(json.loads(env["value"]))
    return {}
