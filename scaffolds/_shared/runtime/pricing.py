"""A small built-in price table, used to enforce per-run and daily budgets.

Prices are USD per million tokens (input, output), list prices at the time
this runtime was written. Override them for your model with
``AGENT_PRICE_INPUT_PER_MTOK_USD`` and ``AGENT_PRICE_OUTPUT_PER_MTOK_USD``.
The authoritative cost report is ``agentctl cost``, which prices traces with
maintained price data; this table only has to be good enough to stop a
runaway run.
"""

from __future__ import annotations

from dataclasses import dataclass

# Longest matching prefix wins; dated snapshots (gpt-4.1-mini-2025-04-14) match their family.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
    "o4-mini": (1.10, 4.40),
    "o3": (2.00, 8.00),
    "claude-opus-4": (15.00, 75.00),
    "claude-sonnet-4": (3.00, 15.00),
    "claude-3-5-haiku": (0.80, 4.00),
    "claude-haiku-4": (1.00, 5.00),
    "gemini-2.5-pro": (1.25, 10.00),
    "gemini-2.5-flash": (0.30, 2.50),
    "mistral-large": (2.00, 6.00),
    "mistral-small": (0.10, 0.30),
    # Fictional price for the offline demo model, so budgets and cost reports
    # have something to show when no real model is called.
    "offline-demo": (1.00, 4.00),
}

# Unknown models are priced like the most expensive entry: a budget guard
# that overestimates stops a run early, one that underestimates does not stop it.
FALLBACK_PER_MTOK = (15.00, 75.00)


@dataclass(frozen=True)
class Price:
    input_per_mtok: float
    output_per_mtok: float
    source: str  # "configured" | "table" | "fallback"

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1_000_000


def price_for(model: str, *, input_override: float | None = None, output_override: float | None = None) -> Price:
    if input_override is not None and output_override is not None:
        return Price(input_override, output_override, "configured")
    name = model.lower().rsplit("/", 1)[-1]
    best = ""
    for prefix in PRICES_PER_MTOK:
        if name.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    if best:
        inp, out = PRICES_PER_MTOK[best]
        source = "table"
    else:
        inp, out = FALLBACK_PER_MTOK
        source = "fallback"
    if input_override is not None or output_override is not None:
        source = "configured"
    return Price(
        input_override if input_override is not None else inp,
        output_override if output_override is not None else out,
        source,
    )
