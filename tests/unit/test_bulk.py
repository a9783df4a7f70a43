"""Bulk work runs with the cyclic garbage collector paused, and puts it back."""

from __future__ import annotations

import gc

import pytest

from agentctl.bulk import gc_paused


@gc_paused
def _state() -> bool:
    return gc.isenabled()


@gc_paused
def _nested() -> tuple[bool, bool]:
    return _state(), gc.isenabled()


@gc_paused
def _fails() -> None:
    raise ValueError("boom")


def test_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    assert _state() is False
    assert _nested() == (False, False)
    assert gc.isenabled()
    with pytest.raises(ValueError):
        _fails()
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    try:
        assert _state() is False
        assert not gc.isenabled()
    finally:
        gc.enable()
