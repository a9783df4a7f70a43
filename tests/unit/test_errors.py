"""How an error line quotes a value the user gave (errors.echoed)."""

from __future__ import annotations

import pytest

from agentctl.errors import echoed


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("abc", "'abc'"),
        ("x" * 40, repr("x" * 40)),
        ("x" * 41, repr("x" * 40 + "...")),  # the ellipsis inside the quotes
        ("a\nb", "'a\\nb'"),  # escaped: the line stays one line
        (5, "5"),  # not quoted: 5 and '5' differ
        (-1.5, "-1.5"),
        (True, "True"),
        (None, "None"),
        ([1, 2], "[1, 2]"),
        (list(range(100)), repr(list(range(100)))[:40] + "..."),
        ({"a": "b\nc"}, "{'a': 'b\\nc'}"),
    ],
)
def test_a_value_is_repr_d_and_cut_after_40_characters(value: object, shown: str) -> None:
    assert echoed(value) == shown


def test_the_limit_is_the_callers() -> None:
    assert echoed("abcdef", 3) == "'abc...'"
    assert echoed(123456, 3) == "123..."


def test_unquoted_text_is_as_written_unless_it_holds_a_control_character() -> None:
    assert echoed("12", quote=False) == "12"
    assert echoed("1" * 50, quote=False) == "1" * 40 + "..."
    assert echoed("a\x1b[31mb", quote=False) == "'a\\x1b[31mb'"
    assert echoed("a\nb", quote=False) == "'a\\nb'"
