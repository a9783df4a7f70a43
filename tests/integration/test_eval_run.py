"""agentctl eval run: every scaffold's eval set passes offline and catches a broken tool."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli

from agentctl.telemetry.store import TraceStore

pytestmark = pytest.mark.slow

# template -> (a tool its eval set exercises, the file defining it, the case that needs it)
TEMPLATES = {
    "batch-job": ("fetch_metrics", "report.py", "reports-a-day"),
    "stateful-agent": ("calculate", "agent.py", "calculates"),
    "tool-service": ("convert_currency", "tools.py", "converts-usd-to-eur"),
    "workflow-agent": ("search_knowledge", "steps.py", "researches-a-topic"),
}


def scaffold(tmp_path: Path, template: str, name: str) -> Path:
    result = run_cli("init", name, "-t", template, "--no-input", "-d", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    return tmp_path / name


def break_tool(project: Path, tool: str, filename: str) -> None:
    """Make ``tool`` raise whatever it is asked."""
    (source,) = project.glob(f"src/*/{filename}")
    text = source.read_text()
    match = re.search(rf"^( *)def {tool}\(.*?\).*?:\n", text, flags=re.M | re.S)
    assert match, f"def {tool} not found in {source}"
    indent = match.group(1) + "    "
    text = (
        text[: match.end()]
        + f'{indent}raise RuntimeError("broken on purpose")\n'
        + text[match.end() :]
    )
    source.write_text(text)


def eval_run(project: Path, store: Path, *extra: str):
    return run_cli("eval", "run", str(project), "--store", str(store), *extra)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_the_eval_set_passes_offline_and_fails_when_a_tool_is_broken(
    template: str, tmp_path: Path
) -> None:
    tool, filename, case = TEMPLATES[template]
    project = scaffold(tmp_path, template, "agent-x")
    store, junit = tmp_path / "traces.db", tmp_path / "junit.xml"

    result = eval_run(project, store, "-o", "json", "--junit", str(junit))
    assert result.exit_code == 0, result.stderr[-3000:] + result.stdout[-3000:]
    data = json.loads(result.stdout)["data"]
    assert data["ok"] and data["failedCases"] == []
    assert all(r["tools"] for c in data["cases"] for r in c["results"])  # every case uses tools
    assert tool in {t for c in data["cases"] for r in c["results"] for t in r["tools"]}
    assert data["metrics"]["task_success_rate"]["samples"] == len(data["cases"])
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    with TraceStore(store) as st:  # every case's trace is in the store
        for c in data["cases"]:
            for r in c["results"]:
                assert r["traceIds"] and all(st.trace(t) for t in r["traceIds"])

    break_tool(project, tool, filename)
    broken = eval_run(project, store, "-o", "json", "--junit", str(junit))
    assert broken.exit_code == 1, broken.stderr
    data = json.loads(broken.stdout)["data"]
    assert case in data["failedCases"] and not data["ok"]
    failed = ET.parse(junit).getroot().findall(".//testcase[failure]")
    assert case in {tc.get("name") for tc in failed}
    text = eval_run(project, store)
    assert text.exit_code == 1
    assert f"case {case} failed" in text.stderr


def test_a_case_expecting_the_wrong_tool_fails_and_is_named(tmp_path: Path) -> None:
    project = scaffold(tmp_path, "tool-service", "rates")
    cases = tmp_path / "wrong.yaml"
    cases.write_text(
        "cases:\n  - name: wrong-tool\n    input: convert 100 USD to EUR\n"
        "    expect: {tools: [list_currencies], toolOrder: exact}\n"
    )
    result = eval_run(project, tmp_path / "t.db", "-f", str(cases))
    assert result.exit_code == 1
    assert "case wrong-tool failed" in result.stderr
    assert (
        "expected tools ['list_currencies'] (exact), called ['convert_currency']" in result.stderr
    )


def test_compare_fails_on_a_planted_regression(tmp_path: Path) -> None:
    project = scaffold(tmp_path, "tool-service", "rates")
    store = tmp_path / "t.db"
    baseline = eval_run(
        project, store, "--repeat", "10", "--case", "converts-usd-to-eur", "-o", "json"
    )
    assert baseline.exit_code == 0, baseline.stderr
    assert (project / ".agentctl" / "evals" / "0.1.0.json").is_file()
    same = eval_run(project, store, "--repeat", "10", "--case", "converts-usd-to-eur", "--compare", "0.1.0",
                    "-o", "json")  # fmt: skip
    assert same.exit_code == 0, same.stderr
    assert json.loads(same.stdout)["data"]["compare"]["regression"] is None

    break_tool(project, "convert_currency", "tools.py")
    worse = eval_run(project, store, "--repeat", "10", "--case", "converts-usd-to-eur", "--compare", "0.1.0",
                     "-o", "json")  # fmt: skip
    assert worse.exit_code == 1
    cmp = json.loads(worse.stdout)["data"]["compare"]
    assert cmp["test"].startswith("Fisher exact test")
    assert "converts-usd-to-eur: 0/10 passed vs 10/10" in cmp["regression"]


def test_bad_eval_sets_are_reported_with_file_line_and_field(tmp_path: Path) -> None:
    project = scaffold(tmp_path, "tool-service", "rates")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "cases:\n  - name: a\n    input: x\n    expect:\n      toolz: [convert_currency]\n"
    )
    result = eval_run(project, tmp_path / "t.db", "-f", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:5:7: cases[0].expect.toolz" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.agent_runtime
def test_sigterm_stops_the_run_and_leaves_no_agent_running(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    from agentctl.local.process import processes_under

    project = scaffold(tmp_path, "tool-service", "agent-x")
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentctl", "eval", "run", str(project), "--repeat", "1000",
         "--store", str(tmp_path / "traces.db"), "--python", sys.executable],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # the agent is up once the first case has run
            if " #1 " in line:
                break
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 130
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 10
    while processes_under(project) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_under(project) == []
