"""Rendering of ``agentctl upgrade``: what changed in the project, and what needs its owner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentctl.views.plain import escape

if TYPE_CHECKING:
    from agentctl.scaffold.upgrade import UpgradeResult

# action -> (style, verb); the verbs stand in one column, VERB_WIDTH wide
VERBS = {
    "added": ("green", "added"),
    "updated": ("green", "updated"),
    "merged": ("green", "merged"),
    "removed": ("yellow", "removed"),
    "conflict": ("red", "conflict"),
    "kept-deleted": ("dim", "kept deleted"),
    "kept-modified": ("red", "kept"),
}
VERB_WIDTH = 14


def _verb(action: str) -> str:
    style, verb = VERBS.get(action, ("", action))
    pad = " " * (VERB_WIDTH - len(verb))
    return f"[{style}]{escape(verb)}[/]{pad}" if style else f"{escape(verb)}{pad}"


def render(result: UpgradeResult, out: Any, *, dry_run: bool, mark_resolved: bool) -> None:
    """Print ``result`` to the console ``out``: the recorded version, "up to date", or the
    changes file by file and the conflicts left to resolve."""
    if mark_resolved:
        out.print(
            f"Recorded template version {result.to_version} in {result.project}/.agentctl-template.json",
            markup=False,
        )
        return
    if result.up_to_date:
        out.print(f"Up to date with template {result.template} ({result.to_version})", markup=False)
        return
    head = "Would upgrade" if dry_run else "Upgraded"
    out.print(
        f"{head} {result.project} from {result.from_version} to {result.to_version}", markup=False
    )
    for change in result.changes:
        detail = f"  ({escape(change.detail)})" if change.detail else ""
        out.print(f"  {_verb(change.action)} {escape(change.path)}{detail}")
    if result.conflicts:
        what = "would conflict" if dry_run else "need your attention"
        out.print(
            f"\n{len(result.conflicts)} file(s) {what}: {', '.join(result.conflicts)}", markup=False
        )
        if not dry_run:
            out.print(
                "Resolve the marked conflicts, then run `agentctl upgrade --mark-resolved` to record the new version.",
                markup=False,
            )
