"""A broken kubeconfig is one line naming the file (and line), exit 3, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentctl.deploy.client import ConnectOptions, connect
from agentctl.deploy.errors import KubeconfigError
from agentctl.errors import ClusterError

GOOD = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443"}}],
    "users": [{"name": "u", "user": {"token": "fake-" + "t" * 8}}],
    "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "team"}}],
    "current-context": "x",
}


@pytest.fixture(autouse=True)
def _outside_a_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)


def broken(tmp_path: Path, text: str) -> tuple[str, KubeconfigError]:
    path = tmp_path / "kc"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KubeconfigError) as info:
        connect(ConnectOptions(kubeconfig=str(path)))
    return str(path), info.value


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("garbage: [", ":1:11:", "not valid YAML: expected the node content"),
        (
            "clusters: 5\n",
            ":1:11:",
            "clusters: expected a list of {name, cluster} entries, found 5",
        ),
        ("- a\n- b\n", ":1:1:", "expected a kubeconfig (a mapping"),
        ("just a string\n", ":1:1:", "found 'just a string'"),
        ("x" * 60 + "\n", ":1:1:", "found '" + "x" * 40 + "...'"),  # cut as every echoed value
        ("clusters: " + "1" * 50 + "\n", ":1:11:", "found " + "1" * 40 + "..."),  # as written
        ("contexts:\n- 7\n", ":2:3:", "contexts[0]: expected a mapping with name and context"),
        ("users:\n- user: {}\n", ":2:3:", "users[0]: no name"),
        ("clusters:\n- name: c\n", ":2:3:", "clusters[0] (c): no cluster"),
        (
            "clusters:\n- name: c\n  cluster: [1]\n",
            ":3:12:",
            "clusters[0].cluster (c): expected a mapping, found a list",
        ),
        (
            "clusters:\n- name: c\n  cluster: {server: 5}\n",
            ":3:21:",
            "clusters[0].cluster.server (c): expected a string, found 5",
        ),
        (
            "users:\n- name: u\n  user: {exec: yes}\n",
            ":3:16:",
            "users[0].user.exec (u): expected a mapping",
        ),
        ("a: !!python/object:os.system x\n", ":1:4:", "could not determine a constructor"),
        (  # PyYAML's constructor raises ValueError, not a YAML error, for these
            'clusters:\n- name: c\n  cluster: {server: !!int "1\\n2"}\n',
            ":3:21:",
            "not valid YAML: '1\\n2' does not read as !!int",
        ),
        ("a: [1, !!float x]\n", ":1:8:", "not valid YAML: 'x' does not read as !!float"),
        ("a: 1\n---\nb: 2\n", ":2:1:", "expected a single document"),
    ],
)
def test_structural_and_syntax_errors_name_file_line_and_column(
    tmp_path: Path, text: str, where: str, says: str
) -> None:
    path, err = broken(tmp_path, text)
    assert err.message.startswith(f"kubeconfig {path}{where} "), err.message
    assert says in err.message
    assert "\n" not in err.message
    assert err.exit_code == 3 and err.code == "cluster"


def test_contexts_that_name_what_is_not_there(tmp_path: Path) -> None:
    doc = {**GOOD, "current-context": "gone"}
    path, err = broken(tmp_path, yaml.safe_dump(doc))
    assert err.message == f"kubeconfig {path}: the current context 'gone' is not defined (known: x)"
    doc = {**GOOD, "contexts": [{"name": "x", "context": {"cluster": "nope", "user": "u"}}]}
    _, err = broken(tmp_path, yaml.safe_dump(doc, sort_keys=False))
    assert "context 'x' names cluster 'nope', which is not defined (known: c)" in err.message
    doc = {**GOOD, "clusters": [{"name": "c", "cluster": {"insecure-skip-tls-verify": True}}]}
    _, err = broken(tmp_path, yaml.safe_dump(doc))
    assert "cluster 'c' has no server" in err.message
    doc = {**GOOD, "current-context": ""}
    _, err = broken(tmp_path, yaml.safe_dump(doc))
    assert err.message == f"kubeconfig {path} has no current context"


def test_what_the_client_loader_refuses_still_names_the_file(tmp_path: Path) -> None:
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    doc["clusters"][0]["cluster"]["certificate-authority-data"] = "!!!notbase64"
    path, err = broken(tmp_path, yaml.safe_dump(doc))
    assert err.message.startswith(f"cannot use kubeconfig {path} (context x): ")
    doc["clusters"][0]["cluster"]["certificate-authority-data"] = None
    doc["clusters"][0]["cluster"]["certificate-authority"] = (
        "/nonexistent-agentctl-test/missing-ca.crt"  # short: the loader elides long paths
    )
    _, err = broken(tmp_path, yaml.safe_dump(doc))
    assert err.message.startswith(f"cannot use kubeconfig {path} (context x): ")
    assert "missing-ca.crt" in err.message


def test_files_merge_like_kubectl_and_empty_ones_are_skipped(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("", encoding="utf-8")
    first = tmp_path / "first"
    first.write_text(yaml.safe_dump(GOOD), encoding="utf-8")
    second = tmp_path / "second"
    other = {
        **GOOD,
        "contexts": [{"name": "y", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "y",
    }
    second.write_text(yaml.safe_dump(other), encoding="utf-8")
    joined = os.pathsep.join(str(p) for p in (empty, first, second))
    with connect(ConnectOptions(kubeconfig=joined)) as client:
        assert client.target.context == "x"  # the first current-context wins
        assert client.target.namespace == "team" and client.target.user == "u"
    with connect(ConnectOptions(kubeconfig=joined, context="y")) as client:
        assert client.target.context == "y"
    with pytest.raises(KubeconfigError) as info:
        connect(ConnectOptions(kubeconfig=str(empty)))
    assert info.value.message == f"kubeconfig {empty} is empty"


_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "c", "x", "u", "http://h"])
)
_keys = st.sampled_from(
    [
        "name",
        "cluster",
        "context",
        "user",
        "server",
        "token",
        "namespace",
        "exec",
        "clusters",
        "contexts",
        "users",
        "current-context",
        "certificate-authority-data",
    ]
)
_value = st.recursive(
    _leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    doc=st.fixed_dictionaries(
        {},
        optional={
            "clusters": _value,
            "contexts": _value,
            "users": _value,
            "current-context": _value,
        },
    )
)
def test_any_shape_is_a_client_or_one_cluster_error(tmp_path: Path, doc: dict) -> None:
    path = tmp_path / "fuzzed"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    try:
        connect(ConnectOptions(kubeconfig=str(path))).close()
    except ClusterError as err:
        assert str(path) in err.message and "\n" not in err.message
        assert err.exit_code == 3


@pytest.mark.parametrize(
    ("field", "target", "problem"),
    [
        ("tokenFile", "/dev/zero", "is not a regular file"),
        ("tokenFile", "fifo", "is not a regular file"),
        ("tokenFile", "huge", "is larger than 1024 KiB"),
        ("client-certificate", "dir", "is a directory"),
        ("certificate-authority", "dir", "is a directory"),
    ],
)
def test_files_a_kubeconfig_names_are_regular_and_bounded(
    tmp_path: Path, field: str, target: str, problem: str
) -> None:
    """Read whole by the client: /dev/zero would fill memory, a FIFO block forever."""
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    with open(tmp_path / "huge", "wb") as f:
        f.truncate(3 * 1024**3)  # sparse
    doc = yaml.safe_load(yaml.safe_dump(GOOD))
    entry = (
        doc["clusters"][0]["cluster"]
        if field == "certificate-authority"
        else doc["users"][0]["user"]
    )
    if field == "tokenFile":
        del entry["token"]
    elif field == "client-certificate":
        entry["client-key"] = "dir"
    entry[field] = target
    path, err = broken(tmp_path, yaml.safe_dump(doc))
    kind = "cluster 'c'" if field == "certificate-authority" else "user 'u'"
    shown = target if target.startswith("/") else str(tmp_path / target)
    assert err.message.startswith(f"kubeconfig {path}:"), err.message
    assert f"{kind} {field} {shown} {problem}" in err.message, err.message
    assert err.exit_code == 3


def _shape(node: yaml.Node | None) -> object:
    """A node graph as plain data: tags, values and where each node starts."""
    if node is None:
        return None
    where = (node.tag, node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return (*where, node.value)
    if isinstance(node, yaml.SequenceNode):
        return (*where, [_shape(item) for item in node.value])
    return (*where, [(_shape(k), _shape(v)) for k, v in node.value])


NATIVE_CASES = [
    yaml.safe_dump(GOOD),
    yaml.safe_dump(GOOD, default_flow_style=True),
    "# a comment\n" + yaml.safe_dump(GOOD, sort_keys=False).replace("\n", "\r\n"),
    "\ufeff" + yaml.safe_dump(GOOD),
    "a: &x {server: s}\nb: *x\nc: [*x, *x]\n",
    "a: 'quoted'\nb: \"dq \\u00e9\"\nc: |\n  block\n  text\nd: >\n  folded\n",
    "a: !!str 5\nb: !!int '7'\nc: ~\nd: null\ne: 0o17\nf: 1_000\ng: yes\n",
    "a:\n\t- b\n",
    "a: b\n\tc: d\n",
    "a: \x01\n",
    "a: 1\n...\n",
    "--- \na: 1\n",
    "%YAML 1.1\n---\na: 1\n",
    "? complex\n: key\n",
    "{a: 1, a: 2}\n",
    "a: [1, 2\n",
    "",
    "~\n",
    "  \n",
    # what libyaml reads and PyYAML's own loader refuses or reads otherwise
    "a:\t1\n",
    "users:\n- name: u\n  user: {exec: {command:\techo}}\n",
    "a: 1 \t\n",
    "a: b\tc\n",
    "clu\tsters: x\n",
    "a: {co? mmand: x}\n",
    "a: [x ? y]\n",
    "\ufeff\ufeffclusters: x\n",
    'clusters: [{name: "x\ufeff", cluster: 5}]\n',
    "a: [!!str, b]\n",
    "{a: !!str, b: c}\n",
    "{name: , b: c}\n",
    "a: [b: , c]\n",
    "users:\n- name: u\n  user: {exec: , token: t}\n",
    "preferences: {}\nextensions: []\n",
]


@pytest.mark.parametrize("text", NATIVE_CASES, ids=range(len(NATIVE_CASES)))
def test_libyaml_composes_a_kubeconfig_as_the_pure_loader_does(text: str) -> None:
    # the fast path: libyaml's nodes where it composes and constructs them, else None
    # and the pure-Python loader (whose words every message uses) reads the file
    from agentctl.deploy.kubeconfig import _compose_native

    native = _compose_native(text)
    try:
        pure = yaml.compose(text, Loader=yaml.SafeLoader)
        yaml.safe_load(text)
    except Exception:
        assert native is None, "libyaml took a file the pure-Python loader refuses"
        return
    if native is not None:
        assert _shape(native) == _shape(pure)


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 950 + "]" * 950 + "\n",  # past libyaml's bound and Python's recursion
        "a:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(300)) + " " * 302 + "v\n",
        "a: " + "[" * 250 + "]" * 250 + "\n",
    ],
    ids=["flow-950", "block-300", "flow-250"],
)
def test_a_kubeconfig_nested_too_deeply_is_refused_in_one_line(tmp_path: Path, text: str) -> None:
    path, err = broken(tmp_path, text)
    assert err.message == (
        f"kubeconfig {path}: nested more than 200 levels deep; not loaded "
        "(kubeconfigs nest a few levels)"
    )


def test_a_kubeconfig_of_certificates_is_composed_by_libyaml() -> None:
    from agentctl.deploy import kubeconfig

    doc = {**GOOD, "users": [{"name": "u", "user": {"client-key-data": "LS0t" * 400}}]}
    text = yaml.safe_dump(doc)
    assert kubeconfig._compose_native(text) is not None
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(5)
    )
    assert kubeconfig._compose_native(bomb) is None  # past the alias bound: the pure loader says so


_PIECES = [
    "\t",
    "?",
    "? ",
    "!!str ",
    "!!str,",
    "!foo ",
    "&a ",
    "*a",
    "<<: ",
    "#",
    " #",
    "'",
    '"',
    "\\t",
    "\\u00e9",
    "[",
    "]",
    "{",
    "}",
    "{}",
    "[]",
    ",",
    ": ",
    ":",
    "- ",
    "\n",
    "\n  ",
    "|",
    ">-",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "\ufeff",
    "\u2028",
    "\x85",
    "\r\n",
    "é",
    "~",
]


def test_mutated_kubeconfigs_compose_the_same_both_ways() -> None:
    import random

    from agentctl.deploy.kubeconfig import _compose_native

    rng = random.Random(20261208)
    bases = [
        yaml.safe_dump(GOOD, sort_keys=False),
        yaml.safe_dump(GOOD, default_flow_style=True),
        yaml.safe_dump({**GOOD, "preferences": {}}, sort_keys=False),
    ]
    for _ in range(1500):
        text = rng.choice(bases)
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(text))
            if rng.random() < 0.7:
                text = text[:at] + rng.choice(_PIECES) + text[at:]
            else:
                text = text[:at] + text[at + rng.randint(1, 6) :]
        native = _compose_native(text)
        try:
            pure = yaml.compose(text, Loader=yaml.SafeLoader)
            yaml.safe_load(text)
        except Exception:
            assert native is None, repr(text)
            continue
        if native is not None:
            assert _shape(native) == _shape(pure), repr(text)


@pytest.mark.parametrize(
    ("section", "key", "value", "says"),
    [
        ("users", "token", "fake\u20ac", "token (u): holds a line break or another character"),
        ("users", "token", "fake\ud800", "token (u): holds a line break or another character"),
        ("users", "token", "fa\nke", "token (u): holds a line break or another character"),
        (
            "clusters",
            "proxy-url",
            "http://127.0.0.1:9\n",
            "proxy-url (c): 'http://127.0.0.1:9\\n' holds",
        ),
        (
            "clusters",
            "proxy-url",
            "ftp://127.0.0.1:9",
            "expected an http://, https:// or socks5:// URL",
        ),
        (
            "clusters",
            "server",
            "http://127.0.0.1 :9",
            "server (c): 'http://127.0.0.1 :9' holds a space",
        ),
        ("clusters", "server", "127.0.0.1:9", "expected an https:// (or http://) URL"),
    ],
)
def test_values_the_client_cannot_send_are_refused_in_one_line(
    tmp_path: Path, section: str, key: str, value: str, says: str
) -> None:
    # the client failed on these deep inside its first request, with a traceback
    doc = {**GOOD, section: [dict(entry) for entry in GOOD[section]]}
    body = "user" if section == "users" else "cluster"
    doc[section][0][body] = {**doc[section][0][body], key: value}
    path, err = broken(tmp_path, yaml.safe_dump(doc, allow_unicode=False))
    assert says in err.message and err.message.startswith(f"kubeconfig {path}:")
    assert "\n" not in err.message and "fake" not in err.message  # no credential echoed
    assert err.exit_code == 3


def test_a_socks_proxy_without_pysocks_is_refused_in_one_line(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("socks") is not None:
        pytest.skip("PySocks is installed: the client uses it")
    doc = {**GOOD, "clusters": [{"name": "c", "cluster": {**GOOD["clusters"][0]["cluster"]}}]}
    doc["clusters"][0]["cluster"]["proxy-url"] = "socks5://127.0.0.1:9"
    _, err = broken(tmp_path, yaml.safe_dump(doc))
    assert "a SOCKS proxy needs the PySocks package (pip install pysocks)" in err.message


def test_the_loaders_message_does_not_quote_a_users_credentials(tmp_path: Path) -> None:
    # the client names where a key is missing by the repr of the whole list item
    user = {
        "auth-provider": {
            "name": "oidc",
            "config": {
                "client-secret": "SECRET-one",
                "refresh-token": "SECRET-two",
                "idp-issuer-url": "https://who:SECRET-three@127.0.0.1:9",
            },
        }
    }
    doc = {**GOOD, "users": [{"name": "u", "user": user}]}
    _, err = broken(tmp_path, yaml.safe_dump(doc))
    assert "Expected key id-token" in err.message, err.message
    assert "SECRET" not in err.message and "[REDACTED]" in err.message, err.message


def test_a_proxy_or_server_password_is_not_echoed(tmp_path: Path) -> None:
    for key, value in (
        ("proxy-url", "socks5://alice:S3CRETPW@127.0.0.1:1080"),
        ("proxy-url", "ftp://alice:S3CRETPW@127.0.0.1:3128"),
        ("proxy-url", "http://alice:S3CRETPW@127.0.0.1:99999"),
        ("server", "alice:S3CRETPW@127.0.0.1:9"),
        ("server", "https://alice:S3CRETPW@127.0.0.1:9/ x"),
    ):
        if key == "proxy-url" and value.startswith("socks"):
            import importlib.util

            if importlib.util.find_spec("socks") is not None:
                continue
        doc = {**GOOD, "clusters": [{"name": "c", "cluster": {**GOOD["clusters"][0]["cluster"]}}]}
        doc["clusters"][0]["cluster"][key] = value
        _, err = broken(tmp_path, yaml.safe_dump(doc))
        assert "S3CRETPW" not in err.message and "alice" not in err.message, err.message


def test_a_token_file_is_trimmed_as_kubectl_trims_it(tmp_path: Path) -> None:
    from agentctl.deploy.client import _official
    from agentctl.deploy.kubeconfig import read

    token = tmp_path / "token"
    doc = {**GOOD, "users": [{"name": "u", "user": {"tokenFile": str(token)}}]}
    (tmp_path / "kc").write_text(yaml.safe_dump(doc))
    merged = read([str(tmp_path / "kc")])
    opts = ConnectOptions(kubeconfig=str(tmp_path / "kc"))
    token.write_text("abc\n")  # as `echo $TOKEN > file` writes it
    api, _ = _official(opts, merged, [str(tmp_path / "kc")], [str(tmp_path / "kc")], "--kubeconfig")
    assert api.configuration.auth_settings()["BearerToken"]["value"] == "Bearer abc"
    token.write_text("SECRET\nX\n")
    api, _ = _official(opts, merged, [str(tmp_path / "kc")], [str(tmp_path / "kc")], "--kubeconfig")
    with pytest.raises(KubeconfigError) as info:
        api.configuration.auth_settings()
    assert "no HTTP header can carry" in info.value.message
    assert "SECRET" not in info.value.message


def test_the_loaders_quoted_entries_show_only_what_holds_no_credential() -> None:
    from agentctl.deploy.client import _short_config

    message = (
        "Invalid kube-config file. Expected key value in kc/{'name': 'u', 'user': {'exec': "
        "{'apiVersion': 'v1', 'args': ['get-token', '--oidc-client-secret', 'ARGSECRET'], "
        "'command': 'kubectl', 'env': [{'name': 'X', 'value': 'ENVSECRET'}]}, "
        "'token': \"TOK'SECRET\", 'client-certificate': '/home/me/cert.pem'}}/user/exec"
    )
    shown = _short_config(Exception(message))
    assert "SECRET" not in shown, shown
    assert "'command': '[REDACTED]'" in shown and "/home/me/cert.pem" in shown
    cut = _short_config(Exception("Expected key x in kc/{'name': 'u', 'token': 'PARTIALSECRE"))
    assert "PARTIAL" not in cut, cut
    numbers = _short_config(
        Exception(
            "Expected key id-token in kc/{'name': 'u', 'user': {'exec': {'args': "
            "[4242424242], 'env': [{'name': 'PIN', 'value': 8675309}]}}}/user"
        )
    )
    assert "4242424242" not in numbers and "8675309" not in numbers, numbers
    assert "'name': 'PIN'" in numbers


def test_an_inline_token_is_sent_trimmed_by_the_direct_transport(tmp_path: Path) -> None:
    from agentctl.deploy.client import _Direct
    from agentctl.deploy.kubeconfig import read

    doc = {**GOOD, "users": [{"name": "u", "user": {"token": "abc\n"}}]}
    doc["clusters"] = [{"name": "c", "cluster": {"server": "http://127.0.0.1:9"}}]
    (tmp_path / "kc").write_text(yaml.safe_dump(doc))
    merged = read([str(tmp_path / "kc")])
    direct = _Direct.of(
        merged, merged.context(None), ConnectOptions(kubeconfig=str(tmp_path / "kc"))
    )
    assert direct is not None and direct.headers["authorization"] == "Bearer abc"


@pytest.mark.parametrize(
    "message",
    [
        # an exec plugin's stderr after the entry: quoted text in it
        'exec: process returned 1. error: {"error": "x"} refresh token \'SECRETa\' revoked',
        'exec: process returned 1. {"error": true} login as "SECRETb" failed',
        # a value that became a key through a missing ':'
        "Expected key id-token in kc/{'name': 'u', 'config': {'client-secret SECRETc': None}}/u",
        # user info a URL reader cannot tell apart
        "Expected key x in kc/{'name': 'u', 'idp-issuer-url': '//who:SECRETd@h/x'}/user",
        "Expected key x in kc/{'name': 'u', 'exec': {'command': 'get-token --password SECRETe'}}/x",
    ],
)
def test_no_credential_survives_in_the_loaders_message(message: str) -> None:
    from agentctl.deploy.client import _short_config

    shown = _short_config(Exception(message))
    assert "SECRET" not in shown, shown


def test_a_credential_of_the_wrong_type_is_not_echoed(tmp_path: Path) -> None:
    doc = {**GOOD, "users": [{"name": "u", "user": {"token": 86753091234}}]}
    _, err = broken(tmp_path, yaml.safe_dump(doc))
    assert "token (u): expected a string, found a number or a boolean" in err.message
    assert "86753091234" not in err.message
