"""The one module that talks to the Kubernetes API server.

It loads kubeconfig (``--kubeconfig``, ``KUBECONFIG``, ``~/.kube/config``) or
the in-cluster service account, sends requests with bounded connect/read
timeouts, retries 429/5xx/dropped connections with backoff (honouring
``Retry-After``), and turns every failed answer and transport error into an
explained ``agentctl.deploy.errors`` error right here, in one place.

Two transports carry the requests. A kubeconfig that names only a server, its
CA, a client certificate and key and/or a bearer token is sent through
urllib3 directly (:class:`_Direct`): importing the official ``kubernetes``
client costs more CPU than a whole deploy's own work. Every other kubeconfig
(exec and auth-provider credentials, token files, basic auth, proxies) and the
in-cluster service account go through ``kubernetes.client.ApiClient`` and its
loader (:class:`_Official`), as does anything that needs the client's API
classes (port-forward, through :attr:`KubeClient.api`).

``kubernetes`` and ``urllib3`` are imported inside functions only, so importing
this module costs nothing at CLI start-up.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from agentctl.deploy import answers
from agentctl.deploy import errors as kerr
from agentctl.deploy.discovery import ResourceMap
from agentctl.deploy.ops import APPLY_PATCH, ObjectOps
from agentctl.deploy.retry import RetryPolicy
from agentctl.errors import ClusterError
from agentctl.urls import without_userinfo

if TYPE_CHECKING:
    from urllib3 import HTTPResponse

SA_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
AHEAD_THREAD = "agentctl-kube-ahead"  # the threads of KubeClient.ahead
# Bytes read of one answer (not a stream): lists of thousands of objects are tens of MiB
MAX_ANSWER_BYTES = 256 * 1024 * 1024
# Bytes of one line of a streamed answer (a watch event, a log line, a server-sent event's
# line): a stream may go on for ever, a line may not (an object is at most 1.5 MiB in etcd)
MAX_LINE_BYTES = 16 * 1024 * 1024
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ConnectOptions:
    kubeconfig: str | None = None  # a path, or several joined with os.pathsep
    context: str | None = None
    connect_timeout: float = 5.0
    # seconds one request may take, its retries of 429/5xx/dropped connections included (0: no limit)
    request_timeout: float = 30.0
    max_workers: int = 16
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class Target:
    """Where requests go and as whom (from kubeconfig), for messages."""

    server: str
    context: str | None
    user: str | None
    namespace: str | None  # the context's namespace, if any
    in_cluster: bool = False

    def __post_init__(self) -> None:  # messages never show a password in the server URL
        object.__setattr__(self, "server", without_userinfo(self.server))


@dataclass(frozen=True)
class Response:
    status: int
    data: Any


RetryHook = Callable[[kerr.ApiFailure, int, float], None]


def _kubeconfig_paths(explicit: str | None) -> tuple[list[str], str]:
    if explicit:
        return [p for p in explicit.split(os.pathsep) if p], "--kubeconfig"
    env = os.environ.get("KUBECONFIG")
    if env:
        return [p for p in env.split(os.pathsep) if p], "KUBECONFIG"
    return [str(Path.home() / ".kube" / "config")], "the default location"


def _in_cluster_available() -> bool:
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and (SA_DIR / "token").is_file()


def connect(opts: ConnectOptions) -> KubeClient:
    """Load credentials and build a client. Does not contact the server yet.

    Every kubeconfig problem is a ``KubeconfigError`` naming the file (and the
    line, when the problem has one): the files are read and checked here
    before the ``kubernetes`` loader, which assumes a well-formed file, sees them.
    """
    from agentctl.deploy import kubeconfig

    paths, source = _kubeconfig_paths(opts.kubeconfig)
    existing = [p for p in paths if Path(os.path.expanduser(p)).is_file()]
    merged = kubeconfig.read([os.path.expanduser(p) for p in existing])
    client = _direct_client(opts, merged, existing, paths, source)
    if client is not None:
        return client
    api, target = _official(opts, merged, existing, paths, source)
    return KubeClient(_Official(api), target, opts)


def connect_quietly(opts: ConnectOptions) -> KubeClient | None:
    """The client :func:`connect` builds, when the direct transport carries the kubeconfig;
    None otherwise and on any problem, without a word: :func:`connect` says what it is.

    Nothing here runs a credential plugin or imports the official client, so it can be
    done before a command knows it will go to the cluster at all."""
    from agentctl.deploy import kubeconfig

    try:
        paths, source = _kubeconfig_paths(opts.kubeconfig)
        existing = [p for p in paths if Path(os.path.expanduser(p)).is_file()]
        merged = kubeconfig.read([os.path.expanduser(p) for p in existing])
        return _direct_client(opts, merged, existing, paths, source)
    except Exception:  # a bad kubeconfig: connect() reports it, in its turn
        return None


def _direct_client(
    opts: ConnectOptions, merged: Any, existing: list[str], paths: list[str], source: str
) -> KubeClient | None:
    if merged is None:
        return None
    ctx = merged.context(opts.context)
    direct = _Direct.of(merged, ctx, opts)
    if direct is None:
        return None
    target = Target(direct.host, ctx.name, ctx.body.get("user"), ctx.body.get("namespace"))
    official = lambda: _official(opts, merged, existing, paths, source)[0]  # noqa: E731
    return KubeClient(direct, target, opts, official=official)


def _official(
    opts: ConnectOptions, merged: Any, existing: list[str], paths: list[str], source: str
) -> tuple[Any, Target]:
    """An ``ApiClient`` of the official client, set up by its own loader."""
    from kubernetes import client as k8s
    from kubernetes import config as kcfg

    from agentctl.deploy import kubeconfig

    cfg = _configuration_class()()
    if merged is not None:
        ctx = merged.context(opts.context)
        cfg.renewing = f"kubeconfig {merged.joined} (context {ctx.name})"
        kubeconfig.bound_exec_plugins(opts.request_timeout if opts.request_timeout > 0 else 60.0)
        kubeconfig.EXEC_TIMEOUTS.clear()
        try:
            kcfg.load_kube_config(
                config_file=os.pathsep.join(merged.files),
                context=ctx.name,
                client_configuration=cfg,
                persist_config=False,
            )
            if kubeconfig.EXEC_TIMEOUTS:  # logged and ignored by the loader
                raise TimeoutError(kubeconfig.EXEC_TIMEOUTS[-1])
        except Exception as exc:  # the loader's failures have no common base (ConfigException, OSError, ValueError...)
            raise kerr.KubeconfigError(
                f"cannot use kubeconfig {merged.joined} (context {ctx.name}): {_short_config(exc)}"
            ) from None
        target = Target(cfg.host, ctx.name, ctx.body.get("user"), ctx.body.get("namespace"))
    elif opts.kubeconfig is None and _in_cluster_available():
        try:
            kcfg.load_incluster_config(client_configuration=cfg)
            ns_file = SA_DIR / "namespace"
            ns = ns_file.read_text().strip() if ns_file.is_file() else None
        except Exception as exc:  # ConfigException or OSError from the service account files
            raise kerr.KubeconfigError(
                f"cannot use the in-cluster service account ({SA_DIR}): {_short_config(exc)}"
            ) from None
        target = Target(cfg.host, None, "the pod's service account", ns, in_cluster=True)
    elif existing:
        raise kerr.KubeconfigError(
            f"kubeconfig {', '.join(existing)} is empty",
            hint="point KUBECONFIG or --kubeconfig at a kubeconfig with a context, or create one (e.g. `kind create cluster`)",
        )
    else:
        where = ", ".join(paths)
        raise kerr.KubeconfigError(
            f"no kubeconfig: {where} ({source}) does not exist and this is not running inside a cluster",
            hint="point KUBECONFIG or --kubeconfig at a kubeconfig file, or create one (e.g. `kind create cluster`)",
        )
    cfg.retries = False  # retries are ours: urllib3 must surface every failure
    cfg.connection_pool_maxsize = opts.max_workers + 4
    return k8s.ApiClient(cfg), target


@functools.cache
def _configuration_class() -> type:
    """The client's ``Configuration``, whose credential renewal reports a failure.

    The loader gives an ``exec`` plugin's credential a hook that runs the plugin again
    once the credential expires, before a request goes out. A failure there (or a
    plugin past its time bound) is only logged by the loader, and the request went out
    with the expired credential. Here the hook (whatever the loader sets, each time it
    sets it) is run one request at a time, and a failure is a ``KubeconfigError``
    naming the plugin; later requests of the client fail with it at once rather than
    each running the plugin again."""
    from kubernetes import client as k8s

    from agentctl.deploy import kubeconfig

    lock = threading.Lock()  # one renewal at a time (they are rare)

    class Configuration(k8s.Configuration):
        renewing = "kubeconfig"  # what the error names
        _renew: Any = None
        _renew_failed = ""

        @property
        def refresh_api_key_hook(self) -> Any:
            return None if self._renew is None else self._reported_renewal

        @refresh_api_key_hook.setter
        def refresh_api_key_hook(self, hook: Any) -> None:
            self.__dict__["_renew"] = hook

        def _reported_renewal(self, cfg: Any) -> None:
            with lock:
                if not self._renew_failed:
                    before = len(kubeconfig.EXEC_TIMEOUTS)
                    try:
                        self._renew(cfg)
                        failed = kubeconfig.EXEC_TIMEOUTS[before:]
                    except Exception as exc:  # the loader's own (an auth-provider's refresh)
                        failed = [_short_config(exc)]
                    if failed:
                        self._renew_failed = (
                            f"cannot use {self.renewing}: renewing the expired credential: "
                            f"{failed[-1]}"
                        )
                if self._renew_failed:
                    raise kerr.KubeconfigError(self._renew_failed)

        def auth_settings(self) -> Any:
            """The credential as sent: a token read from a file written with ``echo``
            ends in a line break, which kubectl trims and http.client refuses (with
            the token in its message); one holding a character no header can carry
            is refused here, without echoing it."""
            from agentctl.urls import NOT_HEADER_SAFE, header_safe

            settings: Any = super().auth_settings()
            for entry in settings.values():
                value = entry.get("value")
                if isinstance(value, str):
                    value = value.strip()
                    if not header_safe(value):
                        raise kerr.KubeconfigError(
                            f"cannot use {self.renewing}: the user's token {NOT_HEADER_SAFE}"
                        )
                    entry["value"] = value
            return settings

    return Configuration


@dataclass(frozen=True)
class _Request:
    """One HTTP request as a transport sends it."""

    method: str
    path: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    body: Any
    timeout: tuple[float, float | None]  # connect, read (None: no limit)


class _Status0(Exception):
    """No HTTP status at all: the TLS handshake failed (``reason`` says how)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Official:
    """Requests through the official client's ``ApiClient``."""

    def __init__(self, api: Any) -> None:
        self.api = api

    def send(self, req: _Request) -> Any:
        from kubernetes.client.exceptions import ApiException

        try:
            serialized = self.api.param_serialize(
                method=req.method,
                resource_path=req.path,
                query_params=req.params,
                header_params=req.headers,
                body=req.body,
                auth_settings=["BearerToken"],
            )
            # the client's answer reads its whole body at once: read as the direct one is
            return _Answer(self.api.call_api(*serialized, _request_timeout=req.timeout).response)
        except ApiException as exc:
            if not exc.status:  # the client's way of saying the TLS handshake failed
                raise _Status0(exc.reason) from None
            raise  # the client raises for statuses only when deserialising, which is ours

    def close(self) -> None:
        self.api.close()


# What the direct transport understands of a kubeconfig; anything else goes through the client.
_DIRECT_CLUSTER = frozenset({"server", "certificate-authority", "certificate-authority-data"})
_DIRECT_USER = frozenset(
    {"client-certificate", "client-certificate-data", "client-key", "client-key-data", "token"}
)
_PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy", "no_proxy"})


class _Direct:
    """Requests sent with urllib3, set up as the official client would set up its own."""

    def __init__(self, host: str, pool: Any, headers: dict[str, str]) -> None:
        self.host = host
        self.pool = pool
        self.headers = headers

    @classmethod
    def of(cls, merged: Any, ctx: Any, opts: ConnectOptions) -> _Direct | None:
        """The direct transport for this context, or None when the client has more to do."""
        if any(k.lower() in _PROXY_VARIABLES for k in os.environ):
            return None
        cluster = merged.clusters[ctx.body["cluster"]]
        user = merged.users.get(ctx.body.get("user") or "")
        user_body = user.body if user is not None else {}
        if cluster.keys - _DIRECT_CLUSTER or (user is not None and user.keys - _DIRECT_USER):
            return None
        server = cluster.body.get("server")
        if not isinstance(server, str) or not server.startswith(("http://", "https://")):
            return None
        headers = {"User-Agent": "agentctl"}
        token = (user_body.get("token") or "").strip()  # as the official client's (below)
        if token:
            headers["authorization"] = f"Bearer {token}"
        host = server.rstrip("/")
        import urllib3

        # room for a round's requests opening their own connections beside those still
        # being opened for it (KubeClient.open_connections): none is dropped on return
        pool_args: dict[str, Any] = {"retries": False, "maxsize": 2 * opts.max_workers + 4}
        if host.startswith("https"):
            context = _tls_context(cluster, user)
            if context is None:
                return None
            pool_args["ssl_context"] = context
        pool = urllib3.PoolManager(**pool_args)
        pool.pool_classes_by_scheme = {**pool.pool_classes_by_scheme, "https": _tls_pool_class()}
        return cls(host, pool, headers)

    def send(self, req: _Request) -> Any:
        """As ``ApiClient`` sends it: values quoted, JSON bodies encoded, no redirects."""
        from urllib.parse import quote

        import urllib3

        url = self.host + req.path
        if req.params:
            url += "?" + "&".join(f"{k}={quote(v)}" for k, v in req.params)
        body = req.body
        if body is not None and re.search("json", req.headers.get("Content-Type", ""), re.I):
            body = json.dumps(body)
        try:
            resp = self.pool.request(
                req.method,
                url,
                body=body,
                headers={**self.headers, **req.headers},
                timeout=urllib3.Timeout(connect=req.timeout[0], read=req.timeout[1]),
                preload_content=False,
                redirect=False,
            )
        except urllib3.exceptions.SSLError as exc:
            raise _Status0("\n".join([type(exc).__name__, str(exc)])) from None
        return _Answer(resp)

    def open_connection(self, timeout: float) -> None:
        """Open one more connection (TCP and TLS handshakes) and leave it idle in the pool.

        Requests of one round each take a connection; the ones that find none idle
        open their own and pay the handshakes inside the round. Opened during an
        earlier round, the handshakes overlap it instead. A failure is left to the
        requests to find and report."""
        import urllib3

        pool = self.pool.connection_from_url(self.host)
        # urllib3's own checkout and return: the connection stays the pool's
        idle: list[Any] = []  # open ones, idle: passed over to open another beside them
        conn = pool._get_conn()
        while getattr(conn, "sock", None) is not None and len(idle) < 64:
            idle.append(conn)
            conn = pool._get_conn()
        for open_conn in idle:
            pool._put_conn(open_conn)
        try:
            conn.timeout = timeout
            conn.connect()
        except (OSError, urllib3.exceptions.HTTPError):
            conn.close()
        finally:
            pool._put_conn(conn)

    def close(self) -> None:
        self.pool.clear()


@functools.cache
def _tls_pool_class() -> type:
    """urllib3's HTTPS pool, whose idle connections read what TLS alone sent them.

    A TLS 1.3 server sends session tickets after the handshake; on a connection
    that has not carried a request yet (one opened ahead of a round), they are
    still unread when a request takes it, and urllib3 takes a readable idle
    socket for one the server closed: it would close it and open another,
    paying the handshakes again."""
    from urllib3.connection import HTTPSConnection
    from urllib3.connectionpool import HTTPSConnectionPool

    class _Connection(HTTPSConnection):
        @property
        def is_connected(self) -> bool:
            return self.sock is not None and _open_when_idle(self.sock)

    class _Pool(HTTPSConnectionPool):
        ConnectionCls = _Connection

    return _Pool


def _open_when_idle(sock: Any) -> bool:
    """Whether an idle connection is still usable: nothing to read, or only TLS records
    (session tickets, read here); data or a close means it is not."""
    import ssl

    from urllib3.util.wait import wait_for_read

    if not wait_for_read(sock, timeout=0.0):
        return True
    if not isinstance(sock, ssl.SSLSocket):
        return False
    timeout = sock.gettimeout()
    try:
        sock.setblocking(False)
        sock.recv(1)
    except ssl.SSLWantReadError:
        return True  # TLS records only, now read: nothing for the application
    except OSError:
        return False
    finally:
        sock.settimeout(timeout)
    return False  # data nobody asked for, or the server closed it


class _Answer:
    """A urllib3 response as ``ApiClient.call_api`` returns it."""

    def __init__(self, resp: Any) -> None:
        self.response = resp
        self.status = resp.status
        self.reason = resp.reason
        self.headers = resp.headers

    def read(self) -> bytes:
        """The body, at most :data:`MAX_ANSWER_BYTES` of it (:class:`_TooLarge` past that)."""
        resp = self.response
        length = resp.headers.get("Content-Length")
        if length and length.strip().isdigit() and int(length) > MAX_ANSWER_BYTES:
            resp.close()
            raise _TooLarge
        body = bytes(resp.read(MAX_ANSWER_BYTES + 1))
        if len(body) > MAX_ANSWER_BYTES:
            resp.close()
            raise _TooLarge
        return body


class _TooLarge(Exception):
    """An answer longer than :data:`MAX_ANSWER_BYTES`."""


def _tls_context(cluster: Any, user: Any) -> Any:
    """The TLS set-up of a cluster and user, or None when a file is missing or unreadable
    (the client's loader then says what is wrong, as it always has)."""
    import base64
    import binascii
    import ssl
    import tempfile

    def material(entry: Any, name: str) -> bytes | None:
        if entry is None:
            return None
        data = entry.body.get(f"{name}-data")
        if data:
            return base64.standard_b64decode(str(data).encode())
        file = entry.body.get(name)
        if not file:
            return None
        path = Path(os.path.dirname(os.path.abspath(entry.file))) / os.path.expanduser(file)
        return path.read_bytes()

    try:
        ca = material(cluster, "certificate-authority")
        cert = material(user, "client-certificate")
        key = material(user, "client-key")
        context = ssl.create_default_context(cadata=ca.decode() if ca else None)
        if cert and key:
            # the ssl module loads a certificate and key only from files: kept for the
            # moment it reads them, in a directory only this user can read
            with tempfile.TemporaryDirectory(prefix="agentctl-tls-") as tmp:
                cert_file, key_file = Path(tmp) / "client.crt", Path(tmp) / "client.key"
                for file, data in ((cert_file, cert), (key_file, key)):
                    with open(os.open(file, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as fh:
                        fh.write(data)
                context.load_cert_chain(cert_file, key_file)
        elif cert or key:
            return None
    except (OSError, ValueError, binascii.Error, ssl.SSLError, UnicodeDecodeError):
        return None
    return context


# Values of these keys say what is missing or wrong and hold no credential; every other
# value of an entry the loader quotes (a token, a client secret, an exec plugin's args
# and env) is redacted.
_SHOWN_KEYS = frozenset(
    {
        "name", "cluster", "user", "namespace", "server", "proxy-url", "certificate-authority",
        "client-certificate", "client-key", "tokenFile", "interactiveMode", "idp-issuer-url",
        "tls-server-name", "kind",
    }
)  # fmt: skip


def _short_config(exc: BaseException) -> str:
    """The loader's message on one line, without its 'Invalid kube-config file.' preamble,
    and without the credentials of the entries it quotes whole: it names where a key is
    missing by the repr of the list item holding it (``kc/{'name': 'u', 'user': {...}}``).
    Such a repr is read back and shown with only the values of a few keys (names, file
    names, URLs without their user info); every other value is redacted. A repr that
    does not read back (cut short, or holding a date) is not shown at all."""
    from agentctl.telemetry.redact import redact_text

    text = " ".join(str(exc).split()) or type(exc).__name__
    for prefix in ("Invalid kube-config file.", "Invalid kube-config."):
        text = text.removeprefix(prefix).strip()
    first, last = text.find("{"), text.rfind("}")
    if first != -1:
        import ast

        shown = "{...}"
        if first < last <= first + 65536:  # a kubeconfig entry is kilobytes
            unreadable = (ValueError, SyntaxError, TypeError, MemoryError, RecursionError)
            with contextlib.suppress(*unreadable):
                shown = repr(_redacted(ast.literal_eval(text[first : last + 1])))
        after = text[last + 1 :] if last > first else ""
        # what follows (an exec plugin's stderr, say) may quote anything: no quoted text
        text = text[:first] + shown + _QUOTED.sub("'[REDACTED]'", after)
    return redact_text(text)[:300] or type(exc).__name__


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'?|\"(?:[^\"\\]|\\.)*\"?")
# The keys a kubeconfig entry holds, shown as keys; any other key (a value that became a
# key through a missing ':', say) is redacted like a value.
_FIELD_KEYS = _SHOWN_KEYS | frozenset(
    {
        "context", "exec", "auth-provider", "config", "args", "env", "value", "token",
        "command", "apiVersion",
        "username", "password", "client-certificate-data", "client-key-data",
        "certificate-authority-data", "insecure-skip-tls-verify", "extensions",
        "installHint", "provideClusterInfo", "client-id", "client-secret", "refresh-token",
        "id-token", "access-token", "idp-certificate-authority", "expiry", "cmd-path",
        "cmd-args", "token-key", "expiry-key", "disable-compression", "as", "as-groups",
        "as-uid", "as-user-extra", "preferences", "idp-certificate-authority-data",
    }
)  # fmt: skip


def _redacted(value: Any, key: Any = None) -> Any:
    if isinstance(value, dict):
        return {
            (k if k in _FIELD_KEYS else "[REDACTED]"): _redacted(v, k) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    if key in _SHOWN_KEYS and (value is None or isinstance(value, bool)):
        return value
    if key in _SHOWN_KEYS and isinstance(value, str):
        from agentctl.urls import without_credentials

        shown = without_credentials(value)
        return "[REDACTED]" if "@" in shown else shown  # user info it could not tell apart
    return "[REDACTED]"


class KubeClient(ObjectOps):
    def __init__(
        self,
        transport: _Official | _Direct,
        target: Target,
        opts: ConnectOptions,
        *,
        official: Callable[[], Any] | None = None,
    ) -> None:
        self.transport = transport
        self._official = official  # builds an ApiClient when the direct transport is in use
        self._api: Any = None
        self.target = target
        self.opts = opts
        self.retry = opts.retry
        self.on_retry: RetryHook | None = None
        self.resources = ResourceMap()
        self.server_version = ""
        self.request_count = 0
        self._reached = False
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, opts.max_workers), thread_name_prefix="agentctl-kube"
        )
        self._ahead: dict[Any, Future[Any]] = {}
        self.requests_ahead_from: int | None = None  # request_count when reads went ahead
        self.opened_ahead = 0  # connections opened (or being opened) ahead of preflight
        self._held_retries: list[tuple[kerr.ApiFailure, int, float]] = []

    @property
    def api(self) -> Any:
        """The official client's ``ApiClient`` on the same connection settings (for its API classes)."""
        if isinstance(self.transport, _Official):
            return self.transport.api
        if self._api is None:
            assert self._official is not None
            self._api = self._official()
        return self._api

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.transport.close()
        if self._api is not None:
            self._api.close()

    def __enter__(self) -> KubeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- concurrency ----------------------------------------------------------

    def open_connection(self) -> None:
        """One more idle connection to the server, for a later round (see ``_Direct``).

        Only a head start: it reaches into urllib3's pool, so whatever goes wrong here
        (an urllib3 that changed those internals included) is left for the requests,
        which open their own connections and report what they meet."""
        if isinstance(self.transport, _Direct):
            with contextlib.suppress(Exception):
                self.transport.open_connection(self.opts.connect_timeout)

    def open_connections(self, n: int) -> list[threading.Thread]:
        """Start opening ``n`` more connections (:meth:`open_connection`), each on a daemon
        thread (returned, to wait for): a round that starts before they are open opens its
        own."""
        threads = [
            threading.Thread(target=self.open_connection, name=AHEAD_THREAD, daemon=True)
            for _ in range(n)
        ]
        for thread in threads:
            thread.start()
        return threads

    def ahead(self, key: Any, fn: Callable[[], Any]) -> None:
        """Start ``fn`` now, on a thread of its own; :meth:`take_ahead` (``key``, unless None)
        has its outcome.

        For reads sent before the command knows it needs them (preflight's, while the
        policy gate runs). A daemon thread rather than the pool: the interpreter waits
        for the pool's threads at exit, and a command that ends early (the gate refused)
        must not wait for an answer nobody needs, nor print anything about it."""
        done: Future[Any] = Future()

        def run() -> None:
            try:
                done.set_result(fn())
            except BaseException as exc:  # kept for take_ahead's caller, never printed here
                done.set_exception(exc)

        if self.requests_ahead_from is None:
            self.requests_ahead_from = self.request_count
        if key is not None:
            self._ahead[key] = done
        threading.Thread(target=run, name=AHEAD_THREAD, daemon=True).start()

    def listen_for_retries(self, hook: RetryHook) -> None:
        """Tell ``hook`` of every retry from now on, and of those reads sent ahead made before."""
        with self._lock:
            self.on_retry, held, self._held_retries = hook, self._held_retries, []
        for err, attempt, delay in held:
            hook(err, attempt, delay)

    def take_ahead(self, key: Any) -> Future[Any] | None:
        """The outcome of what :meth:`ahead` started under ``key`` (once), or None."""
        return self._ahead.pop(key, None)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """Run ``fn`` over ``items`` on the bounded pool; report every failure, not just the first."""
        futures = [self._pool.submit(fn, item) for item in items]
        results: list[R] = []
        failures: list[ClusterError] = []
        for f in futures:
            try:
                results.append(f.result())
            except kerr.ManyFailures as err:
                failures.extend(err.failures)
            except ClusterError as err:
                failures.append(err)
        if failures:
            # something other than an API server at the address explains every other failure
            impostor = next((f for f in failures if isinstance(f, kerr.NotKubernetes)), None)
            if impostor is not None:
                raise impostor
            # requests that each ran out of retries are one error, not one line per request
            gave_up = [f for f in failures if isinstance(f, kerr.ApiFailure) and f.gave_up]
            if len(gave_up) > 1:
                failures = [
                    kerr.gave_up_together(gave_up),
                    *(f for f in failures if f not in gave_up),
                ]
            # one unreachable cluster (or one bad credential) is one error, however many requests saw it
            distinct = list({(type(f), f.message): f for f in failures}.values())
            if len(distinct) == 1 or all(
                isinstance(f, kerr.Unreachable | kerr.Unauthorized) for f in failures
            ):
                raise failures[0]
            raise kerr.ManyFailures(distinct)
        return results

    # -- requests -------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        content_type: str | None = None,
        accept: str = "application/json",
        info: kerr.RequestInfo | None = None,
        idempotent: bool = True,
        raw: bool = False,
        stream: bool = False,
        read_timeout: float | bool | None = True,
        retry: bool = True,
    ) -> Response:
        """One request, retried with backoff on 429, 5xx and dropped connections.

        ``retry=False``: one attempt, whatever the answer (a request through the
        service proxy, where a 429 is the agent's own answer, not the API server's).

        ``read_timeout``: seconds each read may wait, True for until the request's
        deadline; False (a stream followed for as long as it lasts): the answer's
        status and headers still come within the deadline, its body may wait for ever.

        Bounded twice: at most ``retry.attempts`` attempts, and no retry starts
        (and no attempt reads) past ``opts.request_timeout`` seconds after the
        first attempt began. Giving up says so, with the attempts and the time.
        """
        info = info or kerr.RequestInfo(method, path)
        clock, budget = self.retry.clock, self.opts.request_timeout
        start = clock()
        deadline = start + budget if budget > 0 else math.inf
        endless = stream and read_timeout is False
        attempt = 0
        while True:
            try:
                return self._once(
                    method,
                    path,
                    query,
                    body,
                    content_type,
                    accept,
                    info,
                    raw,
                    stream,
                    self._read_timeout(True if endless else read_timeout, deadline),
                    endless,
                )
            except kerr.ApiFailure as err:
                safe = (
                    idempotent or isinstance(err, kerr.Throttled) or getattr(err, "not_sent", False)
                )
                can = (
                    retry
                    and err.retriable
                    and safe
                    and (self._reached or not isinstance(err, kerr.Unreachable))
                )
                if not can:
                    raise
                delay = self.retry.delay(attempt, err.retry_after)
                out_of_time = clock() + delay >= deadline
                if attempt + 1 >= self.retry.attempts or out_of_time:
                    if self.retry.attempts > 1:
                        kerr.explain_exhausted(
                            err,
                            info,
                            attempt + 1,
                            clock() - start,
                            budget,
                            waits=err.retry_after if out_of_time else None,
                        )
                    raise
                with self._lock:  # a read sent ahead retries before anyone listens: held
                    hook = self.on_retry
                    if hook is None and threading.current_thread().name == AHEAD_THREAD:
                        self._held_retries.append((err, attempt + 1, delay))
                if hook is not None:
                    hook(err, attempt + 1, delay)
                self.retry.sleep(delay)
                attempt += 1

    def _read_timeout(self, asked: float | bool | None, deadline: float) -> float | None:
        """An attempt's read timeout: what was asked (True: until the request's deadline)."""
        if asked is not True:
            return None if asked is False else asked
        if deadline == math.inf:
            return None
        return max(0.5, deadline - self.retry.clock())

    def _once(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None,
        body: Any,
        content_type: str | None,
        accept: str,
        info: kerr.RequestInfo,
        raw: bool,
        stream: bool,
        read: float | None,
        endless: bool = False,
    ) -> Response:
        import urllib3

        headers = {"Accept": accept}
        if content_type or body is not None:
            headers["Content-Type"] = content_type or "application/json"
        params = [
            (k, str(v).lower() if isinstance(v, bool) else str(v))
            for k, v in (query or {}).items()
            if v is not None
        ]
        with self._lock:
            self.request_count += 1
        try:
            resp = self.transport.send(
                _Request(
                    method,
                    path,
                    params,
                    headers,
                    _apply_body(body) if content_type == APPLY_PATCH else body,
                    (self.opts.connect_timeout, read),
                )
            )
            if stream and 200 <= resp.status < 300:
                self._reached = True
                if endless:  # the headers came in time; the body is followed without a limit
                    _wait_for_ever(resp.response)
                return Response(resp.status, _Stream(resp.response, path))
            body = resp.read()
        except _Status0 as exc:
            raise answers.status0(self.target, exc.reason) from None
        except _TooLarge:
            t = self.target
            raise kerr.too_large(t.server, t.context, path, MAX_ANSWER_BYTES) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._transport(exc) from None
        self._reached = True
        if not 200 <= resp.status < 300:
            raise answers.error(
                self.target, path, resp.status, resp.reason, resp.headers, body, info
            )
        if raw:
            return Response(resp.status, body)
        return Response(
            resp.status,
            answers.interpret(self.target, path, resp.status, resp.reason, resp.headers, body),
        )

    def _transport(self, exc: BaseException) -> kerr.ApiFailure:
        import urllib3.exceptions as ue

        if isinstance(exc, ue.MaxRetryError) and exc.reason is not None:
            exc = exc.reason
        not_sent = False
        retriable = True
        if isinstance(exc, ue.NewConnectionError):
            text = str(exc).lower()
            what = "connection refused" if "refused" in text else f"cannot connect ({_short(exc)})"
            not_sent = True
        elif isinstance(exc, ue.ConnectTimeoutError):
            what = f"no connection within {self.opts.connect_timeout:g}s"
            not_sent = True
        elif isinstance(exc, ue.ReadTimeoutError):
            what = "no answer in time (read timeout)"
        elif isinstance(exc, ue.SSLError):
            what = f"TLS error ({_short(exc)})"
            retriable = False
        elif isinstance(exc, ue.ProtocolError):
            what = "the connection was dropped"
        else:
            what = _short(exc)
        err = kerr.unreachable(self.target.server, self.target.context, what)
        err.retriable = retriable
        err.not_sent = not_sent  # type: ignore[attr-defined]
        return err

    def stream_lines(self, resp: _Stream, *, keep_blank: bool = False) -> Iterator[bytes]:
        """Lines of a streamed answer (``request(..., stream=True)``), each at most
        :data:`MAX_LINE_BYTES`: a longer one closes the stream and is an error naming it."""
        t = self.target

        def too_long() -> kerr.ApiFailure:
            return kerr.too_large(t.server, t.context, resp.path, MAX_LINE_BYTES, line=True)

        return _lines(resp, keep_blank=keep_blank, too_long=too_long)


def _wait_for_ever(response: Any) -> None:
    """Let reads of ``response``'s body wait as long as it takes (its socket's timeout off)."""
    sock = getattr(getattr(response, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(None)


class _Stream:
    """A streamed answer (``request(..., stream=True)``): what its readers use of the
    urllib3 response, and the path it answers, for messages."""

    def __init__(self, response: HTTPResponse, path: str) -> None:
        self._response = response
        self.path = path
        self.headers: Mapping[str, str] = response.headers

    def chunks(self) -> Iterator[bytes]:
        """The body's bytes as they arrive: each chunk of a chunked body, or whatever
        one read of the socket gives (``stream(n)`` would wait for n bytes)."""
        resp = self._response
        if resp.chunked:
            yield from resp.read_chunked(decode_content=True)
            return
        if not hasattr(resp, "read1"):  # an urllib3 before 2
            yield from resp.stream(4096)
            return
        while chunk := resp.read1(65536):
            yield chunk

    def read(self, amount: int) -> bytes:
        """At most ``amount`` bytes of the body (all of them when it is shorter)."""
        return bytes(self._response.read(amount))

    def close(self) -> None:
        """Close the connection (a stream left unread never goes back to the pool)."""
        self._response.close()

    def release_conn(self) -> None:
        """Give the connection back to the pool (a stream read to its end)."""
        self._response.release_conn()


def _lines(
    resp: _Stream, *, too_long: Callable[[], Exception], keep_blank: bool = False
) -> Iterator[bytes]:
    """Lines of a streamed (usually chunked) response, as they arrive.

    Blank lines are dropped unless ``keep_blank`` (Server-Sent Events end each
    event with one). A line longer than :data:`MAX_LINE_BYTES` closes the response
    and raises ``too_long()``: one without an end would fill memory."""
    import urllib3

    limit = MAX_LINE_BYTES
    buf = bytearray()  # the line arriving; appended to in place, never copied whole

    def over() -> Exception:
        resp.close()
        return too_long()

    try:
        for chunk in resp.chunks():
            if b"\n" not in chunk:
                buf += chunk
                if len(buf) > limit:
                    raise over()
                continue
            lines = chunk.split(b"\n")
            if buf:
                buf += lines[0]
                lines[0] = bytes(buf)
            buf = bytearray(lines.pop())
            for line in lines:
                if len(line) > limit:
                    raise over()
                if keep_blank or line.strip():
                    yield line
            if len(buf) > limit:
                raise over()
        if buf.strip():
            yield bytes(buf)
    except (urllib3.exceptions.HTTPError, OSError):
        return  # the server ended the stream (or it was dropped): callers re-list and resume
    finally:
        resp.release_conn()


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.split(": ", 1)[-1][:160]


def _apply_body(body: Any) -> Any:
    """An apply body serialised here, in C, rather than walked in Python by the client.

    The client sends a str body of a YAML content type as it is; JSON is valid
    apply-patch YAML. (A JSON content type would be encoded twice.)
    """
    return json.dumps(body, separators=(",", ":")) if isinstance(body, dict) else body
