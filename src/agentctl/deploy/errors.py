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

from agentctl.deploy.retry import MAX_RETRY_AFTER, RETRIABLE_STATUS, parse_retry_after
from agentctl.errors import ClusterError, UsageError
from agentctl.urls import without_userinfo


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
        said: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after
        self.details = details or []
        self.said = said  # the server's own message (or what happened to the connection)
        self.gave_up: GaveUp | None = None  # set when retries of this request ran out

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


class NotDeployed(UsageError):
    """The agent named on the command line is not deployed (where it was looked for).

    Exit 2, like any argument naming something that is not there (an unknown
    trace id, check or --env): the cluster answered fine, so it is no cluster
    error (3), and scripts can tell "not there" from "cluster trouble".
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
    except (ValueError, TypeError, RecursionError):  # RecursionError: nested too deeply
        return {
            "message": (body.decode(errors="replace") if isinstance(body, bytes) else body).strip()[
                :300
            ]
        }
    return doc if isinstance(doc, dict) else {}


MAX_CAUSES = 50  # causes of one error shown (each is a line)
MAX_SAID = 500  # characters of one thing the server said that a message shows


def said(value: Any, limit: int = MAX_SAID) -> str:
    """Something the server said, as a message shows it: one line of printable
    characters, at most about ``limit`` of them (a Status may hold anything). A longer
    one keeps its start and its end, where the server says why ("...: field is
    immutable" after a whole object)."""
    text = " ".join(str(value).split())
    if not text.isprintable():
        text = "".join(c if c.isprintable() else "?" for c in text)
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]} ... {text[-(limit // 2) :]}"


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
    if 300 <= status < 400:
        return redirected(server, context, status, (headers or {}).get("Location"))
    doc = status_body(body)
    message = said(doc.get("message") or doc.get("reason") or f"HTTP {status}")
    reason = said(doc.get("reason") or "", 80)
    raw_details = doc.get("details")
    details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    raw_causes = details.get("causes")
    causes = [c for c in raw_causes if isinstance(c, dict)] if isinstance(raw_causes, list) else []
    causes = causes[:MAX_CAUSES]  # each is a line of the message
    retry_after = parse_retry_after((headers or {}).get("Retry-After"))
    seconds = details.get("retryAfterSeconds")
    if retry_after is None and isinstance(seconds, int) and not isinstance(seconds, bool):
        retry_after = float(max(0, min(seconds, MAX_RETRY_AFTER)))

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
                mm = _MANAGER.search(said(c.get("message") or ""))
                manager = mm.group(1) if mm else "another manager"
                sub = f' (subresource "{mm.group(2)}")' if mm and mm.group(2) else ""
                managers.append(manager)
                lines.append(
                    f'{req.target}: field {said(c.get("field", "?"))} is managed by "{manager}"{sub}'
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
            f"{req.target}: {said(c.get('field', '?'))}: {said(c.get('message', ''))}".rstrip(": ")
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
                f"{req.target}: namespace {said(details.get('name'), 80)} does not exist",
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
            said=message,
        )
    if status in RETRIABLE_STATUS or status >= 500:
        return ServerError(
            f"the API server failed {req.target} ({status} {reason or 'error'}): {message}",
            status=status,
            reason=reason,
            retry_after=retry_after,
            said=message,
        )
    return ApiFailure(
        f"{req.target}: {status} {reason}: {message}".replace(":  ", ": "),
        status=status,
        reason=reason,
    )


def redirected(server: str, context: str | None, status: int, location: str | None) -> ApiFailure:
    """A redirect from the API server: not followed (credentials would go with it)."""
    ctx = f" (context {context})" if context else ""
    where = without_userinfo(location.split("?", 1)[0].strip()) if location else ""
    to = f" (redirect to {where})" if where else ""
    return ApiFailure(
        f"{server.rstrip('/')}{ctx} answered {status}{to}; agentctl does not follow redirects",
        status=status,
        hint="put the final URL in the cluster's server field of the kubeconfig",
    )


def too_large(
    server: str, context: str | None, path: str, limit: int, *, line: bool = False
) -> ApiFailure:
    """An answer (``line``: one line of a streamed answer) past ``limit`` bytes: not read
    on (an endless body would fill memory)."""
    ctx = f" (context {context})" if context else ""
    what = "a line longer than" if line else "more than"
    return ApiFailure(
        f"{server.rstrip('/')}{path}{ctx} answered {what} {limit // 2**20} MiB; not read further",
        hint="a Kubernetes API server answers far less; check the cluster's server URL "
        "in the kubeconfig and any proxy on the way",
    )


def unreachable(server: str, context: str | None, what: str) -> Unreachable:
    ctx = f" (context {context})" if context else ""
    return Unreachable(
        f"cannot reach the cluster at {server}{ctx}: {what}",
        hint=UNREACHABLE_HINT,
        said=what,
    )


UNREACHABLE_HINT = (
    "check the kubeconfig context (--context), VPN or network, and that the cluster is running"
)


@dataclass(frozen=True)
class GaveUp:
    """Requests whose retries ran out: how many attempts, over how long, within which budget."""

    requests: tuple[str, ...]  # "GET /version", "patch ConfigMap/x in namespace y"
    attempts: tuple[int, ...]  # per request
    seconds: float  # the longest
    budget: float  # --request-timeout (0: none)


def _request(info: RequestInfo) -> str:
    if info.kind and info.name:
        return f"{info.verb or info.method.lower()} {info.target}"
    return f"{info.method} {info.path}"


def _give_up_hint(err: ApiFailure, budget: float) -> str:
    longer = (
        f"; allow each request longer with --request-timeout (now {budget:g}s)" if budget else ""
    )
    if isinstance(err, Throttled):
        return "the API server is rate-limiting requests: retry later" + longer
    if isinstance(err, Unreachable):
        return UNREACHABLE_HINT + longer
    return (
        "the API server, or a proxy in front of it, keeps failing: check its health "
        "(`kubectl get --raw /readyz`) and retry" + longer
    )


def _attempts(gave: GaveUp) -> str:
    lo, hi = min(gave.attempts), max(gave.attempts)
    n = f"{lo}" if lo == hi else f"{lo}-{hi}"
    return f"{n} attempt{'s' if hi != 1 else ''}"


def explain_exhausted(
    err: ApiFailure,
    info: RequestInfo,
    attempts: int,
    seconds: float,
    budget: float,
    *,
    waits: float | None = None,
) -> ApiFailure:
    """The same error, saying that retrying did not help: how often, for how long, and why it stopped."""
    err.gave_up = GaveUp((_request(info),), (attempts,), seconds, budget)
    why = f"gave up after {_attempts(err.gave_up)} in {seconds:.1f}s"
    if waits:
        why += f"; the server asked to wait {waits:g}s more"
    err.message = f"{err.message} ({why})"
    err.args = (err.message,)
    err.hint = _give_up_hint(err, budget)
    return err


def gave_up_together(failures: list[ApiFailure]) -> ApiFailure:
    """Several requests whose retries ran out, as one error: which, how often, the last answer."""
    gaves = [f.gave_up for f in failures if f.gave_up is not None]
    requests = tuple(r for g in gaves for r in g.requests)
    merged = GaveUp(
        requests,
        tuple(a for g in gaves for a in g.attempts),
        max(g.seconds for g in gaves),
        max(g.budget for g in gaves),
    )
    last = failures[-1]
    kinds = {type(f) for f in failures}
    cls: type[ApiFailure] = kinds.pop() if len(kinds) == 1 else ServerError
    who = {
        Throttled: "the API server kept throttling",
        Unreachable: "the connection to the API server kept failing",
    }.get(cls, "the API server kept failing")
    shown = ", ".join(requests[:3]) + (
        f" and {len(requests) - 3} more" if len(requests) > 3 else ""
    )
    answer = f"{last.status} {last.reason}".strip() + ": " if last.status else ""
    err = cls(
        f"{who}: gave up on {len(requests)} requests ({shown}) after "
        f"{_attempts(merged)} each in {merged.seconds:.1f}s; last answer: {answer}{last.said or last.message}",
        status=last.status,
        reason=last.reason,
        said=last.said,
    )
    err.gave_up = merged
    err.hint = _give_up_hint(err, merged.budget)
    return err
