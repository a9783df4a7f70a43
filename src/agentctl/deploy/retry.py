"""Retry policy for API requests: exponential backoff with full jitter, honouring Retry-After.

Pure logic (no I/O besides the injectable ``sleep`` and ``clock``); the client
decides what is retriable (429, 5xx and transport failures, never other 4xx)
and bounds each request, retries included, by ``--request-timeout``.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8  # total tries, the first included
    base: float = 0.2  # seconds; the n-th retry waits up to base * 2**n
    cap: float = 10.0  # longest backoff between two tries
    max_retry_after: float = 30.0  # never wait longer than this for a Retry-After
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic  # for the request deadline (--request-timeout)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based)."""
        backoff = self.rng.uniform(0.0, min(self.cap, self.base * (2**retry)))
        if retry_after is None:
            return backoff
        return max(min(retry_after, self.max_retry_after), backoff)


MAX_RETRY_AFTER = 86400  # seconds, a day: longer than any budget


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(min(int(value), MAX_RETRY_AFTER)))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
