"""agentctl collector: run the OTLP/HTTP receiver in the foreground until Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Annotated

import typer

from agentctl.cli import common, options
from agentctl.cli.inputs import parse_age
from agentctl.views.words import counted

app = typer.Typer()


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[::1]:PORT``, ``:PORT`` or ``PORT`` -> (host, port)."""
    from agentctl.errors import UsageError

    text = value.strip()
    host, port_text = "127.0.0.1", text
    if text.startswith("["):
        end = text.find("]")
        host, port_text = text[1:end], text[end + 2 :]
    elif ":" in text:
        host, port_text = text.rsplit(":", 1)
        host = host or "127.0.0.1"
    try:
        port = int(port_text)
    except ValueError:
        raise UsageError(f"--listen {value!r}: expected HOST:PORT, e.g. 127.0.0.1:4318") from None
    if not 0 <= port <= 65535:
        raise UsageError(f"--listen {value!r}: port must be 0..65535")
    return host, port


def parse_size(value: str) -> int:
    """``500Mi``, ``2G``, ``1GiB``, ``1GB`` -> bytes."""
    from agentctl.errors import UsageError
    from agentctl.spec.units import parse_quantity

    text = value.strip()
    if text.lower().endswith("ib") or text.endswith(("B", "b")):
        text = text[:-1]
    try:
        size = int(parse_quantity(text))
    except ValueError:
        raise UsageError(f"--max-size {value!r}: expected a size such as 500Mi or 2G") from None
    if size <= 0:
        raise UsageError(f"--max-size {value!r}: must be positive")
    return size


@app.command()
def collector(
    listen: Annotated[str, typer.Option("--listen", help="Address for OTLP/HTTP (POST /v1/traces); port 0 picks a free one.")] = "127.0.0.1:4318",
    store: options.StoreOpt = None,
    retention: Annotated[str, typer.Option("--retention", help="Delete traces older than this (e.g. 12h, 7d).")] = "7d",
    max_size: Annotated[str, typer.Option("--max-size", help="Delete the oldest traces when the store exceeds this (e.g. 1Gi).")] = "1Gi",
    capture_content: Annotated[bool, typer.Option("--capture-content/--no-capture-content", help="Keep prompts, outputs and tool arguments that exporters send (default: drop them before storage; agents opt in with spec.observability.captureContent).")] = False,
) -> None:  # fmt: skip
    """Receive OTLP traces on loopback and store them locally, in the foreground (Ctrl-C stops)."""
    from agentctl.telemetry import otlp_signals
    from agentctl.telemetry.receiver import OtlpReceiver, RetentionPolicy, is_loopback
    from agentctl.telemetry.store import TraceStore

    host, port = parse_listen(listen)
    policy = RetentionPolicy(
        max_age_ns=parse_age(retention, "--retention"), max_bytes=parse_size(max_size)
    )
    err = common.console(stderr=True)
    if not is_loopback(host):
        err.print(
            f"[yellow]warning:[/] listening on {host}, reachable from other machines: anyone who can reach "
            "it can write traces (there is no authentication); prefer 127.0.0.1 with a port-forward"
        )
    trace_store = TraceStore(common.store_path(store))

    def unstored(signal: str) -> None:
        err.print(f"[yellow]note:[/] {otlp_signals.notice(signal)}")
        if not sys.stderr.isatty():
            sys.stderr.flush()

    receiver = OtlpReceiver(
        trace_store,
        host,
        port,
        retention=policy,
        on_unstored_signal=unstored,
        capture_content=capture_content,
        freeze_heap=True,
    )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        receiver.start()
        err.print(f"receiving OTLP/HTTP on {receiver.traces_url}")
        err.print(
            f"storing traces in {trace_store.path} (retention {retention}, max {max_size}, "
            f"content {'kept' if capture_content else 'dropped'}); Ctrl-C stops"
        )
        if not sys.stderr.isatty():
            sys.stderr.flush()
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        receiver.stop()
        trace_store.close()
    s = receiver.stats
    err.print(
        f"stopped: {counted(s.spans_accepted, 'span')} stored from {counted(s.requests, 'request')}"
        + (f", {s.spans_rejected} rejected" if s.spans_rejected else "")
        + (f", {s.throttled} throttled" if s.throttled else "")
        + "".join(
            f", {n} {otlp_signals.UNITS[signal]} not stored"
            for signal, n in s.not_stored.items()
            if n
        )
    )
