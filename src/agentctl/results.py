"""The versioned JSON envelope every command uses for ``-o json``.

Shape (stable, tested as a contract)::

    {"apiVersion": "agentctl.dev/v1", "kind": "<Kind>", "ok": true,
     "data": {...}, "errors": []}
"""

from __future__ import annotations

from typing import Any

ENVELOPE_API_VERSION = "agentctl.dev/v1"


def envelope(
    kind: str, data: Any, *, ok: bool = True, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "apiVersion": ENVELOPE_API_VERSION,
        "kind": kind,
        "ok": ok,
        "data": data,
        "errors": errors or [],
    }


def error_envelope(kind: str, error: dict[str, Any]) -> dict[str, Any]:
    return envelope(kind, None, ok=False, errors=[error])
