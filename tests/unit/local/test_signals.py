"""Signals held back while a child starts act right after, on the handlers they would have reached."""

from __future__ import annotations

import signal

import pytest

from agentctl.local.signals import deferred, interrupt_on_sigterm


def test_ctrl_c_inside_the_block_interrupts_after_it() -> None:
    done = []
    with pytest.raises(KeyboardInterrupt), deferred():
        signal.raise_signal(signal.SIGINT)  # delivered (and held) before this returns
        done.append("the block finished")
    assert done == ["the block finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigterm_reaches_the_handler_in_place_after_the_block() -> None:
    done = []
    with interrupt_on_sigterm():
        handler = signal.getsignal(signal.SIGTERM)
        with pytest.raises(KeyboardInterrupt), deferred():
            signal.raise_signal(signal.SIGTERM)
            done.append("the block finished")
        assert signal.getsignal(signal.SIGTERM) is handler
    assert done == ["the block finished"]


def test_nothing_held_changes_nothing() -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with deferred():
        pass
    assert {s: signal.getsignal(s) for s in before} == before
