"""agentctl build: files, streams, envelopes, exit codes and atomic output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tests.cli.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PLATFORM = EXAMPLES / "platform.yaml"
AGENTS = sorted(p.parent.name for p in EXAMPLES.glob("*/agent.yaml"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the examples (a small monorepo) without a platform file."""
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES, root)
    (root / "platform.yaml").unlink()
    (root / ".git").mkdir()  # stop the platform.yaml search here
    return root


@pytest.fixture(autouse=True)
def _no_crd_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTCTL_CRD_DIR", raising=False)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_build_writes_one_directory_per_agent(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    result = run_cli("build", str(project), "--out", str(out), "--platform", str(PLATFORM))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == AGENTS
    files = sorted(p.name for p in (out / "research-assistant").iterdir())
    assert files == [
        "00-namespace.yaml",
        "01-rbac.yaml",
        "02-config.yaml",
        "03-secrets.yaml",
        "04-storage.yaml",
        "05-network.yaml",
        "06-services.yaml",
        "07-workloads.yaml",
        "kustomization.yaml",
    ]
    kustomization = yaml.safe_load((out / "research-assistant" / "kustomization.yaml").read_text())
    assert kustomization["kind"] == "Kustomization"
    assert kustomization["resources"] == files[:-1]
    docs = list(yaml.safe_load_all((out / "deep-research" / "08-workflows.yaml").read_text()))
    assert [d["kind"] for d in docs] == ["WorkflowTemplate", "CronWorkflow"]
    assert "research-assistant" in result.stdout and "estimate: compute" in result.stdout


def test_build_is_byte_identical(project: Path, tmp_path: Path) -> None:
    for out in ("a", "b"):
        assert run_cli("build", str(project), "--out", str(tmp_path / out)).exit_code == 0
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_rebuild_replaces_stale_files(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    stale = out / "daily-report" / "99-stale.yaml"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    assert run_cli("build", str(project / "daily-report"), "--out", str(out)).exit_code == 0
    assert not stale.exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no staging leftovers"


def test_yaml_streams_every_object_and_writes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    result = run_cli("build", "currency-converter", "daily-report", "-o", "yaml")
    assert result.exit_code == 0, result.stderr
    docs = list(yaml.safe_load_all(result.stdout))
    assert {d["metadata"]["labels"]["agentctl.dev/agent"] for d in docs} == {
        "currency-converter",
        "daily-report",
    }
    assert not (project / "dist").exists()


def test_json_envelope_has_objects_and_estimates(project: Path, tmp_path: Path) -> None:
    result = run_cli(
        "build",
        str(project / "research-assistant"),
        "--out",
        str(tmp_path / "d"),
        "-o",
        "json",
        "--env",
        "prod",
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (
        doc["apiVersion"] == "agentctl.dev/v1"
        and doc["kind"] == "BuildResult"
        and doc["ok"] is True
    )
    (agent,) = doc["data"]["agents"]
    assert agent["name"] == "research-assistant" and agent["env"] == "prod"
    sts = next(o["object"] for o in agent["objects"] if o["ref"].startswith("StatefulSet/"))
    assert sts["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "1"
    assert agent["estimate"]["compute"]["monthlyHighUSD"] > 0
    assert agent["dir"] == str(tmp_path / "d" / "research-assistant")


def test_kube_version_is_honoured(project: Path, tmp_path: Path) -> None:
    result = run_cli(
        "build",
        str(project / "daily-report"),
        "--out",
        str(tmp_path / "d"),
        "--kube-version",
        "1.29",
        "-o",
        "json",
    )
    assert json.loads(result.stdout)["data"]["kubeVersion"] == "1.29"
    bad = run_cli("build", str(project / "daily-report"), "--kube-version", "2.0")
    assert bad.exit_code == 2 and "schemas are bundled for" in bad.stderr
    assert "2.0 is newer than the newest bundled schemas" in bad.stderr
    old = run_cli("build", str(project / "daily-report"), "--kube-version", "1.20")
    assert old.exit_code == 2 and "1.20 is older than the oldest bundled schemas" in old.stderr
    assert "upgrade kubernetes-validate" not in old.stderr


def test_crd_dir_validates_custom_resources(project: Path, tmp_path: Path) -> None:
    crds = ROOT / "tests" / "fixtures" / "crds"
    result = run_cli(
        "build",
        str(project / "deep-research"),
        "--out",
        str(tmp_path / "d"),
        "--crd-dir",
        str(crds),
    )
    assert result.exit_code == 0, result.stderr


def _too_long_tool(project: Path) -> Path:
    spec = project / "research-assistant" / "agent.yaml"
    text = spec.read_text().replace("name: currency-converter", "name: " + "c" * 50)
    spec.write_text(text)
    return spec


def test_render_error_points_at_the_line_and_writes_nothing(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert run_cli("build", str(project), "--out", str(out)).exit_code == 0
    before = _tree(out)
    spec = _too_long_tool(project)
    line = next(i for i, text in enumerate(spec.read_text().splitlines(), 1) if "c" * 50 in text)
    result = run_cli("build", str(project), "--out", str(out))
    assert result.exit_code == 2
    assert f"agent.yaml:{line}:" in result.stderr and "spec.tools[0].name" in result.stderr
    assert _tree(out) == before, "nothing half-written: the earlier build is untouched"


def test_render_error_in_json_is_an_error_envelope(project: Path, tmp_path: Path) -> None:
    _too_long_tool(project)
    result = run_cli(
        "build", str(project / "research-assistant"), "--out", str(tmp_path / "d"), "-o", "json"
    )
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["errors"][0]["code"] == "render"
    assert not (tmp_path / "d").exists()


def test_invalid_spec_exit_2_with_every_problem(project: Path) -> None:
    (project / "daily-report" / "agent.yaml").write_text(
        (project / "daily-report" / "agent.yaml").read_text().replace("type: job", "type: jobb")
    )
    result = run_cli("build", str(project), "-o", "yaml")
    assert result.exit_code == 2 and "spec.type" in result.stderr


def test_no_agent_here(tmp_path: Path) -> None:
    result = run_cli("build", str(tmp_path))
    assert result.exit_code == 2 and "no agent.yaml here or below" in result.stderr


def test_output_does_not_depend_on_hash_seed(project: Path, tmp_path: Path) -> None:
    """Byte-identical across processes too: no set or dict order leaks into the files."""
    import os
    import subprocess
    import sys

    trees = []
    for seed in ("1", "2"):
        out = tmp_path / f"out-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "NO_COLOR": "1"}
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "agentctl",
                "build",
                str(project),
                "--out",
                str(out),
                "-o",
                "json",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        trees.append(_tree(out))
    assert trees[0] == trees[1]


def test_monorepo_text_output_is_one_line_per_agent(tmp_path: Path) -> None:
    repo = tmp_path / "mono"
    (repo / ".git").mkdir(parents=True)
    source = (EXAMPLES / "currency-converter" / "agent.yaml").read_text()
    for i in range(7):
        d = repo / "agents" / f"a{i}"
        d.mkdir(parents=True)
        (d / "agent.yaml").write_text(source.replace("name: currency-converter", f"name: conv-{i}"))
    result = run_cli("build", str(repo), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 8
    assert (
        lines[0].startswith("conv-0  service")
        and "10 objects" in lines[0]
        and "compute $" in lines[0]
    )
    assert lines[-1].startswith("7 agents, 70 objects, valid for Kubernetes ")


def test_build_path_writes_dist_inside_the_project(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run_cli("build", str(project / "currency-converter"))
    assert result.exit_code == 0, result.stderr
    assert (project / "currency-converter" / "dist" / "currency-converter").is_dir()
    assert not (elsewhere / "dist").exists()


def test_validate_build_and_dev_find_agent_yaml_upwards(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent_dir = project / "currency-converter"
    sub = agent_dir / "src" / "pkg"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    validated = run_cli("validate", "-o", "json")
    assert validated.exit_code in (0, 1), validated.stderr
    assert "currency-converter" in validated.stdout
    built = run_cli("build")
    assert built.exit_code == 0, built.stderr
    assert (agent_dir / "dist" / "currency-converter").is_dir()
    assert not (sub / "dist").exists()
    # dev finds the project too (and stops at its first error here: no such env overlay)
    dev = run_cli("dev", "--env", "no-such-env")
    assert dev.exit_code == 2 and "no environment 'no-such-env'" in dev.stderr, dev.stderr


@pytest.mark.parametrize("command", ["build", "validate", "cost"])
def test_agent_yaml_that_is_a_symlink_loop_is_one_error_line(project: Path, command: str) -> None:
    spec = project / "daily-report" / "agent.yaml"
    spec.unlink()
    spec.symlink_to("agent.yaml")
    result = run_cli(command, str(project / "daily-report"))
    assert result.exit_code == 2
    assert "daily-report/agent.yaml: cannot be read (a symbolic link loop)" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
