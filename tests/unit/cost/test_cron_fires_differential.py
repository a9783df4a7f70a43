"""The estimate's cron fires, counted from the parsed fields, against croniter walking the calendar.

``runs_per_month`` counts a schedule's fires in a fixed year without a cron
iterator. croniter (the reference here) walks the same year fire by fire over
the schedule's canonical form; both must give the same instants, and so the
same runs per month, for every shape of schedule Kubernetes accepts.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from croniter import CroniterBadDateError, croniter

from agentctl.cost import estimate
from agentctl.cost.estimate import fires, runs_per_month
from agentctl.spec import cron

EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
LIMIT = 400

HANDPICKED = [
    "0 6 * * *",
    "0 */6 * * *",
    "*/5 * * * *",
    "* * * * *",
    "0 9 * * 1",
    "0 9 * * mon-fri",
    "30 2 1 * *",
    "0 0 1 1 *",
    "0 0 1-31 * 1",  # both day fields restricted: either matches (every day)
    "0 0 1 * 1",  # the 1st or a Monday
    "0 0 * * 0-6",
    "0 0 29 2 1",  # Mondays of February (no 29th in the year counted)
    "0 0 31 * *",
    "0 0 13 * 5",
    "15,45 8-18/2 * jan,jul *",
    "0 0 ? * ?",
    "59 23 31 12 *",  # the year's last minute
    "0 0 * * 0",  # Sundays (the year starts on a Wednesday)
    "*/7 */5 */3 */2 */4",
    "@daily",
    "@weekly",
    "@monthly",
    "@yearly",
    "@hourly",
]


def _field(rng: random.Random, low: int, high: int, names: list[str] | None) -> str:
    def value() -> str:
        v = rng.randint(low, high)
        return names[v - low] if names and rng.random() < 0.3 else str(v)

    parts = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        shape = rng.random()
        if shape < 0.35:
            parts.append("*")
        elif shape < 0.55:
            parts.append(value())
        elif shape < 0.75:
            a, b = sorted((rng.randint(low, high), rng.randint(low, high)))
            parts.append(f"{a}-{b}")
        elif shape < 0.9:
            parts.append(f"*/{rng.randint(1, high - low + 1)}")
        else:
            a, b = sorted((rng.randint(low, high), rng.randint(low, high)))
            parts.append(f"{a}-{b}/{rng.randint(1, 5)}")
    return ",".join(parts)


MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


def _generated(count: int) -> list[str]:
    rng = random.Random(20250101)
    out = []
    while len(out) < count:
        fields = [
            _field(rng, 0, 59, None),
            _field(rng, 0, 23, None),
            _field(rng, 1, 31, None),
            _field(rng, 1, 12, MONTHS),
            _field(rng, 0, 6, DAYS),
        ]
        # mostly schedules that fire at most a few times an hour (the year walk is long)
        if rng.random() < 0.8:
            fields[0] = str(rng.randint(0, 59))
        out.append(" ".join(fields))
    return out


def _croniter_fires(parsed: cron.Schedule) -> list[int]:
    """Walk the year with croniter, fire by fire (what runs_per_month did before)."""
    it = croniter(parsed.canonical(), EPOCH - dt.timedelta(microseconds=1))
    year_end = EPOCH + dt.timedelta(days=365)
    out: list[int] = []
    try:
        while len(out) < LIMIT:
            nxt = it.get_next(dt.datetime)
            if nxt >= year_end:
                break
            out.append(int((nxt - EPOCH).total_seconds()))
    except CroniterBadDateError:  # croniter gives up on dates that never come (30 February)
        assert not out
    return out


def _rate(times: list[int]) -> Decimal:
    if len(times) == LIMIT:
        count, span = LIMIT - 1, times[-1]
    else:
        count, span = len(times), 365 * 86400
    if count <= 0:
        return Decimal(0)
    value = Decimal(count) * Decimal(30 * 86400) / Decimal(span)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("schedule", HANDPICKED + _generated(60))
def test_fires_match_croniter(schedule: str) -> None:
    parsed = cron.parse(schedule)
    assert parsed.every_seconds is None
    expected = [] if parsed.never else _croniter_fires(parsed)
    got = [] if parsed.never else fires(parsed, LIMIT)
    assert got == expected
    assert runs_per_month(schedule) == _rate(expected)


def test_a_date_that_never_comes_is_no_runs_not_a_crash() -> None:
    # croniter raised here (the build stopped with a traceback): Kubernetes accepts it, it never fires
    assert runs_per_month("0 0 30 2 *") == Decimal(0)
    assert runs_per_month("0 0 31 4,6,9,11 *") == Decimal(0)


def test_the_counting_year_is_an_ordinary_year_from_a_wednesday() -> None:
    assert estimate._CRON_EPOCH == EPOCH and EPOCH.isoweekday() == 3
    assert fires(cron.parse("0 0 * * 3"), 2)[:1] == [0]  # the first day fires at once
    assert fires(cron.parse("0 0 * * 0"), 1) == [4 * 86400]  # the first Sunday is 5 January
