"""LLM cost with genai-prices, priced at the time of each call.

- OTel provider names are mapped to genai-prices providers (:data:`PROVIDER_ALIASES`).
- ``input_tokens`` includes cached tokens (OTel convention); a span whose cache
  counts exceed its input (an Anthropic-style count that excludes the cache)
  is corrected by adding them back, here and in the SQL aggregates alike.
- A model genai-prices cannot price is *unpriced*: reported with its tokens,
  never as $0. The ``offline-demo`` provider is free by design and reported
  as its own, labelled line.
- Only inference spans carry spend: usage on ``invoke_agent``,
  ``invoke_workflow``, ``create_agent`` and ``execute_tool`` spans (often a
  roll-up of their children) is ignored so nothing is counted twice.

Prices come from :class:`agentctl.cost.prices.Pricer` (``genai_prices`` is
imported lazily: it costs ~0.25 s).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from agentctl.cost.tracecost import TraceCost
from agentctl.spans import SpanRecord

if TYPE_CHECKING:
    from agentctl.cost.prices import Pricer

__all__ = ["TraceCost"]  # kept importable from here

OFFLINE_DEMO = "offline-demo"

STATUS_PRICED = "priced"
STATUS_UNPRICED = "unpriced"
STATUS_FREE = "free"  # offline-demo
STATUS_NO_USAGE = "no-usage"

# Operations whose token counts are roll-ups or not model calls at all.
NON_INFERENCE_OPS = frozenset({"invoke_agent", "invoke_workflow", "create_agent", "execute_tool"})

# OTel gen_ai.provider.name -> genai-prices provider ids, tried in order.
PROVIDER_ALIASES: dict[str, tuple[str, ...]] = {
    "openai": ("openai",),
    "anthropic": ("anthropic",),
    "x_ai": ("x-ai",),
    "xai": ("x-ai",),
    "gcp.vertex_ai": ("google",),
    "gcp.gemini": ("google",),
    "gcp.gen_ai": ("google",),
    "azure.ai.openai": ("azure", "openai"),
    "azure.ai.inference": ("azure",),
    "aws.bedrock": ("aws",),
    "mistral_ai": ("mistral",),
    "deepseek": ("deepseek",),
    "groq": ("groq",),
    "cohere": ("cohere",),
    "perplexity": ("perplexity",),
}


def genai_prices_providers(provider: str | None) -> tuple[str, ...]:
    """The genai-prices provider ids to try for an OTel provider name."""
    if not provider:
        return ()
    key = provider.strip().lower()
    return PROVIDER_ALIASES.get(key, (key,))


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts (sums when aggregated). ``input`` includes cache, ``output`` reasoning."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input + other.input,
            self.output + other.output,
            self.cache_read + other.cache_read,
            self.cache_write + other.cache_write,
            self.reasoning + other.reasoning,
        )

    @property
    def total(self) -> int:
        return self.input + self.output

    @property
    def empty(self) -> bool:
        return not (
            self.input or self.output or self.cache_read or self.cache_write or self.reasoning
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "input": self.input,
            "output": self.output,
            "cacheRead": self.cache_read,
            "cacheWrite": self.cache_write,
            "reasoning": self.reasoning,
        }


def usage_of(span: SpanRecord) -> Usage | None:
    """The span's token usage, or None when it reports none (or is not a model call)."""
    if span.operation in NON_INFERENCE_OPS:
        return None
    counts = (
        span.input_tokens,
        span.output_tokens,
        span.cache_read_tokens,
        span.cache_write_tokens,
        span.reasoning_tokens,
    )
    if all(c is None for c in counts):
        return None
    inp, out, cr, cw, rs = (max(0, int(c or 0)) for c in counts)
    if cr + cw > inp:  # cache counted outside input_tokens (Anthropic API style)
        inp += cr + cw
    return Usage(inp, max(out, rs), cr, cw, rs)


def is_model_call(span: SpanRecord) -> bool:
    """An inference span: has a model or usage, and is not an agent/workflow/tool span."""
    if span.operation in NON_INFERENCE_OPS:
        return False
    if span.operation in ("chat", "text_completion", "generate_content", "embeddings"):
        return True
    return span.model is not None and usage_of(span) is not None


@dataclass(frozen=True, slots=True)
class Price:
    status: str  # priced | unpriced | free | no-usage
    usd: Decimal | None  # None when unpriced or without usage; 0 when free
    provider_id: str | None = None  # genai-prices ids that priced it
    model_id: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "usd": float(self.usd) if self.usd is not None else None,
        }
        if self.provider_id:
            out["priceProvider"] = self.provider_id
        if self.model_id:
            out["priceModel"] = self.model_id
        if self.reason:
            out["reason"] = self.reason
        return out


def span_time(start_unix_nano: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(start_unix_nano / 1e9, tz=_dt.UTC)


def day_time(day: int) -> _dt.datetime:
    """Noon UTC of a day number (days since the Unix epoch): prices change per UTC date."""
    return _dt.datetime(1970, 1, 1, 12, tzinfo=_dt.UTC) + _dt.timedelta(days=day)


@dataclass(frozen=True, slots=True)
class UsageGroup:
    """Model calls aggregated over one UTC day (what the SQL aggregates return)."""

    day: int  # days since the Unix epoch (UTC)
    agent: str | None
    team: str | None
    provider: str | None
    model: str | None
    calls: int
    usage: Usage
    min_input: int = 0
    max_input: int = 0
    version: str | None = None


# ---------------------------------------------------------------------------
# Pricing a list of spans (for trace views)
# ---------------------------------------------------------------------------


@dataclass
class SpanCost:
    span_id: str
    trace_id: str
    provider: str | None
    model: str | None
    usage: Usage | None
    price: Price

    def to_dict(self) -> dict[str, Any]:
        return {
            "spanId": self.span_id,
            "traceId": self.trace_id,
            "provider": self.provider,
            "model": self.model,
            "usage": self.usage.to_dict() if self.usage else None,
            **self.price.to_dict(),
        }


@dataclass
class PriceResult:
    """Per-span and per-trace LLM cost of a list of spans."""

    spans: dict[str, SpanCost] = field(default_factory=dict)  # span_id -> cost (model calls only)
    traces: dict[str, TraceCost] = field(default_factory=dict)  # trace_id -> totals
    price_data: str = ""

    @property
    def total_usd(self) -> Decimal:
        return sum((t.usd for t in self.traces.values()), Decimal(0))

    def for_span(self, span_id: str) -> SpanCost | None:
        return self.spans.get(span_id)

    def for_trace(self, trace_id: str) -> TraceCost:
        return self.traces.get(trace_id, TraceCost())

    def to_dict(self) -> dict[str, Any]:
        return {
            "priceData": self.price_data,
            "totalUSD": float(self.total_usd),
            "traces": {k: v.to_dict() for k, v in self.traces.items()},
            "spans": {k: v.to_dict() for k, v in self.spans.items()},
        }


def price_spans(spans: Iterable[SpanRecord], pricer: Pricer | None = None) -> PriceResult:
    """Price every model call in ``spans`` at its start time.

    Each model-call span gets a :class:`SpanCost` whose ``price.status`` is
    ``priced`` (``usd`` set), ``unpriced`` (unknown model: ``usd`` None, tokens
    kept), ``free`` (offline-demo) or ``no-usage``. Other spans are skipped.
    A ``pricer`` with a rate cache prices from it what it can (genai-prices is
    then imported only for a model and day the cache does not hold).
    """
    if pricer is None:
        from agentctl.cost.prices import Pricer

        pricer = Pricer()
    out = PriceResult(price_data=pricer.data_version)
    for s in spans:
        if not is_model_call(s):
            continue
        usage = usage_of(s)
        when = span_time(s.start_unix_nano)
        price = (
            pricer.cached_price(s.provider, s.model, usage, when)
            if pricer.cache is not None
            else None
        )
        if price is None:
            price = pricer.price(s.provider, s.model, usage, when)
        out.spans[s.span_id] = SpanCost(s.span_id, s.trace_id, s.provider, s.model, usage, price)
        t = out.traces.setdefault(s.trace_id, TraceCost())
        t.calls += 1
        if price.status == STATUS_PRICED and price.usd is not None:
            t.usd += price.usd
        elif price.status == STATUS_UNPRICED:
            t.unpriced_calls += 1
        elif price.status == STATUS_FREE:
            t.free_calls += 1
        else:
            t.no_usage_calls += 1
    return out
