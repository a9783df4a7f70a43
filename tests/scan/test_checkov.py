"""An independent scanner finds nothing in what agentctl builds.

Checkov (``--framework kubernetes argo_workflows``) scans the build output of
every scaffold, every example and each example's environments. The only check
allowed to fail is CKV_K8S_43 (image by digest) on an image that is not pinned
yet; a digest-pinned variant proves that check passes once pinned. No skip list:
every other check passes on the rendered objects themselves.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.cli.helpers import run_cli
from tests.conftest import EXAMPLES
from tests.tools import checkov_env

DIGEST_CHECK = "CKV_K8S_43"
PINNED = "ghcr.io/acme/currency-converter@sha256:" + "4f" * 32


def _templates() -> list[str]:
    from agentctl.scaffold.catalog import list_builtin

    return [t.name for t in list_builtin()]


def _examples() -> list[Path]:
    return sorted(p.parent for p in EXAMPLES.glob("*/agent.yaml"))


def _build(args: list[str], out: Path) -> None:
    result = run_cli("build", *args, "--out", str(out))
    assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="module")
def checkov() -> None:
    try:
        checkov_env.executable()
    except checkov_env.Unavailable as exc:
        pytest.skip(f"checkov is not available: {exc}")


@pytest.mark.slow
def test_checkov_finds_nothing_but_unpinned_images(
    checkov: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = str(EXAMPLES / "platform.yaml")
    dist = tmp_path / "dist"
    for project in _examples():
        _build([str(project), "--platform", platform], dist / "examples" / project.name)
        spec = yaml.safe_load((project / "agent.yaml").read_text())
        for env in spec["spec"].get("environments", {}):
            _build(
                [str(project), "--platform", platform, "--env", env],
                dist / "environments" / f"{project.name}-{env}",
            )
    pinned = tmp_path / "pinned" / "currency-converter"
    shutil.copytree(EXAMPLES / "currency-converter", pinned)
    text = (pinned / "agent.yaml").read_text()
    (pinned / "agent.yaml").write_text(
        text.replace("ghcr.io/acme/currency-converter:2.1.0", PINNED)
    )
    _build([str(pinned), "--platform", platform], dist / "pinned")
    monkeypatch.chdir(tmp_path)
    for template in _templates():
        name = "demo-" + template.split("-")[0]
        created = run_cli("init", name, "-t", template, "--no-input")
        assert created.exit_code == 0, created.stderr
        _build([name], dist / "scaffolds" / template)

    failed = checkov_env.scan(dist)
    wrong = [
        f"{f['check_id']} {f['check_name']}: {f['resource']} in {f['file_path']}"
        for f in failed
        if f["check_id"] != DIGEST_CHECK
    ]
    assert not wrong, "\n".join(wrong)
    unpinned = [f for f in failed if f["check_id"] == DIGEST_CHECK]
    for f in unpinned:
        assert "/pinned/" not in f["file_path"], f"{f['resource']}: pinned, yet {DIGEST_CHECK}"
    # the scan saw the builds: every example and scaffold workload is among the digest findings
    assert {f["file_path"].split("/")[1] for f in unpinned} >= {"examples", "scaffolds"}
