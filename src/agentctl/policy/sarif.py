"""SARIF 2.1.0 for GitHub code scanning (and every other SARIF consumer).

What code scanning needs, and what this writes: ``runs[].tool.driver.rules``
with ``properties.security-severity`` as a string, results with ``ruleId``,
``level``, ``message.text`` and a ``physicalLocation`` whose
``artifactLocation.uri`` is relative to the working directory (the checkout)
and whose ``region.startLine`` is >= 1; ``results`` is present even when empty.
Suppressed findings are included with a ``suppressions`` entry, which code
scanning shows as dismissed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath
from typing import Any

from agentctl import __version__
from agentctl.errors import Problem
from agentctl.policy.engine import Report
from agentctl.policy.model import Check, Finding, Severity

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SECURITY_SEVERITY = {
    Severity.critical: "9.5",
    Severity.high: "8.0",
    Severity.medium: "5.5",
    Severity.low: "3.0",
}
LEVEL = {
    Severity.critical: "error",
    Severity.high: "error",
    Severity.medium: "warning",
    Severity.low: "note",
}


def artifact_uri(file: str, cwd: Path | None = None) -> str:
    """A file as a URI relative to the working directory (absolute file:// URI when outside it)."""
    if file.startswith("<"):
        return file.strip("<>")
    path = Path(file)
    base = (cwd or Path.cwd()).resolve()
    absolute = path if path.is_absolute() else base / path
    try:
        rel = os.path.relpath(absolute.resolve(), base)
    except ValueError:
        rel = ".."
    if rel.startswith(".."):
        return absolute.resolve().as_uri()
    return str(PurePosixPath(*Path(rel).parts))


def _rule(check: Check, severity: Severity) -> dict[str, Any]:
    help_text = f"{check.remediation}\n\nWhy: {check.rationale}"
    markdown = f"**{check.title}**\n\n{check.description}\n\n**Why:** {check.rationale}\n\n**Fix:** {check.remediation}"
    if check.example:
        markdown += f"\n\n```yaml\n{check.example}\n```"
    return {
        "id": check.id,
        "name": "".join(w[:1].upper() + w[1:] for w in check.title.replace("-", " ").split()),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": check.description},
        "help": {"text": help_text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "tags": sorted({*check.tags, "agentctl"}),
            "precision": "high",
            "problem.severity": "error"
            if severity >= Severity.high
            else "warning"
            if severity is Severity.medium
            else "recommendation",
        },
    }


def _fingerprint(f: Finding) -> str:
    key = "\x1f".join((f.check, f.object, f.field, f.message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _result(f: Finding, index: int, cwd: Path | None) -> dict[str, Any]:
    text = f"{f.object}: {f.message}"
    if f.field:
        text += f" ({f.field})"
    result: dict[str, Any] = {
        "ruleId": f.check,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(f.file, cwd)},
                    "region": {"startLine": max(1, f.line), "startColumn": max(1, f.column)},
                },
                "logicalLocations": [{"fullyQualifiedName": f.object, "kind": "object"}],
            }
        ],
        "partialFingerprints": {"agentctlFinding/v1": _fingerprint(f)},
        "properties": {"severity": f.severity.name, "object": f.object, "field": f.field},
    }
    if f.suppressed is not None:
        result["suppressions"] = [
            {
                "kind": "external" if f.suppressed.kind == "platform" else "inSource",
                "status": "accepted",
                "justification": f.suppressed.reason,
            }
        ]
    return result


INPUT_RULE = "INPUT-001"
INPUT_TITLE = "Input file is valid"


def _input_rule() -> dict[str, Any]:
    text = "agentctl could not read or understand this file, so no check ran on it."
    return {
        "id": INPUT_RULE,
        "name": "InputFileIsValid",
        "shortDescription": {"text": INPUT_TITLE},
        "fullDescription": {"text": text},
        "help": {"text": f"{text} Fix the field named in the message."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["agentctl", "input"], "problem.severity": "error"},
    }


def _location(p: Problem, cwd: Path | None) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(p.file, cwd)},
            "region": {"startLine": max(1, p.line), "startColumn": max(1, p.column)},
        }
    }


def _problem_message(p: Problem) -> str:
    return f"{p.path}: {p.message}" if p.path else p.message


def _invocation(report: Report, cwd: Path | None) -> dict[str, Any]:
    """executionSuccessful is false when a file could not be checked; each such file is a notification."""
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    if report.errors:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "error",
                "message": {"text": f"not checked: {_problem_message(p)}"},
                "locations": [_location(p, cwd)],
                "descriptor": {"id": INPUT_RULE},
            }
            for p in report.errors
        ]
    return invocation


def _input_result(p: Problem, index: int, cwd: Path | None) -> dict[str, Any]:
    key = "\x1f".join((INPUT_RULE, p.file, p.path, p.message))
    return {
        "ruleId": INPUT_RULE,
        "ruleIndex": index,
        "level": "error",
        "message": {"text": _problem_message(p)},
        "locations": [_location(p, cwd)],
        "partialFingerprints": {
            "agentctlFinding/v1": hashlib.sha256(key.encode()).hexdigest()[:32]
        },
        "properties": {"field": p.path},
    }


def to_sarif(report: Report, *, cwd: Path | None = None) -> dict[str, Any]:
    overrides = report.units[0].platform.platform.policy.severity if report.units else {}
    checks = list(report.checks)
    known = {c.id for c in checks}
    rules = [_rule(c, Severity.parse(overrides.get(c.id, c.severity.name))) for c in checks]
    index = {c.id: i for i, c in enumerate(checks)}
    results = [_result(f, index[f.check], cwd) for f in report.findings if f.check in known]
    if report.errors:
        rules.append(_input_rule())
        results = [_input_result(p, len(rules) - 1, cwd) for p in report.errors] + results
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "agentctl",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "invocations": [_invocation(report, cwd)],
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
