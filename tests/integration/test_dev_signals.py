"""agentctl dev as a long-running process: Ctrl-C/SIGTERM stop everything, crashes are reported."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli

from agentctl.local.process import processes_under

# A service agent on the standard library: serves the runtime contract's port and
# the golden-path HTTP API, and starts a helper that ignores SIGTERM (only a
# group-wide SIGKILL ends it).
SERVER = textwrap.dedent(
    """
    import json, os, signal, subprocess, sys, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    if os.environ.get("CRASH_AT_START"):
        print("loading model weights", file=sys.stderr)
        print("fatal: config missing", file=sys.stderr)
        sys.exit(7)
    helper = subprocess.Popen([sys.executable, "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
    print("helper", helper.pid, file=sys.stderr, flush=True)

    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/crash":
                os._exit(9)
            self._send(200, {"status": "ok"})
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self._send(200, {"output": "echo: " + body["input"], "memory": os.environ["AGENT_MEMORY_DIR"]})
        def _send(self, code, doc):
            data = json.dumps(doc).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer((os.environ["AGENT_HOST"], int(os.environ["AGENT_PORT"])), H)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
    print("listening", flush=True)
    server.serve_forever()
    """
)

AGENT = """\
apiVersion: agentctl.dev/v1alpha1
kind: Agent
metadata: {name: echo, team: demo}
spec:
  type: stateful
  image: ghcr.io/acme/echo:0.1.0
  command: [python, -m, echo]
  port: 8080
  readyPath: /healthz
  memory: {size: 1Gi}
"""


def make_project(tmp_path: Path) -> Path:
    project = tmp_path / "echo"
    (project / "echo").mkdir(parents=True)
    (project / "echo" / "__init__.py").write_text("")
    (project / "echo" / "__main__.py").write_text(SERVER)
    (project / "agent.yaml").write_text(AGENT)
    return project


def start_dev(project: Path, tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agentctl", "dev", str(project), "--store", str(tmp_path / "t.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[str, str]:
    """Wait for agentctl dev; on a test failure stop it the way a user would (SIGTERM)."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.communicate(timeout=30)
        raise


def wait_for_state(project: Path, proc: subprocess.Popen[str], timeout: float = 60) -> dict:
    path = project / ".agentctl" / "dev.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"agentctl dev exited early: {proc.communicate()}")
        if path.exists():
            return json.loads(path.read_text())
        time.sleep(0.1)
    raise AssertionError("agentctl dev did not become ready")


def wait_gone(pids: list[int], timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    alive = pids
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        if not alive:
            return []
        time.sleep(0.1)
    return alive


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return "Z"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_everything_and_leaves_no_process(
    tmp_path: Path, sig: signal.Signals
) -> None:
    project = make_project(tmp_path)
    proc = start_dev(project, tmp_path)
    try:
        state = wait_for_state(project, proc)
        children = processes_under(project)
        assert len(children) >= 2  # the agent and its SIGTERM-ignoring helper
        # --invoke from another terminal reaches the running agent
        other = run_cli("dev", str(project), "--invoke", "ping", "-o", "json")
        assert other.exit_code == 0, other.stderr
        answer = json.loads(other.stdout)["data"]
        assert answer["answer"] == "echo: ping"
        assert "sending to the running agentctl dev" in other.stderr
        assert state["url"].startswith("http://127.0.0.1:")
        proc.send_signal(sig)
        _out, err = finish(proc)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "stopped 1 process(es)" in err
    assert "processes still running after stop" not in err  # stop waits for the SIGKILLed
    assert wait_gone(children) == []
    assert processes_under(project) == []
    assert not (project / ".agentctl" / "dev.json").exists()
    assert "echo | listening" in err


def test_crash_during_start_up_is_reported_with_its_last_lines(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / ".env").write_text("CRASH_AT_START=1\n")  # .env settings reach the agent
    proc = start_dev(project, tmp_path)
    _out, err = finish(proc)
    assert proc.returncode == 4
    assert "error: echo during start-up ended unexpectedly (exit code 7)" in err
    assert "echo | fatal: config missing" in err
    assert processes_under(project) == []


def test_crash_while_running_is_reported_and_everything_stops(tmp_path: Path) -> None:
    import urllib.error
    import urllib.request

    project = make_project(tmp_path)
    proc = start_dev(project, tmp_path)
    try:
        state = wait_for_state(project, proc)
        children = processes_under(project)
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            urllib.request.urlopen(state["url"] + "/crash", timeout=5)
        _out, err = finish(proc)
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.communicate(timeout=30)
    assert proc.returncode == 4
    assert "error: echo ended unexpectedly (exit code 9)" in err
    assert wait_gone(children) == []


def test_param_is_refused_for_a_service_agent(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    result = run_cli("dev", str(project), "--store", str(tmp_path / "t.db"), "--param", "a=1")
    assert result.exit_code == 2
    assert "--param is for job and workflow agents (echo is stateful)" in result.stderr
    assert processes_under(project) == []
