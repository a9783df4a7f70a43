"""agentctl eval: quality metrics from traces, agent.yaml gates and version comparisons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from agentctl.cli import common, options
from agentctl.errors import EXIT_FINDINGS
from agentctl.settings import OutputFormat

app = typer.Typer()

# `eval` is a group whose bare form is the command below: `agentctl eval PATH...` reads
# traces; `agentctl eval run ...` runs the eval set (agentctl.cli.eval_run_cmd).
SUBCOMMANDS = {"run": "agentctl.cli.eval_run_cmd"}
_SUB = "agentctl.eval.subcommand"


class EvalCommand(TyperCommand):
    """The bare ``eval`` command, which hands ``eval run ...`` to its subcommand."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(SUBCOMMANDS)

    def get_command(self, ctx: Any, name: str) -> Any:
        import importlib

        module = SUBCOMMANDS.get(name)
        if module is None:
            return None
        from agentctl.cli.app import evaluated, prepare

        sub = importlib.import_module(module).app
        sub._add_completion = False
        command = prepare(typer.main.get_command(evaluated(sub)))
        command.name = name
        return command

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] in SUBCOMMANDS:
            ctx.meta[_SUB] = (args[0], list(args[1:]))
            ctx.args = []
            return []
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        chosen = ctx.meta.pop(_SUB, None)
        if chosen is None:
            return super().invoke(ctx)
        name, rest = chosen
        command = self.get_command(ctx, name)
        with command.make_context(f"{ctx.info_name} {name}", rest, parent=ctx.parent) as sub_ctx:
            return command.invoke(sub_ctx)


@app.command("eval", cls=EvalCommand)
@options.expand
def eval_(
    paths: options.AgentPathsArg = None,
    store: options.StoreOpt = None,
    source: Annotated[str | None, typer.Option("--source", help="A Jaeger or Tempo URL (jaeger+http://..., tempo+http://... or probed) instead of the store.")] = None,
    agent: options.AgentFilterOpt = None,
    since: options.SinceOpt = "7d",
    until: options.UntilOpt = None,
    version: Annotated[str | None, typer.Option("--version", help="Gate this agent version (default: metadata.version of the spec).")] = None,
    compare: Annotated[tuple[str, str] | None, typer.Option("--compare", metavar="VERSION_A VERSION_B", help="Metrics and cost per run of two versions side by side.")] = None,
    declared_tools: Annotated[bool, typer.Option("--declared-tools/--no-declared-tools", help="Tool-use accuracy requires calls to name a tool the agent.yaml in scope declares (spec.tools, or one a declared service tool serves); off: every successful call counts.")] = True,
    allow_insufficient: Annotated[bool, typer.Option("--allow-insufficient", help="Let gates with too few samples pass (reported as such).")] = False,
    groundedness: Annotated[bool, typer.Option("--groundedness/--no-groundedness", help="Check the answers of stored runs that captured their content and carry no groundedness verdict yet (the runtime's own check, offline), and store the verdict on the run: it counts in the hallucination rate.")] = True,
    judge: options.FaithfulnessJudge = options.FaithfulnessJudge(),
    judge_limit: Annotated[int, typer.Option("--judge-limit", metavar="N", min=1, max=10000, help="At most this many runs judged per call.")] = 50,
    limit: Annotated[int, typer.Option("--limit", min=1, max=options.MAX_LISTED, help="With --source: how many recent traces to read.")] = 500,
    env: options.EnvEachOpt = None,
    credentials: options.SourceCredentials = options.NO_CREDENTIALS,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Task success, tool-use accuracy, guardrail adherence and hallucination rate, with gates.

    `agentctl eval run` runs the project's eval set instead (see `agentctl eval run --help`).
    """
    from agentctl.cli.inputs import load_agents, load_platform_for, window
    from agentctl.errors import GateFailed, UsageError
    from agentctl.eval.gates import check_gates
    from agentctl.eval.metrics import apply_limits, compute_metrics, facts_from_spans
    from agentctl.usecases import evaluate

    common.set_kind("EvalReport")
    since_ns, until_ns = window(since, until)
    if store is not None and source is not None:
        raise UsageError("--store and --source do not go together")
    loaded = load_agents(paths, env)
    agents = [a.agent for a in loaded]
    if agent is not None:
        agents = [a for a in agents if a.metadata.name == agent]
    grounded = (
        _ground(store, since_ns, until_ns, agent) if groundedness and source is None else None
    )
    judged = None
    if judge.judge_model is not None:
        if source is not None:
            raise UsageError("--judge reads the local store: it does not go with --source")
        judged = _judge(store, judge.judge_model, judge, since_ns, until_ns, agent, judge_limit)
    auth = credentials.auth()
    spans, described = _spans(store, source, since_ns, until_ns, agent, limit, auth)
    declared = (
        {a.metadata.name: {t.name for t in a.spec.tools} for a in agents}
        if declared_tools
        else None
    )
    facts = facts_from_spans(spans)
    platform = load_platform_for(None, loaded, need_model=False) if agents else None
    limits, described_limits = evaluate.guardrail_limits(agents, platform)
    local = common.store_path(store) if source is None else None
    spend = evaluate.run_spend(limits, local, spans, since_ns, until_ns, len(facts.runs))
    apply_limits(facts, limits, spend)
    metrics = compute_metrics(facts, declared)
    if agent is not None:
        metrics = [m for m in metrics if m.agent == agent]
    gates = check_gates(metrics, agents, allow_insufficient=allow_insufficient, version=version)
    comparison = None
    if compare:
        costs_from = store if source is None else None
        comparison = _compare(metrics, loaded, agent, compare, costs_from, since_ns, until_ns)
    data: dict[str, Any] = {
        "window": {"since": _iso(since_ns), "until": _iso(until_ns)},
        "source": described,
        "agents": [m.to_dict() for m in metrics],
        "guardrailLimits": described_limits,
        **gates.to_dict(),
    }
    if comparison is not None:
        data["compare"] = comparison
    if grounded is not None:
        data["groundedness"] = grounded
    if judged is not None:
        data["judge"] = judged
    if output is not OutputFormat.text:
        common.emit("EvalReport", data, output, ok=gates.ok)
        if not gates.ok:
            raise typer.Exit(EXIT_FINDINGS)
        return
    from agentctl.views import eval as view

    out = common.console()
    out.print(f"[bold]Evaluation[/] {_iso(since_ns)} .. {_iso(until_ns)}  [dim]{described}[/]")
    if local is not None and not local.exists():  # said as `trace` and `cost` say it
        out.print("note: nothing recorded yet: run `agentctl dev` or `agentctl collector` first")
    view.render_metrics(metrics, out)
    if comparison is not None:
        view.render_compare(comparison, out)
    if judged is not None:
        view.render_judge(judged, out)
    view.render_gates(gates, out)
    if not gates.ok:
        failed = gates.failures
        raise GateFailed(
            f"{len(failed)} of {len(gates.results)} quality gates failed: {failed[0].describe()}"
        )


def _iso(ns: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ns / 1e9, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spans(store: Path | None, source: str | None, since_ns: int, until_ns: int, agent: str | None,
           limit: int, auth: Any = None) -> tuple[list[Any], str]:  # fmt: skip

    if source is not None:
        from agentctl.telemetry.sources import Query, remote_source

        src = remote_source(source, auth=auth)
        summaries = src.recent_traces(Query(limit=limit, agent=agent, since_ns=since_ns))
        spans: list[Any] = []
        for s in summaries:
            if s.start_unix_nano < until_ns:
                spans.extend(src.trace(s.trace_id))
        return spans, f"{src.description} ({len(summaries)} recent traces)"
    from agentctl.telemetry.aggregates import eval_spans
    from agentctl.telemetry.store import TraceStore

    path = common.existing_store(store)
    if path is None:
        return [], f"no trace store yet at {common.store_path(store)}"
    with TraceStore(path) as st:
        return list(
            eval_spans(st.connection, since_ns=since_ns, until_ns=until_ns, agent=agent)
        ), f"store {path}"


def _ground(
    store: Path | None, since_ns: int, until_ns: int, agent: str | None
) -> dict[str, int] | None:
    """Check and record the groundedness of stored runs that captured their content."""
    from agentctl.telemetry.grounding import ground_runs
    from agentctl.telemetry.store import TraceStore

    path = common.store_path(store)
    if not path.exists():
        return None
    with TraceStore(path) as st:
        return ground_runs(st, since_ns=since_ns, until_ns=until_ns, agent=agent).to_dict()


def _judge(store: Path | None, model: str, judge: options.Judge, since_ns: int, until_ns: int,
           agent: str | None, limit: int) -> dict[str, Any]:  # fmt: skip
    """Have ``model`` judge the faithfulness of stored runs, at the judge's endpoint."""
    from agentctl.errors import TelemetryError
    from agentctl.telemetry.judge import judge_runs
    from agentctl.telemetry.store import TraceStore

    path = common.store_path(store)
    if not path.exists():
        raise TelemetryError(f"{path}: no trace store there", hint="check --store")
    url, key = judge.endpoint()
    with TraceStore(path) as st:
        result = judge_runs(st, model=model, base_url=url, key=key, since_ns=since_ns,
                            until_ns=until_ns, agent=agent, limit=limit)  # fmt: skip
    data = result.to_dict()
    data["keyFrom"] = judge.judge_key_env if key else None
    return data


def _compare(
    metrics: list[Any],
    loaded: list[Any],
    agent: str | None,
    versions: tuple[str, str],
    store: Path | None,
    since_ns: int,
    until_ns: int,
) -> dict[str, Any]:
    from agentctl.errors import UsageError
    from agentctl.eval.gates import compare_versions

    names = {m.agent for m in metrics}
    name = agent or (loaded[0].name if len(loaded) == 1 else None)
    name = name or (next(iter(names)) if len(names) == 1 else None)
    if name is None:
        raise UsageError("--compare needs one agent: add --agent NAME")
    costs = _costs(store, name, loaded, since_ns, until_ns)
    return compare_versions(metrics, name, versions[0], versions[1], costs)


def _costs(
    store: Path | None, agent: str, loaded: list[Any], since_ns: int, until_ns: int
) -> dict[str, Any]:
    """Cost per run of each version of ``agent`` from the local store (none for remote sources)."""
    from agentctl.cli.inputs import load_platform_for
    from agentctl.cost.rates import RateCard
    from agentctl.eval.gates import CostPerRun
    from agentctl.telemetry.aggregates import cost_report
    from agentctl.telemetry.store import TraceStore

    path = common.store_path(store)
    if not path.exists():
        return {}
    platform = load_platform_for(None, loaded, need_model=False)
    card = RateCard.from_platform(platform.platform if platform is not None else None)
    specs = {a.name: a.agent.spec.resources for a in loaded}
    with TraceStore(path) as st:
        rep = cost_report(
            st.connection,
            since_ns=since_ns,
            until_ns=until_ns,
            agent=agent,
            card=card,
            specs=specs,
            top=0,
        )
    return {
        v.extra["version"]: CostPerRun(v.runs, v.llm_usd, v.compute_usd) for v in rep.by_version
    }
