"""LLM prices from genai-prices data, checked against hand-computed figures.

Prices used (USD per million tokens, from the bundled genai-prices data):
openai gpt-4o 2.5 in / 10 out / 1.25 cache read; anthropic claude-sonnet-4
3 in / 15 out / 0.3 cache read / 3.75 cache write; google gemini-2.5-flash
0.3 in / 2.5 out; x-ai grok-3 3 in / 15 out; mistral-large 2 in / 6 out;
openai o3 10 in / 40 out before 2025-06-10 and 2 in / 8 out from then on;
gemini-2.5-pro 1.25 in / 10 out up to 200k input tokens, 2.5 / 15 above.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from cost_spanfactory import ns, span

from agentctl.cost.llm import (
    STATUS_FREE,
    STATUS_NO_USAGE,
    STATUS_PRICED,
    STATUS_UNPRICED,
    Usage,
    UsageGroup,
    genai_prices_providers,
    price_spans,
    usage_of,
)
from agentctl.cost.prices import Pricer

M = Decimal(1_000_000)


@pytest.fixture(scope="module")
def pricer() -> Pricer:
    return Pricer()


def _price(pricer: Pricer, s) -> Decimal | None:
    return price_spans([s], pricer).spans[s.span_id].price.usd


def test_openai_with_cached_input(pricer: Pricer) -> None:
    s = span(input_tokens=1000, cache_read_tokens=200, output_tokens=100)
    # 800 fresh input at 2.5, 200 cached at 1.25, 100 output at 10
    assert _price(pricer, s) == (800 * Decimal("2.5") + 200 * Decimal("1.25") + 100 * 10) / M


def test_anthropic_cache_read_and_write(pricer: Pricer) -> None:
    s = span(
        provider="anthropic",
        model="claude-sonnet-4-20250514",
        input_tokens=10_000,
        cache_read_tokens=6_000,
        cache_write_tokens=2_000,
        output_tokens=500,
    )
    expected = (2_000 * 3 + 6_000 * Decimal("0.3") + 2_000 * Decimal("3.75") + 500 * 15) / M
    assert _price(pricer, s) == expected


def test_anthropic_style_input_excluding_cache_is_corrected(pricer: Pricer) -> None:
    # Anthropic's API counts input_tokens without the cache; OTel includes it.
    s = span(
        provider="anthropic",
        model="claude-sonnet-4-20250514",
        input_tokens=100,
        cache_read_tokens=900,
    )
    assert usage_of(s) == Usage(input=1000, cache_read=900)
    assert _price(pricer, s) == (100 * 3 + 900 * Decimal("0.3")) / M


@pytest.mark.parametrize(
    ("provider", "model", "inp", "out", "expected_per_m"),
    [
        (
            "gcp.gemini",
            "gemini-2.5-flash",
            1000,
            1000,
            Decimal("0.3") * 1000 + Decimal("2.5") * 1000,
        ),
        ("gcp.vertex_ai", "gemini-2.5-flash", 1000, 0, Decimal("0.3") * 1000),
        ("x_ai", "grok-3", 2000, 100, 3 * 2000 + 15 * 100),
        ("mistral_ai", "mistral-large-latest", 5000, 1000, 2 * 5000 + 6 * 1000),
        ("azure.ai.openai", "gpt-4o", 1000, 100, Decimal("2.5") * 1000 + 10 * 100),
        (
            "aws.bedrock",
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            1000,
            100,
            3 * 1000 + 15 * 100,
        ),
    ],
)
def test_otel_provider_aliases(
    pricer: Pricer, provider: str, model: str, inp: int, out: int, expected_per_m: Decimal
) -> None:
    s = span(provider=provider, model=model, input_tokens=inp, output_tokens=out)
    assert _price(pricer, s) == Decimal(expected_per_m) / M


def test_alias_table() -> None:
    assert genai_prices_providers("x_ai") == ("x-ai",)
    assert genai_prices_providers("gcp.vertex_ai") == ("google",)
    assert genai_prices_providers("aws.bedrock") == ("aws",)
    assert genai_prices_providers("mistral_ai") == ("mistral",)
    assert genai_prices_providers("azure.ai.openai")[-1] == "openai"
    assert genai_prices_providers("together") == ("together",)


def test_price_change_between_two_dates(pricer: Pricer) -> None:
    before = span(model="o3", input_tokens=1000, output_tokens=1000, start=ns(2025, 6, 9, 23, 59))
    after = span(model="o3", input_tokens=1000, output_tokens=1000, start=ns(2025, 6, 10, 0, 1))
    assert _price(pricer, before) == (10 * 1000 + 40 * 1000) / M
    assert _price(pricer, after) == (2 * 1000 + 8 * 1000) / M


def test_unknown_model_is_unpriced_with_tokens_never_zero(pricer: Pricer) -> None:
    s = span(model="my-finetune-7b", input_tokens=123, output_tokens=45)
    result = price_spans([s], pricer)
    cost = result.spans[s.span_id]
    assert cost.price.status == STATUS_UNPRICED
    assert cost.price.usd is None
    assert cost.usage == Usage(input=123, output=45)
    assert result.for_trace(s.trace_id).label == "unpriced"


def test_unknown_provider_is_unpriced(pricer: Pricer) -> None:
    s = span(provider="ollama", model="gpt-4o", input_tokens=10, output_tokens=10)
    assert price_spans([s], pricer).spans[s.span_id].price.status == STATUS_UNPRICED


def test_span_without_usage_and_non_inference_spans(pricer: Pricer) -> None:
    call = span(input_tokens=None, output_tokens=None)
    root = span(
        op="invoke_agent", parent=None, input_tokens=5000, output_tokens=5000
    )  # roll-up: ignored
    tool = span(op="execute_tool", model=None, provider=None)
    result = price_spans([call, root, tool], pricer)
    assert set(result.spans) == {call.span_id}
    assert result.spans[call.span_id].price.status == STATUS_NO_USAGE
    assert result.for_trace(call.trace_id).label == "no usage"
    assert result.total_usd == 0


def test_offline_demo_is_free_and_labelled(pricer: Pricer) -> None:
    s = span(provider="offline-demo", model="demo", input_tokens=100, output_tokens=100)
    result = price_spans([s], pricer)
    assert result.spans[s.span_id].price.status == STATUS_FREE
    assert result.spans[s.span_id].price.usd == 0
    assert result.for_trace(s.trace_id).label == "offline-demo (free)"


def test_reasoning_tokens_are_part_of_output(pricer: Pricer) -> None:
    s = span(
        model="o3", input_tokens=100, output_tokens=1000, reasoning_tokens=800, start=ns(2025, 7, 1)
    )
    # o3 has no separate reasoning price: all 1000 output tokens at 8
    assert _price(pricer, s) == (100 * 2 + 1000 * 8) / M


def test_trace_totals_mix_priced_and_unpriced(pricer: Pricer) -> None:
    a = span(trace="ab", input_tokens=1000, output_tokens=0)
    b = span(trace="ab", model="nope-1", input_tokens=1000, output_tokens=0)
    r = price_spans([a, b], pricer)
    t = r.for_trace(a.trace_id)
    assert t.usd == Decimal("2.5") * 1000 / M
    assert t.unpriced_calls == 1
    assert t.label == "$0.0025 + 1 unpriced"
    assert r.price_data.startswith("genai-prices ")


def test_group_pricing_matches_per_call_sum(pricer: Pricer) -> None:
    calls = [Usage(input=1000 + i, output=10 * i, cache_read=i) for i in range(10)]
    total = sum(calls, Usage())
    day = ns(2025, 3, 1) // (86400 * 10**9)
    g = UsageGroup(day, "a", "t", "openai", "gpt-4o", len(calls), total, 1000, 1009)
    p = pricer.price_group(g)
    assert p.status == STATUS_PRICED
    per_call = sum(pricer.price("openai", "gpt-4o", u, span_time_of(day)).usd for u in calls)
    assert p.usd == per_call


def test_group_straddling_a_price_tier_is_expanded(pricer: Pricer) -> None:
    small, big = Usage(input=100_000, output=1000), Usage(input=300_000, output=1000)
    day = ns(2025, 3, 1) // (86400 * 10**9)
    g = UsageGroup(day, "a", "t", "gcp.gemini", "gemini-2.5-pro", 2, small + big, 100_000, 300_000)
    expanded = pricer.price_group(
        g, expand=lambda _g: [(small, span_time_of(day)), (big, span_time_of(day))]
    )
    expected = (100_000 * Decimal("1.25") + 1000 * 10 + 300_000 * Decimal("2.5") + 1000 * 15) / M
    assert expanded.usd == expected
    # Same tier for every call: the aggregate is exact without expanding.
    g2 = UsageGroup(
        day, "a", "t", "gcp.gemini", "gemini-2.5-pro", 2, small + small, 100_000, 100_000
    )
    assert pricer.price_group(g2).usd == 2 * (100_000 * Decimal("1.25") + 1000 * 10) / M


def test_group_unknown_model_and_free(pricer: Pricer) -> None:
    g = UsageGroup(20000, "a", "t", "openai", "who-knows", 3, Usage(input=3), 1, 1)
    assert pricer.price_group(g).status == STATUS_UNPRICED
    g = UsageGroup(20000, "a", "t", "offline-demo", "demo", 3, Usage(input=3), 1, 1)
    assert pricer.price_group(g).status == STATUS_FREE


def span_time_of(day: int):
    from agentctl.cost.llm import day_time

    return day_time(day)


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("openai", "gpt-4o"),
        ("anthropic", "claude-sonnet-4-20250514"),
        ("gcp.gemini", "gemini-2.5-pro"),
        ("openai", "o3"),
        ("x_ai", "grok-3"),
    ],
)
def test_unit_rates_agree_with_genai_prices(pricer: Pricer, provider: str, model: str) -> None:
    import random

    when = span_time_of(20150)
    rates = pricer.unit_rates(provider, model, when)
    assert rates is not None
    rng = random.Random(3)
    for _ in range(20):
        inp = rng.choice([0, 10, 5_000, 199_999, 200_000, 200_001, 450_000])
        cr, cw = rng.randrange(0, inp // 2 + 1), rng.randrange(0, inp // 4 + 1)
        out = rng.randrange(0, 5000)
        rs = rng.randrange(0, out + 1)
        u = Usage(inp, out, cr, cw, rs)
        exact = pricer.price(provider, model, u, when).usd
        assert rates.cost(inp, out, cr, cw, rs) == exact


def test_unit_rates_unknown_and_free(pricer: Pricer) -> None:
    assert pricer.unit_rates("openai", "no-such-model", span_time_of(20150)) is None
    free = pricer.unit_rates("offline-demo", "demo", span_time_of(20150))
    assert free is not None and free.cost(100, 100, 0, 0, 0) == 0


def test_time_of_day_prices_are_priced_call_by_call(pricer: Pricer) -> None:
    # deepseek-chat: 0.27/1.1 per MTok from 00:30 to 16:30 UTC, 0.135/0.55 off-peak.
    peak, off = ns(2025, 3, 1, 10), ns(2025, 3, 1, 20)
    u = Usage(input=1_000_000, output=1_000_000)
    day = peak // (86400 * 10**9)
    g = UsageGroup(day, "a", "t", "deepseek", "deepseek-chat", 2, u + u, u.input, u.input)
    calls = [(u, span_time_of_ns(peak)), (u, span_time_of_ns(off))]
    assert pricer.price_group(g, expand=lambda _g: calls).usd == Decimal("0.27") + Decimal(
        "1.1"
    ) + Decimal("0.135") + Decimal("0.55")


def span_time_of_ns(start: int):
    from agentctl.cost.llm import span_time

    return span_time(start)
