"""``diff``: what a deploy would change, as the server itself would apply it.

Each rendered object is applied with ``dryRun=All`` (the server merges,
defaults and validates, nothing is persisted) and compared with the live
object, both without managed fields and server bookkeeping. Members the agent
no longer renders show as removals (what prune would delete).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from agentctl.deploy import errors as kerr
from agentctl.deploy import inventory as inv
from agentctl.deploy.client import KubeClient
from agentctl.deploy.objects import ObjectRef, level_of, strip_server_fields
from agentctl.deploy.preflight import preflight
from agentctl.deploy.replace import replaced_because
from agentctl.deploy.source import AgentSource


@dataclass
class ObjectDiff:
    ref: ObjectRef
    action: str  # create | update | delete | unchanged
    diff: str  # unified diff, no colour
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {**self.ref.to_dict(), "action": self.action, "diff": self.diff}
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class DiffResult:
    agent: str
    namespace: str
    objects: list[ObjectDiff]

    @property
    def changed(self) -> bool:
        return any(o.action != "unchanged" for o in self.objects)

    def to_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for o in self.objects:
            counts[o.action] = counts.get(o.action, 0) + 1
        return {
            "agent": self.agent,
            "namespace": self.namespace,
            "changed": self.changed,
            "counts": counts,
            "objects": [o.to_dict() for o in self.objects],
        }


def _yaml(obj: dict[str, Any] | None) -> list[str]:
    import yaml

    if not obj:
        return []
    doc = strip_server_fields(obj)
    return yaml.safe_dump(
        doc, sort_keys=True, default_flow_style=False, allow_unicode=True
    ).splitlines(keepends=True)


def unified(
    ref: ObjectRef, live: dict[str, Any] | None, new: dict[str, Any] | None, context: int = 3
) -> str:
    name = f"{ref.kind}/{ref.name}"
    lines = difflib.unified_diff(
        _yaml(live), _yaml(new), fromfile=f"live/{name}", tofile=f"agentctl/{name}", n=context
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def diff(
    client: KubeClient, source: AgentSource, *, force_conflicts: bool = False, prune: bool = True
) -> DiffResult:
    pre = preflight(client, source)
    ns = pre.namespace

    def one(task: tuple[str, Any]) -> Any:
        what, arg = task
        if what == "list":
            return pre.list_members(client, arg)
        ref = ObjectRef.of(arg)
        info = pre.rmap.for_ref(ref)
        if info.namespaced and not pre.namespace_exists:
            return ObjectDiff(
                ref,
                "create",
                unified(ref, None, arg),
                f"namespace {ns} does not exist yet: not validated by the server",
            )
        live = client.get(info, ref.namespace or None, ref.name)
        rep = pre.replacements.get(ref.key)
        if rep is not None and rep.replace and live is not None:
            # the server refuses this change in place (immutable fields): show the plan
            return ObjectDiff(ref, "update", unified(ref, live, _as_live(live, arg)), rep.summary())
        try:
            dry = client.apply(info, arg, dry_run=True, force=force_conflicts).data
        except kerr.Invalid as err:
            why = replaced_because(ref.kind, err.lines())
            if why is None or live is None:
                raise
            # refused in place, replaced by deploy (a Job's template, a Service's cluster IP)
            text = unified(ref, live, _as_live(live, arg))
            return ObjectDiff(ref, "update", text, f"would be replaced: {why}")
        text = unified(ref, live, dry)
        action = "create" if live is None else ("update" if text else "unchanged")
        return ObjectDiff(ref, action, text, rep.summary() if rep is not None else "")

    tasks: list[tuple[str, Any]] = [("object", o) for o in pre.objects]
    if prune:
        tasks += [("list", i) for i in pre.member_kinds()]
    results = client.map(one, tasks)
    out = [r for r in results if isinstance(r, ObjectDiff)]
    live_members = [o for r in results if isinstance(r, list) for o in r]
    by_key = {ObjectRef.of(o).key: o for o in live_members}
    for ref in inv.orphans(live_members, {r.key for r in pre.refs}, pre.old):
        out.append(
            ObjectDiff(
                ref,
                "delete",
                unified(ref, by_key.get(ref.key), None),
                "no longer rendered: deploy prunes it",
            )
        )
    out.sort(
        key=lambda d: (level_of(d.ref.kind) if d.action != "delete" else 99, d.ref.kind, d.ref.name)
    )
    return DiffResult(pre.bundle.agent, ns, out)


def _as_live(live: dict[str, Any], rendered: dict[str, Any]) -> dict[str, Any]:
    """The rendered object shown the way the live one is: its spec over the live object, so the
    diff shows what the replace changes rather than server bookkeeping."""
    out = {k: v for k, v in live.items() if k not in ("spec", "status")}
    out["spec"] = {**(live.get("spec") or {}), **(rendered.get("spec") or {})}
    return out
