"""Answers are read within bounds whichever transport carries them: a server answering
without end (one endless body, or a stream whose line never ends) is one error naming
the endpoint, not memory filling up."""

from __future__ import annotations

import contextlib
import copy
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from agentctl.deploy import client as kc
from agentctl.deploy.client import ConnectOptions, connect
from agentctl.deploy.discovery import well_known
from agentctl.deploy.errors import ApiFailure

TOKEN = "fake-" + "t" * 8


class _Endless(BaseHTTPRequestHandler):
    """Answers every GET with a chunked body of ``x`` that never ends (no newline either),
    until the client goes away or ``limit`` bytes were sent (so a test that fails ends)."""

    protocol_version = "HTTP/1.1"
    limit = 64 * 2**20
    sent: list[int]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"x" * 65536
        total = 0
        try:
            while total < self.limit:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                total += len(chunk)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        finally:
            self.sent.append(total)
            self.close_connection = True


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def endless() -> Iterator[tuple[str, list[int]]]:
    sent: list[int] = []
    with serving(type("Handler", (_Endless,), {"sent": sent})) as url:
        yield url, sent


def kubeconfig(tmp_path: Path, server: str, transport: str) -> str:
    """A kubeconfig for ``server`` that the direct transport carries, or the official client
    (a token file is the client's to read)."""
    (tmp_path / "token").write_text(TOKEN, encoding="utf-8")
    user = {"token": TOKEN} if transport == "direct" else {"tokenFile": "token"}
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": copy.deepcopy(user)}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return str(path)


TRANSPORTS = {"direct": kc._Direct, "official": kc._Official}


@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_an_endless_answer_is_read_up_to_the_bound_on_either_transport(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    endless: tuple[str, list[int]],
    transport: str,
) -> None:
    url, sent = endless
    monkeypatch.setattr(kc, "MAX_ANSWER_BYTES", 2**20)
    opts = ConnectOptions(kubeconfig=kubeconfig(tmp_path, url, transport), request_timeout=20)
    with connect(opts) as kube:
        assert isinstance(kube.transport, TRANSPORTS[transport])
        with pytest.raises(ApiFailure) as info:
            kube.request("GET", "/api/v1/namespaces/team/pods")
    assert info.value.message == (
        f"{url}/api/v1/namespaces/team/pods (context x) answered more than 1 MiB; not read further"
    )
    assert info.value.exit_code == 3
    assert_closed_early(sent)


@pytest.mark.parametrize("transport", list(TRANSPORTS))
@pytest.mark.parametrize("what", ["logs", "watch"])
def test_a_stream_whose_line_never_ends_is_read_up_to_the_bound(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    endless: tuple[str, list[int]],
    transport: str,
    what: str,
) -> None:
    """Followed logs and watches go on for as long as the server likes, line by line;
    one line without an end is an error naming the endpoint, and the stream is closed."""
    url, sent = endless
    monkeypatch.setattr(kc, "MAX_LINE_BYTES", 2**20)
    opts = ConnectOptions(kubeconfig=kubeconfig(tmp_path, url, transport), request_timeout=20)
    with connect(opts) as kube, pytest.raises(ApiFailure) as info:
        if what == "logs":
            path = "/api/v1/namespaces/team/pods/p/log"
            list(kube.pod_logs("team", "p", follow=True))
        else:
            path = "/api/v1/namespaces/team/pods"
            list(kube.watch(well_known("", "Pod"), "team", timeout_seconds=5))
    assert info.value.message == (
        f"{url}{path} (context x) answered a line longer than 1 MiB; not read further"
    )
    assert info.value.exit_code == 3
    assert_closed_early(sent)


def assert_closed_early(sent: list[int]) -> None:
    """The server saw the connection closed, well before the end of what it would send."""
    for _ in range(100):
        if sent:
            break
        time.sleep(0.05)
    assert sent and sent[0] < _Endless.limit


class _Garbage(BaseHTTPRequestHandler):
    """Answers a watch with one line that is no watch event (``line``)."""

    protocol_version = "HTTP/1.1"
    line = b""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.line)))
        self.end_headers()
        self.wfile.write(self.line)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (b"<html>garbage</html>\n", "is not JSON"),
        (b"[1, 2]\n", "is a list, not an object"),
        (b'{"object": {}}\n', "has no type"),
        (b'{"type": "ADDED", "object": 5}\n', "has an object that is a number, not an object"),
        (
            b'{"type": "MODIFIED", "object": {"metadata": {"resourceVersion": 7}}}\n',
            "has an object that has metadata.resourceVersion a number, not a string",
        ),
        (b"[" * 100_000 + b"]" * 100_000 + b"\n", "is JSON nested too deeply to read"),
        (
            b'{"type": "ADDED", "object": {"kind": "Namespace", "metadata": {}}}\n',
            "has an object that is a Namespace, not a Pod",
        ),
    ],
)
def test_a_watch_line_that_is_no_event_names_the_endpoint(
    tmp_path: Path, line: bytes, says: str
) -> None:
    with serving(type("H", (_Garbage,), {"line": line})) as url:
        opts = ConnectOptions(kubeconfig=kubeconfig(tmp_path, url, "direct"), request_timeout=20)
        with connect(opts) as kube, pytest.raises(ApiFailure) as info:
            list(kube.watch(well_known("", "Pod"), "team", timeout_seconds=5))
    assert info.value.message == (
        f"{url}/api/v1/namespaces/team/pods (context x) answered 200 with a watch event "
        f"that {says}: this does not look like a Kubernetes API server"
    )
    assert info.value.exit_code == 3


class _Slow(BaseHTTPRequestHandler):
    """Waits ``before`` seconds before the status line, then ``between`` seconds before
    the one line of its chunked body."""

    protocol_version = "HTTP/1.1"
    before = 0.0
    between = 0.0

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        time.sleep(self.before)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            time.sleep(self.between)
            self.wfile.write(b"6\r\nhello\n\r\n0\r\n\r\n")
        except OSError:
            pass
        self.close_connection = True


def follow_logs(
    tmp_path: Path, transport: str, request_timeout: float, **timing: float
) -> list[str]:
    """The lines of followed logs from a server answering with ``_Slow``'s ``timing``."""
    with serving(type("H", (_Slow,), timing)) as url:
        path = kubeconfig(tmp_path, url, transport)
        with connect(ConnectOptions(kubeconfig=path, request_timeout=request_timeout)) as kube:
            return list(kube.pod_logs("team", "p", follow=True))


@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_followed_logs_wait_for_the_answer_within_the_request_timeout(
    tmp_path: Path, transport: str
) -> None:
    """Following logs waits for lines without a limit, but not for the answer itself."""
    start = time.monotonic()
    with pytest.raises(ApiFailure) as info:
        follow_logs(tmp_path, transport, 1.0, before=30.0)
    assert time.monotonic() - start < 10
    assert "no answer in time" in info.value.message
    assert info.value.exit_code == 3


@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_followed_logs_wait_for_lines_past_the_request_timeout(
    tmp_path: Path, transport: str
) -> None:
    assert follow_logs(tmp_path, transport, 0.5, between=2.0) == ["hello"]


def test_a_watch_error_event_carries_a_status(tmp_path: Path) -> None:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "too old resource version: 1 (2)",
        "reason": "Expired",
        "code": 410,
    }
    line = json.dumps({"type": "ERROR", "object": status}).encode() + b"\n"
    with serving(type("H", (_Garbage,), {"line": line})) as url:
        opts = ConnectOptions(kubeconfig=kubeconfig(tmp_path, url, "direct"), request_timeout=20)
        with connect(opts) as kube:
            events = list(kube.watch(well_known("", "Pod"), "team", timeout_seconds=5))
    assert events == [{"type": "ERROR", "object": status}]
