"""Redaction of secret-looking values before spans are stored or shown.

Two rules, applied to every attribute of a span, its resource and its events:

- an attribute whose *name* says it holds a secret (``authorization``,
  ``api_key``, ``x-api-key``, ``password``, ``token``, ``secret``, ``cookie``,
  ...) has its string value replaced by :data:`REDACTED`, whatever it is;
- any other string value is scanned for credentials and only the secret part
  is replaced, so the rest of a prompt stays readable: keys recognisable by
  their shape (OpenAI, Anthropic, AWS, GitHub, GitLab, Slack, Stripe, Google,
  Hugging Face, JWTs and others from public secret-scanner rule sets), PEM
  private keys, ``Bearer``/``Basic`` credentials, passwords in URLs, secret
  query parameters (``?api_key=``), command-line flags (``--api-key X``;
  ``["--token", "X"]`` in list attributes), environment-style assignments
  (``OPENAI_API_KEY=X``) and assignments to secret names in any notation
  (``password: X``, ``api_key='X'``, ``"client_secret": "X"``,
  ``Password=X;``), whatever the value looks like.

Numbers and booleans are never touched: ``gen_ai.usage.input_tokens`` is a
count, not a token.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

REDACTED = "[REDACTED]"

# Last segment of an attribute name (after the final "." ) that marks a secret.
_SECRET_NAME = re.compile(
    r"""(?ix)^(?:.*[_-])?(
        api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|signing[_-]?key|key
      | token|access[_-]?token|refresh[_-]?token|id[_-]?token|auth[_-]?token|session[_-]?token
      | secret|client[_-]?secret
      | password|passwd|pwd|passphrase
      | authorization|proxy[_-]?authorization|cookie|set[_-]?cookie
      | credentials?
    )$""",
)

# Credentials recognisable by their shape alone (after public secret-scanner
# rule sets: gitleaks, detect-secrets), replaced whole: (prefixes, the rest).
# Each starts at a word boundary, i.e. its prefix follows no word character.
_PROVIDER_KEYS: list[tuple[tuple[str, ...], str]] = [
    (("sk-ant-",), r"[A-Za-z0-9_\-]{8,}"),  # Anthropic
    (("sk-",), r"[A-Za-z0-9_\-]{16,}"),  # OpenAI (sk-, sk-proj-, sk-svcacct-)
    (("sk_live_", "sk_test_", "rk_live_", "rk_test_"), r"[A-Za-z0-9]{16,}"),  # Stripe
    (("AIza",), r"[0-9A-Za-z_\-]{30,}"),  # Google API key
    (("GOCSPX-",), r"[A-Za-z0-9_\-]{20,}"),  # Google OAuth client secret
    (("hf_",), r"[A-Za-z0-9]{20,}"),  # Hugging Face
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"[A-Za-z0-9]{30,}"),  # GitHub
    (("github_pat_",), r"[A-Za-z0-9_]{20,}"),
    (("glpat-",), r"[A-Za-z0-9_\-]{20,}"),  # GitLab
    (("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA"), r"[0-9A-Z]{16}\b"),  # AWS key ids
    (("xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-", "xoxe-"), r"[A-Za-z0-9\-]{10,}"),  # Slack
    (("eyJ",), r"[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWT
    (("npm_",), r"[A-Za-z0-9]{36}\b"),
    (("pypi-AgEIcHlwaS5vcmc",), r"[A-Za-z0-9_\-]{20,}"),
    (("SG.",), r"[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"),  # SendGrid
    (("SK",), r"[0-9a-fA-F]{32}\b"),  # Twilio
    (("key-",), r"[0-9a-z]{32}\b"),  # Mailgun
    (("dapi",), r"[a-h0-9]{32}\b"),  # Databricks
    (("dop_v1_", "doo_v1_", "dor_v1_"), r"[a-f0-9]{64}\b"),  # DigitalOcean
    (("shpat_", "shpss_", "shpca_", "shppa_"), r"[a-fA-F0-9]{32}\b"),  # Shopify
    (
        ("dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."),
        r"[A-Za-z0-9]{40,}",
    ),  # Doppler
    (("gsk_",), r"[A-Za-z0-9]{40,}"),  # Groq
    (("r8_",), r"[A-Za-z0-9]{30,}"),  # Replicate
    (("pplx-",), r"[A-Za-z0-9]{40,}"),  # Perplexity
    (("lin_api_",), r"[A-Za-z0-9]{30,}"),  # Linear
    (("PMAK-",), r"[a-f0-9]{24}-[a-f0-9]{34}\b"),  # Postman
    (("ATATT3",), r"[A-Za-z0-9_\-=]{30,}"),  # Atlassian
]
# Shapes that do not start with a fixed prefix: (literals they contain, pattern).
_OTHER_KEYS: list[tuple[tuple[str, ...], str]] = [
    (
        ("https://hooks.slack.com/",),
        r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_\-]+",
    ),
    ((":AA",), r"\b\d{8,10}:AA[A-Za-z0-9_\-]{33}\b"),  # Telegram bot
]


def _prefixed(prefix: str, rest: str) -> str:
    r"""``\bPREFIX REST`` with the boundary checked after the prefix: a pattern that starts
    with a literal is searched for as one, which is what makes scanning prose cheap."""
    p = re.escape(prefix)
    return f"{p}(?<!\\w{p}){rest}"


# Names that say the value beside them is a secret, in assignments, flags and URLs.
_NAMES = (
    r"api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?|secret[_-]?(?:access[_-]?)?key|secret"
    r"|(?:access|refresh|id|auth|session|bearer)[_-]?token|token|password|passwd|pwd|passphrase"
    r"|private[_-]?key|client[_-]?secret|credentials?|account[_-]?key|shared[_-]?access[_-]?key"
    r"|connection[_-]?string"
)
_FLAG_NAME = re.compile(rf"(?i)^--?[\w.-]*(?:{_NAMES})$")

# Literals each pattern needs to match: a value without them cannot match it, so
# the pattern is not run (scanning prose with every pattern costs far more than
# a few substring tests). Lower-case literals are looked for in the value folded
# as the ``(?i)`` patterns fold it, the others in the value as it is.
_NAME_WORDS = (
    "key", "token", "secret", "passw", "pwd", "passphrase", "credential", "connection",
)  # fmt: skip
_ENV_LITERALS = ("_KEY", "_TOKEN", "_SECRET", "_PASS", "_PWD", "_CREDENTIAL")
# The characters other than ASCII letters that ``(?i)`` matches to an ASCII letter.
_FOLD = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
_FOLDED = re.compile("[\u0130\u0131\u017f\u212a]")


# How a name of _NAMES ends, and the separator an assignment puts after it.
_NAME_ENDINGS = (
    "key", "id", "secret", "token", "password", "passwd", "pwd", "passphrase", "credential",
    "credentials", "string",
)  # fmt: skip
_SEPARATOR = re.compile("[:=]")


def _name_assigned(folded: str) -> bool:
    """Whether some ``:`` or ``=`` follows a word ending like a secret's name (then a quote
    and spaces at most): the assignment pattern cannot match otherwise, and running it over
    prose costs a scan of every word at every offset."""
    for m in _SEPARATOR.finditer(folded):
        k = m.start()
        start = max(0, k - 64)
        tail = folded[start:k].rstrip()
        if start and len(tail) < 13:  # long whitespace: look further back
            tail = folded[:k].rstrip()
        if tail.endswith(("'", '"')):
            tail = tail[:-1]
        if tail.endswith(_NAME_ENDINGS):
            return True
    return False


# (literal, pattern): every credential shape, to be run only when its literal is present.
_SHAPED: list[tuple[str, re.Pattern[str]]] = [
    *(
        (prefix, re.compile(_prefixed(prefix, rest)))
        for prefixes, rest in _PROVIDER_KEYS
        for prefix in prefixes
    ),
    *((lits[0], re.compile(rx)) for lits, rx in _OTHER_KEYS),
]
_SHAPES_STEP = re.compile("(?!)")  # stands for the _SHAPED step in _PATTERNS
_SHAPE_LITERALS = frozenset(lit for lit, _ in _SHAPED)


def _shapes_gate(t: str, f: str, p: frozenset[str]) -> bool:
    return True


def _named(present: frozenset[str]) -> bool:
    """Whether a word of a secret's name (:data:`_NAME_WORDS`) is in the value."""
    return not present.isdisjoint(_NAME_WORDS)


# Every literal of more than one character a gate looks for: those with upper-case letters in
# the value as it is, the others in the value folded. Single characters (``-``, ``=``, ``@``)
# are tested by the gates themselves, in the value as it is when each pattern runs.
_CASED = frozenset(
    {"-----BEGIN", *_ENV_LITERALS, *(lit for lit, _ in _SHAPED if lit != lit.lower())}
)
_FOLDED_LITERALS = frozenset(
    {"://", "bearer", "basic", "token", "sig", *_NAME_WORDS}
    | {lit for lit, _ in _SHAPED if lit == lit.lower()}
)
_LITERALS = _CASED | _FOLDED_LITERALS


def _found_each(text: str, folded: str) -> frozenset[str]:
    """The literals of :data:`_LITERALS` in the value: one substring search per literal."""
    return frozenset(
        [lit for lit in _CASED if lit in text] + [lit for lit in _FOLDED_LITERALS if lit in folded]
    )


class _OnePass:
    """The same answer as :func:`_found_each` from one pass over the value: an Aho-Corasick
    automaton (``ahocorasick_rs``) of every literal in lower case runs over the folded value,
    and the few literals with upper-case letters it finds are confirmed in the value as it is
    (a literal's lower-case form is in the folded value wherever the literal is in the value,
    so nothing is missed). Built on first use, so only what redacts imports it."""

    def __init__(self) -> None:
        import ahocorasick_rs

        lowered = sorted({lit.lower() for lit in _LITERALS})
        automaton = ahocorasick_rs.AhoCorasick(lowered)
        self._find = automaton.find_matches_as_strings
        self._find_at = automaton.find_matches_as_indexes
        self._lowered = lowered
        self._cased: dict[str, list[str]] = {}
        for lit in _CASED:
            self._cased.setdefault(lit.lower(), []).append(lit)

    def __call__(self, text: str, folded: str) -> frozenset[str]:
        try:
            hits = set(self._find(folded, overlapping=True))
        except ValueError:  # text that is not valid Unicode (lone surrogates)
            return _found_each(text, folded)
        return self.confirm(text, hits)

    def each(self, texts: list[str], starts: list[int], folded: str) -> list[set[str]]:
        """The lower-case literals in each value, from one pass over ``folded``: the values
        folded and joined by NUL (no literal holds one, so no match spans two values), value
        ``i`` starting at ``starts[i]``. Raises ValueError for invalid Unicode."""
        hits: list[set[str]] = [set() for _ in texts]
        lowered = self._lowered
        for index, start, _ in self._find_at(folded, overlapping=True):
            hits[bisect_right(starts, start) - 1].add(lowered[index])
        return hits

    def confirm(self, text: str, hits: set[str]) -> frozenset[str]:
        """The literals of lower-case ``hits``, those with capitals confirmed in ``text``."""
        if not hits:
            return _NONE
        out = hits & _FOLDED_LITERALS
        for low in hits:
            for lit in self._cased.get(low, ()):
                if lit in text:
                    out.add(lit)
        return frozenset(out)


_NONE: frozenset[str] = frozenset()
_found: Callable[[str, str], frozenset[str]] | None = None


def _finder() -> Callable[[str, str], frozenset[str]]:
    """The one-pass search when ``ahocorasick_rs`` is installed, else one search per literal."""
    global _found
    if _found is None:
        try:
            _found = _OnePass()
        except ImportError:
            _found = _found_each
    return _found


# (gate, pattern, replacement): gate(text, folded, present) is False when the pattern cannot
# match; ``present`` holds the literals of :data:`_LITERALS` found in the value (see _found).
_PATTERNS: list[tuple[Callable[[str, str, frozenset[str]], bool], re.Pattern[str], str]] = [
    # PEM private keys, also inside JSON strings (with \n escapes) or cut short
    (
        lambda t, f, p: "-----BEGIN" in p,
        re.compile(
            r"(-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----)[\s\S]*?(-----END[A-Z0-9 ]*PRIVATE KEY-----|$)"
        ),
        r"\1" + REDACTED + r"\2",
    ),
    (_shapes_gate, _SHAPES_STEP, REDACTED),  # the shapes of _SHAPED, each behind its literal
    (
        lambda t, f, p: "bearer" in p or "basic" in p or "token" in p,
        re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/\-]{8,}=*"),
        r"\1\2" + REDACTED,
    ),
    # user:password@ in URLs
    (
        lambda t, f, p: "://" in p and "@" in t,
        re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^/\s:@]+:)[^@\s/]+@"),
        r"\1" + REDACTED + "@",
    ),
    # ?api_key=... &token=... &sig=... in URLs
    (
        lambda t, f, p: "=" in t and (_named(p) or "sig" in p),
        re.compile(rf"(?i)([?&;][\w.-]*(?:{_NAMES}|sig|signature)=)[^&#\s\"'<>]+"),
        r"\1" + REDACTED,
    ),
    # command lines: --api-key X, --token=X, --password 'X'
    (
        lambda t, f, p: "-" in t and _named(p),
        re.compile(
            # (?<![\w-])- written as -(?<![\w-]-): the same test, after a literal
            rf"(?i)(-(?<![\w-]-)-?[\w.-]*(?:{_NAMES})(?:=|\s+))([\"']?)(?!\[REDACTED\])[^\s\"']+"
        ),
        r"\1\2" + REDACTED,
    ),
    # OPENAI_API_KEY=X, DB_PASSWORD="X" (environment style)
    (
        lambda t, f, p: not p.isdisjoint(_ENV_LITERALS),
        re.compile(
            r"\b([A-Z][A-Z0-9_]*(?:_KEY|_TOKEN|_SECRET|_PASSWORD|_PASS|_PWD|_CREDENTIALS?)"
            r"\s*[=:]\s*)([\"']?)(?!\[REDACTED\])[^\s\"',;]+"
        ),
        r"\1\2" + REDACTED,
    ),
    # password: X, api_key='X', "client_secret": "X", Password=X; aws_secret_access_key = X
    (
        lambda t, f, p: _named(p) and _name_assigned(f),
        re.compile(
            rf"(?i)((?<![\w-])[\w.-]*(?:{_NAMES})(?![A-Za-z0-9])[\"']?\s*[:=]\s*)([\"']?)"
            r"(?!\[REDACTED\])[^\s\"',;}&]{2,}"
        ),
        r"\1\2" + REDACTED,
    ),
]

# Attribute keys and short values repeat endlessly (model names, operation
# names, URLs): remember their verdicts, within bounds. A full cache starts
# again rather than freezing, so unique ids seen early (response and call ids)
# do not keep the values that repeat out of it for the rest of a collector's life.
_CACHE_LIMIT = 8192
SHORT = 96  # values up to this long have their verdict cached
name_cache: dict[str, bool] = {}  # cleared in place when full: readers may hold it
text_cache: dict[str, str] = {}


def secret_name(key: str) -> bool:
    """True when an attribute name says its value is a secret."""
    hit = name_cache.get(key)
    if hit is None:
        hit = bool(_SECRET_NAME.match(key.rsplit(".", 1)[-1]))
        if len(name_cache) >= _CACHE_LIMIT:
            name_cache.clear()
        name_cache[key] = hit
    return hit


def _folded(text: str) -> str:
    """The value as the ``(?i)`` patterns see it (see :data:`_FOLD`)."""
    if not text.isascii() and _FOLDED.search(text):
        return text.translate(_FOLD).lower()
    return text.lower()


def _scan(text: str) -> str:
    folded = _folded(text)
    return _apply(text, folded, (_found or _finder())(text, folded))


def _apply(text: str, folded: str, present: frozenset[str]) -> str:
    """Run the patterns whose gates the literals ``present`` in the value open."""
    if not present:  # every gate needs one of the literals
        return text
    for gate, pattern, repl in _PATTERNS:
        if pattern is _SHAPES_STEP:
            if present.isdisjoint(_SHAPE_LITERALS):
                continue
            for literal, shape in _SHAPED:  # one loop: a gate call per shape costs more
                if literal in present:
                    text = shape.sub(REDACTED, text)
        elif gate(text, folded, present):
            text = pattern.sub(repl, text)
    return text


def redact_text(text: str) -> str:
    """Replace credential-shaped substrings of ``text``."""
    if len(text) > SHORT:
        return _scan(text)
    hit = text_cache.get(text)
    if hit is None:
        hit = _scan(text)
        if len(text_cache) >= _CACHE_LIMIT:
            text_cache.clear()
        text_cache[text] = hit
    return hit


# Characters searched together by redact_texts: the joined and folded copies it makes stay
# small next to the bodies the receiver holds (a request may carry 8 MiB of messages).
_JOINED_CHARS = 256 * 1024


def redact_texts(texts: list[str]) -> list[str]:
    """``[redact_text(t) for t in texts]``, with one search for the literals of many of them
    (one call into ahocorasick_rs per 256 K characters instead of one per value)."""
    found = _found or _finder()
    if len(texts) < 2 or not isinstance(found, _OnePass):
        return [redact_text(t) for t in texts]
    out: list[str] = []
    first = size = 0
    for i, t in enumerate(texts):
        size += len(t) + 1
        if size >= _JOINED_CHARS or i == len(texts) - 1:
            out += _redact_joined(found, texts[first : i + 1])
            first, size = i + 1, 0
    return out


def _redact_joined(found: _OnePass, texts: list[str]) -> list[str]:
    """``[redact_text(t) for t in texts]`` from one search over them all."""
    starts = []
    at = 0
    for t in texts:
        starts.append(at)
        at += len(t) + 1
    # Folding keeps every character's place (U+0130, the one character lower() makes two
    # of, is translated first), so each value's folded text is a slice of the whole.
    folded = _folded("\0".join(texts))
    try:
        hits = found.each(texts, starts, folded)
    except ValueError:  # text that is not valid Unicode (lone surrogates)
        return [redact_text(t) for t in texts]
    out = []
    for t, at, h in zip(texts, starts, hits, strict=True):
        if h:
            out.append(_apply(t, folded[at : at + len(t)], found.confirm(t, h)))
        else:
            out.append(t)
    return out


def redact_value(key: str, value: Any) -> Any:
    if isinstance(value, str):
        if secret_name(key):
            return REDACTED if value else value
        return redact_text(value)
    if isinstance(value, list):
        out = [redact_value(key, v) for v in value]
        for i in range(1, len(out)):  # ["--token", "X"]: a flag naming a secret, then its value
            prev = value[i - 1]
            if isinstance(prev, str) and isinstance(out[i], str) and _FLAG_NAME.match(prev):
                out[i] = REDACTED
        return out
    if isinstance(value, dict):
        return {k: redact_value(k, v) for k, v in value.items()}
    return value


def redact_attributes(attrs: dict[str, Any]) -> dict[str, Any]:
    """Return ``attrs`` with secret-looking values replaced (a new dict only when needed)."""
    out: dict[str, Any] | None = None
    for key, value in attrs.items():
        kind = type(value)
        if kind is str:
            new: Any = (REDACTED if value else value) if secret_name(key) else redact_text(value)
        elif kind is list or kind is dict:
            new = redact_value(key, value)
        else:
            continue
        if new is not value and new != value:
            if out is None:
                out = dict(attrs)
            out[key] = new
    return attrs if out is None else out
