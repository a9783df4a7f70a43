"""The HTTP server on uvicorn: limits, timeouts, and a graceful drain on SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request

from {{ cookiecutter.__package }}._runtime.httpserver import JsonServer


def call(url: str, body: dict | None = None, timeout: float = 10) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_slow_requests_answer_504_and_bad_bodies_400():
    def slow(request):
        time.sleep(1.0)
        return 200, {"done": True}

    server = JsonServer(
        "127.0.0.1", 0, {("POST", "/slow"): slow, ("POST", "/echo"): lambda r: (200, r.body)}, request_timeout=0.2
    )
    server.start()
    try:
        status, body = call(f"{server.url}/slow", {})
        assert status == 504 and "0.2s" in body["error"]
        request = urllib.request.Request(
            f"{server.url}/echo", data=b"{nope", headers={"Content-Type": "application/json"}
        )
        try:
            urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as err:
            assert err.code == 400 and json.loads(err.read()) == {"error": "body is not valid JSON"}
        assert call(f"{server.url}/echo", {"a": 1}) == (200, {"a": 1})
    finally:
        server.stop()


SERVER = """
import time
from {{ cookiecutter.__package }}._runtime.httpserver import JsonServer

def slow(request):
    time.sleep(float(request.body.get("seconds", 1)))
    return 200, {"done": True}

JsonServer("127.0.0.1", PORT, {("POST", "/slow"): slow}, drain_seconds=1.0, shutdown_timeout=10).serve()
print("exited cleanly", flush=True)
"""


def test_sigterm_drains_runs_in_flight_and_reports_not_ready():
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    script = textwrap.dedent(SERVER).replace("PORT", str(port))
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:

        def up() -> bool:
            try:
                return call(f"{url}/healthz", timeout=1)[0] == 200
            except OSError:
                return False

        wait_until(up)
        answers = []
        in_flight = threading.Thread(target=lambda: answers.append(call(f"{url}/slow", {"seconds": 2.5})))
        in_flight.start()
        time.sleep(0.5)

        process.send_signal(signal.SIGTERM)

        wait_until(lambda: call(f"{url}/readyz", timeout=1) == (503, {"status": "draining"}), timeout=5)
        assert call(f"{url}/healthz", timeout=1)[0] == 200  # still alive while draining
        in_flight.join(timeout=20)
        assert answers == [(200, {"done": True})]  # the run in flight finished
        out, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        assert "exited cleanly" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
