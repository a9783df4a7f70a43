"""Settings read from the runtime contract's environment variables.

``agentctl build`` renders manifests that set these variables and
``agentctl dev`` sets the same ones locally, so this module is the only place
that reads the environment.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("agent_runtime")

OFFLINE_DEMO = "offline-demo"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
MAX_MODEL_RESPONSE = 16 * 1024 * 1024  # bytes of one model answer (AGENT_MODEL_MAX_RESPONSE_BYTES)
MAX_TOOL_RESULT = 256_000  # characters of one tool result sent to the model (AGENT_TOOL_RESULT_MAX_CHARS)


class ConfigError(ValueError):
    """An environment variable is missing or malformed."""


@dataclass(frozen=True)
class ToolEndpoint:
    """One entry of ``AGENT_TOOLS``: a tool declared in agent.yaml."""

    name: str
    kind: str
    url: str | None = None
    allow: tuple[str, ...] = ()  # mcp: the only tools of the server the model may call (empty: all)
    auth: str | None = None  # mcp: the declared secret whose value is sent as a bearer token


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r}: expected true or false")


def _number(env: Mapping[str, str], name: str, *, integer: bool = False) -> float | int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value: float | int = int(raw) if integer else float(raw)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"{name}={raw!r}: expected {kind}") from None
    if value < 0:
        raise ConfigError(f"{name}={raw!r}: must not be negative")
    return value


def _tools(env: Mapping[str, str]) -> tuple[ToolEndpoint, ...]:
    raw = env.get("AGENT_TOOLS", "").strip()
    if not raw:
        return ()
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"AGENT_TOOLS is not valid JSON: {exc.msg}") from None
    if not isinstance(items, list):
        raise ConfigError("AGENT_TOOLS must be a JSON list of {name, kind, url}")
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ConfigError("AGENT_TOOLS entries need a string 'name'")
        url = item.get("url")
        allow = item.get("tools") or []
        if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
            raise ConfigError(f"AGENT_TOOLS entry {item['name']!r}: 'tools' must be a list of tool names")
        auth = item.get("auth")
        out.append(
            ToolEndpoint(
                item["name"],
                str(item.get("kind", "")),
                url if isinstance(url, str) else None,
                tuple(allow),
                auth if isinstance(auth, str) and auth else None,
            )
        )
    return tuple(out)


def _params(env: Mapping[str, str]) -> dict[str, Any]:
    raw = env.get("AGENT_PARAMS", "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"AGENT_PARAMS is not valid JSON: {exc.msg}") from None
    if not isinstance(value, dict):
        raise ConfigError("AGENT_PARAMS must be a JSON object of run parameters {name: value}")
    return value


def tool_key(name: str) -> str:
    """Tool names compare as agentctl compares them: case-insensitive, ``-`` and ``_`` as one."""
    return name.strip().lower().replace("_", "-")


class UndeclaredToolError(ConfigError):
    """The agent would offer the model tools that agent.yaml does not declare."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        listed = ", ".join(names)
        what = f"tool {listed} is" if len(names) == 1 else f"tools {listed} are"
        example = names[0] if len(names) == 1 else "NAME"
        super().__init__(
            f"{what} not declared in agent.yaml (AGENT_TOOLS): add "
            f"{{name: {example}, kind: function}} to spec.tools; the model is offered only declared tools"
        )


def tool_env_name(name: str) -> str:
    """``AGENT_TOOL_<NAME>_URL`` for a tool name (upper-cased, ``-`` as ``_``)."""
    return "AGENT_TOOL_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "_URL"


def _api_key(env: Mapping[str, str]) -> str | None:
    path = env.get("AGENT_MODEL_API_KEY_FILE", "").strip()
    if path:
        try:
            key = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"AGENT_MODEL_API_KEY_FILE: cannot read {path}: {exc.strerror}") from None
        if key:
            return key
    key = env.get("AGENT_MODEL_API_KEY", "").strip()
    return key or None


@dataclass(frozen=True)
class Settings:
    """Everything the runtime contract gives an agent process."""

    agent_name: str = "agent"
    agent_version: str = "0.0.0"
    agent_team: str = ""
    agent_type: str = ""
    host: str = "0.0.0.0"
    port: int = 8080
    model_provider: str = OFFLINE_DEMO
    model_name: str = OFFLINE_DEMO
    model_base_url: str | None = None
    model_api_key: str | None = field(default=None, repr=False)
    max_steps: int | None = None
    max_tool_calls: int | None = None
    timeout_seconds: float | None = None
    budget_per_run_usd: float | None = None
    budget_daily_usd: float | None = None
    run_budget_remaining_usd: float | None = None  # a workflow step: what remains of the run's perRunUSD
    run_budget_handon_usd: float | None = None  # what the step hands on if it spends nothing (AGENT_RUN_BUDGET)
    price_input_per_mtok_usd: float | None = None
    price_output_per_mtok_usd: float | None = None
    model_max_response_bytes: int = MAX_MODEL_RESPONSE  # AGENT_MODEL_MAX_RESPONSE_BYTES
    tool_result_max_chars: int = MAX_TOOL_RESULT  # AGENT_TOOL_RESULT_MAX_CHARS
    memory_dir: Path | None = None
    tools: tuple[ToolEndpoint, ...] = ()
    tools_declared: bool = False  # AGENT_TOOLS is set: the model may be offered only the tools it lists
    tool_urls: Mapping[str, str] = field(default_factory=dict)
    capture_content: bool = False
    task: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)  # AGENT_PARAMS: agentctl run -p / dev --param
    step: str | None = None
    step_item: str | None = None
    step_inputs: str | None = None
    step_output: Path | None = None
    step_spend_output: Path | None = None  # where a workflow step reports what it spent

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        provider = env.get("AGENT_MODEL_PROVIDER", "").strip() or OFFLINE_DEMO
        model = env.get("AGENT_MODEL_NAME", "").strip() or (OFFLINE_DEMO if provider == OFFLINE_DEMO else "")
        if not model:
            raise ConfigError("AGENT_MODEL_NAME is not set (the pinned model id from spec.model.name)")
        port = _number(env, "AGENT_PORT", integer=True)
        if port is not None and not 0 <= int(port) <= 65535:
            raise ConfigError(f"AGENT_PORT={port}: not a TCP port")
        memory = env.get("AGENT_MEMORY_DIR", "").strip()
        output = env.get("AGENT_STEP_OUTPUT", "").strip()
        spend = env.get("AGENT_STEP_SPEND_OUTPUT", "").strip()
        tool_urls = {
            key: value.strip()
            for key, value in env.items()
            if key.startswith("AGENT_TOOL_") and key.endswith("_URL") and value.strip()
        }
        capture = _flag(env, "AGENT_CAPTURE_CONTENT") or (
            env.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "").strip().lower()
            in _TRUE | {"span_only", "event_only", "span_and_event"}
        )
        remaining, handon = _run_budget(env)
        return cls(
            agent_name=env.get("AGENT_NAME", "").strip() or cls.agent_name,
            agent_version=env.get("AGENT_VERSION", "").strip() or cls.agent_version,
            agent_team=env.get("AGENT_TEAM", "").strip(),
            agent_type=env.get("AGENT_TYPE", "").strip(),
            host=env.get("AGENT_HOST", "").strip() or cls.host,
            port=int(port) if port is not None else cls.port,
            model_provider=provider,
            model_name=model,
            model_base_url=env.get("AGENT_MODEL_BASE_URL", "").strip() or None,
            model_api_key=None if provider == OFFLINE_DEMO else _api_key(env),
            max_steps=_int_or_none(_number(env, "AGENT_MAX_STEPS", integer=True)),
            max_tool_calls=_int_or_none(_number(env, "AGENT_MAX_TOOL_CALLS", integer=True)),
            timeout_seconds=_number(env, "AGENT_TIMEOUT_SECONDS"),
            budget_per_run_usd=_number(env, "AGENT_BUDGET_PER_RUN_USD"),
            budget_daily_usd=_number(env, "AGENT_BUDGET_DAILY_USD"),
            run_budget_remaining_usd=remaining,
            run_budget_handon_usd=handon,
            price_input_per_mtok_usd=_number(env, "AGENT_PRICE_INPUT_PER_MTOK_USD"),
            price_output_per_mtok_usd=_number(env, "AGENT_PRICE_OUTPUT_PER_MTOK_USD"),
            model_max_response_bytes=_int_or_none(_number(env, "AGENT_MODEL_MAX_RESPONSE_BYTES", integer=True))
            or MAX_MODEL_RESPONSE,
            tool_result_max_chars=_int_or_none(_number(env, "AGENT_TOOL_RESULT_MAX_CHARS", integer=True))
            or MAX_TOOL_RESULT,
            memory_dir=Path(memory) if memory else None,
            tools=_tools(env),
            tools_declared=bool(env.get("AGENT_TOOLS", "").strip()),
            tool_urls=tool_urls,
            capture_content=capture,
            task=env.get("AGENT_TASK", "").strip() or None,
            params=_params(env),
            step=env.get("AGENT_STEP", "").strip() or None,
            step_item=env.get("AGENT_STEP_ITEM") or None,
            step_inputs=env.get("AGENT_STEP_INPUTS") or None,
            step_output=Path(output) if output else None,
            step_spend_output=Path(spend) if spend else None,
        )

    @property
    def offline(self) -> bool:
        return self.model_provider == OFFLINE_DEMO

    def declares(self, name: str) -> bool:
        """Whether ``AGENT_TOOLS`` lists a tool of this name (``web_search`` matches ``web-search``)."""
        key = tool_key(name)
        return any(tool_key(endpoint.name) == key for endpoint in self.tools)

    def tool_url(self, name: str) -> str | None:
        """The URL of a declared service/http tool, or None when it is not declared."""
        url = self.tool_urls.get(tool_env_name(name))
        if url:
            return url
        for endpoint in self.tools:
            if endpoint.name == name and endpoint.url:
                return endpoint.url
        return None


def _run_budget(env: Mapping[str, str]) -> tuple[float | None, float | None]:
    """A workflow step's share of the run's budget: given (``AGENT_RUN_BUDGET_REMAINING_USD``,
    by ``agentctl dev``) or worked out from the hand-off (``AGENT_RUN_BUDGET``, in Argo)."""
    remaining = _number(env, "AGENT_RUN_BUDGET_REMAINING_USD")
    if remaining is not None:
        return remaining, None
    handoff = env.get("AGENT_RUN_BUDGET", "").strip()
    if not handoff:
        return None, None
    retry = _number(env, "AGENT_STEP_RETRY", integer=True)
    return handoff_budget(handoff, int(retry or 0))


def _report(value: object) -> object:
    """A step's report as handed over: JSON text (Argo substitutes it raw or as a string)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def _left(value: object) -> float:
    """What a report hands on: ``leftUSD`` of one step, the sum over a fan-out's item reports,
    a plain number for the run's own budget; nothing for a missing or unreadable report."""
    value = _report(value)
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float):
        return max(float(value), 0.0) if math.isfinite(value) else 0.0  # JSON allows Infinity
    if isinstance(value, list):
        return sum(_left(v) for v in value)
    if isinstance(value, dict):
        return _left(value.get("leftUSD"))
    return 0.0


def _items(value: object) -> int:
    """How many items a ``forEach`` over this step's output runs (0 when unknown)."""
    value = _report(value)
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):
        n = value.get("outputItems")
        return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 0
    return 0


def handoff_budget(text: str, retry: int = 0) -> tuple[float, float]:
    """This attempt's share of the run's ``perRunUSD`` from an Argo step's ``AGENT_RUN_BUDGET``.

    ``{"from": [[REPORT, SPLIT], ...], "items": REPORT, "attempts": N}``: each
    REPORT is what a dependency handed on (its ``AGENT_STEP_SPEND_OUTPUT``; the
    run's whole ``perRunUSD`` for a step without dependencies), shared by the
    SPLIT steps that depend on it. With ``items`` (a ``forEach`` step) the share
    is split again over the items of that step's output. The share is split
    over the step's N attempts (retries included), since an attempt cannot know
    what a failed one spent: attempt ``retry`` may spend ``share / N`` and hands
    on ``share - retry * share / N`` less what it spends. A report that is
    missing or unreadable hands on nothing, so the run can only spend less.

    Returns (what this attempt may spend, what it hands on if it spends nothing).
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"AGENT_RUN_BUDGET is not valid JSON: {exc.msg}") from None
    parts = doc.get("from") if isinstance(doc, dict) else None
    if not isinstance(parts, list) or not all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[1], int) and p[1] > 0 for p in parts
    ):
        raise ConfigError('AGENT_RUN_BUDGET must be {"from": [[report, split], ...], ...} (split: a positive integer)')
    attempts = doc.get("attempts", 1)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 1:
        raise ConfigError("AGENT_RUN_BUDGET: attempts must be a positive integer")
    share = sum(_left(report) / split for report, split in parts)
    if "items" in doc:
        n = _items(doc["items"])
        share = share / n if n else 0.0
    retry = min(max(retry, 0), attempts - 1)
    allowance = share / attempts
    return allowance, allowance * (attempts - retry)


def _int_or_none(value: float | int | None) -> int | None:
    return None if value is None else int(value)
