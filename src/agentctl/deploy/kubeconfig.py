"""Read and check kubeconfig files before the ``kubernetes`` client loads them.

The client's loader assumes a well-formed file: a YAML syntax error escapes as
a ``yaml`` exception and ``clusters: 5`` as a ``TypeError`` from deep inside
it. Here every file is parsed with positions kept, so a broken kubeconfig is
one line naming the file, line and column and what is wrong there, and the
files are merged the way kubectl merges them (the first file to define a name
or a current context wins; empty files are skipped).

Bounds, checked before the loader sees a file: at most :data:`MAX_BYTES`
per file, and YAML aliases may not expand the document past
:data:`MAX_NODES` nodes (the loader copies what aliases share, so a small
"billion laughs" file would take gigabytes there). ``exec`` credential
plugins are run with a time bound (:func:`bound_exec_plugins`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agentctl.deploy.errors import KubeconfigError
from agentctl.errors import echoed

MAX_BYTES = 4 * 1024 * 1024  # kubectl-written files are kilobytes, with embedded certificates tens
MAX_NODES = 100_000  # YAML nodes after expanding aliases
MAX_FILE_BYTES = 1024 * 1024  # a token, certificate, key or CA bundle a kubeconfig names
MAX_EXEC_OUTPUT = 1024 * 1024  # what an exec plugin may write to each stream (a credential: ~KB)
# The fields naming files the client reads, per entry kind.
_FILES = {
    "cluster": ("certificate-authority",),
    "user": ("client-certificate", "client-key", "tokenFile"),
}

# The three lists of a kubeconfig and the key of each entry's body.
SECTIONS = {"clusters": "cluster", "contexts": "context", "users": "user"}
_STRINGS = {
    "cluster": ("server", "certificate-authority", "certificate-authority-data", "proxy-url"),
    "context": ("cluster", "user", "namespace"),
    "user": (
        "client-certificate",
        "client-certificate-data",
        "client-key",
        "client-key-data",
        "token",
        "tokenFile",
        "username",
        "password",
    ),
}
_MAPPINGS = {"user": ("exec", "auth-provider")}
_PROVIDER = "auth-provider.name"  # kept in a user's body: the loader lacks what some need
# Auth providers the loader cannot use (kubectl dropped them too): exec plugins replace them.
_UNSUPPORTED_PROVIDERS = {"gcp": "gke-gcloud-auth-plugin", "azure": "kubelogin"}
NULL, STR = "tag:yaml.org,2002:null", "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class Entry:
    """One named cluster, context or user, and where it was defined."""

    name: str
    body: dict[str, Any]
    file: str
    line: int
    column: int
    keys: frozenset[str] = frozenset()  # every key of the body, read or not

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class Kubeconfig:
    """The merged view of one or more kubeconfig files."""

    files: list[str]
    clusters: dict[str, Entry] = field(default_factory=dict)
    contexts: dict[str, Entry] = field(default_factory=dict)
    users: dict[str, Entry] = field(default_factory=dict)
    current: str | None = None

    @property
    def joined(self) -> str:
        return ", ".join(self.files)

    def context(self, explicit: str | None) -> Entry:
        """The context to use (``--context`` or the current one), its cluster and user checked."""
        name = explicit or self.current
        if explicit and explicit not in self.contexts:
            known = ", ".join(self.contexts) or "none"
            raise KubeconfigError(
                f"no context {explicit!r} in kubeconfig {self.joined} (known: {known})",
                hint="list contexts with `kubectl config get-contexts`",
            )
        if not name:
            raise KubeconfigError(
                f"kubeconfig {self.joined} has no current context", hint="pass --context NAME"
            )
        ctx = self.contexts.get(name)
        if ctx is None:
            known = ", ".join(self.contexts) or "none"
            raise KubeconfigError(
                f"kubeconfig {self.joined}: the current context {name!r} is not defined (known: {known})",
                hint="pass --context NAME, or fix current-context (`kubectl config use-context NAME`)",
            )
        for key, table in (("cluster", self.clusters), ("user", self.users)):
            ref = ctx.body.get(key)
            if key == "cluster" and not ref:
                raise KubeconfigError(f"kubeconfig {ctx.where}: context {name!r} names no cluster")
            if ref and ref not in table:
                raise KubeconfigError(
                    f"kubeconfig {ctx.where}: context {name!r} names {key} {ref!r}, "
                    f"which is not defined (known: {', '.join(table) or 'none'})"
                )
        cluster = self.clusters[ctx.body["cluster"]]
        if not cluster.body.get("server"):
            raise KubeconfigError(
                f"kubeconfig {cluster.where}: cluster {cluster.name!r} has no server"
            )
        _check_files("cluster", cluster)
        if ctx.body.get("user"):
            user = self.users[ctx.body["user"]]
            _check_files("user", user)
            provider = user.body.get(_PROVIDER)
            if provider in _UNSUPPORTED_PROVIDERS:
                raise KubeconfigError(
                    f"kubeconfig {user.where}: user {user.name!r}: auth-provider {provider!r} "
                    "is not supported; use an exec credential plugin instead "
                    f"({_UNSUPPORTED_PROVIDERS[provider]})"
                )
        return ctx


def file_path(entry: Entry, name: str) -> str:
    """Where the file field ``name`` of ``entry`` points (relative: to its kubeconfig's directory)."""
    import os

    return os.path.join(
        os.path.dirname(os.path.abspath(entry.file)), os.path.expanduser(entry.body[name])
    )


def _check_files(kind: str, entry: Entry) -> None:
    """Every file ``entry`` names is a regular file of at most :data:`MAX_FILE_BYTES`.

    The client reads them whole and without a limit: ``tokenFile: /dev/zero`` would
    fill memory and a FIFO would block forever; a directory would be "does not exist".
    A missing file is left to the loader, which names it.
    """
    import os
    import stat

    for name in _FILES[kind]:
        data = "token" if name == "tokenFile" else f"{name}-data"  # the loader prefers it
        if not entry.body.get(name) or entry.body.get(data):
            continue
        path = file_path(entry, name)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            continue  # the loader says so, naming it
        except OSError as exc:
            problem = f"cannot be read ({exc.strerror})"
        else:
            if stat.S_ISDIR(st.st_mode):
                problem = "is a directory"
            elif not stat.S_ISREG(st.st_mode):
                problem = "is not a regular file (a device, FIFO or socket); not read"
            elif st.st_size > MAX_FILE_BYTES:
                problem = f"is larger than {MAX_FILE_BYTES // 1024} KiB; not read"
            else:
                continue
        raise KubeconfigError(
            f"kubeconfig {entry.where}: {kind} {entry.name!r} {name} {path} {problem}"
        )


def read(paths: list[str]) -> Kubeconfig | None:
    """The merged kubeconfig of the existing, non-empty files among ``paths`` (None: none)."""
    merged: Kubeconfig | None = None
    for path in paths:
        doc = _parse(path)
        if doc is None:
            continue
        merged = merged or Kubeconfig([])
        merged.files.append(path)
        _merge(merged, path, doc)
    return merged


def _parse(path: str) -> Any:
    """The file's YAML as nodes (with positions), None when it is empty; KubeconfigError otherwise."""
    import yaml

    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise KubeconfigError(
                f"kubeconfig {path} is larger than {MAX_BYTES // (1024 * 1024)} MiB; "
                "not read (kubeconfigs are kilobytes)"
            )
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise KubeconfigError(f"kubeconfig {path} is not a text file (not UTF-8)") from None
    except OSError as exc:
        raise KubeconfigError(f"cannot read kubeconfig {path}: {exc.strerror or exc}") from None
    node = _compose_native(text)
    if node is not None:
        return node
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        expanded = _expanded_size(node)
        if expanded > MAX_NODES:
            raise KubeconfigError(
                f"kubeconfig {path}: YAML aliases expand it to more than {MAX_NODES} nodes; "
                "not loaded (an alias bomb?)"
            )
        yaml.safe_load(text)  # constructor errors too (bad tags, unhashable keys)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        problem = exc.problem or exc.context or "not valid YAML"
        if exc.context and exc.problem and exc.problem.startswith("but "):
            problem = f"{exc.context}, {exc.problem}"  # "expected a single document..., but found another"
        raise KubeconfigError(f"kubeconfig {where}: not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise KubeconfigError(f"kubeconfig {path}: not valid YAML: {exc}") from None
    except (ValueError, OverflowError):  # a scalar its tag cannot read: !!int "x"
        raise _unreadable_scalar(path, node) from None
    except (_TooDeep, RecursionError):  # the pure-Python composer recurses per level too
        raise KubeconfigError(
            f"kubeconfig {path}: nested more than {MAX_DEPTH} levels deep; "
            "not loaded (kubeconfigs nest a few levels)"
        ) from None
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value.strip() in ("", "~")):
        return None
    return node


# Where libyaml and PyYAML's own loader have been seen to differ (by mutating
# kubeconfigs): a tab (after a colon, at a line's end, inside a plain scalar), '?', a
# tag ('!!str,' in a flow collection), a flow collection that is not empty (an empty
# value in one is placed a column apart); and a byte order mark past the first
# character. kubectl writes block style, with '{}' and '[]' for empty collections.
_LIBYAML_DIFFERS = re.compile(r"[\t?!]|\{(?!\})|\[(?!\])")


def _compose_native(text: str) -> Any:
    """The file's nodes as libyaml composes them (a twentieth of the pure-Python
    loader's time: a kubeconfig with embedded certificates takes it milliseconds),
    when it composes and constructs them without a problem and within the alias bound;
    None otherwise, and for an empty file, so that the pure-Python loader reports
    what is wrong in its own words. Only a libyaml that bounds nesting (0.2.5 and
    later) is asked: its composer recurses in C."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None or _LIBYAML_DIFFERS.search(text) or text.find("\ufeff", 1) != -1:
        return None
    try:
        from yaml import _yaml

        if _yaml.get_version() < (0, 2, 5):
            return None
        reader = loader(text)
        try:
            node = reader.get_single_node()
            if node is None or _expanded_size(node) > MAX_NODES:
                return None
            if isinstance(node, yaml.ScalarNode) and node.value.strip() in ("", "~"):
                return None
            reader.construct_document(node)  # constructor errors too (bad tags, unhashable keys)
        finally:
            reader.dispose()
    except Exception:
        return None
    return node


def _unreadable_scalar(path: str, root: Any) -> KubeconfigError:
    """The error naming the first scalar of ``root`` that PyYAML's constructor fails on
    outright (not with a YAMLError): a value written with a tag it does not fit."""
    import yaml

    constructor = yaml.constructor.SafeConstructor()
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, OverflowError):
                tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
                message = f"not valid YAML: {echoed(node.value)} does not read as {tag}"
                return _fail(path, node, message)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(reversed([part for pair in node.value for part in pair]))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return KubeconfigError(f"kubeconfig {path}: not valid YAML: a value does not fit its tag")


MAX_DEPTH = 200  # levels of nesting (a kubeconfig has about six)


class _TooDeep(Exception):
    pass


def _expanded_size(root: Any) -> int:
    """Nodes in the document once every alias is copied out (stops early past MAX_NODES);
    _TooDeep past MAX_DEPTH levels."""
    sizes: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if depth > MAX_DEPTH:
            raise _TooDeep
        total = 1
        children = node.value if isinstance(node.value, list) else []
        for child in children:
            parts = child if isinstance(child, tuple) else (child,)
            for part in parts:
                total += size(part, depth + 1)
                if total > MAX_NODES:
                    break
        sizes[id(node)] = total
        return total

    return 0 if root is None else size(root, 0)


EXEC_TIMEOUTS: list[str] = []  # what timed out since the list was last cleared


def bound_exec_plugins(bound: float) -> None:
    """Make the ``kubernetes`` loader's ``exec`` credential plugins time out.

    The loader runs a plugin and waits for it without a limit, at load time
    and again whenever the credential expires. Its module's ``subprocess`` is
    replaced by one whose processes are killed after ``timeout`` seconds, with
    an error naming the plugin. The loader logs that error and carries on
    without credentials, so it is also kept in :data:`EXEC_TIMEOUTS` for the
    caller to report.
    """
    import subprocess
    import types

    from kubernetes.config import exec_provider
    from kubernetes.config.config_exception import ConfigException

    class BoundedPopen(subprocess.Popen):
        def communicate(self, input: Any = None, timeout: float | None = None) -> Any:
            limit = timeout if timeout is not None else bound
            name = self.args[0] if isinstance(self.args, list | tuple) else self.args
            try:
                return _read_capped(self, limit)
            except subprocess.TimeoutExpired:
                message = (
                    f"exec credential plugin {name!r} did not answer within {limit:g} s "
                    "(the request timeout); was it waiting for a login?"
                )
            except _TooLong as exc:
                message = (
                    f"exec credential plugin {name!r} wrote more than {MAX_EXEC_OUTPUT} bytes "
                    f"to its {exc}; an ExecCredential is a few kilobytes"
                )
            finally:
                if self.returncode is None:
                    self.kill()
                    self.wait()
            EXEC_TIMEOUTS.append(message)
            raise ConfigException(message) from None

    shim = types.SimpleNamespace(**{k: getattr(subprocess, k) for k in subprocess.__all__})
    shim.Popen = BoundedPopen
    exec_provider.subprocess = shim  # type: ignore[assignment]
    _report_exec_failures()


class _TooLong(Exception):
    """A plugin's stream went past :data:`MAX_EXEC_OUTPUT`; the message names the stream."""


def _read_capped(process: Any, limit: float) -> tuple[Any, Any]:
    """A plugin's (standard output, standard error), each at most :data:`MAX_EXEC_OUTPUT`
    bytes, read within ``limit`` seconds (``communicate`` reads them whole, without end)."""
    import os
    import selectors
    import subprocess
    import time

    deadline = time.monotonic() + limit
    buffers: dict[int, tuple[str, bytearray]] = {}
    with selectors.DefaultSelector() as selector:
        for label, stream in (
            ("standard output", process.stdout),
            ("standard error", process.stderr),
        ):
            if stream is not None:
                buffers[stream.fileno()] = (label, bytearray())
                selector.register(stream.fileno(), selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired(process.args, limit)
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 65536)
                label, buffer = buffers[key.fd]
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                buffer += chunk
                if len(buffer) > MAX_EXEC_OUTPUT:
                    raise _TooLong(label)
    process.wait(max(deadline - time.monotonic(), 0.001))
    texts: list[Any] = []
    for stream in (process.stdout, process.stderr):
        if stream is None:
            texts.append(None)
            continue
        data = bytes(buffers[stream.fileno()][1])
        stream.close()
        texts.append(data.decode("utf-8", "replace") if process.text_mode else data)
    return texts[0], texts[1]


def _report_exec_failures() -> None:
    """Keep every failure of an ``exec`` plugin in :data:`EXEC_TIMEOUTS`, naming the plugin.

    The loader logs a failing plugin (``ERROR:root:exec: process returned 1``) and
    carries on without credentials, so the command went on to fail for another
    reason. Each failure is kept for the caller to report instead, in one line, and
    the loader's log record of it is dropped."""
    import logging

    from kubernetes.config import kube_config
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.exec_provider import ExecProvider

    if getattr(kube_config.ExecProvider, "agentctl_reports", False):
        return

    def failed(command: Any, what: str) -> ConfigException:
        if what not in EXEC_TIMEOUTS:  # a timeout already says it all
            # whole: cut short, a quoted credential would escape the redaction of the message
            what = f"exec credential plugin {command!r} failed: {' '.join(what.split())}"
            EXEC_TIMEOUTS.append(what)
        return ConfigException(what)

    class Reporting(ExecProvider):
        agentctl_reports = True

        def __init__(self, exec_config: Any, *args: Any, **kwargs: Any) -> None:
            self.command = (
                exec_config.safe_get("command") if hasattr(exec_config, "safe_get") else None
            )
            try:
                super().__init__(exec_config, *args, **kwargs)
            except Exception as exc:
                raise failed(self.command, str(exc)) from None

        def run(self, previous_response: Any = None) -> Any:
            try:
                status = super().run(previous_response)
            except Exception as exc:  # ConfigException, or OSError for a missing command
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                raise failed(self.command, reason) from None
            if not isinstance(status, dict) or not (
                "token" in status or "clientCertificateData" in status
            ):
                raise failed(self.command, "it answered no token and no clientCertificateData")
            return status

    class DropReported(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return record.getMessage() not in EXEC_TIMEOUTS

    kube_config.ExecProvider = Reporting  # type: ignore[misc]
    logging.getLogger().addFilter(DropReported())


def _describe(node: Any) -> str:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == NULL:
        return "nothing"
    return echoed(node.value, quote=node.tag == STR)  # a number or a boolean as written


def _fail(path: str, node: Any, message: str) -> KubeconfigError:
    m = node.start_mark
    return KubeconfigError(f"kubeconfig {path}:{m.line + 1}:{m.column + 1}: {message}")


def _items(node: Any) -> list[tuple[str, Any, Any]]:
    """(key, key node, value node) of a mapping node with scalar keys."""
    return [(k.value if hasattr(k, "value") else "", k, v) for k, v in node.value]


_SECRET_FIELDS = frozenset({"token", "password", "client-key-data"})


def _scalar(path: str, node: Any, where: str, *, secret: bool = False) -> str:
    """A string value; null is the empty string (as kubectl reads it). A credential's
    value (``secret``) is never echoed, whatever it is."""
    import yaml

    if isinstance(node, yaml.ScalarNode) and node.tag == NULL:
        return ""
    if not isinstance(node, yaml.ScalarNode) or node.tag != STR:
        found = _describe(node)
        if secret and isinstance(node, yaml.ScalarNode):  # not a string here: never echoed
            plain = node.tag.rpartition(":")[2] in ("int", "float", "bool")
            found = "a number or a boolean" if plain else "a value of another type"
        raise _fail(path, node, f"{where}: expected a string, found {found}")
    return str(node.value)


def _unusable(key: str, value: str) -> str | None:
    """Why a string the client would send or connect with cannot be used, without echoing
    a credential (a URL is shown without its user info); None when it can. The client
    fails on these deep inside its requests."""
    from agentctl.urls import NOT_HEADER_SAFE, header_safe, without_credentials

    if key == "token" and value and not header_safe(value.strip()):  # sent trimmed
        return NOT_HEADER_SAFE
    if key in ("server", "proxy-url") and value:
        shown = echoed(without_credentials(value))
        if not value.isprintable() or any(c.isspace() for c in value):
            return f"{shown} holds a space, a line break or another control character"
        scheme = value.partition("://")[0].lower() if "://" in value else ""
        if key == "server" and scheme not in ("http", "https"):
            return f"{shown}: expected an https:// (or http://) URL"
        if key == "proxy-url":
            if scheme.startswith("socks"):
                import importlib.util

                if importlib.util.find_spec("socks") is None:
                    return f"{shown}: a SOCKS proxy needs the PySocks package (pip install pysocks)"
            elif scheme not in ("http", "https"):
                return f"{shown}: expected an http://, https:// or socks5:// URL"
            import urllib.parse

            try:
                parts = urllib.parse.urlsplit(value)
                port = parts.port  # ValueError past 65535 or not a number
            except ValueError:
                return f"{shown}: not a URL with a host and a port from 1 to 65535"
            if not parts.hostname or port == 0:
                return f"{shown}: not a URL with a host and a port from 1 to 65535"
    return None


def _merge(into: Kubeconfig, path: str, root: Any) -> None:
    import yaml

    if not isinstance(root, yaml.MappingNode):
        raise _fail(
            path,
            root,
            "expected a kubeconfig (a mapping with clusters, contexts, users, current-context), "
            f"found {_describe(root)}",
        )
    for key, _knode, value in _items(root):
        if key in SECTIONS:
            _merge_section(into, path, key, value)
        elif key == "current-context":
            current = _scalar(path, value, key)
            if current and into.current is None:
                into.current = current
        elif key == "preferences" and not isinstance(value, yaml.MappingNode | yaml.ScalarNode):
            raise _fail(path, value, f"preferences: expected a mapping, found {_describe(value)}")


def _merge_section(into: Kubeconfig, path: str, section: str, node: Any) -> None:
    import yaml

    if isinstance(node, yaml.ScalarNode) and node.tag == NULL:
        return  # `users:` with nothing under it, as kubectl writes it
    body_key = SECTIONS[section]
    table: dict[str, Entry] = getattr(into, section)
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(
            path,
            node,
            f"{section}: expected a list of {{name, {body_key}}} entries, found {_describe(node)}",
        )
    for i, item in enumerate(node.value):
        where = f"{section}[{i}]"
        if not isinstance(item, yaml.MappingNode):
            raise _fail(
                path,
                item,
                f"{where}: expected a mapping with name and {body_key}, found {_describe(item)}",
            )
        fields = {k: v for k, _, v in _items(item)}
        if "name" not in fields:
            raise _fail(path, item, f"{where}: no name")
        name = _scalar(path, fields["name"], f"{where}.name")
        body_node = fields.get(body_key)
        if body_node is None or (isinstance(body_node, yaml.ScalarNode) and body_node.tag == NULL):
            if body_key == "user":
                body_node = None  # a user without credentials is allowed (anonymous)
            else:
                raise _fail(path, item, f"{where} ({name}): no {body_key}")
        if body_node is not None and not isinstance(body_node, yaml.MappingNode):
            raise _fail(
                path,
                body_node,
                f"{where}.{body_key} ({name}): expected a mapping, found {_describe(body_node)}",
            )
        body: dict[str, Any] = {}
        for key, _k, value in _items(body_node) if body_node is not None else []:
            label = f"{where}.{body_key}.{key} ({name})"
            if key in _STRINGS[body_key]:
                body[key] = _scalar(path, value, label, secret=key in _SECRET_FIELDS)
                problem = _unusable(key, body[key])
                if problem:
                    raise _fail(path, value, f"{label}: {problem}")
            elif key in _MAPPINGS.get(body_key, ()) and not isinstance(value, yaml.MappingNode):
                raise _fail(path, value, f"{label}: expected a mapping, found {_describe(value)}")
            elif key == "auth-provider":
                provider = {k: v for k, _, v in _items(value)}.get("name")
                if provider is not None:
                    body[_PROVIDER] = _scalar(path, provider, f"{label}.name")
        if name not in table:
            m = item.start_mark
            keys = frozenset(k for k, _k, _v in _items(body_node)) if body_node else frozenset()
            table[name] = Entry(name, body, path, m.line + 1, m.column + 1, keys)
