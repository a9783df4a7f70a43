"""Words in output: counts with the right plural ('1 tool call', '2 tool calls')."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None, *, sep: str = "") -> str:
    """``n`` and ``noun``, plural unless ``n`` is 1 (``sep=","`` groups thousands)."""
    number = f"{n:,}" if sep == "," else str(n)
    word = noun if n == 1 else (plural or noun + "s")
    return f"{number} {word}"
