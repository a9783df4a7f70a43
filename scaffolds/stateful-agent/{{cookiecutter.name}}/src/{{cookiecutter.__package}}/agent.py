"""The agent: its instructions, its tools and its memory."""

from __future__ import annotations

import ast
import datetime as dt
import logging
import operator
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from {{ cookiecutter.__package }}._runtime import Agent, Settings, Toolbox, ToolError, tool
from {{ cookiecutter.__package }}._runtime.memory import MemoryStore, MemoryStoreError
from {{ cookiecutter.__package }}._runtime.remote_tools import discover

log = logging.getLogger(__name__)

SYSTEM_PROMPT = """You are {{ cookiecutter.name }}, a research assistant with a long-term memory.
Use search_notes to recall what you learned before, save_note to remember facts
the user tells you or that you found, and the other tools when they help.
Answer concisely and say when you are unsure."""

_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        right = _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 100:
            raise ToolError("exponent too large")
        return _OPS[type(node.op)](_evaluate(node.left), right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.operand))
    raise ToolError("only numbers and + - * / ** ( ) are allowed")


def build_toolbox(memory: MemoryStore, settings: Settings) -> Toolbox:
    @tool(
        description="Save a note to long-term memory: remember a fact, preference or finding for later.",
        parameters={
            "type": "object",
            "properties": {
                "text": {"type": "string", "description": "The fact to remember.", "maxLength": 2000},
                "tags": {"type": "array", "items": {"type": "string"}, "description": "Optional keywords."},
            },
            "required": ["text"],
            "additionalProperties": False,
        },
    )
    def save_note(text: str, tags: list[str] | None = None) -> dict[str, Any]:
        try:
            note = memory.add_note(text, tags)
        except MemoryStoreError as exc:
            raise ToolError(str(exc)) from None
        return {"saved": note["id"]}

    @tool(
        description="Search long-term memory notes: recall what you know or learned before about a subject.",
        parameters={
            "type": "object",
            "properties": {"query": {"type": "string", "description": "Words to look for."}},
            "required": ["query"],
            "additionalProperties": False,
        },
    )
    def search_notes(query: str) -> dict[str, Any]:
        found = memory.search_notes(query)
        return {"notes": [{"id": n["id"], "text": n["text"]} for n in found]}

    @tool(
        description="Calculate an arithmetic expression such as (12.5 * 4) / 3.",
        parameters={
            "type": "object",
            "properties": {"expression": {"type": "string", "maxLength": 200}},
            "required": ["expression"],
            "additionalProperties": False,
        },
    )
    def calculate(expression: str) -> dict[str, Any]:
        expression = re.sub(r"[^0-9.+\-*/()\s]", " ", expression).strip()
        try:
            tree = ast.parse(expression, mode="eval")
        except SyntaxError:
            raise ToolError("not an arithmetic expression") from None
        try:
            return {"value": _evaluate(tree)}
        except ZeroDivisionError:
            raise ToolError("division by zero") from None

    @tool(
        description="Current date and time (UTC) for questions about today or time.",
        parameters={"type": "object", "properties": {}, "additionalProperties": False},
    )
    def current_time() -> dict[str, Any]:
        return {"utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}

    toolbox = Toolbox([search_notes, save_note, calculate, current_time])
    for remote in discover(settings, skip={t.name for t in toolbox}):
        toolbox.add(remote)
    return toolbox


def memory_dir(settings: Settings) -> Path:
    if settings.memory_dir is not None:
        return settings.memory_dir
    fallback = Path(".agent-memory")
    log.warning("AGENT_MEMORY_DIR is not set; keeping memory in %s", fallback.resolve())
    return fallback


class Assistant:
    """The agent plus its memory: one ``ask`` is one run in one conversation."""

    def __init__(self, settings: Settings, *, client: Any = None) -> None:
        self.settings = settings
        self.memory = MemoryStore(memory_dir(settings))
        self.agent = Agent(settings, build_toolbox(self.memory, settings), SYSTEM_PROMPT, client=client)

    def ask(
        self,
        text: str,
        conversation_id: str | None = None,
        progress: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        history = self.memory.load_conversation(conversation_id) if conversation_id else []
        result = self.agent.run(text, history=history, conversation_id=conversation_id, progress=progress)
        self.memory.save_conversation(result.conversation_id, result.messages)
        return result.to_dict()
