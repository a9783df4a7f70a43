"""agentctl schema: a valid Draft 2020-12 schema that accepts the examples and rejects bad specs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from agentctl.spec.yamlsafe import load_one
from tests.cli.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CORPUS = ROOT / "tests" / "spec_corpus"

# Corpus files whose mistake is structural, so the schema alone catches it
# (the rest need agentctl validate: units, graph, cross-field rules, YAML).
SCHEMA_CATCHES = {
    "agent": [
        "typo-top-level",
        "typo-spec",
        "typo-resources",
        "typo-service-tool",
        "typo-kubernetes-rule",
        "typo-step",
        "typo-for-each",
        "typo-budget",
        "typo-evaluation",
        "type-port-string",
        "type-command-string",
        "type-tools-mapping",
        "type-label-number",
        "type-spec-list",
        "type-unknown",
        "tool-kind-unknown",
        "port-out-of-range",
        "gate-percent",
        "missing-image",
        "wrong-api-version",
        "wrong-kind",
        "name-uppercase",
        "name-function-tool",
        "quantity-memory-gb",
        "duration-words",
    ],
    "platform": [
        "typo-top-level",
        "typo-limits-case",
        "egress-mode-unknown",
        "policy-severity-unknown",
        "policy-exception-no-reason",
        "policy-exception-bad-check",
        "secret-store-kind",
        "models-mapping",
        "wrong-kind",
    ],
}


def schema(which: str) -> dict:
    result = run_cli("schema", which)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def validators() -> dict[str, Draft202012Validator]:
    return {w: Draft202012Validator(schema(w)) for w in ("agent", "platform")}


@pytest.mark.parametrize("which", ["agent", "platform"])
def test_schema_is_valid_draft_2020_12(which: str):
    doc = schema(which)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"].endswith(f"/{which}.json")
    Draft202012Validator.check_schema(doc)
    assert doc["additionalProperties"] is False


def test_default_is_agent():
    assert schema("agent") == json.loads(run_cli("schema").stdout)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*/agent.yaml")), ids=lambda p: p.parent.name)
def test_every_example_agent_validates(path: Path, validators):
    errors = list(validators["agent"].iter_errors(load_one(path).data))
    assert not errors, [e.message for e in errors]


def test_example_platform_validates(validators):
    errors = list(validators["platform"].iter_errors(load_one(EXAMPLES / "platform.yaml").data))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize(
    ("kind", "name"), [(k, n) for k, names in SCHEMA_CATCHES.items() for n in names]
)
def test_bad_specs_fail_the_schema(kind: str, name: str, validators):
    data = load_one(CORPUS / kind / f"{name}.yaml").data
    assert not validators[kind].is_valid(data)


def test_unknown_key_is_rejected_at_depth(validators):
    data = load_one(EXAMPLES / "deep-research" / "agent.yaml").data
    data["spec"]["workflow"]["steps"][1]["retry"]["limt"] = 3
    errors = list(validators["agent"].iter_errors(data))
    assert any("limt" in e.message for e in errors)


def test_schema_of_unknown_file_is_a_usage_error():
    result = run_cli("schema", "manifest")
    assert result.exit_code == 2
    assert "manifest" in result.stderr


def test_function_tools_are_in_the_schema(validators):
    data = load_one(EXAMPLES / "research-assistant" / "agent.yaml").data
    data["spec"]["tools"] = [
        {"name": "save_note", "kind": "function", "description": "remember a fact"},
        {
            "name": "run-python",
            "kind": "function",
            "executesCode": True,
            "sandbox": "gvisor",
            "reason": "analyst snippets",
        },
    ]
    assert not [e.message for e in validators["agent"].iter_errors(data)]
    data["spec"]["tools"][0]["url"] = "https://api.example.com"  # functions have no url
    assert not validators["agent"].is_valid(data)
