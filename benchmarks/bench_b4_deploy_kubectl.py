"""B4 against kubectl: `agentctl deploy` vs `kubectl apply --server-side` at 50 ms RTT, real server.

Starts the cluster tests' control plane (``hack/cluster/build.sh``: kube-apiserver
v1.37.2, etcd, kwok) with the Argo Workflows and External Secrets CRDs
installed, puts ``tests/cluster/latency_proxy.py`` in front of kube-apiserver (25 ms
each way: 50 ms round trips, a TCP handshake on every new connection) and runs,
in fresh processes, for each example agent:

- ``agentctl deploy --no-wait`` (the installed entry point: start-up, the policy
  gate, rendering, preflight, apply, prune, inventory), first deploy into an
  empty namespace, then a re-deploy with nothing changed;
- ``kubectl apply --server-side`` of the same rendered objects (kubectl's
  ``--validate`` default, strict, checked by the server), into its own empty
  namespace and again unchanged, once with its discovery cache cold (a fresh
  ``--cache-dir``) and once warm (the same cache used by an earlier apply).

kubectl applies only; it neither waits nor prunes, so agentctl runs with
``--no-wait`` (it still prunes: listing members and writing its inventory are
part of the figure). Runs are interleaved so load hits every case alike;
medians are printed, and each tool's requests (kubectl ``-v=6``, agentctl's
own count) from one extra run. Skips, saying so, when kubectl or the control
plane is not built (``hack/cluster/build.sh --only kubectl``).

Given source trees (``--tree DIR``, each with ``src/agentctl``), the entry point
runs each tree's code (``PYTHONPATH``), the trees interleaved with kubectl, one
deploy pair of each per run, each compared with kubectl.

    python benchmarks/bench_b4_deploy_kubectl.py [--runs 5] [--one-way 0.025] [--tree DIR ...]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from child_env import installed_env  # noqa: E402
from tests.cluster import controllers, harness  # noqa: E402
from tests.cluster.latency_proxy import LatencyProxy  # noqa: E402
from tests.fakes.kube_resources import CRD_DIR  # noqa: E402

from agentctl.deploy.source import from_spec  # noqa: E402

AGENTS = ("deep-research", "currency-converter")
EXAMPLES = ROOT / "examples"
AGENTCTL = Path(sys.executable).parent / "agentctl"


def kubectl_path() -> Path:
    return harness.BIN_DIR / "kubectl"


def project(tmp: Path, agent: str, namespace: str) -> Path:
    """The example in its own directory, deploying to ``namespace`` (no egress proxy here)."""
    proj = tmp / namespace
    proj.mkdir()
    shutil.copy(EXAMPLES / agent / "agent.yaml", proj / "agent.yaml")
    platform = yaml.safe_load((EXAMPLES / "platform.yaml").read_text())
    platform["namespace"] = namespace
    platform.pop("egress", None)
    (proj / "platform.yaml").write_text(yaml.safe_dump(platform))
    (proj / ".git").mkdir()
    return proj


def rendered(tmp: Path, agent: str, namespace: str) -> tuple[Path, int]:
    """The objects agentctl renders for ``namespace``, as one file for ``kubectl apply -f``."""
    proj = project(tmp, agent, namespace)
    bundle = from_spec(proj, platform_file=str(proj / "platform.yaml")).render(harness.K8S_VERSION)
    path = proj / "rendered.yaml"
    path.write_text(yaml.safe_dump_all(bundle.objects, sort_keys=False))
    return path, len(bundle.objects)


def proxied_kubeconfig(cp: harness.ControlPlane, port: int, path: Path) -> Path:
    doc = yaml.safe_load(cp.kubeconfig.read_text())
    doc["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{port}"
    path.write_text(yaml.safe_dump(doc))
    return path


Run = tuple[float, float]  # (wall seconds, CPU seconds of the process: user + system)


def timed(cmd: list[str], env: dict[str, str]) -> tuple[Run, subprocess.CompletedProcess[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return (seconds, cpu), proc


class Runner:
    def __init__(self, kubeconfig: Path, tmp: Path) -> None:
        self.kubeconfig, self.tmp = kubeconfig, tmp
        self.env = installed_env(KUBECONFIG=str(kubeconfig))
        self.env.pop("AGENTCTL_PLATFORM", None)
        self.warm_cache = tmp / "kubectl-cache-warm"
        self.n = 0

    def name(self, agent: str, tool: str) -> str:
        self.n += 1
        return f"b4-{tool}-{agent[:12]}-{self.n}"

    def kubectl(self, file: Path, cache: Path, *extra: str) -> tuple[Run, str]:
        cmd = [str(kubectl_path()), "apply", "--server-side", "-f", str(file)]
        cmd += ["--cache-dir", str(cache), "--kubeconfig", str(self.kubeconfig), *extra]
        run, proc = timed(cmd, self.env)
        return run, proc.stderr

    def kubectl_pair(self, agent: str, *, warm: bool) -> tuple[Run, Run]:
        """(first, re-deploy) of kubectl apply into a fresh namespace."""
        file, _ = rendered(self.tmp, agent, self.name(agent, "k"))
        runs = []
        for _ in range(2):
            cache = self.warm_cache
            if not warm:
                cache = Path(tempfile.mkdtemp(dir=self.tmp, prefix="kubectl-cache-"))
            runs.append(self.kubectl(file, cache)[0])
            if not warm:
                shutil.rmtree(cache)
        return runs[0], runs[1]

    def agentctl(self, proj: Path, tree: Path | None = None) -> tuple[Run, dict[str, Any]]:
        cmd = [str(AGENTCTL), "deploy", str(proj), "--no-wait", "-o", "json"]
        cmd += ["--kubeconfig", str(self.kubeconfig)]
        env = self.env if tree is None else {**self.env, "PYTHONPATH": str(tree / "src")}
        run, proc = timed(cmd, env)
        return run, json.loads(proc.stdout)["data"]

    def agentctl_pair(
        self, agent: str, tree: Path | None = None
    ) -> tuple[tuple[Run, Run], tuple[dict[str, Any], ...]]:
        proj = project(self.tmp, agent, self.name(agent, "a"))
        first, d1 = self.agentctl(proj, tree)
        again, d2 = self.agentctl(proj, tree)
        if d2["changed"]:
            raise SystemExit(f"{agent}: the re-deploy changed something: {d2['counts']}")
        return (first, again), (d1, d2)

    def kubectl_requests(self, agent: str, *, warm: bool) -> tuple[int, int]:
        """Requests kubectl makes (first, re-deploy), from its -v=6 log (with a warm cache the
        OpenAPI documents it validates against come from the cache: logged, not sent)."""
        file, _ = rendered(self.tmp, agent, self.name(agent, "k"))
        cache = self.warm_cache
        counts = []
        for _ in range(2):
            if not warm:
                cache = Path(tempfile.mkdtemp(dir=self.tmp, prefix="kubectl-cache-"))
            _, log = self.kubectl(file, cache, "-v=6")
            counts.append(len(re.findall(r'verb="[A-Z]+" url="https://', log)))
        return counts[0], counts[1]


def round_trip(cp: harness.ControlPlane, port: int) -> float:
    """Median time of GET /version on one open connection through the proxy."""
    pki = cp.root / "pki"
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    samples = []
    try:
        for _ in range(8):
            t0 = time.perf_counter()
            conn.request("GET", "/version")
            conn.getresponse().read()
            samples.append(time.perf_counter() - t0)
    finally:
        conn.close()
    return statistics.median(samples[1:])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--one-way", type=float, default=0.025, help="seconds added each way")
    ap.add_argument("--tree", type=Path, action="append", help="a source tree (repeatable)")
    args = ap.parse_args()
    trees: list[Path | None] = [t.resolve() for t in args.tree] if args.tree else [None]
    if not harness.built() or not os.access(kubectl_path(), os.X_OK):
        print(
            f"B4 vs kubectl: skipped, the control plane or kubectl is not built in "
            f"{harness.BIN_DIR} (run hack/cluster/build.sh --only kubectl, after a full build)"
        )
        return 0
    if not AGENTCTL.exists():
        print(f"B4 vs kubectl: skipped, no agentctl entry point beside {sys.executable}")
        return 0
    print(
        f"B4 vs kubectl: Kubernetes {harness.K8S_VERSION}, +{args.one_way * 1000:.0f} ms each way, "
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f}), "
        f"Python {sys.version.split()[0]}, median of {args.runs}",
        flush=True,
    )
    with (
        harness.ControlPlane(nodes=1) as cp,
        tempfile.TemporaryDirectory(prefix="agentctl-b4k-") as tmp_name,
    ):
        for crds in ("argo-workflows", "external-secrets"):
            controllers.ensure_crds(
                cp, controllers.crd_docs(sorted((CRD_DIR / crds).glob("*.yaml")))
            )
        tmp = Path(tmp_name)
        with LatencyProxy(cp.api_port, args.one_way) as proxy:
            kubeconfig = proxied_kubeconfig(cp, proxy.port, tmp / "kubeconfig")
            print(
                f"  round trip through the proxy (GET /version): {round_trip(cp, proxy.port) * 1000:.1f} ms"
            )
            runner = Runner(kubeconfig, tmp)
            worst = 0.0
            for agent in AGENTS:
                file, n_obj = rendered(tmp, agent, runner.name(agent, "warmup"))
                runner.kubectl(file, runner.warm_cache)  # fills the warm cache
                for tree in trees:  # bytecode
                    runner.agentctl(project(tmp, agent, runner.name(agent, "warmup")), tree)
                rows: dict[str, list[tuple[Run, Run]]] = {"cold": [], "warm": []}
                engine: dict[Path | None, list[tuple[float, float]]] = {t: [] for t in trees}
                a_req: dict[Path | None, tuple[int, int]] = {}
                for _ in range(args.runs):
                    rows["cold"].append(runner.kubectl_pair(agent, warm=False))
                    rows["warm"].append(runner.kubectl_pair(agent, warm=True))
                    for tree in trees:
                        runs, data = runner.agentctl_pair(agent, tree)
                        rows.setdefault(str(tree), []).append(runs)
                        engine[tree].append((data[0]["seconds"], data[1]["seconds"]))
                        a_req[tree] = (data[0]["requests"], data[1]["requests"])
                k_req = {
                    "cold": runner.kubectl_requests(agent, warm=False),
                    "warm": runner.kubectl_requests(agent, warm=True),
                }
                print(f"  {agent}: {n_obj} objects")
                for i, case in enumerate(("first deploy", "re-deploy, unchanged")):
                    wall = {k: statistics.median(r[i][0] for r in v) for k, v in rows.items()}
                    cpu = {k: statistics.median(r[i][1] for r in v) for k, v in rows.items()}
                    print(f"    {case}:")
                    for cache in ("cold", "warm"):
                        print(
                            f"      kubectl, {cache} cache: {wall[cache] * 1000:.0f} ms "
                            f"(CPU {cpu[cache] * 1000:.0f} ms, {k_req[cache][i]} requests)"
                        )
                    for tree in trees:
                        a = str(tree)
                        eng = statistics.median(e[i] for e in engine[tree])
                        ratios = {c: wall[a] / wall[c] for c in ("cold", "warm")}
                        if tree == trees[-1]:
                            worst = max(worst, ratios["warm"])
                        print(
                            f"      agentctl{'' if tree is None else f' ({tree})'}: "
                            f"{wall[a] * 1000:.0f} ms (CPU {cpu[a] * 1000:.0f} ms; the engine "
                            f"{eng * 1000:.0f} ms, {a_req[tree][i]} requests); / kubectl warm "
                            f"{ratios['warm']:.2f}x "
                            f"({'met' if ratios['warm'] <= 0.8 else 'not met'}, target <= 0.8x), "
                            f"cold {ratios['cold']:.2f}x"
                        )
            print(f"  worst agentctl (the last tree) / kubectl (warm cache): {worst:.2f}x; "
                  f"connections through the proxy: {proxy.connections}; "
                  f"load average at the end {os.getloadavg()[0]:.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
