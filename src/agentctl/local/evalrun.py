"""``agentctl eval run``: an eval set's cases through the same local runtime as ``agentctl dev``.

One :class:`~agentctl.local.session.DevSession` serves every case: service and
stateful agents are started once and receive each case's input over HTTP, at
most ``parallel`` at a time (each answer is matched to its own trace by the
trace id the runtime returns); job and workflow agents run once per case, one
after another (a job's spans are found by what arrived while it ran). Content
capture is on for these local runs, so tool arguments can be checked; every
case's trace lands in the session's trace store.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from agentctl.errors import Problem, SpecError, UsageError
from agentctl.eval.cases import (
    CaseRun,
    LoadedCase,
    RubricJudge,
    RunObservation,
    judge,
    parse_eval_set,
)
from agentctl.local.options import DevOptions, EventSink
from agentctl.spec.loader import LoadedAgent
from agentctl.spec.yamlsafe import parse_documents, read_text

EVALS_DIR = "evals"
MAX_FILES = 200


def load_cases(project_dir: Path, files: Sequence[Path] | None = None) -> list[LoadedCase]:
    """The cases of ``files`` (default: ``<project>/evals/*.yaml``), all problems reported."""
    if files:
        paths = list(files)
    else:
        root = project_dir / EVALS_DIR
        paths = sorted([*root.glob("*.yaml"), *root.glob("*.yml")]) if root.is_dir() else []
    if not paths:
        raise UsageError(
            f"{project_dir / EVALS_DIR}: no eval set (*.yaml) found",
            hint="add cases in evals/*.yaml (docs: agentctl eval run)",
        )
    if len(paths) > MAX_FILES:
        raise UsageError(f"{len(paths)} eval set files; at most {MAX_FILES}")
    cases: list[LoadedCase] = []
    problems = []
    names: dict[str, str] = {}
    for path in paths:
        display = str(path)
        docs = parse_documents(read_text(path, display), display)
        if not docs or not isinstance(docs[0].data, dict):
            raise SpecError([Problem(display, 1, 1, "", "expected a YAML mapping with 'cases'")])
        try:
            found = parse_eval_set(docs[0])
        except SpecError as err:
            problems += err.problems
            continue
        for c in found:
            if c.case.name in names:
                message = f"case {c.case.name!r} is also in {names[c.case.name]}"
                raise SpecError([Problem(display, c.line, 1, "cases.name", message)])
            names[c.case.name] = display
        cases += found
    if problems:
        raise SpecError(problems)
    return cases


def _capture_on(loaded: LoadedAgent) -> LoadedAgent:
    agent = loaded.agent
    obs = agent.spec.observability.model_copy(update={"capture_content": True})
    spec = agent.spec.model_copy(update={"observability": obs})
    return dataclasses.replace(loaded, agent=agent.model_copy(update={"spec": spec}))


def run_cases(
    loaded: LoadedAgent,
    options: DevOptions,
    cases: Sequence[LoadedCase],
    *,
    repeat: int = 1,
    parallel: int = 4,
    on_event: EventSink | None = None,
    on_result: Callable[[CaseRun], None] | None = None,
    rubric_judge: RubricJudge | None = None,
) -> list[CaseRun]:
    """Run every case ``repeat`` times; return each run judged against its case
    (``rubric_judge`` scores the answers of cases with ``expect.answer.judge``)."""
    from agentctl.local import invoke as invokemod
    from agentctl.local.session import DevSession
    from agentctl.local.signals import interrupt_on_sigterm
    from agentctl.spec.models import AgentType

    loaded = _capture_on(loaded)
    kind = loaded.agent.spec.type
    serves = kind in (AgentType.service, AgentType.stateful)
    for c in cases:
        if serves and c.case.params:
            message = (
                f"case {c.case.name!r}: params are for job and workflow agents "
                f"({loaded.agent.metadata.name} is {kind.value}); give the input instead"
            )
            raise SpecError([Problem(c.file, c.line, 1, "cases.params", message)])
    session = DevSession(loaded, options, on_event=on_event or (lambda _e: None))
    work = [(c, attempt) for c in cases for attempt in range(1, repeat + 1)]
    results: list[CaseRun] = []

    def one(item: tuple[LoadedCase, int]) -> CaseRun:
        c, attempt = item
        started = time.monotonic()
        if serves:
            report = invokemod.invoke_service(session, c.case.input)
        else:
            session.options = dataclasses.replace(options, parameters=dict(c.case.params))
            if kind is AgentType.job:
                report = invokemod.run_job(session, c.case.input or None)
            else:
                report = invokemod.run_workflow(session, c.case.input or None)
        obs = RunObservation(
            report.ok,
            report.answer,
            report.spans,
            report.seconds or time.monotonic() - started,
            report.reason,
        )
        result = judge(c.case, obs, attempt, rubric_judge)
        if on_result is not None:
            on_result(result)
        return result

    # SIGTERM stops the run as Ctrl-C does: the session's processes are stopped on the way
    # out, never left running (each is in a process group of its own).
    with interrupt_on_sigterm(), session:
        session.prepare()
        session.start_services()
        if serves and parallel > 1:
            pool = ThreadPoolExecutor(max_workers=parallel)
            try:
                results = list(pool.map(one, work))
            except BaseException:  # interrupted: the cases not started yet are not run
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown()
        else:
            results = [one(item) for item in work]
    return results


def run_spans(store: Path | None, runs: Sequence[CaseRun]) -> list[Any]:
    """Every span of the runs' traces, read back from the trace store they landed in."""
    from agentctl.telemetry.store import TraceStore, default_store_path

    path = store or default_store_path()
    ids = sorted({t for r in runs for t in r.trace_ids})
    if not ids or not path.exists():
        return []
    with TraceStore(path) as st:
        return [s for t in ids for s in st.trace(t)]


def save_last_run(project_dir: Path, version: str, data: dict[str, Any]) -> Path:
    """Keep this version's last eval-set run, the baseline a later ``--compare`` reads."""
    root = project_dir / ".agentctl" / "evals"
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{_safe(version)}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)
    return path


def load_last_run(project_dir: Path, version: str) -> dict[str, Any]:
    path = project_dir / ".agentctl" / "evals" / f"{_safe(version)}.json"
    if not path.is_file():
        raise UsageError(
            f"{path}: no eval-set run of version {version} to compare with",
            hint=f"run `agentctl eval run` on version {version} first",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UsageError(f"{path}: unreadable baseline ({err})") from None
    except RecursionError:
        raise UsageError(f"{path}: unreadable baseline (JSON nested too deeply)") from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), dict):
        raise UsageError(f"{path}: not an eval-set run record")
    return data


def _safe(version: str) -> str:
    return (
        "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in version)[:100] or "unversioned"
    )
