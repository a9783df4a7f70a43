"""image.lock.json: build and validate run the pushed digest of a locked image."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from agentctl.spec import imagelock
from tests.cli.helpers import run_cli

DIGEST = "sha256:" + "ab" * 32
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    for name in ("research-assistant", "daily-report"):
        shutil.copytree(EXAMPLES / name, root / name)
    shutil.copy(EXAMPLES / "platform.yaml", root / "platform.yaml")
    monkeypatch.chdir(root)
    monkeypatch.delenv("AGENTCTL_CRD_DIR", raising=False)
    return root


def _images(docs: list) -> list[str]:
    out = []
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        text = json.dumps(doc)
        out.extend(part.split('"')[0] for part in text.split('"image": "')[1:] if "ghcr.io" in part)
    return out


def _build(path: str) -> list:
    result = run_cli("build", path, "-o", "yaml")
    assert result.exit_code == 0, result.stderr
    return list(yaml.safe_load_all(result.stdout))


def test_a_locked_image_is_rendered_by_digest(project):
    before = _images(_build("research-assistant"))
    assert "ghcr.io/acme/research-assistant:1.4.2" in before
    path = imagelock.write(
        project / "research-assistant",
        imagelock.LockedImage("ghcr.io/acme/research-assistant:1.4.2", DIGEST, "abc123"),
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    after = _images(_build("research-assistant"))
    assert f"ghcr.io/acme/research-assistant:1.4.2@{DIGEST}" in after
    assert "ghcr.io/acme/research-assistant:1.4.2" not in after
    # the tool's own image is not in the lock: it stays as written
    assert "ghcr.io/acme/currency:2.1.0" in after


def test_a_lock_for_another_image_changes_nothing(project):
    imagelock.write(
        project / "daily-report",
        imagelock.LockedImage("ghcr.io/acme/daily-report:0.2.0", DIGEST),
    )
    assert f"@{DIGEST}" not in json.dumps(_build("daily-report"))


def test_img_001_sees_the_digest(project):
    spec = project / "daily-report" / "agent.yaml"
    spec.write_text(spec.read_text().replace("daily-report:0.3.0", "daily-report:main"))
    before = run_cli("validate", "daily-report", "--include", "IMG-001", "-o", "json")
    assert {f["check"] for f in json.loads(before.stdout)["data"]["findings"]} == {"IMG-001"}
    imagelock.write(
        project / "daily-report", imagelock.LockedImage("ghcr.io/acme/daily-report:main", DIGEST)
    )
    after = run_cli("validate", "daily-report", "--include", "IMG-001", "-o", "json")
    assert after.exit_code == 0, after.stdout
    assert json.loads(after.stdout)["data"]["findings"] == []


def test_write_keeps_other_images(project):
    d = project / "research-assistant"
    imagelock.write(d, imagelock.LockedImage("ghcr.io/acme/a:1", DIGEST))
    imagelock.write(d, imagelock.LockedImage("ghcr.io/acme/b:1", "sha256:" + "cd" * 32))
    assert set(imagelock.read(d)) == {"ghcr.io/acme/a:1", "ghcr.io/acme/b:1"}


def test_a_bad_digest_is_reported_with_file_line_and_field(project):
    (project / "daily-report" / "image.lock.json").write_text(
        json.dumps(
            {
                "apiVersion": "agentctl.dev/v1",
                "kind": "ImageLock",
                "images": {"ghcr.io/acme/daily-report:0.3.0": {"digest": "sha256:nope"}},
            },
            indent=2,
        )
    )
    result = run_cli("build", "daily-report", "-o", "yaml")
    assert result.exit_code == 2
    assert "daily-report/image.lock.json:6:" in result.stderr
    assert "images.ghcr.io/acme/daily-report:0.3.0.digest" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_lock_that_is_not_json_is_one_line(project):
    (project / "daily-report" / "image.lock.json").write_text("{not json")
    result = run_cli("build", "daily-report", "-o", "yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: daily-report/image.lock.json:")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("commit", {"sha": "abc"}, "expected a string (a git commit) or null"),
        ("pushedAt", [2026], "expected a string (a time) or null"),
        ("platforms", "linux/amd64", "expected a list of platform strings"),
        ("platforms", [["linux/amd64"]], "expected a list of platform strings"),
    ],
)
def test_a_lock_entry_field_of_the_wrong_type_is_refused_at_its_line(
    project, field, value, expected
):
    """Before, a commit that was an object was written out as its Python text, and
    platforms of the wrong shape were dropped without a word."""
    entry = {"digest": DIGEST, field: value}
    image = "ghcr.io/acme/daily-report:0.3.0"
    (project / "daily-report" / "image.lock.json").write_text(
        json.dumps({"kind": "ImageLock", "images": {image: entry}}, indent=2)
    )
    result = run_cli("build", "daily-report", "-o", "yaml")
    assert result.exit_code == 2, result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: daily-report/image.lock.json:"), line
    assert f"images.{image}.{field}: {expected}" in line


def test_a_long_kind_or_digest_is_quoted_cut(project):
    lock = {"kind": "K" * 5000, "images": {"a": {"digest": "d" * 5000}}}
    (project / "daily-report" / "image.lock.json").write_text(json.dumps(lock))
    result = run_cli("build", "daily-report", "-o", "yaml")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(len(ln) < 300 for ln in lines), [ln[:200] for ln in lines]
    assert "got 'KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK...'" in lines[0]
