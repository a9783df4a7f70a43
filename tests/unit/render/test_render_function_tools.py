"""``function`` tools: declared in-process functions, in the contract, never in the network."""

from __future__ import annotations

import json

import pytest
from render_helpers import WORKFLOW, agent_doc, one

from agentctl.errors import SpecError

FUNCTIONS = [
    {"name": "calculate", "kind": "function", "description": "arithmetic"},
    {"name": "save_note", "kind": "function"},
]


def test_function_tools_are_listed_in_agent_tools_without_a_url(render):
    tools = [*FUNCTIONS, {"name": "web-search", "kind": "http", "url": "https://api.example.com"}]
    data = one(render(agent_doc(tools=tools)), "ConfigMap", "demo-config")["data"]
    assert json.loads(data["AGENT_TOOLS"]) == [
        {"name": "calculate", "kind": "function"},
        {"name": "save_note", "kind": "function"},
        {"name": "web-search", "kind": "http", "url": "https://api.example.com"},
    ]
    assert not [k for k in data if k.startswith("AGENT_TOOL_") and "WEB_SEARCH" not in k]


def test_function_tools_render_nothing_and_open_no_egress(render):
    without = render(agent_doc())
    with_functions = render(agent_doc(tools=FUNCTIONS))
    assert [(o.kind, o.name) for o in with_functions.objects] == [
        (o.kind, o.name) for o in without.objects
    ]
    assert one(with_functions, "NetworkPolicy", "demo") == one(without, "NetworkPolicy", "demo")
    pod = one(with_functions, "Deployment")["spec"]["template"]["spec"]
    assert "runtimeClassName" not in pod and pod["automountServiceAccountToken"] is False


def test_a_sandboxed_function_tool_runs_the_agent_pod_under_its_runtime_class(render):
    repl = {
        "name": "run_python",
        "kind": "function",
        "executesCode": True,
        "sandbox": "gvisor",
        "reason": "runs analyst snippets on uploaded CSVs",
    }
    bundle = render(agent_doc(tools=[*FUNCTIONS, repl]))
    assert one(bundle, "Deployment")["spec"]["template"]["spec"]["runtimeClassName"] == "gvisor"
    job = render(agent_doc(type="job", port=None, tools=[repl]))
    assert one(job, "Job")["spec"]["template"]["spec"]["runtimeClassName"] == "gvisor"
    wf = render(agent_doc(type="workflow", port=None, workflow=WORKFLOW, tools=[repl]))
    template = one(wf, "WorkflowTemplate")
    assert json.loads(template["spec"]["podSpecPatch"]) == {"runtimeClassName": "gvisor"}


def test_function_tool_names_are_what_the_model_calls(render):
    bad = render_error(render, [{"name": "save note", "kind": "function"}])
    assert "spec.tools[0].name" in bad and "not a function name" in bad
    dup = render_error(
        render,
        [
            {"name": "web_search", "kind": "function"},
            {"name": "web-search", "kind": "http", "url": "https://api.example.com"},
        ],
    )
    assert "duplicate tool name 'web-search'" in dup and "the same as 'web_search'" in dup


def test_function_tools_of_one_agent_share_one_sandbox(render):
    tools = [
        {"name": f"f{i}", "kind": "function", "executesCode": True, "sandbox": box, "reason": "r"}
        for i, box in enumerate(["gvisor", "kata"])
    ]
    message = render_error(render, tools)
    assert "spec.tools[1].sandbox" in message and "one RuntimeClass" in message


def render_error(render, tools) -> str:
    with pytest.raises(SpecError) as caught:
        render(agent_doc(tools=tools))
    return "\n".join(f"{p.path}: {p.message}" for p in caught.value.problems)
