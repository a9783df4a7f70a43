"""A small bundled knowledge base, so research works offline out of the box.

Replace or extend ``PASSAGES`` with your own sources, or declare a search API
as an ``http`` tool named ``web-search`` in agent.yaml (see ``research.py``).
"""

from __future__ import annotations

import re
from typing import Any

PASSAGES: list[dict[str, str]] = [
    {
        "id": "k8s-overview",
        "title": "Kubernetes overview",
        "text": "Kubernetes is an open-source system for automating deployment, scaling and management "
        "of containerized applications. It groups containers into Pods and reconciles declared state.",
    },
    {
        "id": "k8s-workloads",
        "title": "Kubernetes workloads",
        "text": "Deployments run stateless replicas, StatefulSets give each replica a stable identity and "
        "its own PersistentVolumeClaim, Jobs and CronJobs run tasks to completion.",
    },
    {
        "id": "k8s-security",
        "title": "Kubernetes security practices",
        "text": "The restricted Pod Security Standard requires running as non-root, dropping all "
        "capabilities, a RuntimeDefault seccomp profile and no privilege escalation. NetworkPolicies "
        "with a default deny limit which pods may talk to each other.",
    },
    {
        "id": "argo-workflows",
        "title": "Argo Workflows",
        "text": "Argo Workflows runs multi-step workflows on Kubernetes as DAGs of containers, with "
        "fan-out over lists (withParam), retries with backoff, timeouts and a workflow deadline.",
    },
    {
        "id": "otel-genai",
        "title": "OpenTelemetry GenAI semantic conventions",
        "text": "The OpenTelemetry GenAI conventions describe spans for model calls (chat), agent "
        "invocations (invoke_agent) and tool executions (execute_tool), with token usage attributes.",
    },
    {
        "id": "agent-guardrails",
        "title": "Agent guardrails",
        "text": "Production agents need limits: a maximum number of steps and tool calls, a timeout, and "
        "per-run and daily budgets, because runaway loops are the costliest failure of an agent.",
    },
    {
        "id": "llm-costs",
        "title": "LLM cost drivers",
        "text": "Model cost grows with input and output tokens; long conversation histories and large "
        "tool results are the usual cause of expensive runs. Caching and smaller models reduce it.",
    },
]

_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"the", "and", "for", "what", "how", "are", "with", "its", "which", "does", "about", "this", "that"}


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}


def search(query: str, limit: int = 3) -> list[dict[str, Any]]:
    """Passages ranked by the words they share with ``query`` (none when nothing matches)."""
    wanted = _words(query)
    scored = []
    for index, passage in enumerate(PASSAGES):
        score = len(wanted & _words(passage["title"] + " " + passage["text"]))
        if score:
            scored.append((-score, index, passage))
    return [dict(item[2]) for item in sorted(scored, key=lambda s: s[:2])[:limit]]
