"""Global settings resolved once in the root callback and passed explicitly.

Precedence: flags > ``AGENTCTL_*`` environment variables > defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
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
        )
