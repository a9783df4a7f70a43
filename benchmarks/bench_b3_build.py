"""B3 (build at scale): `agentctl build` and `agentctl validate` of a generated monorepo.

Generates monorepos of 10, 100 and 1,000 agents of mixed types (service,
stateful, job, workflow; tools, secrets, schedules), then runs the real CLI in
a fresh process: `agentctl build <repo> --out <dist>` (render + strict schema
validation + atomic write) and `agentctl validate <repo>` (render + every
policy check). Prints the median wall time and CPU time (user + system, and
each part) of each size, the time per agent and the growth ratio between sizes
(linear growth: 10x agents ~ 10x time). The 1,000-agent verdict is on CPU time:
wall time on a shared machine mostly measures the other work.

System time is mostly the kernel creating the 6,500 files of the 1,000-agent
build, and depends on the file system's state more than on agentctl: on an
ext4 mounted with `discard` that has just freed many inodes it has measured
0.1-5 s for the same files. `--dir` puts the monorepo and its output on
another file system (`--dir /dev/shm`, a tmpfs) to separate the two.

    python benchmarks/bench_b3_build.py [--sizes 10,100,1000] [--repeat 3] [--no-validate] [--dir DIR]
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from child_env import installed_env

TARGET_1000_S = 5.0  # build + validate of 1,000 agents
PLATFORM = {
    "apiVersion": "agentctl.dev/v1alpha1",
    "kind": "Platform",
    "namespace": "agents-{team}",
    "registries": ["ghcr.io/acme/"],
    "models": [
        {"provider": "openai", "name": "gpt-4.1-*"},
        {"provider": "anthropic", "name": "claude-sonnet-4-*"},
    ],
    "secretStores": {"vault": {"kind": "ClusterSecretStore"}},
    "egress": {
        "mode": "proxy",
        "proxy": {"service": "egress-proxy", "namespace": "platform", "port": 3128},
    },
    "requiredLabels": ["cost-center"],
}


def agent_doc(i: int) -> dict:
    """One agent of a mixed monorepo: the type cycles service, stateful, job, workflow."""
    kind = ("service", "stateful", "job", "workflow")[i % 4]
    name = f"agent-{i:04d}"
    spec: dict = {
        "type": kind,
        "image": f"ghcr.io/acme/{name}:1.{i % 7}.0",
        "model": {
            "provider": "openai",
            "name": "gpt-4.1-mini-2025-04-14",
            "apiKeySecret": "llm-key",
        },
        "secrets": [{"name": "llm-key", "store": "vault", "remoteRef": {"key": f"{name}/openai"}}],
        "tools": [
            {"name": "search", "kind": "http", "url": "https://api.search.example.com/v1"},
            {
                "name": "orders",
                "kind": "tcp",
                "host": "orders-db.data.svc.cluster.local",
                "port": 5432,
            },
        ],
        "resources": {"cpu": "250m", "memory": "512Mi"},
        "guardrails": {
            "budget": {"perRunUSD": 1, "dailyUSD": 20},
            "maxSteps": 20,
            "maxToolCalls": 40,
            "timeout": "10m",
        },
    }
    if kind in ("service", "stateful"):
        spec["port"] = 8080
        # a stateful agent's replicas would each keep their own memory: one replica
        spec["scaling"] = {"minReplicas": 1, "maxReplicas": 4 if kind == "service" else 1}
        spec["tools"].append(
            {"name": "calc", "kind": "service", "image": "ghcr.io/acme/calc:2.0.0", "port": 9000}
        )
    if kind == "stateful":
        spec["memory"] = {"size": "5Gi", "mountPath": "/data"}
    if kind == "job":
        spec["schedule"] = f"{i % 60} 6 * * *"
    if kind == "workflow":
        spec["schedule"] = "0 */6 * * *"
        spec["workflow"] = {
            "steps": [
                {"name": "plan", "args": ["plan"]},
                {
                    "name": "research",
                    "dependsOn": ["plan"],
                    "forEach": {"from": "plan", "parallelism": 5},
                    "timeout": "20m",
                },
                {"name": "write", "dependsOn": ["research"]},
            ],
            "deadline": "2h",
        }
    return {
        "apiVersion": "agentctl.dev/v1alpha1",
        "kind": "Agent",
        "metadata": {
            "name": name,
            "team": f"team-{i % 10}",
            "version": "1.0.0",
            "labels": {"cost-center": f"cc-{i % 10}"},
        },
        "spec": spec,
    }


def make_monorepo(root: Path, n: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir(exist_ok=True)
    (root / "platform.yaml").write_text(yaml.safe_dump(PLATFORM, sort_keys=False))
    for i in range(n):
        d = root / "agents" / f"agent-{i:04d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "agent.yaml").write_text(yaml.safe_dump(agent_doc(i), sort_keys=False))
    return root


def _agentctl() -> list[str]:
    exe = Path(sys.executable).with_name("agentctl")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "agentctl"]


CPU: dict[str, list[tuple[float, float]]] = {}  # command -> (user, system) CPU seconds of each run


CPU_SEEN: dict[tuple[str, int], list[tuple[float, float]]] = {}  # (command, agents) -> runs


def cpu_median(runs: list[tuple[float, float]]) -> float:
    return statistics.median(u + s for u, s in runs) if runs else 0.0


def cpu_text(runs: list[tuple[float, float]]) -> str:
    """Median CPU (user + system), and each part's median: system time is mostly the
    kernel creating files, and moves with the file system's other work."""
    total = statistics.median(u + s for u, s in runs)
    user = statistics.median(u for u, _ in runs)
    system = statistics.median(s for _, s in runs)
    return f"CPU {total:.2f} s (user {user:.2f}, sys {system:.2f})"


def timed(args: list[str], cwd: Path) -> float:
    env = installed_env()
    env.pop("AGENTCTL_CRD_DIR", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([*_agentctl(), *args], cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    CPU.setdefault(args[0], []).append((user, system))
    if proc.returncode not in (0, 1):
        raise SystemExit(
            f"agentctl {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}"
        )
    return elapsed


def phases(repo: Path, dist: Path) -> dict[str, float]:
    """CPU time of each phase of `agentctl build`, in process (where the time goes)."""
    from agentctl.bulk import paused
    from agentctl.cli.build_cmd import discover
    from agentctl.cost.estimate import estimate_agent
    from agentctl.policy.gate import enforce
    from agentctl.render.build import build_all
    from agentctl.render.output import bundle_files, write_tree
    from agentctl.spec.loader import load_agents, load_platform

    out: dict[str, float] = {}

    def lap(name: str, start: float) -> float:
        now = time.process_time()
        out[name] = now - start
        return now

    with paused():
        t = time.process_time()
        files = discover([repo / "agents"])
        platform = load_platform(repo / "platform.yaml")
        loaded, problems = load_agents(files)
        assert not problems, problems[:3]
        t = lap("load agent.yaml (spec)", t)
        bundles = build_all(loaded, platform)
        t = lap("render + schema validation", t)
        enforce("build", loaded, platform, bundles=bundles)
        t = lap("policy gate (every check)", t)
        for b in bundles:
            estimate_agent(b.loaded.agent, b.platform.platform)
        t = lap("cost estimate", t)
        trees = {b.name: bundle_files(b) for b in bundles}
        t = lap("serialise YAML", t)
        write_tree(dist, trees)
        lap("write (atomic)", t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-validate", action="store_true", help="only time build")
    parser.add_argument(
        "--phases", action="store_true", help="also break the largest build down by phase"
    )
    parser.add_argument(
        "--dir",
        default=None,
        help="where the monorepo and its output are made (default: the temporary directory)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"B3 build at scale: nproc={os.cpu_count()} python={sys.version.split()[0]} repeat={args.repeat}"
        f" dir={args.dir or tempfile.gettempdir()}"
    )
    results: dict[str, dict[int, float]] = {"build": {}, "validate": {}}
    with tempfile.TemporaryDirectory(prefix="agentctl-b3-", dir=args.dir) as tmp:
        for n in sizes:
            repo = make_monorepo(Path(tmp) / f"repo-{n}", n)
            dist = Path(tmp) / f"dist-{n}"
            builds = []
            for _ in range(args.repeat):
                shutil.rmtree(dist, ignore_errors=True)
                builds.append(timed(["build", "agents", "--out", str(dist)], repo))
            results["build"][n] = statistics.median(builds)
            objects = sum(
                1 for p in dist.rglob("*.yaml") if p.name != "kustomization.yaml" for _ in [0]
            )
            line = f"  {n:>5} agents  build {results['build'][n]:7.2f} s, {cpu_text(CPU_SEEN.setdefault(('build', n), CPU.pop('build')))}  ({results['build'][n] / n * 1000:6.1f} ms/agent, {objects} files)"
            if not args.no_validate:
                runs = [
                    timed(["validate", "agents", "-o", "json"], repo) for _ in range(args.repeat)
                ]
                results["validate"][n] = statistics.median(runs)
                line += f"  validate {results['validate'][n]:7.2f} s, {cpu_text(CPU_SEEN.setdefault(('validate', n), CPU.pop('validate')))} ({results['validate'][n] / n * 1000:6.1f} ms/agent)"
            print(line, flush=True)
        if args.phases:
            n = max(sizes)
            repo = make_monorepo(Path(tmp) / f"phases-{n}", n)
            print(
                f"  phases of one in-process build of {n} agents (CPU time; a phase includes importing what it first uses):"
            )
            for name, seconds in phases(repo, Path(tmp) / "phases-dist").items():
                print(f"    {name:<32} {seconds:7.2f} s")
    for what, by_size in results.items():
        ordered = sorted(by_size)
        for a, b in itertools.pairwise(ordered):
            ratio = by_size[b] / by_size[a]
            print(f"  {what}: {a} -> {b} agents: time x{ratio:.2f} for agents x{b / a:.0f}")
    if 1000 in results["build"]:
        total = results["build"][1000] + results["validate"].get(1000, 0.0)
        cpu = cpu_median(CPU_SEEN[("build", 1000)]) + cpu_median(
            CPU_SEEN.get(("validate", 1000), [])
        )
        verdict = "meets" if cpu <= TARGET_1000_S else "misses"
        print(
            f"  1000 agents build+validate: CPU {cpu:.2f} s (wall {total:.2f} s): {verdict} the {TARGET_1000_S:.0f} s target (CPU)"
        )


if __name__ == "__main__":
    main()
