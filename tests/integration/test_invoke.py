"""agentctl invoke against a deployed agent: the API server's service proxy to a real agent process.

Simulated clusters run no pods, so the fake API server's services/proxy
subresource forwards to the scaffold's own runtime started here on 127.0.0.1
(offline demo model): the same POST /invoke contract `agentctl dev --invoke`
speaks. Job and workflow agents get a run, as `agentctl run` starts one.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli
from tests.conftest import EXAMPLES
from tests.fakes.agent_process import start_agent
from tests.fakes.kube_api import FakeKube

# The deployed agent behind the proxy is the scaffold's real runtime, run with this interpreter.
pytestmark = pytest.mark.agent_runtime


def _scaffold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str, name: str) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTCTL_CRD_DIR", raising=False)
    assert run_cli("init", name, "-t", template, "--no-input").exit_code == 0
    project = tmp_path / name
    shutil.copy(EXAMPLES / "platform.yaml", project / "platform.yaml")
    (project / ".git").mkdir()
    return project


@pytest.fixture
def service(tmp_path, monkeypatch, kube) -> Iterator[Path]:
    """The tool-service scaffold deployed to the fake, its Service routed to the real runtime."""
    project = _scaffold(tmp_path, monkeypatch, "tool-service", "currency-converter")
    deployed = run_cli("deploy", str(project), "--no-wait")
    assert deployed.exit_code == 0, deployed.stderr
    (svc,) = [s for s in kube.list("Service") if s["metadata"]["name"] == "currency-converter"]
    namespace = svc["metadata"]["namespace"]
    proc, port = start_agent(project, "currency_converter", tmp_path)
    try:
        kube.service_backends[(namespace, "currency-converter")] = f"http://127.0.0.1:{port}"
        yield project
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_invoke_prints_the_answer_and_the_trace_id(service, kube):
    result = run_cli("invoke", "currency-converter", "--input", "convert 10 USD to EUR")
    assert result.exit_code == 0, result.stderr
    assert "EUR" in result.stdout
    trace = [line for line in result.stderr.splitlines() if line.startswith("trace: ")]
    assert trace and "agentctl trace -t " in trace[0]
    trace_id = trace[0].split()[1]
    assert len(trace_id) == 32 and int(trace_id, 16)
    # the runtime streamed (it was asked for events): its progress came before the answer
    progress = result.stderr.splitlines()
    assert "step 1" in progress
    assert any(line.startswith("tool ") and line.endswith(": ok") for line in progress)
    assert progress.index("step 1") < progress.index(trace[0])
    proxied = [r for r in kube.requests if "/proxy/invoke" in r.path]
    assert [(r.method, r.status) for r in proxied] == [("POST", 200)]
    assert (
        proxied[0].path.startswith("/api/v1/namespaces/")
        and "/services/currency-converter:" in proxied[0].path
    )


def test_invoke_json_and_a_task_from_a_file(service, tmp_path):
    task = tmp_path / "task.txt"
    task.write_text("convert 3 USD to EUR")
    result = run_cli("invoke", "currency-converter", "-f", str(task), "-o", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["data"]
    assert "EUR" in data["output"] and data["traceId"] and data["conversationId"]
    assert data["response"]["tool_calls"] >= 1


def test_invoke_without_a_backend_is_a_clear_error(service, kube):
    kube.service_backends.clear()
    result = run_cli("invoke", "currency-converter", "--input", "hi")
    assert result.exit_code == 3
    assert "Traceback" not in result.stderr and result.stderr.startswith("error:")


def test_invoke_usage_errors(kube, tmp_path, monkeypatch):
    assert run_cli("invoke", "x").exit_code == 2
    both = run_cli("invoke", "x", "--input", "a", "-f", str(tmp_path / "t"))
    assert both.exit_code == 2 and "not both" in both.stderr
    missing = run_cli("invoke", "x", "-f", str(tmp_path / "missing.txt"))
    assert missing.exit_code == 2 and "missing.txt" in missing.stderr


def test_a_job_agent_gets_a_run_with_the_task(tmp_path, monkeypatch, kube):
    project = _scaffold(tmp_path, monkeypatch, "batch-job", "daily-report")
    assert run_cli("deploy", str(project), "--no-wait").exit_code == 0
    result = run_cli("invoke", "daily-report", "--input", "summarise today", "-o", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["kind"] == "Run"
    (job,) = kube.list("Job")
    env = {
        e["name"]: e.get("value") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["AGENT_TASK"] == "summarise today"


class _SSE(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        task = json.loads(self.rfile.read(length))["input"]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for word in task.split():
            self.wfile.write(f"data: {json.dumps({'delta': word + ' '})}\n\n".encode())
            self.wfile.flush()
        done = {"output": task, "trace_id": "ab" * 16, "conversation_id": "c1"}
        self.wfile.write(f"event: done\ndata: {json.dumps(done)}\n\n".encode())

    def log_message(self, *args: object) -> None:
        pass


def test_an_answer_streamed_as_server_sent_events_is_printed_as_it_comes(service, kube):
    server = _route_to(kube, _SSE)
    try:
        result = run_cli("invoke", "currency-converter", "--input", "one two three")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.strip() == "one two three"
        assert f"trace: {'ab' * 16}" in result.stderr
    finally:
        server.shutdown()
        server.server_close()


class _Gated(BaseHTTPRequestHandler):
    """Sends one progress event, then waits until the client has shown it (or 10 s)."""

    protocol_version = "HTTP/1.1"  # chunked, as uvicorn streams
    gate = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def send(data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        send(b'event: step\r\ndata: {"step": 1}\r\n\r\n')
        answer = "on time" if type(self).gate.wait(10) else "late: nothing arrived before the end"
        body = {"output": answer, "trace_id": "cd" * 16}
        send(b": keep-alive\r\n\r\n")
        send(f"event: result\r\ndata: {json.dumps({'status': 200, 'body': body})}\r\n".encode())
        send(b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args: object) -> None:
        pass


class _Backend(ThreadingHTTPServer):
    """A stand-in agent; a client that hangs up early (as invoke does on an error event)
    is not an error of the test."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def _route_to(kube: FakeKube, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = _Backend(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (svc,) = [s for s in kube.list("Service") if s["metadata"]["name"] == "currency-converter"]
    ns = svc["metadata"]["namespace"]
    kube.service_backends[(ns, "currency-converter")] = f"http://127.0.0.1:{server.server_port}"
    return server


def test_events_reach_the_caller_while_the_agent_is_still_running(service, kube):
    """Through the proxy chunk by chunk: the first event is seen before the agent answers."""
    from tests.fakes.kube_fixtures import client_for

    from agentctl.deploy.invoke import invoke
    from agentctl.deploy.locate import find_agent

    _Gated.gate = threading.Event()
    server = _route_to(kube, _Gated)
    seen: list[tuple[str, object]] = []

    def on_event(event: str, data: object) -> None:
        seen.append((event, data))
        _Gated.gate.set()

    try:
        with client_for(Path(os.environ["KUBECONFIG"])) as client:
            client.discover()
            deployed = find_agent(client, "currency-converter", None)
            result = invoke(client, deployed, "hi", on_event=on_event)
        assert seen == [("step", {"step": 1})]
        assert result.output == "on time" and result.trace_id == "cd" * 16 and result.streamed
    finally:
        server.shutdown()
        server.server_close()


class _Broken(BaseHTTPRequestHandler):
    """A streamed run that fails (the runtime reports the status in the result event)."""

    status = 429

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b'event: step\ndata: {"step": 1}\n\n')
        if type(self).status:
            result = {"status": type(self).status, "body": {"error": "budget used up"}}
            self.wfile.write(f"event: result\ndata: {json.dumps(result)}\n\n".encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (429, "daily budget is used up (HTTP 429)"),
        (500, "budget used up (HTTP 500)"),
        (0, "the stream ended before the answer"),
    ],
)
def test_a_streamed_run_that_fails_or_breaks_off_is_exit_4(service, kube, status, message):
    _Broken.status = status
    server = _route_to(kube, _Broken)
    try:
        result = run_cli("invoke", "currency-converter", "--input", "hi")
        assert result.exit_code == 4, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""
    finally:
        server.shutdown()
        server.server_close()


def _answering(status: int, body: bytes) -> type[BaseHTTPRequestHandler]:
    """A backend that answers every POST with ``status`` and the JSON ``body``."""

    class Answer(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Answer


_Refuse = _answering(429, json.dumps({"error": "daily budget of 5.00 USD used up"}).encode())


def test_a_run_the_agent_refuses_is_exit_4_with_the_reason(service, kube):
    server = _route_to(kube, _Refuse)
    try:
        result = run_cli("invoke", "currency-converter", "--input", "hi")
        assert result.exit_code == 4, result.stderr
        assert "daily budget is used up (HTTP 429)" in result.stderr
        # a non-idempotent POST is sent once, never retried
        assert len([r for r in kube.requests if "/proxy/invoke" in r.path]) == 1
    finally:
        server.shutdown()
        server.server_close()


_Deep = _answering(200, b'{"output": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def test_an_answer_nested_too_deeply_to_parse_is_shown_as_sent(service, kube):
    """json.loads raised RecursionError on it: a traceback from invoke."""
    server = _route_to(kube, _Deep)
    try:
        result = run_cli("invoke", "currency-converter", "--input", "hi")
        assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
        assert result.exit_code == 0, result.stderr[-500:]
        assert result.stdout.startswith('{"output": [[[')
    finally:
        server.shutdown()
        server.server_close()
