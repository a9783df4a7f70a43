"""Work over many agents at once, with Python's cyclic garbage collector paused.

Loading, rendering and checking a monorepo builds tens of thousands of dicts
and lists that live until the command ends. The collector would walk them
again and again as they pile up (about a fifth of the CPU of building or
validating a 1,000-agent monorepo) and find nothing to free. It is switched
off for the duration and back on afterwards; nesting is fine.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def gc_paused(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic garbage collector off (unless it already is)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return wrapper
