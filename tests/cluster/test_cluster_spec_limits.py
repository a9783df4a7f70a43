"""What validate passes, the API server takes: spec values at the edges of what the
spec accepts, each rendered and sent to the real control plane as a server-side dry
run (`agentctl diff`), which must not be refused.

The spec's checks of label and annotation keys, annotation size, env names and CIDRs
were written after this server refused values validate had passed ('Bad_Prefix/x',
'a b', 300 KB of annotations, 'a=b'); tests/unit/spec/test_spec_refused_values.py
checks that validate refuses those, and this test that it does not refuse more than
it must at the other edge.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cli.helpers import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = [pytest.mark.cluster]

EDGES: dict[str, dict[str, Any]] = {
    "qualified label and annotation keys": {
        "metadata": {
            "labels": {"example.com/team": "a", "a" * 63: "v"},
            "annotations": {"example.com/note": "any: value\nover lines", "a" * 63: ""},
        }
    },
    "annotations near the size limit": {
        "metadata": {"annotations": {"big": "x" * 200_000}},
    },
    "env names of every allowed character": {
        "spec": {"env": {"1abc": "x", "a.b-c": "y", "_X": "z", "Z" * 253: "w"}},
    },
    "memory under agentctl's /tmp mount, a named storage class": {
        "spec": {
            "type": "stateful",
            "memory": {"size": "1Gi", "mountPath": "/tmp/memory", "storageClass": "fixed"},
            "scaling": {"minReplicas": 1, "maxReplicas": 1},
        },
    },
    "cidrs in cidr egress mode": {
        "spec": {
            "tools": [
                {
                    "name": "db",
                    "kind": "tcp",
                    "host": "db.example.com",
                    "port": 5432,
                    "cidrs": ["10.20.0.0/24", "10.20.0.15/32", "2001:db8::/64"],
                }
            ]
        },
        "platform": {"egress": {"mode": "cidr"}},
    },
}


@pytest.fixture
def agent(tmp_path: Path, namespace: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The currency-converter example deployed once to the test's namespace (so the
    namespace exists and the server validates every namespaced object of a dry run)."""
    proj = tmp_path / "currency-converter"
    proj.mkdir()
    shutil.copy(EXAMPLES / "currency-converter" / "agent.yaml", proj / "agent.yaml")
    platform = {"apiVersion": "agentctl.dev/v1alpha1", "kind": "Platform", "namespace": namespace}
    (proj / "platform.yaml").write_text(yaml.safe_dump(platform))
    (proj / ".git").mkdir()
    monkeypatch.chdir(proj)
    first = run_cli("deploy", "--no-wait")
    assert first.exit_code == 0, first.stderr
    return proj


def _merge(into: dict[str, Any], edit: dict[str, Any]) -> None:
    for key, value in edit.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


@pytest.mark.parametrize("case", sorted(EDGES))
def test_what_validate_passes_the_api_server_takes(agent: Path, case: str) -> None:
    edit = dict(EDGES[case])
    platform_edit = edit.pop("platform", None)
    doc = yaml.safe_load((agent / "agent.yaml").read_text())
    _merge(doc, edit)
    (agent / "agent.yaml").write_text(yaml.safe_dump(doc, width=10**7))
    if platform_edit:
        platform = yaml.safe_load((agent / "platform.yaml").read_text())
        _merge(platform, platform_edit)
        (agent / "platform.yaml").write_text(yaml.safe_dump(platform))
    checked = run_cli("validate", "--fail-on", "critical")
    assert checked.exit_code == 0, checked.stderr
    dry = run_cli("diff")
    assert dry.exit_code == 1, dry.stderr  # changes to apply, none refused
    assert "not validated by the server" not in dry.stdout + dry.stderr


def test_a_service_agent_turned_stateful_is_deployed_with_a_headless_service(
    agent: Path, namespace: str
) -> None:
    """kube-apiserver refuses to change an allocated cluster IP to None in place
    ('may not change once set'); deploy replaces the Service."""
    doc = yaml.safe_load((agent / "agent.yaml").read_text())
    doc["spec"].update(
        type="stateful", memory={"size": "1Gi"}, scaling={"minReplicas": 1, "maxReplicas": 1}
    )
    (agent / "agent.yaml").write_text(yaml.safe_dump(doc))
    result = run_cli("deploy", "--no-wait", "-o", "json")
    assert result.exit_code == 0, result.stderr
    objects = {
        f"{o['kind']}/{o['name']}": o for o in yaml.safe_load(result.stdout)["data"]["objects"]
    }
    assert "cluster IP" in objects["Service/currency-converter"]["note"]
    status = run_cli("status", "-n", namespace, "-o", "json")
    assert status.exit_code == 0, status.stderr
