"""B4, the whole command: ``agentctl deploy --no-wait`` at 50 ms RTT, against the API fake.

What the kubectl comparison (``bench_b4_deploy_kubectl.py``) measures for
agentctl, on a machine without the real control plane: the command in fresh
processes (start-up, loading, the policy gate, rendering, preflight, apply,
prune, inventory), each example agent into a namespace of its own and again
unchanged, against the test suite's Kubernetes API fake behind the loopback
proxy that delays every byte 25 ms each way. A TLS 1.3 terminator between the
proxy and the fake (which speaks plain HTTP) makes a new connection pay what it
pays with kube-apiserver: the TCP handshake, then the TLS one (``--plain``:
without TLS).

Given several source trees (``--tree DIR``, each with ``src/agentctl``), runs
them interleaved, one deploy pair of each per run, and prints the medians of
each: wall, CPU (user + system) and the engine's own ``seconds``.

    python benchmarks/bench_b4_deploy_cli.py [--runs 5] [--tree OLD --tree NEW]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import selectors
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_b4_deploy_kubectl import project, timed  # noqa: E402
from bench_b4_deploy_latency import fake_server  # noqa: E402
from child_env import installed_env  # noqa: E402
from tests.cluster.latency_proxy import LatencyProxy  # noqa: E402

AGENTS = ("currency-converter", "deep-research")


@contextlib.contextmanager
def tls_front(upstream: int, tmp: Path) -> Iterator[tuple[int, str]]:
    """(port, CA certificate as base64) of a loopback TLS 1.3 terminator in front of
    ``upstream``: one thread per connection, bytes passed on as they come."""
    key, cert = tmp / "tls.key", tmp / "tls.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)

    def serve(conn: socket.socket) -> None:
        try:
            with (
                ctx.wrap_socket(conn, server_side=True) as tls,
                socket.create_connection(("127.0.0.1", upstream)) as plain,
                selectors.DefaultSelector() as sel,
            ):
                sel.register(tls, selectors.EVENT_READ)
                sel.register(plain, selectors.EVENT_READ)
                while True:
                    for sock in (key.fileobj for key, _ in sel.select()):
                        other = plain if sock is tls else tls
                        data = sock.recv(65536)
                        if not data:
                            return
                        other.sendall(data)
                        while sock is tls and tls.pending():
                            plain.sendall(tls.recv(65536))
        except OSError:
            return

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield listener.getsockname()[1], base64.b64encode(cert.read_bytes()).decode()
    finally:
        listener.close()


def deploy(tree: Path, proj: Path, kubeconfig: Path, cache: Path) -> tuple[float, float, Any]:
    """(wall, CPU, the result's data) of one ``agentctl deploy`` from ``tree``'s sources."""
    env = installed_env(
        KUBECONFIG=str(kubeconfig), PYTHONPATH=str(tree / "src"), XDG_CACHE_HOME=str(cache)
    )
    env.pop("AGENTCTL_PLATFORM", None)
    cmd = [sys.executable, "-m", "agentctl", "deploy", str(proj), "--no-wait", "-o", "json"]
    (wall, cpu), proc = timed(cmd, env)
    return wall, cpu, json.loads(proc.stdout)["data"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one-way", type=float, default=0.025, help="seconds added each way")
    parser.add_argument("--tree", type=Path, action="append", help="a source tree (repeatable)")
    parser.add_argument("--agent", action="append", help="an example agent (repeatable)")
    parser.add_argument("--plain", action="store_true", help="plain HTTP: no TLS handshakes")
    args = parser.parse_args()
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    agents = args.agent or list(AGENTS)
    print(
        f"B4 deploy, the whole command: fake API over {'HTTP' if args.plain else 'TLS 1.3'}, "
        f"+{args.one_way * 1000:.0f} ms each way, "
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f}), "
        f"Python {sys.version.split()[0]}, median of {args.runs}",
        flush=True,
    )
    with (
        fake_server(0.0) as direct,
        tempfile.TemporaryDirectory(prefix="agentctl-b4c-") as tmp_name,
        contextlib.ExitStack() as stack,
    ):
        tmp = Path(tmp_name)
        doc = yaml.safe_load(direct.read_text())
        cluster = doc["clusters"][0]["cluster"]
        upstream = int(cluster["server"].rsplit(":", 1)[1])
        scheme = "http"
        if not args.plain:
            upstream, cluster["certificate-authority-data"] = stack.enter_context(
                tls_front(upstream, tmp)
            )
            scheme = "https"
        with LatencyProxy(upstream, args.one_way) as proxy:
            cluster["server"] = f"{scheme}://127.0.0.1:{proxy.port}"
            kubeconfig = tmp / "kubeconfig"
            kubeconfig.write_text(yaml.safe_dump(doc))
            n = 0
            for agent in agents:
                # wall, CPU, engine seconds per tree and case (first deploy, re-deploy)
                rows: dict[Path, list[list[tuple[float, float, float]]]] = {
                    t: [[], []] for t in trees
                }
                requests: dict[Path, tuple[int, int]] = {}
                for run in range(args.runs + 1):  # the first run compiles bytecode: not counted
                    for tree in trees:
                        n += 1
                        proj = project(tmp, agent, f"b4c-{agent[:12]}-{n}")
                        cache = tmp / f"cache-{n}"
                        pair = [deploy(tree, proj, kubeconfig, cache) for _ in range(2)]
                        if pair[1][2]["changed"]:
                            raise SystemExit(f"{agent}: the re-deploy changed something")
                        if run:
                            for i, (wall, cpu, data) in enumerate(pair):
                                rows[tree][i].append((wall, cpu, data["seconds"]))
                        requests[tree] = (pair[0][2]["requests"], pair[1][2]["requests"])
                print(f"  {agent}")
                for tree in trees:
                    for i, case in enumerate(("first deploy", "re-deploy, unchanged")):
                        wall, cpu, eng = (
                            statistics.median(r[k] for r in rows[tree][i]) * 1000 for k in range(3)
                        )
                        print(
                            f"    {tree}: {case}: {wall:.0f} ms (CPU {cpu:.0f} ms; the engine "
                            f"{eng:.0f} ms, {requests[tree][i]} requests)",
                            flush=True,
                        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
