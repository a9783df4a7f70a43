"""logs, delete and the search for an agent against answers of odd shape, deep down.

Each answer is served by the API fake on loopback in place of the real one. An answer
that is no Kubernetes object (another kind, another namespace than asked, JSON nested
too deeply to read) is one line naming the endpoint, exit 3; fields below those checked
where answers come in (names, containers, statuses, owners) are read with care. And
delete never sends a DELETE for what it cannot name: the path without a name is the
whole collection's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import project, running_fake

NS = "agents-search"
AGENT = "research-assistant"
INVENTORY = f"/api/v1/namespaces/{NS}/configmaps/agentctl-inventory-{AGENT}"
# lists (a query follows), not the objects of their paths (a pod's log)
PODS = f"/api/v1/namespaces/{NS}/pods?"
STATEFULSETS = f"/apis/apps/v1/namespaces/{NS}/statefulsets?"
JOBS = f"/apis/batch/v1/namespaces/{NS}/jobs?"
CLAIMS = f"/api/v1/namespaces/{NS}/persistentvolumeclaims?"
DEEP = "[" * 100_000 + "]" * 100_000
NOT_KUBE = "this does not look like a Kubernetes API server"
LOGS, LOGS_N = ["logs", AGENT], ["logs", AGENT, "-n", NS]
DELETE = ["delete", AGENT, "--yes", "--delete-data"]


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    with running_fake(tmp_path, monkeypatch) as fake:
        monkeypatch.chdir(tmp_path)  # no project here: the agent is searched for
        assert run_cli("deploy", str(project(tmp_path, AGENT)), "--no-wait").exit_code == 0
        fake.add_pod(NS, f"{AGENT}-0", {"agentctl.dev/agent": AGENT})
        fake.set_logs(NS, f"{AGENT}-0", "agent", ["hello"])
        yield fake


def items(kind: str, *objs: Any) -> dict[str, Any]:
    return {"kind": f"{kind}List", "metadata": {}, "items": list(objs)}


def pod(**fields: Any) -> dict[str, Any]:
    """The agent's pod, with ``part__field`` set (``metadata__name=None``)."""
    obj: dict[str, Any] = {
        "metadata": {"name": f"{AGENT}-0", "namespace": NS},
        "spec": {"containers": [{"name": "agent"}]},
        "status": {"phase": "Running"},
    }
    for key, value in fields.items():
        part, _, field = key.partition("__")
        obj[part][field] = value
    return obj


OURS = {"managedFields": [{"manager": "agentctl"}]}  # applied by agentctl: a member to delete
HELLO = f"[{AGENT}-0/agent] hello"

# (command, path answered, answer (bytes as they are), the one error line's end, or what
# a command that succeeds prints on stdout)
CASES: dict[str, tuple[list[str], str, Any, str]] = {
    # logs: the pods of the agent
    "pods-nested-too-deeply": (LOGS, PODS, DEEP.encode(), "JSON nested too deeply to read"),
    "pods-items-nested": (LOGS_N, PODS, f'{{"kind": "PodList", "items": {DEEP}}}'.encode(),
                          "JSON nested too deeply to read"),
    "pods-of-another-kind": (LOGS, PODS, items("Pod", {**pod(), "kind": "Namespace"}),
                             "a list of pods whose items[0] is a Namespace, not a Pod"),
    "pods-in-another-namespace": (LOGS, PODS, items("Pod", pod(metadata__namespace="kube-system")),
                                  f"a list of pods whose items[0] is in namespace kube-system, not {NS}"),
    "pod-name-null": (LOGS, PODS, items("Pod", pod(metadata__name=None)), ""),
    "pod-owners-string": (LOGS, PODS, items("Pod", pod(metadata__ownerReferences="x")), HELLO),
    "pod-containers-string": (LOGS, PODS, items("Pod", pod(spec__containers="agent")), ""),
    "pod-container-names-odd": (LOGS, PODS, items("Pod", pod(spec__containers=[
        {"name": 5}, {"name": ["a"]}, None, "x", {"name": "agent"}])), HELLO),
    "pod-statuses-strings": (LOGS, PODS, items("Pod", pod(status__containerStatuses="x",
                                                           status__initContainerStatuses=[1])), HELLO),
    "pod-phase-list": (LOGS, PODS, items("Pod", pod(status__phase=["Running"])), HELLO),
    "pods-404-nested": (LOGS, PODS, (404, DEEP.encode()), "answered 404 Not Found"),
    # the agent's inventory, searched for by name
    "inventory-objects-nested": (LOGS_N, INVENTORY, "inventory-objects", HELLO),
    "inventory-of-another-namespace": (LOGS_N, INVENTORY, "inventory-elsewhere",
                                       f"a ConfigMap that is in namespace kube-system, not {NS}"),
    "inventories-without-namespace": (LOGS, "/api/v1/configmaps?", "inventories-nowhere",
                                      "a list of configmaps whose items[0] has no metadata.namespace"),
    # delete: the members, runs and claims it lists
    "member-without-name": (DELETE, STATEFULSETS, items("StatefulSet", {"metadata": OURS}), ""),
    "member-name-null": (DELETE, STATEFULSETS, items("StatefulSet", {"metadata": {**OURS, "name": None}}), ""),
    "member-managed-fields-string": (DELETE, STATEFULSETS, items("StatefulSet", {
        "metadata": {"name": AGENT, "managedFields": "agentctl"}}), ""),
    "member-of-another-kind": (DELETE, STATEFULSETS, items("StatefulSet", {
        "kind": "Namespace", "apiVersion": "v1", "metadata": {**OURS, "name": "kube-system"}}),
        "a list of statefulsets whose items[0] is a Namespace, not a StatefulSet"),
    "member-in-another-namespace": (DELETE, STATEFULSETS, items("StatefulSet", {
        "metadata": {**OURS, "name": "x", "namespace": "kube-system"}}),
        f"a list of statefulsets whose items[0] is in namespace kube-system, not {NS}"),
    "run-without-name": (DELETE, JOBS, items("Job", {"metadata": {"name": None}}), ""),
    "run-of-another-kind": (DELETE, JOBS, items("Job", {
        "kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "kube-system"}}),
        "a list of jobs whose items[0] is a Namespace, not a Job"),
    "claim-without-name": (DELETE, CLAIMS, items("PersistentVolumeClaim", {"metadata": {}}), ""),
    "claims-nested-too-deeply": (DELETE, CLAIMS, DEEP.encode(), "JSON nested too deeply to read"),
}  # fmt: skip


def answer(kube: FakeKube, how: Any) -> tuple[int, bytes]:
    """The status and body ``how`` stands for."""
    if isinstance(how, tuple):
        return how
    if isinstance(how, bytes):
        return 200, how
    if isinstance(how, str):  # the agent's inventory (or the list of it), spoiled
        cm = kube.get("ConfigMap", NS, f"agentctl-inventory-{AGENT}")
        assert cm is not None
        if how == "inventory-objects":
            cm["data"]["objects"] = DEEP
        elif how == "inventory-elsewhere":
            cm["metadata"]["namespace"] = "kube-system"
        else:
            del cm["metadata"]["namespace"]
            return 200, json.dumps(items("ConfigMap", cm)).encode()
        return 200, json.dumps(cm).encode()
    return 200, json.dumps(how).encode()


@pytest.mark.parametrize(("command", "path", "how", "says"), CASES.values(), ids=CASES.keys())
def test_an_odd_answer_is_one_line_naming_the_endpoint_or_read_with_care(
    kube: FakeKube, command: list[str], path: str, how: Any, says: str
) -> None:
    status, body = answer(kube, how)
    kube.answer_raw(status, body, content_type="application/json", path_prefix=path)
    res = run_cli(*command)
    assert "Traceback" not in res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    if says.startswith(("a ", "JSON", "answered")):
        assert res.exit_code == 3, res.stderr
        (line,) = errors
        endpoint = f"{kube.url}{path.rstrip('?')}"
        assert line.startswith(f"error: {endpoint} (context fake) answered "), line
        assert line.endswith(f": {NOT_KUBE}") and says in line, line
    else:
        assert res.exit_code == 0, res.stderr
        assert errors == []
        if command[0] == "logs":
            assert res.stdout.splitlines() == ([says] if says else [])
    for deleted in kube.api_requests("DELETE"):  # only named objects of the agent's namespace
        assert deleted.path.startswith(("/api/v1/namespaces/", "/apis/")), deleted.path
        name = deleted.path.rpartition("/")[2]
        assert (
            f"/namespaces/{NS}/" in deleted.path
            and name
            and name not in ("statefulsets", "jobs", "persistentvolumeclaims")
        ), deleted.path
