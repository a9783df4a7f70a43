"""Signals while local processes run: SIGTERM behaves like Ctrl-C, and stopping is not interrupted.

Children run in their own process groups, so a Ctrl-C typed in the terminal
reaches agentctl only; agentctl then stops every group itself. A second
Ctrl-C (or a SIGTERM) while that happens is ignored so the stop completes
and nothing is orphaned.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt (as Ctrl-C does)."""
    if not _main_thread():
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the block, then act on them as usual.

    For starting a child: a KeyboardInterrupt raised inside ``subprocess.Popen``
    after the fork loses the new process (Popen never returns it), and since it
    runs in a group of its own, nothing would ever stop it.
    """
    if not _main_thread():
        yield
        return
    held: list[int] = []

    def _hold(signum: int, frame: Any) -> None:
        held.append(signum)

    sigs = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in sigs}
    for sig in sigs:
        signal.signal(sig, _hold)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if held:
            signal.raise_signal(held[0])  # now delivered to the handler it would have reached


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM for the duration of the block (a clean stop)."""
    if not _main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
