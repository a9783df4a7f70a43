"""B4: deploy latency against a loopback API server that adds 50 ms to every request.

Deploys example agents with ``agentctl.deploy.engine.deploy`` (the code behind
``agentctl deploy``, in process: CLI start-up is B1's business) to the test
suite's Kubernetes API fake, whose workloads report ready at once, and
compares:

- ``concurrent``: the real thing (bounded pool of 16, one round trip per level);
- ``one-at-a-time``: the same engine with a pool of one, so every request,
  object after object, waits for the previous one.

Two cases per agent: a first deploy into an empty cluster, and a re-deploy
with nothing to change. Target (BENCHMARKS.md): wall <= (levels + 2) x RTT and
>= 3x faster than one object at a time. Prints medians of several runs.

    python benchmarks/bench_b4_deploy_latency.py [--runs 5] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.fakes.kube_fixtures import client_for  # noqa: E402

from agentctl.deploy.engine import DeployOptions, deploy  # noqa: E402
from agentctl.deploy.objects import levels  # noqa: E402
from agentctl.deploy.source import from_spec  # noqa: E402

AGENTS = ("deep-research", "research-assistant")


SERVER = """
import sys
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from tests.fakes.kube_api import FakeKube
fake = FakeKube(latency=float(sys.argv[1])).start()
fake.write_kubeconfig(Path(sys.argv[2]))
print("ready", flush=True)
sys.stdin.read()
fake.stop()
"""


@contextlib.contextmanager
def fake_server(latency: float) -> Iterator[Path]:
    """The API fake in its own process, so its CPU does not compete with the client for the GIL."""
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(latency), str(kubeconfig), str(ROOT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            yield kubeconfig
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=30)


def source(agent: str):  # type: ignore[no-untyped-def]
    return from_spec(
        ROOT / "examples" / agent, platform_file=str(ROOT / "examples" / "platform.yaml")
    )


def one_deploy(agent: str, latency: float, workers: int, *, redeploy: bool) -> tuple[float, int]:
    """(seconds, requests) of one deploy of ``agent`` to a fresh cluster (deployed once before if ``redeploy``)."""
    src = source(agent)
    with fake_server(latency) as kubeconfig:
        if redeploy:
            with client_for(kubeconfig) as client:
                deploy(client, src, DeployOptions())
        with client_for(kubeconfig, workers=workers) as client:
            t0 = time.perf_counter()
            result = deploy(client, src, DeployOptions(poll=0.01))
            seconds = time.perf_counter() - t0
    return seconds, result.requests


def rtt(latency: float) -> float:
    """Median round trip of one request to the fake with the added latency."""
    with fake_server(latency) as kubeconfig, client_for(kubeconfig) as client:
        client.version()
        samples = []
        for _ in range(7):
            t0 = time.perf_counter()
            client.version()
            samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def waves(agent: str, *, redeploy: bool) -> int:
    """Round trips on the critical path, counted at the server: requests arriving with none in flight.

    With 200 ms per request every request of a round overlaps the others, so
    the count does not depend on how busy the machine is.
    """
    from tests.fakes.kube_api import FakeKube

    src = source(agent)
    with FakeKube() as fake, tempfile.TemporaryDirectory() as tmp:
        kubeconfig = fake.write_kubeconfig(Path(tmp) / "kubeconfig")
        if redeploy:
            with client_for(kubeconfig) as client:
                deploy(client, src, DeployOptions())
        fake.latency, fake.waves = 0.2, 0
        with client_for(kubeconfig) as client:
            deploy(client, src, DeployOptions(poll=0.01))
        return fake.waves


def render_ms(agent: str) -> float:
    src = source(agent)
    src.render("v1.31.2")  # imports (hera for workflow agents) are start-up, not deploy
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        src.render("v1.31.2")
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--latency", type=float, default=0.05)
    args = ap.parse_args()
    print(
        f"B4 deploy latency: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, +{args.latency * 1000:.0f} ms per request, median of {args.runs}"
    )
    one_rtt = rtt(args.latency)
    print(f"  round trip (GET /version): {one_rtt * 1000:.1f} ms")
    worst = 0.0
    for agent in AGENTS:
        bundle = source(agent).render("v1.31.2")
        n_obj, n_levels = len(bundle.objects), len(levels(bundle.objects))
        render = render_ms(agent)
        print(
            f"  {agent}: {n_obj} objects in {n_levels} levels; rendering takes {render * 1000:.0f} ms of each deploy"
        )
        for redeploy in (False, True):
            case = "re-deploy, unchanged" if redeploy else "first deploy"
            conc = [
                one_deploy(agent, args.latency, 16, redeploy=redeploy) for _ in range(args.runs)
            ]
            seq = [one_deploy(agent, args.latency, 1, redeploy=redeploy) for _ in range(args.runs)]
            c_wall = statistics.median(s for s, _ in conc)
            s_wall = statistics.median(s for s, _ in seq)
            rounds = waves(agent, redeploy=redeploy)
            target = (n_levels + 2) * one_rtt
            ratio = s_wall / c_wall
            worst = max(worst, c_wall / target)
            print(
                f"    {case:<21} {conc[0][1]:>2} requests: concurrent {c_wall * 1000:5.0f} ms = {c_wall / one_rtt:4.1f} RTT, "
                f"{rounds} round trips (target <= {n_levels + 2}: {'met' if rounds <= n_levels + 2 else 'missed'}; "
                f"wall target {target * 1000:.0f} ms: {'met' if c_wall <= target else 'missed'}); "
                f"one at a time {s_wall * 1000:5.0f} ms; ratio {ratio:.1f}x ({'met' if ratio >= 3 else 'missed'}, target >= 3x)"
            )
    print(f"  worst concurrent / target: {worst:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
