"""The generated runtime keeps one MCP session per server (run with this interpreter).

Against a loopback MCP server (the official SDK) that counts the requests
opening a session: listing the tools and N calls open one session, not one
per call; after a restart of the server the calls go on, and a server that
lost the session (404) is met with exactly one new session. Closing the sessions
of several servers ends them all at once, and a session the client stopped
waiting for is ended rather than left open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.scaffolds.test_templates import _run_in_project

# the generated runtime imports the OTel SDK and the MCP SDK (dev extras, not the floors)
pytestmark = pytest.mark.agent_runtime

HERE = Path(__file__).resolve().parent
CALLS = 7


def _run(tmp_path: Path, scenario: str) -> dict[str, Any]:
    script = HERE / "mcp_loopback.py"
    return _run_in_project(
        "tool-service", tmp_path, script, "currency_converter", scenario, str(CALLS)
    )


def _opening(methods: dict[str, int]) -> int:
    return methods.get("initialize", 0) + methods.get("server/discover", 0)


def test_tool_calls_share_one_session_and_survive_a_restart(tmp_path: Path) -> None:
    got = _run(tmp_path, "restart")
    assert got["tools"] == ["add"]
    assert got["answers"] == [i + 1 for i in range(CALLS)]
    assert got["before"]["tools/call"] == CALLS
    assert _opening(got["before"]) == 1  # listing + CALLS calls: one session
    assert got["afterRestart"] == [i + 2 for i in range(CALLS)]
    assert got["after"]["tools/call"] == CALLS
    assert _opening(got["after"]) == 0 and got["opened"] == 1  # nothing was lost
    # an error the server answers (HTTP 500) is the tool's failure: not sent again
    assert got["failed"] == {"ok": False, "calls": 1}
    # a call whose answer was cut short may have run (it did): it fails, it is not sent
    # again on a new session; the next call gets a new session
    assert got["cut"] == {"ok": False, "ran": 1, "then": 6}


def test_a_server_that_lost_the_session_gets_one_new_one(tmp_path: Path) -> None:
    got = _run(tmp_path, "restart-forgetful")
    assert got["answers"] == [i + 1 for i in range(CALLS)]
    assert _opening(got["before"]) == 1
    assert got["afterRestart"] == [i + 2 for i in range(CALLS)]  # no call lost
    assert _opening(got["after"]) == 1 and got["opened"] == 2  # one reconnect
    assert got["after"]["tools/call"] == CALLS + 1  # the refused call, sent again once


def test_sessions_with_several_servers_are_closed_together(tmp_path: Path) -> None:
    # each server answers its DELETE only once the DELETEs of all three are waiting:
    # closed one after another, each session would wait out its timeout and hang up
    got = _run(tmp_path, "close-together")
    assert got["sessions"] == [1, 1, 1]
    assert got["deletes"] == [["answered"]] * 3  # and close_mcp_sessions returned


def test_a_session_opened_after_the_client_gave_up_is_ended(tmp_path: Path) -> None:
    got = _run(tmp_path, "slow-open")
    assert got["first"].startswith("TimeoutError: MCP server http://127.0.0.1:")
    assert "no session" in got["first"]
    assert got["then"] == ["add"]  # a fresh session works
    # the abandoned opening: its connection closed before the answer, or its session
    # was ended; every session the server gave out has been ended by exit
    assert got["slowOpen"] in ("dropped", "answered")
    assert sorted(got["deleted"]) == sorted(got["sessions"]) and len(got["sessions"]) >= 1


def test_a_hostile_result_goes_back_to_the_model_as_one_line(tmp_path: Path) -> None:
    got = _run(tmp_path, "hostile")
    # an answer that is no tool result: the tool's error, one line (not the SDK's field by field)
    assert not got["wrong"]["ok"]
    assert got["wrong"]["error"].startswith(
        "add: MCP server unreachable or failed (ValidationError: "
    )
    assert "\n" not in got["wrong"]["error"] and len(got["wrong"]["error"]) < 300
    # a result larger than a model should be sent: refused, with the limit named
    assert not got["huge"]["ok"] and got["huge"]["type"] == "ToolResultTooLarge"
    assert got["huge"]["error"] == (
        "add answered 1000000 characters, more than the 256000 a tool result may have (AGENT_TOOL_RESULT_MAX_CHARS)"
    )
    assert got["then"] == {"sum": 2}
