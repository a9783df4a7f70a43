"""Render an agent spec into Kubernetes objects and Argo workflows (pure: spec in, dicts out).

This module stays light: the renderer and its dependencies are imported when
``render_agent`` is first called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentctl.render.bundle import Bundle
    from agentctl.spec.loader import LoadedAgent, LoadedPlatform

__all__ = ["render_agent"]


def render_agent(
    loaded: LoadedAgent, platform: LoadedPlatform, *, kube_version: str | None = None
) -> Bundle:
    """Render one loaded agent for a platform; raises RenderError for specs that cannot render."""
    from agentctl.render.api import render_agent as _render

    return _render(loaded, platform, kube_version=kube_version)
