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


def sse_events(lines: Iterator[bytes]) -> Iterator[tuple[str, str]]:
    """(event, data) of a text/event-stream, as the HTML standard frames it.

    ``lines`` keeps the blank lines that end events; ``\r\n`` and ``\n`` both
    end a line, ``data:`` lines of one event join with newlines, comment lines
    (``: keep-alive``) and unknown fields are skipped, and an event without data
    is no event. The type is ``message`` unless ``event:`` names one.
    """
    event, data = "", list[str]()
    for raw in lines:
        line = raw.decode("utf-8", "replace").removesuffix("\r")
        if not line:
            if data:
                yield event or "message", "\n".join(data)
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if key == "event":
            event = value
        elif key == "data":
            data.append(value)
    if data:  # the stream ended without the last blank line
        yield event or "message", "\n".join(data)


def invoke(
    client: KubeClient,
    deployed: Deployed,
    task: str,
    *,
    conversation_id: str | None = None,
    on_chunk: Callable[[str], None] | None = None,
    on_event: Callable[[str, Any], None] | None = None,
) -> InvokeResult:
    """POST the task to the agent's /invoke through the service proxy.

    The request asks for Server-Sent Events first (the runtime contract streams
    ``POST /invoke`` when asked) and takes JSON from an agent that does not
    stream. Text the agent streams goes to ``on_chunk`` as it arrives; progress
    events (the runtime's ``step`` and ``tool_call``) go to ``on_event``.
    """
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
            accept="text/event-stream, application/json;q=0.9",
            info=info,
            idempotent=False,
            stream=True,
            retry=False,
        )
    except kerr.ApiFailure as err:
        status = getattr(err, "status", 0)
        if status in AGENT_STATUSES:
            raise _refused(deployed, status, None) from None
        raise
    raw = resp.data
    ctype = str(getattr(raw, "headers", {}).get("Content-Type", ""))
    if "text/event-stream" in ctype:
        try:
            _read_events(client, raw, deployed, result, on_chunk, on_event)
        except BaseException:
            # a stream left unread must not go back to the pool for the next request
            if hasattr(raw, "close"):
                raw.close()
            raise
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
        on_chunk(_text(result.output))
    return result


def _read_events(
    client: KubeClient,
    raw: Any,
    deployed: Deployed,
    result: InvokeResult,
    on_chunk: Callable[[str], None] | None,
    on_event: Callable[[str, Any], None] | None,
) -> None:
    """Follow a streamed answer to its end.

    The runtime contract's stream is progress events (``step``, ``tool_call``)
    and one final ``result`` event ``{"status", "body"}`` carrying what the JSON
    request would have answered. Agents that stream text instead send it as
    ``message``/``delta``/``token`` events and may end with ``done``.
    """
    result.streamed = True
    parts: list[str] = []
    seen = 0
    ended = False
    for event, data in sse_events(client.stream_lines(raw, keep_blank=True)):
        seen += len(data)
        if seen > MAX_ANSWER_BYTES:
            raise WaitError(f"{deployed.agent}: the answer is larger than {MAX_ANSWER_BYTES} bytes")
        payload = _json_or_text(data)
        if event == "result" and isinstance(payload, dict) and "status" in payload:
            status, answer = payload.get("status"), payload.get("body")
            if not isinstance(status, int) or status >= 400:
                message = answer.get("error") if isinstance(answer, dict) else answer
                raise _refused(deployed, status if isinstance(status, int) else 0, message)
            if isinstance(answer, dict):
                _take(result, answer)
            else:
                result.output = answer
            ended = True
        elif event in ("done", "result", "end"):
            if isinstance(payload, dict):
                _take(result, payload)
            ended = True
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
            text = _text(chunk)
            parts.append(text)
            if on_chunk is not None:
                on_chunk(text)
        elif on_event is not None:
            on_event(event, payload)
    if not ended:
        raise WaitError(
            f"{deployed.agent}: the stream ended before the answer",
            hint=f"the run's trace: agentctl trace --agent {deployed.agent} --last 1",
        )
    if not parts and result.output is not None and on_chunk is not None:
        on_chunk(_text(result.output))
    if result.output is None:
        result.output = "".join(parts)


def describe_event(event: str, data: Any) -> str:
    """One line for a progress event of the runtime contract's stream."""
    if isinstance(data, dict):
        if event == "step" and "step" in data:
            return f"step {data['step']}"
        if event == "tool_call" and "name" in data:
            return f"tool {data['name']}: {'ok' if data.get('ok') else 'failed'}"
    line = f"{event}: {_text(data)}"
    return line if len(line) <= 200 else line[:199] + "…"


def _refused(deployed: Deployed, status: int, message: Any) -> WaitError:
    """The agent answered but did not run the task (the runtime contract's statuses)."""
    reason = AGENT_STATUSES.get(status) or (str(message) if message else "the run failed")
    return WaitError(
        f"{deployed.agent}: {reason} (HTTP {status})",
        hint=f"the run's trace: agentctl trace --agent {deployed.agent} --last 1",
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _take(result: InvokeResult, payload: dict[str, Any]) -> None:
    result.response = payload
    result.output = payload.get("output")
    if isinstance(payload.get("trace_id"), str):
        result.trace_id = payload["trace_id"]
    if isinstance(payload.get("conversation_id"), str):
        result.conversation_id = payload["conversation_id"]


def _json_or_text(text: str) -> Any:
    """An agent's answer as JSON, or as the text it is (JSON nested too deeply to parse
    included: shown as sent rather than a RecursionError)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text
