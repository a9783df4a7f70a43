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
    data, deep = decoded(body)
    if not isinstance(data, dict):
        what = answered(status, reason or "", _ctype(headers), body)
        why = TOO_DEEP if deep else "not a JSON object"
        raise not_kubernetes(target, path, f"{what}, {why}", status=status)
    return data


TOO_DEEP = "JSON nested too deeply to read"


def decoded(body: bytes | str) -> tuple[Any, bool]:
    """The JSON value of a body (None when it is no JSON), and whether it nests too
    deeply for the parser to read (which raises RecursionError, not ValueError)."""
    try:
        return json.loads(body), False
    except ValueError:
        return None, False
    except RecursionError:
        return None, True


# ObjectMeta's fields read as strings, and its maps of strings.
_META_STRINGS = (
    "name",
    "namespace",
    "generateName",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
)
_META_MAPS = ("labels", "annotations")
# Fields that are objects in every kind that has them.
_OBJECTS = ("metadata", "spec", "status")


def object_problem(obj: Any, kind: str = "") -> str | None:
    """What makes ``obj`` no Kubernetes object ("has metadata a list, not an object"),
    or None when it is one.

    Every object an API server answers is a JSON object whose apiVersion and kind are
    strings, whose metadata, spec and status (those it has) are objects and whose
    metadata has names, a resourceVersion, labels and annotations of the right types
    (a ConfigMap's data too). Checked where answers come in, so the code reading
    objects can rely on it; deeper fields are that code's to read with care. ``kind``:
    the kind of an object that does not say (an item of a list)."""
    if not isinstance(obj, dict):
        return f"is {_json_type(obj)}, not an object"
    for key in ("apiVersion", "kind"):
        if not isinstance(obj.get(key, ""), str):
            return f"has {key} {_json_type(obj[key])}, not a string"
    for key in _OBJECTS:
        if key == "status" and obj.get("kind") == "Status":
            continue  # a Status's status is "Success" or "Failure"
        if not isinstance(obj.get(key, {}), dict | None):
            return f"has {key} {_json_type(obj[key])}, not an object"
    md = obj.get("metadata") or {}
    for key in _META_STRINGS:
        if not isinstance(md.get(key, ""), str | None):
            return f"has metadata.{key} {_json_type(md[key])}, not a string"
    maps = [f"metadata.{key}" for key in _META_MAPS]
    if (obj.get("kind") or kind) == "ConfigMap":
        maps.append("data")
    for where in maps:
        holder, _, key = where.rpartition(".")
        value = (md if holder else obj).get(key)
        if value is not None and not (
            isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        ):
            return f"has {where} {_json_type(value)}, not an object of strings"
    return None


def event_problem(event: Any, kind: str = "") -> str | None:
    """What makes ``event`` (one line of a watch, decoded; None when it is no JSON) no
    watch event ({type, object}), or None when it is one."""
    if not isinstance(event, dict):
        return "is not JSON" if event is None else f"is {_json_type(event)}, not an object"
    if not isinstance(event.get("type"), str):
        return "has no type"
    if event["type"] == "ERROR":  # its object is a Status
        obj = event.get("object")
        return None if isinstance(obj, dict) else f"has an object that is {_json_type(obj)}"
    problem = object_problem(event.get("object"), kind)
    return f"has an object that {problem}" if problem else None


def objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a list in an answer (nothing for what is no list): for fields
    below those :func:`object_problem` checks, which may hold anything."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def texts(value: Any) -> list[str]:
    """The strings of a list in an answer (nothing for what is no list)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def mapping(value: Any) -> dict[str, Any]:
    """An object in an answer ({} for what is none)."""
    return value if isinstance(value, dict) else {}


def count(value: Any) -> int:
    """A count in an answer (a replica or restart count): 0 for what is no whole
    number (the API server answers integers; a string of digits is taken)."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 19 else 0


def name(obj: dict[str, Any]) -> str:
    """An object's ``metadata.name`` in an answer ("" for what is none)."""
    return text(mapping(obj.get("metadata")).get("name")) or ""


def labels(value: Any) -> dict[str, str]:
    """A map of labels in an answer (a selector, ``metadata.labels``): its string values."""
    return {k: v for k, v in mapping(value).items() if isinstance(v, str)}


def text(value: Any) -> str | None:
    """A string of an answer (a name, a reason, a timestamp): None for what is none."""
    return value if isinstance(value, str) else None


def timestamp(value: Any) -> Any:
    """An RFC 3339 timestamp of an answer as an aware ``datetime`` (None for what is
    none; one without an offset is taken as UTC)."""
    import datetime as dt

    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


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
