"""Listing the check catalogue without importing it.

``agentctl checks`` lists every check's summary. Importing the check modules
(and the email package under ``importlib.metadata``, to look for plug-ins)
costs more than the rest of the command, so the built-in summaries are kept in
``catalogue.json`` (written by docs/gen_reference.py from the modules; the
docs test fails when it is not current), and plug-ins are looked for in the
``entry_points.txt`` files first. This module imports neither the policy
model nor the registry unless a plug-in is declared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agentctl.spec.entry_points import declared

__all__ = ["CATALOGUE_FILE", "ENTRY_POINT_GROUP", "catalogue", "declared"]

ENTRY_POINT_GROUP = "agentctl.checks"
CATALOGUE_FILE = "catalogue.json"


def catalogue() -> list[dict[str, Any]]:
    """Every built-in and plug-in check's summary, as ``Check.summary`` gives it."""
    if declared(ENTRY_POINT_GROUP):
        from agentctl.policy.registry import all_checks

        return [c.summary() for c in all_checks()]
    text = (Path(__file__).parent / CATALOGUE_FILE).read_text(encoding="utf-8")
    summaries: list[dict[str, Any]] = json.loads(text)
    return summaries
