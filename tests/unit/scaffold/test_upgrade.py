"""agentctl upgrade: a project made from a template takes the template's later changes.

The fixture is what a platform team has: a template in a git repository with
two commits. A project is made from the first, edited, and upgraded to the
second with a three-way merge.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli

from agentctl import __version__
from agentctl.errors import UsageError
from agentctl.scaffold import versions
from agentctl.scaffold.catalog import builtin_root
from agentctl.scaffold.generate import HookTrust, InitRequest, generate
from agentctl.scaffold.upgrade import merge3, upgrade

APP_V1 = "def main():\n    print('hello')\n\n\ndef helper():\n    return 1\n"
CONFIG_V1 = "port: 8080\nreplicas: 1\nlog: info\n"


def git(repo: Path, *args: str) -> str:
    base = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    return subprocess.run([*base, *args], check=True, capture_output=True, text=True).stdout.strip()


def write_template(root: Path, files: dict[str, str | None], context: dict | None = None) -> None:
    (root / "cookiecutter.json").write_text(json.dumps(context or {"name": "demo", "team": "t1"}))
    for rel, text in files.items():
        path = root / "{{cookiecutter.name}}" / rel
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def template_repo(tmp_path) -> Path:
    repo = tmp_path / "templates"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_template(
        repo,
        {
            "app.py": APP_V1,
            "config.yaml": CONFIG_V1,
            "README.md": "# {{ cookiecutter.name }} ({{ cookiecutter.team }})\n",
            "old.txt": "obsolete\n",
            "notes.txt": "notes\n",
        },
    )
    commit(repo, "v1")
    return repo


def change_template(repo: Path) -> str:
    """v2: app.py gets a new helper line, config.yaml changes the log level, a file comes and goes."""
    write_template(
        repo,
        {
            "app.py": APP_V1.replace("return 1", "return 2  # from v2"),
            "config.yaml": CONFIG_V1.replace("log: info", "log: warn"),
            "added.txt": "new in v2 for {{ cookiecutter.name }}\n",
            "old.txt": None,
            "notes.txt": "notes v2\n",
        },
    )
    return commit(repo, "v2")


def scaffold(repo: Path, out: Path, name: str = "svc") -> Path:
    return generate(InitRequest(str(repo), name, out, {"team": "search"})).path


def edit_project(project: Path) -> None:
    """The user edits two files: one the template changes elsewhere, one on the same line."""
    app = project / "app.py"
    app.write_text(app.read_text().replace("print('hello')", "print('hello, world')"))
    config = project / "config.yaml"
    config.write_text(config.read_text().replace("log: info", "log: debug"))
    (project / "notes.txt").unlink()  # and deletes one


def test_init_records_template_version_and_answers(template_repo, tmp_path):
    project = scaffold(template_repo, tmp_path / "out")

    record = json.loads((project / versions.RECORD_FILE).read_text())
    assert record["template"] == str(template_repo)
    assert record["source"] == "local"
    assert record["commit"] == git(template_repo, "rev-parse", "HEAD")
    assert record["agentctl"] == __version__
    assert record["answers"] == {"name": "svc", "team": "search"}
    assert "dirty" not in record


def test_upgrade_merges_clean_changes_and_marks_conflicts(template_repo, tmp_path):
    project = scaffold(template_repo, tmp_path / "out")
    v1 = git(template_repo, "rev-parse", "HEAD")
    edit_project(project)
    v2 = change_template(template_repo)

    result = run_cli("upgrade", str(project))

    assert result.exit_code == 1, result.stderr
    app = (project / "app.py").read_text()
    assert "print('hello, world')" in app and "return 2  # from v2" in app  # both kept
    config = (project / "config.yaml").read_text()
    assert "<<<<<<< project\nlog: debug\n=======\nlog: warn\n>>>>>>> template " in config
    assert not (project / "notes.txt").exists()  # deleted here: stays deleted
    assert not (project / "old.txt").exists()  # removed from the template, unchanged here
    assert (project / "added.txt").read_text() == "new in v2 for svc\n"
    assert "conflict" in result.stdout and "config.yaml" in result.stdout
    assert "1 file(s) need your attention: config.yaml" in result.stdout
    # the record stays at v1 until the conflicts are resolved
    assert json.loads((project / versions.RECORD_FILE).read_text())["commit"] == v1

    refused = run_cli("upgrade", str(project), "--mark-resolved")
    assert refused.exit_code == 2 and "config.yaml" in refused.stderr

    (project / "config.yaml").write_text(CONFIG_V1.replace("log: info", "log: debug"))
    done = run_cli("upgrade", str(project), "--mark-resolved")
    assert done.exit_code == 0, done.stderr
    assert json.loads((project / versions.RECORD_FILE).read_text())["commit"] == v2

    again = run_cli("upgrade", str(project))
    assert again.exit_code == 0 and "Up to date" in again.stdout


def test_clean_upgrade_records_the_new_version(template_repo, tmp_path):
    project = scaffold(template_repo, tmp_path / "out")
    app = project / "app.py"
    app.write_text(app.read_text().replace("print('hello')", "print('hi')"))
    v2 = change_template(template_repo)

    result = upgrade(project)

    assert not result.conflicts and result.applied and result.recorded
    actions = {c.path: c.action for c in result.changes}
    assert actions == {
        "app.py": "merged",
        "config.yaml": "updated",
        "added.txt": "added",
        "old.txt": "removed",
        "notes.txt": "updated",
    }
    assert "print('hi')" in app.read_text() and "return 2" in app.read_text()
    assert json.loads((project / versions.RECORD_FILE).read_text())["commit"] == v2


def test_dry_run_and_diff_write_nothing(template_repo, tmp_path):
    project = scaffold(template_repo, tmp_path / "out")
    edit_project(project)
    change_template(template_repo)
    before = {p.name: p.read_bytes() for p in project.iterdir() if p.is_file()}

    dry = run_cli("upgrade", str(project), "--dry-run")
    assert dry.exit_code == 1 and "would conflict" in dry.stdout
    diff = run_cli("upgrade", str(project), "--diff")
    assert diff.exit_code == 1
    assert "+++ b/added.txt" in diff.stdout and "+log: warn" not in diff.stdout.split("config")[0]
    assert "-print('hello')" not in diff.stdout  # the user's line is not touched
    doc = json.loads(run_cli("upgrade", str(project), "--dry-run", "-o", "json").stdout)
    assert doc["kind"] == "UpgradeResult" and doc["data"]["conflicts"] == ["config.yaml"]
    assert not doc["data"]["applied"]

    assert {p.name: p.read_bytes() for p in project.iterdir() if p.is_file()} == before


def test_upgrade_to_a_ref_of_a_git_template(tmp_path, template_repo):
    v1 = git(template_repo, "rev-parse", "HEAD")
    git(template_repo, "tag", "v1")
    change_template(template_repo)
    git(template_repo, "tag", "v2")
    out = tmp_path / "out"
    project = generate(InitRequest(f"git+file://{template_repo}", "svc", out, checkout="v1")).path
    record = json.loads((project / versions.RECORD_FILE).read_text())
    assert record["source"] == "git" and record["commit"] == v1 and record["checkout"] == "v1"
    assert (project / "old.txt").exists()

    result = upgrade(project, to="v2")

    assert not result.conflicts and (project / "added.txt").exists()
    assert not (project / "old.txt").exists()


def test_template_in_a_subdirectory(tmp_path):
    repo = tmp_path / "repo"
    (repo / "templates" / "agent").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    write_template(repo / "templates" / "agent", {"a.txt": "a v1\n"})
    commit(repo, "v1")
    project = generate(
        InitRequest(f"git+file://{repo}", "svc", tmp_path / "out", directory="templates/agent")
    ).path
    assert (project / "a.txt").read_text() == "a v1\n"
    write_template(repo / "templates" / "agent", {"a.txt": "a v2\n"})
    commit(repo, "v2")

    assert not upgrade(project).conflicts
    assert (project / "a.txt").read_text() == "a v2\n"


def test_builtin_template_upgrade_from_the_source_repository(tmp_path, monkeypatch):
    """A built-in's old version comes from agentctl's source repository at the version's tag."""
    source = tmp_path / "agentctl-src"
    shutil.copytree(
        builtin_root(), source / "scaffolds", ignore=shutil.ignore_patterns("__pycache__")
    )
    git(source, "init", "-q", "-b", "main")
    commit(source, "release")
    git(source, "tag", f"v{__version__}")
    project = generate(InitRequest("tool-service", "svc", tmp_path / "out")).path
    record = versions.read_record(project)
    assert record.source == "builtin" and record.agentctl == __version__
    # pretend the installed built-in was not from a checkout: the tag names the version
    record.commit = None
    (project / versions.RECORD_FILE).write_text(record.text())
    readme = source / "scaffolds" / "tool-service" / "{{cookiecutter.name}}" / "README.md"
    readme.write_text(readme.read_text() + "\nA line from the next release.\n")
    commit(source, "next")

    result = upgrade(project, to="main", repository=f"git+file://{source}")

    assert [(c.path, c.action) for c in result.changes] == [("README.md", "updated")]
    assert (project / "README.md").read_text().endswith("A line from the next release.\n")


def test_init_force_over_edits_refuses_and_points_to_upgrade(template_repo, tmp_path):
    out = tmp_path / "out"
    project = scaffold(template_repo, out)
    (project / "app.py").write_text("mine\n")

    refused = run_cli(
        "init",
        "svc",
        "-t",
        str(template_repo),
        "-d",
        str(out),
        "--no-input",
        "--force",
        "--set",
        "team=search",
    )

    assert refused.exit_code == 2
    assert (
        "--force would overwrite 1 file(s) that differ from the template: app.py" in refused.stderr
    )
    assert "agentctl upgrade" in refused.stderr
    assert (project / "app.py").read_text() == "mine\n"

    replaced = run_cli(
        "init",
        "svc",
        "-t",
        str(template_repo),
        "-d",
        str(out),
        "--no-input",
        "--force",
        "--overwrite",
        "--set",
        "team=search",
    )
    assert replaced.exit_code == 0, replaced.stderr
    assert "replaced app.py" in replaced.stdout
    assert (project / "app.py").read_text() == APP_V1


def test_hooks_of_an_untrusted_template_need_trust(tmp_path):
    template = tmp_path / "tpl"
    template.mkdir()
    write_template(template, {"a.txt": "a\n"})
    (template / "hooks").mkdir()
    (template / "hooks" / "post_gen_project.py").write_text(
        "from pathlib import Path\nPath('hooked.txt').write_text('ran')\n"
    )
    out = tmp_path / "out"

    refused = run_cli("init", "svc", "-t", str(template), "-d", str(out), "--no-input")
    assert refused.exit_code == 2 and "--trust" in refused.stderr
    assert not (out / "svc").exists()

    trusted = run_cli("init", "svc", "-t", str(template), "-d", str(out), "--no-input", "--trust")
    assert trusted.exit_code == 0, trusted.stderr
    assert (out / "svc" / "hooked.txt").read_text() == "ran"

    platform = tmp_path / "platform.yaml"
    platform.write_text(
        f"apiVersion: agentctl.dev/v1alpha1\nkind: Platform\ntrustedTemplates: ['{tmp_path}/']\n"
    )
    listed = generate(
        InitRequest(str(template), "svc2", out, hooks=HookTrust(platform_file=str(platform)))
    )
    assert (listed.path / "hooked.txt").exists()

    declined = HookTrust(confirm=lambda template, hooks: False)
    with pytest.raises(UsageError, match="not accepted"):
        generate(InitRequest(str(template), "svc3", out, hooks=declined))
    assert not (out / "svc3").exists()


def test_cookiecutterrc_default_context_applies(tmp_path, monkeypatch, template_repo):
    rc = tmp_path / "cookiecutterrc"
    replay = tmp_path / "replay"
    rc.write_text(f"default_context:\n  team: platform\nreplay_dir: {replay}\n")
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(rc))

    project = generate(InitRequest(str(template_repo), "svc", tmp_path / "out")).path

    assert (project / "README.md").read_text() == "# svc (platform)\n"
    assert versions.read_record(project).answers["team"] == "platform"
    # cookiecutter's own replay file, as `cookiecutter --replay` reads it
    (written,) = replay.glob("*.json")
    assert json.loads(written.read_text())["cookiecutter"]["team"] == "platform"


def test_bad_records_are_one_line_errors(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    result = run_cli("upgrade", str(project))
    assert result.exit_code == 2 and "no template record" in result.stderr
    (project / versions.RECORD_FILE).write_text("{\n  nope")
    result = run_cli("upgrade", str(project))
    assert result.exit_code == 2 and f"{versions.RECORD_FILE}:2:3: invalid JSON" in result.stderr
    (project / versions.RECORD_FILE).write_text(
        json.dumps({"source": "ftp", "template": "x", "answers": {}})
    )
    result = run_cli("upgrade", str(project))
    assert result.exit_code == 2 and "source: must be builtin, local or git" in result.stderr
    (project / versions.RECORD_FILE).write_text(
        json.dumps({"source": "git", "template": "x", "answers": {}, "commit": "--upload-pack=x"})
    )
    result = run_cli("upgrade", str(project))
    assert result.exit_code == 2 and "not a git commit id" in result.stderr
    assert "Traceback" not in result.stderr


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _device(path: Path) -> None:
    path.symlink_to("/dev/zero")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_fifo, ": not a regular file (a FIFO, socket or device); expected a JSON file"),
        (_device, ": not a regular file (a FIFO, socket or device); expected a JSON file"),
        (lambda p: p.mkdir(), ": is a directory, expected a JSON file"),
        (lambda p: p.symlink_to(p), ": cannot read: Too many levels of symbolic links"),
        (lambda p: p.write_text("[" * 100_000), ": invalid JSON: nested too deeply"),
        (lambda p: p.write_bytes(b'{"a": "\xff"}'), ":1:8: not valid UTF-8 (byte 0xff)"),
        (
            lambda p: p.write_text(" " * (2 << 20)),
            ":1:1: file is 2097152 bytes; the limit is 1048576 bytes",
        ),
    ],
    ids=["fifo", "device", "directory", "link-loop", "deep", "not-utf8", "huge"],
)
def test_a_record_that_is_no_file_of_json_is_one_line_in_bounded_time(tmp_path, make, message):
    project = tmp_path / "p"
    project.mkdir()
    make(project / versions.RECORD_FILE)
    result = run_cli("upgrade", str(project))  # a FIFO read would block, /dev/zero never end
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    # one line, without the hint about standard input an input named on the command line gets
    assert result.stderr.splitlines() == [
        f"error: {project.absolute() / versions.RECORD_FILE}{message}"
    ]


def test_a_git_record_naming_no_repository_is_one_line(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    record = {"source": "git", "template": "tool-service", "answers": {"name": "p"}}
    (project / versions.RECORD_FILE).write_text(json.dumps(record))
    result = run_cli("upgrade", str(project))
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: template 'tool-service' not found: "), result.stderr


def test_a_git_server_trickling_its_answer_is_given_up_on(tmp_path, monkeypatch):
    import time
    from http.server import BaseHTTPRequestHandler

    from tests.fakes.loopback import serve

    class Trickle(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format, *args):
            return

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/x-git-upload-pack-advertisement")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(60):  # a minute at most, far past the bound below
                    self.wfile.write(b"0")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass

    httpd = serve(Trickle)
    monkeypatch.setattr(versions, "GIT_LOW_SPEED_SECONDS", 2)
    url = f"http://127.0.0.1:{httpd.server_address[1]}/t.git"
    started = time.monotonic()
    try:
        result = run_cli("init", "svc", "-t", url, "-d", str(tmp_path / "out"), "--no-input")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert time.monotonic() - started < 30
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: template {url!r} not found: git clone failed"), (
        result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_local_template_outside_git_cannot_be_upgraded(tmp_path, monkeypatch):
    # git must not find a repository above the temp dir (it can sit inside a checkout)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    template = tmp_path / "tpl"
    template.mkdir()
    write_template(template, {"a.txt": "a\n"})
    project = generate(InitRequest(str(template), "svc", tmp_path / "out")).path
    assert versions.read_record(project).commit is None

    with pytest.raises(UsageError, match="not in a git repository"):
        upgrade(project, to="main")
    with pytest.raises(UsageError, match="no commit recorded"):
        upgrade(project)


def test_merge3_is_git_merge_file():
    base = b"a\nb\nc\n"
    merged, conflicts = merge3(b"A\nb\nc\n", base, b"a\nb\nC\n", old="v1", new="v2")
    assert (merged, conflicts) == (b"A\nb\nC\n", 0)
    merged, conflicts = merge3(b"x\nb\nc\n", base, b"y\nb\nc\n", old="v1", new="v2")
    assert conflicts == 1
    assert merged.startswith(b"<<<<<<< project\nx\n=======\ny\n>>>>>>> template v2\n")
