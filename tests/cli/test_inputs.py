"""Command-line input read the same way by every command: the --since/--until window."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from agentctl.cli.inputs import window
from agentctl.errors import EXIT_USAGE, UsageError
from tests.cli.helpers import run_cli

DAY = 86_400 * 10**9


def test_the_window_ends_now_unless_until_says_otherwise() -> None:
    before = time.time_ns()
    since_ns, until_ns = window("7d", None)
    after = time.time_ns()
    assert before <= until_ns <= after
    assert until_ns - since_ns == 7 * DAY


def test_the_window_takes_iso_dates() -> None:
    since_ns, until_ns = window("2025-03-01", "2025-03-02T00:00:00Z")
    assert until_ns - since_ns == DAY
    assert since_ns == 1_740_787_200 * 10**9


@pytest.mark.parametrize(
    "since,until", [("2025-03-02", "2025-03-01"), ("2025-03-01", "2025-03-01"), ("1h", "2h")]
)
def test_a_window_that_does_not_start_before_it_ends_is_a_usage_error(
    since: str, until: str
) -> None:
    with pytest.raises(UsageError, match=f"--since {since} is not before --until {until}"):
        window(since, until)


def test_a_bad_time_names_its_flag() -> None:
    with pytest.raises(UsageError, match="--until 'later'"):
        window("7d", "later")


@pytest.mark.parametrize("command", ["cost", "eval"])
def test_cost_and_eval_refuse_the_same_empty_window(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no project in scope
    r = run_cli(command, "--since", "1h", "--until", "2h")
    assert r.exit_code == EXIT_USAGE
    assert "--since 1h is not before --until 2h" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("command", "flag", "value"),
    [
        ("trace", "--since", "0001-01-01"),
        ("trace", "--since", "1677-01-01"),
        ("cost", "--since", "9999-12-31T23:59:59-05:00"),
        ("cost", "--until", "2500-01-01"),
        ("eval", "--since", "0001-01-01T00:00:00+05:00"),
        ("eval", "--until", "9999-12-31"),
    ],
)
def test_a_time_a_store_cannot_hold_is_a_usage_error(
    command: str, flag: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "traces.db"))
    r = run_cli(command, flag, value)
    assert r.exit_code == EXIT_USAGE
    assert f"{flag} {value!r}: out of range; times go from 1677-09-22 to 2262-04-11" in r.stderr
    assert "Traceback" not in r.stderr


def test_times_at_the_edges_of_the_range_are_exact() -> None:
    since_ns, until_ns = window("1677-09-22", "2262-04-11")
    assert since_ns == -9_223_286_400 * 10**9 and until_ns == 9_223_286_400 * 10**9
    assert window("1969-12-31T23:59:59.5Z", "1970-01-01")[0] == -500_000_000


@pytest.mark.parametrize(
    ("command", "flag"), [("trace", "--limit"), ("cost", "--top"), ("eval", "--limit")]
)
def test_a_limit_beyond_the_maximum_is_a_usage_error(
    command: str, flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "traces.db"))
    r = run_cli(command, flag, "99999999999999999999")
    assert r.exit_code == EXIT_USAGE
    assert flag in r.stderr and "1000000" in r.stderr  # click's wording differs by version
    assert "Traceback" not in r.stderr


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "daily-report"


@pytest.mark.parametrize(
    "args",
    [
        ["validate", str(EXAMPLE)],
        ["cost"],
        ["eval"],
        ["build", str(EXAMPLE), "--out", "{tmp}/dist"],
        ["init", "--no-input", "-t", "batch-job", "{tmp}/new"],
    ],
    ids=lambda args: args[0],
)
def test_a_removed_working_directory_is_one_usage_error(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "traces.db"))
    r = run_cli(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert r.exit_code == EXIT_USAGE
    assert r.stderr.strip() == "error: the current directory no longer exists"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["trace", "--agent", "surro\udced\udcbf\udcbf"], "'--agent'"),
        (["cost", "--agent", "surro\udced\udcbf\udcbf"], "'--agent'"),
        (["validate", "surro\udced\udcbf\udcbf"], ""),
        (["trace", "--agent=surro\udced\udcbf\udcbf"], "'--agent'"),
        (["init", "--no-input", "--set", "team=surro\udced\udcbf\udcbf", "ok"], "'--set'"),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else None,
)
def test_a_value_that_is_not_utf8_is_one_usage_error_naming_its_flag(
    args: list[str], flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "traces.db"))
    r = run_cli(*args)
    assert r.exit_code == EXIT_USAGE
    what = f"value for {flag}" if flag else "argument"
    assert r.stderr.startswith(f"error: invalid {what}: ")
    assert r.stderr.endswith("surro\\xed\\xbf\\xbf is not valid UTF-8\n")
    assert len(r.stderr.splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_invoke_from_a_closed_standard_input_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentctl.cli import invoke_cmd
    from agentctl.errors import UsageError

    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(UsageError, match="standard input is closed"):
        invoke_cmd._task(None, Path("-"))


def _stdin_of(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_invoke_refuses_a_task_on_standard_input_past_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentctl.cli.invoke_cmd import MAX_INPUT_BYTES

    _stdin_of(monkeypatch, b"a" * (MAX_INPUT_BYTES + 1))
    r = run_cli("invoke", "x", "-f", "-")
    assert r.exit_code == EXIT_USAGE
    assert (
        r.stderr
        == f"error: <stdin>:1:1: input is larger than the limit of {MAX_INPUT_BYTES} bytes\n"
    )


def test_invoke_reads_a_task_of_the_limit_from_standard_input_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentctl.cli import invoke_cmd

    _stdin_of(monkeypatch, "é".encode() * (invoke_cmd.MAX_INPUT_BYTES // 2))
    assert invoke_cmd._task(None, Path("-")) == "é" * (invoke_cmd.MAX_INPUT_BYTES // 2)


def test_invoke_refuses_a_task_file_past_the_limit(tmp_path: Path) -> None:
    from agentctl.cli.invoke_cmd import MAX_INPUT_BYTES

    task = tmp_path / "task.txt"
    task.write_bytes(b"a" * (MAX_INPUT_BYTES + 1))
    r = run_cli("invoke", "x", "-f", str(task))
    assert r.exit_code == EXIT_USAGE
    assert r.stderr == (
        f"error: {task}:1:1: file is {MAX_INPUT_BYTES + 1} bytes; "
        f"the limit is {MAX_INPUT_BYTES} bytes\n"
    )


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_invoke_refuses_a_task_file_that_is_not_a_regular_file(kind: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    if kind == "fifo":
        path = tmp_path / "task"
        os.mkfifo(path)  # read, it would wait for a writer for ever
    elif kind == "device":
        path = Path(os.devnull)
    else:
        path = tmp_path
    proc = subprocess.run(
        [sys.executable, "-m", "agentctl", "invoke", "x", "-f", str(path)],
        capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    assert proc.returncode == EXIT_USAGE, proc.stderr
    first = proc.stderr.splitlines()[0]
    what = "is a directory" if kind == "directory" else "not a regular file"
    assert first.startswith(f"error: {path}: {what}"), proc.stderr
    assert first.endswith("expected a text file with the task"), proc.stderr


@pytest.mark.parametrize("value", ["9" * 5000, "x" * 5000, "0001-01-01" + " " * 5000])
def test_a_huge_since_is_echoed_as_a_bounded_line(value: str) -> None:
    result = run_cli("cost", "--since", value)
    assert result.exit_code == EXIT_USAGE
    line = next(text for text in result.stderr.splitlines() if text.startswith("error:"))
    assert line.startswith("error: --since '") and len(line) < 200


@pytest.mark.parametrize("command", ["trace", "cost", "eval"])
def test_a_missing_store_given_with_store_is_an_error_and_a_missing_default_is_nothing_yet(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-only commands agree. ``--store PATH`` names a file to read: missing, it is
    one line, exit 2. AGENTCTL_TRACE_STORE sets the default location, the one `collector`
    and `dev` create on their first span (as the user data directory's store without it):
    missing, nothing was recorded yet, which each says, naming the path and how to record."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # no agent.yaml or platform.yaml found upwards
    missing = tmp_path / "nope" / "traces.db"
    named = run_cli(command, "--store", str(missing))
    assert named.exit_code == EXIT_USAGE
    assert named.stderr.splitlines()[0] == f"error: {missing}: no trace store there"
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(missing))
    default = run_cli(command)
    assert default.exit_code == 0, default.stderr
    said = default.stdout + default.stderr
    assert str(missing) in said and "agentctl collector" in said
    assert not missing.parent.exists()  # a read opens nothing, creates nothing


LONG_NAME = "n" * 300  # longer than any file system's 255-byte name


@pytest.mark.parametrize(
    "args",
    [
        ["validate", LONG_NAME],
        ["validate", "-f", LONG_NAME],
        ["build", LONG_NAME],
        ["diff", LONG_NAME],
        ["trace", "--store", LONG_NAME],
        ["cost", "--store", LONG_NAME],
        ["cost", "--estimate", LONG_NAME],
        ["eval", LONG_NAME],
        ["init", "x", "--no-input", "--template", LONG_NAME],
        ["validate", str(EXAMPLE), "--crd-dir", LONG_NAME],
    ],
    ids=lambda args: " ".join(a if len(a) < 20 else "LONG" for a in args[:3]),
)
def test_a_path_with_a_name_too_long_is_one_usage_error(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pathlib's exists(), is_file() and is_dir() answer False for a missing file but
    raise for a name longer than the file system allows: that was a traceback."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "traces.db"))
    r = run_cli(*args)
    assert r.exit_code == EXIT_USAGE, r.stderr
    assert r.stderr.strip() == f"error: '{'n' * 80}...': file name too long"
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["validate", str(EXAMPLE), "--env", "e" * 3000], "no environment 'eee"),
        (["validate", str(EXAMPLE), "--include", "e" * 3000], "no check matches 'eee"),
        (
            ["build", str(EXAMPLE), "--kube-version", "e" * 3000, "--out", "{tmp}/d"],
            "--kube-version 'eee",
        ),
        (["trace", "-t", "e" * 3000], "--trace-id 'eee"),
    ],
    ids=["env", "include", "kube-version", "trace-id"],
)
def test_a_long_flag_value_is_echoed_cut(
    args: list[str], flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTCTL_TRACE_STORE", str(tmp_path / "traces.db"))
    r = run_cli(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert r.exit_code == EXIT_USAGE, r.stderr
    assert flag in r.stderr and "e" * 41 not in r.stderr, r.stderr[:300]
    assert "e" * 40 + "...'" in r.stderr


def test_a_line_break_in_a_file_name_stays_on_the_error_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory named with a newline split the error line in two: the part after
    it read as a line of its own. The line break is written as an escape (-o json,
    SARIF and the other reports keep the true name)."""
    monkeypatch.chdir(tmp_path)
    project = tmp_path / "nl\nx"
    project.mkdir()
    spec = (EXAMPLE / "agent.yaml").read_text()
    (project / "agent.yaml").write_text(spec.replace("apiVersion:", "apiVersion: x\nbad:", 1))
    r = run_cli("validate", "nl\nx")
    assert r.exit_code == EXIT_USAGE
    errors = [line for line in r.stderr.splitlines() if not line.startswith(("0 findings", "hint"))]
    assert errors and all(line.startswith("error: nl\\nx/agent.yaml:") for line in errors), errors
    r = run_cli("validate", "gone\nx\t\x1b[31m")
    assert r.stderr.splitlines() == ["error: gone\\nx\\t\\x1b[31m: no such file or directory"]


def test_a_line_break_in_a_file_name_stays_on_its_line_in_the_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = tmp_path / "nl\nx"
    project.mkdir()
    (project / "agent.yaml").write_text((EXAMPLE / "agent.yaml").read_text())
    r = run_cli("validate", "nl\nx", "--fail-on", "critical")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("nl\\nx/agent.yaml: "), lines
    assert not any(line.startswith("x/agent.yaml") for line in lines), lines
    assert any("nl\\nx/agent.yaml:" in line for line in lines[2:]), lines
