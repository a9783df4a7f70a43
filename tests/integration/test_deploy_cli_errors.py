"""How the cluster commands fail (in-process CLI, fake API over HTTP): one clear line, the documented exit code."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import project, running_fake

NS = "agents-search"


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with running_fake(tmp_path, monkeypatch) as fake:
        yield fake


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
