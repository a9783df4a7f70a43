"""agentctl init end to end on small local templates: refusals leave nothing behind."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from tests.cli.helpers import run_cli

from agentctl.errors import UsageError
from agentctl.scaffold.generate import HookTrust, InitRequest, generate


def make_template(
    root: Path, context: dict, files: dict[str, str], hooks: dict[str, str] | None = None
) -> Path:
    root.mkdir(parents=True)
    (root / "cookiecutter.json").write_text(json.dumps(context))
    for rel, text in files.items():
        path = root / "{{cookiecutter.name}}" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for name, text in (hooks or {}).items():
        (root / "hooks").mkdir(exist_ok=True)
        (root / "hooks" / name).write_text(text)
    return root


@pytest.fixture
def simple(tmp_path) -> Path:
    return make_template(
        tmp_path / "tpl",
        {"name": "demo", "team": "my-team", "flavour": ["vanilla", "mint"]},
        {
            "README.md": "# {{ cookiecutter.name }} by {{ cookiecutter.team }} ({{ cookiecutter.flavour }})\n"
        },
    )


def entries(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


def test_local_template_with_sets(simple, tmp_path):
    out = tmp_path / "out"

    result = generate(InitRequest(str(simple), "svc", out, {"team": "search", "flavour": "mint"}))

    assert result.path == out / "svc"
    assert (out / "svc" / "README.md").read_text() == "# svc by search (mint)\n"
    assert result.files == [".agentctl-template.json", "README.md"] and result.source == "local"
    assert entries(out) == ["svc"]  # no staging directory left behind


def test_refuses_a_non_empty_target_unless_forced(simple, tmp_path):
    target = tmp_path / "out" / "svc"
    target.mkdir(parents=True)
    (target / "mine.txt").write_text("keep me")
    (target / "README.md").write_text("old")

    with pytest.raises(UsageError, match="exists and is not empty") as err:
        generate(InitRequest(str(simple), "svc", tmp_path / "out"))
    assert "--force" in (err.value.hint or "")
    assert (target / "README.md").read_text() == "old"

    # --force refuses to replace a file that differs, and points to upgrade
    with pytest.raises(
        UsageError, match=r"--force would overwrite 1 file\(s\) .*: README\.md"
    ) as err:
        generate(InitRequest(str(simple), "svc", tmp_path / "out", force=True))
    assert "agentctl upgrade" in (err.value.hint or "") and "--overwrite" in (err.value.hint or "")
    assert (target / "README.md").read_text() == "old"

    result = generate(InitRequest(str(simple), "svc", tmp_path / "out", force=True, overwrite=True))
    assert result.overwritten and result.replaced == ["README.md"]
    assert (target / "mine.txt").read_text() == "keep me"
    assert (target / "README.md").read_text().startswith("# svc")
    assert entries(tmp_path / "out") == ["svc"]


def test_force_replaces_links_in_the_target_never_what_they_point_at(tmp_path):
    template = make_template(
        tmp_path / "tpl", {"name": "demo"}, {"agent.yaml": "name: x\n", "src/pkg.py": "x = 1\n"}
    )
    outside = tmp_path / "outside"
    (outside / "elsewhere").mkdir(parents=True)
    (outside / "victim.txt").write_text("VICTIM")
    (outside / "elsewhere" / "keep.txt").write_text("keep")
    target = tmp_path / "out" / "svc"
    target.mkdir(parents=True)
    (target / "agent.yaml").symlink_to(outside / "victim.txt")
    (target / "src").symlink_to(outside / "elsewhere", target_is_directory=True)

    with pytest.raises(UsageError, match=r"differ from the template: agent\.yaml, src/pkg\.py"):
        generate(InitRequest(str(template), "svc", tmp_path / "out", force=True))
    result = generate(
        InitRequest(str(template), "svc", tmp_path / "out", force=True, overwrite=True)
    )

    assert result.replaced == ["agent.yaml", "src/pkg.py"]
    assert (outside / "victim.txt").read_text() == "VICTIM"
    assert sorted(p.name for p in (outside / "elsewhere").iterdir()) == ["keep.txt"]
    assert not (target / "agent.yaml").is_symlink() and not (target / "src").is_symlink()
    assert (target / "agent.yaml").read_text() == "name: x\n"
    assert (target / "src" / "pkg.py").read_text() == "x = 1\n"


def test_an_empty_target_is_fine(simple, tmp_path):
    (tmp_path / "out" / "svc").mkdir(parents=True)
    assert "README.md" in generate(InitRequest(str(simple), "svc", tmp_path / "out")).files


def test_a_file_in_the_way_is_refused_even_with_force(simple, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "svc").write_text("x")
    with pytest.raises(UsageError, match="not a directory"):
        generate(InitRequest(str(simple), "svc", tmp_path / "out", force=True))


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        ({"nope": "1"}, "no such variable"),
        ({"flavour": "chocolate"}, "choices"),
        ({"team": "{{ 7 * 7 }}"}, "template syntax"),
        ({"team": "Not_A_Label"}, "does not match"),
    ],
)
def test_bad_variables_write_nothing(simple, tmp_path, sets, message):
    with pytest.raises(UsageError, match=message):
        generate(InitRequest(str(simple), "svc", tmp_path / "out", sets))
    assert not (tmp_path / "out").exists()


def test_failing_hook_leaves_nothing(tmp_path):
    template = make_template(
        tmp_path / "tpl",
        {"name": "demo"},
        {"a.txt": "a\n"},
        {"post_gen_project.py": "import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n"},
    )
    out = tmp_path / "out"
    out.mkdir()

    with pytest.raises(UsageError, match="hook failed"):
        generate(InitRequest(str(template), "svc", out, hooks=HookTrust(trust=True)))

    assert entries(out) == []


def test_template_errors_are_one_line(tmp_path):
    template = make_template(
        tmp_path / "tpl", {"name": "demo"}, {"a.txt": "{{ cookiecutter.missing }}\n"}
    )
    with pytest.raises(UsageError) as err:
        generate(InitRequest(str(template), "svc", tmp_path / "out"))
    assert "\n" not in str(err.value) and "missing" in str(err.value)
    template = make_template(tmp_path / "tpl2", {"name": "demo"}, {"a.txt": "{% if %}\n"})
    with pytest.raises(UsageError, match="tpl2"):
        generate(InitRequest(str(template), "svc", tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_links_out_of_the_project_are_refused(tmp_path):
    template = make_template(tmp_path / "tpl", {"name": "demo"}, {"a.txt": "a\n"})
    (template / "{{cookiecutter.name}}" / "passwd").symlink_to("/etc/passwd")
    with pytest.raises(UsageError, match="links outside the template"):
        generate(InitRequest(str(template), "svc", tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_default_name_from_the_template_is_checked(tmp_path):
    template = make_template(tmp_path / "tpl", {"name": "Bad Name"}, {"a.txt": "a\n"})
    with pytest.raises(UsageError):
        generate(InitRequest(str(template), None, tmp_path / "out"))


def test_git_template(tmp_path, simple):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for path in simple.rglob("*"):
        if path.is_file():
            dest = repo / path.relative_to(simple)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(path.read_bytes())
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "template"], check=True)
    out = tmp_path / "out"

    result = generate(InitRequest(f"git+file://{repo}", "from-git", out))

    assert result.source == "git"
    assert (out / "from-git" / "README.md").exists()
    assert entries(out) == ["from-git"]


def test_missing_git_template_is_a_clean_error(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        generate(InitRequest(f"git+file://{tmp_path}/nothing.git", "x", tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_file_url_names_a_local_template(tmp_path, simple):
    out = tmp_path / "out"

    result = generate(InitRequest(simple.as_uri(), "from-url", out))

    assert result.source == "local"
    assert (out / "from-url" / "README.md").read_text().startswith("# from-url")
    assert entries(out) == ["from-url"]


def test_cli_file_url_to_no_template_is_one_line(tmp_path):
    missing = tmp_path / "nowhere"
    result = run_cli("init", "x", "-t", missing.as_uri(), "-d", str(tmp_path / "out"), "--no-input")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"error: --template {missing.as_uri()}: {missing} is not a directory"
    )
    assert not (tmp_path / "out").exists()


def test_cli_refusals_exit_2_with_one_line(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "f").write_text("x")
    cases = [
        ["init", "../escape", "--output-dir", str(tmp_path), "--no-input"],
        ["init", "Bad_Name", "--output-dir", str(tmp_path), "--no-input"],
        ["init", "taken", "--output-dir", str(tmp_path), "--no-input"],
        ["init", "ok", "-t", "nope", "--output-dir", str(tmp_path), "--no-input"],
        ["init", "ok", "--set", "team=$(id)", "--output-dir", str(tmp_path), "--no-input"],
        ["init", "ok", "--set", "novar=1", "--output-dir", str(tmp_path), "--no-input"],
    ]
    for args in cases:
        result = run_cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.startswith("error: "), result.stderr
        assert "Traceback" not in result.stderr
    assert entries(tmp_path) == ["taken"]


def test_cli_json_output(tmp_path):
    result = run_cli(
        "init", "svc", "-t", "tool-service", "-d", str(tmp_path), "--no-input", "-o", "json"
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["kind"] == "InitResult" and doc["ok"]
    assert doc["data"]["name"] == "svc" and "agent.yaml" in doc["data"]["files"]

    again = run_cli(
        "init", "svc", "-t", "tool-service", "-d", str(tmp_path), "--no-input", "-o", "json"
    )
    assert again.exit_code == 2
    assert json.loads(again.stdout)["errors"][0]["code"] == "usage"


def test_templates_command():
    text = run_cli("templates")
    assert text.exit_code == 0
    for name in ["stateful-agent", "tool-service", "workflow-agent", "batch-job"]:
        assert name in text.stdout
    doc = json.loads(run_cli("templates", "-o", "json").stdout)
    assert doc["kind"] == "TemplateList"
    assert {t["type"] for t in doc["data"]["templates"]} == {
        "stateful",
        "service",
        "workflow",
        "job",
    }


@pytest.mark.parametrize(
    ("template", "name", "message"),
    [
        ("tool-service", "1abc", "must start with a letter: a service agent's Service"),
        ("stateful-agent", "2x", "must start with a letter: a stateful agent's Service"),
        ("batch-job", "1abc", "must start with a letter: the project's Python package"),
        ("batch-job", "json", "hiding the standard library module"),
        ("workflow-agent", "abc", "hiding the standard library module"),
        ("batch-job", "class", "is a Python keyword"),
    ],
)
def test_a_name_that_would_give_a_broken_project_is_refused(template, name, message, tmp_path):
    r = run_cli("init", "--no-input", "-t", template, name, "--output-dir", str(tmp_path / "out"))
    assert r.exit_code == 2
    assert f"NAME {name!r}" in r.stderr and message in r.stderr
    assert not (tmp_path / "out").exists()  # nothing left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["yes"], "NAME 'yes': YAML reads it as a boolean, not text"),
        (["null"], "NAME 'null': YAML reads it as null, not text"),
        (["svc", "--set", "version=1.10"], "variable version='1.10': YAML reads it as a number"),
        (
            ["svc", "--set", "version=2025-01-01"],
            "variable version='2025-01-01': YAML reads it as a date",
        ),
        (["svc", "--set", "team=off"], "variable team='off': YAML reads it as a boolean"),
    ],
)
def test_a_value_yaml_reads_as_no_text_is_refused_for_a_built_in(args, message, tmp_path):
    r = run_cli("init", "--no-input", "-t", "tool-service", *args, "-d", str(tmp_path / "out"))
    assert r.exit_code == 2, r.stderr
    assert r.stderr.startswith(f"error: {message}"), r.stderr
    assert not (tmp_path / "out").exists()  # nothing left behind


def test_an_output_dir_that_cannot_be_created_is_one_line(tmp_path):
    (tmp_path / "a-file").write_text("x")
    out = tmp_path / "a-file" / "sub"
    r = run_cli("init", "svc", "--no-input", "-t", "tool-service", "-d", str(out))
    assert r.exit_code == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.splitlines()[0] == (
        f"error: --output-dir {out}: cannot create the project there: Not a directory"
    )
