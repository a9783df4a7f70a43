"""One task to a deployed service or stateful agent, through the API server's service proxy.

The request is the runtime contract's ``POST /invoke`` with ``{"input": TASK}``
(and ``conversation_id``), the same as ``agentctl dev --invoke`` sends to a
local agent. It goes to
``/api/v1/namespaces/NS/services/NAME:PORT/proxy/invoke``, so the same
kubeconfig, context and RBAC (``services/proxy``) apply as for deploy and no
port needs to be opened. An agent that answers with Server-Sent Events
(``text/event-stream``) is streamed chunk by chunk; a JSON answer is printed
when it arrives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentctl.deploy import errors as kerr
from agentctl.errors import UsageError, WaitError

if TYPE_CHECKING:
    from agentctl.deploy.client import KubeClient
    from agentctl.deploy.locate import Deployed

# What the runtime contract's statuses mean (the agent's own answers through the proxy).
AGENT_STATUSES = {
    422: "a guardrail stopped the run",
    429: "the agent's daily budget is used up",
    502: "the agent's model endpoint failed",
}
MAX_ANSWER_BYTES = 16 * 1024 * 1024


@dataclass
class InvokeResult:
    agent: str
    namespace: str
    service: str
    output: Any = None
    trace_id: str | None = None
    conversation_id: str | None = None
    response: dict[str, Any] = field(default_factory=dict)
    streamed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "namespace": self.namespace,
            "service": self.service,
            "output": self.output,
            "traceId": self.trace_id,
            "conversationId": self.conversation_id,
            "streamed": self.streamed,
            "response": self.response,
        }


def service_port(client: KubeClient, deployed: Deployed) -> tuple[str, int]:
    """(Service name, port) of a deployed service or stateful agent."""
    refs = [r for r in deployed.inventory.refs() if r.kind == "Service" and r.group == ""]
    kinds = {r.kind for r in deployed.inventory.refs()}
    if not refs:
        if kinds & {"WorkflowTemplate", "CronWorkflow", "CronJob", "Job"}:
            raise UsageError(
                f"{deployed.agent} is a job or workflow agent: it has no HTTP endpoint",
                hint=f"start a run with: agentctl run {deployed.agent}",
            )
        raise UsageError(f"{deployed.agent} has no Service in {deployed.namespace}")
    res = client.resources.for_kind("", "Service")
    if res is None:  # pragma: no cover - every API server serves v1 Services
        raise UsageError("the cluster does not serve v1 Services")
    # the agent's own Service is named like the agent; tool services have their own names
    ref = next((r for r in refs if r.name == deployed.agent), refs[0])
    svc = client.get(res, deployed.namespace, ref.name)
    if svc is None:
        raise UsageError(
            f"Service {deployed.namespace}/{ref.name} of {deployed.agent} does not exist",
            hint=f"deploy it again: agentctl deploy (then agentctl status {deployed.agent})",
        )
    ports = (svc.get("spec") or {}).get("ports") or []
    if not ports:
        raise UsageError(f"Service {deployed.namespace}/{ref.name} has no port")
    chosen = next((p for p in ports if p.get("name") == "http"), ports[0])
    return ref.name, int(chosen.get("port"))


def _sse_events(lines: Iterator[bytes]) -> Iterator[tuple[str, str]]:
    """(event, data) of a text/event-stream whose events are one ``data:`` line each.

    The line reader drops blank lines (the usual event separator), so each
    ``data:`` line ends its event; ``event:`` names the next one.
    """
    event = "message"
    for raw in lines:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if line.startswith("event:"):
            event = line[6:].strip() or "message"
        elif line.startswith("data:"):
            yield event, line[5:].removeprefix(" ")
            event = "message"


def invoke(
    client: KubeClient,
    deployed: Deployed,
    task: str,
    *,
    conversation_id: str | None = None,
    on_chunk: Callable[[str], None] | None = None,
) -> InvokeResult:
    """POST the task to the agent's /invoke through the service proxy."""
    name, port = service_port(client, deployed)
    ns = deployed.namespace
    path = f"/api/v1/namespaces/{ns}/services/{name}:{port}/proxy/invoke"
    body: dict[str, Any] = {"input": task}
    if conversation_id:
        body["conversation_id"] = conversation_id
    info = kerr.RequestInfo("POST", path, "create", "services/proxy", ns, name, "Service")
    result = InvokeResult(deployed.agent, ns, name)
    try:
        resp = client.request(
            "POST",
            path,
            body=body,
            content_type="application/json",
            accept="application/json",
            info=info,
            idempotent=False,
            stream=True,
            retry=False,
        )
    except kerr.ApiFailure as err:
        status = getattr(err, "status", 0)
        if status in AGENT_STATUSES:
            raise WaitError(
                f"{deployed.agent}: {AGENT_STATUSES[status]} (HTTP {status})",
                hint=f"the run's trace: agentctl trace --agent {deployed.agent} --last 1",
            ) from None
        raise
    raw = resp.data
    ctype = str(getattr(raw, "headers", {}).get("Content-Type", ""))
    if "text/event-stream" in ctype:
        result.streamed = True
        parts: list[str] = []
        for event, data in _sse_events(client.stream_lines(raw)):
            payload = _json_or_text(data)
            if event in ("done", "result", "end") and isinstance(payload, dict):
                _take(result, payload)
            elif event == "error":
                message = payload.get("error") if isinstance(payload, dict) else payload
                raise WaitError(f"{deployed.agent}: {message}")
            elif event in ("message", "delta", "token"):
                chunk = (
                    payload.get("delta", payload.get("output", ""))
                    if isinstance(payload, dict)
                    else payload
                )
                if isinstance(payload, dict) and payload.get("trace_id"):
                    result.trace_id = str(payload["trace_id"])
                text = chunk if isinstance(chunk, str) else json.dumps(chunk)
                parts.append(text)
                if on_chunk is not None:
                    on_chunk(text)
        # other events (progress, tool calls) report work in flight, not the answer
        if not parts and result.output is not None and on_chunk is not None:
            out = result.output
            on_chunk(out if isinstance(out, str) else json.dumps(out, ensure_ascii=False))
        if result.output is None:
            result.output = "".join(parts)
        return result
    data = raw.read(MAX_ANSWER_BYTES + 1) if hasattr(raw, "read") else raw
    if isinstance(data, bytes | bytearray) and len(data) > MAX_ANSWER_BYTES:
        raise WaitError(f"{deployed.agent}: the answer is larger than {MAX_ANSWER_BYTES} bytes")
    payload = _json_or_text(
        data.decode("utf-8", "replace") if isinstance(data, bytes | bytearray) else str(data)
    )
    if isinstance(payload, dict):
        _take(result, payload)
    else:
        result.output = payload
    if on_chunk is not None and result.output is not None:
        out = result.output
        on_chunk(out if isinstance(out, str) else json.dumps(out, ensure_ascii=False))
    return result


def _take(result: InvokeResult, payload: dict[str, Any]) -> None:
    result.response = payload
    result.output = payload.get("output")
    if isinstance(payload.get("trace_id"), str):
        result.trace_id = payload["trace_id"]
    if isinstance(payload.get("conversation_id"), str):
        result.conversation_id = payload["conversation_id"]


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return text
