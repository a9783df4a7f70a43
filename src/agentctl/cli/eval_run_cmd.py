"""agentctl eval run: the project's eval set through the local runtime, judged case by case."""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from agentctl.cli import cluster, common, options
from agentctl.errors import EXIT_FINDINGS
from agentctl.settings import OutputFormat

app = typer.Typer()

# --compare: a case (or the whole set) regresses when Fisher's exact test says its pass rate
# fell with p below this, given at least MIN_COMPARE_RUNS runs on each side.
SIGNIFICANCE = 0.05
MIN_COMPARE_RUNS = 10


@app.command("run")
@options.expand
def eval_run(
    path: options.PathArg = None,
    files: Annotated[list[Path] | None, typer.Option("--file", "-f", metavar="FILE", help="Eval set file(s) (default: <project>/evals/*.yaml).")] = None,
    case: Annotated[list[str] | None, typer.Option("--case", metavar="NAME", help="Only the cases with these names (repeatable).")] = None,
    repeat: Annotated[int, typer.Option("--repeat", metavar="N", min=1, max=1000, help="Runs of each case.")] = 1,
    parallel: Annotated[int, typer.Option("--parallel", metavar="N", min=1, max=32, help="Cases in flight at once (service and stateful agents).")] = 4,
    offline_model: Annotated[bool, typer.Option("--offline-model/--spec-model", help="The deterministic offline demo model (default), or the model agent.yaml names (its key from .env, as for `agentctl dev`).")] = True,
    compare: Annotated[str | None, typer.Option("--compare", metavar="VERSION", help=f"Regression gate against the last eval-set run of VERSION (one-sided Fisher exact test per case and overall, p < {SIGNIFICANCE}, at least {MIN_COMPARE_RUNS} runs a side).")] = None,
    junit: Annotated[Path | None, typer.Option("--junit", metavar="FILE", parser=options.output_path("--junit"), help="Also write a JUnit XML report to this file.")] = None,
    allow_insufficient: Annotated[bool, typer.Option("--allow-insufficient/--require-samples", help="spec.evaluation gates with fewer runs than their minSamples pass (labelled), or fail.")] = True,
    deployed: Annotated[bool, typer.Option("--deployed", help="Run the cases against the deployed agent (service or stateful) through the invoke path, one at a time; each run's trace is read from the platform's trace backend (telemetry.traces, or --source) into the store.")] = False,
    source: Annotated[str | None, typer.Option("--source", metavar="URL", help="With --deployed: the Jaeger or Tempo query URL the runs' traces are read from (jaeger or tempo alone with --port-forward), or local: the store, fed by `agentctl collector` (default: platform.yaml telemetry.traces).")] = None,
    port_forward: Annotated[str | None, typer.Option("--port-forward", metavar="svc/NAME[:PORT]", help="With --deployed: reach the in-cluster trace backend through the API server (in platform.yaml telemetry.collectorNamespace).")] = None,
    trace_wait: Annotated[str, typer.Option("--trace-wait", metavar="DURATION", help="With --deployed: how long to wait for each run's trace to reach the backend.")] = "60s",
    target: cluster.Target = cluster.Target(request_timeout="300s"),
    judge: options.RubricJudge = options.RubricJudge(),
    env: options.EnvOpt = None,
    env_file: options.EnvFileOpt = None,
    python: Annotated[str | None, typer.Option("--python", metavar="PYTHON", help="Interpreter for the project's code (default: <project>/.venv, else this one).")] = None,
    store: options.StoreOpt = None,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Run the eval set (evals/*.yaml) locally and judge every case; exit 1 when one fails.

    Each case runs --repeat times through the same runtime as `agentctl dev`
    (offline demo model by default), its trace lands in the store, and the
    report gives every case's pass rate and the four metrics with 95% Wilson
    intervals. Exit 1 when a case fails, a spec.evaluation gate fails, or
    --compare finds a regression.
    """
    from agentctl.errors import GateFailed, UsageError
    from agentctl.eval import evalset_report as rep
    from agentctl.local.evalrun import load_cases, run_cases, run_spans, save_last_run
    from agentctl.local.options import DevOptions
    from agentctl.spec.loader import load_agent

    common.set_kind("EvalRunReport")
    loaded = load_agent(path or Path.cwd(), env=env)
    cases = load_cases(loaded.project_dir, files)
    if case:
        unknown = sorted(set(case) - {c.case.name for c in cases})
        if unknown:
            raise UsageError(f"no case named {unknown[0]!r} in the eval set")
        cases = [c for c in cases if c.case.name in set(case)]
    scorer = _scorer(cases, judge)
    store_path = common.store_path(store)
    run_options = DevOptions(
        offline_model=offline_model,
        python=python,
        store_path=store_path,
        env_file=env_file,
        platform_file=common.platform_path(target.platform),
    )
    baseline = None
    if compare is not None:  # before running anything: a missing baseline is a usage error
        from agentctl.local.evalrun import load_last_run

        baseline = load_last_run(loaded.project_dir, compare)
    if junit is not None:
        common.check_output_file("--junit", junit)
    err = common.console(stderr=True)
    started = time.monotonic()
    quiet = output is not OutputFormat.text

    def progress(r: Any) -> None:
        if not quiet:
            mark = "[green]pass[/]" if r.passed else "[red]FAIL[/]"
            err.print(f"  {mark} {r.case} #{r.attempt}  {r.seconds:.1f}s")

    if not quiet:
        err.print(f"[bold]eval run[/] {loaded.name}: {len(cases)} case(s) x {repeat}")
    if deployed:
        deployed_at = _Deployed(
            target, source, port_forward, cluster.duration(trace_wait, "--trace-wait")
        )
        runs = _run_deployed(loaded, cases, repeat, deployed_at, store_path, scorer, progress)
    else:
        runs = run_cases(loaded, run_options, cases, repeat=repeat, parallel=parallel,
                         on_result=progress, rubric_judge=scorer)  # fmt: skip
    elapsed = time.monotonic() - started
    report = rep.build_report(loaded.agent, cases, runs, run_spans(store_path, runs),
                              allow_insufficient=allow_insufficient)  # fmt: skip
    if compare is not None and baseline is not None:
        report.compare = rep.compare_runs(baseline, report, compare, SIGNIFICANCE, MIN_COMPARE_RUNS)
    data = report.to_dict()
    data["seconds"] = round(elapsed, 3)
    data["store"] = str(store_path)
    judged = None
    if scorer is not None:
        _record_verdicts(scorer, store_path, cases, runs)
        judged = scorer.result().to_dict()
        del judged["unfaithful"]  # rubric scores: the cases' failures say which fell short
        data["judge"] = judged
    save_last_run(loaded.project_dir, loaded.agent.metadata.version, report.record())
    if junit is not None:
        common.write_output_file("--junit", junit, rep.to_junit(report, elapsed))
    if output is not OutputFormat.text:
        common.emit("EvalRunReport", data, output, ok=report.ok)
        if not report.ok:
            raise typer.Exit(EXIT_FINDINGS)
        return
    from agentctl.views import eval as view

    view.render_eval_run(report, common.console())
    if judged is not None:
        view.render_judge(judged, common.console())
    if not report.ok:
        raise GateFailed(report.failure_summary())


def _scorer(cases: list[Any], judge: options.Judge) -> Any:
    """The rubric judge, when a case needs one; a case with a rubric and no --judge is refused
    before anything runs."""
    from agentctl.errors import UsageError

    rubrics = [c for c in cases if c.case.expect.answer.judge is not None]
    if judge.judge_model is None:
        if rubrics:
            c = rubrics[0]
            raise UsageError(
                f"{c.file}:{c.line}: case {c.case.name!r} expects a judge's score "
                "(expect.answer.judge): pass --judge MODEL",
                hint="--judge-url and --judge-key-env say where the judge is and where its key is",
            )
        return None
    from agentctl.telemetry.judge import RubricScorer

    base_url, key = judge.endpoint()
    return RubricScorer(judge.judge_model, base_url, key)


def _record_verdicts(scorer: Any, store_path: Path, cases: list[Any], runs: list[Any]) -> None:
    """The judge's scores, on the runs' traces in the store."""
    from agentctl.telemetry.store import TraceStore

    rubric = {c.case.name: c.case.expect.answer.judge for c in cases}
    verdicts = [
        (r.trace_ids[0], r.case, r.judge_score, rubric[r.case].min_score, r.judge_reason)
        for r in runs
        if r.judge_score is not None and r.trace_ids and rubric.get(r.case) is not None
    ]
    if verdicts and store_path.exists():
        with TraceStore(store_path) as store:
            scorer.record(store, verdicts)


@dataclass
class _Deployed:
    """--deployed: the cluster the agent runs in and where its traces are read."""

    cluster: cluster.Target
    source: str | None
    port_forward: str | None
    trace_wait: float


def _trace_source(loaded: Any, target: _Deployed, store: Any, stack: ExitStack) -> Any:
    """Where the deployed runs' traces are read: --source (through --port-forward), else
    platform.yaml telemetry.traces (local: the store itself, which `agentctl collector` feeds)."""
    from agentctl.errors import UsageError
    from agentctl.spec.loader import load_platform
    from agentctl.telemetry.sources import LocalSource, remote_source

    pf = target.cluster.platform_file()
    telemetry = load_platform(Path(pf) if pf else None, loaded.project_dir).platform.telemetry
    url, kind = target.source, None
    if url in ("jaeger", "tempo"):
        url, kind = None, target.source
    elif url is None and telemetry.traces.source != "local":
        kind = telemetry.traces.source
        url = str(telemetry.traces.url) if telemetry.traces.url is not None else None
    if target.port_forward:
        from agentctl.deploy.portforward import DEFAULT_PORTS, PortForward, parse_target

        if kind is None:
            raise UsageError(
                "--port-forward needs the backend kind: add --source jaeger or --source tempo"
            )
        fwd = PortForward(
            parse_target(target.port_forward),
            telemetry.collector_namespace,
            default_port=DEFAULT_PORTS[kind],
            connect_options=cluster.connect_options(
                target.cluster.kubeconfig, target.cluster.context
            ),
        )
        url = fwd.start()
        stack.callback(fwd.stop)
    if url == "local" or (url is None and kind is None):
        return LocalSource(store)
    if url is None:
        raise UsageError(
            f"the traces are in {kind} but no URL is known",
            hint="give --source URL, --port-forward svc/NAME, or set telemetry.traces.url",
        )
    return remote_source(url, kind)


def _wait_for_trace(source: Any, trace_id: str, wait: float) -> list[Any]:
    """The run's spans once its agent span has reached the backend; [] after ``wait`` seconds."""
    from agentctl.spans import OP_INVOKE_AGENT

    deadline = time.monotonic() + wait
    while True:
        spans = list(source.trace(trace_id))
        if any(s.operation == OP_INVOKE_AGENT for s in spans) or time.monotonic() >= deadline:
            return spans if any(s.operation == OP_INVOKE_AGENT for s in spans) else []
        time.sleep(0.25)


def _observe(client: Any, found: Any, task: str, source: Any, store: Any, wait: float) -> Any:
    """One run of the deployed agent: its answer (`agentctl invoke`'s path) and its trace."""
    from agentctl.deploy import invoke as deploy_invoke
    from agentctl.errors import WaitError
    from agentctl.eval.cases import RunObservation

    started = time.monotonic()
    try:
        res = deploy_invoke.invoke(client, found, task)
    except WaitError as err:  # the agent answered but did not run the task
        return RunObservation(False, None, [], time.monotonic() - started, err.message)
    if res.trace_id is None:
        reason = "the agent's answer names no trace id"
        return RunObservation(False, res.output, [], time.monotonic() - started, reason)
    spans = _wait_for_trace(source, res.trace_id, wait)
    store.insert(spans)  # a run read from the store itself is not stored twice
    reason = (
        "" if spans else f"trace {res.trace_id} did not reach {source.description} within {wait:g}s"
    )
    return RunObservation(bool(spans), res.output, spans, time.monotonic() - started, reason)


def _run_deployed(
    loaded: Any,
    cases: list[Any],
    repeat: int,
    target: _Deployed,
    store_path: Path,
    scorer: Any,
    progress: Any,
) -> list[Any]:
    """Each case ``repeat`` times against the deployed agent, through `agentctl invoke`'s path;
    each run's trace copied into the store and judged like a local run."""
    from agentctl.errors import Problem, SpecError, UsageError
    from agentctl.eval.cases import judge
    from agentctl.spec.models import AgentType
    from agentctl.telemetry.store import TraceStore

    agent = loaded.agent
    if agent.spec.type not in (AgentType.service, AgentType.stateful):
        raise UsageError(
            f"--deployed runs cases against a service or stateful agent; {agent.metadata.name} is "
            f"{agent.spec.type.value}",
            hint="run the eval set locally (without --deployed), or start runs with `agentctl run`",
        )
    for c in cases:
        if c.case.params:
            message = (
                f"case {c.case.name!r}: params are for job and workflow agents; give the input"
            )
            raise SpecError([Problem(c.file, c.line, 1, "cases.params", message)])
    results = []
    with (
        ExitStack() as stack,
        TraceStore(store_path) as store,
        target.cluster.connect() as client,
    ):
        source = _trace_source(loaded, target, store, stack)
        found = target.cluster.find_agent(client, agent.metadata.name, loaded.project_dir)
        for c in cases:
            for attempt in range(1, repeat + 1):
                obs = _observe(client, found, c.case.input, source, store, target.trace_wait)
                result = judge(c.case, obs, attempt, scorer)
                progress(result)
                results.append(result)
    return results
