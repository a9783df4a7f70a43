"""validate with one broken agent among several: every requested report is still written.

A typo in one agent.yaml must not silence the CI gate: the SARIF, JUnit and
GitHub reports name the typo's file and line, the other agents are still
checked and reported, and the exit code is 2.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.cli.helpers import run_cli
from tests.unit.policy.helpers import POLICY_FIXTURES

SARIF_SCHEMA = json.loads((POLICY_FIXTURES / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture
def two_agents(examples, tmp_path, monkeypatch) -> Path:
    """currency-converter (valid) and daily-report with 'memroy' on line TYPO_LINE."""
    for name in ("currency-converter", "daily-report"):
        shutil.copytree(examples / name, tmp_path / "agents" / name)
    broken = tmp_path / "agents" / "daily-report" / "agent.yaml"
    text = broken.read_text()
    assert "{cpu: 250m, memory: 512Mi}" in text.splitlines()[TYPO_LINE - 1]
    broken.write_text(text.replace("{cpu: 250m, memory: 512Mi}", "{cpu: 250m, memroy: 512Mi}"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


BROKEN = "agents/daily-report/agent.yaml"
TYPO_LINE = 29  # the line of daily-report's resources in examples/
GOOD = "agents/currency-converter/agent.yaml"


def test_typo_in_one_of_two_agents_writes_sarif_and_junit_and_exits_2(two_agents):
    result = run_cli(
        "validate",
        "agents",
        "--format",
        "sarif",
        "--output-file",
        "r.sarif",
        "--format",
        "junit",
        "--output-file",
        "r.xml",
    )
    assert result.exit_code == 2, result.stderr
    assert f"{BROKEN}:{TYPO_LINE}" in result.stderr and "memroy" in result.stderr

    sarif_path, junit_path = two_agents / "r.sarif", two_agents / "r.xml"
    for path in (sarif_path, junit_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path

    doc = json.loads(sarif_path.read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    run = doc["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == [
        BROKEN
    ]
    typo = [r for r in run["results"] if r["ruleId"] == "INPUT-001"]
    assert len(typo) == 1 and typo[0]["level"] == "error"
    where = typo[0]["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == BROKEN
    assert where["region"]["startLine"] == TYPO_LINE
    assert "memroy" in typo[0]["message"]["text"]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules[typo[0]["ruleIndex"]] == "INPUT-001"
    # the good agent was still checked: its findings (no allowlists in the defaults) are there
    others = [
        r
        for r in run["results"]
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == GOOD
    ]
    assert others and {r["ruleId"] for r in others} >= {"POL-004"}

    root = ET.parse(junit_path).getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) >= {BROKEN, GOOD}
    failed = suites[BROKEN].find("testcase")
    assert failed is not None and failed.get("line") == str(TYPO_LINE)
    failure = failed.find("failure")
    assert failure is not None and "memroy" in (failure.text or "")
    assert int(suites[GOOD].get("tests", "0")) > 1
    assert int(root.get("failures", "0")) >= 1
    assert int(root.get("tests", "0")) == sum(int(s.get("tests", "0")) for s in suites.values())


def test_github_annotations_name_the_typo_and_the_other_agents_findings(two_agents):
    result = run_cli("validate", "agents", "--format", "github")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("::error ")
        and f"file={BROKEN},line={TYPO_LINE}," in line
        and "memroy" in line
        for line in lines
    ), lines
    assert any(f"file={GOOD}," in line for line in lines)
    assert "not checked" in lines[-1] and "gate failed" in lines[-1]


def test_json_report_carries_the_errors_once(two_agents):
    result = run_cli("validate", "agents", "-o", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)  # one document: no error envelope appended
    assert doc["ok"] is False
    assert [(e["file"], e["line"]) for e in doc["data"]["errors"]] == [(BROKEN, TYPO_LINE)]
    assert [a["name"] for a in doc["data"]["agents"]] == ["currency-converter"]


def test_only_broken_agents_still_write_the_reports(two_agents):
    shutil.rmtree(two_agents / "agents" / "currency-converter")
    result = run_cli("validate", "agents", "--format", "sarif", "--output-file", "r.sarif")
    assert result.exit_code == 2
    doc = json.loads((two_agents / "r.sarif").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["INPUT-001"]


def test_a_broken_platform_file_is_reported_in_every_report(two_agents):
    (two_agents / "platform.yaml").write_text(
        "apiVersion: agentctl.dev/v1\nkind: Platform\nspce: {}\n"
    )
    result = run_cli(
        "validate",
        "agents/currency-converter",
        "--platform",
        "platform.yaml",
        "--format",
        "junit",
        "--output-file",
        "r.xml",
    )
    assert result.exit_code == 2, result.stderr
    root = ET.parse(two_agents / "r.xml").getroot()
    assert [s.get("name") for s in root.iter("testsuite")] == ["platform.yaml"]


def test_a_clean_run_says_execution_succeeded(examples, monkeypatch):
    monkeypatch.chdir(examples)
    result = run_cli(
        "validate", "currency-converter", "--platform", "platform.yaml", "--format", "sarif"
    )
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["runs"][0]["invocations"] == [{"executionSuccessful": True}]


POD = """apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
  - name: c
    image: nginx:latest
"""


@pytest.fixture
def manifests(tmp_path, monkeypatch) -> Path:
    """Two good manifests (one in a directory) around a malformed one, one that is not
    a Kubernetes object, and a directory with a file that cannot be read."""
    (tmp_path / "a.yaml").write_text(POD.format(name="first"))
    (tmp_path / "bad.yaml").write_text("kind: Pod\nmetadata: [\n")
    (tmp_path / "plain.yaml").write_text("just text\n")
    (tmp_path / "types.yaml").write_text("apiVersion: 5\nkind: [Pod]\nmetadata: {name: x}\n")
    (tmp_path / "list.yaml").write_text("apiVersion: v1\nkind: List\nitems: 5\n")
    (tmp_path / "list2.yaml").write_text("apiVersion: v1\nkind: List\nitems: [5]\n")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "b.yaml").write_text(POD.format(name="second"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("broken", "where"),
    [
        ("bad.yaml", "bad.yaml:3:1: invalid YAML"),
        ("plain.yaml", "plain.yaml:1:1: a manifest must be a YAML mapping"),
        ("missing.yaml", "missing.yaml:1:1: no such file or directory"),
        ("types.yaml", "types.yaml:1:13: not a Kubernetes object: not a string"),
        ("list.yaml", "list.yaml:3:8: List: items is not a list"),
        ("list2.yaml", "list2.yaml:3:9: List item is not a mapping"),
    ],
)
def test_a_broken_manifest_leaves_the_others_checked(manifests, broken, where):
    result = run_cli("validate", "-f", "a.yaml", "-f", broken, "-f", "dir", "-o", "json")
    assert result.exit_code == 2, result.stderr  # the input error wins over the findings
    doc = json.loads(result.stdout)
    errors = [
        f"{e['file']}:{e['line']}:{e['column']}: {e['message']}" for e in doc["data"]["errors"]
    ]
    assert len(errors) == 1 and errors[0].startswith(where), errors
    objects = {f["object"] for f in doc["data"]["findings"]}
    assert objects >= {"Pod/first", "Pod/second"}  # both sides of the broken input
    assert doc["data"]["manifests"] == ["a.yaml", "dir/b.yaml"]


def test_every_broken_manifest_is_reported_and_the_text_says_incomplete(manifests):
    result = run_cli("validate", "-f", "bad.yaml", "-f", "a.yaml", "-f", "plain.yaml")
    assert result.exit_code == 2
    assert "IMG-001" in result.stdout and "a.yaml:8" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and "bad.yaml:3:1" in errors[0] and "plain.yaml:1:1" in errors[1]
    assert "INCOMPLETE" in result.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_file_that_cannot_be_read_in_a_directory_leaves_the_others_checked(manifests):
    os.mkfifo(manifests / "dir" / "a-fifo.yaml")  # reading it would block: refused unread
    result = run_cli("validate", "-f", "dir", "-o", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert [(e["file"], e["message"]) for e in doc["data"]["errors"]] == [
        ("dir/a-fifo.yaml", "not a regular file (a FIFO, socket or device); expected a YAML file")
    ]
    assert "Pod/second" in {f["object"] for f in doc["data"]["findings"]}


def test_without_keep_going_a_missing_manifest_is_still_a_usage_error(manifests):
    from agentctl.errors import UsageError
    from agentctl.policy.sources import load_manifests, read_manifests

    with pytest.raises(UsageError, match=r"missing\.yaml: no such file or directory"):
        load_manifests(["a.yaml", "missing.yaml"])
    objects, problems = read_manifests(["a.yaml", "missing.yaml", "dir"])
    assert [o.name for o in objects] == ["first", "second"]
    assert [(p.file, p.message) for p in problems] == [
        ("missing.yaml", "no such file or directory")
    ]


@pytest.mark.parametrize("missing", ["agent.yaml", "gone/agent.yml"])
def test_a_missing_agent_file_given_with_f_leaves_the_others_checked(manifests, missing):
    """-f agent.yaml is loaded as an agent; missing, it is reported like any other -f input."""
    result = run_cli("validate", "-f", "a.yaml", "-f", missing, "-f", "dir", "-o", "json")
    assert result.exit_code == 2, result.stderr
    doc = json.loads(result.stdout)
    assert [(e["file"], e["line"], e["message"]) for e in doc["data"]["errors"]] == [
        (missing, 1, "no such file or directory")
    ]
    assert {f["object"] for f in doc["data"]["findings"]} >= {"Pod/first", "Pod/second"}
    assert doc["data"]["manifests"] == ["a.yaml", "dir/b.yaml"]


def test_a_missing_agent_file_given_with_f_leaves_the_agents_checked(
    examples, tmp_path, monkeypatch
):
    shutil.copytree(examples / "currency-converter", tmp_path / "cc")
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate", "cc", "-f", "gone/agent.yaml", "--format", "github")
    assert result.exit_code == 2, result.stderr
    lines = result.stdout.splitlines()
    assert any(
        ln.startswith("::error ") and "file=gone/agent.yaml,line=1," in ln for ln in lines
    ), lines
    assert any("file=cc/agent.yaml," in ln for ln in lines), lines
    assert "error: gone/agent.yaml:1:1: no such file or directory" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_an_unreadable_agent_file_given_with_f_leaves_the_others_checked(manifests):
    os.mkfifo(manifests / "agent.yaml")  # reading it would block: refused unread
    result = run_cli("validate", "-f", "agent.yaml", "-f", "a.yaml", "-o", "json")
    assert result.exit_code == 2, result.stderr
    doc = json.loads(result.stdout)
    assert [(e["file"], e["line"]) for e in doc["data"]["errors"]] == [("agent.yaml", 1)]
    assert "Pod/first" in {f["object"] for f in doc["data"]["findings"]}


def test_without_keep_going_a_missing_agent_file_is_still_a_usage_error(manifests):
    from agentctl.errors import UsageError
    from agentctl.policy import gate

    with pytest.raises(UsageError, match=r"agent\.yaml: no such file or directory"):
        gate.run(paths=[], manifests=["a.yaml", "agent.yaml"], plugins=False)


def test_an_agent_that_cannot_render_is_reported_where_its_field_is(two_agents):
    """A valid spec that cannot be rendered (a model provider without a default
    endpoint) is one error at the field's line and column, not at 1:1 with the
    location repeated inside the message, and the other agent is still checked."""
    spec = two_agents / GOOD
    text = spec.read_text()
    spec.write_text(text + "  model: {provider: acme-ai, name: m1}\n")
    line = len(text.splitlines()) + 1
    (two_agents / BROKEN).write_text((two_agents / BROKEN).read_text().replace("memroy", "memory"))
    result = run_cli("validate", "agents", "-o", "json")
    assert result.exit_code == 2, result.stderr
    errors = json.loads(result.stdout)["data"]["errors"]
    assert [(e["file"], e["line"], e["column"], e["path"]) for e in errors] == [
        (GOOD, line, 21, "spec.model.provider")
    ], errors
    assert errors[0]["message"].startswith("no default endpoint for provider 'acme-ai'")
    assert f"{GOOD}:1:1" not in result.stderr
    assert f"error: {GOOD}:{line}:21: spec.model.provider: no default endpoint" in result.stderr
