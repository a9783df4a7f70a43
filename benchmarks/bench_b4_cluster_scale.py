"""B4 at scale: a real kube-apiserver with 100 simulated nodes (kwok), a workflow agent's fan-out
of 50 sub-agent pods, and 200 agents deployed into one cluster.

Runs on the cluster tests' control plane (``tests/cluster/harness.py``; binaries from
``hack/cluster/build.sh``): etcd, kube-apiserver, controller manager, scheduler and kwok, all on
127.0.0.1. Skips (exit 0, saying why) when the binaries are not built.

- fan-out: deep-research's rendered WorkflowTemplate fans its ``research`` step out over the
  planner's subtopics. Without the Argo Workflows controller, the benchmark creates what the
  controller would, one pod per item with the step's container, labels and security context
  (all at once: the template's ``parallelism`` is the controller's to enforce), and measures
  until all are scheduled and Running on the simulated nodes. (kwok's stages complete only
  pods a Job owns, so these stay Running.)
- 200 agents: 200 copies of the currency-converter example (each its own name: 2 replicas,
  Service, ServiceAccount, NetworkPolicies, PDB, HPA, inventory), deployed one after another
  with ``agentctl.deploy.engine.deploy`` (the code behind ``agentctl deploy``) with
  ``--no-wait``, then waited for together, then re-deployed unchanged.

For each phase: wall time, the client's requests, the API server's own count of requests
(``apiserver_request_total`` from /metrics, every client included: controllers, scheduler, kwok),
CPU seconds of kube-apiserver and etcd, and the API server's resident memory.

    python benchmarks/bench_b4_cluster_scale.py [--nodes 100] [--agents 200] [--fanout 50]
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.cluster import harness  # noqa: E402
from tests.fakes.kube_fixtures import client_for  # noqa: E402

from agentctl.deploy.discovery import well_known  # noqa: E402
from agentctl.deploy.engine import DeployOptions, deploy  # noqa: E402
from agentctl.deploy.source import from_spec  # noqa: E402
from agentctl.deploy.status import status  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
REQUEST = re.compile(r"^apiserver_request_total\{([^}]*)\} (\S+)$", re.M)


def apiserver_requests(cp: harness.ControlPlane) -> Counter[str]:
    """apiserver_request_total summed by verb (every client's requests, as the server counts)."""
    text = cp.get("/metrics").decode()
    out: Counter[str] = Counter()
    for labels, value in REQUEST.findall(text):
        verb = re.search(r'verb="([^"]*)"', labels)
        out[verb.group(1) if verb else "?"] += int(float(value))
    return out


def cpu_seconds(cp: harness.ControlPlane, name: str) -> float:
    fields = Path(f"/proc/{cp.procs[name].pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mib(cp: harness.ControlPlane, name: str) -> float:
    for line in Path(f"/proc/{cp.procs[name].pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Phase:
    """Wall time, server-side requests by verb and control-plane CPU across a block."""

    def __init__(self, cp: harness.ControlPlane, name: str) -> None:
        self.cp, self.name = cp, name

    def __enter__(self) -> Phase:
        self.requests0 = apiserver_requests(self.cp)
        self.cpu0 = {n: cpu_seconds(self.cp, n) for n in ("kube-apiserver", "etcd")}
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        after = apiserver_requests(self.cp)
        self.requests = after - self.requests0
        self.cpu = {n: cpu_seconds(self.cp, n) - c for n, c in self.cpu0.items()}
        self.rss = rss_mib(self.cp, "kube-apiserver")

    def report(self, extra: str = "") -> None:
        verbs = ", ".join(f"{v} {n}" for v, n in self.requests.most_common(6))
        print(
            f"  {self.name}: {self.wall:.1f} s wall; API server counted "
            f"{sum(self.requests.values())} requests ({verbs}); CPU kube-apiserver "
            f"{self.cpu['kube-apiserver']:.1f} s, etcd {self.cpu['etcd']:.1f} s; "
            f"kube-apiserver RSS {self.rss:.0f} MiB{extra}",
            flush=True,
        )


def wait_pods(client: Any, ns: str, selector: str, count: int, phases: set[str]) -> float:
    pod = well_known("", "Pod")
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 900:
        pods, _ = client.list(pod, ns, labels=selector)
        done = [p for p in pods if (p.get("status") or {}).get("phase") in phases]
        if len(done) >= count:
            return time.perf_counter() - t0
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {count} pods ({selector}) to be {phases}")


def fanout_pods(ns: str, width: int) -> list[dict[str, Any]]:
    """The pods Argo's controller would create for deep-research's ``research`` fan-out."""
    src = from_spec(ROOT / "examples" / "deep-research", platform_file=None)
    bundle = src.render("v1.37.2")
    wft = next(o for o in bundle.objects if o["kind"] == "WorkflowTemplate")
    step = next(t for t in wft["spec"]["templates"] if t.get("name") == "step-research")
    spec = wft["spec"]
    labels = {
        **((spec.get("podMetadata") or {}).get("labels") or {}),
        "workflows.argoproj.io/workflow": "deep-research-scale",
        "agentctl.dev/bench": "fanout",
    }
    container = copy.deepcopy(step["container"])
    container["name"] = "main"
    # the scratch volume only: the run's Secret and memory claim are not part of this test
    container["volumeMounts"] = [
        m for m in container.get("volumeMounts") or [] if m["name"] == "tmp"
    ]
    volumes = [v for v in spec.get("volumes") or [] if v["name"] == "tmp"]
    pods = []
    for i in range(width):
        pods.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"deep-research-scale-research-{i}",
                    "namespace": ns,
                    "labels": labels,
                    "annotations": {
                        "workflows.argoproj.io/node-name": f"deep-research-scale.research({i})"
                    },
                },
                "spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": False,
                    "securityContext": spec.get("securityContext") or {},
                    "containers": [container],
                    "volumes": volumes,
                },
            }
        )
    return pods


def agent_projects(tmp: Path, ns: str, count: int) -> list[Path]:
    template = (ROOT / "examples" / "currency-converter" / "agent.yaml").read_text()
    platform = f"apiVersion: agentctl.dev/v1alpha1\nkind: Platform\nnamespace: {ns}\n"
    out = []
    for i in range(count):
        proj = tmp / f"agent-{i:03d}"
        proj.mkdir()
        name = f"converter-{i:03d}"
        (proj / "agent.yaml").write_text(
            template.replace("name: currency-converter", f"name: {name}")
        )
        (proj / "platform.yaml").write_text(platform)
        (proj / ".git").mkdir()
        out.append(proj)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--fanout", type=int, default=50)
    args = ap.parse_args()
    if not harness.built():
        print(f"B4 at scale: skipped, no control plane built in {harness.BIN_DIR} "
              "(run hack/cluster/build.sh)")  # fmt: skip
        return 0
    load = os.getloadavg()[0]
    print(
        f"B4 at scale: Kubernetes {harness.K8S_VERSION}, {args.nodes} kwok nodes, "
        f"{os.cpu_count()} CPUs (load average {load:.1f}), Python {sys.version.split()[0]}",
        flush=True,
    )
    t0 = time.perf_counter()
    with harness.ControlPlane(nodes=args.nodes) as cp, tempfile.TemporaryDirectory() as tmp:
        print(f"  control plane with {args.nodes} Ready nodes: {time.perf_counter() - t0:.1f} s")
        with client_for(cp.kubeconfig, retry=None) as client:
            ns_res, pod = well_known("", "Namespace"), well_known("", "Pod")
            # fan-out
            client.apply(ns_res, {"apiVersion": "v1", "kind": "Namespace",
                                  "metadata": {"name": "fanout"}})  # fmt: skip
            pods = fanout_pods("fanout", args.fanout)
            with Phase(cp, f"fan-out of {args.fanout} sub-agent pods") as ph:
                before = client.request_count
                client.map(lambda p: client.create(pod, "fanout", p), pods)
                created = time.perf_counter() - ph.t0
                running = wait_pods(client, "fanout", "agentctl.dev/bench=fanout", args.fanout,
                                    {"Running", "Succeeded"})  # fmt: skip
                sent = client.request_count - before
            nodes = {p["spec"].get("nodeName") for p in client.list(pod, "fanout")[0]}
            ph.report(
                f"; created in {created:.1f} s, all scheduled and Running "
                f"{running + created:.1f} s after the first create, on {len(nodes)} nodes "
                f"(client sent {sent} requests, creates and polls)"
            )
            # 200 agents
            projects = agent_projects(Path(tmp), "fleet", args.agents)
            sources = [from_spec(p) for p in projects]
            with Phase(cp, f"deploy {args.agents} agents (--no-wait, one after another)") as ph:
                per, requests, objects = [], 0, 0
                for src in sources:
                    r = deploy(client, src, DeployOptions(wait=False))
                    per.append(r.seconds)
                    requests += r.requests
                    objects += len(r.objects)
            ph.report(
                f"; {objects} objects, client sent {requests} requests; per agent median "
                f"{statistics.median(per) * 1000:.0f} ms, p95 "
                f"{sorted(per)[int(len(per) * 0.95) - 1] * 1000:.0f} ms"
            )
            replicas = 2 * args.agents
            with Phase(cp, f"{replicas} agent pods Running") as ph:
                wait_pods(client, "fleet", "agentctl.dev/agent", replicas, {"Running"})
            ph.report()
            with Phase(cp, f"re-deploy {args.agents} agents unchanged") as ph:
                per, requests = [], 0
                for src in sources:
                    r = deploy(client, src, DeployOptions(wait=False))
                    assert not r.changed, f"{r.agent} changed on re-deploy"
                    per.append(r.seconds)
                    requests += r.requests
            ph.report(
                f"; client sent {requests} requests; per agent median "
                f"{statistics.median(per) * 1000:.0f} ms"
            )
            with Phase(cp, "status of the whole namespace") as ph:
                agents = status(client, "fleet")
            ph.report(f"; {len(agents)} agents listed")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
