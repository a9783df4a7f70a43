"""The HTTP side of the fake Kubernetes API: routing, discovery documents, streams.

State and semantics live in ``kube_api.FakeKube``; this module turns requests
into calls on it and answers the way the API server does (Status bodies,
chunked watch and log streams, dropped connections when asked to).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.fakes.kube_api import AGGREGATED, ApiError, LogStream, RequestRecord
from tests.fakes.kube_resources import Resource

if TYPE_CHECKING:
    from tests.fakes.kube_api import FakeKube

_VERBS = {"GET": "get", "PATCH": "patch", "POST": "create", "DELETE": "delete", "PUT": "update"}


# -- pods/portforward: a WebSocket speaking v4.channel.k8s.io, as the kubernetes client asks
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(opcode: int, data: bytes) -> bytes:
    n = len(data)
    if n < 126:
        head = struct.pack(">BB", 0x80 | opcode, n)
    elif n < 1 << 16:
        head = struct.pack(">BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack(">BBQ", 0x80 | opcode, 127, n)
    return head + data


def _read_frame(rfile: Any) -> tuple[int, bytes] | None:
    head = rfile.read(2)
    if len(head) < 2:
        return None
    opcode, n, masked = head[0] & 0x0F, head[1] & 0x7F, head[1] & 0x80
    if n == 126:
        n = struct.unpack(">H", rfile.read(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", rfile.read(8))[0]
    mask = rfile.read(4) if masked else b""
    data = rfile.read(n)
    if masked:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return opcode, data


class Handler(BaseHTTPRequestHandler):
    fake: FakeKube
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # one write per response (flushed by the server after each request)
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    # plumbing -----------------------------------------------------------

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(
        self,
        code: int,
        payload: Any,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _record(self, status: int) -> None:
        parts = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self.fake._lock:
            self.fake.requests.append(
                RequestRecord(
                    self.command, parts.path, q, status, self.headers.get("Content-Type", "")
                )
            )

    def do_GET(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake = self.fake
        with fake._lock:
            if fake.in_flight == 0:
                fake.waves += 1
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        try:
            self._handle_counted()
        finally:
            with fake._lock:
                fake.in_flight -= 1

    def _handle_counted(self) -> None:
        fake = self.fake
        body = self._body()
        if fake.latency:
            time.sleep(fake.latency)
        if fake._should_drop(self.command):
            self._record(0)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(2)
            return
        raw = next((a for a in fake.raw_answers if self.path.startswith(a[0])), None)
        if raw is not None:
            self._record(raw[1])
            self._send(raw[1], raw[3], raw[2])
            return
        try:
            self._authenticate()
            injected = fake._inject(self.command, self.path)
            if injected is not None:
                raise injected
            if "/proxy" in urlsplit(self.path).path and "/services/" in self.path:
                self._proxy(body)
                return
            code, payload, ctype = self._route(body)
        except ApiError as err:
            self._record(err.code)
            self._send(err.code, err.status(), headers=err.headers)
            return
        if code == -1:  # streamed
            return
        self._record(code)
        self._send(code, payload, ctype)

    def _proxy(self, body: bytes) -> None:
        """services/NAME[:PORT]/proxy/REST: forward to the backend registered for the Service."""
        import http.client

        parts = urlsplit(self.path)
        segs = parts.path.split("/")
        # ['', 'api', 'v1', 'namespaces', NS, 'services', NAME[:PORT], 'proxy', ...rest]
        if len(segs) < 8 or segs[1:4] != ["api", "v1", "namespaces"] or segs[7] != "proxy":
            raise ApiError(404, "NotFound", f"the server could not find {parts.path}")
        ns, name = segs[4], segs[6].split(":")[0]
        fake = self.fake
        with fake._lock:
            if fake.get("Service", ns, name) is None:
                raise ApiError(404, "NotFound", f'services "{name}" not found')
            backend = fake.service_backends.get((ns, name))
        if backend is None:
            raise ApiError(
                503, "ServiceUnavailable", f'no endpoints available for service "{name}"'
            )
        target = urlsplit(backend)
        rest = "/" + "/".join(segs[8:]) + (f"?{parts.query}" if parts.query else "")
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        try:
            headers = {
                k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")
            }
            conn.request(self.command, rest, body=body or None, headers=headers)
            resp = conn.getresponse()
            self._record(resp.status)
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() in ("content-type", "content-length", "cache-control"):
                    self.send_header(k, v)
            # like the API server's proxy: a body of unknown length is relayed in
            # chunks (HTTP/1.1 chunked encoding), each as soon as the backend sends it
            chunked = resp.getheader("Content-Length") is None
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
        except OSError as exc:
            conn.close()
            raise ApiError(
                503, "ServiceUnavailable", f"error trying to reach service: {exc}"
            ) from None
        try:
            while True:
                chunk = resp.read1(65536)
                if not chunk:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                self.wfile.flush()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except OSError:  # either side went away mid-answer: the status is sent, so just end
            self.close_connection = True
        finally:
            conn.close()

    def _authenticate(self) -> None:
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        if token in self.fake.expired or token not in self.fake.tokens:
            raise ApiError(401, "Unauthorized", "Unauthorized")
        self.user = self.fake.tokens[token]

    def _route(self, body: bytes) -> tuple[int, Any, str]:
        fake = self.fake
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        segs = [s for s in parts.path.split("/") if s]
        accept = self.headers.get("Accept", "")
        with fake._lock:
            if segs == ["version"]:
                major, minor = fake.git_version.lstrip("v").split(".")[:2]
                return (
                    200,
                    {
                        "major": major,
                        "minor": minor,
                        "gitVersion": fake.git_version,
                        "platform": "linux/amd64",
                    },
                    "application/json",
                )
            if segs in (["api"], ["apis"]):
                return self._discovery_root(segs[0], accept)
            if (segs[:1] == ["api"] and len(segs) == 2) or (
                segs[:1] == ["apis"] and len(segs) == 3
            ):
                return self._resource_list(segs)
            if segs == ["apis", "apiextensions.k8s.io", "v1", "customresourcedefinitions"]:
                items = fake.custom_resource_definitions()
                return (
                    200,
                    {"kind": "CustomResourceDefinitionList", "items": items},
                    "application/json",
                )
            return self._resource(segs, query, body)

    def _discovery_root(self, root: str, accept: str) -> tuple[int, Any, str]:
        fake = self.fake
        groups: dict[str, list[Resource]] = {}
        for r in fake.resources:
            if (root == "api") == (r.group == ""):
                groups.setdefault(r.group, []).append(r)
        if fake.aggregated_discovery and "apidiscovery.k8s.io" in accept:
            items = []
            for g, rs in groups.items():
                if fake.lags(g):  # a just-installed CRD group: not in aggregated discovery yet
                    continue
                versions: dict[str, list[Resource]] = {}
                for r in rs:
                    versions.setdefault(r.version, []).append(r)
                items.append(
                    {
                        "metadata": {"name": g, "creationTimestamp": None},
                        "versions": [
                            {
                                "version": v,
                                "resources": [r.discovery_v2() for r in vr],
                                "freshness": "Current",
                            }
                            for v, vr in versions.items()
                        ],
                    }
                )
            return (
                200,
                {
                    "kind": "APIGroupDiscoveryList",
                    "apiVersion": "apidiscovery.k8s.io/v2",
                    "metadata": {},
                    "items": items,
                },
                AGGREGATED,
            )
        if root == "api":
            return (
                200,
                {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
                "application/json",
            )
        out = []
        for g, rs in groups.items():
            versions = sorted({r.version for r in rs}, reverse=True)
            out.append(
                {
                    "name": g,
                    "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in versions],
                    "preferredVersion": {
                        "groupVersion": f"{g}/{versions[0]}",
                        "version": versions[0],
                    },
                }
            )
        return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": out}, "application/json"

    def _resource_list(self, segs: list[str]) -> tuple[int, Any, str]:
        group, version = ("", segs[1]) if segs[0] == "api" else (segs[1], segs[2])
        if self.fake.lags(group):  # listed, not served yet: what kube-apiserver answers then
            return 404, b"404 page not found\n", "text/plain; charset=utf-8"
        rs = [r for r in self.fake.resources if r.group == group and r.version == version]
        if not rs:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        gv = f"{group}/{version}" if group else version
        return (
            200,
            {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": gv,
                "resources": [a for r in rs for a in r.api_resource()],
            },
            "application/json",
        )

    def _parse(self, segs: list[str]) -> tuple[Resource, str | None, str | None, str | None]:
        if segs[0] == "api":
            group, version, rest = "", segs[1], segs[2:]
        else:
            group, version, rest = segs[1], segs[2], segs[3:]
        ns: str | None = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        elif len(rest) == 2 and rest[0] == "namespaces" and group == "":
            pass
        plural, name, sub = (
            rest[0],
            (rest[1] if len(rest) > 1 else None),
            (rest[2] if len(rest) > 2 else None),
        )
        for r in self.fake.resources:
            if r.group == group and r.version == version and r.plural == plural:
                return r, ns, name, sub
        raise ApiError(404, "NotFound", "the server could not find the requested resource")

    def _authorize(self, verb: str, r: Resource, ns: str | None, name: str | None) -> None:
        if r.group == "" and r.plural == "namespaces" and name:
            # kube-apiserver authorizes a request for one Namespace as one in that namespace:
            # a RoleBinding there may grant get (or patch) of the Namespace object itself
            ns = name
        limited = self.user in self.fake.rbac_users
        denied = limited and not self.fake.rbac_allows(self.user, verb, r.group, r.plural, ns)
        for dverb, plural, dns in [*self.fake.denied, *([("*", "*", None)] if denied else [])]:
            if dverb in (verb, "*") and plural in (r.plural, "*") and dns in (None, ns):
                what = f'{r.qualified} "{name}"' if name else r.qualified
                where = f' in the namespace "{ns}"' if ns else " at the cluster scope"
                raise ApiError(
                    403,
                    "Forbidden",
                    f'{what} is forbidden: User "{self.user}" cannot {verb} resource "{r.plural}" in API group "{r.group}"{where}',
                    {"name": name or "", "group": r.group, "kind": r.plural},
                )

    def _resource(
        self, segs: list[str], query: dict[str, str], body: bytes
    ) -> tuple[int, Any, str]:
        fake = self.fake
        if not segs or segs[0] not in ("api", "apis"):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        r, ns, name, sub = self._parse(segs)
        method = self.command
        watching = method == "GET" and query.get("watch") in ("1", "true")
        verb = (
            "watch" if watching else "list" if method == "GET" and name is None else _VERBS[method]
        )
        self._authorize(verb, r, ns, name)
        dry_run = query.get("dryRun") == "All"
        if method == "GET" and sub == "portforward":
            self._portforward(ns or "", name or "", int(query.get("ports", "0") or 0))
            return -1, None, ""
        if method == "GET" and sub == "log":
            return self._logs(ns or "", name or "", query)
        if method == "GET" and name is None:
            if watching:
                self._watch(r, ns, query)
                return -1, None, ""
            return 200, fake._list(r, ns, query), "application/json"
        if method == "GET":
            s = fake._store.get((r.group, r.plural, ns or "", name or ""))
            if s is None:
                raise ApiError(
                    404,
                    "NotFound",
                    f'{r.qualified} "{name}" not found',
                    {"name": name, "group": r.group, "kind": r.plural},
                )
            return 200, fake._public(s), "application/json"
        if method == "PATCH":
            ctype = self.headers.get("Content-Type", "")
            if "merge-patch+json" in ctype and not dry_run:
                patch = json.loads(body.decode() or "{}")
                manager = query.get("fieldManager") or "unknown"
                return (
                    200,
                    fake._merge_patch(r, ns or "", name or "", patch, manager),
                    ("application/json"),
                )
            if "apply-patch" not in ctype:
                raise ApiError(
                    415,
                    "UnsupportedMediaType",
                    f"the fake only speaks server-side apply, not {ctype}",
                )
            manager = query.get("fieldManager")
            if not manager:
                raise ApiError(
                    400,
                    "BadRequest",
                    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
                )
            doc = _yaml_or_json(body)
            obj, created = fake._apply(
                r,
                ns or "",
                name or "",
                doc,
                manager,
                force=query.get("force") == "true",
                dry_run=dry_run,
            )
            return (201 if created else 200), obj, "application/json"
        if method == "POST":
            doc = json.loads(body.decode() or "{}")
            if doc.get("kind") != r.kind:
                raise ApiError(400, "BadRequest", f"kind {doc.get('kind')} sent to {r.qualified}")
            return (
                201,
                fake._create(
                    r, ns or "", doc, query.get("fieldManager") or "agentctl", dry_run=dry_run
                ),
                "application/json",
            )
        if method == "DELETE":
            opts = json.loads(body.decode() or "{}") if body else {}
            propagation = query.get("propagationPolicy") or opts.get("propagationPolicy")
            return (
                200,
                fake._delete(r, ns or "", name or "", propagation, dry_run),
                "application/json",
            )
        raise ApiError(405, "MethodNotAllowed", f"{method} is not supported by the fake")

    # streaming ----------------------------------------------------------

    def _start_chunked(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True

    def _chunk(self, data: bytes) -> bool:
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
            return True
        except OSError:
            return False

    def _end_chunks(self) -> None:
        with contextlib.suppress(OSError):
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _watch(self, r: Resource, ns: str | None, query: dict[str, str]) -> None:
        fake = self.fake
        timeout = float(query.get("timeoutSeconds") or 300)
        deadline = time.monotonic() + timeout
        start = query.get("resourceVersion")
        pending: list[tuple[str, dict[str, Any]]] = []
        if not start or start == "0":
            for (g, p, ons, _), s in sorted(fake._store.items()):
                if g == r.group and p == r.plural and (ns is None or ons == ns):
                    obj = fake._public(s)
                    if fake._matches(obj, query):
                        pending.append(("ADDED", obj))
            cursor = fake._rv
        else:
            cursor = int(start)
        self._record(200)
        self._start_chunked("application/json")
        fake._lock.release()
        try:
            while True:
                for etype, obj in pending:
                    if not self._chunk(json.dumps({"type": etype, "object": obj}).encode() + b"\n"):
                        return
                pending = []
                with fake._lock:
                    while (
                        not fake._stopping
                        and time.monotonic() < deadline
                        and not any(e[0] > cursor for e in fake._events[-200:])
                    ):
                        fake._changed.wait(timeout=min(0.2, max(0.0, deadline - time.monotonic())))
                    if fake._stopping or time.monotonic() >= deadline:
                        break
                    for rv, etype, res, obj in fake._events:
                        if rv <= cursor:
                            continue
                        cursor = rv
                        same = res.group == r.group and res.plural == r.plural
                        if (
                            same
                            and (ns is None or obj["metadata"].get("namespace") == ns)
                            and fake._matches(obj, query)
                        ):
                            pending.append((etype, obj))
            self._end_chunks()
        finally:
            fake._lock.acquire()

    def _logs(self, ns: str, pod: str, query: dict[str, str]) -> tuple[int, Any, str]:
        fake = self.fake
        if ("", "pods", ns, pod) not in fake._store:
            raise ApiError(
                404, "NotFound", f'pods "{pod}" not found', {"name": pod, "kind": "pods"}
            )
        container = (
            query.get("container")
            or (fake._store[("", "pods", ns, pod)].obj["spec"]["containers"][0]["name"])
        )
        previous = query.get("previous") == "true"
        stream = fake._logs.get((ns, pod, container, previous))
        if stream is None:
            if previous:
                raise ApiError(
                    400,
                    "BadRequest",
                    f'previous terminated container "{container}" in pod "{pod}" not found',
                )
            stream = LogStream()
        lines = stream.lines
        tail = query.get("tailLines")
        if tail is not None:
            lines = lines[-int(tail) :] if int(tail) else []
        if query.get("follow") != "true":
            text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
            return 200, text.encode(), "text/plain"
        self._record(200)
        self._start_chunked("text/plain")
        sent = len(stream.lines) - len(lines)
        fake._lock.release()
        try:
            while True:
                with fake._lock:
                    new = stream.lines[sent:]
                    sent = len(stream.lines)
                    done = stream.closed or fake._stopping
                    if not new and not done:
                        fake._changed.wait(timeout=0.2)
                        continue
                for line in new:
                    if not self._chunk((line if line.endswith("\n") else line + "\n").encode()):
                        return
                if done and not new:
                    break
            self._end_chunks()
        finally:
            fake._lock.acquire()

    def _portforward(self, ns: str, pod: str, port: int) -> None:
        backend = self.fake.port_backends.get((ns, pod, port))
        key = self.headers.get("Sec-WebSocket-Key")
        if backend is None or not key:
            raise ApiError(404, "NotFound", f"pod {pod} port {port}: nothing listens there")
        self.fake.forwards.append((ns, pod, port))
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.send_header("Sec-WebSocket-Protocol", "v4.channel.k8s.io")
        self.end_headers()
        self.close_connection = True
        lock = threading.Lock()

        def send(opcode: int, data: bytes) -> None:
            with lock:
                self.wfile.write(_frame(opcode, data))
                self.wfile.flush()

        port_le = struct.pack("<H", port)
        send(2, b"\x00" + port_le)
        send(2, b"\x01" + port_le)
        if callable(backend):  # a hostile API server: it writes what it likes to the stream
            with contextlib.suppress(OSError):
                backend(self.wfile)
            return
        upstream = socket.create_connection(("127.0.0.1", backend))

        def pump() -> None:
            try:
                while data := upstream.recv(65536):
                    send(2, b"\x00" + data)
                send(8, struct.pack(">H", 1000))
            except OSError:
                pass

        pumping = threading.Thread(target=pump, daemon=True)
        pumping.start()
        try:
            while (frame := _read_frame(self.rfile)) is not None:
                opcode, data = frame
                if opcode == 8:
                    break
                if opcode == 9:
                    send(10, data)
                elif opcode == 2 and data[:1] == b"\x00" and len(data) > 1:
                    upstream.sendall(data[1:])
        finally:
            # The pump writes to this handler's wfile, which is closed once we return:
            # wake it (shutdown ends a blocked recv) and wait for it first.
            with contextlib.suppress(OSError):
                upstream.shutdown(socket.SHUT_RDWR)
            pumping.join()
            upstream.close()


def _yaml_or_json(body: bytes) -> dict[str, Any]:
    """An apply body: JSON (what clients send; it is YAML too) parsed fast, YAML otherwise."""
    try:
        doc = json.loads(body)
    except ValueError:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        doc = yaml.load(body.decode(), Loader=loader)
    return doc if isinstance(doc, dict) else {}
