"""agentctl declares what it imports, each with a floor, and none of a project's runtime."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO_ROOT

PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# The agent runtime belongs to scaffolded projects (scaffolds/_shared/project/pyproject.toml).
RUNTIME = re.compile(
    r"^(openai|httpx|opentelemetry-(sdk|api|exporter-.*|instrumentation.*|util-.*))$"
)


def _names(deps: list[str]) -> list[str]:
    out = []
    for dep in deps:
        m = NAME.match(dep)
        assert m, dep
        out.append(re.sub(r"[-_.]+", "-", m.group(1)).lower())
    return out


def test_agentctl_installs_no_agent_runtime():
    assert [n for n in _names(PROJECT["dependencies"]) if RUNTIME.match(n)] == []


def test_every_dependency_has_a_floor():
    assert [d for d in PROJECT["dependencies"] if ">=" not in d] == []


def test_the_dev_extra_carries_the_scaffolds_runtime():
    """Tests run scaffolded code with the test interpreter (--python), so dev has the runtime."""
    scaffold = (REPO_ROOT / "scaffolds" / "_shared" / "project" / "pyproject.toml").read_text()
    runtime = tomllib.loads(
        scaffold.replace("{{ cookiecutter.name }}", "x")
        .replace("{{ cookiecutter.version }}", "0")
        .replace("{{ cookiecutter.description }}", "x")
        .replace("{{ cookiecutter.__package }}", "x")
    )["project"]["dependencies"]
    assert set(_names(runtime)) <= set(_names(PROJECT["optional-dependencies"]["dev"]))
