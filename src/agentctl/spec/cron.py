"""Cron schedules exactly as Kubernetes reads them.

Kubernetes (CronJob) and Argo (CronWorkflow) parse ``schedule`` with
robfig/cron v3's standard parser (``cron.ParseStandard``): five fields
(minute hour day-of-month month day-of-week), ``*`` and ``?``, ranges ``a-b``,
steps ``/n``, comma lists, three-letter month and weekday names (any case),
weekdays 0-6, and the descriptors ``@yearly @annually @monthly @weekly @daily
@midnight @hourly`` and ``@every <Go duration>``. Anything else (``L``, ``W``,
``#``, ``7`` for Sunday, a sixth field) is refused there with a 422, so it is
refused here first. The API server also refuses ``TZ``/``CRON_TZ`` inside the
schedule of a new CronJob ("use timeZone field instead"); agentctl renders
``timeZone: Etc/UTC`` itself, so a zone in the schedule is refused too.

This module mirrors the parser line by line (``getField``, ``getRange``,
``parseIntOrName``, ``mustParseInt``, ``parseDescriptor``); a differential test
runs it against robfig/cron v3 itself over a generated corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentctl.errors import echoed

_STAR = -1  # robfig's starBit: the field was "*" or "?" (with no step above 1)


@dataclass(frozen=True)
class _Bounds:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
FIELDS = (
    _Bounds("minute", 0, 59),
    _Bounds("hour", 0, 23),
    _Bounds("day of month", 1, 31),
    _Bounds("month", 1, 12, _MONTHS),
    _Bounds("day of week", 0, 6, _DAYS),
)
DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: the values of each field (None where the field is ``*``), or a period."""

    fields: tuple[frozenset[int] | None, ...] = ()
    every_seconds: float | None = None

    @property
    def never(self) -> bool:
        """A field with no value at all (robfig accepts ``,``): the schedule never fires."""
        return any(values is not None and not values for values in self.fields)

    def canonical(self) -> str:
        """The same schedule in plain five-field syntax (explicit lists), for other cron tools.

        Only for five-field schedules that fire (not ``@every``, not ``never``).
        """
        return " ".join(
            "*" if values is None else ",".join(str(v) for v in sorted(values))
            for values in self.fields
        )


def _atoi(text: str) -> int:
    """Go's strconv.Atoi: optional sign, ASCII digits, int64 range."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(f"failed to parse int from {echoed(text)}")
    value = int(text)
    if not -(2**63) <= value <= _INT64_MAX:
        raise ValueError(f"failed to parse int from {echoed(text)}: value out of range")
    return value


def _must_parse_int(text: str) -> int:
    value = _atoi(text)
    if value < 0:
        raise ValueError(f"negative number ({value}) not allowed: {text}")
    return value


def _int_or_name(text: str, names: dict[str, int] | None) -> int:
    if names is not None and text.lower() in names:
        return names[text.lower()]
    return _must_parse_int(text)


def _range(expr: str, b: _Bounds) -> set[int]:
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    star = False
    if low_and_high[0] in ("*", "?"):
        start, end, star = b.low, b.high, True
    else:
        start = _int_or_name(low_and_high[0], b.names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], b.names)
        else:
            raise ValueError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _must_parse_int(range_and_step[1])
        if single:  # "N/step" means "N-max/step"
            end = b.high
        if step > 1:
            star = False
    else:
        raise ValueError(f"too many slashes: {expr}")
    if start < b.low:
        raise ValueError(f"beginning of range ({start}) below minimum ({b.low}): {expr}")
    if end > b.high:
        raise ValueError(f"end of range ({end}) above maximum ({b.high}): {expr}")
    if start > end:
        raise ValueError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise ValueError(f"step of range should be a positive number: {expr}")
    values = set(range(start, end + 1, step))
    if star:
        values.add(_STAR)
    return values


def _field(text: str, b: _Bounds) -> frozenset[int] | None:
    values: set[int] = set()
    for expr in (part for part in text.split(",") if part):
        values |= _range(expr, b)
    return None if _STAR in values else frozenset(values)


def _go_fields(text: str) -> list[str]:
    """Go's strings.Fields: split on Unicode white space (not on the ASCII separators 0x1c-0x1f)."""
    out: list[str] = []
    cur: list[str] = []
    for ch in text:
        if ch in "\t\n\v\f\r \x85\xa0" or (ord(ch) > 0xFF and ch.isspace()):
            if cur:
                out.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        out.append("".join(cur))
    return out


_GO_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_GO_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)")


def go_duration_ns(text: str) -> int:
    """Go's time.ParseDuration, in nanoseconds (``1h30m``, ``1.5h``, ``300ms``, ``-2m``)."""
    orig, s = text, text
    neg = False
    if s and s[0] in "+-":
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f"invalid duration {echoed(orig)}")
    total = 0
    while s:
        m = _GO_PART.match(s)
        number, unit = (m.group(1), m.group(2)) if m else ("", "")
        if number in ("", ".") or not unit:
            raise ValueError(f"invalid duration {echoed(orig)}")
        if unit not in _GO_UNITS:
            raise ValueError(f"unknown unit {echoed(unit)} in duration {echoed(orig)}")
        whole, _, frac = number.partition(".")
        scale = _GO_UNITS[unit]
        value = int(whole or "0") * scale
        if frac:
            value += int(frac) * scale // 10 ** len(frac)
        total += value
        if total > 2**63 - (0 if neg else 1):
            raise ValueError(f"invalid duration {echoed(orig)}")
        s = s[len(number) + len(unit) :]
    return -total if neg else total


def parse(value: str) -> Schedule:
    """Parse ``value`` as Kubernetes does, or raise ValueError saying why not."""
    if not value:
        raise ValueError("empty schedule")
    if "TZ" in value:
        raise ValueError(
            "TZ and CRON_TZ are not allowed in a schedule (Kubernetes refuses them; agentctl schedules in UTC)"
        )
    if value.startswith("@"):
        if value in DESCRIPTORS:
            return parse(DESCRIPTORS[value])
        if value.startswith("@every "):
            ns = go_duration_ns(value[len("@every ") :])
            return Schedule(every_seconds=max(ns / 1e9, 1.0))  # robfig rounds up to a second
        raise ValueError(
            f"unrecognized descriptor {echoed(value)} (known: {', '.join(DESCRIPTORS)}, @every DURATION)"
        )
    fields = _go_fields(value)
    if len(fields) != 5:
        raise ValueError(
            f"expected exactly 5 fields (minute hour day-of-month month day-of-week), found {len(fields)}"
        )
    parsed = []
    for text, b in zip(fields, FIELDS, strict=True):
        try:
            parsed.append(_field(text, b))
        except ValueError as exc:
            raise ValueError(f"{b.name} field {echoed(text)}: {exc}") from None
    return Schedule(tuple(parsed))
