"""agentctl quickstart: the whole golden path on this machine in one command, offline."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from agentctl.cli import common, options
from agentctl.settings import OutputFormat

app = typer.Typer()


def _rule(out: Any, title: str) -> None:
    """A heading rule: across the terminal, or 80 columns wide in a pipe or log."""
    from rich.rule import Rule

    out.print(Rule(title, align="left"), width=out.width if out.is_terminal else min(out.width, 80))


def _shown(path: Path) -> str:
    from agentctl.spec.loader import display_path

    return display_path(path.resolve())


@app.command()
def quickstart(
    dir_: Annotated[Path | None, typer.Option("--dir", parser=options.output_path("--dir"), help="Directory to create the demo project in (default: a fresh ./agentctl-quickstart[-N]).")] = None,
    store: options.StoreOpt = None,
    python: Annotated[str | None, typer.Option("--python", help="Interpreter for the demo project's code (default: <project>/.venv, created from its pyproject.toml).")] = None,
    output: options.OutputOpt = OutputFormat.text,
) -> None:  # fmt: skip
    """Scaffold a demo agent, validate it, build it, run it with the offline demo model, show its trace and cost.

    Needs no cluster, no API key and no input; leaves nothing running. The first run
    installs the demo project's dependencies into its own .venv from the package
    index (or use --python); nothing else touches the network.
    """
    from agentctl.local import quickstart as qs

    common.set_kind("QuickstartResult")
    text = output is OutputFormat.text
    out = common.console()
    started = time.monotonic()

    def step(n: int, title: str) -> None:
        if text:
            out.print()
            _rule(out, f"[bold]{n}/6  {title}[/]")

    step(1, "Scaffold a demo agent (agentctl init)")
    workspace = qs.workspace(dir_, Path.cwd())
    project = qs.scaffold(workspace)
    if text:
        out.print(
            f"created [bold]{_shown(project)}/[/] from template {qs.TEMPLATE}: agent.yaml, code, tests, Dockerfile, CI"
        )

    step(2, "Validate it: the policy gate (agentctl validate)")
    report = _validate(project, out if text else None)

    step(3, "Build it: Kubernetes manifests and a cost estimate (agentctl build)")
    build = _build(project, out if text else None)

    step(4, "Run it locally with the offline demo model (agentctl dev --invoke)")
    run = _run(project, common.store_path(store), python, out if text else None)

    prices = run["prices"]
    if text:
        from agentctl.views.dev_result import print_run

        step(5, "The trace and the cost of that run (agentctl trace)")
        print_run(out, run["report"], prices, agent=qs.AGENT_NAME)
        step(6, "Its eval set, offline: evals/*.yaml (agentctl eval run)")
    evaluation = _eval(project, common.store_path(store), out if text else None)
    if text:
        _next_steps(out, project, store, time.monotonic() - started)
    else:
        data = {
            "project": str(project),
            "validation": report,
            "build": build,
            "run": {**run["report"].to_dict(), "cost": prices.to_dict()},
            "eval": evaluation.to_dict(),
            "store": run["store"],
            "seconds": round(time.monotonic() - started, 3),
        }
        common.emit("QuickstartResult", data, output, ok=run["report"].ok and evaluation.ok)
    if not run["report"].ok:
        from agentctl.errors import WaitError

        raise WaitError(f"the demo run failed: {run['report'].reason}")
    if not evaluation.ok:
        from agentctl.errors import GateFailed

        raise GateFailed(f"the demo's eval set failed: {evaluation.failure_summary()}")


def _validate(project: Path, out: Any) -> dict[str, Any]:
    from agentctl.policy import gate

    report = gate.run(paths=[project], manifests=[], crd_dirs=common.crd_dirs(None))
    if out is not None:
        from agentctl.views.findings import render_report

        render_report(report, out)
        verdict = "[bold red]FAILED[/]" if report.failed else "[green]passed[/]"
        out.print(
            f"gate {verdict} (fail-on {report.fail_on.name}): the platform's rules decide what blocks a deploy; "
            "low and medium findings are advice"
        )
    return {
        "findings": len(report.active),
        "failed": bool(report.failed),
        "failOn": report.fail_on.name,
    }


def _build(project: Path, out: Any) -> dict[str, Any]:
    from agentctl.spec.loader import load_agent, load_platform
    from agentctl.usecases.build import build

    loaded = load_agent(project)
    platform = load_platform(common.platform_path(None), project)
    # the gate's verdict was step 2's (shown, not enforced): the demo goes on either way
    built = build(
        [loaded], platform, out=project / "dist", crd_dirs=common.crd_dirs(None), gate=None
    )
    bundles, estimates = built.bundles, built.estimates
    dirs = {name: _shown(p) for name, p in built.written.items()}
    if out is not None:
        from agentctl.views.build import print_build

        print_build(out, bundles, estimates, dirs)
    bundle = bundles[0]
    return {
        "objects": [{"kind": o.kind, "name": o.name} for o in bundle.objects],
        "dir": dirs.get(bundle.name),
        "estimate": estimates[bundle.name].to_dict(),
    }


def _run(project: Path, store: Path, python: str | None, out: Any) -> dict[str, Any]:
    from agentctl.cost.llm import price_spans
    from agentctl.local import invoke
    from agentctl.local import quickstart as qs
    from agentctl.local.session import DevOptions, DevSession
    from agentctl.local.signals import interrupt_on_sigterm
    from agentctl.spec.loader import load_agent

    loaded = load_agent(project)
    events: list[Any] = []

    def on_event(event: Any) -> None:
        events.append(event)
        if (
            out is not None
            and event.kind == "status"
            and event.status in ("ready", "stopped", "failed")
        ):
            out.print(
                f"  {event.source}: {event.status} {event.text}", markup=False, highlight=False
            )
        elif out is not None and event.kind == "warning":
            out.print(f"  [yellow]warning:[/] {event.text}")

    from agentctl.cli import envsetup

    pythons = envsetup.prepare(
        [project], python, out or common.console(stderr=True), shared_venv=qs.shared_venv()
    )
    options = DevOptions(
        offline_model=True,
        python=python,
        platform_file=common.platform_path(None),
        store_path=store,
        ready_timeout=45.0,
        grace=3.0,
        pythons=pythons,
    )
    session = DevSession(loaded, options, on_event=on_event)
    with interrupt_on_sigterm(), session:
        session.prepare()
        if out is not None:
            out.print(
                f"  traces: embedded OTLP receiver {session.receiver.url} -> {session.store.path}"
            )
        session.start_services()
        if out is not None:
            out.print(f"  task: {qs.SAMPLE_TASK}", markup=False)
        report = invoke.invoke_service(session, qs.SAMPLE_TASK, timeout=45.0)
        store_path = str(session.store.path)
    if not report.ok:
        report.log_tail = [e.text for e in events if e.kind == "log"][-15:]
    if out is not None:
        left = session.leftover_processes()
        state = "nothing left running" if not left else f"still running: {left}"
        out.print(f"  stopped the agent and the receiver: {state}")
    return {"report": report, "prices": price_spans(report.spans), "store": store_path}


def _eval(project: Path, store: Path, out: Any) -> Any:
    """The demo's own eval set through the same runtime, offline, and its report."""
    from agentctl.eval.evalset_report import build_report
    from agentctl.local.evalrun import load_cases, run_cases, run_spans
    from agentctl.local.options import DevOptions
    from agentctl.local.signals import interrupt_on_sigterm
    from agentctl.spec.loader import load_agent

    loaded = load_agent(project)
    cases = load_cases(project)
    options = DevOptions(offline_model=True, store_path=store, ready_timeout=45.0, grace=3.0)
    with interrupt_on_sigterm():
        runs = run_cases(loaded, options, cases)
    report = build_report(loaded.agent, cases, runs, run_spans(store, runs))
    if out is not None:
        from agentctl.views.eval import render_eval_run

        render_eval_run(report, out)
    return report


def _next_steps(out: Any, project: Path, store: Path | None, seconds: float) -> None:
    shown = _shown(project)
    store_opt = f" --store {store}" if store else ""
    out.print()
    _rule(out, f"[bold]Done in {seconds:.0f}s. Next steps[/]")
    lines = [
        ("Edit the agent (instructions, tools):", f"{shown}/src/quickstart_agent/agent.py"),
        ("Run it locally and talk to it:", f"agentctl dev {shown} --offline-model{store_opt}"),
        (
            "Ask it one more thing:",
            f'agentctl dev {shown} --offline-model --invoke "search your notes about the budget"{store_opt}',
        ),
        ("Browse the traces:", f"agentctl trace{store_opt}"),
        (
            "Add eval cases, run them:",
            f"{shown}/evals/basic.yaml, agentctl eval run {shown}{store_opt}",
        ),
        (
            "Use a real model:",
            f"put SECRET_LLM_API_KEY=... in {shown}/.env and drop --offline-model",
        ),
        ("Ship it to a cluster:", f"agentctl deploy {shown}   (manifests are in {shown}/dist/)"),
    ]
    from agentctl.views.plain import escape

    for label, command in lines:
        out.print(f"  {label:<40} [bold]{escape(command)}[/]", highlight=False)
