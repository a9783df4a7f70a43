"""Backoff with full jitter, Retry-After honoured and capped."""

from __future__ import annotations

import random

from agentctl.deploy.retry import RetryPolicy, parse_retry_after


def test_backoff_grows_exponentially_and_is_capped() -> None:
    policy = RetryPolicy(base=0.5, cap=4.0, rng=random.Random(1))
    for retry in range(10):
        bound = min(4.0, 0.5 * 2**retry)
        samples = [policy.delay(retry) for _ in range(200)]
        assert all(0 <= s <= bound for s in samples)
        assert max(samples) > bound * 0.8  # full jitter spreads over the whole window


def test_retry_after_is_a_floor_and_has_a_ceiling() -> None:
    policy = RetryPolicy(base=0.1, cap=1.0, max_retry_after=30.0, rng=random.Random(2))
    assert all(policy.delay(0, 5.0) == 5.0 for _ in range(50))
    assert policy.delay(0, 3600.0) == 30.0
    assert policy.delay(6, 0.0) <= 1.0


def test_parse_retry_after_seconds_and_http_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now=now) == 10.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now=now) == 0.0
