"""Work over many agents at once, with Python's cyclic garbage collector paused.

Loading, rendering and checking a monorepo builds tens of thousands of dicts
and lists that live until the command ends. The collector would walk them
again and again as they pile up (about a fifth of the CPU of building or
validating a 1,000-agent monorepo) and find nothing to free. It is switched
off for the duration and back on afterwards; nesting is fine. Reports of such
a run (the findings of every agent, the files of every build) are bulk work
too: their commands print them with the collector paused as well.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The cyclic garbage collector off inside the block (unless it already is)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        # What the block allocated is still in the youngest generation: the first
        # collection after it would walk all of it (a quarter of a second after a
        # 1,000-agent gate). Moved to the oldest generation instead, it waits for
        # the next full collection like any long-lived data (nothing is leaked).
        gc.freeze()
        gc.unfreeze()
        gc.enable()


def gc_paused(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic garbage collector off (unless it already is)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused():
            return fn(*args, **kwargs)

    return wrapper
