"""kill -9 of a running collector: every acknowledged span is in the store, and the file is sound."""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from tests.fakes import otlp_payloads as P

from agentctl.telemetry.store import TraceStore


@pytest.mark.slow
def test_acknowledged_spans_survive_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "traces.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agentctl",
            "collector",
            "--listen",
            "127.0.0.1:0",
            "--store",
            str(db),
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
    acked = 0
    try:
        url = lines.get(timeout=60).split()[-1]
        for _ in range(30):
            spans = [sp for _ in range(25) for sp in P.agent_run()]
            req = urllib.request.Request(
                url, data=P.protobuf(spans), headers={"Content-Type": "application/x-protobuf"}
            )
            with urllib.request.urlopen(req, timeout=30) as resp:
                assert resp.status == 200
            acked += len(spans)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    with TraceStore(db) as store:
        assert store.count() == acked  # a 200 means the spans were committed
