"""Global settings resolved once in the root callback and passed explicitly.

Precedence: flags > ``AGENTCTL_*`` environment variables > defaults.

This module is the one place that reads agentctl's own environment variables
(``AGENTCTL_*``, ``NO_COLOR``, ``FORCE_COLOR``): the command line reads them
into :class:`Settings` once and passes the values down, so core code takes
paths and values, never the environment (``tests/unit/test_settings_env.py``
keeps it so).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    yaml = "yaml"


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    debug: bool = False
    color: bool = True
    platform_file: str | None = None
    force_color: bool = False  # FORCE_COLOR: colour even off a terminal (CI logs)
    trace_store: str | None = None  # AGENTCTL_TRACE_STORE: the default --store
    crd_dirs: tuple[str, ...] = ()  # AGENTCTL_CRD_DIR (os.pathsep-separated), after --crd-dir
    template_repository: str | None = None  # AGENTCTL_TEMPLATE_REPOSITORY: agentctl's git source
    judge_base_url: str | None = None  # AGENTCTL_JUDGE_BASE_URL: the default --judge-url
    # credentials for a remote trace --source, AGENTCTL_SOURCE_TOKEN and the like (no repr)
    source_token: str | None = field(default=None, repr=False)
    source_user: str | None = field(default=None, repr=False)
    source_password: str | None = field(default=None, repr=False)
    source_org: str | None = field(default=None, repr=False)

    @classmethod
    def resolve(
        cls,
        *,
        debug: bool | None = None,
        platform_file: str | None = None,
        environ: Mapping[str, str] | None = None,
        stdout_isatty: bool = True,
    ) -> Settings:
        env = os.environ if environ is None else environ
        no_color = "NO_COLOR" in env and env.get("NO_COLOR", "") != ""
        force = not no_color and env.get("FORCE_COLOR", "") not in ("", "0", "false")
        return cls(
            debug=debug if debug is not None else truthy(env.get("AGENTCTL_DEBUG")),
            color=(stdout_isatty or force) and not no_color and env.get("TERM") != "dumb",
            force_color=force,
            platform_file=platform_file or env.get("AGENTCTL_PLATFORM") or None,
            trace_store=env.get("AGENTCTL_TRACE_STORE") or None,
            crd_dirs=tuple(
                p for p in env.get("AGENTCTL_CRD_DIR", "").split(os.pathsep) if p.strip()
            ),
            template_repository=env.get("AGENTCTL_TEMPLATE_REPOSITORY") or None,
            judge_base_url=env.get("AGENTCTL_JUDGE_BASE_URL") or None,
            source_token=env.get("AGENTCTL_SOURCE_TOKEN") or None,
            source_user=env.get("AGENTCTL_SOURCE_USER") or None,
            source_password=env.get("AGENTCTL_SOURCE_PASSWORD") or None,
            source_org=env.get("AGENTCTL_SOURCE_ORG_ID") or None,
        )


def debug_requested(environ: Mapping[str, str] | None = None) -> bool:
    """AGENTCTL_DEBUG, before the settings exist (the error handler of a failed start)."""
    return truthy((os.environ if environ is None else environ).get("AGENTCTL_DEBUG"))


def secret_from(name: str) -> str | None:
    """The value of the environment variable a flag names (``--judge-key-env NAME``)."""
    return os.environ.get(name) or None
