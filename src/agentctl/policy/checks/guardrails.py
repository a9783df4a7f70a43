"""Agent guardrails read from agent.yaml: model, tools, budgets, loop limits."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import TYPE_CHECKING

from agentctl.policy.model import Hit, Obj, PathKey, Severity, Unit
from agentctl.policy.registry import check
from agentctl.policy.workloads import as_dict, as_list, get
from agentctl.spec.shapes import AgentType

if TYPE_CHECKING:
    from agentctl.spec.models import AgentSpecBody

CODE_TOOL_WORDS = (
    "shell",
    "bash",
    "exec",
    "terminal",
    "code-interpreter",
    "python-repl",
    "repl",
    "sandbox-run",
)
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection", "*"}
DEMO_PROVIDERS = {"offline-demo"}


@check(
    "GRD-001",
    "The model is pinned and allowed",
    "high",
    description="spec.model.name is a pinned model id (no `-latest` alias) and matches the platform's model allowlist.",
    rationale="An alias changes behaviour, price and safety properties overnight; the allowlist is where legal and security reviewed the provider.",
    remediation="Use a dated model id (gpt-4.1-mini-2025-04-14) that matches an entry of platform.yaml `models`.",
    example="""
model:
  provider: openai
  name: gpt-4.1-mini-2025-04-14
""",
)
def model_pinned(unit: Unit) -> Iterator[Hit]:
    if unit.agent is None or unit.agent.agent.spec.model is None:
        return
    model = unit.agent.agent.spec.model
    name = model.name.lower()
    if name == "latest" or name.endswith(("-latest", ":latest", "@latest")):
        yield Hit(
            f"model {model.name!r} is an alias that moves; pin a dated model id",
            path=("spec", "model", "name"),
        )
    allowed = unit.platform.platform.models
    if not allowed or model.provider in DEMO_PROVIDERS:
        return
    if not any(
        a.provider == model.provider and fnmatch.fnmatchcase(model.name, a.name) for a in allowed
    ):
        listed = ", ".join(f"{a.provider}/{a.name}" for a in allowed)
        yield Hit(
            f"model {model.provider}/{model.name} is not in the platform allowlist ({listed})",
            path=("spec", "model", "name"),
        )


@check(
    "GRD-002",
    "Tools are declared and code execution is sandboxed",
    "high",
    description=(
        "Every tool is declared in spec.tools (in-process functions as kind function, which the scaffolded runtime "
        "refuses to offer the model otherwise); tools that run shell or code (executesCode, or named like "
        "shell/exec/repl) have a sandbox RuntimeClass and a reason (a function tool's sandbox is the agent pod's); "
        "Kubernetes tools that write or are cluster-scoped have a reason."
    ),
    rationale="A code-executing tool turns a prompt injection into remote code execution; a sandbox (gVisor, Kata) and a reviewed reason contain it.",
    remediation="Set executesCode: true, sandbox: gvisor and a reason on the tool; give write or cluster-scoped Kubernetes tools a reason.",
    example="""
tools:
  - name: python-repl
    kind: service
    image: ghcr.io/acme/repl:1.0.0
    executesCode: true
    sandbox: gvisor
    reason: "runs analyst-written pandas snippets on uploaded CSVs"
""",
)
def tools_declared(unit: Unit) -> Iterator[Hit]:
    if unit.agent is None:
        return
    for i, tool in enumerate(unit.agent.agent.spec.tools):
        base = ("spec", "tools", i)
        name = tool.name.lower().replace("_", "-")
        looks_like_code = any(w in name for w in CODE_TOOL_WORDS)
        if tool.executes_code or looks_like_code:
            if not tool.executes_code:
                yield Hit(
                    f"tool {tool.name!r} looks like code execution: set executesCode, sandbox and reason",
                    path=(*base, "name"),
                )
            if not tool.sandbox:
                yield Hit(
                    f"tool {tool.name!r} executes code without a sandbox RuntimeClass", path=base
                )
            if not tool.reason:
                yield Hit(f"tool {tool.name!r} executes code without a reason", path=base)
        if tool.kind == "kubernetes" and not tool.reason:
            writes = any(WRITE_VERBS & {v.lower() for v in rule.verbs} for rule in tool.rules)
            if writes or tool.cluster_scoped:
                what = "cluster-wide" if tool.cluster_scoped else "write"
                yield Hit(
                    f"kubernetes tool {tool.name!r} has {what} access without a reason", path=base
                )


@check(
    "GRD-003",
    "Budgets are set and within platform maximums",
    "high",
    description="spec.guardrails.budget has perRunUSD and dailyUSD, within platform limits maxBudgetPerRunUSD and maxDailyBudgetUSD.",
    rationale="An agent loop without a budget is an unbounded bill; the budget is what the runtime and `agentctl cost` enforce.",
    remediation="Set spec.guardrails.budget.perRunUSD and dailyUSD within the platform's limits.",
    example="""
guardrails:
  budget: {perRunUSD: 2.00, dailyUSD: 50}
""",
    tags=("cost",),
)
def budgets(unit: Unit) -> Iterator[Hit]:
    if unit.agent is None:
        return
    budget = unit.agent.agent.spec.guardrails.budget
    limits = unit.platform.platform.limits
    base = ("spec", "guardrails", "budget")
    checks = (
        ("perRunUSD", budget.per_run_usd, limits.max_budget_per_run_usd, "maxBudgetPerRunUSD"),
        ("dailyUSD", budget.daily_usd, limits.max_daily_budget_usd, "maxDailyBudgetUSD"),
    )
    for key, value, maximum, limit_name in checks:
        if value is None:
            yield Hit(f"no {key} budget", path=base)
        elif value > maximum:
            yield Hit(
                f"{key} {value} exceeds the platform's {limit_name} {maximum}", path=(*base, key)
            )
    if (
        budget.per_run_usd is not None
        and budget.daily_usd is not None
        and budget.per_run_usd > budget.daily_usd
    ):
        yield Hit(
            "perRunUSD is above dailyUSD: one run can spend the whole day's budget and more",
            path=(*base, "perRunUSD"),
            severity=Severity.medium,
        )


def _unshared_daily_count(spec: AgentSpecBody) -> tuple[str, str] | None:
    """(case, why) when the runtime's day count (``dailyLedger: memory``) is not shared by
    every process that spends, so ``dailyUSD`` does not hold; None when it is.

    The count lives in a file under the memory volume, or in the process without one.
    Every valid spec with memory shares it: a stateful agent on a volume of its own runs
    one replica, jobs and workflows mount one claim every run sees, and parallel steps
    need a ReadWriteMany volume (the spec model refuses the other combinations).
    """
    if spec.memory is not None:
        return None
    if spec.type in (AgentType.job, AgentType.workflow):
        pods = "each step of each run" if spec.type is AgentType.workflow else "each run"
        return (
            "runs",
            f"without spec.memory {pods} is a fresh pod that counts the day from zero, "
            "so the day's total is never reached",
        )
    replicas = spec.effective_scaling().max_replicas
    if replicas > 1:
        return (
            "replicas",
            f"without shared memory each of up to {replicas} replicas counts only its own "
            f"spend, so the agent may spend {replicas} times dailyUSD a day, and a restart "
            "resets a replica's count",
        )
    return (
        "restart",
        "without spec.memory the count lives in the pod and a restart (deploy, eviction, "
        "crash) resets it",
    )


@check(
    "GRD-007",
    "The daily budget is counted where every replica and run sees it",
    "low",
    description=(
        "With spec.guardrails.budget.dailyUSD and the default dailyLedger (memory), the spend "
        "is shared: the agent has a memory volume every process that spends mounts (one "
        "replica on its own volume, a ReadWriteMany volume, or the claim every Job and "
        "workflow run mounts)."
    ),
    rationale=(
        "The runtime keeps the day's spend under the memory volume, or in the process without "
        "one: replicas without shared memory each get the whole budget, a restart resets it, "
        "and every Job, CronJob or workflow run starts the day at zero. dailyUSD then holds "
        "only in `agentctl cost --budget-check`, after the money is spent."
    ),
    remediation=(
        "Set guardrails.budget.dailyLedger: cluster (the day's spend in one ConfigMap every "
        "replica, restart and run reads), or give the agent memory every process shares "
        "(spec.memory, with accessMode: ReadWriteMany for replicas or parallel steps)."
    ),
    fixes={
        "runs": (
            "Set guardrails.budget.dailyLedger: cluster, or give the agent spec.memory: every "
            "run mounts the same volume and adds to one count."
        ),
        "replicas": (
            "Set guardrails.budget.dailyLedger: cluster: every replica reads and books the "
            "day's spend in one ConfigMap (a stateful agent may instead share a ReadWriteMany "
            "memory volume)."
        ),
        "restart": (
            "Set guardrails.budget.dailyLedger: cluster, or make the agent stateful with "
            "spec.memory so the count outlives the pod."
        ),
    },
    example="""
guardrails:
  budget: {perRunUSD: 0.05, dailyUSD: 5, dailyLedger: cluster}
""",
    tags=("cost",),
)
def daily_budget_shared(unit: Unit) -> Iterator[Hit]:
    if unit.agent is None:
        return
    spec = unit.agent.agent.spec
    budget = spec.guardrails.budget
    if budget.daily_usd is None or budget.daily_ledger == "cluster":
        return
    unshared = _unshared_daily_count(spec)
    if unshared is None:
        return
    case, why = unshared
    yield Hit(
        f"dailyUSD {budget.daily_usd} does not hold with dailyLedger memory: {why}; "
        "set dailyLedger: cluster",
        path=("spec", "guardrails", "budget", "dailyUSD"),
        fix=case,
    )


@check(
    "GRD-005",
    "Loop limits are set",
    "medium",
    description="spec.guardrails sets maxSteps, maxToolCalls and timeout.",
    rationale="Runaway loops are the costliest agent failure: the same tool called thousands of times, each with a full prompt.",
    remediation="Set maxSteps, maxToolCalls and timeout under spec.guardrails.",
    example="""
guardrails:
  maxSteps: 25
  maxToolCalls: 50
  timeout: 30m
""",
    tags=("cost", "reliability"),
)
def loop_limits(unit: Unit) -> Iterator[Hit]:
    if unit.agent is None:
        return
    g = unit.agent.agent.spec.guardrails
    missing = [
        k
        for k, v in (
            ("maxSteps", g.max_steps),
            ("maxToolCalls", g.max_tool_calls),
            ("timeout", g.timeout),
        )
        if v is None
    ]
    if missing:
        yield Hit(f"guardrails do not set {', '.join(missing)}", path=("spec", "guardrails"))


def _external_destinations(
    unit: Unit,
) -> list[tuple[str, int, bool, tuple[str, ...], PathKey, str]]:
    """(host, port, http?, cidrs, spec path, what) of every external host the spec implies."""
    from agentctl.render.egress import destination, model_endpoint, url_destination

    assert unit.agent is not None
    spec = unit.agent.agent.spec
    ns = unit.platform.platform.namespace_for(unit.agent.agent)
    dests = []
    if spec.model is not None:
        url = model_endpoint(spec.model)
        if url:
            path: PathKey = (
                ("spec", "model", "endpoint")
                if spec.model.endpoint
                else ("spec", "model", "provider")
            )
            dests.append(
                (url_destination("model endpoint", path, url, ns), path, "the model endpoint")
            )
    for i, tool in enumerate(spec.tools):
        if tool.kind == "http":
            path = ("spec", "tools", i, "url")
            dests.append(
                (
                    url_destination(tool.name, path, tool.url, ns, tool.cidrs),
                    path,
                    f"tool {tool.name!r}",
                )
            )
        elif tool.kind == "mcp":
            from agentctl.render.env import mcp_url

            path = ("spec", "tools", i, "url" if tool.url is not None else "service")
            dests.append(
                (
                    url_destination(tool.name, path, mcp_url(ns, tool), ns, tool.cidrs),
                    path,
                    f"MCP tool {tool.name!r}",
                )
            )
        elif tool.kind == "tcp":
            path = ("spec", "tools", i, "host")
            dests.append(
                (
                    destination(tool.name, path, tool.host, tool.port, "tcp", ns, tool.cidrs),
                    path,
                    f"tool {tool.name!r}",
                )
            )
    return [(d.host, d.port, d.http, d.cidrs, p, what) for d, p, what in dests if d.external]


@check(
    "GRD-006",
    "MCP servers are on the platform's list",
    "high",
    description="Every mcp tool's server (its URL, or its in-cluster Service's URL) matches an entry of platform.yaml `mcpServers`.",
    rationale=(
        "An MCP server hands the model tools the agent's reviewers never saw, and the server can change them; "
        "the platform's list is where a server was reviewed once for every agent."
    ),
    remediation="Use a server platform.yaml `mcpServers` lists, or have it added there; narrow the tools with `tools:`.",
    example="""
tools:
  - name: rates
    kind: mcp
    service: {name: currency-converter, namespace: tools, port: 80}
    tools: [convert_currency]
""",
)
def mcp_servers_listed(unit: Unit) -> Iterator[Hit]:
    if unit.agent is None:
        return
    from agentctl.render.env import mcp_url

    agent = unit.agent.agent
    allowed = unit.platform.platform.mcp_servers
    ns = unit.platform.platform.namespace_for(agent)
    for i, tool in enumerate(agent.spec.tools):
        if tool.kind != "mcp":
            continue
        url = mcp_url(ns, tool)
        path: PathKey = ("spec", "tools", i, "url" if tool.url is not None else "service")
        if not allowed:
            yield Hit(
                f"MCP tool {tool.name!r} ({url}): platform.yaml lists no MCP servers (mcpServers)",
                path=path,
            )
        elif not any(url == a or fnmatch.fnmatchcase(url, a) for a in allowed):
            yield Hit(
                f"MCP tool {tool.name!r}: {url} is not in platform.yaml mcpServers ({', '.join(allowed)})",
                path=path,
            )


def _published(unit: Unit, mode: str) -> list[tuple[str, int, Obj, PathKey]]:
    """Hostname allowlist entries the bundle publishes: (host, port, object, field)."""
    out: list[tuple[str, int, Obj, PathKey]] = []
    if mode == "proxy":
        for cm in unit.of_kind("ConfigMap"):
            if cm.labels.get("agentctl.dev/egress-allowlist") == "true":
                text = str(as_dict(cm.data.get("data")).get("hosts.txt", ""))
                for line in text.splitlines():
                    host, _, port = line.strip().rpartition(":")
                    if host and port.isdigit():
                        out.append((host, int(port), cm, ("data", "hosts.txt")))
    elif mode == "fqdn":
        for obj in unit.of_kind("CiliumNetworkPolicy", "FQDNNetworkPolicy"):
            for i, rule in enumerate(as_list(get(obj.data, ("spec", "egress")))):
                rule = as_dict(rule)
                names = [as_dict(m).get("matchName") for m in as_list(rule.get("toFQDNs"))]
                names += [as_dict(m).get("name") for m in as_list(rule.get("matches"))]
                ports = [
                    as_dict(p).get("port")
                    for tp in as_list(rule.get("toPorts"))
                    for p in as_list(as_dict(tp).get("ports"))
                ]
                ports += [as_dict(p).get("port") for p in as_list(rule.get("ports"))]
                for fqdn in filter(None, names):
                    for number in ports:
                        if str(number).isdigit():
                            out.append((str(fqdn), int(str(number)), obj, ("spec", "egress", i)))
    return out


@check(
    "GRD-004",
    "Egress hosts match the allowlist",
    "medium",
    kinds=("ConfigMap", "CiliumNetworkPolicy", "FQDNNetworkPolicy"),
    description=(
        "Every external host the agent uses (model endpoint, http and tcp tools; function tools run in-process and "
        "need none) is in the egress allowlist the platform's egress mode enforces (proxy allowlist, FQDN policy, "
        "or tool CIDRs), and no allowlist entry is unused."
    ),
    rationale="A host missing from the allowlist fails at run time; an entry nobody uses is an exfiltration route nobody reviews.",
    remediation=(
        "Declare every external endpoint as an http or tcp tool (or the model endpoint) so agentctl build publishes it; "
        "in egress mode cidr give each tool its cidrs; remove allowlist entries nothing uses."
    ),
    example="""
tools:
  - name: web-search
    kind: http
    url: https://api.search.example.com/v1
""",
)
def egress_allowlist(unit: Unit) -> Iterator[Hit]:
    if unit.agent is None:
        return
    mode = unit.platform.platform.egress.mode
    needed = _external_destinations(unit)
    if mode == "cidr":
        for host, _, _, cidrs, path, what in needed:
            if not cidrs and path[:2] != (
                "spec",
                "model",
            ):  # the model endpoint has no cidrs field: NET-003 reports its fallback
                yield Hit(f"{what} ({host}) has no cidrs, which egress mode cidr needs", path=path)
        return
    if mode not in ("proxy", "fqdn"):
        return
    published = _published(unit, mode)
    entries = {(h, p) for h, p, _, _ in published}
    wanted = set()
    for host, port, http, cidrs, path, what in needed:
        if cidrs or (mode == "proxy" and not http):
            continue  # reached by CIDR rules (NET-003 reports open fallbacks)
        wanted.add((host, port))
        if (host, port) not in entries:
            yield Hit(f"{what} ({host}:{port}) is not in the {mode} egress allowlist", path=path)
    for host, port, obj, path in published:
        if (host, port) not in wanted:
            yield Hit(
                f"egress allowlist entry {host}:{port} is not used by the model or any tool",
                obj,
                path,
            )
