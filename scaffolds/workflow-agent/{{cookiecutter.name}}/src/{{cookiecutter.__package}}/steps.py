"""The workflow's three steps. Each is one agent run in its own process (pod).

- ``plan(topic)`` -> a JSON list of research questions (the research step fans out over it)
- ``research(question)`` -> ``{"question", "findings", "sources"}``
- ``write(topic, research)`` -> ``{"topic", "report", "sources"}``
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from typing import Any

from {{ cookiecutter.__package }} import knowledge
from {{ cookiecutter.__package }}._runtime import Agent, Settings, Toolbox, ToolError, tool

MAX_ITEMS = 5  # bounds the fan-out (and so the cost) of one workflow run
ANGLES = ("What is {topic} and what problem does it solve?", "How is {topic} used in practice?",
          "What are the risks and open problems of {topic}?")  # fmt: skip


def parse_plan(text: str) -> list[str]:
    """Research questions from the model's answer: a JSON list, else one question per line."""
    fenced = re.search(r"\[.*\]", text, flags=re.DOTALL)
    if fenced:
        try:
            value = json.loads(fenced.group(0))
        except json.JSONDecodeError:
            value = None
        if isinstance(value, list):
            items = [str(v.get("question", v) if isinstance(v, dict) else v).strip() for v in value]
            return [i for i in items if i][:MAX_ITEMS]
    lines = [re.sub(r"^\s*(?:[-*]|\d+[.)])\s*", "", line).strip() for line in text.splitlines()]
    return [line for line in lines if line][:MAX_ITEMS]


def plan(settings: Settings, topic: str, *, client: Any = None) -> list[str]:
    @tool(
        description="Outline a research topic into standard sub-questions to plan the research.",
        parameters={
            "type": "object",
            "properties": {"topic": {"type": "string", "maxLength": 200}},
            "required": ["topic"],
            "additionalProperties": False,
        },
    )
    def outline_topic(topic: str) -> list[str]:
        return [angle.format(topic=topic.strip()) for angle in ANGLES]

    agent = Agent(
        settings,
        Toolbox([outline_topic]),
        "You plan research. The user gives a topic: break it into 3 to 5 focused, answerable research "
        "questions. You may use outline_topic for a starting point. Reply with a JSON list of strings only.",
        client=client,
    )
    result = agent.run(topic)
    items = parse_plan(result.output)
    if not items:
        raise ValueError("the plan has no research questions")
    return items


def _research_tools(settings: Settings, sources: list[dict[str, str]]) -> Toolbox:
    @tool(
        description="Search the knowledge base for passages about a research question or keywords.",
        parameters={
            "type": "object",
            "properties": {"query": {"type": "string", "maxLength": 300}},
            "required": ["query"],
            "additionalProperties": False,
        },
    )
    def search_knowledge(query: str) -> dict[str, Any]:
        found = knowledge.search(query)
        sources.extend({"id": p["id"], "title": p["title"]} for p in found)
        return {"passages": found}

    toolbox = Toolbox([search_knowledge])
    url = settings.tool_url("web-search")
    if url:

        @tool(
            description="Search the web for a research question; returns titles, URLs and snippets.",
            parameters={
                "type": "object",
                "properties": {"query": {"type": "string", "maxLength": 300}},
                "required": ["query"],
                "additionalProperties": False,
            },
        )
        def web_search(query: str) -> dict[str, Any]:
            target = f"{url.rstrip('/')}/search?{urllib.parse.urlencode({'q': query})}"
            try:
                with urllib.request.urlopen(target, timeout=30) as response:  # declared in agent.yaml
                    data = json.loads(response.read())
            except (OSError, ValueError) as exc:
                raise ToolError(f"web search failed: {exc}") from None
            results = [r for r in data.get("results", []) if isinstance(r, dict)][:5]
            sources.extend({"id": str(r.get("url", "")), "title": str(r.get("title", ""))} for r in results)
            return {"results": results}

        toolbox.add(web_search)
    return toolbox


def research(settings: Settings, question: str, *, client: Any = None) -> dict[str, Any]:
    sources: list[dict[str, str]] = []
    agent = Agent(
        settings,
        _research_tools(settings, sources),
        "You are a research sub-agent. The user gives one research question: search for it, then answer "
        "it in 2 to 4 sentences using only what the search returned. Say so when nothing relevant was found.",
        client=client,
    )
    result = agent.run(question)
    unique = list({s["id"]: s for s in sources}.values())
    return {"question": question, "findings": result.output, "sources": unique}


def write(settings: Settings, topic: str, findings: list[dict[str, Any]], *, client: Any = None) -> dict[str, Any]:
    index_schema: dict[str, Any] = {"type": "integer", "minimum": 0}
    if findings:  # the valid range is part of the tool's schema, so the model can see it
        index_schema["maximum"] = len(findings) - 1

    @tool(
        description="Read the research findings of one item (by index) to write the report.",
        parameters={
            "type": "object",
            "properties": {"index": index_schema},
            "required": ["index"],
            "additionalProperties": False,
        },
    )
    def get_findings(index: int) -> dict[str, Any]:
        if not 0 <= index < len(findings):
            raise ToolError(f"there are {len(findings)} findings (index 0 to {len(findings) - 1})")
        item = findings[index]
        return {"question": item.get("question"), "findings": item.get("findings")}

    agent = Agent(
        settings,
        Toolbox([get_findings]),
        "You write concise research reports in Markdown: a title, one section per research question, "
        "and a short conclusion. Use only the findings you read.",
        client=client,
    )
    result = agent.run(
        f"Write the report on {topic}. Read the research findings with get_findings, index 0 to "
        f"{max(len(findings) - 1, 0)}, one call per index."
    )
    sources = list({s["id"]: s for item in findings for s in item.get("sources", [])}.values())
    lines = [result.output.rstrip(), "", "## Sources", ""]
    lines += [f"- {s['title']} ({s['id']})" for s in sources] or ["- none"]
    return {"topic": topic, "report": "\n".join(lines) + "\n", "sources": sources}
