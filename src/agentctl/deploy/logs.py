"""``logs``: the logs of every pod of an agent, each line prefixed by pod and container.

Without ``--follow`` the logs are read concurrently and printed pod by pod.
With it, one reader thread per container streams lines as they come, new pods
(a workflow's next step, a restarted replica) are picked up as they appear,
and it ends when every pod has finished or the caller stops it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentctl.deploy import answers
from agentctl.deploy import errors as kerr
from agentctl.deploy.client import KubeClient
from agentctl.deploy.discovery import well_known
from agentctl.deploy.objects import AGENT_LABEL

Emit = Callable[[str, str], None]  # (prefix, line)
FINISHED = {"Succeeded", "Failed"}


NODE_NAME = "workflows.argoproj.io/node-name"


@dataclass(frozen=True)
class Stream:
    pod: str
    container: str
    label: str = ""  # shown instead of the pod name (a workflow step)

    @property
    def prefix(self) -> str:
        return f"{self.label or self.pod}/{self.container}"


def agent_pods(
    client: KubeClient, namespace: str, agent: str, run: str | None = None
) -> list[dict[str, Any]]:
    """The agent's pods; with ``run`` (a label selector of one run), only that run's."""
    selector = f"{AGENT_LABEL}={agent}" + (f",{run}" if run else "")
    pods, _ = client.list(well_known("", "Pod"), namespace, labels=selector)
    named = [p for p in pods if (p.get("metadata") or {}).get("name")]  # no name: no logs
    return sorted(
        named,
        key=lambda p: (
            str((p.get("metadata") or {}).get("creationTimestamp") or ""),
            str(p["metadata"]["name"]),
        ),
    )


def streams_of(
    pod: dict[str, Any], container: str | None = None, *, by_step: bool = False
) -> list[Stream]:
    spec = answers.mapping(pod.get("spec"))
    label = ""
    if by_step:  # an Argo pod's node name is <workflow>.<step>[(<item>)]
        node = str(((pod.get("metadata") or {}).get("annotations") or {}).get(NODE_NAME) or "")
        label = node.partition(".")[2] or node
    names = [
        c.get("name")
        for c in [
            *answers.objects(spec.get("initContainers")),
            *answers.objects(spec.get("containers")),
        ]
    ]
    return [
        Stream(pod["metadata"]["name"], n, label)
        for n in names
        if n and isinstance(n, str) and (container is None or n == container)
    ]


def read(
    client: KubeClient,
    namespace: str,
    agent: str,
    emit: Emit,
    *,
    since_seconds: int | None = None,
    tail: int | None = None,
    container: str | None = None,
    run: str | None = None,
) -> int:
    """Print the current logs of every pod (of one run: by step); returns the number of pods."""
    pods = agent_pods(client, namespace, agent, run)
    streams = [s for p in pods for s in streams_of(p, container, by_step=run is not None)]

    def one(s: Stream) -> list[str]:
        try:
            return list(
                client.pod_logs(
                    namespace,
                    s.pod,
                    container=s.container,
                    since_seconds=since_seconds,
                    tail_lines=tail,
                )
            )
        except kerr.ApiFailure as err:
            if err.status == 400:  # container not started yet (PodInitializing, ContainerCreating)
                return []
            raise

    for s, lines in zip(streams, client.map(one, streams), strict=True):
        for line in lines:
            emit(s.prefix, line)
    return len(pods)


def follow(
    client: KubeClient,
    namespace: str,
    agent: str,
    emit: Emit,
    *,
    since_seconds: int | None = None,
    tail: int | None = None,
    container: str | None = None,
    stop: threading.Event | None = None,
    rescan: float = 2.0,
    run: str | None = None,
) -> None:
    """Stream logs until every pod finished or ``stop`` is set."""
    stop = stop or threading.Event()
    lines: queue.Queue[tuple[str, str] | None] = queue.Queue()
    started: set[Stream] = set()
    running: set[Stream] = set()
    lock = threading.Lock()

    def reader(s: Stream, first: bool) -> None:
        try:
            for line in client.pod_logs(
                namespace,
                s.pod,
                container=s.container,
                since_seconds=since_seconds if first else None,
                tail_lines=tail if first else None,
                follow=True,
            ):
                if stop.is_set():
                    return
                lines.put((s.prefix, line))
        except kerr.ApiFailure as err:
            if err.status != 400:
                lines.put((s.prefix, f"[agentctl] log stream failed: {err.message}"))
        finally:
            with lock:
                running.discard(s)
            lines.put(None)

    def scan(first: bool) -> bool:
        """Start readers for new containers; True while some pod has not finished."""
        pods = agent_pods(client, namespace, agent, run)
        alive = False
        for p in pods:
            phase = str((p.get("status") or {}).get("phase") or "Pending")
            waiting = phase == "Pending" and not _started(p)
            alive = alive or phase not in FINISHED
            if waiting:
                continue
            for s in streams_of(p, container, by_step=run is not None):
                if s in started:
                    continue
                started.add(s)
                with lock:
                    running.add(s)
                threading.Thread(
                    target=reader, args=(s, first), daemon=True, name=f"logs-{s.prefix}"
                ).start()
        return alive

    alive = scan(True)
    while not stop.is_set():
        try:
            item = lines.get(timeout=rescan)
        except queue.Empty:
            item = None
        if item is not None:
            emit(*item)
            continue
        with lock:
            busy = bool(running)
        if not lines.empty():
            continue
        alive = scan(False)
        with lock:
            busy = bool(running)
        if not alive and not busy and lines.empty():
            return


def _started(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    for cs in [
        *answers.objects(status.get("initContainerStatuses")),
        *answers.objects(status.get("containerStatuses")),
    ]:
        state = answers.mapping(cs.get("state"))
        if "running" in state or "terminated" in state:
            return True
    return False
