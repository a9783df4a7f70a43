"""Pricing a call from cached rates gives what genai-prices gives (differential).

``Pricer.cached_price`` prices from rate entries alone (what ``trace
--trace-id`` reads from a store), ``Pricer.price`` with genai-prices'
``calc_price``. On every model genai-prices knows, at several times of day
and dates, with generated usages (cache, reasoning, price tiers), the cached
price, when the cache has one, equals the general one.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from agentctl.cost.llm import Usage, price_spans
from agentctl.cost.prices import Pricer, RateEntry
from agentctl.spans import SpanRecord


class DictCache:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, int], RateEntry] = {}

    def get(self, key: tuple[str, str, int]) -> RateEntry | None:
        return self.entries.get(key)

    def put(self, key: tuple[str, str, int], entry: RateEntry) -> None:
        self.entries[key] = entry


def _models() -> list[tuple[str, str]]:
    from genai_prices import data_snapshot

    return [(p.id, m.id) for p in data_snapshot.get_snapshot().providers for m in p.models]


TIMES = [
    dt.datetime(2025, 3, 1, 0, 0, 1, tzinfo=dt.UTC),
    dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC),
    dt.datetime(2025, 7, 15, 23, 59, 59, tzinfo=dt.UTC),
    dt.datetime(2026, 1, 2, 6, 30, tzinfo=dt.UTC),
]


def _usages(rng: random.Random) -> list[Usage]:
    out = [Usage(input=1), Usage(output=1), Usage(input=100, output=10)]
    for _ in range(6):
        inp = rng.choice([0, 7, 5_000, 128_000, 128_001, 199_999, 200_000, 200_001, 1_000_001])
        cr, cw = rng.randrange(0, inp // 2 + 1), rng.randrange(0, inp // 4 + 1)
        o = rng.randrange(0, 20_000)
        out.append(Usage(inp, o, cr, cw, rng.randrange(0, o + 1)))
    return out


def _json_round_trip(entry: RateEntry) -> RateEntry:
    return RateEntry.from_json(entry.to_json())  # as the store keeps it


def test_cached_prices_equal_genai_prices_on_every_model() -> None:
    general = Pricer()
    rng = random.Random(7)
    models = _models()
    assert len(models) > 500
    answered = compared = 0
    for provider, model in models:
        for when in rng.sample(TIMES, 2):
            day = int(when.timestamp() // 86400)
            cache = DictCache()
            cache.put((provider, model, day), _json_round_trip(general.entry(provider, model, day)))
            cached = Pricer(cache)
            for usage in _usages(rng):
                want = general.price(provider, model, usage, when)
                got = cached.cached_price(provider, model, usage, when)
                compared += 1
                if got is None:
                    continue
                answered += 1
                assert got == want, (provider, model, usage, when)
    assert answered > compared * 0.9  # the cache answers nearly every call


@pytest.mark.parametrize(
    ("provider", "model", "usage"),
    [
        ("offline-demo", "demo", Usage(input=5)),
        ("openai", None, Usage(input=5)),
        ("openai", "gpt-4o", None),
        ("openai", "gpt-4o", Usage()),
        ("openai", "no-such-model", Usage(input=5)),
        ("no-such-provider", "gpt-4o", Usage(input=5)),
    ],
)
def test_calls_without_price_data_need_no_genai_prices(
    provider: str, model: Any, usage: Any
) -> None:
    when = TIMES[0]
    day = int(when.timestamp() // 86400)
    general = Pricer()
    cache = DictCache()
    if model:
        cache.put((provider, model, day), general.entry(provider, model, day))
    got = Pricer(cache).cached_price(provider, model, usage, when)
    assert got == general.price(provider, model, usage, when)


def test_no_entry_time_of_day_or_no_cache_leave_it_to_genai_prices() -> None:
    when = TIMES[0]
    day = int(when.timestamp() // 86400)
    u = Usage(input=1000, output=10)
    assert Pricer().cached_price("openai", "gpt-4o", u, when) is None  # no cache
    assert Pricer(DictCache()).cached_price("openai", "gpt-4o", u, when) is None  # no entry
    cache = DictCache()
    cache.put(("deepseek", "deepseek-chat", day), Pricer().entry("deepseek", "deepseek-chat", day))
    assert cache.entries[("deepseek", "deepseek-chat", day)].time_of_day
    assert Pricer(cache).cached_price("deepseek", "deepseek-chat", u, when) is None


def _span(i: int, provider: str, model: str, when: dt.datetime, **usage: int) -> SpanRecord:
    start = int(when.timestamp()) * 10**9 + i
    return SpanRecord(
        trace_id="a" * 32,
        span_id=f"{i:016x}",
        parent_span_id=None,
        name="chat",
        kind=1,
        start_unix_nano=start,
        end_unix_nano=start + 10**6,
        operation="chat",
        provider=provider,
        request_model=model,
        **usage,
    )


def test_price_spans_with_a_cache_equals_price_spans_without() -> None:
    rng = random.Random(11)
    spans = []
    for i in range(200):
        provider, model = rng.choice(
            [
                ("openai", "gpt-4o"),
                ("openai", "gpt-4o-mini"),
                ("anthropic", "claude-sonnet-4-20250514"),
                ("gcp.gemini", "gemini-2.5-pro"),
                ("deepseek", "deepseek-chat"),
                ("openai", "my-finetune"),
                ("offline-demo", "demo"),
            ]
        )
        inp = rng.choice([0, 50, 5_000, 250_000])
        spans.append(
            _span(
                i,
                provider,
                model,
                rng.choice(TIMES),
                input_tokens=inp,
                output_tokens=rng.randrange(0, 900),
                cache_read_tokens=rng.randrange(0, inp // 2 + 1),
            )
        )
    cache = DictCache()
    filler = Pricer(cache)
    for s in spans:  # the entries the cost rollups would have stored, some left out
        if rng.random() < 0.8:
            filler.entry(s.provider, s.model, s.start_unix_nano // (86400 * 10**9))
    from agentctl.cost.llm import span_time, usage_of

    answered = [
        s
        for s in spans
        if Pricer(cache).cached_price(
            s.provider, s.model, usage_of(s), span_time(s.start_unix_nano)
        )
        is not None
    ]
    assert 100 < len(answered) < len(spans)  # from the cache, and not only
    plain, cached = price_spans(spans), price_spans(spans, Pricer(cache))
    assert cached.to_dict() == plain.to_dict()
    assert cached.total_usd == plain.total_usd
