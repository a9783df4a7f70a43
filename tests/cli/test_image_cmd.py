"""agentctl image: what is refused before any builder runs (no builder, bad arguments)."""

from __future__ import annotations

import pytest

from tests.cli.helpers import run_cli


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("init", "demo", "-t", "tool-service", "--no-input").exit_code == 0
    return tmp_path / "demo"


def test_no_builder_is_one_line_naming_what_to_install_exit_3(project, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    result = run_cli("image", "build", "demo")
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [
        "error: no image builder found: install docker with buildx, podman, buildah or nerdctl"
    ]


def test_a_named_builder_that_is_absent_exit_3(project, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    result = run_cli("image", "push", "demo", "--builder", "podman")
    assert result.exit_code == 3
    assert "podman is not installed" in result.stderr


def test_an_unknown_builder_is_a_usage_error(project):
    result = run_cli("image", "build", "demo", "--builder", "kaniko")
    assert result.exit_code == 2
    assert "unknown builder" in result.stderr


def test_a_build_arg_without_a_value_is_a_usage_error(project, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "buildah"
    fake.write_text("#!/bin/sh\nexit 99\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    result = run_cli("image", "build", "demo", "--build-arg", "NOVALUE")
    assert result.exit_code == 2
    assert "--build-arg 'NOVALUE': expected KEY=VALUE" in result.stderr


def test_an_image_pinned_by_digest_has_no_tag_to_build(project, tmp_path, monkeypatch):
    spec = project / "agent.yaml"
    spec.write_text(spec.read_text().replace("demo:0.1.0", "demo:0.1.0@sha256:" + "a" * 64))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "buildah").write_text("#!/bin/sh\nexit 99\n")
    (bin_dir / "buildah").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    result = run_cli("image", "build", "demo")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: demo/agent.yaml:")
    assert "pinned by digest" in result.stderr
