"""The tools this service offers, each with its JSON schema.

The rates are a fixed sample table so the service runs offline and tests are
deterministic; replace ``RATES`` with your rates source (a database, an API
declared as an ``http`` tool in agent.yaml) for real use.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from {{ cookiecutter.__package }}._runtime import Toolbox, ToolError, tool

RATES_AS_OF = "2025-01-02"
# Units of each currency per 1 EUR (sample values).
RATES: dict[str, Decimal] = {
    "EUR": Decimal("1"),
    "USD": Decimal("1.0321"),
    "GBP": Decimal("0.8287"),
    "JPY": Decimal("162.74"),
    "CHF": Decimal("0.9394"),
    "CAD": Decimal("1.4856"),
    "AUD": Decimal("1.6602"),
    "SEK": Decimal("11.4813"),
}
CURRENCIES = sorted(RATES)


@tool(
    description="Convert an amount of money from one currency to another (ISO 4217 codes).",
    parameters={
        "type": "object",
        "properties": {
            "amount": {"type": "number", "minimum": 0, "description": "The amount to convert."},
            "from_currency": {"type": "string", "enum": CURRENCIES, "description": "Currency of the amount."},
            "to_currency": {"type": "string", "enum": CURRENCIES, "description": "Currency to convert to."},
        },
        "required": ["amount", "from_currency", "to_currency"],
        "additionalProperties": False,
    },
)
def convert_currency(amount: float, from_currency: str, to_currency: str) -> dict[str, Any]:
    if from_currency not in RATES or to_currency not in RATES:
        raise ToolError(f"unsupported currency; supported: {', '.join(CURRENCIES)}")
    value = Decimal(str(amount)) / RATES[from_currency] * RATES[to_currency]
    rate = RATES[to_currency] / RATES[from_currency]
    return {
        "amount": float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)),
        "currency": to_currency,
        "rate": float(rate.quantize(Decimal("0.000001"))),
        "as_of": RATES_AS_OF,
    }


@tool(
    description="List the supported currencies and the date of the exchange rates.",
    parameters={"type": "object", "properties": {}, "additionalProperties": False},
)
def list_currencies() -> dict[str, Any]:
    return {"currencies": CURRENCIES, "as_of": RATES_AS_OF}


def build_toolbox() -> Toolbox:
    return Toolbox([convert_currency, list_currencies])
