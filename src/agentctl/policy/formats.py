"""Machine reports other than SARIF: JUnit XML and GitHub workflow annotations."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from agentctl.errors import Problem
from agentctl.policy.engine import Report
from agentctl.policy.model import Check, Finding, Obj, Severity
from agentctl.xmltext import document

GITHUB_LEVEL = {
    Severity.critical: "error",
    Severity.high: "error",
    Severity.medium: "warning",
    Severity.low: "notice",
}


def _applies(check: Check, kind: str) -> bool:
    if not check.kinds:
        return kind == "Agent"
    return "*" in check.kinds or kind in check.kinds


def _cases(report: Report) -> dict[str, dict[tuple[str, str], list[Finding]]]:
    """file -> (object, check id) -> findings, with an empty list for every passing pair."""
    files: dict[str, dict[tuple[str, str], list[Finding]]] = defaultdict(dict)
    for unit in report.units:
        subjects: list[tuple[str, str, str]] = []  # (file, object ref, kind)
        if unit.agent is not None:
            subjects.append((unit.agent.file, f"Agent/{unit.agent.name}", "Agent"))
        objs: list[Obj] = unit.objects
        subjects.extend((o.file, o.ref, o.kind) for o in objs)
        for file, ref, kind in subjects:
            for check in report.checks:
                if _applies(check, kind):
                    files[file].setdefault((ref, check.id), [])
    for f in report.findings:
        files[f.group or f.file].setdefault((f.object, f.check), []).append(f)
    return files


def _error_suites(report: Report, root: ET.Element, totals: dict[str, int]) -> None:
    """A file that could not be checked: one failed testcase naming every problem in it."""
    from agentctl.policy.sarif import INPUT_RULE, INPUT_TITLE

    by_file: dict[str, list[Problem]] = defaultdict(list)
    for p in report.errors:
        by_file[p.file].append(p)
    for file, problems in by_file.items():
        suite = ET.SubElement(
            root, "testsuite", name=file, tests="1", failures="1", errors="0", skipped="0", time="0"
        )
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"Input/{file}",
            name=f"{INPUT_RULE} {INPUT_TITLE}",
            file=file,
            line=str(problems[0].line),
            time="0",
        )
        ET.SubElement(
            case, "failure", message=problems[0].format(), type="invalid-input"
        ).text = "\n".join(p.format() for p in problems)
        totals["tests"] += 1
        totals["failures"] += 1


def to_junit(report: Report, elapsed: float = 0.0) -> str:
    """One testsuite per file, one testcase per object and check; suppressed findings are skipped.

    Findings at or above --fail-on are failures; findings below it pass with the
    finding in system-out, so the test report agrees with the exit code.
    """
    titles = {c.id: c.title for c in report.checks}
    cases = _cases(report)
    total_cases = sum(len(v) for v in cases.values()) or 1
    per_case = elapsed / total_cases
    root = ET.Element("testsuites", name="agentctl validate")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    _error_suites(report, root, totals)
    for file, pairs in cases.items():
        suite = ET.SubElement(root, "testsuite", name=file, errors="0")
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for (obj, check_id), findings in sorted(pairs.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            counts["tests"] += 1
            case = ET.SubElement(
                suite,
                "testcase",
                classname=obj,
                name=f"{check_id} {titles.get(check_id, '')}".strip(),
                file=file,
                time=f"{per_case:.6f}",
            )
            active = [f for f in findings if f.suppressed is None]
            failing = [f for f in active if f.severity >= report.fail_on]
            if failing:
                counts["failures"] += 1
                first = failing[0]
                case.set("line", str(first.line))
                body = "\n".join(_line(f) for f in failing)
                ET.SubElement(
                    case, "failure", message=first.message, type=first.severity.name
                ).text = body
            elif findings and not active:
                counts["skipped"] += 1
                reason = findings[0].suppressed.reason if findings[0].suppressed else ""
                ET.SubElement(case, "skipped", message=f"suppressed: {reason}")
            if active and not failing:
                ET.SubElement(case, "system-out").text = "\n".join(_line(f) for f in active)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{per_case * counts['tests']:.6f}")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    root.set("time", f"{elapsed:.6f}")
    return document(root)


def _line(f: Finding) -> str:
    where = f"{f.file}:{f.line}:{f.column}"
    return f"[{f.severity.name}] {where} {f.field}: {f.message}\nfix: {f.remediation}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(report: Report) -> str:
    """GitHub Actions workflow commands: one annotation per active finding."""
    lines = []
    for p in report.errors:
        props = f"file={_escape_prop(p.file)},line={p.line},col={p.column},title={_escape_prop('INPUT-001 not checked')}"
        text = f"{p.path}: {p.message}" if p.path else p.message
        lines.append(f"::error {props}::{_escape_data(text)}")
    for f in report.active:
        level = GITHUB_LEVEL[f.severity]
        props = f"file={_escape_prop(f.file)},line={f.line},col={f.column},title={_escape_prop(f'{f.check} {f.object}')}"
        message = (
            f"[{f.severity.name}] {f.message} ({f.field}). Fix: {f.remediation}"
            if f.field
            else f"[{f.severity.name}] {f.message}. Fix: {f.remediation}"
        )
        lines.append(f"::{level} {props}::{_escape_data(message)}")
    counts = report.counts()
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no findings"
    verdict = "failed" if report.failed or report.errors else "passed"
    if report.errors:
        summary += f"; {len({p.file for p in report.errors})} file(s) not checked"
    lines.append(
        f"::notice title=agentctl validate::{_escape_data(f'{summary}; gate {verdict} (fail-on {report.fail_on.name})')}"
    )
    return "\n".join(lines) + "\n"
