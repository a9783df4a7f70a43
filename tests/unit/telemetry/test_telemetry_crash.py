"""kill -9 in the middle of writing: the file opens, passes integrity_check, loses at most one batch."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from agentctl.telemetry.store import TraceStore

BATCH = 200

WRITER = textwrap.dedent(
    f"""
    import os, sys, time
    from pathlib import Path
    from agentctl.telemetry.otlp import parse_protobuf
    from tests.fakes import otlp_payloads as P
    from agentctl.telemetry.store import TraceStore

    store = TraceStore(Path(sys.argv[1]))
    n = 0
    while True:
        spans = []
        for _ in range({BATCH} // 4):
            spans += P.agent_run()
        for sp in spans:
            sp["attrs"]["padding"] = "p" * 300
        store.insert(parse_protobuf(P.protobuf(spans)).spans)
        n += 1
        if n == 3:
            print("ready", flush=True)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.05, 0.4])
def test_kill_9_never_corrupts_the_store(tmp_path: Path, delay: float) -> None:
    db = tmp_path / "traces.db"
    repo = Path(__file__).resolve().parents[3]
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdout=subprocess.PIPE,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stdout:
            proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    store = TraceStore(db)
    count = store.count()
    assert count >= 3 * BATCH and count % BATCH == 0  # whole batches only
    traces = store.recent_traces(limit=100_000)
    assert sum(t.span_count for t in traces) == count  # summaries committed with their spans
    store.close()
