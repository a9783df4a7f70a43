"""Cluster errors, explained: what was denied, which field, which other manager.

Pure functions from an HTTP status, the server's ``Status`` body and what we
were doing to one clear error. ``deploy/client.py`` is the one caller: it
catches ``ApiException`` and transport errors and hands them here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentctl.deploy.retry import RETRIABLE_STATUS, parse_retry_after
from agentctl.errors import ClusterError


@dataclass(frozen=True)
class RequestInfo:
    """What a request was about, for messages: verb, resource and object."""

    method: str
    path: str
    verb: str = ""  # Kubernetes verb: get, list, watch, patch, create, delete
    resource: str = ""  # plural.group, e.g. deployments.apps
    namespace: str | None = None
    name: str | None = None
    kind: str | None = None

    @property
    def target(self) -> str:
        if self.kind and self.name:
            where = f" in namespace {self.namespace}" if self.namespace else ""
            return f"{self.kind}/{self.name}{where}"
        if self.resource:
            where = f" in namespace {self.namespace}" if self.namespace else ""
            return f"{self.resource}{where}"
        return f"{self.method} {self.path}"


class ApiFailure(ClusterError):
    """The API server answered with an error (or could not be reached)."""

    code = "cluster"
    retriable = False

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        reason: str = "",
        hint: str | None = None,
        retry_after: float | None = None,
        details: list[str] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after
        self.details = details or []

    def lines(self) -> list[str]:
        return [self.message, *self.details]

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["status"] = self.status
        if self.details:
            out["details"] = self.details
        return out


class Unreachable(ApiFailure):
    code = "cluster-unreachable"
    retriable = True


class NotKubernetes(ApiFailure):
    """Something answered at the server's address, but not the way a Kubernetes API server does."""


class Unauthorized(ApiFailure):
    code = "unauthorized"


class Forbidden(ApiFailure):
    code = "forbidden"


class NotFound(ApiFailure):
    code = "not-found"


class Conflict(ApiFailure):
    code = "conflict"


class AlreadyExists(ApiFailure):
    code = "already-exists"


class Invalid(ApiFailure):
    code = "invalid"


class Throttled(ApiFailure):
    code = "throttled"
    retriable = True


class ServerError(ApiFailure):
    code = "server-error"
    retriable = True


class KubeconfigError(ClusterError):
    """No usable kubeconfig: missing, not YAML, not shaped like a kubeconfig, or naming what it lacks.

    Exit 3 like every problem reaching the cluster (docs/reference/exit-codes.md);
    the message names the file, and the line when the problem has one.
    """


class NotServed(ClusterError):
    """The cluster does not serve an apiVersion/kind the bundle needs."""

    code = "not-served"

    def __init__(self, message: str, details: list[str], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.details = details

    def lines(self) -> list[str]:
        return [self.message, *self.details]

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "details": self.details}


class ManyFailures(ClusterError):
    """Several objects of one step failed; every failure is reported."""

    code = "cluster"

    def __init__(self, failures: list[ClusterError]) -> None:
        first = failures[0]
        more = len(failures) - 1
        super().__init__(first.message + (f" (and {more} more)" if more else ""), hint=first.hint)
        self.failures = failures
        self.exit_code = max(f.exit_code for f in failures)

    def lines(self) -> list[str]:
        return [line for f in self.failures for line in f.lines()]

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        out["failures"] = [f.to_dict() for f in self.failures]
        return out


def status_body(body: str | bytes | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        doc = json.loads(body)
    except (ValueError, TypeError):
        return {
            "message": (body.decode(errors="replace") if isinstance(body, bytes) else body).strip()[
                :300
            ]
        }
    return doc if isinstance(doc, dict) else {}


_MANAGER = re.compile(r'conflict with "([^"]+)"(?: with subresource "([^"]+)")?(?: using (\S+))?')
_USER = re.compile(r'User "([^"]*)"')


def from_response(
    status: int,
    body: str | bytes | None,
    headers: Mapping[str, str] | None,
    req: RequestInfo,
    *,
    identity: str | None = None,
    server: str = "",
    context: str | None = None,
) -> ApiFailure:
    """Turn an error response into one explained error."""
    doc = status_body(body)
    message = str(doc.get("message") or doc.get("reason") or f"HTTP {status}")
    reason = str(doc.get("reason") or "")
    raw_details = doc.get("details")
    details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    causes = [c for c in (details.get("causes") or []) if isinstance(c, dict)]
    retry_after = parse_retry_after((headers or {}).get("Retry-After"))
    if retry_after is None and isinstance(details.get("retryAfterSeconds"), int):
        retry_after = float(details["retryAfterSeconds"])

    if status == 401:
        who = f"user {identity}" if identity else "the current user"
        ctx = f" (context {context})" if context else ""
        return Unauthorized(
            f"the cluster at {server or 'the API server'} rejected the credentials of {who}{ctx}: 401 Unauthorized",
            status=status,
            reason=reason,
            hint="the token or client certificate may have expired: log in again (refresh your cloud credentials or kubeconfig) and retry",
        )
    if status == 403:
        m = _USER.search(message)
        user = m.group(1) if m else (identity or "the current user")
        scope = f'in namespace "{req.namespace}"' if req.namespace else "at cluster scope"
        verb = req.verb or req.method.lower()
        resource = req.resource or req.path
        ns_flag = f" -n {req.namespace}" if req.namespace else ""
        return Forbidden(
            f'forbidden: user "{user}" may not {verb} {resource} {scope}'
            + (f" ({req.kind}/{req.name})" if req.kind and req.name else ""),
            status=status,
            reason=reason,
            details=[f"server said: {message}"],
            hint=f"ask a cluster admin for this permission; check it with `kubectl auth can-i {verb} {resource}{ns_flag}`",
        )
    if status == 409:
        conflicts = [c for c in causes if c.get("reason") == "FieldManagerConflict"]
        if conflicts:
            lines = []
            managers = []
            for c in conflicts:
                mm = _MANAGER.search(str(c.get("message") or ""))
                manager = mm.group(1) if mm else "another manager"
                sub = f' (subresource "{mm.group(2)}")' if mm and mm.group(2) else ""
                managers.append(manager)
                lines.append(
                    f'{req.target}: field {c.get("field", "?")} is managed by "{manager}"{sub}'
                )
            n = len(conflicts)
            who = ", ".join(f'"{m}"' for m in dict.fromkeys(managers))
            return Conflict(
                f"{req.target}: apply conflict: {n} field{'s' if n != 1 else ''} "
                f"{'are' if n != 1 else 'is'} managed by {who}",
                status=status,
                reason=reason,
                details=lines,
                hint="another tool changed these fields since agentctl applied them: re-run with --force-conflicts to "
                "take them over, or stop the other tool from managing them",
            )
        if reason == "AlreadyExists":
            return AlreadyExists(f"{req.target}: already exists", status=status, reason=reason)
        return Conflict(f"{req.target}: conflict: {message}", status=status, reason=reason)
    if status == 422:
        lines = [
            f"{req.target}: {c.get('field', '?')}: {c.get('message', '')}".rstrip(": ")
            for c in causes
        ]
        first = lines[0] if lines else f"{req.target}: {message}"
        return Invalid(
            f"rejected by the API server: {first}",
            status=status,
            reason=reason,
            details=[*lines[1:], f"server said: {message}"],
            hint="the server validated the object and refused it; fix the field named above",
        )
    if status == 404:
        if details.get("kind") == "namespaces" and req.name != details.get("name"):
            return NotFound(
                f"{req.target}: namespace {details.get('name')} does not exist",
                status=status,
                reason=reason,
            )
        return NotFound(f"{req.target}: not found ({message})", status=status, reason=reason)
    if status == 429:
        return Throttled(
            f"the API server is throttling requests (429): {message}",
            status=status,
            reason=reason,
            retry_after=retry_after,
        )
    if status in RETRIABLE_STATUS or status >= 500:
        return ServerError(
            f"the API server failed {req.target} ({status} {reason or 'error'}): {message}",
            status=status,
            reason=reason,
            retry_after=retry_after,
        )
    return ApiFailure(
        f"{req.target}: {status} {reason}: {message}".replace(":  ", ": "),
        status=status,
        reason=reason,
    )


def unreachable(server: str, context: str | None, what: str) -> Unreachable:
    ctx = f" (context {context})" if context else ""
    return Unreachable(
        f"cannot reach the cluster at {server}{ctx}: {what}",
        hint="check the kubeconfig context (--context), VPN or network, and that the cluster is running",
    )


def explain_exhausted(err: ApiFailure, attempts: int) -> ApiFailure:
    """The same error, saying retries did not help."""
    err.message = f"{err.message} (gave up after {attempts} attempts)"
    err.args = (err.message,)
    return err
