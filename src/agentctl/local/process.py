"""One local child process: its own process group, prefixed logs, clean stop.

Every child is started in a new session (``start_new_session=True``) so that
it and anything it spawns share one process group that agentctl alone
signals: a Ctrl-C in the terminal reaches agentctl, which then stops each
group with SIGTERM, waits a grace period and sends SIGKILL to whatever is
left. Nothing is left running behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from agentctl.errors import UsageError
from agentctl.local.signals import deferred

# status values
STARTING = "starting"
RUNNING = "running"
READY = "ready"
EXITED = "exited"  # ended with exit code 0
FAILED = "failed"  # ended with a non-zero exit code (or a signal it was not sent by us)
STOPPED = "stopped"  # stopped by agentctl

LineSink = Callable[[str, str], None]  # (process name, line)
StatusSink = Callable[["ManagedProcess"], None]

TAIL_LINES = 40
STDOUT_LINES = 2000  # what a job printed (its answer), bounded


@dataclass
class ProcSpec:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    kind: str = "agent"  # agent | tool | step | job
    url: str | None = None  # where it serves, if it does
    pass_fds: tuple[int, ...] = ()  # inherited descriptors (in-memory secret files)
    meta: dict[str, str] = field(default_factory=dict)


class ManagedProcess:
    """A child process with a log tail, a status and a group-wide stop."""

    def __init__(
        self,
        spec: ProcSpec,
        on_line: LineSink | None = None,
        on_status: StatusSink | None = None,
        tail: int = TAIL_LINES,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self._on_line = on_line
        self._on_status = on_status
        self._tail: deque[str] = deque(maxlen=tail)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._readers: list[threading.Thread] = []
        self._stdout: deque[str] = deque(maxlen=STDOUT_LINES)
        self._stopping = False
        self.status = STARTING
        self.returncode: int | None = None
        self.started_at: float | None = None
        self.ended_at: float | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> ManagedProcess:
        env = dict(self.spec.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        try:
            # A Ctrl-C while the child is being started acts once it is ours to stop.
            with deferred():
                self._proc = subprocess.Popen(
                    self.spec.argv,
                    cwd=str(self.spec.cwd),
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    start_new_session=True,
                    close_fds=True,
                    pass_fds=self.spec.pass_fds,
                )
        except OSError as exc:
            self.status = FAILED
            self.returncode = 127
            raise UsageError(
                f"{self.name}: cannot start {self.spec.argv[0]!r}: {exc.strerror or exc}",
                hint="check spec.command (or the tool's command) and the project's interpreter",
            ) from None
        self.started_at = time.monotonic()
        self._set_status(RUNNING)
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self._readers = [
            threading.Thread(
                target=self._pump,
                args=(self._proc.stdout, True),
                name=f"out-{self.name}",
                daemon=True,
            ),
            threading.Thread(
                target=self._pump,
                args=(self._proc.stderr, False),
                name=f"err-{self.name}",
                daemon=True,
            ),
        ]
        for reader in self._readers:
            reader.start()
        return self

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def pgid(self) -> int | None:
        # start_new_session makes the child its own group leader: pgid == pid.
        return self._proc.pid if self._proc else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def poll(self) -> int | None:
        if self._proc is None:
            return self.returncode
        rc = self._proc.poll()
        if rc is not None and self.returncode is None:
            self._finish(rc)
        return rc

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the process to end; None when ``timeout`` passed first."""
        if self._proc is None:
            return self.returncode
        try:
            rc = self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        self._finish(rc)
        return rc

    def mark_ready(self) -> None:
        if self.alive() and self.status == RUNNING:
            self._set_status(READY)

    def stop(self, grace: float = 5.0) -> int | None:
        """SIGTERM the whole group, SIGKILL it after ``grace`` seconds."""
        if self._proc is None:
            return self.returncode
        self._stopping = True
        if self._proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self._proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._proc.wait()
        # The leader is gone; its children may not be: kill what is left of the group, and
        # wait until the kernel has ended them (a SIGKILL is not instant on a busy machine).
        self._signal_group(signal.SIGKILL)
        self._wait_group_gone(grace)
        self._finish(self._proc.returncode)
        # Every writer of its pipes is gone now: let the readers pass on the last lines.
        self.join_logs(grace)
        return self.returncode

    def _wait_group_gone(self, timeout: float) -> None:
        pgid = self.pgid
        if pgid is None:
            return
        deadline = time.monotonic() + timeout
        while group_members([pgid]) and time.monotonic() < deadline:
            self._signal_group(signal.SIGKILL)
            time.sleep(0.02)

    def _signal_group(self, sig: int) -> None:
        pgid = self.pgid
        if pgid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)

    # -- logs --------------------------------------------------------------

    def last_lines(self, n: int = 10) -> list[str]:
        with self._lock:
            return list(self._tail)[-n:]

    def stdout_text(self) -> str:
        """What the process wrote to stdout (the last STDOUT_LINES lines); its logs go to stderr."""
        with self._lock:
            return "\n".join(self._stdout)

    def join_logs(self, timeout: float = 5.0) -> None:
        """Wait (``timeout`` seconds at most, in all) until every line the process wrote was read."""
        deadline = time.monotonic() + timeout
        for reader in self._readers:
            reader.join(max(0.0, deadline - time.monotonic()))

    def _pump(self, stream: IO[bytes], is_stdout: bool) -> None:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self._lock:
                self._tail.append(line)
                if is_stdout:
                    self._stdout.append(line)
            if self._on_line is not None:
                with contextlib.suppress(Exception):
                    self._on_line(self.name, line)
        stream.close()

    # -- status ------------------------------------------------------------

    def _finish(self, rc: int) -> None:
        with self._lock:
            if self.returncode is not None:
                return
            self.returncode = rc
            self.ended_at = time.monotonic()
        if self._stopping:
            status = STOPPED
        elif rc == 0:
            status = EXITED
        else:
            status = FAILED
        self._set_status(status)

    def _set_status(self, status: str) -> None:
        self.status = status
        if self._on_status is not None:
            with contextlib.suppress(Exception):
                self._on_status(self)

    def describe_exit(self) -> str:
        rc = self.returncode
        if rc is None:
            return "running"
        if rc < 0:
            try:
                return f"killed by {signal.Signals(-rc).name}"
            except ValueError:
                return f"killed by signal {-rc}"
        return f"exit code {rc}"


def run_to_end(
    spec: ProcSpec,
    *,
    timeout: float | None,
    on_line: LineSink | None = None,
    on_status: StatusSink | None = None,
    cancel: threading.Event | None = None,
    register: Callable[[ManagedProcess], None] | None = None,
    started: Callable[[ManagedProcess], None] | None = None,
    grace: float = 5.0,
) -> tuple[ManagedProcess, bool]:
    """Run a process to its end; returns (process, timed_out).

    ``cancel`` stops it early (the process then has status ``stopped``).
    """
    proc = ManagedProcess(spec, on_line=on_line, on_status=on_status)
    if register is not None:
        register(proc)
    proc.start()
    if started is not None:
        started(proc)
    deadline = None if timeout is None else time.monotonic() + timeout
    timed_out = False
    while True:
        slice_ = 0.1
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                proc.stop(grace)
                break
            slice_ = min(slice_, left)
        if proc.wait(slice_) is not None:
            break
        if cancel is not None and cancel.is_set():
            proc.stop(grace)
            break
    proc.join_logs()
    return proc, timed_out


def group_members(pgids: Sequence[int]) -> list[int]:
    """Live (non-zombie) pids whose process group is one of ``pgids`` (Linux /proc)."""
    wanted = set(pgids)
    found = []
    proc_root = Path("/proc")
    if not proc_root.is_dir():
        return []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses
        rest = stat.rsplit(")", 1)[-1].split()
        if len(rest) < 3:
            continue
        state, pgrp = rest[0], int(rest[2])
        if pgrp in wanted and state != "Z":
            found.append(int(entry.name))
    return found


def processes_under(directory: Path) -> list[int]:
    """Live pids whose working directory is ``directory`` or below it (Linux /proc).

    Finds what a run left behind even after it was re-parented to init.
    """
    root = directory.resolve()
    found = []
    proc_root = Path("/proc")
    if not proc_root.is_dir():
        return []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd"))
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if state != "Z" and (cwd == root or root in cwd.parents):
            found.append(int(entry.name))
    return found
