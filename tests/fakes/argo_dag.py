"""Run a rendered Argo WorkflowTemplate's DAG the way Argo's controller does, minus the pods.

Enough of Argo's semantics to run what ``render/workflow.py`` produces, each
step's container as a local process:

- the ``main`` DAG's tasks run in dependency order, one at a time; a failed
  task stops the run (Argo's fail-fast);
- simple template tags are substituted as Argo does: ``{{workflow.parameters.X}}``,
  ``{{workflow.uid}}``, ``{{inputs.parameters.X}}``, ``{{tasks.T.outputs.parameters.P}}``,
  ``{{item}}`` (a string item raw, any other JSON), ``{{retries}}``; an expression
  tag (``{{=...}}``) is refused, since the renderer promises not to use them;
- a DAG template with a ``withParam`` task runs it once per item and aggregates
  each output parameter into a JSON list (a value that parses as JSON is kept
  as JSON, as Argo does);
- a container template gets its ``env`` (``secretKeyRef`` from ``secrets``,
  ``configMapRef`` from ``config_maps``, ``fieldRef`` as fixed pod facts), is
  retried up to ``retryStrategy.limit`` times (no backoff wait), and its output
  parameters are read from their ``valueFrom.path`` (mapped under a per-attempt
  directory) or take their ``default``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_TAG = re.compile(r"\{\{\s*([^}]*?)\s*\}\}")


@dataclass
class Attempt:
    """One attempt of one container template."""

    task: str  # "plan" or "research[1]"
    template: str
    retry: int
    args: list[str]
    env: dict[str, str]
    exit_code: int = 0


@dataclass
class DagRun:
    ok: bool
    failed: str | None = None
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # task -> parameters
    attempts: list[Attempt] = field(default_factory=list)


Launch = Callable[[Attempt, Path], int]  # runs one attempt, with /tmp/outputs mapped to the Path


class ArgoDag:
    def __init__(
        self,
        template: dict[str, Any],
        work: Path,
        launch: Launch,
        *,
        parameters: dict[str, str] | None = None,
        secrets: dict[tuple[str, str], str] | None = None,
        config_maps: dict[str, dict[str, str]] | None = None,
    ) -> None:
        spec = template["spec"]
        self.templates = {t["name"]: t for t in spec["templates"]}
        self.entrypoint = spec["entrypoint"]
        declared = {
            p["name"]: p.get("value", "") for p in spec.get("arguments", {}).get("parameters", [])
        }
        self.parameters = {**declared, **(parameters or {})}
        self.uid = str(uuid.uuid4())
        self.work = work
        self.launch = launch
        self.secrets = secrets or {}
        self.config_maps = config_maps or {}
        self.run = DagRun(ok=True)

    # -- substitution --------------------------------------------------------

    def substitute(self, text: str, scope: dict[str, str]) -> str:
        def one(m: re.Match[str]) -> str:
            name = m.group(1)
            if name.startswith("="):
                raise AssertionError(
                    f"expression tag {m.group(0)!r}: the renderer uses simple tags only"
                )
            if name == "workflow.uid":
                return self.uid
            if name.startswith("workflow.parameters."):
                return self.parameters[name.removeprefix("workflow.parameters.")]
            if name not in scope:
                raise AssertionError(f"unresolved tag {m.group(0)!r} in {text!r}")
            return scope[name]

        return _TAG.sub(one, text)

    # -- templates -------------------------------------------------------------

    def execute(self) -> DagRun:
        self._dag(self.templates[self.entrypoint], {}, "")
        return self.run

    def _dag(
        self, template: dict[str, Any], inputs: dict[str, str], prefix: str
    ) -> dict[str, str] | None:
        """Run a DAG template; its output parameters, or None when a task failed."""
        tasks = {t["name"]: t for t in template["dag"]["tasks"]}
        done: dict[str, dict[str, str]] = {}
        scope = {f"inputs.parameters.{k}": v for k, v in inputs.items()}
        order = _topological(tasks)
        for name in order:
            task = tasks[name]
            if "withParam" in task:
                items = json.loads(self.substitute(task["withParam"], scope))
                assert isinstance(items, list), f"withParam of {name} is not a JSON list"
                children = []
                for i, item in enumerate(items):
                    text = item if isinstance(item, str) else json.dumps(item)
                    out = self._task(task, {**scope, "item": text}, f"{prefix}{name}[{i}]")
                    if out is None:
                        return None
                    children.append(out)
                done[name] = _aggregate(children)
            else:
                out = self._task(task, scope, f"{prefix}{name}")
                if out is None:
                    return None
                done[name] = out
            for param, value in done[name].items():
                scope[f"tasks.{name}.outputs.parameters.{param}"] = value
            if not prefix:
                self.run.outputs[name] = done[name]
        return {
            p["name"]: self.substitute(p["valueFrom"]["parameter"], scope)
            for p in template.get("outputs", {}).get("parameters", [])
        }

    def _task(
        self, task: dict[str, Any], scope: dict[str, str], label: str
    ) -> dict[str, str] | None:
        args = {
            p["name"]: self.substitute(p["value"], scope)
            for p in task.get("arguments", {}).get("parameters", [])
        }
        template = self.templates[task["template"]]
        declared = [p["name"] for p in template.get("inputs", {}).get("parameters", [])]
        assert sorted(declared) == sorted(args), (
            f"{label}: arguments {sorted(args)} for inputs {declared}"
        )
        if "dag" in template:
            out = self._dag(template, args, f"{label}/")
        else:
            out = self._container(template, args, label)
        if out is None and self.run.ok:
            self.run.ok, self.run.failed = False, label
        return out

    def _container(
        self, template: dict[str, Any], inputs: dict[str, str], label: str
    ) -> dict[str, str] | None:
        container = template["container"]
        limit = int(template.get("retryStrategy", {}).get("limit", 0))
        for retry in range(limit + 1):
            scope = {f"inputs.parameters.{k}": v for k, v in inputs.items()}
            scope["retries"] = str(retry)
            out_dir = self.work / label.replace("/", "_") / str(retry)
            out_dir.mkdir(parents=True)
            env: dict[str, str] = {}
            for ref in container.get("envFrom", []):
                env.update(self.config_maps[ref["configMapRef"]["name"]])
            for var in container.get("env", []):
                env[var["name"]] = self._env_value(var, scope, out_dir)
            args = [self.substitute(a, scope) for a in container.get("args", [])]
            attempt = Attempt(label, template["name"], retry, args, env)
            attempt.exit_code = self.launch(attempt, out_dir)
            self.run.attempts.append(attempt)
            if attempt.exit_code == 0:
                return {
                    p["name"]: _read(out_dir, p["valueFrom"])
                    for p in template.get("outputs", {}).get("parameters", [])
                }
        return None

    def _env_value(self, var: dict[str, Any], scope: dict[str, str], out_dir: Path) -> str:
        if "value" in var:
            return self.substitute(var["value"], scope).replace("/tmp/outputs", str(out_dir))
        source = var["valueFrom"]
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            return self.secrets[(ref["name"], ref["key"])]
        if "fieldRef" in source:
            return {
                "metadata.name": "pod-0",
                "metadata.namespace": "agents",
                "spec.nodeName": "node-0",
            }.get(source["fieldRef"]["fieldPath"], "fake")
        raise AssertionError(f"unsupported env source {source}")


def _read(out_dir: Path, source: dict[str, Any]) -> str:
    path = out_dir / Path(source["path"]).relative_to("/tmp/outputs")
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if "default" not in source:
            raise AssertionError(f"output {source['path']} missing and no default") from None
        return str(source["default"])


def _aggregate(children: list[dict[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in children[0] if children else []:
        values: list[Any] = []
        for child in children:
            try:
                values.append(json.loads(child[name]))
            except json.JSONDecodeError:
                values.append(child[name])
        out[name] = json.dumps(values)
    return out


def _topological(tasks: dict[str, dict[str, Any]]) -> list[str]:
    order: list[str] = []
    pending = list(tasks)
    while pending:
        ready = [n for n in pending if all(d in order for d in tasks[n].get("dependencies", []))]
        assert ready, f"cycle among {pending}"
        order.extend(ready)
        pending = [n for n in pending if n not in ready]
    return order
