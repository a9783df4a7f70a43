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
