"""What a spec error says about the value it refuses.

A refused value is quoted cut at 40 characters, whichever check refuses it
(a field's type, an enum, a discriminator, an unknown key, a label), so a
pasted blob or a generated value gives a readable line. A tool's ``cidrs``
and the platform's CIDR lists are checked as a NetworkPolicy's ipBlock needs
them; before, any string was written into the NetworkPolicy.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentctl.errors import SpecError
from agentctl.spec.loader import load_agent, load_platform

ROOT = Path(__file__).resolve().parents[3]
BASE = yaml.safe_load((ROOT / "examples" / "currency-converter" / "agent.yaml").read_text())
LONG = "w" * 3000


def _set(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value

    return edit


def problems(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> list[str]:
    doc = copy.deepcopy(BASE)
    edit(doc)
    (tmp_path / "agent.yaml").write_text(yaml.safe_dump(doc, width=10**6))
    with pytest.raises(SpecError) as info:
        load_agent(tmp_path)
    return [p.message for p in info.value.problems]


@pytest.mark.parametrize(
    "edit",
    [
        _set("spec", "resources", "cpu", value=LONG),
        _set("spec", "resources", "memory", value="9" * 3000 + "Qi"),
        _set("spec", "type", value=LONG),
        _set("spec", "guardrails", "timeout", value=LONG),
        _set("spec", "schedule", value=LONG),
        _set("metadata", "labels", value={LONG: "x"}),
        _set("metadata", "labels", value={"a": LONG}),
        _set("spec", LONG, value=1),
        _set("spec", "tools", value=[{"name": "a", "kind": LONG}]),
        _set(
            "spec",
            "tools",
            value=[{"name": "a", "kind": "http", "url": "https://x.example", "cidrs": [LONG]}],
        ),
    ],
    ids=[
        "cpu",
        "memory",
        "type",
        "timeout",
        "schedule",
        "label-key",
        "label-value",
        "key",
        "kind",
        "cidr",
    ],
)
def test_a_long_refused_value_is_quoted_cut(tmp_path, edit):
    messages = problems(tmp_path, edit)
    assert messages
    for message in messages:
        assert len(message) < 400, message[:200]
        assert "w" * 41 not in message and "9" * 41 not in message, message[:200]
        assert "...'" in message, message


@pytest.mark.parametrize(
    ("cidr", "expected"),
    [
        ("not-a-cidr", "'not-a-cidr' is not a CIDR: an IP address and a prefix length"),
        ("10.20.0.15", "'10.20.0.15' is not a CIDR"),
        ("10.20.0.0/33", "'10.20.0.0/33' is not a CIDR"),
        ("10.20.0.1/24", "'10.20.0.1/24' has host bits set: the network is 10.20.0.0/24"),
        ("2001:db8::1/64", "has host bits set: the network is 2001:db8::/64"),
    ],
)
def test_a_tool_cidr_that_an_ip_block_would_refuse_is_a_spec_error(tmp_path, cidr, expected):
    tool = {"name": "a", "kind": "tcp", "host": "db.example", "port": 5432, "cidrs": [cidr]}
    (message,) = problems(tmp_path, _set("spec", "tools", value=[tool]))
    assert expected in message


@pytest.mark.parametrize("cidr", ["10.20.0.15/32", "10.0.0.0/8", "2001:db8::/64", "0.0.0.0/0"])
def test_a_tool_cidr_an_ip_block_takes_is_accepted(tmp_path, cidr):
    doc = copy.deepcopy(BASE)
    doc["spec"]["tools"] = [
        {"name": "a", "kind": "tcp", "host": "db.example", "port": 5432, "cidrs": [cidr]}
    ]
    (tmp_path / "agent.yaml").write_text(yaml.safe_dump(doc))
    assert load_agent(tmp_path).agent.spec.tools[0].cidrs == [cidr]


def test_the_platform_cidr_lists_are_checked_alike(tmp_path):
    text = (ROOT / "examples" / "platform.yaml").read_text()
    assert "allowedCidrs: [10.20.0.0/24]" in text
    path = tmp_path / "platform.yaml"
    path.write_text(text.replace("allowedCidrs: [10.20.0.0/24]", "allowedCidrs: [10.20.0.1/24]"))
    with pytest.raises(SpecError) as info:
        load_platform(path)
    (problem,) = info.value.problems
    assert problem.path == "network.allowedCidrs[0]"
    assert problem.message == "'10.20.0.1/24' has host bits set: the network is 10.20.0.0/24"


@pytest.mark.parametrize("name", ["a=b", "", "sp ace", "é", "x" * 254])
@pytest.mark.parametrize(
    "where",
    [
        ("spec", "env"),
        ("spec", "tools", 0, "env"),
    ],
    ids=["spec.env", "service-tool.env"],
)
def test_an_env_name_kubernetes_refuses_is_a_spec_error(tmp_path, name, where):
    """Before, such names were written into the ConfigMap and the container's env,
    which the API server refuses at deploy (a server-side dry run against
    kube-apiserver refused 'a=b')."""

    def edit(doc: dict[str, Any]) -> None:
        tool = {"name": "t1", "kind": "service", "image": "ghcr.io/acme/t:1"}
        doc["spec"]["tools"] = [tool]
        (tool if where[1] == "tools" else doc["spec"])["env"] = {name: "v"}

    (message,) = problems(tmp_path, edit)
    assert "is not an environment variable name Kubernetes accepts" in message


@pytest.mark.parametrize("name", ["LOG_LEVEL", "_x", "a.b-c", "Z9", "1abc"])
def test_an_env_name_kubernetes_takes_is_accepted(tmp_path, name):
    doc = copy.deepcopy(BASE)
    doc["spec"]["env"] = {name: "v"}
    (tmp_path / "agent.yaml").write_text(yaml.safe_dump(doc))
    assert load_agent(tmp_path).agent.spec.env == {name: "v"}


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "annotations",
            {"a b": "x"},
            "annotation key 'a b' is not a valid Kubernetes annotation name",
        ),
        ("annotations", {"Bad_Prefix/x": "y"}, "annotation key 'Bad_Prefix/x' is not"),
        ("annotations", {"a/b/c": "y"}, "annotation key 'a/b/c' is not"),
        (
            "annotations",
            {"big": "x" * 300_000},
            "annotations are 300003 bytes; Kubernetes takes at most 262144",
        ),
        (
            "labels",
            {"Bad_Prefix/x": "y"},
            "label key 'Bad_Prefix/x' is not a valid Kubernetes label name",
        ),
        ("labels", {"a" * 254 + "/x": "y"}, "is not a valid Kubernetes label name"),
        ("labels", {"/x": "y"}, "label key '/x' is not"),
    ],
)
def test_metadata_keys_and_sizes_the_api_server_refuses_are_spec_errors(
    tmp_path, field, value, expected
):
    """The API server refused these at deploy (server-side dry run against
    kube-apiserver): a label key's prefix was not checked, nor annotations at all."""
    (message,) = problems(tmp_path, _set("metadata", field, value=value))
    assert expected in message


@pytest.mark.parametrize(
    "key", ["cost-center", "example.com/team", "app.kubernetes.io/part-of", "a" * 63]
)
def test_metadata_keys_the_api_server_takes_are_accepted(tmp_path, key):
    doc = copy.deepcopy(BASE)
    doc["metadata"]["labels"] = {key: "v"}
    doc["metadata"]["annotations"] = {key: "any value: at all"}
    (tmp_path / "agent.yaml").write_text(yaml.safe_dump(doc))
    meta = load_agent(tmp_path).agent.metadata
    assert meta.labels == {key: "v"} and meta.annotations == {key: "any value: at all"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bad_Class", "is not a Kubernetes object name"),
        ("-x", "is not a Kubernetes object name"),
        ("a" * 254, "must be at most 253 characters"),
    ],
)
def test_a_storage_class_or_sandbox_that_is_no_object_name_is_a_spec_error(
    tmp_path, value, expected
):
    """Both are object names the pod or claim refers to (storageClassName,
    runtimeClassName): the API server refused 'Bad_Class' and 'Bad_Sandbox'."""
    (message,) = problems(
        tmp_path, _set("spec", "memory", value={"size": "1Gi", "storageClass": value})
    )
    assert expected in message
    tool = {
        "name": "calc",
        "kind": "function",
        "executesCode": True,
        "reason": "x",
        "sandbox": value,
    }
    (message,) = problems(tmp_path, _set("spec", "tools", value=[tool]))
    assert expected in message
