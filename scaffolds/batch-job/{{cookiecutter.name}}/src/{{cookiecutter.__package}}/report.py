"""The daily report: tools over the day's metrics and the agent that writes it.

Metrics come from ``<memory dir>/data/metrics-<date>.json`` when that file
exists (write it from your warehouse export), otherwise from a deterministic
sample generator so the job runs out of the box; the tool result says which.

A run takes parameters from ``AGENT_PARAMS`` (``agentctl run NAME -p
date=2025-03-14 -p topic=latency`` on a cluster, ``agentctl dev --param`` on
your machine): ``date``, the day to report on, and ``topic``, a subject the
report should pay particular attention to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from {{ cookiecutter.__package }}._runtime import Agent, ConfigError, Settings, Toolbox, ToolError, tool
from {{ cookiecutter.__package }}._runtime.storage import atomic_write_json, atomic_write_text

SYSTEM_PROMPT = """You write the daily operations report of {{ cookiecutter.team }}.
Fetch the day's metrics and compare them with the previous day using the tools,
then write a short Markdown report: a one-line summary, the key numbers, what
changed and anything that needs attention. Never invent numbers."""
PARAMS = {"date": "the day to report on (YYYY-MM-DD)", "topic": "a subject to pay particular attention to"}
_DATE = {"type": "string", "format": "date", "description": "Day in YYYY-MM-DD."}
_DATE_ONLY = {"type": "object", "properties": {"date": _DATE}, "required": ["date"], "additionalProperties": False}


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ToolError(f"{value!r} is not a date in YYYY-MM-DD") from None


@dataclass(frozen=True)
class RunParams:
    """The parameters of one run, from ``AGENT_PARAMS``."""

    date: dt.date | None = None
    topic: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RunParams:
        """Read and check ``settings.params``; a ConfigError names what is wrong (the job exits 2)."""
        params = settings.params
        unknown = sorted(set(params) - set(PARAMS))
        if unknown:
            known = ", ".join(f"{k} ({v})" for k, v in PARAMS.items())
            raise ConfigError(f"AGENT_PARAMS: unknown parameter {unknown[0]!r}; this job takes {known}")
        day = None
        if params.get("date") not in (None, ""):
            try:
                day = dt.date.fromisoformat(str(params["date"]))
            except ValueError:
                raise ConfigError(f"AGENT_PARAMS: date {params['date']!r} is not a day in YYYY-MM-DD") from None
        topic = str(params.get("topic") or "").strip() or None
        if topic is not None and len(topic) > 200:
            raise ConfigError("AGENT_PARAMS: topic is longer than 200 characters")
        return cls(day, topic)


def sample_metrics(day: dt.date) -> dict[str, Any]:
    """Plausible, deterministic numbers for ``day`` (the same day always gives the same numbers)."""
    seed = int(hashlib.sha256(day.isoformat().encode()).hexdigest()[:8], 16)
    requests = 90_000 + seed % 20_000
    errors = 40 + (seed >> 8) % 160
    return {
        "date": day.isoformat(),
        "requests": requests,
        "errors": errors,
        "error_rate": round(errors / requests, 5),
        "p95_latency_ms": 180 + (seed >> 16) % 120,
        "llm_cost_usd": round(20 + ((seed >> 4) % 1500) / 100, 2),
        "source": "sample",
    }


class Metrics:
    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir

    def get(self, day: dt.date) -> dict[str, Any]:
        if self.data_dir is not None:
            path = self.data_dir / f"metrics-{day.isoformat()}.json"
            if path.is_file():
                data = json.loads(path.read_text(encoding="utf-8"))
                return {**data, "date": day.isoformat(), "source": str(path.name)}
        return sample_metrics(day)


def build_toolbox(metrics: Metrics) -> Toolbox:
    @tool(
        description="Fetch the daily operations metrics (requests, errors, latency, cost) for a date.",
        parameters=_DATE_ONLY,
    )
    def fetch_metrics(date: str) -> dict[str, Any]:
        return metrics.get(_day(date))

    @tool(
        description="Compare a day's metrics with the previous day: absolute and relative changes.",
        parameters=_DATE_ONLY,
    )
    def compare_with_previous_day(date: str) -> dict[str, Any]:
        day = _day(date)
        today, before = metrics.get(day), metrics.get(day - dt.timedelta(days=1))
        changes = {}
        for key in ("requests", "errors", "error_rate", "p95_latency_ms", "llm_cost_usd"):
            if isinstance(today.get(key), int | float) and isinstance(before.get(key), int | float):
                delta = today[key] - before[key]
                pct = round(100 * delta / before[key], 1) if before[key] else None
                changes[key] = {"delta": round(delta, 5), "percent": pct}
        return {"date": day.isoformat(), "previous": before["date"], "changes": changes}

    return Toolbox([fetch_metrics, compare_with_previous_day])


def write_report(settings: Settings, day: dt.date, *, topic: str | None = None, client: Any = None) -> dict[str, Any]:
    """One run: the agent writes the report; it is saved under the memory dir when there is one."""
    data_dir = settings.memory_dir / "data" if settings.memory_dir else None
    agent = Agent(settings, build_toolbox(Metrics(data_dir)), SYSTEM_PROMPT, client=client)
    task = (
        f"Write the daily operations report for {day.isoformat()}: fetch the metrics and compare them "
        "with the previous day."
    )
    if topic:
        task += f" Pay particular attention to {topic}."
    result = agent.run(task)
    report = f"# Daily report {day.isoformat()}\n\n{result.output.strip()}\n"
    saved = None
    if settings.memory_dir is not None:
        target = settings.memory_dir / "reports" / f"{day.isoformat()}.md"
        atomic_write_text(target, report)
        summary = {"date": day.isoformat(), "topic": topic, **result.to_dict()}
        atomic_write_json(settings.memory_dir / "reports" / "latest.json", summary)
        saved = str(target)
    return {"date": day.isoformat(), "topic": topic, "report": report, "saved": saved, "run": result.to_dict()}
