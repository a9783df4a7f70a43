"""Cross-field checks of an agent spec: references and the workflow step graph."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from agentctl.errors import echoed
from agentctl.spec.shapes import AgentType
from agentctl.spec.yamlsafe import PathKey

if TYPE_CHECKING:
    from agentctl.spec.models import Agent, Step


def check_agent(agent: Agent) -> Iterator[tuple[PathKey, str]]:
    spec = agent.spec
    secret_names: dict[str, int] = {}
    for i, secret in enumerate(spec.secrets):
        if secret.name in secret_names:
            yield ("spec", "secrets", i, "name"), f"duplicate secret name {secret.name!r}"
        secret_names.setdefault(secret.name, i)
        if secret.mount == "env" and not secret.env:
            yield ("spec", "secrets", i), "mount: env needs env: VARIABLE_NAME"
    tool_names: dict[str, str] = {}
    sandboxes: dict[str, str] = {}
    for i, tool in enumerate(spec.tools):
        key = tool_key(tool.name)
        if key in tool_names:
            same = tool_names[key]
            also = "" if same == tool.name else f" (the same as {same!r}: '-' and '_' are one)"
            yield ("spec", "tools", i, "name"), f"duplicate tool name {tool.name!r}{also}"
        tool_names.setdefault(key, tool.name)
        if tool.executes_code and not (tool.sandbox and tool.reason):
            yield (
                ("spec", "tools", i, "executesCode"),
                "a code-executing tool needs sandbox and reason",
            )
        if tool.kind == "function" and tool.sandbox:
            other = next((n for n, box in sandboxes.items() if box != tool.sandbox), None)
            if other is not None:
                yield (
                    ("spec", "tools", i, "sandbox"),
                    f"function tools run in the agent's pod, which has one RuntimeClass: "
                    f"{tool.sandbox!r} differs from {sandboxes[other]!r} of tool {other!r}",
                )
            sandboxes.setdefault(tool.name, tool.sandbox)
    for i, tool in enumerate(spec.tools):
        if tool.kind == "mcp" and tool.auth_secret and tool.auth_secret not in secret_names:
            known = ", ".join(secret_names) or "none declared"
            yield (
                ("spec", "tools", i, "authSecret"),
                f"{echoed(tool.auth_secret)} is not in spec.secrets (declared: {known})",
            )
    if spec.model and spec.model.api_key_secret and spec.model.api_key_secret not in secret_names:
        known = ", ".join(secret_names) or "none declared"
        yield (
            ("spec", "model", "apiKeySecret"),
            f"{echoed(spec.model.api_key_secret)} is not in spec.secrets (declared: {known})",
        )
    if spec.type is AgentType.workflow and spec.workflow is not None:
        yield from check_steps(spec.workflow.steps)
    g = spec.guardrails
    if (
        g.budget.per_run_usd is not None
        and g.budget.daily_usd is not None
        and g.budget.per_run_usd > g.budget.daily_usd
    ):
        yield ("spec", "guardrails", "budget", "perRunUSD"), "perRunUSD is above dailyUSD"


def tool_key(name: str) -> str:
    """Tool names compare case-insensitively with '-' and '_' as one (``web_search`` is ``web-search``)."""
    return name.strip().lower().replace("_", "-")


def check_steps(steps: list[Step]) -> Iterator[tuple[PathKey, str]]:
    base: PathKey = ("spec", "workflow", "steps")
    index: dict[str, int] = {}
    for i, step in enumerate(steps):
        if step.name in index:
            yield (*base, i, "name"), f"duplicate step name {step.name!r}"
        index.setdefault(step.name, i)
    for i, step in enumerate(steps):
        for j, dep in enumerate(step.depends_on):
            if dep not in index:
                yield (
                    (*base, i, "dependsOn", j),
                    f"unknown step {dep!r} (steps: {', '.join(index)})",
                )
            elif dep == step.name:
                yield (*base, i, "dependsOn", j), "a step cannot depend on itself"
    for cycle in find_cycles(steps):
        yield (
            (*base, index[cycle[0]], "dependsOn"),
            "dependency cycle: " + " -> ".join([*cycle, cycle[0]]) + " (-> reads: depends on)",
        )
    # forEach is judged on the acyclic part of the graph: a source that does not
    # reach the step at all is reported; one in the same cycle as the step has
    # no order to judge, and its cycle is reported above.
    for i, step in enumerate(steps):
        if step.for_each is None:
            continue
        src = step.for_each.from_
        if src not in index:
            yield (
                (*base, i, "forEach", "from"),
                f"unknown step {src!r} (steps: {', '.join(index)})",
            )
        elif src not in ancestors(steps, step.name, stop_at=src):
            yield (
                (*base, i, "forEach", "from"),
                f"{src!r} must run before {step.name!r}: add it (or a step after it) to dependsOn",
            )


def find_cycles(steps: list[Step]) -> list[list[str]]:
    """One cycle in each group of steps that depend on each other, in step order.

    The groups are the strongly connected components of two or more steps
    (Tarjan's algorithm, iterative: linear in steps and edges, however long a
    chain); a step depending on itself is reported apart.
    """
    deps = _deps(steps)
    order = {name: i for i, name in enumerate(deps)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[set[str]] = []
    for root in deps:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            nexts = deps[node]
            while i < len(nexts):
                nxt = nexts[i]
                i += 1
                if nxt not in index:
                    work.append((node, i))
                    work.append((nxt, 0))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    groups.sort(key=lambda g: min(order[n] for n in g))
    out = []
    for group in groups:
        cycle = find_cycle([s for s in steps if s.name in group])
        if cycle:
            out.append(cycle)
    return out


def _deps(steps: list[Step]) -> dict[str, list[str]]:
    """Each step's known dependencies other than itself (the last of duplicate names wins)."""
    names = {s.name: s for s in steps}
    return {n: [d for d in s.depends_on if d != n and d in names] for n, s in names.items()}


def find_cycle(steps: list[Step]) -> list[str] | None:
    """A cycle among the steps (by depth-first search, iterative), or None."""
    deps = _deps(steps)
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(deps, white)
    for root in deps:
        if color[root] != white:
            continue
        path: list[str] = [root]
        color[root] = grey
        work: list[int] = [0]
        while path:
            node, i = path[-1], work[-1]
            nexts = deps[node]
            if i == len(nexts):
                color[node] = black
                path.pop()
                work.pop()
                continue
            work[-1] = i + 1
            nxt = nexts[i]
            if color[nxt] == grey:
                return path[path.index(nxt) :]
            if color[nxt] == white:
                color[nxt] = grey
                path.append(nxt)
                work.append(0)
    return None


def ancestors(steps: list[Step], name: str, stop_at: str | None = None) -> set[str]:
    """The steps ``name`` depends on, directly or not (the search ends early once it meets ``stop_at``)."""
    deps = {s.name: s.depends_on for s in steps}
    seen: set[str] = set()
    todo = list(deps.get(name, []))
    while todo:
        cur = todo.pop()
        if cur in seen or cur not in deps:
            continue
        seen.add(cur)
        if cur == stop_at:
            break
        todo.extend(deps[cur])
    return seen


def topological_order(steps: list[Step]) -> list[list[str]]:
    """Steps grouped in levels: every step's dependencies are in earlier levels."""
    remaining = {s.name: set(s.depends_on) for s in steps}
    dependents: dict[str, list[str]] = {}
    for name, deps in remaining.items():
        for dep in deps:
            dependents.setdefault(dep, []).append(name)
    waiting = {name: len(deps) for name, deps in remaining.items()}
    level = sorted(n for n, count in waiting.items() if count == 0)
    levels: list[list[str]] = []
    placed = 0
    while level:
        levels.append(level)
        placed += len(level)
        ready = []
        for done in level:
            for n in dependents.get(done, []):
                waiting[n] -= 1
                if waiting[n] == 0:
                    ready.append(n)
        level = sorted(ready)
    if placed < len(remaining):
        raise ValueError("dependency cycle")
    return levels
