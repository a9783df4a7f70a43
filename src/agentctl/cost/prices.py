"""The pricing engine over genai-prices.

- :meth:`Pricer.price` prices one call with ``genai_prices.calc_price`` at the
  call's time.
- :meth:`Pricer.unit_rates` turns a model's price at a time into exact linear
  coefficients (a fee per call and a price per token of each kind, per price
  tier), measured with ``calc_price`` itself and cached per price period, so
  thousands of aggregated groups are priced with Decimal arithmetic instead of
  one genai-prices call each.
- :meth:`Pricer.price_group` prices an aggregate of calls: exact when all of
  them fall in one price tier and the model has no time-of-day prices;
  otherwise the calls are priced one by one (``expand``).
"""

from __future__ import annotations

import datetime as _dt
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from agentctl.cost.llm import (
    OFFLINE_DEMO,
    STATUS_FREE,
    STATUS_NO_USAGE,
    STATUS_PRICED,
    STATUS_UNPRICED,
    Price,
    Usage,
    UsageGroup,
    day_time,
    genai_prices_providers,
)

_ZERO = Decimal(0)


def data_version() -> str:
    """The genai-prices release whose bundled price data we use (found without importing it,
    once per process: see ``genai_prices_release``)."""
    from agentctl.cost.tracecost import genai_prices_release

    release = genai_prices_release()
    if release is None:  # pragma: no cover - a declared dependency
        return "genai-prices (unknown version)"
    return f"genai-prices {release} (bundled data)"


@dataclass(frozen=True, slots=True)
class UnitRates:
    """Exact linear USD prices of one model in one price period.

    ``bands[i]`` = (fee per call, input, cache read, cache write, output,
    reasoning per token) applies when a call's input tokens exceed
    ``starts[i]`` (the last such band wins; ``starts[0]`` is -1).
    """

    starts: tuple[int, ...]
    bands: tuple[tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal], ...]

    def band(self, input_tokens: int | Decimal) -> int:
        idx = 0
        for i, start in enumerate(self.starts):
            if input_tokens > start:
                idx = i
        return idx

    def cost(self, inp: int, out: int, cr: int = 0, cw: int = 0, rs: int = 0) -> Decimal:
        """One call's price (input includes cache, output includes reasoning)."""
        if cr + cw > inp:
            inp += cr + cw
        return self.cost_sum(Usage(inp, max(out, rs), cr, cw, rs), 1, self.band(inp))

    def cost_sum(self, u: Usage, calls: int, band: int) -> Decimal:
        """The price of ``calls`` calls in one band whose usage sums to ``u``."""
        fee, r_in, r_cr, r_cw, r_out, r_rs = self.bands[band]
        return (
            fee * calls
            + (u.input - u.cache_read - u.cache_write) * r_in
            + u.cache_read * r_cr
            + u.cache_write * r_cw
            + (u.output - u.reasoning) * r_out
            + u.reasoning * r_rs
        )


@dataclass(frozen=True, slots=True)
class RateEntry:
    """A model's prices on one UTC day, as cached."""

    rates: UnitRates | None  # None: cannot be priced (``reason`` says why)
    provider_id: str | None  # genai-prices ids
    model_id: str | None
    time_of_day: bool  # prices change within the day: price calls one by one
    reason: str | None

    def to_json(self) -> str:
        r = self.rates
        return json.dumps(
            {
                "starts": list(r.starts) if r else None,
                "bands": [[str(x) for x in b] for b in r.bands] if r else None,
                "provider": self.provider_id,
                "model": self.model_id,
                "timeOfDay": self.time_of_day,
                "reason": self.reason,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> RateEntry:
        d = json.loads(text)
        rates = None
        if d.get("starts") is not None:
            bands = tuple(tuple(Decimal(x) for x in b) for b in d["bands"])
            rates = UnitRates(tuple(d["starts"]), bands)  # type: ignore[arg-type]
        return cls(
            rates, d.get("provider"), d.get("model"), bool(d.get("timeOfDay")), d.get("reason")
        )


class RateCache(Protocol):
    """Where :class:`Pricer` keeps rate entries between runs (keyed by provider, model, UTC day)."""

    def get(self, key: tuple[str, str, int]) -> RateEntry | None: ...

    def put(self, key: tuple[str, str, int], entry: RateEntry) -> None: ...


@dataclass
class _Resolved:
    provider: Any
    model: Any
    time_of_day: bool  # prices vary within a day (off-peak discounts)


_FREE_RATES = UnitRates((-1,), ((_ZERO,) * 6,))


class Pricer:
    """Prices usage with genai-prices, caching model lookups (misses included) and rates."""

    def __init__(self, cache: RateCache | None = None) -> None:
        self.cache = cache
        self._gp: Any = None
        self._snapshot: Any = None
        self._resolved: dict[tuple[str | None, str], _Resolved | str] = {}
        self._rates: dict[tuple[str, str, int], tuple[Any, UnitRates | None]] = {}

    @property
    def snapshot(self) -> Any:
        if self._snapshot is None:
            import genai_prices
            from genai_prices import data_snapshot

            self._gp = genai_prices
            self._snapshot = data_snapshot.get_snapshot()
        return self._snapshot

    @property
    def data_version(self) -> str:
        """What the prices come from, for stamping reports."""
        loaded = sys.modules.get("genai_prices.data_snapshot")
        snap = loaded.get_snapshot() if loaded is not None and self._snapshot is not None else None
        if snap is not None and getattr(snap, "from_auto_update", False):
            return f"genai-prices {self._gp.__version__} (data updated {snap.timestamp:%Y-%m-%d %H:%M})"
        return data_version()

    def resolve(self, provider: str | None, model: str) -> _Resolved | str:
        """The genai-prices provider and model, or the reason there are none."""
        key = (provider, model)
        hit = self._resolved.get(key)
        if hit is not None:
            return hit
        from genai_prices.types import TimeOfDateConstraint

        candidates: tuple[str | None, ...] = genai_prices_providers(provider) or (None,)
        result: _Resolved | str = f"genai-prices has no price for {provider or '?'}/{model}"
        for pid in candidates:
            try:
                gp_provider, gp_model = self.snapshot.find_provider_model(model, None, pid, None)
            except LookupError:
                continue
            tod = isinstance(gp_model.prices, list) and any(
                isinstance(c.constraint, TimeOfDateConstraint) for c in gp_model.prices
            )
            result = _Resolved(gp_provider, gp_model, tod)
            break
        self._resolved[key] = result
        return result

    def _calc(self, r: _Resolved, usage: Usage, when: _dt.datetime) -> Any:
        from genai_prices import Usage as GpUsage

        kwargs: dict[str, Any] = {"input_tokens": usage.input, "output_tokens": usage.output}
        if usage.cache_read:
            kwargs["cache_read_tokens"] = usage.cache_read
        if usage.cache_write:
            kwargs["cache_write_tokens"] = usage.cache_write
        if usage.reasoning:
            kwargs["output_reasoning_tokens"] = usage.reasoning
        _ = self.snapshot
        return self._gp.calc_price(
            GpUsage(**kwargs),
            model_ref=r.model.id,
            provider_id=r.provider.id,
            genai_request_timestamp=when,
        )

    def price(
        self, provider: str | None, model: str | None, usage: Usage | None, when: _dt.datetime
    ) -> Price:
        """Price one model call with ``calc_price`` at ``when``."""
        plain = _unpriceable(provider, model, usage)
        if plain is not None:
            return plain
        assert model is not None and usage is not None
        r = self.resolve(provider, model)
        if isinstance(r, str):
            return Price(STATUS_UNPRICED, None, reason=r)
        try:
            calc = self._calc(r, usage, when)
        except (LookupError, ValueError) as exc:
            return Price(STATUS_UNPRICED, None, reason=str(exc))
        return Price(STATUS_PRICED, calc.total_price, r.provider.id, r.model.id)

    def cached_price(
        self, provider: str | None, model: str | None, usage: Usage | None, when: _dt.datetime
    ) -> Price | None:
        """What :meth:`price` gives, from the rate cache alone (no genai-prices import), or
        None when the cache cannot say: no entry for the model's day, prices that change
        within the day, or rates that could not be measured (price may still find one)."""
        plain = _unpriceable(provider, model, usage)
        if plain is not None:
            return plain
        assert model is not None and usage is not None
        day = int(when.timestamp() // 86400)
        e = self.cache.get((provider or "", model, day)) if self.cache is not None else None
        if e is None or e.time_of_day:
            return None
        if e.rates is None:
            unknown = f"genai-prices has no price for {provider or '?'}/{model}"
            return Price(STATUS_UNPRICED, None, reason=e.reason) if e.reason == unknown else None
        band = e.rates.band(usage.input)
        return Price(STATUS_PRICED, e.rates.cost_sum(usage, 1, band), e.provider_id, e.model_id)

    def _unit_rates(self, r: _Resolved, when: _dt.datetime) -> UnitRates | None:
        model_price = r.model.get_prices(when)
        key = (r.provider.id, r.model.id, id(model_price))
        hit = self._rates.get(key)
        if hit is not None:
            return hit[1]
        rates: UnitRates | None
        try:
            starts = sorted(set(_tier_starts(model_price)))
            fee = self._calc(r, Usage(), when).total_price
            bands = []
            for lo in [-1, *starts]:
                x = max(lo + 1, 1)
                n = Decimal(x)
                base = self._calc(r, Usage(input=x), when).total_price
                cr = self._calc(r, Usage(input=x, cache_read=x), when).total_price
                cw = self._calc(r, Usage(input=x, cache_write=x), when).total_price
                out = self._calc(r, Usage(input=x, output=x), when).total_price
                rs = self._calc(r, Usage(input=x, output=x, reasoning=x), when).total_price
                bands.append(
                    (
                        fee,
                        (base - fee) / n,
                        (cr - fee) / n,
                        (cw - fee) / n,
                        (out - base) / n,
                        (rs - base) / n,
                    )
                )
            rates = UnitRates((-1, *starts), tuple(bands))
        except (LookupError, ValueError):
            rates = None
        self._rates[key] = (model_price, rates)  # keeps model_price alive: its id stays unique
        return rates

    def entry(self, provider: str | None, model: str | None, day: int) -> RateEntry:
        """What a model costs on a UTC day: linear rates, or why it cannot be priced.

        Served from the rate cache when one is given (no genai-prices import
        needed), else measured with genai-prices and put in the cache.
        """
        if provider and provider.strip().lower() == OFFLINE_DEMO:
            return RateEntry(_FREE_RATES, None, None, False, None)
        if not model:
            return RateEntry(None, None, None, False, "no model name on the span")
        key = (provider or "", model, day)
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is not None:
            return hit
        r = self.resolve(provider, model)
        if isinstance(r, str):
            found = RateEntry(None, None, None, False, r)
        else:
            rates = self._unit_rates(r, day_time(day))
            reason = None if rates is not None else f"genai-prices cannot price {model}"
            found = RateEntry(rates, r.provider.id, r.model.id, r.time_of_day, reason)
        if self.cache is not None:
            self.cache.put(key, found)
        return found

    def unit_rates(
        self, provider: str | None, model: str | None, when: _dt.datetime
    ) -> UnitRates | None:
        """Linear rates of a model at ``when`` (None when it cannot be priced)."""
        day = int(when.timestamp() // 86400)
        return self.entry(provider, model, day).rates

    def price_group(
        self,
        group: UsageGroup,
        expand: Callable[[UsageGroup], Iterable[tuple[Usage, _dt.datetime]]] | None = None,
    ) -> Price:
        """Price ``group.calls`` calls whose usage sums to ``group.usage`` on one UTC day.

        Exact when every call falls in one price tier (checked with the group's
        min and max input tokens) and prices do not change within the day;
        otherwise the calls are priced one by one through ``expand`` (without
        it, at the day's rates and the tier of the average call).
        """
        if group.provider and group.provider.strip().lower() == OFFLINE_DEMO:
            return Price(STATUS_FREE, _ZERO, reason="offline demo model (free)")
        if group.usage.empty:
            return Price(STATUS_NO_USAGE, None, reason="no token usage reported")
        e = self.entry(group.provider, group.model, group.day)
        if e.rates is None:
            return Price(STATUS_UNPRICED, None, reason=e.reason)
        rates = e.rates
        lo, hi = rates.band(group.min_input), rates.band(group.max_input)
        if (lo != hi or e.time_of_day) and expand is not None:
            total, seen = _ZERO, 0
            for usage, at in expand(group):
                p = self.price(group.provider, group.model, usage, at)
                if p.usd is None and p.status != STATUS_NO_USAGE:
                    return p
                total += p.usd or _ZERO
                seen += 1
            if seen == group.calls:  # else some spans are gone (retention): price the aggregate
                return Price(STATUS_PRICED, total, e.provider_id, e.model_id)
        band = (
            hi
            if lo == hi
            else rates.band(Decimal(group.usage.input) / Decimal(max(group.calls, 1)))
        )
        return Price(
            STATUS_PRICED, rates.cost_sum(group.usage, group.calls, band), e.provider_id, e.model_id
        )


def _unpriceable(provider: str | None, model: str | None, usage: Usage | None) -> Price | None:
    """The price of a call that needs no price data (free, no usage, no model), else None."""
    if provider and provider.strip().lower() == OFFLINE_DEMO:
        return Price(STATUS_FREE, _ZERO, reason="offline demo model (free)")
    if usage is None or usage.empty:
        return Price(STATUS_NO_USAGE, None, reason="no token usage reported")
    if not model:
        return Price(STATUS_UNPRICED, None, reason="no model name on the span")
    return None


def _tier_starts(model_price: Any) -> list[int]:
    from genai_prices.types import TieredPrices

    starts: list[int] = []
    for value in vars(model_price).values():
        if isinstance(value, TieredPrices):
            starts.extend(t.start for t in value.tiers)
    return starts
