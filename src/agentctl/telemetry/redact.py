"""Redaction of secret-looking values before spans are stored or shown.

Two rules, applied to every attribute of a span, its resource and its events:

- an attribute whose *name* says it holds a secret (``authorization``,
  ``api_key``, ``x-api-key``, ``password``, ``token``, ``secret``, ``cookie``,
  ...) has its string value replaced by :data:`REDACTED`, whatever it is;
- any other string value is scanned for well-known credential shapes (OpenAI
  and Anthropic keys, ``Bearer`` tokens, Google ``AIza`` keys, Hugging Face
  ``hf_`` tokens, GitHub tokens, AWS access key ids, Slack tokens, JWTs,
  passwords in URLs, ``"api_key": "..."`` inside JSON text) and only the
  secret part is replaced, so the rest of a prompt stays readable.

Numbers and booleans are never touched: ``gen_ai.usage.input_tokens`` is a
count, not a token.
"""

from __future__ import annotations

import re
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

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Anthropic first (sk-ant-...), then OpenAI-style sk-/sk-proj- keys.
    (re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{8,}"), REDACTED),
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"), REDACTED),
    (re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/\-]{8,}=*"), r"\1\2" + REDACTED),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"), REDACTED),
    (re.compile(r"\bhf_[A-Za-z0-9]{20,}"), REDACTED),
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,})"), REDACTED),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}"), REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"), REDACTED),
    # user:password@ in URLs
    (re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^/\s:@]+:)[^@\s/]+@"), r"\1" + REDACTED + "@"),
    # "api_key": "value" / 'password': 'value' inside JSON or Python reprs
    (
        re.compile(
            r"""(?ix)(["'](?:api[_-]?key|apikey|x-api-key|access[_-]?token|refresh[_-]?token|token|secret|client[_-]?secret|password|authorization)["']\s*:\s*["'])[^"']+(["'])"""
        ),
        r"\1" + REDACTED + r"\2",
    ),
]

# Cheap pre-check: a value that matches none of these substrings cannot match any
# pattern above, so most attribute values skip the full scan.
_HINT = re.compile(
    r"sk-|[Bb]earer|[Bb]asic|[Tt]oken|TOKEN|AIza|hf_|gh[pousr]_|github_pat_|AKIA|ASIA|xox|eyJ|@|"
    r"[Kk]ey|KEY|[Ss]ecret|SECRET|[Pp]assword|PASSWORD|[Aa]uthorization"
)
# Attribute keys and short values repeat endlessly (model names, operation
# names, URLs): remember their verdicts, within bounds.
_CACHE_LIMIT = 8192
_SHORT = 96
_name_cache: dict[str, bool] = {}
_text_cache: dict[str, str] = {}


def secret_name(key: str) -> bool:
    """True when an attribute name says its value is a secret."""
    hit = _name_cache.get(key)
    if hit is None:
        hit = bool(_SECRET_NAME.match(key.rsplit(".", 1)[-1]))
        if len(_name_cache) < _CACHE_LIMIT:
            _name_cache[key] = hit
    return hit


def _scan(text: str) -> str:
    if _HINT.search(text) is None:
        return text
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def redact_text(text: str) -> str:
    """Replace credential-shaped substrings of ``text``."""
    if len(text) > _SHORT:
        return _scan(text)
    hit = _text_cache.get(text)
    if hit is None:
        hit = _scan(text)
        if len(_text_cache) < _CACHE_LIMIT:
            _text_cache[text] = hit
    return hit


def redact_value(key: str, value: Any) -> Any:
    if isinstance(value, str):
        if secret_name(key):
            return REDACTED if value else value
        return redact_text(value)
    if isinstance(value, list):
        return [redact_value(key, v) for v in value]
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
