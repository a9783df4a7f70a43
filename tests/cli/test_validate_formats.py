"""validate's reports: SARIF (schema-valid, code-scanning fields), JUnit, GitHub, pairs of --format/--output-file."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.cli.helpers import run_cli
from tests.conftest import REPO_ROOT
from tests.unit.policy.helpers import POLICY_FIXTURES, expected_lines

INSECURE = POLICY_FIXTURES / "insecure"
GOOD = POLICY_FIXTURES / "good" / "bundle.yaml"
SARIF_SCHEMA = json.loads((POLICY_FIXTURES / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)


def _rel(p: Path) -> str:
    return p.relative_to(REPO_ROOT).as_posix()


def _sarif(*args: str) -> tuple[int, dict]:
    result = run_cli("validate", *args, "--format", "sarif")
    doc = json.loads(result.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    return result.exit_code, doc


def test_insecure_set_every_problem_found_with_file_and_line():
    code, doc = _sarif("-f", _rel(INSECURE))
    assert code == 1
    run = doc["runs"][0]
    found = {
        (
            r["ruleId"],
            loc["physicalLocation"]["artifactLocation"]["uri"],
            loc["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
        for loc in r["locations"]
    }
    expected = {
        (check, _rel(f), line)
        for f in sorted(INSECURE.glob("*.yaml"))
        for check, line in expected_lines(f)
    }
    assert len(expected) >= 17
    assert expected <= found, sorted(expected - found)


def test_sarif_has_what_code_scanning_needs():
    _, doc = _sarif("-f", _rel(INSECURE))
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {"SCH-001", "NET-003", "GRD-001", "POL-002"}
    for rule in rules:
        sev = rule["properties"]["security-severity"]
        assert isinstance(sev, str) and 0 < float(sev) <= 10
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
    ids = [r["id"] for r in rules]
    for result in run["results"]:
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        assert ids[result["ruleIndex"]] == result["ruleId"]
        loc = result["locations"][0]["physicalLocation"]
        assert not loc["artifactLocation"]["uri"].startswith(("/", "file:"))
        assert loc["region"]["startLine"] >= 1


def test_sarif_clean_run_has_an_empty_results_array():
    code, doc = _sarif("-f", _rel(GOOD), "--platform", _rel(POLICY_FIXTURES / "platform.yaml"))
    assert code == 0
    assert doc["runs"][0]["results"] == []


SUPPRESSED = (
    POLICY_FIXTURES / "checks" / "POL-002" / "pass"
)  # an agent whose SEC-003 finding is suppressed inline
PLATFORM = POLICY_FIXTURES / "platform.yaml"


def test_sarif_marks_suppressed_findings():
    code, doc = _sarif(_rel(SUPPRESSED), "--platform", _rel(PLATFORM))
    assert code == 0
    suppressed = [r for r in doc["runs"][0]["results"] if r.get("suppressions")]
    assert [r["ruleId"] for r in suppressed] == ["SEC-003"]
    assert suppressed[0]["suppressions"][0] == {
        "kind": "inSource",
        "status": "accepted",
        "justification": "SDK reads the key from env only",
    }
    assert suppressed[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == _rel(
        SUPPRESSED / "agent.yaml"
    )


def test_several_reports_in_one_run(tmp_path):
    sarif, junit = tmp_path / "out" / "results.sarif", tmp_path / "junit.xml"
    result = run_cli(
        "validate", "-f", _rel(INSECURE),
        "--format", "sarif", "--output-file", str(sarif),
        "--format", "text",
        "--format", "junit", "--output-file", str(junit),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Deployment/agents/yolo-agent" in result.stdout and "FAILED" in result.stdout
    assert json.loads(sarif.read_text())["runs"][0]["results"]
    root = ET.fromstring(junit.read_text())
    assert root.tag == "testsuites"
    assert f"wrote sarif report to {sarif}" in result.stderr


def test_junit_one_suite_per_file_one_case_per_object_and_check(tmp_path):
    out = tmp_path / "junit.xml"
    result = run_cli(
        "validate", "-f", _rel(INSECURE), "--format", "junit", "--output-file", str(out)
    )
    assert result.exit_code == 1
    root = ET.parse(out).getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {_rel(f) for f in INSECURE.glob("*.yaml")}
    for suite in suites.values():
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases) > 0
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        assert suite.get("time") is not None and all(c.get("time") is not None for c in cases)
    workload = suites[_rel(INSECURE / "workload.yaml")]
    case = next(
        c
        for c in workload
        if c.get("name").startswith("PSS-005")
        and c.get("classname") == "Deployment/agents/yolo-agent"
    )
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "critical"
    assert "workload.yaml:15" in failure.text and "workload.yaml:26" in failure.text
    assert root.get("time") is not None and int(root.get("failures")) >= 12


def test_junit_suppressed_findings_are_skipped(tmp_path):
    out = tmp_path / "junit.xml"
    run_cli(
        "validate",
        _rel(SUPPRESSED),
        "--platform",
        _rel(PLATFORM),
        "--format",
        "junit",
        "--output-file",
        str(out),
    )
    root = ET.parse(out).getroot()
    skipped = [c for c in root.iter("testcase") if c.find("skipped") is not None]
    assert [c.get("name").split()[0] for c in skipped] == ["SEC-003"]
    assert "SDK reads the key from env only" in skipped[0].find("skipped").get("message")
    assert root.get("failures") == "0"


def test_github_annotations():
    result = run_cli("validate", "-f", _rel(INSECURE), "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        f"::error file={_rel(INSECURE / 'rbac.yaml')},line=24,col=9,title=RBAC-002 ClusterRoleBinding/yolo-agent-admin::"
        in "\n".join(lines)
    )
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert lines[-1].startswith("::notice title=agentctl validate::")


def test_o_json_is_an_alias_of_format_json():
    a = run_cli("validate", "-f", _rel(GOOD), "-o", "json")
    b = run_cli("validate", "-f", _rel(GOOD), "--format", "json")
    assert json.loads(a.stdout)["kind"] == json.loads(b.stdout)["kind"] == "ValidationReport"
    assert json.loads(a.stdout)["data"]["summary"] == json.loads(b.stdout)["data"]["summary"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--output-file", "x.sarif", "--format", "sarif"],
            "--output-file x.sarif has no --format before it",
        ),
        (["--format", "json", "--format", "sarif"], "only one report can go to stdout"),
        (
            ["--format", "sarif", "--output-file", "a", "--output-file", "b"],
            "--output-file b has no --format before it",
        ),
        (["--format", "pdf"], "pdf"),
    ],
)
def test_format_usage_errors_exit_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate", "-f", str(GOOD), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "x.sarif").exists() and not (tmp_path / "a").exists()


def test_junit_parses_whatever_a_manifest_is_named(tmp_path):
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a\\x01b\\uFFFE\\x1b"\ndata: {}\n'
    )
    out = tmp_path / "junit.xml"
    result = run_cli(
        "validate", "-f", str(manifest), "--format", "junit", "--output-file", str(out)
    )
    assert result.exit_code == 0, result.stderr
    names = {c.get("classname") for c in ET.parse(out).getroot().iter("testcase")}
    assert names == {"ConfigMap/a\ufffdb\ufffd\ufffd"}
