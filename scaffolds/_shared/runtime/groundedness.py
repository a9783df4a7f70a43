"""A deterministic groundedness check: is every factual claim of an answer in what the run saw?

No model, no network, standard library only. The same file runs in two places:
inside the agent runtime at the end of every run (where the content is, so
only the verdict leaves the process), and in ``agentctl eval`` over stored
traces that captured content. It must therefore stay self-contained: no
imports from the rest of the runtime.

A *claim* is something in the answer that can be checked against text:

- a **number**, with its currency, scale (``3.5k``, ``2 million``), percent
  sign or unit (``km``, ``kilometres``, ``GB``, ``hours``);
- a **date** (``2024-03-05``, ``5 March 2024``, ``March 5, 2024``,
  ``05/03/2024``, ``March 2024``);
- a **quoted string** (``"..."``, ``“...”``);
- a **URL** or e-mail address;
- a **proper name**: a run of capitalised words that is not the first word of
  a sentence (a multi-word run counts there too).

A claim is *supported* when the context (the prompt, the conversation's user
turns, tool results, retrieved documents) holds the same fact, paraphrase
normalised: ``1,234.5`` is ``1234.5``, ``12%`` is ``0.12``, ``3.5k`` is
``3500``, ``42 km`` is ``42 kilometres`` and ``42000 m``, a number matches
any context value it rounds from at the precision the answer shows (``3.1``
is supported by ``3.14159``, ``1.2k`` by ``1,234``; after *about*, *around*,
*roughly*... trailing zeros count as rounding too), and a date matches in any
format. Names match when every word of the name appears in the context.
An answer with one unsupported claim is *ungrounded*: a hallucination.
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

EVALUATION_NAME = "groundedness"
EVENT_NAME = "gen_ai.evaluation.result"
LABEL_GROUNDED = "grounded"
LABEL_UNGROUNDED = "ungrounded"
LABEL_NO_CLAIMS = "no_claims"
# Bounds: an answer or a context longer than this is checked on its first part only.
MAX_ANSWER_CHARS = 20_000
MAX_CONTEXT_CHARS = 500_000
MAX_CLAIMS = 200

# ---------------------------------------------------------------------------------------------
# Units: alias -> (dimension, factor to the dimension's base unit)

_UNITS: dict[str, tuple[str, float]] = {}


def _unit(dimension: str, factor: float, *aliases: str) -> None:
    for alias in aliases:
        _UNITS[alias] = (dimension, factor)


_unit("length", 1.0, "m", "metre", "metres", "meter", "meters")
_unit("length", 1000.0, "km", "kilometre", "kilometres", "kilometer", "kilometers")
_unit("length", 0.01, "cm", "centimetre", "centimetres", "centimeter", "centimeters")
_unit("length", 0.001, "mm", "millimetre", "millimetres", "millimeter", "millimeters")
_unit("length", 1609.344, "mi", "mile", "miles")
_unit("length", 0.3048, "ft", "foot", "feet")
_unit("mass", 1.0, "kg", "kilogram", "kilograms", "kilo", "kilos")
_unit("mass", 0.001, "g", "gram", "grams")
_unit("mass", 1e-6, "mg", "milligram", "milligrams")
_unit("mass", 1000.0, "t", "tonne", "tonnes")
_unit("mass", 0.45359237, "lb", "lbs")
_unit("time", 1.0, "s", "sec", "secs", "second", "seconds")
_unit("time", 0.001, "ms", "millisecond", "milliseconds")
_unit("time", 60.0, "min", "mins", "minute", "minutes")
_unit("time", 3600.0, "h", "hr", "hrs", "hour", "hours")
_unit("time", 86400.0, "day", "days")
_unit("time", 604800.0, "week", "weeks")
_unit("data", 1.0, "byte", "bytes")
_unit("data", 1e3, "kb", "kilobyte", "kilobytes")
_unit("data", 1e6, "mb", "megabyte", "megabytes")
_unit("data", 1e9, "gb", "gigabyte", "gigabytes")
_unit("data", 1e12, "tb", "terabyte", "terabytes")
_unit("data", 1024.0, "kib")
_unit("data", 1024.0**2, "mib")
_unit("data", 1024.0**3, "gib")
_unit("temperature_c", 1.0, "°c", "celsius", "degc")
_unit("temperature_f", 1.0, "°f", "fahrenheit", "degf")
_unit("speed", 1.0, "km/h", "kph", "kmh")
_unit("speed", 1.609344, "mph")
_unit("tokens", 1.0, "token", "tokens")
_unit("count", 1.0, "user", "users", "request", "requests", "item", "items", "people", "employees")

_CURRENCIES = {
    "$": "USD", "usd": "USD", "us$": "USD", "dollar": "USD", "dollars": "USD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
    "¥": "JPY", "jpy": "JPY", "yen": "JPY",
    "chf": "CHF", "cad": "CAD", "aud": "AUD", "inr": "INR", "₹": "INR",
}  # fmt: skip

_SCALES = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "millions": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9, "t": 1e12, "tn": 1e12, "trillion": 1e12,
}  # fmt: skip
_HEDGES = {
    "about", "around", "approximately", "approx", "approx.", "roughly", "nearly", "almost", "some",
    "circa", "ca.", "~", "≈", "over", "under", "more than", "less than", "close to", "up to",
}  # fmt: skip

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

# Capitalised words that start sentences or name calendar things, not entities.
_NOT_NAMES = {
    "a", "an", "the", "this", "that", "these", "those", "it", "its", "i", "we", "you", "he", "she",
    "they", "our", "my", "your", "his", "her", "their", "in", "on", "at", "of", "for", "from", "to",
    "by", "with", "and", "or", "but", "if", "so", "as", "yes", "no", "not", "here", "there",
    "based", "according", "note", "total", "today", "yesterday", "tomorrow", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "ok", "okay", "please", "thanks",
    "result", "results", "summary", "answer", "source", "sources", "however", "also", "overall",
    *_MONTHS,
}  # fmt: skip
_CONNECTORS = {"of", "de", "del", "da", "van", "von", "der", "den", "la", "le", "du", "&", "and"}

# ---------------------------------------------------------------------------------------------
# Patterns

_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`)\]}]+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", re.I)
_QUOTE = re.compile(r"\"([^\"\n]{2,300})\"|“([^”\n]{2,300})”|«([^»\n]{2,300})»")
_ISO_DATE = re.compile(
    r"\b(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
)
_YEAR_MONTH = re.compile(r"\b(\d{4})-(\d{2})\b(?!-\d)")
_SLASH_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)
_MDY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_MY = re.compile(rf"\b({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)
_NUMBER = re.compile(
    r"(?P<cur>US\$|[$€£¥₹]|\b(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|INR)\b)?\s?"
    r"(?P<sign>[-+\u2212])?"
    r"(?P<num>(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|(?<![\w.,])\.\d+)"
    r"(?P<scale>(?:k|K|M|m|mn|bn|B|b|tn)(?![\w])|\s(?:thousand|million|billion|trillion)s?\b)?"
    r"(?P<pct>\s?%|\s(?:percent|per\scent|pct)\b)?"
    r"(?P<unit>\s?(?:°[CF]|km/h|[A-Za-z]{1,12}\b))?"
)
# A unit in a key name: {"latency_ms": 1187}, route_length_km=42.
_KEYED = re.compile(r"[A-Za-z0-9]_([A-Za-z]{1,5})[\"']?\s*[:=]\s*[\"']?(-?\d+(?:\.\d+)?)\b")
_WORD = re.compile(r"[\w'\u2019&-]+")
_ELLIPSIS = re.compile(r"(?:\.\.\.|…)\s*$")


# ---------------------------------------------------------------------------------------------
# Claims


@dataclass(frozen=True)
class Quantity:
    """A number as written: its value in its own unit, its precision, unit and dimension."""

    value: float  # in the unit as written, scale applied (3.5k -> 3500, 12% -> 12)
    tolerance: float  # half a unit of the last shown digit, in the same unit as value
    percent: bool = False
    dimension: str | None = None  # length, time, currency:USD ...
    factor: float = 1.0  # value * factor is in the dimension's base unit
    scale: float = 1.0  # 1e6 for "4.2 million": a table "in millions" may show 4.2

    def candidates(self) -> list[tuple[float, float, str | None]]:
        """(value, tolerance, dimension) readings of this quantity, as the answer may mean it."""
        out = [(self.value, self.tolerance, None)]
        if self.percent:
            out.append((self.value / 100, self.tolerance / 100, None))
        if self.scale != 1.0:
            out.append((self.value / self.scale, self.tolerance / self.scale, None))
        if self.dimension is not None:
            out.append((self.value * self.factor, self.tolerance * self.factor, self.dimension))
        return out


@dataclass(frozen=True)
class Claim:
    kind: str  # number | date | quote | url | name
    text: str
    key: Any = None  # normalised form: a Quantity, a set of dates, a string


@dataclass
class Verdict:
    claims: list[Claim] = field(default_factory=list)
    unsupported: list[Claim] = field(default_factory=list)

    @property
    def label(self) -> str:
        if not self.claims:
            return LABEL_NO_CLAIMS
        return LABEL_UNGROUNDED if self.unsupported else LABEL_GROUNDED

    @property
    def hallucinated(self) -> bool:
        return bool(self.unsupported)

    @property
    def score(self) -> float | None:
        """The share of claims the context supports (None without claims)."""
        if not self.claims:
            return None
        return round(1 - len(self.unsupported) / len(self.claims), 4)

    def explanation(self, *, with_content: bool = False) -> str:
        """Counts by kind; the claims themselves only ``with_content`` (they are content)."""
        if not self.claims:
            return "no checkable factual claims in the answer"
        supported = len(self.claims) - len(self.unsupported)
        text = f"{supported} of {len(self.claims)} factual claims supported by the run's context"
        if self.unsupported:
            kinds: dict[str, int] = {}
            for c in self.unsupported:
                kinds[c.kind] = kinds.get(c.kind, 0) + 1
            text += "; unsupported: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
            if with_content:
                text += " (" + "; ".join(repr(c.text) for c in self.unsupported[:10]) + ")"
        return text

    def attributes(self, *, with_content: bool = False) -> dict[str, Any]:
        """The ``gen_ai.evaluation.result`` event attributes (OTel GenAI semantic conventions)."""
        attrs: dict[str, Any] = {
            "gen_ai.evaluation.name": EVALUATION_NAME,
            "gen_ai.evaluation.score.label": self.label,
            "gen_ai.evaluation.explanation": self.explanation(with_content=with_content),
        }
        if self.score is not None:
            attrs["gen_ai.evaluation.score.value"] = self.score
        return attrs


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2212", "-")
    return " ".join(text.split())


def _decimals(num: str) -> int:
    return len(num.split(".", 1)[1]) if "." in num else 0


def _trailing_zeros(num: str) -> int:
    digits = num.replace(",", "").split(".", 1)[0].lstrip("-+")
    stripped = digits.rstrip("0")
    return len(digits) - len(stripped) if stripped else 0


def _hedged(text: str, start: int) -> bool:
    before = _fold(text[max(0, start - 16) : start])
    return any(before.endswith(h) or before.endswith(h + " ") for h in _HEDGES) or before.rstrip().endswith("~")


def _quantity(m: re.Match[str], text: str, *, hedge: bool) -> Quantity | None:
    num = m.group("num")
    try:
        raw = float(num.replace(",", ""))
    except ValueError:
        return None
    if m.group("sign") in ("-", "\u2212"):
        raw = -raw
    decimals = _decimals(num)
    scale = 1.0
    cur = m.group("cur")
    dimension: str | None = None
    factor = 1.0
    scale_text = (m.group("scale") or "").strip()
    unit_text = (m.group("unit") or "").strip()
    if scale_text:
        key = scale_text.lower()
        if key == "m" and not cur and scale_text == "m":
            # "5m" without a currency is five metres, not five million.
            unit_text, scale_text = "m", ""
        elif key == "b" and not cur and scale_text == "B":
            unit_text, scale_text = "byte", ""
        else:
            scale = _SCALES.get(key, 1.0)
    tolerance = 0.5 * 10 ** (-decimals)
    if hedge and decimals == 0 and not scale_text:
        tolerance = max(tolerance, 0.5 * 10 ** _trailing_zeros(num))
    percent = bool(m.group("pct"))
    if cur:
        dimension = "currency:" + _CURRENCIES.get(cur.lower(), cur.upper())
    elif unit_text and not percent:
        u = unit_text.lower()
        if u in _CURRENCIES and not u.startswith(("$", "€", "£", "¥", "₹")):
            dimension = "currency:" + _CURRENCIES[u]
        elif u in _UNITS:
            dimension, factor = _UNITS[u]
    return Quantity(raw * scale, tolerance * scale, percent, dimension, factor, scale)


def _dates_in(text: str) -> list[tuple[int, int, frozenset[tuple[int, ...]]]]:
    """(start, end, readings) of every date: a reading is (y, m, d) or (y, m)."""
    found: list[tuple[int, int, frozenset[tuple[int, ...]]]] = []

    def ok(y: int, mo: int, d: int | None = None) -> bool:
        return 1000 <= y <= 2999 and 1 <= mo <= 12 and (d is None or 1 <= d <= 31)

    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], readings: set[tuple[int, ...]]) -> None:
        if readings and not any(s < m.end() and m.start() < e for s, e in taken):
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.end(), frozenset(readings)))

    for m in _ISO_DATE.finditer(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        add(m, {(y, mo, d)} if ok(y, mo, d) else set())
    for m in _DMY.finditer(text):
        y, mo, d = int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))
        add(m, {(y, mo, d)} if ok(y, mo, d) else set())
    for m in _MDY.finditer(text):
        y, mo, d = int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2))
        add(m, {(y, mo, d)} if ok(y, mo, d) else set())
    for m in _SLASH_DATE.finditer(text):
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        readings = {r for r in ((y, b, a), (y, a, b)) if ok(*r)}  # day-first and month-first
        add(m, set(readings))
    for m in _YEAR_MONTH.finditer(text):
        y, mo = int(m.group(1)), int(m.group(2))
        add(m, {(y, mo)} if ok(y, mo) else set())
    for m in _MY.finditer(text):
        y, mo = int(m.group(2)), _MONTHS[m.group(1).lower()]
        add(m, {(y, mo)} if ok(y, mo) else set())
    return found


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        for i in range(s, e):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def _numbers(text: str, *, skip_small: bool) -> list[tuple[str, Quantity]]:
    out = []
    for m in _NUMBER.finditer(text):
        if not m.group("num"):
            continue
        # A list marker ("1." / "2)" at a line start) is not a claim.
        if text[m.end("num") : m.end("num") + 1] in (".", ")") and not m.group("unit"):
            line_start = text.rfind("\n", max(0, m.start() - 80), m.start()) + 1
            if (line_start or m.start() <= 80) and not text[line_start : m.start()].strip():
                continue
        if _ELLIPSIS.match(text[m.end() : m.end() + 4]) and text[m.end() :].strip() in ("...", "…"):
            continue  # cut short by a truncation
        q = _quantity(m, text, hedge=skip_small and _hedged(text, m.start()))
        if q is None:
            continue
        plain = not (m.group("cur") or m.group("pct") or m.group("scale") or q.dimension)
        if skip_small and plain and "." not in m.group("num") and abs(q.value) <= 10:
            continue  # "2 options", "step 3": small counts in prose are not checked
        shown = m.group(0) if (q.dimension and not m.group("cur")) or m.group("pct") else ""
        written = shown or m.group(0)[: m.end("num") - m.start() + len(m.group("scale") or "")]
        out.append((written.strip(), q))
    return out


def _names(text: str) -> list[str]:
    names = []
    tokens = list(_WORD.finditer(text))
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if not _capitalised(tok.group()):
            i += 1
            continue
        run = [tok]
        j = i + 1
        while j < len(tokens):
            gap = text[run[-1].end() : tokens[j].start()]
            if gap.strip() not in ("",):
                break
            word = tokens[j].group()
            if _capitalised(word):
                run.append(tokens[j])
                j += 1
            elif (
                word.lower() in _CONNECTORS
                and j + 1 < len(tokens)
                and _capitalised(tokens[j + 1].group())
                and not text[tokens[j].end() : tokens[j + 1].start()].strip()
            ):
                run.extend([tokens[j], tokens[j + 1]])
                j += 2
            else:
                break
        i = j
        words = [t.group() for t in run]
        while words and words[0].lower().strip("'\u2019") in _NOT_NAMES:
            run = run[1:]
            words = words[1:]
        while words and (words[-1].lower() in _NOT_NAMES or words[-1].lower() in _CONNECTORS):
            words = words[:-1]
        if not words:
            continue
        start = run[0].start()
        prev = text[:start].rstrip()
        sentence_start = not prev or prev[-1] in ".!?:;\n\"'([{*•>#|-\u2013\u2014]" or prev.endswith("]")
        if len(words) == 1 and (sentence_start or len(words[0]) < 2):
            continue
        names.append(" ".join(words))
    return names


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not any(ch.isdigit() for ch in word)


def _claims_from_text(text: str) -> list[Claim]:
    claims: list[Claim] = []
    spans: list[tuple[int, int]] = []
    for m in _URL.finditer(text):
        url = m.group().rstrip(".,;:!?")
        claims.append(Claim("url", url, _norm_url(url)))
        spans.append((m.start(), m.start() + len(url)))
    masked = _mask(text, spans)
    for m in _QUOTE.finditer(masked):
        inner = next(g for g in m.groups() if g is not None)
        if len(inner.strip()) >= 3 and not inner.strip().replace(".", "").isdigit():
            claims.append(Claim("quote", inner, _fold(inner).strip(" .,;:!?")))
            spans.append((m.start(), m.end()))
    masked = _mask(text, spans)
    for start, end, readings in _dates_in(masked):
        claims.append(Claim("date", text[start:end], readings))
        spans.append((start, end))
    masked = _mask(text, spans)
    for written, q in _numbers(masked, skip_small=True):
        claims.append(Claim("number", written, q))
    for name in _names(_mask(masked, [(m.start(), m.end()) for m in _NUMBER.finditer(masked) if m.group("num")])):
        claims.append(Claim("name", name, _fold(name)))
    return claims


def _json_claims(value: Any, out: list[Claim]) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        text = repr(value)
        if not (isinstance(value, int) and abs(value) <= 10):
            decimals = _decimals(text) if "e" not in text else 6
            out.append(Claim("number", text, Quantity(float(value), 0.5 * 10 ** (-decimals))))
    elif isinstance(value, str):
        out.extend(_claims_from_text(value))
    elif isinstance(value, dict):
        for v in value.values():
            _json_claims(v, out)
    elif isinstance(value, list):
        for v in value:
            _json_claims(v, out)


def extract_claims(answer: str) -> list[Claim]:
    """The checkable factual claims of an answer (a JSON answer: of its values, not its keys)."""
    answer = answer[:MAX_ANSWER_CHARS]
    stripped = answer.strip()
    if stripped[:1] in ("{", "["):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            parsed = None
        if parsed is not None:
            out: list[Claim] = []
            _json_claims(parsed, out)
            return out[:MAX_CLAIMS]
    return _claims_from_text(answer)[:MAX_CLAIMS]


# ---------------------------------------------------------------------------------------------
# Context


def _norm_url(url: str) -> str:
    url = url.strip().rstrip("/").lower()
    return re.sub(r"^https?://(www\.)?|^www\.", "", url)


class Context:
    """Everything the run saw, indexed for the claim kinds."""

    def __init__(self, texts: Iterable[str]) -> None:
        parts: list[str] = []
        size = 0
        for t in texts:
            if not t:
                continue
            parts.append(t[: MAX_CONTEXT_CHARS - size])
            size += len(parts[-1])
            if size >= MAX_CONTEXT_CHARS:
                break
        raw = "\n".join(parts)
        self.folded = _fold(raw)
        self.unescaped = _fold(raw.replace('\\"', '"').replace("\\n", " "))
        self.words = {w.strip("'") for w in _WORD.findall(self.unescaped)} | {
            w.removesuffix("'s") for w in _WORD.findall(self.unescaped)
        }
        self.urls = {_norm_url(m.group().rstrip(".,;:!?")) for m in _URL.finditer(raw)}
        dates = _dates_in(raw)
        self.dates: set[tuple[int, ...]] = set()
        for _, _, readings in dates:
            for r in readings:
                self.dates.add(r)
                self.dates.add(r[:2])
        masked = _mask(raw, [(s, e) for s, e, _ in dates])
        self.quantities = [q for _, q in _numbers(masked, skip_small=False)]
        for r in list(self.dates):
            self.quantities.append(Quantity(float(r[0]), 0.0))
        self.quantities.extend(_number_words(self.unescaped))
        for m in _KEYED.finditer(masked):
            unit = m.group(1).lower()
            num = m.group(2)
            tol = 0.5 * 10 ** (-_decimals(num))
            if unit in _UNITS:
                dim, factor = _UNITS[unit]
                self.quantities.append(Quantity(float(num), tol, False, dim, factor))
            elif unit in _CURRENCIES:
                self.quantities.append(Quantity(float(num), tol, False, "currency:" + _CURRENCIES[unit]))
        self._build_index()

    def supports(self, claim: Claim) -> bool:
        if claim.kind == "url":
            return claim.key in self.urls or claim.key in self.unescaped
        if claim.kind == "quote":
            return claim.key in self.unescaped or claim.key in self.folded
        if claim.kind == "date":
            return any(r in self.dates for r in claim.key)
        if claim.kind == "name":
            if claim.key in self.unescaped:
                return True
            words = [w.removesuffix("'s").strip("'") for w in _WORD.findall(claim.key)]
            return all(w in self.words for w in words if w not in _CONNECTORS)
        if claim.kind == "number":
            return self._number(claim.key)
        return False

    def _number(self, q: Quantity) -> bool:
        for a_value, a_tol, a_dim in q.candidates():
            slack = a_tol + 1e-9 * max(1.0, abs(a_value))
            # The same dimension; and a number the context gives without a unit, in any reading.
            for dim in {a_dim, None}:
                values, units = self._index.get(dim, ([], []))
                i = bisect.bisect_left(values, a_value - slack)
                while i < len(values) and values[i] <= a_value + slack:
                    c = units[i]
                    comparable = dim is not None or c.dimension is None or _same_unit(q, c)
                    if comparable and (a_dim is None or dim is not None or c.dimension is None):
                        return True
                    i += 1
        return False

    def _build_index(self) -> None:
        entries: dict[str | None, list[tuple[float, Quantity]]] = {}
        for c in self.quantities:
            for value, _, dim in c.candidates():
                entries.setdefault(dim, []).append((value, c))
        self._index: dict[str | None, tuple[list[float], list[Quantity]]] = {}
        for dim, rows in entries.items():
            rows.sort(key=lambda r: r[0])
            self._index[dim] = ([r[0] for r in rows], [r[1] for r in rows])


def _same_unit(a: Quantity, b: Quantity) -> bool:
    """Whether two numbers may be compared as written: not two different units."""
    if a.dimension is None or b.dimension is None:
        return True
    return a.dimension == b.dimension and a.factor == b.factor


_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "hundred": 100, "dozen": 12, "half": 0.5, "quarter": 0.25,
}  # fmt: skip


def _number_words(folded: str) -> list[Quantity]:
    return [Quantity(float(_NUMBER_WORDS[w]), 0.0) for w in set(_WORD.findall(folded)) if w in _NUMBER_WORDS]


def check(answer: str, context: Iterable[str]) -> Verdict:
    """Every claim of ``answer`` and which of them ``context`` does not support."""
    claims = extract_claims(answer)
    if not claims:
        return Verdict()
    ctx = Context(context)
    return Verdict(claims, [c for c in claims if not ctx.supports(c)])


def message_texts(messages: Iterable[Any], roles: Iterable[str] = ("system", "user", "tool")) -> list[str]:
    """The text of chat messages (OpenAI or GenAI-semconv shape) with one of ``roles``."""
    wanted = set(roles)
    out: list[str] = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in wanted:
            continue
        content = m.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
        for part in m.get("parts") or []:
            if isinstance(part, dict):
                for key in ("content", "result", "response", "text"):
                    value = part.get(key)
                    if isinstance(value, str):
                        out.append(value)
                    elif value is not None:
                        out.append(json.dumps(value, default=str))
    return out
