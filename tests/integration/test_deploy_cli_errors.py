"""How the cluster commands fail (in-process CLI, fake API over HTTP): one clear line, the documented exit code."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import project

NS = "agents-search"


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    p = project(tmp_path)
    monkeypatch.chdir(p)
    return p


def envelope(out: str) -> dict[str, Any]:
    doc = json.loads(out)
    assert doc["apiVersion"] == "agentctl.dev/v1"
    return doc


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "garbage: [",
            ":1:11: not valid YAML: expected the node content, but found '<stream end>'",
        ),
        ("clusters: 5\n", ":1:11: clusters: expected a list of {name, cluster} entries, found 5"),
    ],
)
@pytest.mark.parametrize("command", ["status", "deploy", "logs"])
def test_a_malformed_kubeconfig_is_one_line_naming_it_exit_3(
    kube: FakeKube, proj: Path, text: str, says: str, command: str
) -> None:
    assert kube.kubeconfig is not None
    kube.kubeconfig.write_text(text, encoding="utf-8")
    args = [command, "research-assistant"] if command == "logs" else [command]
    res = run_cli(*args)
    assert res.exit_code == 3
    assert error_lines(res.stderr) == [f"error: kubeconfig {kube.kubeconfig}{says}"]
    assert "Traceback" not in res.stderr and res.stdout == ""
    assert kube.api_requests() == []  # nothing was sent anywhere


def test_a_malformed_kubeconfig_in_json_is_a_cluster_error(kube: FakeKube, proj: Path) -> None:
    assert kube.kubeconfig is not None
    kube.kubeconfig.write_text("- not\n- a kubeconfig\n", encoding="utf-8")
    res = run_cli("status", "-o", "json")
    assert res.exit_code == 3
    error = envelope(res.stdout)["errors"][0]
    assert error["code"] == "cluster"
    assert error["message"].startswith(f"kubeconfig {kube.kubeconfig}:1:1: expected a kubeconfig")


def test_an_empty_file_in_kubeconfig_is_skipped_like_kubectl_does(
    kube: FakeKube, proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(empty), str(kube.kubeconfig)]))
    res = run_cli("status")
    assert res.exit_code == 0, res.stderr
    monkeypatch.setenv("KUBECONFIG", str(empty))
    res = run_cli("status")
    assert res.exit_code == 3
    assert error_lines(res.stderr) == [f"error: kubeconfig {empty} is empty"]


def summary_of(stdout: str) -> str:
    lines = stdout.strip().splitlines()
    assert lines, "nothing on stdout"
    return lines[-1]


def rows_of(stdout: str) -> dict[str, str]:
    """object -> action, from the summary table."""
    out = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) >= 2 and "/" in cells[0] and cells[1]:
            out[cells[0]] = cells[1]
    return out


def conflict_on_config(kube: FakeKube) -> None:
    cm = kube.get("ConfigMap", NS, "research-assistant-config")
    key = sorted(cm["data"])[0]
    cm["data"][key] = "changed by hand"
    kube.apply_as(cm, "kubectl-edit", operation="Update")


@pytest.mark.parametrize("status", [409, 403])
def test_a_refused_deploy_says_it_failed_and_what_it_applied(
    kube: FakeKube, proj: Path, status: int
) -> None:
    assert run_cli("deploy", "--no-wait").exit_code == 0
    if status == 409:
        conflict_on_config(kube)
        failed = ["ConfigMap/research-assistant-config"]
    else:
        kube.deny("patch", "configmaps", NS)
        failed = [
            "ConfigMap/research-assistant-config",
            "ConfigMap/research-assistant-egress-allowlist",
        ]
    res = run_cli("deploy", "--no-wait")
    assert res.exit_code == 3
    assert "No changes" not in res.stdout
    summary = summary_of(res.stdout)
    assert summary.startswith(
        f"Deploy failed at step 2/4 (identity, configuration, storage and network): "
        f"{len(failed)} failed; {14 - len(failed)} of 19 objects applied "
        f"({14 - len(failed)} unchanged); 5 not applied. "
        "Stopped after "
    ), summary
    rows = rows_of(res.stdout)
    assert all(rows[name] == "failed" for name in failed)
    # applied before the failing step, and alongside the failed object in its step
    assert rows["Namespace/agents-search"] == "unchanged"
    assert rows["ExternalSecret/research-assistant-llm-api-key"] == "unchanged"
    assert "StatefulSet/research-assistant" not in rows  # never attempted


def test_a_rejected_object_is_shown_failed_not_left_out(kube: FakeKube, proj: Path) -> None:
    assert run_cli("deploy", "--no-wait").exit_code == 0
    doc = yaml.safe_load((proj / "agent.yaml").read_text())
    doc["spec"]["resources"]["cpu"] = "750m"  # the StatefulSet is configured...
    (proj / "agent.yaml").write_text(yaml.safe_dump(doc))
    kube.reject(
        "Deployment", "spec.replicas", "must be >= 0"
    )  # ...and the tool's Deployment refused
    res = run_cli("deploy", "--no-wait")
    assert res.exit_code == 3
    rows = rows_of(res.stdout)
    assert rows["Deployment/research-assistant-currency-converter"] == "failed"
    assert rows["StatefulSet/research-assistant"] == "configured"
    assert len(rows) == 19
    assert summary_of(res.stdout).startswith(
        "Deploy failed at step 4/4 (workloads): 1 failed; 18 of 19 objects applied "
        "(1 configured, 17 unchanged). Stopped after "
    )
    as_json = run_cli("deploy", "--no-wait", "-o", "json")
    assert as_json.exit_code == 3
    applied = envelope(as_json.stdout)["errors"][0]["applied"]
    assert applied["failedAt"] == "step 4/4 (workloads)" and applied["planned"] == 19
    assert applied["counts"] == {
        "created": 0,
        "configured": 0,
        "unchanged": 18,
        "pruned": 0,
        "failed": 1,
    }
    failed = [o for o in applied["objects"] if o["action"] == "failed"]
    assert [(o["kind"], o["name"]) for o in failed] == [
        ("Deployment", "research-assistant-currency-converter")
    ]
    assert failed[0]["note"].startswith("rejected by the API server: ")


def test_a_first_deploy_refused_at_the_namespace_applies_nothing(
    kube: FakeKube, proj: Path
) -> None:
    kube.deny("patch", "namespaces")
    res = run_cli("deploy", "--no-wait")
    assert res.exit_code == 3
    assert rows_of(res.stdout) == {"Namespace/agents-search": "failed"}
    assert summary_of(res.stdout).startswith(
        "Deploy failed at step 1/4 (namespace): 1 failed; 0 of 19 objects applied; 18 not applied."
    )
    dry = run_cli("deploy", "--dry-run=server")
    assert dry.exit_code == 3
    assert summary_of(dry.stdout).startswith("Server dry run failed at step 1/4 (namespace): ")


NOT_KUBE = "this does not look like a Kubernetes API server"


@pytest.mark.parametrize(
    ("status", "ctype", "body", "answered"),
    [
        (
            404,
            "text/html",
            b"<html>Not Found</html>",
            '404 Not Found (text/html: "<html>Not Found</html>")',
        ),
        (400, "text/plain", b"Bad Request", '400 Bad Request (text/plain: "Bad Request")'),
        (
            200,
            "text/html",
            b"<p>welcome</p>",
            '200 OK (text/html: "<p>welcome</p>"), not a JSON object',
        ),
        (
            200,
            "application/octet-stream",
            b"\x00\x01\x02",
            "200 OK (application/octet-stream, 3 bytes), not a JSON object",
        ),
        (
            200,
            "application/json",
            b'{"hello": "world"}',
            "200 with a JSON object without gitVersion",
        ),
    ],
)
def test_a_server_that_is_no_kubernetes_api_is_named_with_its_answer(
    kube: FakeKube, proj: Path, status: int, ctype: str, body: bytes, answered: str
) -> None:
    kube.answer_raw(status, body, content_type=ctype)
    for args in (["status"], ["deploy"], ["diff"]):
        res = run_cli(*args)
        assert res.exit_code == 3, (args, res.stderr)
        assert error_lines(res.stderr) == [
            f"error: {kube.url}/version (context fake) answered {answered}: {NOT_KUBE}"
        ], args
        assert "HTTP 0" not in res.stderr and "Traceback" not in res.stderr
    doc = envelope(run_cli("status", "-o", "json").stdout)
    assert doc["errors"][0]["code"] == "cluster" and doc["errors"][0]["status"] == status
    assert "proxy" in doc["errors"][0]["hint"]


def test_commands_that_skip_discovery_say_so_too(kube: FakeKube, proj: Path) -> None:
    kube.answer_raw(200, b'{"hello": "world"}', content_type="application/json")
    res = run_cli("logs", "research-assistant")
    assert res.exit_code == 3
    path = "/api/v1/namespaces/agents-search/configmaps/agentctl-inventory-research-assistant"
    assert error_lines(res.stderr) == [
        f"error: {kube.url}{path} (context fake) answered 200 with a JSON object that is not a ConfigMap: {NOT_KUBE}"
    ]


def test_discovery_answered_by_something_else_names_that_endpoint(
    kube: FakeKube, proj: Path
) -> None:
    kube.answer_raw(404, b"404 page not found\n", content_type="text/plain", path_prefix="/apis")
    res = run_cli("deploy")
    assert res.exit_code == 3
    assert error_lines(res.stderr) == [
        f'error: {kube.url}/apis (context fake) answered 404 Not Found (text/plain: "404 page not found"): {NOT_KUBE}'
    ]


def test_plain_http_to_an_https_server_says_to_use_https(kube: FakeKube, proj: Path) -> None:
    kube.answer_raw(
        400, b"Client sent an HTTP request to an HTTPS server.\n", content_type="text/plain"
    )
    res = run_cli("status")
    assert res.exit_code == 3
    assert error_lines(res.stderr) == [
        f"error: {kube.url}/version answered 400: the server speaks HTTPS, not HTTP"
    ]
    assert "hint: use https://" in res.stderr


def test_tls_to_a_plain_http_server_is_explained_not_http_0(
    kube: FakeKube, proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert kube.kubeconfig is not None
    https = kube.url.replace("http://", "https://")
    kc = tmp_path / "tls-kubeconfig"
    kc.write_text(kube.kubeconfig.read_text().replace(kube.url, https), encoding="utf-8")
    monkeypatch.setenv("KUBECONFIG", str(kc))
    res = run_cli("status")
    assert res.exit_code == 3
    assert error_lines(res.stderr) == [
        f"error: cannot reach the cluster at {https} (context fake): TLS handshake failed (wrong version number)"
    ]
    assert "does not speak TLS" in res.stderr and "HTTP 0" not in res.stderr


def test_persistent_5xx_is_one_line_within_the_request_timeout(kube: FakeKube, proj: Path) -> None:
    kube.set_faults(1.0, codes=(503,))
    res = run_cli("deploy", "--request-timeout", "2s")
    assert res.exit_code == 3
    lines = error_lines(res.stderr)
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(
        "error: the API server kept failing: gave up on 8 requests (GET /version, GET /api, "
        "GET /apis and 5 more) after "
    )
    assert lines[0].endswith(
        "; last answer: 503 ServiceUnavailable: the server is currently unable to handle the request"
    )
    assert "allow each request longer with --request-timeout (now 2s)" in res.stderr
    assert len(kube.api_requests()) <= 8 * 8  # every request within its attempts
    doc = envelope(run_cli("status", "-o", "json", "--request-timeout", "1s").stdout)
    assert doc["errors"][0]["code"] == "server-error" and doc["errors"][0]["status"] == 503
    assert run_cli("status", "--request-timeout", "soon").exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["logs"],
        ["delete", "--yes"],
        ["status"],
        ["run"],
    ],
)
def test_an_agent_that_is_not_deployed_is_bad_input_exit_2(
    kube: FakeKube, proj: Path, args: list[str]
) -> None:
    assert run_cli("deploy", "--no-wait").exit_code == 0
    command, *flags = args
    res = run_cli(command, "nope", *flags)
    assert res.exit_code == 2, res.stderr
    # nothing similar is deployed: no suggestion, and no listing of what is
    assert error_lines(res.stderr) == ["error: no agent nope deployed by agentctl in any namespace"]
    typo = run_cli(command, "research-asistant", "-n", NS, *flags)
    assert typo.exit_code == 2
    assert error_lines(typo.stderr) == [
        f"error: no agent research-asistant deployed by agentctl in namespace {NS}; "
        "did you mean research-assistant?"
    ]


def test_not_deployed_in_json_and_with_ignore_not_found(kube: FakeKube, proj: Path) -> None:
    res = run_cli("status", "nope", "-o", "json")
    assert res.exit_code == 2
    error = envelope(res.stdout)["errors"][0]
    assert error["code"] == "usage"
    assert error["message"] == "no agent nope deployed by agentctl in any namespace"
    gone = run_cli("delete", "nope", "--yes", "--ignore-not-found", "-o", "json")
    assert gone.exit_code == 0
    assert envelope(gone.stdout)["data"]["found"] is False


def test_not_deployed_is_still_a_cluster_error_when_the_cluster_fails(
    kube: FakeKube, proj: Path
) -> None:
    kube.deny("list", "configmaps")
    res = run_cli("logs", "nope")
    assert res.exit_code == 3  # could not look: the cluster refused, so no verdict on "nope"
    assert "forbidden" in res.stderr


@pytest.mark.parametrize("command", [["diff"], ["deploy", "--dry-run=server"]])
def test_an_answer_past_the_size_bound_is_a_cluster_error_not_read_on(
    kube: FakeKube, proj: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    from agentctl.deploy import client

    monkeypatch.setattr(client, "MAX_ANSWER_BYTES", 2**20)
    kube.answer_raw(200, b"[" * (2 * 2**20), content_type="application/json", path_prefix="/api")
    res = run_cli(*command)
    assert res.exit_code == 3, res.stderr
    assert "Traceback" not in res.stderr
    lines = error_lines(res.stderr)  # the requests sent together fail together
    assert lines
    for line in lines:
        assert line.startswith(f"error: {kube.url}/api"), line
        assert line.endswith("(context fake) answered more than 1 MiB; not read further"), line


def test_a_server_url_with_a_password_is_never_shown(
    kube: FakeKube, proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.ports import refused_port

    assert kube.kubeconfig is not None
    doc = yaml.safe_load(kube.kubeconfig.read_text(encoding="utf-8"))
    with refused_port() as port:
        doc["clusters"][0]["cluster"]["server"] = f"http://admin:hunter2@127.0.0.1:{port}"
        kube.kubeconfig.write_text(yaml.safe_dump(doc), encoding="utf-8")
        res = run_cli("status", "--request-timeout", "2s")
    assert res.exit_code == 3, res.stderr
    assert "hunter2" not in res.stderr + res.stdout and "admin" not in res.stderr
    assert f"cannot reach the cluster at http://127.0.0.1:{port}" in res.stderr


@pytest.mark.parametrize("prefix", ["/", "/api"])
def test_a_redirect_from_the_api_server_is_one_line_and_not_followed(
    kube: FakeKube, proj: Path, prefix: str
) -> None:
    kube.answer_raw(302, b"", content_type="text/plain", path_prefix=prefix)
    res = run_cli("diff")
    assert res.exit_code == 3, res.stderr
    assert "Traceback" not in res.stderr
    assert error_lines(res.stderr) == [
        f"error: {kube.url} (context fake) answered 302; agentctl does not follow redirects"
    ]


@pytest.mark.parametrize(
    ("item", "says"),
    [
        (5, "whose items[0] is a number, not an object"),
        ({"metadata": ["x"]}, "whose items[0] has metadata a list, not an object"),
        ({"metadata": {"name": 5}}, "whose items[0] has metadata.name a number, not a string"),
        (
            {"metadata": {"name": "a", "labels": {"x": 1}}},
            "whose items[0] has metadata.labels an object, not an object of strings",
        ),
        (  # items of a list do not say their kind
            {"metadata": {"name": "a"}, "data": {"objects": {"a": 1}}},
            "whose items[0] has data an object, not an object of strings",
        ),
        (
            {"metadata": {"name": "a", "creationTimestamp": ["2026"]}},
            "whose items[0] has metadata.creationTimestamp a list, not a string",
        ),
    ],
)
def test_a_list_of_objects_of_another_shape_names_the_endpoint(
    kube: FakeKube, proj: Path, item: Any, says: str
) -> None:
    path = f"/api/v1/namespaces/{NS}/configmaps"
    doc = {"kind": "ConfigMapList", "metadata": {}, "items": [item]}
    kube.answer_raw(
        200, json.dumps(doc).encode(), content_type="application/json", path_prefix=path
    )
    res = run_cli("status")
    assert res.exit_code == 3, res.stderr
    assert "Traceback" not in res.stderr
    assert error_lines(res.stderr) == [
        f"error: {kube.url}{path} (context fake) answered 200 with a list of configmaps {says}: "
        "this does not look like a Kubernetes API server"
    ]


@pytest.mark.parametrize("command", [["diff"], ["deploy", "--dry-run=server"]])
def test_an_applied_object_answered_in_another_shape_names_the_endpoint(
    kube: FakeKube, proj: Path, command: list[str]
) -> None:
    assert run_cli("deploy", "--no-wait").exit_code == 0
    path = f"/api/v1/namespaces/{NS}/serviceaccounts/"
    doc = {"kind": "ServiceAccount", "metadata": "research-assistant"}
    kube.answer_raw(
        200, json.dumps(doc).encode(), content_type="application/json", path_prefix=path
    )
    res = run_cli(*command)
    assert res.exit_code == 3, res.stderr
    assert "Traceback" not in res.stderr
    lines = error_lines(res.stderr)
    assert lines and all(
        line.startswith(f"error: {kube.url}{path}")
        and "answered 200 with a ServiceAccount that has metadata a string, not an object" in line
        for line in lines
    ), lines


@pytest.mark.parametrize(
    "spec",
    [
        {"accessModes": [{"mode": "ReadWriteOnce"}], "resources": "5Gi"},
        {"accessModes": "ReadWriteOnce", "resources": {"requests": ["5Gi"]}},
        {"resources": {"requests": {"storage": "five gigabytes"}}},
        {"resources": {"requests": {"storage": 5}}},
    ],
)
def test_a_live_claim_of_another_shape_is_no_traceback(
    kube: FakeKube, proj: Path, spec: dict[str, Any]
) -> None:
    """What a live claim's spec holds is read with care: the plan compares what it can."""
    assert run_cli("deploy", "--no-wait").exit_code == 0
    path = f"/api/v1/namespaces/{NS}/persistentvolumeclaims/research-assistant-memory"
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "research-assistant-memory", "namespace": NS},
        "spec": spec,
    }
    kube.answer_raw(
        200, json.dumps(claim).encode(), content_type="application/json", path_prefix=path
    )
    res = run_cli("deploy", "--dry-run=server")
    assert "Traceback" not in res.stderr
    assert res.exit_code == 0, res.stderr


@pytest.mark.parametrize("templates", [{"name": "memory"}, [5, "memory"], [{"metadata": 5}]])
def test_a_live_statefulset_of_another_shape_is_no_traceback(
    kube: FakeKube, proj: Path, templates: Any
) -> None:
    assert run_cli("deploy", "--no-wait").exit_code == 0
    live = kube.get("StatefulSet", NS, "research-assistant")
    assert live is not None
    live["spec"]["volumeClaimTemplates"] = templates
    live["spec"]["selector"] = {"matchLabels": ["x"]}
    path = f"/apis/apps/v1/namespaces/{NS}/statefulsets/research-assistant"
    kube.answer_raw(
        200, json.dumps(live).encode(), content_type="application/json", path_prefix=path
    )
    res = run_cli("diff")
    assert "Traceback" not in res.stderr
    assert res.exit_code == 1, res.stderr  # differences: the templates are not as rendered
