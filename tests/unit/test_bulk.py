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


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_what_bulk_work_leaves_waits_in_the_oldest_generation_and_is_still_collected() -> None:
    import weakref

    from agentctl.bulk import paused

    gc.collect()
    with paused():
        kept = [[i] for i in range(1000)]
        garbage = _Cycle()
        alive = weakref.ref(garbage)
        del garbage
    assert gc.isenabled() and gc.get_freeze_count() == 0  # nothing stays frozen
    young, middle, _ = gc.get_count()
    assert young < 100 and middle == 0  # the next young collection has nothing to walk
    assert alive() is not None  # cyclic garbage of the block waits for a full collection ...
    gc.collect()
    assert alive() is None  # ... which frees it: nothing leaks
    assert len(kept) == 1000
