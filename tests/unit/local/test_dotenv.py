"""The .env reader: the common syntax, and errors that never echo a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.errors import UsageError
from agentctl.local.dotenv import load_dotenv, parse_dotenv


def test_common_syntax() -> None:
    text = "\n".join(
        [
            "# comment",
            "",
            "PLAIN=value",
            "export EXPORTED=1",
            "SPACED = padded  ",
            "INLINE=abc # a comment",
            "HASH=abc#def",
            "SINGLE='lit $x \\n'",
            'DOUBLE="a\\nb \\"q\\""',
            "EMPTY=",
        ]
    )
    assert parse_dotenv(text) == {
        "PLAIN": "value",
        "EXPORTED": "1",
        "SPACED": "padded",
        "INLINE": "abc",
        "HASH": "abc#def",
        "SINGLE": "lit $x \\n",
        "DOUBLE": 'a\nb "q"',
        "EMPTY": "",
    }


def test_bad_line_names_the_line_but_not_its_content() -> None:
    secret = "sk-" + "x" * 20
    with pytest.raises(UsageError) as err:
        parse_dotenv(f"OK=1\n{secret}\n", "proj/.env")
    assert err.value.message == "proj/.env:2: expected KEY=value"
    assert secret not in err.value.message


def test_unterminated_quote() -> None:
    with pytest.raises(UsageError, match="unterminated double quote"):
        parse_dotenv('A="open')


def test_missing_file_is_empty(tmp_path: Path) -> None:
    assert load_dotenv(tmp_path / ".env") == {}
    (tmp_path / ".env").write_text("A=1\n")
    assert load_dotenv(tmp_path / ".env") == {"A": "1"}
