"""What an answer says: data, an explained API error, or that no API server answered.

Every Kubernetes API server answers JSON objects, and its errors as a
``Status``. A web page, a plain-text 404 or a body that is not a JSON object
means something else answered at the server's address (a web server, a proxy,
the wrong port): one line names the endpoint (the kubeconfig's server URL and
the path) and what it answered, rather than a cryptic status. TLS failures,
which the ``kubernetes`` client reports as HTTP status 0, are explained here too.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from agentctl.deploy import errors as kerr

if TYPE_CHECKING:
    from agentctl.deploy.client import Target

NOT_STATUS = (400, 404, 405)  # what web servers and proxies answer for paths they do not know


def interpret(
    target: Target, path: str, status: int, reason: str | None, headers: Any, body: bytes
) -> Any:
    """The JSON object of a successful answer (None when empty); NotKubernetes when it is none."""
    if not body.strip():
        return None
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        what = answered(status, reason or "", _ctype(headers), body)
        raise not_kubernetes(target, path, f"{what}, not a JSON object", status=status)
    return data


def error(
    target: Target,
    path: str,
    status: int,
    reason: str | None,
    headers: Any,
    body: bytes,
    info: kerr.RequestInfo,
) -> kerr.ApiFailure:
    """The error an unsuccessful answer means."""
    if status in NOT_STATUS and not _is_status(body):
        text = body.decode("utf-8", "replace") if body else ""
        if "HTTP request to an HTTPS server" in text:
            return kerr.NotKubernetes(
                f"{target.server.rstrip('/')}{path} answered {status}: the server speaks HTTPS, not HTTP",
                status=status,
                hint="use https:// in the cluster's server URL in the kubeconfig",
            )
        what = answered(status, reason or "", _ctype(headers), body)
        return not_kubernetes(target, path, what, status=status)
    return kerr.from_response(
        status,
        body,
        headers,
        info,
        identity=target.user,
        server=target.server,
        context=target.context,
    )


def status0(target: Target, reason: Any) -> kerr.ApiFailure:
    """What the client's ``ApiException(status=0)`` means: a TLS failure, or no answer at all."""
    text = str(reason or "")
    if text.startswith("SSLError"):
        return tls_failure(target.server, target.context, text)
    return kerr.ApiFailure(
        f"{target.server.rstrip('/')}: the request failed before an answer: {' '.join(text.split())[:200]}"
    )


def _ctype(headers: Any) -> str:
    return str((headers or {}).get("Content-Type") or "")


def _is_status(body: str | bytes | None) -> bool:
    """Whether an error body is a Kubernetes ``Status`` (every API server error has one)."""
    doc = kerr.status_body(body)
    return doc.get("kind") == "Status"


def not_kubernetes(target: Target, path: str, what: str, *, status: int = 0) -> kerr.NotKubernetes:
    """One line saying which endpoint answered what, and that it is no Kubernetes API server."""
    ctx = f" (context {target.context})" if target.context else ""
    return kerr.NotKubernetes(
        f"{target.server.rstrip('/')}{path}{ctx} answered {what}: "
        "this does not look like a Kubernetes API server",
        status=status,
        hint="check the cluster's server URL in the kubeconfig (scheme, host, port, path prefix) "
        "and any proxy on the way (HTTPS_PROXY, NO_PROXY)",
    )


def answered(status: int, reason: str, content_type: str, body: bytes | str | None) -> str:
    """``404 Not Found (text/html: "<html>...")``: a response, short, for messages."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    text = " ".join(text.split())
    snippet = (text[:60] + "...") if len(text) > 63 else text
    kind = (content_type or "no content type").split(";")[0].strip()
    if not snippet:
        shown = f"{kind}, empty"
    elif snippet.isprintable():
        shown = f'{kind}: "{snippet}"'
    else:
        shown = f"{kind}, {len(body or b'')} bytes"
    return f"{status} {reason}".strip() + f" ({shown})"


_TLS_HINTS = {
    "WRONG_VERSION_NUMBER": "the server at that address does not speak TLS: is it a plain HTTP port "
    "(http:// rather than https:// in the kubeconfig's server URL)?",
    "CERTIFICATE_VERIFY_FAILED": "the server's certificate is not signed by the kubeconfig's "
    "certificate-authority: check certificate-authority-data for this cluster",
}


def tls_failure(server: str, context: str | None, text: str) -> kerr.Unreachable:
    """A TLS handshake failure (which the client reports as an HTTP status 0), explained."""
    m = re.search(r"\[SSL: ([A-Z_]+)\] ([^(]+)", text)
    detail = m.group(2).strip() if m else " ".join(text.replace("SSLError", "").split())[:160]
    err = kerr.unreachable(server, context, f"TLS handshake failed ({detail or 'SSL error'})")
    err.retriable = False
    if m and m.group(1) in _TLS_HINTS:
        err.hint = _TLS_HINTS[m.group(1)]
    return err
