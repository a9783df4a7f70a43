"""The reusable strict schema validator (also behind policy check SCH-001)."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from render_helpers import CRD_DIR

from agentctl.render.schemas import (
    SchemaIssue,
    SchemaValidator,
    _bundled_versions,
    default_kube_version,
    resolve_kube_version,
)

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "ns"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
                ]
            },
        },
    },
}


@pytest.fixture(scope="module")
def validator() -> SchemaValidator:
    return SchemaValidator()


def test_valid_object_has_no_issues(validator):
    assert validator.validate(DEPLOYMENT) == []
    assert validator.knows("apps/v1", "Deployment")


def test_unknown_field_is_an_issue_with_its_path(validator):
    bad = copy.deepcopy(DEPLOYMENT)
    bad["spec"]["template"]["spec"]["containers"][0]["imagePolicy"] = "Always"
    issues = validator.validate(bad)
    assert len(issues) == 1
    assert issues[0].path == "spec.template.spec.containers[0]"
    assert "imagePolicy" in issues[0].message


def test_wrong_type_is_an_issue(validator):
    bad = copy.deepcopy(DEPLOYMENT)
    bad["spec"]["replicas"] = "three"
    assert [i.path for i in validator.validate(bad)] == ["spec.replicas"]


def test_missing_name_and_kind(validator):
    assert validator.validate({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}) == [
        SchemaIssue("metadata.name", "metadata.name is required")
    ]
    assert validator.validate({"metadata": {"name": "x"}}) == [
        SchemaIssue("", "apiVersion and kind are required")
    ]


def test_unknown_kind_is_one_issue(validator):
    issues = validator.validate(
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    )
    assert len(issues) == 1 and "no schema for Widget (example.com/v1)" in issues[0].message
    assert not validator.knows("example.com/v1", "Widget")


def test_group_must_match_not_just_the_kind(validator):
    assert not validator.knows("apps.example.com/v1", "Deployment")


def test_kube_versions():
    assert resolve_kube_version(None) == default_kube_version()
    assert resolve_kube_version("v1.30.4") == "1.30"
    from agentctl.errors import ConfigError

    oldest, newest = _bundled_versions()[0], default_kube_version()
    with pytest.raises(ConfigError, match="schemas are bundled for") as newer:
        resolve_kube_version("1.99")
    assert newer.value.hint == (
        f"1.99 is newer than the newest bundled schemas ({newest}): upgrade "
        f"kubernetes-validate for its schemas, or pass --kube-version {newest}"
    )
    with pytest.raises(ConfigError, match=f"bundled for {oldest} to {newest}") as older:
        resolve_kube_version("1.20")
    assert older.value.hint == (
        f"1.20 is older than the oldest bundled schemas ({oldest}): "
        f"pass --kube-version {oldest} or newer"
    )
    assert "upgrade" not in (older.value.hint or "")
    with pytest.raises(ConfigError, match="expected a version"):
        resolve_kube_version("latest")


def test_older_kube_version_rejects_newer_fields():
    """Pod-level resources exist only in the newer bundled schemas."""
    old, new = SchemaValidator("1.25"), SchemaValidator()
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "i"}], "resources": {}},
    }
    assert new.validate(pod) == [], "pod-level resources exist in newer versions"
    assert [i.path for i in old.validate(pod)] == ["spec"]


def test_crd_schemas_are_strict(crd_validator):
    wt = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTemplate",
        "metadata": {"name": "w"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "container": {"image": "x"}, "retryStrategy": {"limit": 2}}
            ],
        },
    }
    assert crd_validator.validate(wt) == []
    assert crd_validator.source("argoproj.io/v1alpha1", "WorkflowTemplate").startswith("crd:")
    wt2 = copy.deepcopy(wt)
    wt2["spec"]["templates"][0]["retryStrategy"]["limit"] = "2"
    assert crd_validator.validate(wt2) == [], "int-or-string accepts both"
    wt2["spec"]["templates"][0]["retryStrategy"]["limitt"] = 1
    assert [i.path for i in crd_validator.validate(wt2)] == ["spec.templates[0].retryStrategy"]
    wt3 = copy.deepcopy(wt)
    wt3["metadata"]["labelz"] = {}
    assert [i.path for i in crd_validator.validate(wt3)] == ["metadata"], "metadata is ObjectMeta"


def _widget_crd(schema: dict) -> dict:
    """A CRD for example.com/v1 Widget with ``schema`` as its openAPIV3Schema."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                }
            ],
        },
    }


def test_crd_from_a_directory(tmp_path):
    crd = _widget_crd(
        {
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {
                        "size": {"x-kubernetes-int-or-string": True},
                        "note": {"type": "string", "nullable": True},
                        "extra": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                            "properties": {"a": {"type": "string"}},
                        },
                    },
                }
            },
        }
    )
    (tmp_path / "example.com_widgets.yaml").write_text(yaml.safe_dump(crd))
    v = SchemaValidator(crd_dirs=[tmp_path])
    ok = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"size": "10%", "note": None, "extra": {"b": 1}},
    }
    assert v.validate(ok) == []
    bad = copy.deepcopy(ok)
    bad["spec"]["colour"] = "red"
    assert [i.path for i in v.validate(bad)] == ["spec"]


def test_missing_crd_dir_is_a_config_error(tmp_path):
    from agentctl.errors import ConfigError

    with pytest.raises(ConfigError, match="does not exist"):
        SchemaValidator(crd_dirs=[tmp_path / "nope"])


def test_builtin_schemas_without_crds(validator):
    es = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "s"},
        "spec": {
            "secretStoreRef": {"name": "Bad_Store", "kind": "ClusterSecretStore"},
            "data": [{"secretKey": "v", "remoteRef": {"key": "k"}}],
        },
    }
    assert validator.source("external-secrets.io/v1", "ExternalSecret") == "builtin"
    assert [i.path for i in validator.validate(es)] == ["spec.secretStoreRef.name"]
    wt = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "WorkflowTemplate",
        "metadata": {"name": "w"},
        "spec": {
            "templates": [
                {
                    "name": "m",
                    "container": {"image": "x", "securityContext": {"runAsNonRoot": "yes"}},
                }
            ]
        },
    }
    assert [i.path for i in validator.validate(wt)] == [
        "spec.templates[0].container.securityContext.runAsNonRoot"
    ]


def test_every_bundled_kind_compiles_once(validator):
    """Validators are cached per (apiVersion, kind)."""
    validator.validate(DEPLOYMENT)
    first = validator._validators[("apps/v1", "Deployment")]
    validator.validate(DEPLOYMENT)
    assert validator._validators[("apps/v1", "Deployment")] is first


def test_fixture_crds_are_found(crd_validator):
    for api, kind in [
        ("argoproj.io/v1alpha1", "WorkflowTemplate"),
        ("argoproj.io/v1alpha1", "CronWorkflow"),
        ("external-secrets.io/v1", "ExternalSecret"),
    ]:
        assert Path(crd_validator.source(api, kind)[4:]).parent.parent == CRD_DIR


@pytest.mark.parametrize(
    "text",
    ["not json", "[1]", '[["a", "b"]]', '{"a": 1}', '[["a", "b", 3]]', "7", "[[1, 2, 3]]"],
)
def test_parsed_crds_are_cached_on_disk(tmp_path, monkeypatch, text):
    from agentctl.render import crds

    src = CRD_DIR / "external-secrets" / "external-secrets.io_externalsecrets.yaml"
    local = tmp_path / "crds"
    local.mkdir()
    (local / src.name).write_bytes(src.read_bytes())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    crds._crd_versions.cache_clear()
    first = SchemaValidator(crd_dirs=[local])
    assert first.knows("external-secrets.io/v1", "ExternalSecret")
    cached = list((tmp_path / "cache").rglob("*.json"))
    assert len(cached) == 1
    # a broken cache, or one of another shape, is parsed again, never an error
    cached[0].write_text(text)
    crds._crd_versions.cache_clear()
    again = SchemaValidator(crd_dirs=[local])
    assert again.source("external-secrets.io/v1", "ExternalSecret").startswith("crd:")


def test_bundled_schemas_compile_once_per_process(tmp_path):
    # A run of validate makes its own SchemaValidator; the bundled Kubernetes
    # schemas (which come first whatever the CRDs say) are compiled once per process.
    first, second = SchemaValidator(), SchemaValidator()
    assert first._validator("apps/v1", "Deployment") is second._validator("apps/v1", "Deployment")
    older = _bundled_versions()[0]
    if older != default_kube_version():
        other = SchemaValidator(kube_version=older)
        assert other._validator("apps/v1", "Deployment") is not first._validator(
            "apps/v1", "Deployment"
        )
    # A custom kind is its CRD's, which another run may define otherwise.
    widgets = []
    for n, size in enumerate(({"type": "string"}, {"type": "integer"})):
        crds = tmp_path / f"crds{n}"
        crds.mkdir()
        schema = {
            "type": "object",
            "properties": {"spec": {"type": "object", "properties": {"size": size}}},
        }
        crd = _widget_crd(schema)
        (crds / "example.com_widgets.yaml").write_text(yaml.safe_dump(crd))
        widgets.append(SchemaValidator(crd_dirs=[crds]))
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert widgets[0].validate({**widget, "spec": {"size": "1"}}) == []
    assert widgets[1].validate({**widget, "spec": {"size": "1"}}) != []


def test_builtin_schemas_compile_once_per_process_unless_a_crd_defines_the_kind():
    # agentctl's own schema of a custom kind (no CRD given) is as fixed as the
    # bundled ones; a run given the kind's CRD validates against the CRD.
    kind = ("external-secrets.io/v1", "ExternalSecret")
    first, second = SchemaValidator(), SchemaValidator()
    assert first._validator(*kind) is second._validator(*kind)
    with_crd = SchemaValidator(crd_dirs=[CRD_DIR])
    assert with_crd.source(*kind).startswith("crd:")
    assert with_crd._validator(*kind) is not first._validator(*kind)
    assert SchemaValidator()._validator(*kind) is first._validator(*kind)


def _issues_by_errors(validator: SchemaValidator, obj: dict) -> list[SchemaIssue]:
    """What validate() answers, read from the full list of schema errors every time."""
    from agentctl.render.schemas import _short, format_path

    compiled = validator._validator(obj["apiVersion"], obj["kind"])
    issues = [
        SchemaIssue(format_path(list(e.instance_path)), _short(e.message))
        for e in compiled.iter_errors(obj)
    ]
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not (meta.get("name") or meta.get("generateName")):
        issues.append(SchemaIssue("metadata.name", "metadata.name is required"))
    return sorted(set(issues), key=lambda i: (i.path, i.message))


_BREAKS = [
    lambda o: None,
    lambda o: o["metadata"].pop("name"),
    lambda o: o["metadata"].update(name="", generateName="web-"),
    lambda o: o["metadata"].update(name=""),
    lambda o: o.update(metadata="not a mapping"),
    lambda o: o["spec"].update(replicas="three"),
    lambda o: o["spec"].update(unknownField=1),
    lambda o: o["spec"].pop("selector"),
    lambda o: o["spec"]["template"]["spec"]["containers"][0].pop("name"),
    lambda o: o["spec"]["template"]["spec"]["containers"][0].update(ports=[{"containerPort": "x"}]),
    lambda o: (o["metadata"].pop("name"), o["spec"].update(replicas=-1.5)),
]


@pytest.mark.parametrize("index", range(len(_BREAKS)))
def test_a_valid_object_answered_without_the_error_list_is_answered_as_with_it(validator, index):
    obj = copy.deepcopy(DEPLOYMENT)
    _BREAKS[index](obj)
    assert validator.validate(obj) == _issues_by_errors(validator, obj)


_FOO = {"apiVersion": "x.io/v1", "kind": "Foo", "metadata": {"name": "f"}, "spec": {"a": "b"}}


def _foo_crd(spec_props: object) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "foos.x.io"},
            "spec": {
                "group": "x.io",
                "names": {"kind": "Foo", "plural": "foos"},
                "versions": [
                    {
                        "name": "v1",
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "properties": {
                                    "spec": {"type": "object", "properties": spec_props}
                                },
                            }
                        },
                    }
                ],
            },
        }
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec: 5\n",
            "spec is not a mapping",
        ),
        (_foo_crd({"a": {"type": "string", "pattern": "(unclosed"}}), "not a valid JSON Schema"),
        (_foo_crd({"a": {"type": "integer", "maximum": float("inf")}}), "not a valid JSON Schema"),
    ],
)
def test_a_malformed_crd_is_a_config_error_naming_its_file(tmp_path, text, message):
    from agentctl.errors import ConfigError

    (tmp_path / "foo.yaml").write_text(text)
    with pytest.raises(ConfigError, match=rf"foo\.yaml: .*{message}"):
        SchemaValidator(crd_dirs=[tmp_path]).validate(_FOO)


def test_a_crd_dir_that_is_a_plain_file_is_a_config_error(tmp_path):
    from agentctl.errors import ConfigError

    (tmp_path / "afile").write_text("")
    with pytest.raises(ConfigError, match="is not a directory"):
        SchemaValidator(crd_dirs=[tmp_path / "afile"])


def test_a_crd_file_that_is_not_utf8_is_a_config_error_naming_it(tmp_path):
    from agentctl.errors import ConfigError

    (tmp_path / "foo.yaml").write_bytes(b"kind: CustomResourceDefinition\nx: '\xff'\n")
    with pytest.raises(ConfigError, match=r"foo\.yaml:2:5: not valid UTF-8 \(byte 0xff"):
        SchemaValidator(crd_dirs=[tmp_path]).validate(_FOO)


def test_a_crd_file_over_the_manifest_bound_is_refused_unread(tmp_path):
    """The bound of every manifest (16 MiB), checked before reading: a sparse file
    that says it is larger is refused without its bytes being read or cached."""
    from agentctl.errors import ConfigError
    from agentctl.spec.yamlsafe import MAX_MANIFEST_BYTES

    big = tmp_path / "foo.yaml"
    big.write_text(_foo_crd({"a": {"type": "string"}}))
    with big.open("r+b") as fh:
        fh.truncate(MAX_MANIFEST_BYTES + 1)
    message = f"{big}:1:1: file is {MAX_MANIFEST_BYTES + 1} bytes; the limit is {MAX_MANIFEST_BYTES} bytes"
    for _ in range(2):  # and again: nothing was cached
        with pytest.raises(ConfigError) as refused:
            SchemaValidator(crd_dirs=[tmp_path]).validate(_FOO)
        assert refused.value.message == message


def test_a_crd_dir_with_a_subdirectory_that_cannot_be_listed_is_a_config_error(
    tmp_path, monkeypatch
):
    from agentctl.errors import ConfigError

    (tmp_path / "sub").mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("sub"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(ConfigError, match=r"cannot read .*sub \(Permission denied\)"):
        SchemaValidator(crd_dirs=[tmp_path])


@pytest.mark.parametrize("kind", ["device", "loop"])
def test_a_crd_dir_that_is_a_device_or_a_link_loop_is_a_config_error(tmp_path, kind):
    from agentctl.errors import ConfigError

    target = Path("/dev/null")
    if kind == "loop":
        target = tmp_path / "loop"
        target.symlink_to("loop")
    with pytest.raises(ConfigError, match=r"cannot be read \("):
        SchemaValidator(crd_dirs=[target])


def test_a_crd_with_yaml_aliases_is_refused_before_it_can_expand(tmp_path):
    from agentctl.errors import ConfigError

    shared = {"type": "string"}
    text = _foo_crd({"a": shared, "b": shared})
    assert "*id001" in text  # the dump wrote an alias
    (tmp_path / "foo.yaml").write_text(text)
    with pytest.raises(ConfigError, match=r"foo\.yaml: uses YAML anchors and aliases"):
        SchemaValidator(crd_dirs=[tmp_path]).validate(_FOO)


def test_a_json_crd_nested_too_deeply_is_a_config_error(tmp_path):
    from agentctl.errors import ConfigError

    (tmp_path / "foo.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ConfigError, match=r"foo\.json: not valid JSON \(nested too deeply\)"):
        SchemaValidator(crd_dirs=[tmp_path]).validate(_FOO)


def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget what this process compiled and read, as a new process would."""
    from agentctl.render import schemas

    monkeypatch.setattr(schemas, "_BUNDLED_VALIDATORS", {})
    monkeypatch.setattr(schemas, "_BUILTIN_VALIDATORS", {})
    schemas.kube_definitions.cache_clear()


def _kept_files() -> list[Path]:
    return sorted((Path(os.environ["XDG_CACHE_HOME"]) / "agentctl" / "kube-schemas").glob("*.json"))


WORKFLOW_TEMPLATE = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "WorkflowTemplate",
    "metadata": {"name": "w", "namespace": "ns"},
    "spec": {"templates": [{"name": "main", "container": {"image": "busybox", "bad": 1}}]},
}


def test_a_later_process_validates_with_the_kept_schemas_without_the_definitions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentctl.render import schemas

    _fresh_process(monkeypatch)
    bad = copy.deepcopy(DEPLOYMENT)
    bad["spec"]["replicas"] = "three"
    first = SchemaValidator().validate(bad), SchemaValidator().validate(WORKFLOW_TEMPLATE)
    assert first[0] and first[1]
    assert len(_kept_files()) == 2

    _fresh_process(monkeypatch)

    def unread(version: str) -> None:
        raise AssertionError("the definitions were read although the schemas were kept")

    monkeypatch.setattr(schemas, "kube_definitions", unread)
    again = SchemaValidator().validate(bad), SchemaValidator().validate(WORKFLOW_TEMPLATE)
    assert again == first


def test_a_damaged_kept_schema_is_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh_process(monkeypatch)
    bad = copy.deepcopy(DEPLOYMENT)
    bad["spec"]["replicas"] = "three"
    expected = SchemaValidator().validate(bad)
    for kept in _kept_files():
        kept.write_text('{"truncat')
    _fresh_process(monkeypatch)
    assert SchemaValidator().validate(bad) == expected
    for kept in _kept_files():
        assert kept.read_text().startswith("{")
        assert len(kept.read_text()) > 1000


def test_schemas_are_made_where_none_can_be_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Path(os.environ["XDG_CACHE_HOME"])
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("a file where the cache directory would be")
    _fresh_process(monkeypatch)
    bad = copy.deepcopy(DEPLOYMENT)
    bad["spec"]["replicas"] = "three"
    assert SchemaValidator().validate(bad)
    assert cache.read_text() == "a file where the cache directory would be"


def test_a_kept_schema_is_not_used_for_other_definitions(monkeypatch: pytest.MonkeyPatch) -> None:
    from agentctl.render import schemas

    _fresh_process(monkeypatch)
    SchemaValidator().validate(DEPLOYMENT)
    (kept,) = _kept_files()
    # the same kind, made from definitions of another size or time: another entry
    real = schemas.kube_definitions_file
    monkeypatch.setattr(schemas, "kube_definitions_file", lambda v: real(v) + ":changed")
    _fresh_process(monkeypatch)
    SchemaValidator().validate(DEPLOYMENT)
    assert len(_kept_files()) == 2 and kept in _kept_files()


def _bad_deployment(monkeypatch: pytest.MonkeyPatch) -> dict:
    """DEPLOYMENT with replicas "three", validated once in a fresh process (so its
    schema is kept), then forgotten as by a new process."""
    _fresh_process(monkeypatch)
    bad = copy.deepcopy(DEPLOYMENT)
    bad["spec"]["replicas"] = "three"
    SchemaValidator().validate(bad)
    return bad


def _paths_found(monkeypatch: pytest.MonkeyPatch, bad: dict) -> list[str]:
    _fresh_process(monkeypatch)
    return [i.path for i in SchemaValidator().validate(bad)]


@pytest.mark.parametrize(
    "text", ['{"type": 5}', '{"pattern": "("}', '{"$ref": "#/nowhere"}', '{"properties": []}']
)
def test_a_kept_entry_that_is_no_schema_is_made_again(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    import json

    bad = _bad_deployment(monkeypatch)
    SchemaValidator().validate(WORKFLOW_TEMPLATE)
    for kept in _kept_files():  # under the entry's own key
        entry = json.loads(kept.read_text())
        kept.write_text(json.dumps({**entry, "schema": json.loads(text)}))
    _fresh_process(monkeypatch)
    assert SchemaValidator().validate(WORKFLOW_TEMPLATE)  # a built-in kind's kept schema
    assert _paths_found(monkeypatch, bad) == ["spec.replicas"]
    for kept in _kept_files():
        assert json.loads(kept.read_text())["schema"] != json.loads(text)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX file ownership")
def test_a_kept_entry_others_may_write_is_not_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    # a cache under a directory others can write to: an entry they wrote, or one they
    # may change, never weakens validation
    bad = _bad_deployment(monkeypatch)
    (kept,) = _kept_files()
    kept.write_text("{}")
    kept.chmod(0o666)
    assert _paths_found(monkeypatch, bad) == ["spec.replicas"]


def test_a_kept_entry_that_is_a_symlink_is_not_followed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = _bad_deployment(monkeypatch)
    (kept,) = _kept_files()
    elsewhere = tmp_path / "anything.json"
    elsewhere.write_text("{}")
    kept.unlink()
    kept.symlink_to(elsewhere)
    assert _paths_found(monkeypatch, bad) == ["spec.replicas"]
    assert elsewhere.read_text() == "{}"


def _validate_in_a_process(cache: Path, **kwargs: Any) -> Any:
    """A new process validating a Deployment with replicas "three" (its issues printed)."""
    import subprocess
    import sys

    code = (
        "from agentctl.render.schemas import SchemaValidator\n"
        "print(len(SchemaValidator().validate({'apiVersion': 'apps/v1', 'kind': 'Deployment',"
        " 'metadata': {'name': 'x'}, 'spec': {'replicas': 'three'}})))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    return subprocess.Popen([sys.executable, "-c", code], env=env, **kwargs)


def test_concurrent_processes_keep_whole_schemas(tmp_path: Path) -> None:
    import json
    import subprocess

    procs = [_validate_in_a_process(tmp_path, stdout=subprocess.DEVNULL) for _ in range(4)]
    assert all(p.wait() == 0 for p in procs)
    kept = list((tmp_path / "agentctl" / "kube-schemas").iterdir())
    assert len(kept) == 1 and kept[0].suffix == ".json"
    assert isinstance(json.loads(kept[0].read_text()), dict)


def test_a_kept_entry_moved_or_linked_to_another_name_is_not_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # where others can write to the cache directory, they cannot write this user's
    # files, but could rename or hard-link one kind's entry to another's name
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    bad = _bad_deployment(monkeypatch)
    (deployment,) = _kept_files()
    SchemaValidator().validate(config_map)
    (other,) = [f for f in _kept_files() if f != deployment]
    for swap in ("rename", "link"):
        deployment.unlink()
        if swap == "rename":
            other.rename(deployment)
        else:
            os.link(other, deployment)
        assert _paths_found(monkeypatch, bad) == ["spec.replicas"], swap
        SchemaValidator().validate(config_map)  # kept again, for the next swap


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_where_a_kept_entry_would_be_does_not_hang(tmp_path: Path) -> None:
    import subprocess

    assert _validate_in_a_process(tmp_path).wait() == 0
    (kept,) = (tmp_path / "agentctl" / "kube-schemas").glob("*.json")
    kept.unlink()
    os.mkfifo(kept)
    done = _validate_in_a_process(tmp_path, stdout=subprocess.PIPE, text=True)
    out, _ = done.communicate(timeout=60)
    assert done.returncode == 0 and int(out) > 0
