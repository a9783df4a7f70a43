"""A small, fast YAML emitter for plain JSON-like data (dicts, lists, str, int, float, bool, None).

PyYAML's representer is pure Python and dominates the time to write a large
build; Kubernetes objects need none of YAML's generality. Block style, two
spaces, keys in insertion order. A string is written plain only when it is
unambiguous (PyYAML's own resolver must read it back as a string), as a
literal block when it is a multi-line text, single-quoted when it is
printable ASCII, and otherwise double-quoted with escapes. ``yaml.safe_load(dump(x)) == x`` holds for
every input (tested with hypothesis).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import yaml

_PLAIN = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./@:+=%~-]*$")
_PRINTABLE_BLOCK = re.compile(
    r"^[\t\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*$"
)
_SINGLE = re.compile(r"^[\x20-\x7e]*$")  # printable ASCII: single quotes need only '' for '
_STR_TAG = "tag:yaml.org,2002:str"
_resolver = yaml.resolver.Resolver()


def _quoted(value: str) -> str:
    """A YAML double-quoted scalar: JSON escapes, plus \\u / \\U for everything beyond ASCII."""
    text = json.dumps(value, ensure_ascii=False)
    if text.isascii() and "\x7f" not in text:
        return text
    return "".join(
        c if ord(c) < 0x7F else (f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
        for c in text
    )


@lru_cache(maxsize=8192)
def _scalar_str(value: str) -> str:
    if (
        value
        and _PLAIN.fullmatch(value)
        and not value.endswith(":")
        and _resolver.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG
    ):
        return value
    if _SINGLE.fullmatch(value):
        return "'" + value.replace("'", "''") + "'"
    return _quoted(value)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _scalar_str(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _block(value: str, indent: str) -> str | None:
    """A literal block for multi-line text that round-trips exactly, else None."""
    if "\n" not in value or not value.endswith("\n") or value.endswith("\n\n"):
        return None
    if value[0] in " \t\n" or "\r" in value or not _PRINTABLE_BLOCK.fullmatch(value):
        return None
    lines = value[:-1].split("\n")
    return "|\n" + "".join(f"{indent}{line}\n" if line else "\n" for line in lines)


_LINES: dict[str, str] = {}  # string -> " <scalar>\n", for the strings that repeat in every object
_LINES_MAX = 65536


def _line(value: str) -> str | None:
    """`` <value>\n`` for a plain ``str`` (what follows ``key:`` or ``-``); None when it is
    written as a literal block, whose lines depend on the indent."""
    line = _LINES.get(value)
    if line is None:
        if "\n" in value and _block(value, "") is not None:
            return None
        line = " " + _scalar_str(value) + "\n"
        if len(_LINES) >= _LINES_MAX:
            _LINES.clear()
        _LINES[value] = line
    return line


def _value(value: Any, indent: str, out: list[str]) -> None:
    """Write what follows ``key:`` or ``- `` (the caller wrote no newline yet)."""
    if type(value) is str:
        line = _line(value)
        out.append(line if line is not None else " " + str(_block(value, indent)))
    else:
        _value_any(value, indent, out)


def _value_any(value: Any, indent: str, out: list[str]) -> None:
    """``_value`` for anything but a plain str (containers, numbers, None, str subclasses)."""
    if isinstance(value, dict):
        if not value:
            out.append(" {}\n")
            return
        out.append("\n")
        _mapping(value, indent, out)
    elif isinstance(value, list):
        if not value:
            out.append(" []\n")
            return
        out.append("\n")
        _sequence(value, indent, out)
    elif isinstance(value, str) and "\n" in value:
        block = _block(value, indent)
        out.append(" " + block if block is not None else " " + _scalar_str(value) + "\n")
    else:
        out.append(" " + _scalar(value) + "\n")


def _key(key: Any) -> str:
    return _scalar_str(key) if type(key) is str else _scalar(key)


# prefix ("    " or "  - ") -> {key: "<prefix><key>:"}: the heads of an object's lines
# repeat in every object (``name:``, ``labels:``...), so each is made once per prefix.
_HEADS: dict[str, dict[str, str]] = {}
_HEADS_MAX = 65536


def _heads(prefix: str) -> dict[str, str]:
    heads = _HEADS.get(prefix)
    if heads is None:
        heads = _HEADS[prefix] = {}
    return heads


def _head(heads: dict[str, str], prefix: str, key: Any) -> str:
    head = f"{prefix}{_key(key)}:"
    if type(key) is str:  # 1 == True == 1.0: only str keys are cached
        if len(heads) >= _HEADS_MAX:
            heads.clear()
        heads[key] = head
    return head


def _mapping(data: dict[str, Any], indent: str, out: list[str], lead: str | None = None) -> None:
    """A mapping's lines at ``indent``; ``lead``: the first line's prefix instead (``- ``
    of a sequence item)."""
    own = _heads(indent)
    prefix, heads = (indent, own) if lead is None else (lead, _heads(lead))
    inner = indent + "  "
    append = out.append
    for key, value in data.items():
        head = heads.get(key) if type(key) is str else None
        if head is None:
            head = _head(heads, prefix, key)
        prefix, heads = indent, own
        kind = type(value)
        if kind is str:
            line = _LINES.get(value) or _line(value)
            append(head + line if line is not None else f"{head} {_block(value, inner)}")
        elif kind is dict and value:
            append(head + "\n")
            _mapping(value, inner, out)
        elif isinstance(value, list) and value:
            append(head + "\n")
            _sequence(value, indent, out)
        else:
            append(head)
            _value_any(value, inner, out)


def _sequence(items: list[Any], indent: str, out: list[str]) -> None:
    dash, nested = f"{indent}- ", indent + "  "
    for item in items:
        if isinstance(item, dict) and item:
            _mapping(item, nested, out, dash)
        elif isinstance(item, list) and item:
            out.append(f"{indent}-\n")
            _sequence(item, nested, out)
        else:
            out.append(f"{indent}-")
            _value(item, nested, out)


def dump(data: Any) -> str:
    """One YAML document (without ``---``)."""
    out: list[str] = []
    if isinstance(data, dict) and data:
        _mapping(data, "", out)
    elif isinstance(data, list) and data:
        _sequence(data, "", out)
    else:
        out.append(
            _scalar(data)
            if not isinstance(data, dict | list)
            else ("{}" if isinstance(data, dict) else "[]")
        )
        out.append("\n")
    return "".join(out)
