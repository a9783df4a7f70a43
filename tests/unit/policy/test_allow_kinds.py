"""Kinds SCH-001 accepts without a schema: --allow-kind and platform.yaml policy.allowKinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.policy.helpers import POLICY_FIXTURES

from agentctl.policy import gate
from agentctl.policy.checks.schema import kind_allowed

WIDGETS = """\
apiVersion: example.com/v1
kind: Widget
metadata: {name: w, namespace: agents}
---
apiVersion: other.example.org/v1beta1
kind: Gadget
metadata: {name: g, namespace: agents}
"""


@pytest.mark.parametrize(
    ("entry", "allowed"),
    [
        ("Widget", True),
        ("example.com/Widget", True),
        ("example.com/v1/Widget", True),
        ("example.com/v2/Widget", False),
        ("example.org/Widget", False),
        ("v1/Widget", False),
        ("Gadget", False),
        ("widget", False),
    ],
)
def test_kind_forms(entry, allowed):
    assert kind_allowed("example.com/v1", "Widget", [entry]) is allowed


def test_core_kinds_are_named_by_version():
    assert kind_allowed("v1", "Thing", ["v1/Thing"])
    assert kind_allowed("v1", "Thing", ["Thing"])
    assert not kind_allowed("v1", "Thing", ["apps/Thing"])


def _unknown_kinds(tmp_path: Path, platform_policy: str = "", **kwargs) -> list[str]:
    manifest = tmp_path / "widgets.yaml"
    manifest.write_text(WIDGETS)
    platform = tmp_path / "platform.yaml"
    platform.write_text((POLICY_FIXTURES / "platform.yaml").read_text() + platform_policy)
    report = gate.run(
        paths=[], manifests=[str(manifest)], platform_file=platform, include=["SCH-001"], **kwargs
    )
    return sorted(f.kind for f in report.active)


def test_unknown_kinds_are_findings_by_default(tmp_path):
    assert _unknown_kinds(tmp_path) == ["Gadget", "Widget"]


def test_platform_allow_kinds(tmp_path):
    policy = "policy:\n  allowKinds: [example.com/Widget]\n"
    assert _unknown_kinds(tmp_path, policy) == ["Gadget"]


def test_allow_kind_flag_adds_to_the_platform_list(tmp_path):
    policy = "policy:\n  allowKinds: [example.com/Widget]\n"
    assert _unknown_kinds(tmp_path, policy, allow_kinds=["other.example.org/v1beta1/Gadget"]) == []
    assert _unknown_kinds(tmp_path, allow_kinds=["Gadget"]) == ["Widget"]
