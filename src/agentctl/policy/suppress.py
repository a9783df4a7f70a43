"""Platform exceptions and inline suppressions, and the findings about them.

Both need a reason and may carry an expiry. An expired entry no longer
suppresses anything and is reported (POL-001); an entry that suppressed
nothing is reported (POL-002); inline suppressions that the platform or
``--no-inline-suppressions`` forbid are ignored and reported (POL-003).
These POL checks cannot themselves be suppressed.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

from agentctl.policy.model import Finding, Hit, Suppression, Unit
from agentctl.policy.registry import check

META_CHECKS = ("POL-001", "POL-002", "POL-003")


@dataclass
class Entry:
    kind: str  # platform | inline
    index: int
    check: str
    reason: str
    file: str
    line: int
    column: int
    agent: str | None = None  # scope (glob); inline entries: the agent they live in
    object: str | None = None
    container: str | None = None
    expires: dt.date | None = None
    used: int = 0

    @property
    def where(self) -> str:
        return "policy.exceptions" if self.kind == "platform" else "spec.suppressions"

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    def matches(self, f: Finding) -> bool:
        if f.check != self.check or f.check.startswith("POL-"):
            return False
        if self.agent is not None and not (f.agent and fnmatch.fnmatchcase(f.agent, self.agent)):
            return False
        if self.object is not None:
            short = f"{f.kind}/{f.name}"
            if not any(fnmatch.fnmatchcase(v, self.object) for v in (f.object, short, f.name)):
                return False
        return self.container is None or bool(
            f.container and fnmatch.fnmatchcase(f.container, self.container)
        )

    def suppression(self) -> Suppression:
        return Suppression(
            self.kind,
            self.reason,
            self.file,
            self.line,
            self.expires.isoformat() if self.expires else None,
        )


def platform_entries(units: Iterable[Unit]) -> list[Entry]:
    unit = next(iter(units), None)
    if unit is None:
        return []
    lp = unit.platform
    out = []
    for i, e in enumerate(lp.platform.policy.exceptions):
        file, line, col = lp.locate(("policy", "exceptions", i))
        out.append(
            Entry(
                "platform",
                i,
                e.check,
                e.reason,
                file,
                line,
                col,
                e.agent,
                e.object,
                e.container,
                e.expires,
            )
        )
    return out


def inline_entries(unit: Unit) -> list[Entry]:
    if unit.agent is None:
        return []
    out = []
    for i, s in enumerate(unit.agent.agent.spec.suppressions):
        file, line, col = unit.agent.locate(("spec", "suppressions", i))
        out.append(
            Entry(
                "inline",
                i,
                s.check,
                s.reason,
                file,
                line,
                col,
                unit.agent.name,
                s.object,
                s.container,
                s.expires,
            )
        )
    return out


def apply(findings: list[Finding], entries: list[Entry], today: dt.date) -> None:
    """Mark findings suppressed by the first live entry that matches (platform entries first)."""
    live = [e for e in entries if not e.expired(today)]
    for f in findings:
        for e in live:
            if (e.kind == "platform" or f.agent == e.agent) and e.matches(f):
                e.used += 1
                if f.suppressed is None:
                    f.suppressed = e.suppression()


def meta_hits(
    entries: list[Entry], ran: set[str], agents: set[str], today: dt.date
) -> Iterator[tuple[str, Hit]]:
    """(check id, hit) for expired and unused entries."""
    for e in entries:
        where = (e.file, e.line, e.column)
        ref = f"{e.where}[{e.index}]"
        if e.expired(today):
            msg = f"{ref} for {e.check} expired on {e.expires}; it no longer suppresses anything ({e.reason})"
            yield "POL-001", Hit(msg, location=where, object_ref=_ref(e), path=(ref,))
            continue
        in_scope = (
            e.kind == "inline"
            or e.agent is None
            or any(fnmatch.fnmatchcase(a, e.agent) for a in agents)
        )
        if not e.used and e.check in ran and in_scope:
            yield (
                "POL-002",
                Hit(
                    f"{ref} for {e.check} matched no finding; remove it",
                    location=where,
                    object_ref=_ref(e),
                    path=(ref,),
                ),
            )


def forbidden_hits(entries: list[Entry], why: str) -> Iterator[tuple[str, Hit]]:
    for e in entries:
        ref = f"spec.suppressions[{e.index}]"
        msg = f"{ref} for {e.check} is ignored: {why}"
        yield (
            "POL-003",
            Hit(msg, location=(e.file, e.line, e.column), object_ref=_ref(e), path=(ref,)),
        )


def _ref(e: Entry) -> str:
    return f"Platform/{PurePath(e.file).name}" if e.kind == "platform" else f"Agent/{e.agent}"


def _none(_: Unit) -> Iterator[Hit]:
    return iter(())


check(
    "POL-001",
    "Exceptions and suppressions are current",
    "medium",
    description="No platform exception or inline suppression is past its `expires` date.",
    rationale="An accepted risk is accepted until a date; after it the finding is back and the stale entry must be reviewed.",
    remediation="Fix the finding and delete the entry, or renew it with a new reason and expiry after review.",
    example="""
policy:
  exceptions:
    - {check: NET-003, agent: web-crawler, reason: "crawls the open web", expires: 2027-03-31}
""",
    tags=("governance",),
)(_none)
check(
    "POL-002",
    "Exceptions and suppressions are used",
    "low",
    description="Every platform exception (for agents in the run) and inline suppression matches at least one finding.",
    rationale="An unused exception is a standing permission waiting for the next mistake to hide.",
    remediation="Delete the entry (the finding it was written for is gone).",
    example="""
spec:
  suppressions: []   # the NET-003 finding was fixed
""",
    tags=("governance",),
)(_none)
check(
    "POL-003",
    "Inline suppressions are allowed",
    "low",
    description="agent.yaml spec.suppressions are ignored when platform.yaml sets policy.allowInlineSuppressions: false or --no-inline-suppressions is given.",
    rationale="Platform teams that review every exception centrally forbid per-repo suppressions; the ignored entries are listed so nobody relies on them.",
    remediation="Move the suppression to platform.yaml policy.exceptions (reviewed by the platform team) or fix the finding.",
    example="""
# platform.yaml
policy:
  exceptions:
    - {check: SEC-003, agent: legacy-bot, reason: "SDK reads the key from env only", expires: 2027-01-31}
""",
    tags=("governance",),
)(_none)
