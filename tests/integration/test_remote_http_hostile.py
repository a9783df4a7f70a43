"""Remote sources and the judge against hostile endpoints: redirects, endless answers.

Each client sends its credentials as headers; a ``302`` to another origin must not
carry them there. The answer is one line naming the endpoint and where it pointed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.cli.test_eval_groundedness import WINDOW, _run
from tests.fakes.loopback import serve

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

        self.httpd = serve(H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

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


def _answer_json(handler: BaseHTTPRequestHandler, body: bytes, *, trickle: bool) -> None:
    """200 with ``body``, or with ``trickle`` the body one byte every 0.2 s."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        if not trickle:
            handler.wfile.write(body)
            return
        for i in range(len(body)):
            handler.wfile.write(body[i : i + 1])
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass


class _Judge:
    """Loopback chat-completions endpoint answering every POST with ``body`` (bytes), or,
    with ``trickle``, a body it sends one byte at a time."""

    def __init__(self, body: bytes, *, trickle: bool = False) -> None:
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                _answer_json(self, body, trickle=trickle)

        self.httpd = serve(H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> _Judge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _judge_answer(
    content: str, usage: str = '{"prompt_tokens": 10, "completion_tokens": 5}'
) -> bytes:
    reply = json.dumps({"choices": [{"message": {"content": content}}], "model": "m"})
    return (reply[:-1] + f', "usage": {usage}}}').encode()


def _eval_with_judge(tmp_path: Path, url: str) -> Any:
    store = tmp_path / "traces.db"
    with TraceStore(store) as st:
        st.insert(_run(1, "It is 4.5 °C in Oslo."))
    return run_cli(
        "eval", "--store", str(store), *WINDOW, "--agent", "bot", "--no-groundedness",
        "--judge", "m", "--judge-url", url, "-o", "json",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "not JSON (JSON nested more than 128 levels deep)"),
        (_judge_answer('{"score": 1}', '{"prompt_tokens": 1e400}'), "usage.prompt_tokens inf,"),
        (_judge_answer('{"score": 1}', '{"prompt_tokens": [1]}'), "usage.prompt_tokens [1],"),
        (_judge_answer('{"score": 1}', '{"prompt_tokens": "12"}'), "usage.prompt_tokens '12',"),
        (
            _judge_answer('{"score": 1}', '{"prompt_tokens": "' + "9" * 50 + '"}'),
            "usage.prompt_tokens '" + "9" * 40 + "...',",
        ),
        (
            _judge_answer('{"score": 1}', '{"completion_tokens": -5}'),
            "usage.completion_tokens -5,",
        ),
        (
            _judge_answer('{"score": 1}', '{"prompt_tokens": 1180591620717411303424}'),
            "prompt_tokens",
        ),
    ],
    ids=[
        "deep-json",
        "infinite-tokens",
        "list-tokens",
        "text-tokens",
        "long-text-tokens",
        "negative-tokens",
        "2**70-tokens",
    ],
)
def test_a_judge_answering_nonsense_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: bytes, said: str
) -> None:
    monkeypatch.setenv("AGENTCTL_JUDGE_API_KEY", TOKEN)
    with _Judge(body) as judge:
        res = _eval_with_judge(tmp_path, judge.url)
    assert res.exit_code == 2, res.stderr + res.stdout
    assert "Traceback" not in res.stderr
    line = res.stderr.strip().splitlines()[0]
    assert line.startswith(f"error: {judge.url}/chat/completions: the judge's response"), line
    assert said in line, line
    assert TOKEN not in res.stderr + res.stdout


def test_a_judge_verdict_nested_too_deeply_is_an_unusable_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reply = '{"score": 0.5, "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
    with _Judge(_judge_answer(reply)) as judge:
        res = _eval_with_judge(tmp_path, judge.url)
    assert "Traceback" not in res.stderr
    judged = json.loads(res.stdout)["data"]["judge"]
    assert judged["judged"] == 0
    assert "nested more than 128 levels deep" in judged["errors"][0], judged


def test_a_judge_trickling_its_answer_is_given_up_on_in_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentctl.telemetry import judge as judge_mod

    monkeypatch.setattr(judge_mod, "TIMEOUT_SECONDS", 1.0)
    started = time.monotonic()
    with _Judge(_judge_answer('{"score": 1}'), trickle=True) as judge:
        res = _eval_with_judge(tmp_path, judge.url)
    assert time.monotonic() - started < 10  # the body alone takes over 20 s to trickle in
    assert res.exit_code == 2, res.stderr
    assert "Traceback" not in res.stderr
    line = res.stderr.strip().splitlines()[0]
    assert f"{judge.url}/chat/completions: the judge endpoint did not answer within 1s" in line


@pytest.mark.parametrize("key", [f"{TOKEN}\nX-Injected: 1", f"{TOKEN}\t", f"{TOKEN}é"])
def test_a_judge_key_no_header_can_carry_is_refused_without_echoing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("AGENTCTL_JUDGE_API_KEY", key)
    with _Judge(_judge_answer('{"score": 1}')) as judge:
        res = _eval_with_judge(tmp_path, judge.url)
    assert res.exit_code == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith("error: the judge's API key holds a line break"), res.stderr
    assert TOKEN not in res.stderr + res.stdout


class _Trickling(BaseHTTPRequestHandler):
    """Answers every GET with a JSON body it sends one byte every 0.2 s (about 20 s in all)."""

    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        _answer_json(self, b'{"data": [' + b" " * 100 + b"]}", trickle=True)


@pytest.fixture
def trickling() -> Iterator[str]:
    httpd = serve(_Trickling)
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("kind", ["jaeger", "tempo"])
def test_a_trace_backend_trickling_its_answer_is_given_up_on_in_time(
    trickling: str, kind: str
) -> None:
    from agentctl.errors import TelemetryError
    from agentctl.telemetry.sources import Query, remote_source

    source = remote_source(trickling, kind, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(TelemetryError) as err:
        source.recent_traces(Query(limit=5))
    assert time.monotonic() - started < 10  # the body alone takes over 20 s to trickle in
    assert f"{trickling}" in str(err.value)
    assert "did not arrive in time" in str(err.value)


def test_an_opencost_trickling_its_answer_is_given_up_on_in_time(trickling: str) -> None:
    from agentctl.errors import TelemetryError
    from agentctl.telemetry.opencost import fetch_allocations

    started = time.monotonic()
    with pytest.raises(TelemetryError) as err:
        fetch_allocations(trickling + "/opencost", 0, 3_600_000_000_000, timeout=1.0)
    assert time.monotonic() - started < 10
    assert "cannot reach OpenCost: the answer did not arrive in time" in str(err.value)


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--source-token", f"{TOKEN}\nX-Injected: 1"),
        ("--source-token", f"{TOKEN}é"),
        ("--source-org", f"tenant\r\nAuthorization: Bearer {TOKEN}"),
    ],
    ids=["token-line-break", "token-non-ascii", "org-line-break"],
)
def test_a_source_credential_no_header_can_carry_is_refused_without_echoing_it(
    servers: tuple[_Server, _Server], flag: str, value: str
) -> None:
    first, _ = servers
    res = run_cli("trace", "--source", "jaeger+" + first.url, flag, value)
    assert res.exit_code == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith(f"error: {flag} holds a line break"), res.stderr
    assert TOKEN not in res.stderr + res.stdout
    assert first.headers == [], "a request went out"
