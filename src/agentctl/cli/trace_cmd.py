"""agentctl trace: recent traces, one trace as a tree + waterfall, or a live tail."""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentctl.cli import cluster, common, options
from agentctl.settings import OutputFormat

if TYPE_CHECKING:
    from agentctl.telemetry.sources import Query, TraceSource
    from agentctl.telemetry.store import TraceStore

app = typer.Typer()

POLL_INTERVAL_S = 0.05  # a new span shows within ~50 ms; one indexed query per poll


TraceFormat = StrEnum("TraceFormat", "text wide json yaml")
Status = StrEnum("Status", "ok error")


@app.command()
@options.expand
def trace(
    trace_id: Annotated[str | None, typer.Option("--trace-id", "-t", help="Show one trace (full id, or a unique prefix locally).")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Print new spans as they arrive, grouped by trace (Ctrl-C stops).")] = False,
    agent: Annotated[str | None, typer.Option("--agent", help="Only traces of this agent (or service).")] = None,
    conversation: Annotated[str | None, typer.Option("--conversation", help="Only traces of this conversation id.")] = None,
    status: Annotated[Status | None, typer.Option("--status", help="Only traces that ended ok or with an error.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only traces started within this long (30m, 6h, 7d) or since an ISO date/time.")] = None,
    limit: Annotated[int, typer.Option("--limit", "--last", "-l", min=1, max=options.MAX_LISTED, help="How many traces to list.")] = 20,
    store: options.StoreOpt = None,
    source: Annotated[str | None, typer.Option("--source", help="local, a Jaeger/Tempo URL (jaeger+http://..., tempo+http://... or probed), or jaeger|tempo with --port-forward (default: platform.yaml telemetry.traces, else local).")] = None,
    port_forward: Annotated[str | None, typer.Option("--port-forward", help="Reach an in-cluster backend: svc/NAME[:PORT] or pod/NAME[:PORT].")] = None,
    namespace: Annotated[str | None, typer.Option("-n", "--namespace", help="Namespace for --port-forward (default: platform collectorNamespace).")] = None,
    kubeconfig: options.KubeconfigOpt = None,
    context: options.ContextOpt = None,
    no_cost: Annotated[bool, typer.Option("--no-cost", help="Skip pricing (shows tokens only).")] = False,
    credentials: options.SourceCredentials = options.NO_CREDENTIALS,
    output_choice: Annotated[TraceFormat, options.output_choice("text (fits 80 columns: short trace ids), wide (every column, full ids), json/yaml (a versioned envelope).")] = TraceFormat.text,
) -> None:  # fmt: skip
    """Show agent traces from the local store or a Jaeger/Tempo backend."""
    from agentctl.cli.inputs import parse_when
    from agentctl.usecases import trace_source

    common.set_kind("TraceSpan" if follow else "Trace" if trace_id else "TraceList")
    output, wide = options.machine_format(output_choice), output_choice is TraceFormat.wide
    since_ns = parse_when(since, "--since", time.time_ns()) if since else None

    def query() -> Query:  # built where there is a store to ask: an empty one needs no sqlite
        from agentctl.telemetry.sources import Query

        return Query(
            limit=limit,
            agent=agent,
            conversation=conversation,
            status=status.value if status else None,
            since_ns=since_ns,
        )

    if follow:
        if trace_id:
            _usage("--follow and --trace-id do not go together")
        if (source and source != "local") or port_forward:
            _usage("--follow tails the local store; drop --source/--port-forward")
        _follow(_open_store(store), query(), output)
        return
    forwarder = None
    try:
        auth = credentials.auth()
        connect = cluster.connect_options(kubeconfig, context) if port_forward else None
        src, forwarder = trace_source.resolve(
            store=store,
            store_path=common.store_path(store),
            source=source,
            port_forward=port_forward,
            namespace=namespace,
            platform_file=common.platform_path(None),
            connect=connect,
            auth=auth,
            on_forward=lambda base: common.console(stderr=True).print(
                f"[dim]port-forward {port_forward} -> {base}[/]"
            ),
        )
        if src is None:
            _empty(trace_id, output, store)
            return
        if trace_id:
            _show_trace(src, trace_id, output, no_cost)
        else:
            _show_list(src, query(), output, no_cost, wide=wide)
    finally:
        if forwarder is not None:
            forwarder.stop()


def _out() -> Any:
    """stdout console (into a pipe or file it is wide: tables are never cut)."""
    return common.console()


def _usage(message: str) -> None:
    from agentctl.errors import UsageError

    raise UsageError(message)


def _open_store(path: Path | None) -> TraceStore:
    """The store to follow (created when it does not exist yet: --follow waits for spans)."""
    from agentctl.telemetry.store import TraceStore

    return TraceStore(common.store_path(path))


def _wanted(trace_id: str) -> str:
    """The trace id (or unique prefix) ``-t`` asks for, in lower case; UsageError unless hex."""
    from agentctl.errors import UsageError, echoed

    wanted = trace_id.strip().lower()
    if not wanted or any(c not in "0123456789abcdef" for c in wanted) or len(wanted) > 32:
        raise UsageError(f"--trace-id {echoed(trace_id)}: expected a hex trace id (32 characters)")
    return wanted


def _empty(trace_id: str | None, output: OutputFormat, store: Path | None) -> None:
    from agentctl.errors import TelemetryError

    where = str(common.store_path(store))
    if trace_id:
        _wanted(trace_id)
        raise TelemetryError(f"trace {trace_id} not found: there is no trace store yet at {where}")
    if output is not OutputFormat.text:
        common.emit("TraceList", {"source": f"store {where}", "traces": []}, output)
        return
    stream = common.plain_stream(stderr=True)
    if stream is not None:
        stream.write(
            f"no traces yet (no store at {where}); run agentctl dev or agentctl collector first\n"
        )
        return
    common.console(stderr=True).print(
        f"no traces yet (no store at {where}); run [bold]agentctl dev[/] or [bold]agentctl collector[/] first"
    )


def _prices(src: TraceSource, summaries: list[Any], no_cost: bool) -> Any:
    if no_cost or not any(s.llm_calls for s in summaries):
        return None
    from agentctl.telemetry.sources import LocalSource

    if isinstance(src, LocalSource):
        from agentctl.telemetry.pricecache import list_prices

        return list_prices(src.store, summaries)
    from agentctl.cost.llm import price_spans

    return price_spans(src.model_calls([s.trace_id for s in summaries if s.llm_calls]))


def _show_list(
    src: TraceSource, query: Query, output: OutputFormat, no_cost: bool, *, wide: bool = False
) -> None:
    summaries = src.recent_traces(query)
    prices = _prices(src, summaries, no_cost)
    if output is not OutputFormat.text:
        from agentctl.traces.report import list_data

        common.emit("TraceList", list_data(summaries, prices, src.description), output)
        return
    if not summaries:
        common.plain_console(stderr=True).print(f"no traces match in {src.description}")
        return
    from agentctl.views import trace_list

    common.plain_console().print(trace_list.render(summaries, prices, wide=wide))


def _price_trace(src: TraceSource, spans: list[Any]) -> Any:
    """The trace's prices; from a local store's rate entries where it has them (no genai-prices)."""
    from agentctl.cost.llm import price_spans
    from agentctl.telemetry.sources import LocalSource

    if isinstance(src, LocalSource):
        from agentctl.telemetry.pricecache import stored_rate_pricer

        return price_spans(spans, stored_rate_pricer(src.store))
    return price_spans(spans)


def _show_trace(src: TraceSource, trace_id: str, output: OutputFormat, no_cost: bool) -> None:
    from agentctl.errors import TelemetryError, UsageError
    from agentctl.telemetry.sources import LocalSource
    from agentctl.traces.report import detail_data

    wanted = _wanted(trace_id)
    if isinstance(src, LocalSource) and len(wanted) < 32:
        matches = src.store.resolve_trace_id(wanted)
        if len(matches) > 1:
            raise UsageError(f"--trace-id {trace_id!r} is ambiguous; give more characters")
        wanted = matches[0] if matches else wanted
    spans = src.trace(wanted)
    if not spans:
        raise TelemetryError(f"trace {trace_id} not found in {src.description}")
    prices = None if no_cost else _price_trace(src, spans)
    if output is not OutputFormat.text:
        common.emit("Trace", detail_data(wanted, spans, prices, src.description), output)
        return
    from agentctl.views import trace_tree

    _out().print(trace_tree.render(wanted, spans, prices))


class _TraceAgents:
    """The agent of a span's trace (spans often name it only on the root or resource)."""

    def __init__(self, store: TraceStore) -> None:
        self.store = store
        self.known: dict[str, str | None] = {}

    def of(self, sp: Any) -> set[str | None]:
        names = {sp.agent_name, sp.service_name}
        if sp.trace_id not in self.known or self.known[sp.trace_id] is None:
            if len(self.known) > 10_000:
                self.known.clear()
            summary = self.store.summary(sp.trace_id)
            self.known[sp.trace_id] = summary.agent if summary else None
        return names | {self.known[sp.trace_id]}


def _span_matches(sp: Any, query: Query, agents: _TraceAgents) -> bool:
    if query.agent and query.agent not in agents.of(sp):
        return False
    if query.conversation and sp.conversation_id != query.conversation:
        return False
    return not (query.status == "error" and sp.status != "error")


def _follow(store: TraceStore, query: Query, output: OutputFormat) -> None:
    from agentctl.results import envelope
    from agentctl.traces.report import span_dict
    from agentctl.views.trace_follow import FollowFormatter

    out = _out()
    fmt = FollowFormatter()
    agents = _TraceAgents(store)
    last = store.last_rowid()
    common.console(stderr=True).print(f"[dim]following {store.path} (Ctrl-C stops)[/]")
    try:
        while True:
            batch = store.spans_after(last)
            for rowid, sp in batch:
                last = rowid
                if not _span_matches(sp, query, agents):
                    continue
                if output is OutputFormat.text:
                    for line in fmt.lines(sp):
                        out.print(line)
                elif output is OutputFormat.json:
                    sys.stdout.write(
                        json.dumps(envelope("TraceSpan", span_dict(sp)), ensure_ascii=False) + "\n"
                    )
                else:
                    sys.stdout.write(
                        "---\n" + common.dump_machine(envelope("TraceSpan", span_dict(sp)), output)
                    )
            if batch:
                sys.stdout.flush()
            if len(batch) < 1000:
                time.sleep(POLL_INTERVAL_S)
    except KeyboardInterrupt:
        pass
    finally:
        store.close()
