"""The HTTP requests of remote sources (Jaeger, Tempo, OpenCost) and of the judge.

Two rules, kept here so every client follows them:

- Redirects are never followed. A client sends credentials as headers
  (``Authorization``, ``X-Scope-OrgID``); following a ``3xx`` to another origin
  would hand them to it. A redirect is reported instead (:func:`redirected`),
  naming where it pointed, so the user can pass the final URL.
- Answers are read up to a limit (:func:`read_capped`): an endless or huge body
  is refused, never held in memory.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from agentctl.errors import AgentctlError, TelemetryError
from agentctl.urls import NOT_HEADER_SAFE, header_safe, without_credentials


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand every 3xx back as an :class:`urllib.error.HTTPError` instead of following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def urlopen(request: urllib.request.Request, timeout: float) -> Any:
    """``urllib.request.urlopen`` that never follows a redirect (a 3xx raises ``HTTPError``)."""
    return _OPENER.open(request, timeout=timeout)


def is_redirect(exc: urllib.error.HTTPError) -> bool:
    return 300 <= exc.code < 400


def redirected(shown: str, exc: urllib.error.HTTPError) -> str:
    """One line for a redirect answer: where it pointed (without user info or query)."""
    location = (exc.headers.get("Location") or "").strip() if exc.headers else ""
    if location:
        target = f" (redirect to {without_credentials(location)})"
    else:
        target = " (a redirect without a Location)"
    return (
        f"{shown} answered {exc.code}{target}; agentctl does not follow redirects: "
        "pass the final URL"
    )


def check_header_value(
    value: str | None, what: str, hint: str, error: type[AgentctlError] = TelemetryError
) -> None:
    """Refuse a credential no HTTP header can carry as it is (anything but printable ASCII)
    before anything is sent, naming ``what`` and never echoing it: ``http.client`` names
    the whole header value when it refuses one."""
    if value and not header_safe(value):
        raise error(f"{what} {NOT_HEADER_SAFE}", hint=hint)


def read_capped(resp: Any, limit: int, deadline: float | None = None) -> bytes | None:
    """At most ``limit`` bytes of ``resp``'s body, or None when it says or has more.

    With ``deadline`` (a :func:`time.monotonic` time) the body is read piece by
    piece and a server still sending it then raises :class:`TimeoutError`: the
    socket timeout bounds each read, not a body trickled a byte at a time.
    """
    length = resp.headers.get("Content-Length")
    if length and length.strip().isdigit() and int(length) > limit:
        return None
    if deadline is None:
        body = bytes(resp.read(limit + 1))
        return None if len(body) > limit else body
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        if time.monotonic() > deadline:
            raise TimeoutError("the answer did not arrive in time")
        chunk = resp.read1(min(1 << 16, limit + 1 - size))
        if not chunk:
            break
        chunks.append(bytes(chunk))
        size += len(chunk)
    return None if size > limit else b"".join(chunks)
