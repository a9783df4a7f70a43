"""agentctl reaches the processes it runs on 127.0.0.1 even when the shell sets a proxy."""

from __future__ import annotations

import http.server
import socket
import threading
import urllib.error
import urllib.request

import pytest

from agentctl.local import localhttp
from agentctl.local.env import base_env


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_local_requests_bypass_a_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        proxy = f"http://127.0.0.1:{_closed_port()}"
        for var in ("http_proxy", "HTTP_PROXY"):
            monkeypatch.setenv(var, proxy)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        url = f"http://127.0.0.1:{server.server_port}/readyz"
        # What urllib does with that shell (a fresh opener: urlopen's global one is cached).
        with pytest.raises(urllib.error.URLError):
            urllib.request.build_opener().open(url, timeout=5)
        with localhttp.urlopen(url, timeout=5) as resp:
            assert resp.status == 200 and resp.read() == b"ok"
    finally:
        server.shutdown()
        server.server_close()


def test_children_get_loopback_in_no_proxy() -> None:
    shell = {"PATH": "/bin", "https_proxy": "http://proxy:3128", "no_proxy": "corp.example"}
    env = base_env(shell, {}, set())
    assert env["https_proxy"] == "http://proxy:3128"
    assert env["no_proxy"] == "corp.example,127.0.0.1,localhost,::1"
    assert env["NO_PROXY"] == "127.0.0.1,localhost,::1"
    again = base_env({**shell, "no_proxy": env["no_proxy"]}, {}, set())
    assert again["no_proxy"] == env["no_proxy"]  # nothing added twice
