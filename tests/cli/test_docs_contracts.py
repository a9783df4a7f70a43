"""The hand-written reference pages agree with the code they describe.

exit-codes.md with the constants in errors.py, json-envelope.md with
results.py and the error classes, env-vars.md with every AGENTCTL_* variable
the source reads.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path

from agentctl import errors
from agentctl.errors import AgentctlError, Problem, SpecError
from agentctl.results import ENVELOPE_API_VERSION, envelope, error_envelope

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"


def table_rows(text: str, header: str) -> list[list[str]]:
    """The rows of the first markdown table whose header row starts with ``header``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(header):
            rows = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split("|")])
            return rows
    raise AssertionError(f"no table starting with {header!r}")


def all_error_classes() -> list[type[AgentctlError]]:
    """Every AgentctlError subclass in the package, wherever it is defined."""
    for path in (ROOT / "src" / "agentctl").rglob("*.py"):
        if re.search(
            r"^class \w+\(.*(?:Error|Failed)\b.*\):", path.read_text(encoding="utf-8"), re.M
        ):
            rel = path.relative_to(ROOT / "src").with_suffix("")
            importlib.import_module(".".join(rel.parts).removesuffix(".__init__"))
    out, todo = [], [AgentctlError]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            out.append(sub)
            todo.append(sub)
    return out


def test_exit_codes_page_matches_errors_module():
    rows = table_rows(
        (REFERENCE / "exit-codes.md").read_text(encoding="utf-8"), "| code | meaning |"
    )
    documented = {int(code) for code, *_ in rows}
    constants = {v for k, v in vars(errors).items() if k.startswith("EXIT_")}
    assert documented == constants == {0, 1, 2, 3, 4, 130}
    meaning = {int(code): text for code, text in rows}
    assert "usage" in meaning[errors.EXIT_USAGE] and "invalid input" in meaning[errors.EXIT_USAGE]
    assert "cluster" in meaning[errors.EXIT_CLUSTER]
    assert "timed out" in meaning[errors.EXIT_FAILED]
    assert "interrupted" in meaning[errors.EXIT_INTERRUPTED]
    assert "--fail-on" in meaning[errors.EXIT_FINDINGS]
    for cls in all_error_classes():
        assert cls.exit_code in documented, cls.__name__


def _json_blocks(text: str) -> list[dict]:
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S)]


def test_envelope_page_matches_results_module():
    text = (REFERENCE / "json-envelope.md").read_text(encoding="utf-8")
    success, failure = _json_blocks(text)[:2]
    expected = envelope(success["kind"], success["data"])
    assert success == expected
    assert success["apiVersion"] == ENVELOPE_API_VERSION

    problems = [
        Problem(**{k: p[k] for k in ("file", "line", "column", "path", "message")})
        for p in failure["errors"][0]["problems"]
    ]
    err = SpecError(problems, hint=failure["errors"][0]["hint"])
    assert failure == error_envelope(failure["kind"], err.to_dict())


def _wraps_another(cls: type[AgentctlError]) -> bool:
    """An error that carries the code and exit code of the error it wraps (``cause``)."""
    return "cause" in inspect.signature(cls.__init__).parameters


def test_envelope_page_lists_every_error_code():
    text = (REFERENCE / "json-envelope.md").read_text(encoding="utf-8")
    rows = table_rows(text, "| `code` | exit code |")
    documented = {code.strip("`"): int(exit_code) for code, exit_code, _ in rows}
    actual = {cls.code: cls.exit_code for cls in all_error_classes() if not _wraps_another(cls)}
    assert documented == actual


def test_envelope_page_describes_every_error_key():
    """Every key an error's to_dict writes has a row in the Failure section's table."""
    text = (REFERENCE / "json-envelope.md").read_text(encoding="utf-8")
    failure = text[text.index("## Failure") : text.index("## Error codes")]
    documented = {
        key.strip("` ")
        for row in re.findall(r"^\| ([^|]+) \|", failure, re.M)
        for key in row.split(",")
    }
    keys = {"code", "message", "hint"}
    for cls in [AgentctlError, *all_error_classes()]:
        if "to_dict" in vars(cls):
            source = inspect.getsource(cls.to_dict)
            for pair in re.findall(r'out\["(\w+)"\]|"(\w+)":', source):
                keys.update(k for k in pair if k)
    missing = sorted(keys - documented)
    assert not missing, f"document these error keys in docs/reference/json-envelope.md: {missing}"


def test_every_agentctl_environment_variable_is_documented():
    text = (REFERENCE / "env-vars.md").read_text(encoding="utf-8")
    used = set()
    for path in (ROOT / "src" / "agentctl").rglob("*.py"):
        used.update(re.findall(r"\bAGENTCTL_[A-Z0-9_]+\b", path.read_text(encoding="utf-8")))
    missing = sorted(v for v in used if f"`{v}`" not in text)
    assert not missing, f"document these in docs/reference/env-vars.md: {', '.join(missing)}"
