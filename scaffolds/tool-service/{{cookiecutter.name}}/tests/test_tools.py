"""The tools themselves: results, schemas and refusals."""

from __future__ import annotations

import pytest

from {{ cookiecutter.__package }}._runtime import ToolError
from {{ cookiecutter.__package }}._runtime.tools import ToolArgumentError, validate_arguments
from {{ cookiecutter.__package }}.tools import build_toolbox, convert_currency


def test_convert_currency():
    result = convert_currency(amount=100, from_currency="EUR", to_currency="USD")

    assert result == {"amount": 103.21, "currency": "USD", "rate": 1.0321, "as_of": "2025-01-02"}
    assert convert_currency(amount=103.21, from_currency="USD", to_currency="EUR")["amount"] == 100.0


def test_unsupported_currency_is_refused():
    with pytest.raises(ToolError, match="unsupported currency"):
        convert_currency(amount=1, from_currency="XXX", to_currency="EUR")


def test_every_tool_has_a_strict_json_schema():
    for item in build_toolbox():
        schema = item.parameters
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert set(schema.get("required", [])) <= set(schema["properties"])


@pytest.mark.parametrize(
    "arguments",
    [
        {"amount": -1, "from_currency": "EUR", "to_currency": "USD"},
        {"amount": "ten", "from_currency": "EUR", "to_currency": "USD"},
        {"amount": 1, "from_currency": "EUR"},
        {"amount": 1, "from_currency": "EUR", "to_currency": "USD", "extra": 1},
        {"amount": 1, "from_currency": "EUR", "to_currency": "XYZ"},
    ],
)
def test_bad_arguments_are_rejected_by_the_schema(arguments):
    with pytest.raises(ToolArgumentError):
        validate_arguments(convert_currency.parameters, arguments)
