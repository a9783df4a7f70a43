"""agentctl's environment variables are read once, into Settings, and passed down.

A scan of the source keeps it so: only ``agentctl/settings.py`` reads the
process environment for an ``AGENTCTL_*`` variable, and core code (everything
below ``cli/``) reads no environment at all beyond the few standard variables
of the outside world it talks to (the Kubernetes client's ``KUBECONFIG``) and
copies of the environment handed to child processes.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from agentctl.settings import Settings
from tests.cli.helpers import run_cli

SRC = Path(__file__).resolve().parents[2] / "src" / "agentctl"

# (module, what it reads): core modules that may read the environment, and why
CORE_ALLOWED = {
    "deploy/client.py",  # KUBECONFIG and the in-cluster service account, as kubectl reads them
    "scaffold/versions.py",  # {**os.environ, ...}: the environment of a git child process
    "local/session.py",  # the shell environment the agent's processes inherit
    "local/projectenv.py",  # {**os.environ, ...}: the environment of pip and the agent
}


def _reads(tree: ast.AST) -> list[tuple[int, str]]:
    """Every read of the environment: os.environ[...] / .get / os.getenv / {**os.environ}."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "getenv", "environb")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            found.append((node.lineno, ast.unparse(node)))
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name in ("environ", "getenv"):
                    found.append((node.lineno, f"from os import {alias.name}"))
    return found


def _agentctl_keys(tree: ast.AST) -> list[tuple[int, str]]:
    """Environment reads whose key is an AGENTCTL_* string, literally or through a constant."""
    constants = {
        t.id: n.value.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
        for t in n.targets
        if isinstance(t, ast.Name) and isinstance(n.value.value, str)
    }

    def key(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return constants.get(node.id) if isinstance(node, ast.Name) else None

    found = []
    for n in ast.walk(tree):
        target = None
        if isinstance(n, ast.Call) and n.args:
            func = ast.unparse(n.func)
            if "environ" in func or func == "os.getenv":
                target = key(n.args[0])
        elif isinstance(n, ast.Subscript) and ast.unparse(n.value) == "os.environ":
            target = key(n.slice)
        if target is not None and target.startswith("AGENTCTL_"):
            found.append((n.lineno, target))
    return found


def _modules() -> list[tuple[str, ast.AST]]:
    return [
        (p.relative_to(SRC).as_posix(), ast.parse(p.read_text(encoding="utf-8")))
        for p in sorted(SRC.rglob("*.py"))
    ]


def test_only_the_settings_module_reads_agentctl_variables() -> None:
    offenders = []
    for rel, tree in _modules():
        if rel == "settings.py":
            continue
        for line, name in _agentctl_keys(tree):
            offenders.append(f"{rel}:{line}: reads {name} (read it into Settings)")
    assert offenders == []


def test_core_code_reads_no_environment() -> None:
    offenders = [
        f"{rel}:{line}: {what}"
        for rel, tree in _modules()
        if not rel.startswith("cli/") and rel != "settings.py" and rel not in CORE_ALLOWED
        for line, what in _reads(tree)
    ]
    assert offenders == [], "core code takes paths and values; the CLI reads the environment"


def test_the_scan_finds_a_deep_read(tmp_path: Path) -> None:
    """The guard is not vacuous: the shapes core code used to read variables with are found."""
    tree = ast.parse(
        "import os\nSTORE = 'AGENTCTL_TRACE_STORE'\n"
        "a = os.environ.get('AGENTCTL_CRD_DIR', '')\nb = os.getenv(STORE)\n"
        "c = os.environ['AGENTCTL_DEBUG']\nd = os.environ.get('HOME')\n"
    )
    assert sorted(line for line, _ in _reads(tree)) == [3, 4, 5, 6]
    assert sorted(_agentctl_keys(tree)) == [
        (3, "AGENTCTL_CRD_DIR"),
        (4, "AGENTCTL_TRACE_STORE"),
        (5, "AGENTCTL_DEBUG"),
    ]


def test_settings_read_every_variable() -> None:
    s = Settings.resolve(
        environ={
            "AGENTCTL_TRACE_STORE": "/t/traces.db",
            "AGENTCTL_CRD_DIR": "/a:/b:",
            "AGENTCTL_TEMPLATE_REPOSITORY": "git+file:///src",
            "AGENTCTL_JUDGE_BASE_URL": "http://127.0.0.1:9/v1",
            "AGENTCTL_SOURCE_TOKEN": "tok-secret",
            "AGENTCTL_SOURCE_USER": "u",
            "AGENTCTL_SOURCE_PASSWORD": "pw-secret",
            "AGENTCTL_SOURCE_ORG_ID": "org",
        }
    )
    assert s.trace_store == "/t/traces.db"
    assert s.crd_dirs == ("/a", "/b")
    assert s.template_repository == "git+file:///src"
    assert s.judge_base_url == "http://127.0.0.1:9/v1"
    assert (s.source_token, s.source_user, s.source_password, s.source_org) == (
        "tok-secret",
        "u",
        "pw-secret",
        "org",
    )
    assert "secret" not in repr(s)  # credentials never show in a repr or a debug dump
    empty = Settings.resolve(environ={})
    assert (empty.trace_store, empty.crd_dirs, empty.template_repository) == (None, (), None)


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: string}
"""


def _schema_findings(tmp_path: Path) -> list[str]:
    result = run_cli("validate", "-f", str(tmp_path / "w.yaml"), "-o", "json")
    assert result.exit_code == 1, result.stderr
    data = json.loads(result.stdout)
    return sorted(f["field"] for f in data["data"]["findings"] if f["check"] == "SCH-001")


def test_crd_dir_variable_reaches_the_schema_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "crds").mkdir()
    (tmp_path / "crds" / "widgets.yaml").write_text(CRD)
    (tmp_path / "w.yaml").write_text(
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n"
    )
    monkeypatch.delenv("AGENTCTL_CRD_DIR", raising=False)
    assert _schema_findings(tmp_path) == ["kind"]  # no CRD: an unknown kind
    monkeypatch.setenv("AGENTCTL_CRD_DIR", str(tmp_path / "crds"))
    assert _schema_findings(tmp_path) == ["spec.size"]  # validated against the CRD
