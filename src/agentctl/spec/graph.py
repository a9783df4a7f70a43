"""Cross-field checks of an agent spec: references and the workflow step graph."""

from __future__ import annotations

from collections.abc import Iterator

from agentctl.spec.models import Agent, AgentType, Step
from agentctl.spec.yamlsafe import PathKey


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
                f"{tool.auth_secret!r} is not in spec.secrets (declared: {known})",
            )
    if spec.model and spec.model.api_key_secret and spec.model.api_key_secret not in secret_names:
        known = ", ".join(secret_names) or "none declared"
        yield (
            ("spec", "model", "apiKeySecret"),
            f"{spec.model.api_key_secret!r} is not in spec.secrets (declared: {known})",
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
        elif src not in ancestors(steps, step.name):
            yield (
                (*base, i, "forEach", "from"),
                f"{src!r} must run before {step.name!r}: add it (or a step after it) to dependsOn",
            )


def find_cycles(steps: list[Step]) -> list[list[str]]:
    """One cycle in each group of steps that depend on each other, in step order."""
    upstream = {s.name: ancestors(steps, s.name) for s in steps}
    out: list[list[str]] = []
    seen: set[str] = set()
    for name, above in upstream.items():
        if name in seen:
            continue
        group = {n for n in above if n != name and name in upstream[n]}
        if not group:
            continue
        group.add(name)
        seen |= group
        cycle = find_cycle([s for s in steps if s.name in group])
        if cycle:
            out.append(cycle)
    return out


def find_cycle(steps: list[Step]) -> list[str] | None:
    deps = {s.name: [d for d in s.depends_on if d != s.name] for s in steps}
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(deps, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        color[node] = grey
        stack.append(node)
        for nxt in deps.get(node, []):
            if nxt not in color:
                continue
            if color[nxt] == grey:
                return stack[stack.index(nxt) :]
            if color[nxt] == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        color[node] = black
        return None

    for name in deps:
        if color[name] == white:
            found = visit(name)
            if found:
                return found
    return None


def ancestors(steps: list[Step], name: str) -> set[str]:
    deps = {s.name: s.depends_on for s in steps}
    seen: set[str] = set()
    todo = list(deps.get(name, []))
    while todo:
        cur = todo.pop()
        if cur in seen or cur not in deps:
            continue
        seen.add(cur)
        todo.extend(deps[cur])
    return seen


def topological_order(steps: list[Step]) -> list[list[str]]:
    """Steps grouped in levels: every step's dependencies are in earlier levels."""
    remaining = {s.name: set(s.depends_on) for s in steps}
    levels: list[list[str]] = []
    done: set[str] = set()
    while remaining:
        level = sorted(n for n, d in remaining.items() if d <= done)
        if not level:
            raise ValueError("dependency cycle")
        levels.append(level)
        done.update(level)
        for n in level:
            del remaining[n]
    return levels
