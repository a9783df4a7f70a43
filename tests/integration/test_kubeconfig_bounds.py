"""Kubeconfig files and credential plugins that would hang or swell the kubernetes loader."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import yaml
from tests.cli.helpers import run_cli
from tests.fakes.kube_api import FakeKube
from tests.integration.test_deploy_cli_errors import error_lines, proj

__all__ = ["proj"]  # a fixture shared with the other cluster error tests (kube: conftest)


def test_a_hanging_exec_plugin_is_bounded_and_named(kube: FakeKube, proj: Path) -> None:
    assert kube.kubeconfig is not None
    doc = yaml.safe_load(kube.kubeconfig.read_text(encoding="utf-8"))
    doc["users"][0]["user"] = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": sys.executable,
            "args": ["-c", "import time; time.sleep(120)"],
            "interactiveMode": "Never",
        }
    }
    kube.kubeconfig.write_text(yaml.safe_dump(doc), encoding="utf-8")
    started = time.monotonic()
    res = run_cli("status", "--request-timeout", "2s")
    assert time.monotonic() - started < 30
    assert res.exit_code == 3, res.stderr
    (line,) = error_lines(res.stderr)
    assert f"exec credential plugin '{sys.executable}' did not answer within 2 s" in line
    assert "Traceback" not in res.stderr
    assert kube.api_requests() == []


def test_an_alias_bomb_is_refused_before_the_loader(kube: FakeKube, proj: Path) -> None:
    assert kube.kubeconfig is not None
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    kube.kubeconfig.write_text(
        "\n".join(lines) + "\n" + kube.kubeconfig.read_text(encoding="utf-8"), encoding="utf-8"
    )
    res = run_cli("status")
    assert res.exit_code == 3, res.stderr
    assert error_lines(res.stderr) == [
        f"error: kubeconfig {kube.kubeconfig}: YAML aliases expand it to more than 100000 nodes; "
        "not loaded (an alias bomb?)"
    ]


def test_a_few_aliases_are_fine(kube: FakeKube, proj: Path) -> None:
    assert kube.kubeconfig is not None
    text = kube.kubeconfig.read_text(encoding="utf-8")
    kube.kubeconfig.write_text("shared: &s {a: 1}\nagain: *s\n" + text, encoding="utf-8")
    assert run_cli("status").exit_code == 0


def test_an_oversized_kubeconfig_is_refused_unread(kube: FakeKube, proj: Path) -> None:
    assert kube.kubeconfig is not None
    text = kube.kubeconfig.read_text(encoding="utf-8")
    kube.kubeconfig.write_text(text + "#" + "x" * (5 * 1024 * 1024) + "\n", encoding="utf-8")
    res = run_cli("status")
    assert res.exit_code == 3
    assert error_lines(res.stderr) == [
        f"error: kubeconfig {kube.kubeconfig} is larger than 4 MiB; not read (kubeconfigs are kilobytes)"
    ]
