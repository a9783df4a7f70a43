"""Local secret values for ``agentctl dev``: read from the shell or ``.env``, never written.

On a cluster every ``spec.secrets`` entry arrives through an ExternalSecret,
as a file (``SECRET_<NAME>_FILE``; ``AGENT_MODEL_API_KEY_FILE`` for the model
key) or, with ``mount: env``, as a variable. Locally each secret is looked up
in this order (the shell wins over ``.env``):

1. ``SECRET_<NAME>_FILE``: a path to a file holding the value (used as is);
2. ``SECRET_<NAME>``: the value itself;
3. for ``mount: env`` secrets, the variable named by ``env:``.

A value given directly is handed over the way the agent reads it on the
cluster: as the ``env:`` variable for ``mount: env``; for ``mount: file`` as an
in-memory file (Linux ``memfd``, passed as ``/dev/fd/N``), so nothing lands on
disk. Where memfd is unavailable the value is passed as ``SECRET_<NAME>``
(and ``AGENT_MODEL_API_KEY`` for the model key) instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agentctl.spec.units import env_key

if TYPE_CHECKING:
    from agentctl.spec.models import Agent


@dataclass
class SecretDelivery:
    """Environment and inherited file descriptors carrying the secrets to children."""

    env: dict[str, str] = field(default_factory=dict)
    pass_fds: list[int] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # secret names that have a value
    missing: list[str] = field(default_factory=list)  # secret names without one
    consumed: set[str] = field(default_factory=set)  # source variables used (not passed through)

    def close(self) -> None:
        for fd in self.pass_fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.pass_fds.clear()


def _memfd(name: str, value: str) -> int | None:
    create = getattr(os, "memfd_create", None)
    if create is None or not Path("/dev/fd").is_dir():
        return None
    try:
        fd: int = create(f"agentctl-secret-{name}", getattr(os, "MFD_CLOEXEC", 1))
    except OSError:
        return None
    os.write(fd, value.encode("utf-8"))
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def resolve_secrets(
    agent: Agent, sources: Mapping[str, str], *, use_memfd: bool = True
) -> SecretDelivery:
    """Map each declared secret to what the local processes receive."""
    out = SecretDelivery()
    model_secret = agent.spec.model.api_key_secret if agent.spec.model else None
    for secret in agent.spec.secrets:
        key = env_key(secret.name)
        is_model_key = secret.name == model_secret
        file_var, value_var = f"SECRET_{key}_FILE", f"SECRET_{key}"
        path = sources.get(file_var)
        value = sources.get(value_var)
        out.consumed.update({file_var, value_var})
        if value is None and secret.mount == "env" and secret.env:
            value = sources.get(secret.env)
            out.consumed.add(secret.env)
        if path:
            out.found.append(secret.name)
            if secret.mount == "env" and secret.env:
                # The agent expects the value in a variable: read the file into it.
                try:
                    value = Path(path).expanduser().read_text(encoding="utf-8").strip()
                except OSError:
                    out.found.remove(secret.name)
                    out.missing.append(secret.name)
                    continue
            else:
                out.env[file_var] = str(Path(path).expanduser())
                if is_model_key:
                    out.env["AGENT_MODEL_API_KEY_FILE"] = out.env[file_var]
                continue
        if value is None or value == "":
            out.missing.append(secret.name)
            continue
        if secret.name not in out.found:
            out.found.append(secret.name)
        if secret.mount == "env" and secret.env:
            out.env[secret.env] = value
            if is_model_key:
                out.env["AGENT_MODEL_API_KEY"] = value
            continue
        fd = _memfd(secret.name, value) if use_memfd else None
        if fd is not None:
            out.pass_fds.append(fd)
            out.env[file_var] = f"/dev/fd/{fd}"
            if is_model_key:
                out.env["AGENT_MODEL_API_KEY_FILE"] = f"/dev/fd/{fd}"
        else:
            out.env[value_var] = value
            if is_model_key:
                out.env["AGENT_MODEL_API_KEY"] = value
    return out
