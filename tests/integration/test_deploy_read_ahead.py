"""deploy sends preflight's first reads while the policy gate runs.

The server's version and discovery go out before the spec is loaded, the
agent's inventory, namespace, default deny and live objects once it is loaded
(before the gate decides); what they meet is reported in preflight's place,
after the spec's own errors: a spec the gate refuses is reported as it always
was, at once, whatever the cluster does, and a cluster error is reported as it
always was when the spec is fine.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cli.helpers import Result, run_cli
from tests.fakes.kube_api import DEFAULT_TOKEN, FakeKube
from tests.fakes.kube_fixtures import project
from tests.fakes.ports import refused_port

import agentctl
from agentctl.cli import cluster
from agentctl.deploy import preflight

AHEAD = {"/version", "/api", "/apis"}
# the first round's reads of the test project's agent (research-assistant in agents-search)
NS = "/api/v1/namespaces/agents-search"
AGENT_READS = {
    "inventory": f"{NS}/configmaps/agentctl-inventory-research-assistant",
    "namespace": NS,
    "deny": "/apis/networking.k8s.io/v1/namespaces/agents-search/networkpolicies/"
    "agentctl-namespace-default-deny",
    "statefulset": "/apis/apps/v1/namespaces/agents-search/statefulsets/research-assistant",
    "claim": f"{NS}/persistentvolumeclaims/research-assistant-memory",
}


def write_kubeconfig(path: Path, server: str) -> Path:
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": {"token": DEFAULT_TOKEN}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


class Blackhole:
    """A loopback server that takes connections (the kernel completes the handshakes)
    and never answers, nor closes them, until the block ends."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def waiting(self) -> int:
        """Connections made to it so far (taken off the backlog, still unanswered)."""
        self.sock.setblocking(False)
        taken = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return taken
            self._held.append(conn)
            taken += 1

    def __enter__(self) -> Blackhole:
        self._held: list[socket.socket] = []
        return self

    def __exit__(self, *exc: object) -> None:
        for conn in self._held:
            conn.close()
        self.sock.close()


@pytest.fixture
def refused_by_gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    proj = project(tmp_path)
    agent = proj / "agent.yaml"
    text = agent.read_text()
    agent.write_text(text.replace("ghcr.io/acme/research-assistant:1.4.2", "docker.io/x/y:latest"))
    monkeypatch.chdir(proj)
    return proj


@pytest.fixture
def invalid_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    proj = project(tmp_path)
    with (proj / "agent.yaml").open("a") as fh:
        fh.write("name: [\n")
    monkeypatch.chdir(proj)
    return proj


@pytest.fixture
def without_read_ahead(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Switch the reads ahead off: the command then connects after the gate, as it used to."""

    def off() -> None:
        monkeypatch.setattr(cluster.Target, "connect_ahead", lambda self: None)

    return off


def same(a: Result, b: Result) -> None:
    assert (a.exit_code, a.stdout, a.stderr) == (b.exit_code, b.stdout, b.stderr)


# -- (1) a spec error comes first, at once, whatever the cluster does ---------------------------


@pytest.mark.parametrize("spec", ["refused_by_gate", "invalid_spec"])
def test_a_spec_error_is_reported_as_without_a_cluster_while_the_cluster_never_answers(
    spec: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    request.getfixturevalue(spec)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-such-kubeconfig"))
    alone = run_cli("deploy")
    assert alone.exit_code in (1, 2) and "Traceback" not in alone.stderr
    with Blackhole() as hole:
        monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kc", hole.url)))
        # the command returns while the server still holds every connection unanswered
        res = run_cli("deploy", "--request-timeout", "10m")
        assert hole.waiting() > 0  # the reads went out
    same(res, alone)


def test_a_spec_error_ends_the_process_without_waiting_for_the_reads(
    refused_by_gate: Path, tmp_path: Path
) -> None:
    """In a fresh interpreter, as installed: nothing joins the threads that wait on the
    server at exit (the reads would wait ten minutes for an answer here)."""
    with Blackhole() as hole:
        env = {
            **os.environ,
            "NO_COLOR": "1",
            "PYTHONPATH": str(Path(agentctl.__file__).parents[1]),  # this tree, from any cwd
            "KUBECONFIG": str(write_kubeconfig(tmp_path / "kc", hole.url)),
        }
        proc = subprocess.run(
            [sys.executable, "-m", "agentctl", "deploy", "--request-timeout", "10m"],
            cwd=refused_by_gate,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert hole.waiting() > 0
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: deploy refused: 1 policy finding(s) block it")
    assert "IMG-002" in proc.stderr and "Traceback" not in proc.stderr


def test_a_bad_request_timeout_is_still_reported_after_the_spec(
    refused_by_gate: Path, kube: FakeKube
) -> None:
    res = run_cli("deploy", "--request-timeout", "soon")
    assert res.exit_code == 1 and "IMG-002" in res.stderr
    assert kube.api_requests() == []  # nothing to send with: no reads ahead either


# -- (2) a cluster error is reported as it was, a slow cluster deployed as it was --------------


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    p = project(tmp_path)
    monkeypatch.chdir(p)
    return p


Fault = Callable[[FakeKube], None]
FAULTS: dict[str, Fault] = {
    "expired credentials": lambda kube: kube.expired.add(DEFAULT_TOKEN),
    "no Kubernetes API there": lambda kube: kube.answer_raw(200, b"<html>hello</html>"),
    "discovery forbidden": lambda kube: kube.answer_raw(
        403, b'{"kind":"Status","reason":"Forbidden","code":403}', path_prefix="/apis"
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("latency", [0.0, 0.3])
def test_a_cluster_error_met_ahead_is_reported_as_before(
    fault: str,
    latency: float,
    proj: Path,
    kube: FakeKube,
    without_read_ahead: Callable[[], None],
) -> None:
    FAULTS[fault](kube)
    kube.latency = latency  # 0.3: the reads are still out when the gate has passed
    ahead = run_cli("deploy")
    assert ahead.exit_code == 3 and "Traceback" not in ahead.stderr
    assert {r.path for r in kube.api_requests("GET")} >= AHEAD
    without_read_ahead()
    same(run_cli("deploy"), ahead)


def test_an_unreachable_cluster_is_reported_as_before(
    proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, without_read_ahead: Any
) -> None:
    with refused_port() as port:
        kc = write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("KUBECONFIG", str(kc))
        ahead = run_cli("deploy")
        without_read_ahead()
        before = run_cli("deploy")
    assert ahead.exit_code == 3
    assert f"cannot reach the cluster at http://127.0.0.1:{port} (context x)" in ahead.stderr
    same(ahead, before)


def test_a_slow_cluster_is_deployed_with_every_request_counted(proj: Path, kube: FakeKube) -> None:
    kube.latency = 0.3  # the reads ahead are answered after the gate has passed
    res = run_cli("deploy", "--no-wait", "-o", "json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)["data"]
    assert data["counts"]["failed"] == 0
    assert data["counts"]["created"] == data["planned"] == len(data["objects"])
    assert data["requests"] == len(kube.api_requests())  # the reads ahead are the deploy's
    again = json.loads(run_cli("deploy", "--no-wait", "-o", "json").stdout)["data"]
    assert not again["changed"]


def retries(stderr: str) -> list[str]:
    return [
        re.sub(r" in [0-9.]+s$", "", ln.strip()) for ln in stderr.splitlines() if ": retry " in ln
    ]


@pytest.mark.parametrize("read_ahead", [True, False])
def test_a_retry_of_a_read_sent_ahead_is_told_as_before(
    read_ahead: bool, proj: Path, kube: FakeKube, without_read_ahead: Callable[[], None]
) -> None:
    """Retried while the gate runs, when nothing may be printed: told once the deploy starts."""
    if not read_ahead:
        without_read_ahead()
    kube.fail_next(503, 1, path_contains="/version", retry_after=None)
    res = run_cli("deploy", "--no-wait")
    assert res.exit_code == 0, res.stderr
    assert retries(res.stderr) == [
        "the API server failed version (503 ServiceUnavailable): "
        "the server is currently unable to handle the request: retry 1"
    ]


# -- (3) the reads go out before the gate has decided -------------------------------------------


@pytest.fixture
def gate_watch(monkeypatch: pytest.MonkeyPatch, kube: FakeKube) -> dict[str, set[str]]:
    """The gate, kept from returning (for up to a minute) until the server has the reads
    ahead; ``decided``: the paths the server had received when the gate returned."""
    from agentctl.policy import gate

    seen: dict[str, set[str]] = {}
    real = gate.enforce

    def paths() -> set[str]:
        return {r.path for r in kube.api_requests()}

    def enforce(*args: Any, **kw: Any) -> Any:
        report = real(*args, **kw)
        for _ in range(600):
            if paths() >= AHEAD | set(AGENT_READS.values()):
                break
            time.sleep(0.1)
        seen["decided"] = paths()
        return report

    monkeypatch.setattr(gate, "enforce", enforce)
    return seen


def test_the_first_rounds_reads_arrive_before_the_gate_decides(
    proj: Path, kube: FakeKube, gate_watch: dict[str, set[str]]
) -> None:
    res = run_cli("deploy", "--no-wait")
    assert res.exit_code == 0, res.stderr
    # the server's version and discovery, and the agent's inventory, namespace, default deny
    # and live objects, before the gate passed it; nothing else, all of them reads
    assert gate_watch["decided"] == AHEAD | set(AGENT_READS.values())
    first = kube.api_requests()[: len(gate_watch["decided"])]
    assert all(r.method == "GET" for r in first)


@pytest.fixture
def agent_reads_sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(agent, namespace) of every call sending the agent's reads ahead."""
    calls: list[tuple[str, str]] = []
    real = preflight.read_agent_ahead

    def spy(client: Any, agent: str, namespace: str) -> None:
        calls.append((agent, namespace))
        real(client, agent, namespace)

    monkeypatch.setattr(preflight, "read_agent_ahead", spy)
    return calls


def test_a_redeploy_from_the_render_cache_reads_ahead_too_and_every_read_once(
    proj: Path,
    kube: FakeKube,
    monkeypatch: pytest.MonkeyPatch,
    agent_reads_sent: list[tuple[str, str]],
) -> None:
    """The second deploy of unchanged input skips the gate (the render cache): the agent's
    reads go out as soon as the cache names it. Either way each read is sent once."""
    from agentctl.policy import gate

    def no_gate(*args: Any, **kw: Any) -> Any:
        raise AssertionError("the gate ran on a render cache hit")

    for n in (1, 2):
        before = len(kube.api_requests())
        res = run_cli("deploy", "--no-wait", "-o", "json")
        assert res.exit_code == 0, res.stderr
        assert res.stderr.splitlines() == ["  plan: 19 objects in 4 steps, Kubernetes v1.31.2"]
        assert agent_reads_sent == [("research-assistant", "agents-search")] * n
        sent = [r.path for r in kube.api_requests()[before:] if r.method == "GET"]
        for path in AHEAD | set(AGENT_READS.values()):
            assert sent.count(path) == 1, path
        assert json.loads(res.stdout)["data"]["requests"] == len(kube.api_requests()) - before
        monkeypatch.setattr(gate, "enforce", no_gate)  # the second comes from the cache


# -- (4) the agent's reads: the gate's answer first, preflight's as before ----------------------


def without_a_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """``agentctl deploy`` with no kubeconfig to read: what the spec alone gives."""
    with monkeypatch.context() as m:
        m.setenv("KUBECONFIG", str(tmp_path / "no-such-kubeconfig"))
        return run_cli("deploy")


def test_a_gate_refusal_comes_first_when_the_agents_reads_fail(
    refused_by_gate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kube: FakeKube
) -> None:
    alone = without_a_cluster(tmp_path, monkeypatch)
    assert alone.exit_code == 1 and "IMG-002" in alone.stderr
    for prefix in ("/api/v1/namespaces/", "/apis/"):  # every read of the agent: forbidden
        kube.answer_raw(
            403, b'{"kind":"Status","reason":"Forbidden","code":403}', path_prefix=prefix
        )
    res = run_cli("deploy")
    same(res, alone)
    for _ in range(100):  # they went out (the command does not wait for them)
        answered = [r for r in kube.api_requests() if r.path in AGENT_READS.values()]
        if len(answered) == len(AGENT_READS):
            break
        time.sleep(0.1)
    assert {r.path for r in answered} == set(AGENT_READS.values())
    assert {r.status for r in answered} == {403}


def test_a_gate_refusal_comes_first_while_the_agents_reads_hang(
    refused_by_gate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kube: FakeKube
) -> None:
    import threading

    alone = without_a_cluster(tmp_path, monkeypatch)
    release, started = threading.Event(), threading.Semaphore(0)
    real = preflight.read

    def hanging(client: Any, agent: str, namespace: str, task: tuple[str, str]) -> Any:
        if task not in preflight.AHEAD:
            started.release()
            release.wait(60)
        return real(client, agent, namespace, task)

    monkeypatch.setattr(preflight, "read", hanging)
    try:
        res = run_cli("deploy")
        for _ in AGENT_READS:  # every read of the agent was sent, none has an answer
            assert started.acquire(timeout=10)
    finally:
        release.set()
    same(res, alone)


def fail_once(kube: FakeKube, monkeypatch: pytest.MonkeyPatch, path: str, code: int) -> None:
    """The next GET of exactly ``path`` answered ``code`` (a Status the server would send)."""
    from tests.fakes.kube_store import ApiError

    armed = [True]
    real = kube._inject

    def inject(method: str, at: str) -> Any:
        if armed[0] and method == "GET" and at.split("?")[0] == path:
            armed[0] = False
            reason = {403: "Forbidden", 404: "NotFound"}[code]
            return ApiError(code, reason, f"{reason.lower()} by the test")
        return real(method, at)

    monkeypatch.setattr(kube, "_inject", inject)


@pytest.mark.parametrize("code", [403, 404])
@pytest.mark.parametrize("read", sorted(AGENT_READS))
def test_a_403_or_404_on_an_agent_read_is_reported_as_before(
    read: str,
    code: int,
    proj: Path,
    kube: FakeKube,
    monkeypatch: pytest.MonkeyPatch,
    without_read_ahead: Callable[[], None],
) -> None:
    """On a deployed agent (so a 404 says something): a server dry run, read ahead and not."""
    assert run_cli("deploy", "--no-wait").exit_code == 0
    outcomes = []
    for ahead in (True, False):
        if not ahead:
            without_read_ahead()
        fail_once(kube, monkeypatch, AGENT_READS[read], code)
        res = run_cli("deploy", "--no-wait", "--dry-run", "server")
        assert "Traceback" not in res.stderr
        outcomes.append(
            Result(res.exit_code, re.sub(r" in [0-9.]+s ", " in Xs ", res.stdout), res.stderr)
        )
    same(*outcomes)


def test_only_the_first_agent_of_a_build_output_is_read_ahead(
    tmp_path: Path, kube: FakeKube, agent_reads_sent: list[tuple[str, str]]
) -> None:
    """Two agents in one namespace: the second one's reads wait for its turn, after the
    first one's deploy created the namespace they share."""
    dist = tmp_path / "dist"
    for example in ("deep-research", "research-assistant"):
        proj = project(tmp_path, example)
        built = run_cli("build", str(proj), "--out", str(dist), "--kube-version", "1.31")
        assert built.exit_code == 0, built.stderr
    res = run_cli("deploy", "--from", str(dist), "--no-wait", "-o", "json")
    assert res.exit_code == 0, res.stderr
    agents = [a["agent"] for a in json.loads(res.stdout)["data"]["agents"]]
    assert agent_reads_sent == [(agents[0], "agents-search")]
    namespace_reads = [r.status for r in kube.api_requests("GET") if r.path == NS]
    assert namespace_reads == [404, 200]  # the second agent's, once the first created it
