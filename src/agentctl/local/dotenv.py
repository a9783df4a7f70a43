"""Read a project's local ``.env`` file (never written by agentctl).

Supported syntax, the common subset: ``KEY=value``, ``export KEY=value``,
blank lines and ``#`` comments, single-quoted values taken literally,
double-quoted values with ``\\n``, ``\\t``, ``\\"`` and ``\\\\`` escapes, and
unquoted values ending at an inline `` #`` comment. No variable expansion.
"""

from __future__ import annotations

import re
from pathlib import Path

from agentctl.errors import UsageError

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def parse_dotenv(text: str, source: str = ".env") -> dict[str, str]:
    out: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _KEY.match(key):
            # Never echo the line: it may hold a secret.
            raise UsageError(f"{source}:{number}: expected KEY=value")
        out[key] = _value(value.strip(), source, number)
    return out


def _value(value: str, source: str, number: int) -> str:
    if value[:1] == "'":
        end = value.find("'", 1)
        if end < 0:
            raise UsageError(f"{source}:{number}: unterminated single quote")
        return value[1:end]
    if value[:1] == '"':
        chars: list[str] = []
        i = 1
        while i < len(value):
            ch = value[i]
            if ch == "\\" and i + 1 < len(value):
                nxt = value[i + 1]
                chars.append(_ESCAPES.get(nxt, "\\" + nxt))
                i += 2
                continue
            if ch == '"':
                return "".join(chars)
            chars.append(ch)
            i += 1
        raise UsageError(f"{source}:{number}: unterminated double quote")
    comment = re.search(r"\s#", value)
    if comment:
        value = value[: comment.start()]
    return value.strip()


def load_dotenv(path: Path) -> dict[str, str]:
    """The variables of ``path``; an empty mapping when it does not exist."""
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    return parse_dotenv(text, str(path))
