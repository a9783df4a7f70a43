"""Model prices for the in-code budget guard, from genai-prices.

The guard prices each model call with the same data ``agentctl cost`` uses
(the ``genai-prices`` package), so a run costs the same in the agent's own
guardrails as in the cost report. The ``offline-demo`` model is free in both.
A model genai-prices does not know is priced like the most expensive model a
budget is likely to meet: a guard that overestimates stops a run early, one
that underestimates does not stop it. ``AGENT_PRICE_INPUT_PER_MTOK_USD`` and
``AGENT_PRICE_OUTPUT_PER_MTOK_USD`` override the price (e.g. a negotiated rate).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

OFFLINE_DEMO = "offline-demo"
MTOK = 1_000_000

# Unknown models: priced high on purpose (see the module docstring).
FALLBACK_PER_MTOK = (15.00, 75.00)


@dataclass(frozen=True)
class Price:
    input_per_mtok: float
    output_per_mtok: float
    source: str  # "configured" | "genai-prices" | "free" | "fallback"

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / MTOK


@functools.lru_cache(maxsize=64)
def _genai_prices(model: str, provider: str | None) -> tuple[float, float] | None:
    """USD per million input and output tokens, or None when genai-prices has no price."""
    try:
        from genai_prices import Usage, calc_price
    except ImportError:
        return None
    for provider_id in dict.fromkeys((provider, None)):
        try:
            inp = calc_price(Usage(input_tokens=MTOK), model, provider_id=provider_id).total_price
            out = calc_price(Usage(output_tokens=MTOK), model, provider_id=provider_id).total_price
        except (LookupError, ValueError):
            continue
        return float(inp), float(out)
    return None


def price_for(
    model: str,
    *,
    provider: str | None = None,
    input_override: float | None = None,
    output_override: float | None = None,
) -> Price:
    if input_override is not None and output_override is not None:
        return Price(input_override, output_override, "configured")
    if (provider or "").strip().lower() == OFFLINE_DEMO or model == OFFLINE_DEMO:
        inp, out, source = 0.0, 0.0, "free"
    else:
        found = _genai_prices(model, (provider or "").strip().lower() or None)
        inp, out = found or FALLBACK_PER_MTOK
        source = "genai-prices" if found else "fallback"
    if input_override is not None or output_override is not None:
        source = "configured"
    return Price(
        input_override if input_override is not None else inp,
        output_override if output_override is not None else out,
        source,
    )
