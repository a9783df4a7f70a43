"""A local run of an agent project: receiver, tool services, the agent, its runs.

``DevSession`` owns everything it starts and stops all of it in ``stop()``
(also on errors and interrupts, through the context manager): processes in
reverse start order, each with SIGTERM, a grace period and SIGKILL for its
whole process group; then the embedded OTLP receiver (every process has
exited by then, so their last spans are in); then the trace store and the
secret file descriptors.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.errors import UsageError, WaitError
from agentctl.local import env as envmod
from agentctl.local import localhttp
from agentctl.local import plan as planmod
from agentctl.local.dotenv import load_dotenv
from agentctl.local.options import DevEvent, DevOptions, EventSink, ProcessCrashed
from agentctl.local.ports import free_ports
from agentctl.local.process import (
    EXITED,
    FAILED,
    ManagedProcess,
    ProcSpec,
    group_members,
    run_to_end,
)
from agentctl.local.secrets import SecretDelivery, resolve_secrets
from agentctl.local.signals import shielded
from agentctl.local.state import remove_state, write_state
from agentctl.spec import shapes

if TYPE_CHECKING:
    from agentctl.spec.models import McpTool, ServiceTool
from agentctl.spec.loader import LoadedAgent, LoadedPlatform, load_platform
from agentctl.spec.shapes import AgentType

LOCAL_DIR = ".agentctl"
__all__ = ["DevEvent", "DevOptions", "DevSession", "EventSink", "ProcessCrashed"]


def _http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with localhttp.urlopen(url, timeout=timeout) as resp:
            return 200 <= resp.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


class DevSession:
    """Everything ``agentctl dev`` runs for one project."""

    def __init__(
        self,
        loaded: LoadedAgent,
        options: DevOptions | None = None,
        on_event: EventSink | None = None,
        shell_env: Mapping[str, str] | None = None,
    ) -> None:
        self.loaded = loaded
        self.agent = loaded.agent
        self.project_dir = loaded.project_dir.resolve()
        self.options = options or DevOptions()
        self.on_event = on_event
        self.shell_env = dict(os.environ if shell_env is None else shell_env)
        self.local_dir = self.project_dir / LOCAL_DIR
        self.processes: list[ManagedProcess] = []
        self.all_pgids: list[int] = []
        self.store: Any = None
        self.receiver: Any = None
        self.places: envmod.LocalPlaces | None = None
        self.secrets = SecretDelivery()
        self.base: dict[str, str] = {}
        self.commands: planmod.Commands | None = None
        self.platform: LoadedPlatform | None = None
        self.agent_url: str | None = None
        self.warnings: list[str] = []
        self.cancel = threading.Event()
        self._lock = threading.Lock()
        self._stopped = False
        self._published = False

    # -- events ------------------------------------------------------------

    def emit(self, kind: str, source: str, text: str = "", status: str | None = None) -> None:
        if self.on_event is not None:
            with contextlib.suppress(Exception):
                self.on_event(DevEvent(kind, source, text, status))

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        self.emit("warning", "agentctl", text)

    def _on_line(self, name: str, line: str) -> None:
        self.emit("log", name, line)

    def _on_status(self, proc: ManagedProcess) -> None:
        if proc.spec.kind == "step":
            return  # the workflow runner reports steps (with attempts and reasons)
        detail = proc.describe_exit() if proc.returncode is not None else (proc.spec.url or "")
        self.emit("status", proc.name, detail, proc.status)

    def _register(self, proc: ManagedProcess) -> None:
        with self._lock:
            self.processes.append(proc)

    def _started(self, proc: ManagedProcess) -> None:
        if proc.pgid is not None:
            with self._lock:
                self.all_pgids.append(proc.pgid)

    # -- start -------------------------------------------------------------

    def __enter__(self) -> DevSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def memory_dir(self) -> Path:
        return self.local_dir / "memory"

    def prepare(self) -> None:
        """Resolve commands, secrets and ports; start the trace receiver."""
        from agentctl.telemetry.receiver import OtlpReceiver
        from agentctl.telemetry.store import TraceStore

        spec = self.agent.spec
        self.check_tool_dirs()
        self.platform = load_platform(self.options.platform_file, self.project_dir)
        self.commands = planmod.commands(
            self.agent, self.project_dir, self._python(self.project_dir)
        )
        env_file = self.options.env_file or self.project_dir / ".env"
        if self.options.env_file is not None and not env_file.is_file():
            what = "not a regular file" if env_file.exists() else "no such file"
            raise UsageError(f"--env-file {env_file}: {what}")
        dotenv = load_dotenv(env_file)
        sources = {**dotenv, **self.shell_env}
        self.secrets = resolve_secrets(self.agent, sources)
        model_secret = spec.model.api_key_secret if spec.model else None
        for name in self.secrets.missing:
            if name == model_secret and (self.options.offline_model or _offline(spec)):
                continue
            key = name.upper().replace("-", "_")
            hint = " (or use --offline-model)" if name == model_secret else ""
            self.warn(
                f"secret {name} has no local value: set SECRET_{key} or SECRET_{key}_FILE in the shell or .env{hint}"
            )
        self.base = envmod.base_env(self.shell_env, dotenv, self.secrets.consumed)
        self.base["PYTHONPATH"] = envmod.python_path(
            self.project_dir, self.shell_env.get("PYTHONPATH")
        )
        self.base["PYTHONUNBUFFERED"] = "1"

        service_tools: list[ServiceTool | McpTool] = [
            t for t in spec.tools if isinstance(t, shapes.ServiceTool)
        ]
        # an mcp tool runs locally when --tool NAME=DIR names its project
        service_tools += [
            t
            for t in spec.tools
            if isinstance(t, shapes.McpTool) and t.name in self.options.tool_dirs
        ]
        serves = spec.type in (AgentType.service, AgentType.stateful)
        ports = free_ports(len(service_tools) + (1 if serves else 0))
        tool_urls = {
            t.name: f"http://127.0.0.1:{p}" for t, p in zip(service_tools, ports, strict=False)
        }
        memory_dir = None
        if spec.memory is not None:
            memory_dir = self.memory_dir
            memory_dir.mkdir(parents=True, exist_ok=True)

        self.store = TraceStore(self.options.store_path)
        self.receiver = OtlpReceiver(
            self.store,
            "127.0.0.1",
            self.options.receiver_port,
            capture_content=spec.observability.capture_content,
            port_option="--otlp-port PORT",
        )
        self.receiver.start()
        self.places = envmod.LocalPlaces(
            otlp_endpoint=self.receiver.url,
            agent_port=ports[-1] if serves else None,
            tool_urls=tool_urls,
            memory_dir=memory_dir,
        )
        self.emit(
            "info", "agentctl", f"trace receiver on {self.receiver.url}, store {self.store.path}"
        )

    def agent_env(self) -> dict[str, str]:
        assert self.places is not None and self.platform is not None
        local = envmod.agent_env(
            self.loaded, self.platform, self.places, offline_model=self.options.offline_model
        )
        env = {**self.base, **local}
        env.update(self.secrets.env)
        return env

    def _spawn(self, spec: ProcSpec) -> ManagedProcess:
        proc = ManagedProcess(spec, on_line=self._on_line, on_status=self._on_status)
        self._register(proc)
        proc.start()
        self._started(proc)
        return proc

    def _wait_ready(self, proc: ManagedProcess, url: str) -> None:
        deadline = time.monotonic() + self.options.ready_timeout
        while time.monotonic() < deadline:
            if self.cancel.is_set():
                raise KeyboardInterrupt
            if not proc.alive():
                proc.poll()
                proc.join_logs()
                raise ProcessCrashed(
                    proc.name, proc.describe_exit(), proc.last_lines(), when="during start-up"
                )
            if _http_ok(url):
                proc.mark_ready()
                return
            time.sleep(0.1)
        raise WaitError(
            f"{proc.name} did not answer {url} within {self.options.ready_timeout:g}s",
            hint="check its log lines above; the agent must serve the ready path on AGENT_PORT",
        )

    def start_services(self) -> None:
        """Start the service tools and (for service/stateful agents) the agent; wait until ready."""
        assert self.places is not None and self.commands is not None
        spec = self.agent.spec
        for tool in spec.tools:
            if isinstance(tool, shapes.McpTool) and tool.name not in self.places.tool_urls:
                self._mcp_not_local(tool)
                continue
            if not isinstance(tool, shapes.ServiceTool | shapes.McpTool):
                continue
            argv = self.commands.tools.get(tool.name)
            url = self.places.tool_urls[tool.name]
            cwd = self.project_dir
            base = self.base
            tool_dir = self.options.tool_dirs.get(tool.name)
            if tool_dir is not None:
                argv, cwd = self._tool_project(tool.name, tool_dir)
                base = {
                    **base,
                    "PYTHONPATH": envmod.python_path(cwd, self.shell_env.get("PYTHONPATH")),
                }
            if argv is None:
                self.warn(
                    f"tool {tool.name}: no command and no module tools/{planmod.module_name(tool.name)} "
                    f"in the project, so it does not run locally (calls to it will fail; "
                    f"--tool {tool.name}=DIR runs it from its own project)"
                )
                continue
            port = int(url.rsplit(":", 1)[1])
            env = {**base, **envmod.tool_env(self.agent, tool, port, self.places)}
            proc = self._spawn(
                ProcSpec(tool.name, argv, env, cwd, kind="tool", url=url, pass_fds=())
            )
            health = tool.health_path if isinstance(tool, shapes.ServiceTool) else "/healthz"
            self._wait_ready(proc, url + health)
        if spec.type in (AgentType.service, AgentType.stateful):
            url = f"http://127.0.0.1:{self.places.agent_port}"
            argv = [*self.commands.agent, *(spec.args or [])]
            proc = self._spawn(
                ProcSpec(
                    self.agent.metadata.name,
                    argv,
                    self.agent_env(),
                    self.project_dir,
                    kind="agent",
                    url=url,
                    pass_fds=tuple(self.secrets.pass_fds),
                )
            )
            self._wait_ready(proc, url + spec.ready_path)
            self.agent_url = url

    def _mcp_not_local(self, tool: McpTool) -> None:
        if tool.service is not None:
            self.warn(
                f"tool {tool.name}: its MCP server is the in-cluster Service {tool.service.name}, which is not "
                f"reachable here; --tool {tool.name}=DIR runs that server's project locally"
            )

    def _tool_project(self, name: str, directory: Path) -> tuple[list[str], Path]:
        """The command of a service tool that is an agentctl project of its own (``--tool NAME=DIR``)."""
        from agentctl.spec.loader import load_agent

        tool_loaded = load_agent(directory)
        tool_dir = tool_loaded.project_dir.resolve()
        python = planmod.project_python(tool_dir, self._python(tool_dir))
        argv = planmod.agent_command(tool_loaded.agent, tool_dir, python)
        return [*argv, *(tool_loaded.agent.spec.args or [])], tool_dir

    def _python(self, project_dir: Path) -> str | None:
        """The interpreter prepared for a project directory (``projectenv``), else ``--python``."""
        return self.options.pythons.get(project_dir) or self.options.python

    def check_tool_dirs(self) -> None:
        service_tools = {
            t.name
            for t in self.agent.spec.tools
            if isinstance(t, shapes.ServiceTool | shapes.McpTool)
        }
        for name in self.options.tool_dirs:
            if name not in service_tools:
                known = ", ".join(sorted(service_tools)) or "none declared"
                raise UsageError(
                    f"--tool {name}: not a service or mcp tool of {self.agent.metadata.name} (those tools: {known})"
                )

    # -- watching ----------------------------------------------------------

    def crashed(self) -> ManagedProcess | None:
        """A long-running process that ended on its own, if any."""
        with self._lock:
            procs = [p for p in self.processes if p.spec.kind in ("agent", "tool")]
        for proc in procs:
            if proc.poll() is not None and proc.status in (FAILED, EXITED):
                proc.join_logs()
                return proc
        return None

    def watch(self, stop: threading.Event, tick: Callable[[], None] | None = None) -> None:
        """Block until ``stop`` is set; raise ProcessCrashed when a process dies."""
        while not stop.wait(0.2):
            if tick is not None:
                tick()
            proc = self.crashed()
            if proc is not None:
                raise ProcessCrashed(proc.name, proc.describe_exit(), proc.last_lines())

    def tail_spans(self, sink: Callable[[list[Any]], None], interval: float = 0.5) -> None:
        """Feed newly stored spans to ``sink`` from a background thread until stop()."""
        mark = self.store.last_rowid()

        def loop() -> None:
            rowid = mark
            while not self.cancel.wait(interval):
                try:
                    batch = self.store.spans_after(rowid)
                except Exception:  # the store is closing
                    return
                if batch:
                    rowid = batch[-1][0]
                    with contextlib.suppress(Exception):
                        sink([span for _, span in batch])

        threading.Thread(target=loop, name="span-tail", daemon=True).start()

    def publish_state(self) -> None:
        """Let ``agentctl dev --invoke`` in another terminal find this session."""
        if self.agent_url is None:
            return
        write_state(
            self.local_dir,
            {
                "agent": self.agent.metadata.name,
                "url": self.agent_url,
                "store": str(self.store.path),
                "otlpEndpoint": self.receiver.url,
            },
        )
        self._published = True

    # -- one-off processes (jobs, workflow steps) ---------------------------

    def run_process(
        self,
        name: str,
        argv: list[str],
        extra_env: Mapping[str, str],
        timeout: float | None,
        kind: str,
    ) -> tuple[ManagedProcess, bool]:
        env = {**self.agent_env(), **extra_env}
        spec = ProcSpec(
            name, argv, env, self.project_dir, kind=kind, pass_fds=tuple(self.secrets.pass_fds)
        )
        return run_to_end(
            spec,
            timeout=timeout,
            on_line=self._on_line,
            on_status=self._on_status,
            cancel=self.cancel,
            register=self._register,
            started=self._started,
            grace=self.options.grace,
        )

    # -- stop --------------------------------------------------------------

    def leftover_processes(self) -> list[int]:
        """Pids still alive in any process group this session started."""
        with self._lock:
            pgids = list(self.all_pgids)
        return group_members(pgids)

    def stop(self) -> None:
        """Stop everything this session started; safe to call twice.

        SIGINT and SIGTERM are ignored meanwhile, so a second Ctrl-C cannot
        leave a process behind.
        """
        if self._stopped:
            return
        self._stopped = True
        with shielded():
            self._stop_all()

    def _stop_all(self) -> None:
        self.cancel.set()
        if self._published:
            remove_state(self.local_dir)
        with self._lock:
            procs = list(reversed(self.processes))
        errors: list[BaseException] = []
        for proc in procs:
            try:
                proc.stop(self.options.grace)
            except Exception as exc:  # pragma: no cover - keep stopping the others
                errors.append(exc)
        if self.receiver is not None:
            with contextlib.suppress(Exception):
                self.receiver.stop()
        if self.store is not None:
            with contextlib.suppress(Exception):
                self.store.close()
        self.secrets.close()
        if errors:
            raise errors[0]


def _offline(spec: Any) -> bool:
    return spec.model is not None and spec.model.provider == envmod.OFFLINE_PROVIDER
