"""Fixtures for render tests: specs written to tmp_path and loaded like users' files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from render_helpers import CRD_DIR


@pytest.fixture(autouse=True)
def _no_crd_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTCTL_CRD_DIR", raising=False)


@pytest.fixture
def write_agent(tmp_path: Path):
    counter = {"n": 0}

    def write(doc: dict[str, Any], name: str | None = None) -> Path:
        counter["n"] += 1
        d = tmp_path / (name or f"agent{counter['n']}")
        d.mkdir(parents=True, exist_ok=True)
        (d / "agent.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
        return d / "agent.yaml"

    return write


@pytest.fixture
def platform_from(tmp_path: Path):
    def make(doc: dict[str, Any] | None):
        from agentctl.spec.loader import LoadedPlatform, load_platform
        from agentctl.spec.models import default_platform

        if doc is None:
            return LoadedPlatform(default_platform(), None)
        path = tmp_path / "platform.yaml"
        full = {"apiVersion": "agentctl.dev/v1alpha1", "kind": "Platform", **doc}
        path.write_text(yaml.safe_dump(full, sort_keys=False))
        return load_platform(path)

    return make


@pytest.fixture
def render(write_agent, platform_from):
    """render(doc, platform=None | dict, env=None) -> Bundle"""
    from agentctl.render import render_agent
    from agentctl.spec.loader import load_agent

    def go(
        doc: dict[str, Any],
        platform: dict[str, Any] | None = None,
        env: str | None = None,
        **kw: Any,
    ):
        return render_agent(load_agent(write_agent(doc), env=env), platform_from(platform), **kw)

    return go


@pytest.fixture(scope="session")
def crd_validator():
    from agentctl.render.schemas import SchemaValidator

    return SchemaValidator(crd_dirs=[CRD_DIR])
