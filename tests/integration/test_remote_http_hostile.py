"""Remote sources and the judge against hostile endpoints: redirects, endless answers.

Each client sends its credentials as headers; a ``302`` to another origin must not
carry them there. The answer is one line naming the endpoint and where it pointed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.cli.test_eval_groundedness import WINDOW, _run

from agentctl.telemetry.store import TraceStore

TOKEN = "tok-" + "7c1e" * 8


class _Server:
    """Loopback HTTP server: answers every request with ``answer(handler)``; records headers."""

    def __init__(self, location: str | None) -> None:
        self.headers: list[Any] = []
        server = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                server.headers.append(self.headers)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if location:
                    self.send_response(302)
                    self.send_header("Location", location)
                else:
                    self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[tuple[_Server, _Server]]:
    elsewhere = _Server(None)
    first = _Server(f"http://user:pw@{elsewhere.url.removeprefix('http://')}/stolen?sig=s3cr3t")
    try:
        yield first, elsewhere
    finally:
        first.close()
        elsewhere.close()


def _check(res: Any, first: _Server, elsewhere: _Server) -> None:
    assert elsewhere.headers == [], "the redirect was followed"
    assert first.headers, "the endpoint was never asked"
    assert res.exit_code == 2, res.stderr
    assert "Traceback" not in res.stderr
    line = res.stderr.strip().splitlines()[0]
    assert first.url in line and "answered 302" in line, line
    assert f"redirect to {elsewhere.url}/stolen" in line, line
    assert "does not follow redirects" in line, line
    for secret in (TOKEN, "pw", "s3cr3t"):
        assert secret not in res.stderr + res.stdout


@pytest.mark.parametrize(
    ("command", "scheme"),
    [("trace", "jaeger+"), ("trace", "tempo+"), ("eval", "tempo+")],
)
def test_a_trace_backend_redirect_is_not_followed_with_credentials(
    servers: tuple[_Server, _Server], command: str, scheme: str
) -> None:
    first, elsewhere = servers
    res = run_cli(
        command, "--source", scheme + first.url, "--source-token", TOKEN, "--source-org", "t"
    )
    _check(res, first, elsewhere)
    assert first.headers[0]["Authorization"] == f"Bearer {TOKEN}"


def test_basic_auth_is_not_sent_on_after_a_redirect(servers: tuple[_Server, _Server]) -> None:
    first, elsewhere = servers
    res = run_cli(
        "trace", "--source", "tempo+" + first.url, "--source-user", "u",
        "--source-password", TOKEN,
    )  # fmt: skip
    _check(res, first, elsewhere)


def test_an_opencost_redirect_is_not_followed(
    servers: tuple[_Server, _Server], tmp_path: Path
) -> None:
    first, elsewhere = servers
    store = tmp_path / "traces.db"
    TraceStore(store).close()
    res = run_cli("cost", "--store", str(store), *WINDOW, "--source", first.url + "/opencost")
    _check(res, first, elsewhere)


def test_a_judge_redirect_is_not_followed_with_the_key(
    servers: tuple[_Server, _Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, elsewhere = servers
    store = tmp_path / "traces.db"
    with TraceStore(store) as st:
        st.insert(_run(1, "It is 4.5 °C in Oslo."))
    monkeypatch.setenv("AGENTCTL_JUDGE_API_KEY", TOKEN)
    res = run_cli(
        "eval", "--store", str(store), *WINDOW, "--judge", "m", "--judge-url", first.url + "/v1"
    )
    _check(res, first, elsewhere)
    assert first.headers[0]["Authorization"] == f"Bearer {TOKEN}"


def test_an_endless_opencost_answer_is_cut_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentctl.telemetry import opencost

    monkeypatch.setattr(opencost, "MAX_RESPONSE_BYTES", 10_000)

    class Endless(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(10_000):  # 10 MB at most: far past the limit, bounded anyway
                    self.wfile.write(b'{"data": [' + b" " * 1000)
            except OSError:
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Endless)
    httpd.daemon_threads = True
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/opencost"
    store = tmp_path / "traces.db"
    TraceStore(store).close()
    try:
        res = run_cli("cost", "--store", str(store), *WINDOW, "--source", url)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert res.exit_code == 2, res.stderr
    assert "Traceback" not in res.stderr
    line = res.stderr.strip().splitlines()[0]
    assert f"{url}/allocation: OpenCost answered more than 10000 bytes" in line, line
