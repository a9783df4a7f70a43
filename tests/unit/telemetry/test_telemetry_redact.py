"""Secret-looking values never reach the store: by attribute name and by shape."""

from __future__ import annotations

import random

import pytest

from agentctl.telemetry.redact import REDACTED, redact_attributes, redact_text, secret_name

# Built at run time: no literal in the repository looks like a real credential.
OPENAI = "sk-" + "a1B2c3D4" * 4
ANTHROPIC = "sk-ant-api03-" + "Zz9_" * 8
GOOGLE = "AIza" + "Sy" + "x" * 33
HF = "hf_" + "AbCd" * 9
GITHUB = "ghp_" + "0123456789" * 4
AWS = "AKIA" + "ABCDEFGHIJKLMNOP"
JWT = "eyJ" + "a" * 20 + "." + "b" * 20 + "." + "c" * 20


@pytest.mark.parametrize("secret", [OPENAI, ANTHROPIC, GOOGLE, HF, GITHUB, AWS, JWT])
def test_credential_shapes_are_redacted_inside_text(secret: str) -> None:
    text = f"calling the API with {secret} now"
    out = redact_text(text)
    assert secret not in out
    assert out.startswith("calling the API with ") and out.endswith(" now")
    assert REDACTED in out


def test_bearer_tokens_keep_the_scheme() -> None:
    out = redact_text("Authorization: Bearer " + "t0k3n" * 5)
    assert out == f"Authorization: Bearer {REDACTED}"


def test_password_in_url_and_json_fields() -> None:
    assert (
        redact_text("postgres://app:" + "hunter2hunter2" + "@db:5432/x")
        == f"postgres://app:{REDACTED}@db:5432/x"
    )
    out = redact_text('{"api_key": "' + "v" * 12 + '", "city": "Paris"}')
    assert "v" * 12 not in out and '"city": "Paris"' in out


@pytest.mark.parametrize(
    "key",
    [
        "http.request.header.authorization",
        "api_key",
        "openai.api_key",
        "x-api-key",
        "db.password",
        "auth_token",
        "client_secret",
    ],
)
def test_secret_attribute_names(key: str) -> None:
    assert secret_name(key)
    assert redact_attributes({key: "anything at all"})[key] == REDACTED


@pytest.mark.parametrize(
    "key",
    [
        "gen_ai.usage.input_tokens",
        "gen_ai.request.max_tokens",
        "llm.token_count.prompt",
        "gen_ai.request.model",
        "monkey",
    ],
)
def test_ordinary_names_are_kept(key: str) -> None:
    assert not secret_name(key)


def test_numbers_lists_and_maps() -> None:
    attrs = {
        "gen_ai.usage.input_tokens": 12,
        "token": 5,  # a number is never a credential
        "http.request.header.authorization": ["Bearer abc", "Basic def"],
        "nested": {"password": "pw-value", "note": "key " + OPENAI},
    }
    out = redact_attributes(attrs)
    assert out["gen_ai.usage.input_tokens"] == 12 and out["token"] == 5
    assert out["http.request.header.authorization"] == [REDACTED, REDACTED]
    assert out["nested"]["password"] == REDACTED
    assert OPENAI not in out["nested"]["note"]


def test_clean_attributes_are_returned_unchanged() -> None:
    attrs = {"gen_ai.request.model": "gpt-4o", "n": 3}
    assert redact_attributes(attrs) is attrs


def test_prose_is_not_mangled() -> None:
    text = "The key insight: tokens are cheap; see https://example.com/docs and mail me@example.com"
    assert redact_text(text) == text


def _every_pattern(text: str) -> str:
    """The scan without its literal gates: every pattern over every value."""
    from agentctl.telemetry import redact

    for _, pattern, repl in redact._PATTERNS:
        if pattern is redact._SHAPES_STEP:
            for _, shape in redact._SHAPED:
                text = shape.sub(repl, text)
        text = pattern.sub(repl, text)
    return text


def _texts() -> list[str]:
    from tests.cli.test_secret_corpus import SHAPES

    rng = random.Random(5)
    words = [
        "key", "Token", "SECRET", "pass", "passwd", "Pwd", "credential", "connection", "sig",
        "bearer", "Basic", "--api-key", "-p", "=", ":", "'", '"', "@", "://", "?", "&", ";",
        "sk-", "SK", "AKIA", "eyJ", "-----BEGIN", "PRIVATE KEY-----", "_KEY", "_TOKEN",
        "\u017fecret", "\u212aey", "to\u0130en", "pa\u017f\u017fword", "caf\u00e9", "prose",
        "https://user:pw@host/x", "hooks.slack.com/services/T0/B0/xyz", " " * 70, "\t\n" * 40,
        "api_key", "access_key_id", "connection_string", "credentials",
    ]  # fmt: skip
    out = [around(secret) for _, secret, around in SHAPES]
    out += [f"api_key{' ' * n}= hunter2hunter2" for n in (0, 1, 55, 62, 63, 64, 65, 200)]
    out += [f"x.credentials'{' ' * n}: hunter2hunter2" for n in (0, 60, 61, 62, 70)]
    for _ in range(3000):
        parts = [rng.choice(words) if rng.random() < 0.6 else rand_word(rng) for _ in range(8)]
        out.append(rng.choice(["", " ", "=", ": "]).join(parts))
    return out


def rand_word(rng: random.Random) -> str:
    return "".join(rng.choice("abcXYZ019_-.") for _ in range(rng.randrange(1, 40)))


def test_the_literal_gates_never_skip_a_pattern_that_matches() -> None:
    """Gating each pattern on the literals it needs changes no result, only the cost."""
    from agentctl.telemetry import redact

    for text in _texts():
        assert redact._scan(text) == _every_pattern(text), text


def test_no_gate_literal_appears_in_the_replacement() -> None:
    """A replacement made by one pattern cannot open a gate that was closed for the next."""
    from agentctl.telemetry import redact

    prefixes = [p for group, _ in redact._PROVIDER_KEYS for p in group]
    others = [lit for group, _ in redact._OTHER_KEYS for lit in group]
    literals = (*redact._NAME_WORDS, *prefixes, *others, *redact._ENV_LITERALS)
    for lit in (*literals, "bearer", "basic", "sig", "://", "@", "=", ":", "-----BEGIN"):
        assert lit not in REDACTED and lit.lower() not in REDACTED.lower()


def test_the_verdict_caches_stay_bounded_and_keep_learning() -> None:
    from agentctl.telemetry import redact

    for i in range(redact._CACHE_LIMIT + 10):
        redact_text(f"chatcmpl-{i}")
        secret_name(f"attr.{i}")
    assert len(redact.text_cache) <= redact._CACHE_LIMIT
    assert len(redact.name_cache) <= redact._CACHE_LIMIT
    redact_text("gpt-4o-mini-2024-07-18")
    assert "gpt-4o-mini-2024-07-18" in redact.text_cache  # learnt after the cache filled up
    assert redact_text("key " + OPENAI) == "key " + REDACTED


def _corpus_and_texts() -> list[str]:
    from tests.cli.test_secret_corpus import SHAPES

    texts = _texts()
    texts += [secret for _, secret, _ in SHAPES]
    texts += ["K\u212aey=" + OPENAI, "TO\u0130KEN " + "x" * 20, "ask the desk", "SKU " + "ab" * 16]
    texts += ["token \ud800 " + OPENAI, "\udfff"]  # not valid Unicode: the fallback answers
    return texts


def test_the_one_pass_search_finds_exactly_what_one_search_per_literal_finds() -> None:
    """The Aho-Corasick finder and its pure-Python fallback agree on every value."""
    from agentctl.telemetry import redact

    one_pass = redact._OnePass()
    for text in _corpus_and_texts():
        for folded in (text.lower(), text.translate(redact._FOLD).lower()):
            assert one_pass(text, folded) == redact._found_each(text, folded), text


def test_redaction_is_identical_with_and_without_the_one_pass_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stored results do not depend on whether ahocorasick_rs is installed."""
    from agentctl.telemetry import redact

    texts = _corpus_and_texts()
    monkeypatch.setattr(redact, "_found", redact._OnePass())
    fast = [redact._scan(t) for t in texts]
    monkeypatch.setattr(redact, "_found", redact._found_each)
    slow = [redact._scan(t) for t in texts]
    assert fast == slow
    assert sum(f != t for f, t in zip(fast, texts, strict=True)) > 100  # redaction did happen


def test_without_ahocorasick_rs_the_fallback_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from agentctl.telemetry import redact

    monkeypatch.setitem(sys.modules, "ahocorasick_rs", None)  # import fails
    monkeypatch.setattr(redact, "_found", None)
    assert redact._finder() is redact._found_each
    assert redact._scan("key " + OPENAI) == "key " + REDACTED
