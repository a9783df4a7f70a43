"""Finding templates: built-ins in a checkout or a wheel, local directories, git URLs."""

from __future__ import annotations

import pytest

from agentctl.errors import UsageError
from agentctl.scaffold import catalog

BUILTINS = ["batch-job", "stateful-agent", "tool-service", "workflow-agent"]


def test_builtins_are_listed_with_type_and_description():
    found = {t.name: t for t in catalog.list_builtin()}
    assert sorted(found) == BUILTINS
    assert {t.type for t in found.values()} == {"stateful", "service", "workflow", "job"}
    assert all(t.description for t in found.values())


def test_builtin_root_in_a_wheel_layout(tmp_path):
    package = tmp_path / "site-packages" / "agentctl"
    (package / "_scaffolds" / "_shared").mkdir(parents=True)
    assert catalog.builtin_root(package) == package / "_scaffolds"


def test_builtin_root_missing(tmp_path):
    with pytest.raises(UsageError, match="missing"):
        catalog.builtin_root(tmp_path / "a" / "b" / "agentctl")


def test_resolve(tmp_path):
    assert catalog.resolve("tool-service").kind == "builtin"
    (tmp_path / "cookiecutter.json").write_text("{}")
    assert catalog.resolve(str(tmp_path)).kind == "local"
    for url in [
        "https://github.com/acme/golden-paths.git",
        "gh:acme/golden",
        "git@github.com:acme/x.git",
    ]:
        assert catalog.resolve(url).kind == "git"


def test_resolve_refusals(tmp_path):
    with pytest.raises(UsageError, match="unknown template") as err:
        catalog.resolve("no-such-template")
    assert "agentctl templates" in (err.value.hint or "")
    with pytest.raises(UsageError, match=r"no cookiecutter\.json"):
        catalog.resolve(str(tmp_path))
    (tmp_path / "cookiecutter.json").write_text("{broken")
    with pytest.raises(UsageError, match="invalid JSON"):
        catalog.read_context(tmp_path)


def test_resolve_file_url_is_a_local_directory(tmp_path):
    template = tmp_path / "golden paths"
    template.mkdir()
    (template / "cookiecutter.json").write_text("{}")

    source = catalog.resolve(template.as_uri())

    assert source.kind == "local" and source.path == template.resolve()
    assert catalog.resolve("file://localhost" + template.as_posix()).path == template.resolve()


def test_resolve_file_url_refusals_name_the_path(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(UsageError, match=f"{missing} is not a directory"):
        catalog.resolve(missing.as_uri())
    with pytest.raises(UsageError, match=rf"{tmp_path} is not a template directory"):
        catalog.resolve(tmp_path.as_uri())
    with pytest.raises(UsageError, match="must name a local directory"):
        catalog.resolve("file://otherhost/srv/templates")
    bare = tmp_path / "golden.git"
    bare.mkdir()
    (bare / "HEAD").write_text("ref: refs/heads/main\n")
    with pytest.raises(UsageError, match="not a template directory") as err:
        catalog.resolve(bare.as_uri())
    assert err.value.hint == f"for a git repository use git+{bare.as_uri()}"


def test_a_json_file_starting_with_a_byte_order_mark_is_read(tmp_path):
    # read as every input file is (an editor on Windows may write the mark)
    (tmp_path / "cookiecutter.json").write_bytes(b'\xef\xbb\xbf{"name": "x"}')
    assert catalog.read_context(tmp_path) == {"name": "x"}


def test_a_missing_json_file_is_the_callers_message(tmp_path):
    with pytest.raises(UsageError, match=r"cookiecutter\.json: not a template") as err:
        catalog.read_context(tmp_path)
    assert err.value.hint is None
    with pytest.raises(UsageError, match="nothing here") as err:
        catalog.read_json_object(tmp_path / "record.json", "nothing here", hint="make one")
    assert err.value.hint == "make one"
