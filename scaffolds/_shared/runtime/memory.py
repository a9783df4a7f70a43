"""Long-term memory under ``AGENT_MEMORY_DIR``: conversations and learned notes.

Everything is a JSON file written atomically (temporary file, fsync, rename),
so a pod killed mid-write leaves the previous version, and a restarted agent
reloads exactly what was saved. Layout::

    <memory dir>/conversations/<conversation id>.json   {"id", "messages": [...]}
    <memory dir>/notes.json                             {"notes": [{"id", "text", "tags", "created"}]}
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path
from typing import Any

from .storage import atomic_write_json, read_json

CONVERSATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_MESSAGES = 40  # kept per conversation: bounds the context sent to the model
MAX_NOTES = 1000
_WORD = re.compile(r"[a-z0-9]+")


class MemoryStoreError(ValueError):
    """A conversation id or note that cannot be stored."""


class MemoryStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.RLock()
        (root / "conversations").mkdir(parents=True, exist_ok=True)

    # conversations -------------------------------------------------------
    def _conversation_file(self, conversation_id: str) -> Path:
        if not CONVERSATION_ID.match(conversation_id):
            raise MemoryStoreError("conversation_id must be 1-64 letters, digits, '-' or '_'")
        return self.root / "conversations" / f"{conversation_id}.json"

    def load_conversation(self, conversation_id: str) -> list[dict[str, Any]]:
        with self._lock:
            data = read_json(self._conversation_file(conversation_id), {})
        return list(data.get("messages", []))

    def save_conversation(self, conversation_id: str, messages: list[dict[str, Any]]) -> None:
        kept = _trim(messages, MAX_MESSAGES)
        with self._lock:
            atomic_write_json(self._conversation_file(conversation_id), {"id": conversation_id, "messages": kept})

    def conversation_ids(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "conversations").glob("*.json"))

    # notes -----------------------------------------------------------------
    def notes(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(read_json(self.root / "notes.json", {}).get("notes", []))

    def add_note(self, text: str, tags: list[str] | None = None) -> dict[str, Any]:
        text = text.strip()
        if not text:
            raise MemoryStoreError("a note needs some text")
        with self._lock:
            notes = self.notes()
            note = {
                "id": (notes[-1]["id"] + 1) if notes else 1,
                "text": text[:2000],
                "tags": sorted({t.strip().lower() for t in tags or [] if t.strip()}),
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            notes.append(note)
            atomic_write_json(self.root / "notes.json", {"notes": notes[-MAX_NOTES:]})
        return note

    def search_notes(self, query: str, limit: int = 5) -> list[dict[str, Any]]:
        wanted = set(_WORD.findall(query.lower()))
        scored = []
        for note in self.notes():
            words = set(_WORD.findall(note["text"].lower())) | set(note.get("tags", []))
            score = len(wanted & words)
            if score:
                scored.append((-score, -note["id"], note))
        return [item[2] for item in sorted(scored, key=lambda s: s[:2])[:limit]]


def _trim(messages: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The last ``limit`` messages, never starting on a tool result cut from its call."""
    kept = messages[-limit:]
    while kept and (kept[0].get("role") == "tool" or kept[0].get("role") == "assistant"):
        kept = kept[1:]
    return kept
