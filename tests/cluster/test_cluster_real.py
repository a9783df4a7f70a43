"""Against the real control plane: every example deploys and settles, durable memory grows
without touching pods or claims, and a just-installed CRD group is waited for."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cli.helpers import run_cli
from tests.cluster import harness
from tests.cluster.harness import wait_until

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

pytestmark = [pytest.mark.cluster]


def crd_files(name: str) -> list[Path]:
    from tests.fakes.kube_resources import CRD_DIR

    return sorted((CRD_DIR / name).glob("*.yaml"))


def kube_api(kubeconfig: Path) -> Any:
    from kubernetes import config

    return config.new_client_from_config(str(kubeconfig))


@functools.cache
def crd_docs(name: str) -> tuple[dict[str, Any], ...]:
    """The CustomResourceDefinitions of a fixture set, parsed once (Argo's are megabytes)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(
        doc
        for path in crd_files(name)
        for doc in yaml.load_all(path.read_text(), Loader=loader)
        if doc and doc.get("kind") == "CustomResourceDefinition"
    )


def install_crds(kubeconfig: Path, name: str, *, fresh: bool = False) -> None:
    """Create (or keep) the CRDs of a fixture set, as an operator's install does; no waiting.

    ``fresh`` first deletes any of them an earlier test installed and waits until they are
    gone, so the group is created (and its discovery lags) in front of the caller.
    """
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    ext = client.ApiextensionsV1Api(kube_api(kubeconfig))

    def exists(crd: str) -> bool:
        try:
            ext.read_custom_resource_definition(crd)
        except ApiException as exc:
            if exc.status != 404:
                raise
            return False
        return True

    for doc in crd_docs(name):
        crd = doc["metadata"]["name"]
        if fresh and exists(crd):
            ext.delete_custom_resource_definition(crd)
            wait_until(f"CRD {crd} to be deleted", lambda crd=crd: not exists(crd))
        if not exists(crd):
            ext.create_custom_resource_definition(doc)


def project(tmp_path: Path, example: str, namespace: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    proj = tmp_path / example
    proj.mkdir()
    shutil.copy(EXAMPLES / example / "agent.yaml", proj / "agent.yaml")
    platform = yaml.safe_load((EXAMPLES / "platform.yaml").read_text())
    platform["namespace"] = namespace
    platform.pop("egress", None)  # no egress proxy in the test cluster
    (proj / "platform.yaml").write_text(yaml.safe_dump(platform))
    (proj / ".git").mkdir()
    monkeypatch.chdir(proj)
    return proj


def edit(proj: Path, path: tuple[str, ...], value: Any) -> None:
    doc = yaml.safe_load((proj / "agent.yaml").read_text())
    node = doc
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    (proj / "agent.yaml").write_text(yaml.safe_dump(doc))


def objects(kubeconfig: Path, namespace: str, kind: str) -> list[dict[str, Any]]:
    from kubernetes import client

    api = kube_api(kubeconfig)
    if kind == "Pod":
        items = client.CoreV1Api(api).list_namespaced_pod(namespace).items
    else:
        items = client.CoreV1Api(api).list_namespaced_persistent_volume_claim(namespace).items
    return [api.sanitize_for_serialization(i) for i in items]


def test_a_just_installed_crd_group_is_waited_for(
    cluster_kubeconfig: Path, namespace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Install the External Secrets CRDs and deploy at once (what a user does): no
    'not a Kubernetes API server', no 'not installed'; deploy waits out the discovery lag."""
    install_crds(cluster_kubeconfig, "external-secrets", fresh=True)
    project(tmp_path, "research-assistant", namespace, monkeypatch)
    res = run_cli("deploy", "--no-wait", "-o", "json")
    assert res.exit_code == 0, res.stderr
    kinds = {o["kind"] for o in json.loads(res.stdout)["data"]["objects"]}
    assert "ExternalSecret" in kinds


@pytest.mark.parametrize(
    "example", ["currency-converter", "research-assistant", "daily-report", "deep-research"]
)
def test_every_example_deploys_settles_and_redeploys_unchanged(
    cluster_kubeconfig: Path,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    example: str,
    request: pytest.FixtureRequest,
) -> None:
    install_crds(cluster_kubeconfig, "external-secrets")
    install_crds(cluster_kubeconfig, "argo-workflows")
    proj = project(tmp_path, example, namespace, monkeypatch)
    if yaml.safe_load((proj / "agent.yaml").read_text())["spec"].get("secrets"):
        request.getfixturevalue("secret_store")  # deploy waits for its ExternalSecrets to sync
    first = run_cli("deploy", "--timeout", "120s")
    assert first.exit_code == 0, first.stdout + first.stderr
    second = run_cli("deploy", "--no-wait")
    assert second.exit_code == 0, second.stderr
    assert second.stdout.startswith("No changes"), second.stdout
    assert run_cli("diff").exit_code == 0
    status = json.loads(run_cli("status", "-n", namespace, "-o", "json").stdout)["data"]["agents"]
    assert [a["name"] for a in status] == [example]


def _scaffolds() -> list[str]:
    from agentctl.scaffold.catalog import list_builtin

    return [t.name for t in list_builtin()]


@pytest.mark.parametrize("template", _scaffolds())
def test_every_scaffold_deploys_settles_and_redeploys_unchanged(
    secret_store: dict[str, str],
    cluster_kubeconfig: Path,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    template: str,
) -> None:
    """What `agentctl init` writes deploys as it is: everything ready, then nothing to change."""
    install_crds(cluster_kubeconfig, "external-secrets")
    install_crds(cluster_kubeconfig, "argo-workflows")
    monkeypatch.chdir(tmp_path)
    name = "s-" + template
    created = run_cli("init", name, "-t", template, "--no-input")
    assert created.exit_code == 0, created.stderr
    proj = tmp_path / name
    platform = yaml.safe_load((EXAMPLES / "platform.yaml").read_text())
    platform["namespace"] = namespace
    platform.pop("egress", None)  # no egress proxy in the test cluster
    (proj / "platform.yaml").write_text(yaml.safe_dump(platform))
    monkeypatch.chdir(proj)
    first = run_cli("deploy", "--timeout", "120s")
    assert first.exit_code == 0, first.stdout + first.stderr
    second = run_cli("deploy", "--no-wait")
    assert second.exit_code == 0, second.stderr
    assert second.stdout.startswith("No changes"), second.stdout
    assert run_cli("diff").exit_code == 0
    status = json.loads(run_cli("status", "-n", namespace, "-o", "json").stdout)["data"]["agents"]
    assert [a["name"] for a in status] == [name]
    out = first.stdout + first.stderr + second.stdout
    assert not any(value in out for value in secret_store.values())


def test_growing_memory_keeps_pods_and_claims(
    secret_store: dict[str, str],
    cluster_kubeconfig: Path,
    control_plane: harness.ControlPlane | None,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if control_plane is None:
        pytest.skip("needs the harness's expandable StorageClass and provisioner")
    install_crds(cluster_kubeconfig, "external-secrets")
    proj = project(tmp_path, "research-assistant", namespace, monkeypatch)
    edit(proj, ("spec", "scaling"), {"minReplicas": 1, "maxReplicas": 1})
    edit(proj, ("spec", "memory", "accessMode"), "ReadWriteOnce")
    edit(proj, ("spec", "environments"), {})  # prod scales to 6, which would split RWO memory
    res = run_cli("deploy", "--timeout", "120s")
    assert res.exit_code == 0, res.stdout + res.stderr
    pods = {
        p["metadata"]["name"]: p["metadata"]["uid"]
        for p in objects(cluster_kubeconfig, namespace, "Pod")
        if p["metadata"]["name"].startswith("research-assistant-")
        and "currency" not in p["metadata"]["name"]
    }
    claims = {
        c["metadata"]["name"]: c["metadata"]["uid"]
        for c in objects(cluster_kubeconfig, namespace, "PVC")
    }
    assert list(claims) == ["memory-research-assistant-0"], claims
    assert list(pods) == ["research-assistant-0"], pods

    edit(proj, ("spec", "memory", "size"), "20Gi")
    diff = run_cli("diff", "-o", "json")
    assert diff.exit_code == 1, diff.stderr
    notes = [
        o.get("note", "")
        for o in json.loads(diff.stdout)["data"]["objects"]
        if o["kind"] == "StatefulSet"
    ]
    assert notes[0].startswith(
        "replace StatefulSet, keep pods and claims; expand 1 claim 5Gi -> 20Gi"
    ), notes
    res = run_cli("deploy", "--timeout", "120s")
    assert res.exit_code == 0, res.stdout + res.stderr

    def grown() -> bool:
        pvc = objects(cluster_kubeconfig, namespace, "PVC")[0]
        return pvc["status"].get("capacity", {}).get("storage") == "20Gi"

    wait_until("the claim's capacity to reach 20Gi", grown)
    after_claims = {
        c["metadata"]["name"]: c["metadata"]["uid"]
        for c in objects(cluster_kubeconfig, namespace, "PVC")
    }
    assert after_claims == claims
    after_pods = {
        p["metadata"]["name"]: p["metadata"]["uid"]
        for p in objects(cluster_kubeconfig, namespace, "Pod")
        if p["metadata"]["name"] in pods
    }
    assert after_pods == pods
    # the new StatefulSet adopted the pod
    pod = next(
        p
        for p in objects(cluster_kubeconfig, namespace, "Pod")
        if p["metadata"]["name"] == "research-assistant-0"
    )
    wait_until(
        "the pod to be adopted",
        lambda: any(
            r["kind"] == "StatefulSet"
            for r in (
                next(
                    p
                    for p in objects(cluster_kubeconfig, namespace, "Pod")
                    if p["metadata"]["name"] == "research-assistant-0"
                )["metadata"].get("ownerReferences")
                or []
            )
        ),
    )
    assert pod["metadata"]["uid"] == pods["research-assistant-0"]
    again = run_cli("deploy", "--no-wait")
    assert again.exit_code == 0 and again.stdout.startswith("No changes"), again.stdout

    edit(proj, ("spec", "memory", "size"), "1Gi")
    shrink = run_cli("deploy", "--no-wait")
    assert shrink.exit_code == 2, shrink.stdout + shrink.stderr
    assert "memory cannot shrink (20Gi -> 1Gi)" in shrink.stderr
