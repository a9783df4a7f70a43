"""Schedules are valid here exactly when Kubernetes' parser (robfig/cron v3) accepts them."""

from __future__ import annotations

import random

import pytest
from tests.tools import cron_oracle

from agentctl.spec import cron

HANDPICKED = [
    # what croniter accepts and Kubernetes refuses (the failure would first show at deploy)
    "0 0 L * *",
    "0 0 * * MON#1",
    "0 0 1W * *",
    "0 0 * * 7",
    "0 0 * * 5L",
    "0 0 0 0 0 0",
    "*/5 * * * * *",
    # what Kubernetes accepts
    "0 6 * * *",
    "*/15 * * * *",
    "0 0 * * mon-fri",
    "0 0 1 jan,JUL *",
    "? ? ? ? ?",
    "*-5 * * * *",
    "5/15 * * * *",
    "+5 * * * *",
    "1,,2 * * * *",
    ", * * * *",
    "0 0 * * */+2",
    "@daily",
    "@every 1h30m",
    "@every 1.5h",
    "@every -2m",
    "@every 0",
    "@every 10",
    "@every 5x",
    "@every ",
    "@DAILY",
    "@daily ",
    " @daily",
    "@reboot",
    "CRON_TZ=UTC 0 0 * * *",
    "TZ=Europe/Paris 0 0 * * *",
    "TZ=UTC",
    "",
    "   ",
    "0\t0\t*\t*\t*",
    "0 0 * * *\n",
    "0\x1c0 * * * *",
    "0 0 * * monday",
    "60 * * * *",
    "* 24 * * *",
    "* * 0 * *",
    "* * 32 * *",
    "* * * 13 *",
    "* * * 0 *",
    "5-1 * * * *",
    "1-2-3 * * * *",
    "*/0 * * * *",
    "1/2/3 * * * *",
    "99999999999999999999 * * * *",
    "-1 * * * *",
]

_ATOMS = [
    "*", "?", "0", "1", "5", "6", "7", "12", "13", "23", "24", "31", "32", "59", "60", "-1", "+3",
    "jan", "DEC", "Feb", "mon", "SUN", "sat", "L", "W", "1W", "5L", "#", "MON#2", "", "00", "007",
    "x", "1.5", "\u0661",
]  # fmt: skip


# Values inside each field's range (minute, hour, day of month, month, day of week).
_VALID = [
    ["0", "5", "30", "59", "*"],
    ["0", "6", "12", "23", "*"],
    ["1", "15", "28", "31", "?"],
    ["1", "6", "12", "jan", "Dec", "*"],
    ["0", "3", "6", "mon", "FRI", "sun", "*"],
]


def _expr(rng: random.Random, index: int) -> str:
    kind = rng.random()
    pool = _VALID[index] if rng.random() < 0.85 else _ATOMS
    atom = rng.choice(pool)
    if kind < 0.35:
        text = atom
    elif kind < 0.6:
        text = f"{atom}-{rng.choice(pool)}"
    elif kind < 0.8:
        text = f"{atom}/{rng.choice(['1', '2', '2', '15', '0', '-1', '', 'x', '+2'])}"
    else:
        text = f"{atom}-{rng.choice(pool)}/{rng.choice(['2', '0', '3'])}"
    return text


def _field(rng: random.Random, index: int) -> str:
    return ",".join(_expr(rng, index % 5) for _ in range(rng.choice([1, 1, 1, 2, 3])))


def corpus(n: int = 6000, seed: int = 20261206) -> list[str]:
    rng = random.Random(seed)
    out = list(HANDPICKED)
    for _ in range(n):
        roll = rng.random()
        if roll < 0.05:
            out.append(
                rng.choice(["@every ", "@", "@hourly", "@weekly", "@yearly", "@annually"])
                + rng.choice(["", "1h", "90s", "1h30m", "1.5h", ".5s", "1us", "3µs", "5", "h"])
            )
            continue
        count = rng.choices([5, 4, 6, 3], weights=[85, 5, 5, 5])[0]
        sep = rng.choice([" ", " ", " ", "  ", "\t", " \u00a0"])
        text = sep.join(_field(rng, i) for i in range(count))
        if roll > 0.98:
            text = rng.choice(["CRON_TZ=UTC ", "TZ=UTC ", " "]) + text
        out.append(text)
    return out


@pytest.fixture(scope="module")
def oracle() -> None:
    try:
        cron_oracle.binary()
    except cron_oracle.Unavailable as exc:
        pytest.skip(f"no robfig/cron oracle: {exc}")


def _ours(schedule: str) -> str | None:
    try:
        cron.parse(schedule)
    except ValueError as exc:
        return str(exc)
    return None


@pytest.mark.slow
def test_the_validator_agrees_with_kubernetes_parser(oracle: None) -> None:
    schedules = corpus()
    theirs = cron_oracle.verdicts(schedules)
    disagree = [
        (s, t, o)
        for s, t in zip(schedules, theirs, strict=True)
        if (t is None) != ((o := _ours(s)) is None)
    ]
    assert not disagree, "\n".join(
        f"{s!r}: kubernetes {'accepts' if t is None else 'refuses (' + t + ')'}, "
        f"agentctl {'accepts' if o is None else 'refuses (' + o + ')'}"
        for s, t, o in disagree[:30]
    )
    # the corpus exercises both sides
    accepted = sum(t is None for t in theirs)
    assert 200 < accepted < len(schedules) - 200


def test_the_probe_schedules_croniter_accepted_are_refused() -> None:
    for schedule in ("0 0 L * *", "0 0 * * MON#1", "0 0 1W * *"):
        assert _ours(schedule) is not None, schedule
