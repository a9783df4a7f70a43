"""What a trace's model calls cost, and the installed price data: light enough for ``trace`` lists.

Kept apart from :mod:`agentctl.cost.llm` and :mod:`agentctl.cost.prices` so that
a list of traces whose costs are cached in the store imports neither them nor
``importlib.metadata`` (together about a quarter of the list's own CPU time).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@functools.cache
def genai_prices_release() -> str | None:
    """The installed genai-prices release (None when it is not installed), found
    without importing it or ``importlib.metadata``: from the name of its
    ``.dist-info`` directory next to the package (listing site-packages takes
    milliseconds: once per process)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("genai_prices")
    if spec is None:
        return None
    if spec.origin:
        for info in Path(spec.origin).parent.parent.glob("genai_prices-*.dist-info"):
            return info.name[len("genai_prices-") : -len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version("genai-prices")
    except metadata.PackageNotFoundError:
        return None


@dataclass
class TraceCost:
    usd: Decimal = Decimal(0)  # priced calls only
    calls: int = 0
    unpriced_calls: int = 0
    free_calls: int = 0
    no_usage_calls: int = 0

    @property
    def label(self) -> str:
        """``$0.0123``, ``$0.0123 + 2 unpriced``, ``unpriced`` or ``free``."""
        from agentctl.cost.rates import fmt_usd

        priced = self.calls - self.unpriced_calls - self.free_calls - self.no_usage_calls
        if priced == 0 and self.unpriced_calls:
            return "unpriced"
        if priced == 0 and self.free_calls:
            return "offline-demo (free)"
        if priced == 0 and not self.unpriced_calls:
            return "no usage"
        text = fmt_usd(self.usd)
        return f"{text} + {self.unpriced_calls} unpriced" if self.unpriced_calls else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "usd": float(self.usd),
            "calls": self.calls,
            "unpricedCalls": self.unpriced_calls,
            "freeCalls": self.free_calls,
            "noUsageCalls": self.no_usage_calls,
            "label": self.label,
        }
