"""Hera is imported only when a workflow agent is rendered; the package itself is light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import sys
import agentctl.render
assert not any(m.startswith(("hera", "jsonschema_rs", "agentctl.render.api")) for m in sys.modules), "heavy import"
from agentctl.render import render_agent
from agentctl.spec.loader import load_agent, load_platform
platform = load_platform({platform!r})
render_agent(load_agent({service!r}), platform)
assert "hera" not in sys.modules, "hera imported for a service agent"
render_agent(load_agent({workflow!r}), platform)
assert "hera" in sys.modules
"""


def test_hera_only_for_workflows():
    code = SCRIPT.format(
        platform=str(ROOT / "examples" / "platform.yaml"),
        service=str(ROOT / "examples" / "currency-converter"),
        workflow=str(ROOT / "examples" / "deep-research"),
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
