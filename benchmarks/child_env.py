"""The environment the benchmarks run agentctl in: as installed, without colour.

pip compiles an installed package's bytecode, so a measured run reads it from
the cache: ``PYTHONDONTWRITEBYTECODE`` from the caller's environment is dropped
(with it, every module changed since its bytecode was cached is compiled again
on every run, and that compile time is counted).
"""

from __future__ import annotations

import os


def installed_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env
