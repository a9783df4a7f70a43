"""Workflow steps: inputs and outputs per the runtime contract.

``AGENT_STEP`` names the step, ``AGENT_STEP_ITEM`` is the JSON item a fanned-out
step handles (Argo hands a string item over as the bare string: text that is not
JSON is that string), ``AGENT_STEP_INPUTS`` the JSON object of the direct dependencies'
outputs, and ``AGENT_STEP_OUTPUT`` the file the step writes its JSON output to.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .config import ConfigError, Settings
from .storage import atomic_write_text


def item(settings: Settings) -> Any:
    if settings.step_item is None:
        raise ConfigError("AGENT_STEP_ITEM is not set (the JSON item this sub-agent handles)")
    try:
        return json.loads(settings.step_item)
    except json.JSONDecodeError:
        # Argo substitutes a string item as the string itself, without JSON quotes
        return settings.step_item


def inputs(settings: Settings) -> dict[str, Any]:
    if settings.step_inputs is None:
        return {}
    try:
        value = json.loads(settings.step_inputs)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"AGENT_STEP_INPUTS is not valid JSON: {exc.msg}") from None
    if not isinstance(value, dict):
        raise ConfigError("AGENT_STEP_INPUTS must be a JSON object {dependency: output}")
    return value


def write_output(settings: Settings, value: Any) -> Path | None:
    """Write the step's JSON output to ``AGENT_STEP_OUTPUT`` (stdout when unset), and report
    the step's spend (``AGENT_STEP_SPEND_OUTPUT``) so the rest of the run's budget is handed on."""
    from .guardrails import STEP_SPEND

    STEP_SPEND.output(settings, value)
    text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    if settings.step_output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return None
    atomic_write_text(settings.step_output, text)
    return settings.step_output
