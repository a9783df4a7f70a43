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
import os
import sys
from pathlib import Path
from typing import Any

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


def declared(group: str) -> bool:
    """Whether a distribution on ``sys.path`` may declare entry points in ``group``.

    Reading the ``entry_points.txt`` files takes a few milliseconds; importing
    ``importlib.metadata`` (and the email package under it) costs more than
    listing the whole catalogue, so it is imported only when one names the
    group. A path entry that is not a directory (a zip) is left to it.
    """
    needle = f"[{group}]"
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as found:
                dists = [d.path for d in found if d.name.endswith((".dist-info", ".egg-info"))]
        except NotADirectoryError:
            return True
        except OSError:
            continue
        for dist in dists:
            try:
                with open(os.path.join(dist, "entry_points.txt"), encoding="utf-8") as f:
                    if needle in f.read():
                        return True
            except UnicodeDecodeError:
                return True  # importlib.metadata reports what is wrong with it
            except OSError:
                continue
    return False
