"""Every built-in template: generate it, load its agent.yaml, compare with goldens, lint it.

The slow test installs each generated project in a fresh venv and runs its own
test suite. Regenerate goldens after an intended change with
``AGENTCTL_REGEN_GOLDEN=1 pytest tests/scaffolds`` (refused when ``CI`` is set); golden
files carry a ``.golden`` suffix so linters and pytest leave them alone.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agentctl.errors import UsageError
from agentctl.scaffold.catalog import builtin_root
from agentctl.scaffold.generate import InitRequest, generate

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
TEMPLATES = {
    "stateful-agent": "stateful",
    "tool-service": "service",
    "workflow-agent": "workflow",
    "batch-job": "job",
}
PACKAGES = {
    "stateful-agent": "research_assistant",
    "tool-service": "currency_converter",
    "workflow-agent": "deep_research",
    "batch-job": "daily_report",
}
# Captured at import time, before the autouse fixture points HOME at a temp dir:
# reuse the machine's pip cache so fresh venvs install quickly (and offline from a mirror).
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")


def _regen() -> bool:
    if os.environ.get("AGENTCTL_REGEN_GOLDEN") != "1":
        return False
    if os.environ.get("CI"):
        pytest.fail(
            "AGENTCTL_REGEN_GOLDEN is refused when CI is set: regenerate locally and commit the files"
        )
    return True


def _generate(template: str, out: Path) -> Path:
    return generate(InitRequest(template=template, name=None, output_dir=out)).path


def _own_files(project: Path) -> dict[str, str]:
    """The template's own files (the shared runtime copies are checked separately)."""
    files = {}
    for path in sorted(project.rglob("*")):
        rel = path.relative_to(project).as_posix()
        shared = rel.startswith("tests/runtime/") or "/_runtime/" in rel
        # the template record names the commit agentctl's checkout is at: checked in tests/unit/scaffold
        if path.is_file() and not shared and rel != ".agentctl-template.json":
            files[rel] = path.read_text(encoding="utf-8")
    return files


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_generated_agent_yaml_is_valid(template, tmp_path):
    from agentctl.spec.loader import load_agent

    project = _generate(template, tmp_path)

    loaded = load_agent(project)
    assert loaded.agent.spec.type.value == TEMPLATES[template]
    spec = loaded.agent.spec
    assert ":" in spec.image.rsplit("/", 1)[-1] and not spec.image.endswith(":latest")
    assert loaded.agent.metadata.labels["cost-center"]
    assert spec.guardrails.budget.per_run_usd and spec.guardrails.budget.daily_usd
    assert spec.guardrails.max_steps and spec.guardrails.max_tool_calls and spec.guardrails.timeout
    assert spec.resources.cpu_limit and spec.resources.memory_limit
    assert spec.model and spec.model.api_key_secret in {s.name for s in spec.secrets}
    assert all(s.store and s.remote_ref.key for s in spec.secrets)


def test_stateful_agent_runs_on_its_own_unless_a_tool_service_is_asked_for(tmp_path):
    """A service tool needs another project running, so the default declares none."""
    from agentctl.spec.loader import load_agent
    from agentctl.spec.shapes import ServiceTool

    default = load_agent(_generate("stateful-agent", tmp_path / "a")).agent
    assert [t for t in default.spec.tools if isinstance(t, ServiceTool)] == []
    assert {t.name for t in default.spec.tools} >= {"save_note", "search_notes", "calculate"}

    project = generate(
        InitRequest("stateful-agent", None, tmp_path / "b", {"tool_service": "rates"})
    ).path
    services = [t for t in load_agent(project).agent.spec.tools if isinstance(t, ServiceTool)]
    assert [t.name for t in services] == ["rates"]
    assert (
        "agentctl dev --offline-model --tool rates=../rates" in (project / "README.md").read_text()
    )


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_generated_files_match_the_goldens(template, tmp_path):
    files = _own_files(_generate(template, tmp_path))
    golden = GOLDEN / template
    if _regen():
        shutil.rmtree(golden, ignore_errors=True)
        for rel, text in files.items():
            (golden / f"{rel}.golden").parent.mkdir(parents=True, exist_ok=True)
            (golden / f"{rel}.golden").write_text(text, encoding="utf-8")
    expected = {
        p.relative_to(golden).as_posix().removesuffix(".golden"): p.read_text(encoding="utf-8")
        for p in golden.rglob("*.golden")
    }
    assert sorted(files) == sorted(expected)
    for rel, text in files.items():
        assert text == expected[rel], f"{template}/{rel} differs from its golden file"


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_shared_runtime_is_vendored_inside_the_project_package(template, tmp_path):
    project = _generate(template, tmp_path)
    package = PACKAGES[template]
    shared = builtin_root() / "_shared"
    runtime = sorted(p for p in (shared / "runtime").rglob("*.py") if "__pycache__" not in p.parts)
    assert runtime
    for path in runtime:  # copied verbatim, as a subpackage of the project's own package
        copy = project / "src" / package / "_runtime" / path.relative_to(shared / "runtime")
        assert copy.read_bytes() == path.read_bytes(), copy
    for path in runtime:  # relative imports only: no top-level name two projects could share
        text = path.read_text(encoding="utf-8")
        assert "import agent_runtime" not in text and "from agent_runtime" not in text, path
    assert not (project / "src" / "agent_runtime").exists()
    assert sorted(p.name for p in (project / "src").iterdir()) == [package]
    for path in (shared / "tests").rglob("*.py"):  # rendered: they import the project's runtime
        text = path.read_text(encoding="utf-8")
        copy = project / "tests" / "runtime" / path.relative_to(shared / "tests")
        expected = text.replace("{{ cookiecutter.__package }}", package)
        assert copy.read_text(encoding="utf-8") == expected, copy
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert f'packages = ["src/{package}"]' in pyproject
    assert f"-p {package}._runtime.testing" in pyproject


@pytest.mark.agent_runtime
def test_two_generated_projects_keep_their_own_runtime(tmp_path):
    """Installed side by side (as on one PYTHONPATH), each project imports its own runtime."""
    a = _generate("batch-job", tmp_path / "a")
    b = generate(
        InitRequest(template="batch-job", name="weekly-report", output_dir=tmp_path / "b")
    ).path
    with (b / "src" / "weekly_report" / "_runtime" / "pricing.py").open("a") as changed:
        changed.write("MARK = 'weekly'\n")  # one project changes its copy of the runtime
    code = (
        "import daily_report._runtime.pricing as a, weekly_report._runtime.pricing as b; "
        "print(hasattr(a, 'MARK'), b.MARK)"
    )
    env = {**_clean_env(), "PYTHONPATH": os.pathsep.join([str(a / "src"), str(b / "src")])}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "weekly"]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_generated_project_has_the_golden_path_files(template, tmp_path):
    project = _generate(template, tmp_path)
    for rel in [
        "README.md",
        ".gitignore",
        ".pre-commit-config.yaml",
        "pyproject.toml",
        "Dockerfile",
        ".github/workflows/agent.yml",
        ".gitlab-ci.yml",
    ]:
        assert (project / rel).is_file(), rel
    dockerfile = (project / "Dockerfile").read_text()
    assert "ARG BASE_IMAGE=python:3.12-slim-bookworm" in dockerfile
    assert dockerfile.count("FROM ${BASE_IMAGE}") == 2 and "USER 10001:10001" in dockerfile
    assert "PYTHONDONTWRITEBYTECODE=1" in dockerfile
    for ci in (".github/workflows/agent.yml", ".gitlab-ci.yml"):
        text = (project / ci).read_text()
        assert "agentctl validate --format" in text and "--output-file agentctl.sarif" in text
        assert "agentctl build --out dist/" in text and "agentctl deploy" in text
        # never `pip install agentctl` (whatever owns the name on PyPI): the pinned spec
        assert "run: pip install agentctl" not in text and "- pip install agentctl" not in text
        assert (
            text.count('pip install "$AGENTCTL_PIP_SPEC"') == 6
        )  # test (eval set), validate, image, build, deploy, verify
        assert "agentctl eval run --junit eval-junit.xml" in text  # the eval set runs before deploy
        assert "https://github.com/acme/agentctl/archive/refs/tags/v0.1.0.tar.gz" in text
    for path in project.rglob("*"):
        if path.is_file() and path.name != "agent.yaml":
            text = path.read_text(encoding="utf-8")
            assert "{{ cookiecutter" not in text and "{%" not in text, path


def test_ci_installs_agentctl_from_the_pinned_spec(tmp_path):
    import yaml

    spec = "git+https://git.example.com/platform/agentctl@v2.3.0"
    project = generate(InitRequest("batch-job", None, tmp_path, {"agentctl_pip_spec": spec})).path
    github = yaml.safe_load((project / ".github/workflows/agent.yml").read_text())
    assert github["env"]["AGENTCTL_PIP_SPEC"] == ("${{ vars.AGENTCTL_PIP_SPEC || '" + spec + "' }}")
    gitlab = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    assert gitlab["variables"]["AGENTCTL_PIP_SPEC"] == spec
    for bad in ["agentctl; curl x", "agentctl --index-url http://x", "$(id)"]:
        with pytest.raises(UsageError):
            generate(InitRequest("batch-job", "x", tmp_path / "bad", {"agentctl_pip_spec": bad}))
    assert not (tmp_path / "bad" / "x").exists()


def test_generated_projects_are_lint_clean(tmp_path):
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    for template in TEMPLATES:
        project = _generate(template, tmp_path / template)
        result = subprocess.run(
            [ruff, "check", "--no-cache", "--select", "E,F,W,I,B,UP", "."],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{template}:\n{result.stdout}{result.stderr}"
        formatted = subprocess.run(
            [ruff, "format", "--check", "--no-cache", "."],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert formatted.returncode == 0, f"{template}:\n{formatted.stdout}{formatted.stderr}"


def _clean_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "PYTHON", "VIRTUAL_ENV", "OTEL_", "AGENT_", "COV_"))
    }
    env["PIP_CACHE_DIR"] = PIP_CACHE
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run_in_project(
    template: str, tmp_path: Path, script: Path, *args: str, timeout: float = 120
) -> dict[str, Any]:
    """Generate ``template``, run ``script ARGS`` with its ``src`` on PYTHONPATH (this
    interpreter), and return the JSON of the last line it prints."""
    project = _generate(template, tmp_path / "project")
    done = subprocess.run(
        [sys.executable, str(script), *args],
        env={**_clean_env(), "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=_clean_env(), capture_output=True, text=True, check=False, **kwargs
    )  # type: ignore[call-overload]


@pytest.fixture(scope="session")
def shared_deps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated projects' dependencies, installed once and shared by every fresh venv.

    All built-in templates have the same dependencies (the shared pyproject.toml).
    They are installed once (``pip install --target``, from the configured index or
    mirror) into a directory that each fresh venv sees through a ``.pth`` file, as
    ``--system-site-packages`` would; each project is then installed into its own
    venv with ``pip install -e .`` and runs its own tests there. A file lock makes
    xdist workers share the one install.
    """
    import tomllib

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    deps = root / "scaffold-deps"
    with open(root / "scaffold-deps.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (deps / ".complete").exists():
            project = _generate("batch-job", root / "scaffold-deps-src")
            meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
            wanted = [
                *meta["dependencies"],
                *meta["optional-dependencies"]["test"],
                "hatchling",
                "editables",
            ]
            pip = [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--target",
                str(deps),
            ]
            done = _run([*pip, *wanted], timeout=600)
            assert done.returncode == 0, done.stderr[-3000:]
            (deps / ".complete").touch()
    return deps


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_generated_project_passes_its_own_tests(template, tmp_path, shared_deps):
    project = _generate(template, tmp_path / "project")
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)]).returncode == 0
    python = str(venv / "bin" / "python")
    site = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).stdout.strip()
    Path(site, "shared_deps.pth").write_text(f"{shared_deps}\n")
    pip = [
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-compile",
        "--no-index",
        "--no-build-isolation",
    ]
    install = _run([*pip, "--no-deps", "-e", "."], cwd=project, timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]
    check = _run([python, "-m", "pip", "check"], cwd=project, timeout=120)
    assert check.returncode == 0, check.stdout[-3000:]
    tests = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, timeout=240)
    assert tests.returncode == 0, tests.stdout[-5000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout
