"""agentctl cost: LLM and compute spend from traces, budget checks and monthly estimates."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from agentctl.cli import common, options
from agentctl.cli.inputs import load_agents, load_platform_for, window
from agentctl.errors import EXIT_FINDINGS
from agentctl.settings import OutputFormat

app = typer.Typer()


CostFormat = StrEnum("CostFormat", "text json yaml csv")


@app.command()
def cost(
    paths: options.AgentPathsArg = None,
    store: options.StoreOpt = None,
    source: Annotated[str | None, typer.Option("--source", help="OpenCost API base URL for compute cost (default: platform telemetry.costSource; else runs x requests).")] = None,
    since: options.SinceOpt = "7d",
    until: options.UntilOpt = None,
    agent: options.AgentFilterOpt = None,
    top: Annotated[int, typer.Option("--top", min=0, max=options.MAX_LISTED, help="How many of the most expensive runs to list.")] = 10,
    budget_check: Annotated[bool, typer.Option("--budget-check", help="Compare spend with agent.yaml budgets and platform limits; exit 1 on a breach.")] = False,
    estimate: Annotated[bool, typer.Option("--estimate", help="Projected monthly cost of the agents in scope from their spec (nothing deployed).")] = False,
    env: options.EnvEachOpt = None,
    platform_file: options.PlatformOpt = None,
    output: Annotated[CostFormat, options.output_choice("text, json/yaml (envelope) or csv.")] = CostFormat.text,
) -> None:  # fmt: skip
    """Report LLM and compute spend by agent, model, team, run and day."""
    agents = load_agents(paths, env)
    if agents or budget_check or estimate:  # the spec models are needed anyway
        platform = load_platform_for(platform_file, agents, need_model=True)
        fields = _fields_of(platform)
    else:  # a report alone reads a few platform.yaml fields, without the spec models
        platform, fields = None, _read_fields(platform_file)
    if estimate:
        _estimate(agents, platform, output)
        return
    common.set_kind("BudgetCheck" if budget_check else "CostReport")
    since_ns, until_ns = window(since, until)
    cost_source = fields.cost_source if fields is not None else None
    report = _report(store, source or cost_source, since_ns, until_ns, agent, top, agents, fields)
    if budget_check:
        _budget(report, store, agents, platform, agent, output)
        return
    if output is CostFormat.csv:
        from agentctl.views.cost import to_csv

        sys.stdout.write(to_csv(report))
    elif output is not CostFormat.text:
        common.emit("CostReport", report.to_dict(), OutputFormat(output.value))
    else:
        from agentctl.views.cost import render

        render(report, common.plain_console())


def _fields_of(platform: Any) -> Any:
    """The fields a report reads, from the loaded platform."""
    from agentctl.spec.platform_fields import from_platform

    return from_platform(platform.platform, platform.path)


def _read_fields(platform_file: Path | None) -> Any:
    """The fields a report reads from the platform.yaml in use (None when there is none)."""
    from agentctl.spec.files import find_platform_file

    path = find_platform_file(common.platform_path(platform_file), Path.cwd())
    if path is None:
        return None
    from agentctl.spec.platform_fields import read_platform_fields

    return read_platform_fields(path)


def _report(store: Path | None, source: str | None, since_ns: int, until_ns: int, agent: str | None, top: int,
            agents: list[Any], fields: Any) -> Any:  # fmt: skip
    from agentctl.cost.rates import RateCard
    from agentctl.telemetry.store import TraceStore

    card = RateCard.from_compute(fields.compute) if fields is not None else RateCard()
    specs = {a.agent.metadata.name: a.agent.spec.resources for a in agents}
    allocations = None
    compute_source = "runs x requests"
    if source:
        from agentctl.telemetry.opencost import fetch_allocations

        allocations = [
            a
            for a in fetch_allocations(source, since_ns, until_ns)
            if agent is None or a.agent == agent
        ]
        compute_source = f"OpenCost {source}"
    path = common.existing_store(store)
    if path is None:
        return _empty_report(
            since_ns, until_ns, card, allocations, compute_source, common.store_path(store)
        )
    from agentctl.telemetry.aggregates import cost_report

    with TraceStore(path) as st:
        return cost_report(st.connection, since_ns=since_ns, until_ns=until_ns, agent=agent, card=card, specs=specs,
                           allocations=allocations, compute_source=compute_source, top=top)  # fmt: skip


def _empty_report(
    since_ns: int, until_ns: int, card: Any, allocations: Any, compute_source: str, path: Path
) -> Any:
    from agentctl.cost.prices import Pricer
    from agentctl.cost.report import build_report

    rep = build_report(since_ns=since_ns, until_ns=until_ns, usage_groups=[], compute_groups=[], top_runs=[],
                       pricer=Pricer(), card=card, allocations=allocations, compute_source=compute_source)  # fmt: skip
    rep.notes.append(
        f"no trace store yet at {path}: run `agentctl dev` or `agentctl collector` first"
    )
    return rep


def _budget(report: Any, store: Path | None, agents: list[Any], platform: Any, agent: str | None,
            output: CostFormat) -> None:  # fmt: skip
    from agentctl.cost.budget import budgets_for, check_budgets
    from agentctl.cost.report import UNKNOWN
    from agentctl.errors import GateFailed
    from agentctl.telemetry.store import TraceStore

    seen = [
        a.key for a in report.by_agent if a.key != UNKNOWN and (agent is None or a.key == agent)
    ]
    in_scope = [a.agent for a in agents if agent is None or a.agent.metadata.name == agent]
    budgets = budgets_for(in_scope, platform.platform, seen)
    limits = {b.agent: float(b.per_run.usd) for b in budgets if b.per_run is not None}
    runs: dict[str, Any] = {}
    counts: dict[str, int] = {}
    path = common.store_path(store)
    if path.exists() and limits:
        from agentctl.telemetry.aggregates import runs_over_budget

        with TraceStore(path) as st:
            runs, counts = runs_over_budget(st.connection, since_ns=report.since_ns, until_ns=report.until_ns,
                                            limits=limits)  # fmt: skip
    result = check_budgets(budgets, report.daily_llm_by_agent, runs, counts)
    data = {
        "window": report.to_dict()["window"],
        "priceData": report.price_data,
        **result.to_dict(),
    }
    if output in (CostFormat.json, CostFormat.yaml):
        common.emit("BudgetCheck", data, OutputFormat(output.value), ok=result.ok)
        if not result.ok:
            raise typer.Exit(EXIT_FINDINGS)
        return
    if output is CostFormat.csv:
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["agent", "kind", "key", "limit_usd", "actual_usd", "source"])
        for b in result.breaches:
            w.writerow([b.agent, b.kind, b.key, f"{b.limit:.6f}", f"{b.actual:.6f}", b.source])
        if not result.ok:
            raise typer.Exit(EXIT_FINDINGS)
        return
    from agentctl.views.cost import render_budgets

    render_budgets(result, common.console(), common.console(stderr=True))
    if not result.ok:
        n = len(result.breaches)
        raise GateFailed(
            f"{n} budget breach{'es' if n != 1 else ''}: {result.breaches[0].describe()}"
        )


def _estimate(agents: list[Any], platform: Any, output: CostFormat) -> None:
    from agentctl.cost.estimate import estimate_agent
    from agentctl.errors import UsageError

    common.set_kind("CostEstimate")
    if not agents:
        raise UsageError("--estimate needs an agent: run in an agent project or pass PATH")
    estimates = [estimate_agent(a.agent, platform.platform) for a in agents]
    if output in (CostFormat.json, CostFormat.yaml):
        common.emit(
            "CostEstimate",
            {"estimates": [e.to_dict() for e in estimates]},
            OutputFormat(output.value),
        )
        return
    if output is CostFormat.csv:
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["agent", "workload", "kind", "cpu", "memory_gib", "replicas_min", "replicas_max", "pods_per_run",
                    "hours_per_run", "storage_gib", "per_run_usd", "monthly_low_usd", "monthly_high_usd"])  # fmt: skip
        for e in estimates:
            for ln in e.to_dict()["compute"]["lines"]:
                w.writerow([e.agent, ln["name"], ln["kind"], ln.get("cpu", ""), ln.get("memoryGiB", ""),
                            ln.get("replicasMin", ""), ln.get("replicasMax", ""), ln.get("podsPerRun", ""),
                            ln.get("hoursPerRun", ""), ln.get("storageGiB", ""), ln.get("perRunUSD", ""),
                            ln["monthlyLowUSD"], ln["monthlyHighUSD"]])  # fmt: skip
        return
    from agentctl.views.cost_estimate import render_estimate

    out = common.console()
    if platform.is_default:
        common.console(stderr=True).print(
            "[yellow]note:[/] no platform.yaml found: the default rate card applies"
        )
    for i, e in enumerate(estimates):
        if i:
            out.print()
        render_estimate(e, out)
