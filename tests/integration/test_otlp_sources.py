"""`agentctl trace` against Jaeger and Tempo fakes answering in their documented formats."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from tests.cli.helpers import run_cli
from tests.fakes import otlp_payloads as P
from tests.fakes.kube_api import FakeKube
from tests.fakes.kube_fixtures import tempo_service
from tests.fakes.ports import refused_port
from tests.fakes.trace_backends import FakeJaeger, FakeTempo

HTTP_PORT = {"name": "http", "port": 3200, "targetPort": 3200}


def runs() -> list[list[dict]]:
    now = time.time_ns()
    return [
        P.agent_run(agent="weather-bot", start=now - 300 * 10**9),
        P.agent_run(agent="weather-bot", conversation="c-9", error=True, start=now - 200 * 10**9),
        P.agent_run(agent="news-bot", start=now - 100 * 10**9),
    ]


def load(backend, traces: list[list[dict]]) -> None:
    for run in traces:
        agent = run[0]["attrs"]["gen_ai.agent.name"]
        backend.add(P.json_doc(run, {"service.name": agent}))


@pytest.fixture
def jaeger() -> Iterator[tuple[FakeJaeger, list[list[dict]]]]:
    with FakeJaeger() as fake:
        traces = runs()
        load(fake, traces)
        yield fake, traces


@pytest.fixture
def tempo() -> Iterator[tuple[FakeTempo, list[list[dict]]]]:
    with FakeTempo() as fake:
        traces = runs()
        load(fake, traces)
        yield fake, traces


def ids(result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [t["traceId"] for t in json.loads(result.stdout)["data"]["traces"]]


def hexid(run: list[dict]) -> str:
    return run[0]["trace_id"].hex()


def test_jaeger_list_queries_every_service(jaeger) -> None:
    fake, traces = jaeger
    got = ids(run_cli("trace", "--source", f"jaeger+{fake.url}", "-o", "json"))
    assert got == [hexid(traces[2]), hexid(traces[1]), hexid(traces[0])]
    searched = {q["query.service_name"] for p, q in fake.requests if p == "/api/v3/traces"}
    assert searched == {"weather-bot", "news-bot"}
    data = json.loads(run_cli("trace", "--source", f"jaeger+{fake.url}", "-o", "json").stdout)[
        "data"
    ]
    row = data["traces"][1]
    assert (row["llmCalls"], row["toolCalls"], row["status"], row["tokens"]["input"]) == (
        2,
        1,
        "error",
        250,
    )
    assert data["source"] == f"Jaeger {fake.url}"


def test_jaeger_filters_and_trace_by_id(jaeger) -> None:
    fake, traces = jaeger
    assert ids(
        run_cli("trace", "--source", f"jaeger+{fake.url}", "--agent", "news-bot", "-o", "json")
    ) == [hexid(traces[2])]
    assert ids(
        run_cli("trace", "--source", f"jaeger+{fake.url}", "--status", "error", "-o", "json")
    ) == [hexid(traces[1])]
    assert ids(
        run_cli("trace", "--source", f"jaeger+{fake.url}", "--conversation", "c-9", "-o", "json")
    ) == [hexid(traces[1])]
    res = run_cli(
        "trace", "--source", f"jaeger+{fake.url}", "--trace-id", hexid(traces[1]), "-o", "json"
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)["data"]
    assert [s["spanId"] for s in data["spans"]] == [s["span_id"].hex() for s in traces[1]]
    assert data["output"] == "It is 21C in Paris."


def test_jaeger_is_the_default_when_the_url_is_not_tempo(jaeger) -> None:
    fake, traces = jaeger
    res = run_cli("trace", "--source", fake.url, "--trace-id", hexid(traces[0]))
    assert res.exit_code == 0, res.stderr
    assert "execute_tool get_weather" in res.stdout
    assert ("/api/echo", {}) in fake.requests


def test_unknown_trace_is_a_clear_error(jaeger) -> None:
    fake, _ = jaeger
    res = run_cli("trace", "--source", f"jaeger+{fake.url}", "--trace-id", "ab" * 16)
    assert res.exit_code == 2
    assert f"trace {'ab' * 16} not found in Jaeger {fake.url}" in res.stderr


def test_tempo_is_recognised_and_searched_with_traceql(tempo) -> None:
    fake, traces = tempo
    got = ids(run_cli("trace", "--source", fake.url, "-o", "json"))
    assert got == [hexid(traces[2]), hexid(traces[1]), hexid(traces[0])]
    got = ids(
        run_cli(
            "trace",
            "--source",
            fake.url,
            "--status",
            "error",
            "--agent",
            "weather-bot",
            "-o",
            "json",
        )
    )
    assert got == [hexid(traces[1])]
    q = [q["q"] for p, q in fake.requests if p == "/api/search"][-1]
    assert 'resource.service.name = "weather-bot"' in q and "{ status = error }" in q


def test_tempo_trace_by_id_with_upper_case_ids(tempo) -> None:
    fake, traces = tempo
    res = run_cli(
        "trace",
        "--source",
        f"tempo+{fake.url}",
        "--trace-id",
        hexid(traces[1]).upper(),
        "-o",
        "json",
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)["data"]
    assert data["trace"]["traceId"] == hexid(traces[1])
    assert {s["spanId"] for s in data["spans"]} == {s["span_id"].hex() for s in traces[1]}
    (tool,) = [s for s in data["spans"] if s["operation"] == "execute_tool"]
    assert tool["status"] == "error" and tool["errorType"] == "TimeoutError"


def test_platform_yaml_chooses_the_backend(
    tempo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, _ = tempo
    platform = tmp_path / "platform.yaml"
    platform.write_text(
        "apiVersion: agentctl.dev/v1alpha1\nkind: Platform\n"
        f"telemetry:\n  traces: {{source: tempo, url: '{fake.url}'}}\n"
    )
    monkeypatch.setenv("AGENTCTL_PLATFORM", str(platform))
    assert len(ids(run_cli("trace", "-o", "json"))) == 3
    assert any(p == "/api/search" for p, _ in fake.requests)
    local = run_cli("trace", "--source", "local", "-o", "json")  # an explicit choice wins
    assert local.exit_code == 0 and json.loads(local.stdout)["data"]["traces"] == []


def test_unreachable_backend(tmp_path: Path) -> None:
    with refused_port() as port:
        url = f"http://127.0.0.1:{port}"
        res = run_cli("trace", "--source", f"tempo+{url}")
    assert res.exit_code == 2
    assert f"{url}: cannot reach the trace backend" in res.stderr


def test_bad_source_values() -> None:
    res = run_cli("trace", "--source", "ftp://example.invalid")
    assert res.exit_code == 2 and "expected an http(s) URL" in res.stderr
    res = run_cli("trace", "--source", "tempo")
    assert res.exit_code == 2 and "--port-forward" in res.stderr
    res = run_cli("trace", "--port-forward", "svc/tempo")
    assert res.exit_code == 2 and "--source jaeger or --source tempo" in res.stderr
    res = run_cli("trace", "--source", "tempo", "--port-forward", "deployment/tempo")
    assert res.exit_code == 2 and "svc/NAME" in res.stderr


def test_port_forward_cluster_errors_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeKube() as kube:
        monkeypatch.setenv("KUBECONFIG", str(kube.write_kubeconfig(tmp_path / "kubeconfig")))
        res = run_cli(
            "trace",
            "--source",
            "tempo",
            "--port-forward",
            "svc/tempo",
            "--namespace",
            "observability",
        )
        assert res.exit_code == 3
        assert "svc/tempo in namespace observability: not found" in res.stderr
        tempo_service(kube, {"selector": {"app": "tempo"}, "ports": [HTTP_PORT]})
        res = run_cli(
            "trace",
            "--source",
            "tempo",
            "--port-forward",
            "svc/tempo",
            "--namespace",
            "observability",
        )
        assert res.exit_code == 3 and "no running pod behind it" in res.stderr
        kubeconfig = kube.kubeconfig
    assert kubeconfig is not None
    with refused_port() as port:  # the API server is gone
        doc = yaml.safe_load(kubeconfig.read_text())
        doc["clusters"][0]["cluster"]["server"] = f"http://127.0.0.1:{port}"
        kubeconfig.write_text(yaml.safe_dump(doc))
        res = run_cli("trace", "--source", "tempo", "--port-forward", "svc/tempo")
    # the deploy commands' own connection and errors: one line naming the server
    assert res.exit_code == 3
    assert "cannot reach the cluster at http://127.0.0.1:" in res.stderr
    assert "--context" in res.stderr


def test_port_forward_reads_the_current_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kubernetes package reads $KUBECONFIG once, when first imported; we must not rely on that.
    for name in ("a", "b"):
        with FakeKube() as kube:
            monkeypatch.setenv(
                "KUBECONFIG", str(kube.write_kubeconfig(tmp_path / name / "kubeconfig"))
            )
            res = run_cli(
                "trace", "--source", "tempo", "--port-forward", "svc/tempo", "--namespace", "obs"
            )
            assert res.exit_code == 3 and "svc/tempo in namespace obs: not found" in res.stderr, (
                res.stderr
            )


def test_port_forward_reaches_an_in_cluster_tempo(
    tempo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, traces = tempo
    backend_port = int(fake.url.rsplit(":", 1)[1])
    # the same Kubernetes fake as the deploy commands: services, pods and port-forward streams
    with FakeKube() as kube:
        tempo_service(kube, {"selector": {"app": "tempo"}, "ports": [HTTP_PORT]})
        kube.add_pod("observability", "tempo-0", {"app": "tempo"})
        kube.forward_port("observability", "tempo-0", 3200, backend_port)
        monkeypatch.setenv("KUBECONFIG", str(kube.write_kubeconfig(tmp_path / "kubeconfig")))
        res = run_cli("trace", "--source", "tempo", "--port-forward", "svc/tempo", "-o", "json")
        assert res.exit_code == 0, res.stderr
        assert ids(res) == [hexid(traces[2]), hexid(traces[1]), hexid(traces[0])]
        assert "port-forward svc/tempo -> http://127.0.0.1:" in res.stderr
        assert set(kube.forwards) == {("observability", "tempo-0", 3200)}
        detail = run_cli(
            "trace",
            "--source",
            "tempo",
            "--port-forward",
            "svc/tempo",
            "--trace-id",
            hexid(traces[1]),
        )
        assert detail.exit_code == 0, detail.stderr
        assert "execute_tool get_weather" in detail.stdout
        # --context and --kubeconfig are the deploy commands' own
        other = run_cli("trace", "--source", "tempo", "--port-forward", "svc/tempo",
                        "--context", "no-such-context")  # fmt: skip
        assert other.exit_code == 3 and "no-such-context" in other.stderr, other.stderr
        # the command waited for its forwarding threads: nothing of it outlives it
        assert [t.name for t in threading.enumerate() if t.name.startswith("port-forward")] == []


def test_port_forward_broken_kubeconfig_is_one_line_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "kubeconfig"
    broken.write_text("garbage: [\n")
    monkeypatch.setenv("KUBECONFIG", str(broken))
    res = run_cli("trace", "--source", "tempo", "--port-forward", "svc/tempo")
    assert res.exit_code == 3
    assert "Traceback" not in res.stderr
    assert f"kubeconfig {broken}:" in res.stderr and "not valid YAML" in res.stderr


@pytest.mark.parametrize(
    "source",
    [
        "ftp://reader:pa@ss-w0rd@example.invalid",  # a raw @ in the password
        "reader:pa@ss-w0rd@example.invalid:16686",  # no scheme
        "ftp://example.invalid/?access_token=s3cr3t-t0k3n",
    ],
)
def test_a_bad_source_value_is_shown_without_its_user_info(source: str) -> None:
    res = run_cli("trace", "--source", source)
    assert res.exit_code == 2 and "expected an http(s) URL" in res.stderr
    assert "example.invalid" in res.stderr
    assert "reader" not in res.stderr and "w0rd" not in res.stderr and "t0k3n" not in res.stderr


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("http://reader:pa@ss-w0rd@127.0.0.1:{port}", "http://127.0.0.1:{port}"),
        (
            "http://127.0.0.1:{port}/?token=s3cr3t-t0k3n",
            "http://127.0.0.1:{port}/?token=[REDACTED]",
        ),
    ],
    ids=["user info", "query token"],
)
def test_an_unreachable_backend_is_named_without_credentials(source: str, shown: str) -> None:
    with refused_port() as port:
        res = run_cli("trace", "--source", "tempo+" + source.format(port=port))
    assert res.exit_code == 2, res.stderr
    assert f"{shown.format(port=port)}: cannot reach the trace backend" in res.stderr
    assert "reader" not in res.stderr and "w0rd" not in res.stderr and "t0k3n" not in res.stderr


# User info in a --source URL is basic auth (as curl and requests read it), never shown.
PASSWORD = "p@ss-w0rd"
BASIC = "Basic " + base64.b64encode(f"reader:{PASSWORD}".encode()).decode()


def with_user_info(url: str, password: str = "p%40ss-w0rd") -> str:
    return url.replace("http://", f"http://reader:{password}@")


@pytest.fixture
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TOKEN", "USER", "PASSWORD", "ORG_ID"):
        monkeypatch.delenv(f"AGENTCTL_SOURCE_{name}", raising=False)


@pytest.mark.usefixtures("no_ambient_credentials")
@pytest.mark.parametrize("kind", ["jaeger", "tempo"])
@pytest.mark.parametrize("prefix", [True, False], ids=["kind+url", "probed"])
def test_user_info_in_the_source_url_is_sent_as_basic_auth(kind: str, prefix: bool) -> None:
    fake_type = FakeJaeger if kind == "jaeger" else FakeTempo
    with fake_type(authorization=BASIC) as fake:
        traces = runs()
        load(fake, traces)
        source = (f"{kind}+" if prefix else "") + with_user_info(fake.url) + "/"
        listed = run_cli("trace", "--source", source, "-o", "json")
        evaluated = run_cli("eval", "--source", source, "-o", "json")
        url = fake.url
    assert sorted(ids(listed)) == sorted(hexid(run) for run in traces)
    assert json.loads(listed.stdout)["data"]["source"].endswith(f" {url}")
    assert evaluated.exit_code == 0, evaluated.stderr
    assert fake.authorizations and set(fake.authorizations) == {BASIC}
    for res in (listed, evaluated):
        assert "w0rd" not in res.stdout + res.stderr and "reader" not in res.stdout


@pytest.mark.usefixtures("no_ambient_credentials")
def test_a_refused_user_info_password_is_named_without_it() -> None:
    with FakeTempo(authorization=BASIC) as fake:
        res = run_cli("trace", "--source", "tempo+" + with_user_info(fake.url, "wrong-w0rd"))
        line = f"error: {fake.url}/api/search: HTTP 401 Unauthorized"
    assert res.exit_code == 2
    assert res.stderr.splitlines()[0] == line
    assert "w0rd" not in res.stderr and "reader" not in res.stderr


@pytest.mark.usefixtures("no_ambient_credentials")
@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        (["--source-user", "other"], {}, "--source-user"),
        ([], {"AGENTCTL_SOURCE_PASSWORD": "env-w0rd"}, "--source-password"),
        (["--source-token", "t0ken-w0rd"], {}, "--source-token"),
    ],
    ids=["flag", "variable", "token"],
)
def test_user_info_and_credential_options_together_are_refused(
    monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str], named: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with FakeTempo() as fake:
        source = "tempo+" + with_user_info(fake.url)
        for command in ("trace", "eval"):
            res = run_cli(command, "--source", source, *args)
            assert res.exit_code == 2, res.stderr
            assert res.stderr.strip().splitlines() == [
                f"error: --source {fake.url}: user info in the URL and {named} "
                "(or its environment variable) both give credentials; give them one way"
            ]
            assert "w0rd" not in res.stderr
        assert fake.requests == []  # refused before anything is sent


@pytest.mark.usefixtures("no_ambient_credentials")
def test_user_info_goes_with_a_tempo_tenant() -> None:
    with FakeTempo(authorization=BASIC) as fake:
        res = run_cli(
            "trace", "--source", with_user_info(fake.url), "--source-org", "team-a", "-o", "json"
        )
    assert res.exit_code == 0, res.stderr
    assert set(fake.authorizations) == {BASIC}
