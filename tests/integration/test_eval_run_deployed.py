"""agentctl eval run --deployed: the eval set against the deployed agent, through invoke's path.

As in test_invoke.py, the fake API server's services/proxy forwards to the
scaffold's real runtime on 127.0.0.1 (offline demo model). The runtime exports
its spans as a deployed agent does, to a collector: here agentctl's own
receiver writing the local store (platform telemetry.traces.source: local), or
a Jaeger query API (``--source``) the spans are read back from.
"""

from __future__ import annotations

import base64
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import run_cli
from tests.conftest import EXAMPLES
from tests.fakes.agent_process import start_agent
from tests.fakes.kube_fixtures import running_fake
from tests.fakes.ports import refused_port
from tests.fakes.trace_backends import FakeJaeger

from agentctl.telemetry.receiver import OtlpReceiver
from agentctl.telemetry.store import TraceStore

pytestmark = [pytest.mark.slow, pytest.mark.agent_runtime]


class _OtlpToJaeger(BaseHTTPRequestHandler):
    """An OTLP/HTTP protobuf endpoint that hands every export to a Jaeger fake as OTLP/JSON."""

    jaeger: FakeJaeger

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        from google.protobuf.json_format import MessageToDict
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        body = self.rfile.read(int(self.headers["Content-Length"]))
        doc = MessageToDict(ExportTraceServiceRequest.FromString(body), use_integers_for_enums=True)
        for rs in doc.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for sp in ss.get("spans", []):
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if sp.get(key):
                            sp[key] = base64.b64decode(sp[key]).hex()
        self.jaeger.add(doc)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def deployed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The tool-service scaffold deployed to the fake; its Service routed to the real runtime,
    which exports to the endpoint the test sets in ``ctx["otlp"]`` before starting it."""
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("AGENTCTL_CRD_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with running_fake(tmp_path, monkeypatch) as kube:
        assert (
            run_cli("init", "currency-converter", "-t", "tool-service", "--no-input").exit_code == 0
        )
        project = tmp_path / "currency-converter"
        shutil.copy(EXAMPLES / "platform.yaml", project / "platform.yaml")
        (project / ".git").mkdir()
        assert run_cli("deploy", str(project), "--no-wait").exit_code == 0
        ctx: dict[str, Any] = {"kube": kube, "project": project, "procs": []}

        def start(otlp: str) -> None:
            (svc,) = [
                s for s in kube.list("Service") if s["metadata"]["name"] == "currency-converter"
            ]
            proc, port = start_agent(
                project,
                "currency_converter",
                tmp_path,
                AGENT_CAPTURE_CONTENT="true",  # the platform allows it: tool arguments are checked
                OTEL_EXPORTER_OTLP_ENDPOINT=otlp,
                OTEL_BSP_SCHEDULE_DELAY="100",
            )
            ctx["procs"].append(proc)
            ns = svc["metadata"]["namespace"]
            kube.service_backends[(ns, "currency-converter")] = f"http://127.0.0.1:{port}"

        ctx["start"] = start
        try:
            yield ctx
        finally:
            for proc in ctx["procs"]:
                proc.terminate()
                proc.wait(timeout=20)


def test_the_eval_set_runs_against_the_deployed_agent_with_traces_from_the_collector(
    deployed: dict[str, Any], tmp_path: Path
) -> None:
    store = tmp_path / "traces.db"
    project = deployed["project"]
    with TraceStore(store) as ts, OtlpReceiver(ts, port=0) as collector:
        deployed["start"](collector.url)
        local = ["--source", "local", "--trace-wait", "20s"]
        result = run_cli("eval", "run", str(project), "--deployed", "--store", str(store),
                         "-o", "json", *local)  # fmt: skip
        (project / "evals" / "wrong.yaml").write_text(
            "cases:\n  - name: wrong-tool\n    input: convert 5 USD to EUR\n"
            "    expect: {tools: [list_currencies]}\n"
        )
        wrong = run_cli("eval", "run", str(project), "--deployed", "--store", str(store),
                        "--case", "wrong-tool", *local)  # fmt: skip
    assert result.exit_code == 0, result.stderr[-3000:] + result.stdout[-3000:]
    data = json.loads(result.stdout)["data"]
    assert data["ok"] and data["failedCases"] == [] and len(data["cases"]) >= 2
    proxied = [r for r in deployed["kube"].requests if "/proxy/invoke" in r.path]
    assert len(proxied) == len(data["cases"]) + 1  # every run went through the service proxy
    assert data["metrics"]["task_success_rate"]["samples"] == len(data["cases"])
    with TraceStore(store) as ts:
        for c in data["cases"]:
            (run,) = c["results"]
            assert run["tools"] and run["traceIds"]
            assert any(s.operation == "invoke_agent" for s in ts.trace(run["traceIds"][0]))
    assert wrong.exit_code == 1
    assert "wrong-tool" in wrong.stderr + wrong.stdout


def test_traces_are_read_from_the_platform_backend_into_the_store(
    deployed: dict[str, Any], tmp_path: Path
) -> None:
    store = tmp_path / "traces.db"
    with FakeJaeger() as jaeger:
        handler = type("H", (_OtlpToJaeger,), {"jaeger": jaeger})
        otlp = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(
            target=otlp.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        try:
            deployed["start"](f"http://127.0.0.1:{otlp.server_address[1]}")
            result = run_cli("eval", "run", str(deployed["project"]), "--deployed", "--store", str(store),
                             "--source", f"jaeger+{jaeger.url}", "--case", "converts-usd-to-eur",
                             "-o", "json", "--trace-wait", "20s")  # fmt: skip
            # the backend in the cluster, reached through the API server as `trace` reaches it
            kube = deployed["kube"]
            ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "observability"}}
            kube.apply_as(ns, "test")
            svc = {"apiVersion": "v1", "kind": "Service",
                   "metadata": {"name": "jaeger", "namespace": "observability"},
                   "spec": {"selector": {"app": "jaeger"},
                            "ports": [{"name": "http", "port": 16686, "targetPort": 16686}]}}  # fmt: skip
            kube.apply_as(svc, "test")
            kube.add_pod("observability", "jaeger-0", {"app": "jaeger"})
            kube.forward_port("observability", "jaeger-0", 16686, int(jaeger.url.rsplit(":", 1)[1]))
            forwarded = run_cli("eval", "run", str(deployed["project"]), "--deployed", "--store",
                                str(store), "--source", "jaeger", "--port-forward", "svc/jaeger",
                                "--case", "lists-currencies", "--trace-wait", "20s")  # fmt: skip
        finally:
            otlp.shutdown()
            otlp.server_close()
    assert result.exit_code == 0, result.stderr[-3000:] + result.stdout[-3000:]
    (case,) = json.loads(result.stdout)["data"]["cases"]
    trace_id = case["results"][0]["traceIds"][0]
    assert any(path == f"/api/v3/traces/{trace_id}" for path, _ in jaeger.requests)
    with TraceStore(store) as ts:  # copied into the store, where the report read it
        assert {s.operation for s in ts.trace(trace_id)} >= {"invoke_agent", "execute_tool"}
    assert forwarded.exit_code == 0, forwarded.stderr[-3000:] + forwarded.stdout[-3000:]
    assert set(deployed["kube"].forwards) == {("observability", "jaeger-0", 16686)}
    assert [t.name for t in threading.enumerate() if t.name.startswith("port-forward")] == []


def test_deployed_refuses_a_job_agent_and_a_missing_trace_is_a_failed_run(
    deployed: dict[str, Any], tmp_path: Path
) -> None:
    store = tmp_path / "traces.db"
    with refused_port() as port:
        deployed["start"](f"http://127.0.0.1:{port}")  # the spans go nowhere
        lost = run_cli("eval", "run", str(deployed["project"]), "--deployed", "--store", str(store),
                   "--case", "lists-currencies", "--source", "local", "--trace-wait", "1s",
                   "-o", "json")  # fmt: skip
    assert lost.exit_code == 1
    (case,) = json.loads(lost.stdout)["data"]["cases"]
    assert "did not reach store" in case["results"][0]["failures"][0]
    job = tmp_path / "job"
    assert (
        run_cli("init", "job", "-t", "batch-job", "--no-input", "-d", str(tmp_path)).exit_code == 0
    )
    refused = run_cli("eval", "run", str(job), "--deployed", "--store", str(store))
    assert refused.exit_code == 2
    assert "--deployed runs cases against a service or stateful agent; job is job" in refused.stderr
