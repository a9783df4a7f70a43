"""A contract scenario at the command line: an RBAC-limited user runs deploy, status and delete.

First the user may only get, list and watch in one namespace (a Role and a RoleBinding,
created by an admin): ``status`` works; ``deploy`` and ``delete`` stop with exit 3 and one
line naming the verb and the resource. Then the Role allows every verb in the namespace (and
still nothing at cluster scope): deploy and delete work. The cluster tests run the steps against a real kube-apiserver and
record what each command answered (``recorded/cli/cli-rbac-namespace-user.json``, re-recorded by
``nox -s cluster``); the ordinary suite runs them against the fake, whose RBAC evaluates the
same Role and RoleBinding, and requires the same answers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.cli.helpers import run_cli
from tests.contract.scenarios import RECORDED

SCENARIO = "cli-rbac-namespace-user"
USER = "limited-user"  # the harness's limited client certificate's CN
AGENT = "currency-converter"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RBAC = "rbac.authorization.k8s.io"

READ = ["get", "list", "watch"]
# (step, arguments, run as the limited user, the verbs its Role allows from this step on):
# the admin deploys first, so there is something to read and to delete; then the user may
# read in the namespace; then do anything in it (a namespace admin)
STEPS: list[tuple[str, list[str], bool, list[str] | None]] = [
    ("admin deploys", ["deploy", "--no-wait"], False, None),
    ("status", ["status", "-o", "json"], True, READ),
    ("deploy a change", ["deploy", "--no-wait"], True, None),
    ("delete", ["delete", AGENT, "--yes"], True, None),
    ("admin status", ["status", "-o", "json"], False, None),
    ("namespace admin deploys", ["deploy", "--no-wait"], True, ["*"]),
    ("namespace admin deletes", ["delete", AGENT, "--yes"], True, None),
    ("status after delete", ["status", "-o", "json"], True, None),
]


def role(ns: str, verbs: list[str]) -> list[dict[str, Any]]:
    """A Role allowing ``verbs`` on everything in ``ns``, bound to the user."""
    return [
        {
            "apiVersion": f"{RBAC}/v1",
            "kind": "Role",
            "metadata": {"name": "agent-user", "namespace": ns},
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": verbs}],
        },
        {
            "apiVersion": f"{RBAC}/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "agent-user", "namespace": ns},
            "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": "agent-user"},
            "subjects": [{"apiGroup": RBAC, "kind": "User", "name": USER}],
        },
    ]


def project(root: Path, ns: str) -> Path:
    proj = root / AGENT
    proj.mkdir(parents=True)
    shutil.copy(EXAMPLES / AGENT / "agent.yaml", proj / "agent.yaml")
    (proj / "platform.yaml").write_text(
        json.dumps({"apiVersion": "agentctl.dev/v1alpha1", "kind": "Platform", "namespace": ns})
    )
    (proj / ".git").mkdir()
    return proj


def normalise(text: str, ns: str) -> str:
    return re.sub(r"\s+", " ", text.replace(ns, "NAMESPACE")).strip()


def run(
    proj: Path,
    ns: str,
    admin: Path,
    limited: Path,
    grant: Callable[[list[dict[str, Any]]], None],
) -> list[dict[str, Any]]:
    """Run the steps in ``proj`` (the current directory); what each answered, comparable."""
    answers = []
    saved = os.environ.get("KUBECONFIG")
    cwd = Path.cwd()
    os.chdir(proj)
    try:
        for step, args, as_limited, verbs in STEPS:
            if verbs is not None:
                grant(role(ns, verbs))
            if step == "deploy a change":
                doc = (proj / "agent.yaml").read_text()
                (proj / "agent.yaml").write_text(doc.replace("version: 2.1.0", "version: 2.2.0"))
            os.environ["KUBECONFIG"] = str(limited if as_limited else admin)
            res = run_cli(*args)
            answer: dict[str, Any] = {"step": step, "exit": res.exit_code}
            if res.exit_code != 0:
                # the error and hint lines (progress and tables depend on the terminal)
                answer["stderr"] = [
                    normalise(line, ns)
                    for line in res.stderr.splitlines()
                    if line.startswith(("error:", "hint:"))
                ]
            elif "-o" in args:
                answer["agents"] = [a["name"] for a in json.loads(res.stdout)["data"]["agents"]]
            answers.append(answer)
    finally:
        os.chdir(cwd)
        if saved is None:
            os.environ.pop("KUBECONFIG", None)
        else:
            os.environ["KUBECONFIG"] = saved
    return answers


def recorded() -> dict[str, Any] | None:
    path = RECORDED / "cli" / f"{SCENARIO}.json"
    return json.loads(path.read_text()) if path.exists() else None


def record(answers: list[dict[str, Any]], server_version: str) -> None:
    doc = {"scenario": SCENARIO, "server": server_version, "steps": answers}
    (RECORDED / "cli" / f"{SCENARIO}.json").write_text(
        json.dumps(doc, indent=2, sort_keys=True) + "\n"
    )


def grant_as(admin: Path) -> Callable[[list[dict[str, Any]]], None]:
    """Apply RBAC objects with agentctl's own client as the admin (the same on both servers)."""

    def grant(objs: list[dict[str, Any]]) -> None:
        from agentctl.deploy.discovery import ResourceInfo
        from tests.fakes.kube_fixtures import client_for

        with client_for(admin) as client:
            for obj in objs:
                plural = obj["kind"].lower() + "s"
                client.apply(ResourceInfo(RBAC, "v1", obj["kind"], plural, True, frozenset()), obj)

    return grant


def check(answers: list[dict[str, Any]]) -> None:
    """What the steps must answer on any server (the recording pins the exact lines)."""
    by = {a["step"]: a for a in answers}
    assert by["admin deploys"]["exit"] == 0, by["admin deploys"]
    assert by["status"] == {"step": "status", "exit": 0, "agents": [AGENT]}, by["status"]
    # deploy renders the agent's Namespace: a user with rights in the namespace only is
    # stopped at applying it, before anything else is written
    for step, verb in (("deploy a change", "patch namespaces"), ("delete", "delete")):
        got = by[step]
        assert got["exit"] == 3, got
        first = got["stderr"][0]
        assert first.startswith(f'error: forbidden: user "{USER}" may not {verb} '), got
        assert got["stderr"][-1].startswith("hint: ask a cluster admin"), got
    assert by["admin status"] == {"step": "admin status", "exit": 0, "agents": [AGENT]}
    # rights in the namespace are enough to deploy and delete there: the Namespace object
    # itself is authorized in the namespace
    assert by["namespace admin deploys"]["exit"] == 0, by["namespace admin deploys"]
    assert by["namespace admin deletes"]["exit"] == 0, by["namespace admin deletes"]
    assert by["status after delete"]["agents"] == [], by["status after delete"]
