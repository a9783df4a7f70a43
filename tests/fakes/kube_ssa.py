"""Server-side apply, field ownership and selectors for the fake Kubernetes API.

A deliberately small model of what the real API server does, good enough to
test a client against:

- a field set is the set of leaf paths of an applied configuration; lists of
  maps whose items all carry ``name`` are associative (keyed by name), every
  other list is atomic;
- each field manager owns a field set; applying a field another manager owns
  with a *different* value is a conflict (409) unless ``force``; equal values
  are shared ownership;
- fields a manager owned before and no longer applies are removed unless
  another manager still owns them.
"""

from __future__ import annotations

import json
import re
from typing import Any

Path = tuple[Any, ...]  # str for map keys, ("name", value) for keyed list items

IGNORED_META = {
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "managedFields",
    "generation",
    "selfLink",
}


def _keyed(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in value)
    )


def field_set(obj: Any, prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    if isinstance(obj, dict) and obj:
        for key, value in obj.items():
            if not prefix and key in ("apiVersion", "kind"):
                continue
            if prefix == ("metadata",) and key in IGNORED_META | {"name", "namespace"}:
                continue
            out |= field_set(value, (*prefix, key))
        return out
    if _keyed(obj):
        for item in obj:
            item_path = (*prefix, ("name", item["name"]))
            out.add(item_path)  # the item itself (its key field goes with it)
            out |= field_set({k: v for k, v in item.items() if k != "name"}, item_path)
        return out
    if prefix:
        out.add(prefix)
    return out


def format_path(path: Path) -> str:
    parts = []
    for p in path:
        if isinstance(p, tuple):
            parts.append(f'[{p[0]}="{p[1]}"]')
        else:
            parts.append(f".{p}")
    return "".join(parts)


_MISSING = object()


def clone(value: Any) -> Any:
    """A deep copy of plain JSON data (much faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def get_path(obj: Any, path: Path) -> Any:
    cur = obj
    for p in path:
        if isinstance(p, tuple):
            if not isinstance(cur, list):
                return _MISSING
            cur = next((i for i in cur if isinstance(i, dict) and i.get(p[0]) == p[1]), _MISSING)
        elif isinstance(cur, dict) and p in cur:
            cur = cur[p]
        else:
            return _MISSING
        if cur is _MISSING:
            return _MISSING
    return cur


def _set_path(obj: dict[str, Any], path: Path, value: Any) -> None:
    cur: Any = obj
    for i, p in enumerate(path):
        last = i == len(path) - 1
        nxt = path[i + 1] if not last else None
        if isinstance(p, tuple):
            item = next((x for x in cur if isinstance(x, dict) and x.get(p[0]) == p[1]), None)
            if item is None:
                item = {p[0]: p[1]}
                cur.append(item)
            if last:
                return
            cur = item
            continue
        if last:
            cur[p] = clone(value)
            return
        want_list = isinstance(nxt, tuple)
        if p not in cur or not isinstance(cur[p], list if want_list else dict):
            cur[p] = [] if want_list else {}
        cur = cur[p]


def _delete_path(obj: dict[str, Any], path: Path) -> None:
    parents: list[Any] = []
    cur: Any = obj
    for p in path[:-1]:
        parents.append(cur)
        nxt = get_path(cur, (p,))
        if nxt is _MISSING:
            return
        cur = nxt
    last = path[-1]
    if isinstance(last, tuple):
        if isinstance(cur, list):
            cur[:] = [i for i in cur if not (isinstance(i, dict) and i.get(last[0]) == last[1])]
    elif isinstance(cur, dict):
        cur.pop(last, None)
    # drop containers the removal emptied (never metadata itself)
    for depth in range(len(path) - 1, 0, -1):
        container = get_path(obj, path[:depth])
        if container in ({}, []) and path[:depth] != ("metadata",):
            _delete_path_shallow(obj, path[:depth])
        else:
            break


def _delete_path_shallow(obj: dict[str, Any], path: Path) -> None:
    parent = get_path(obj, path[:-1]) if len(path) > 1 else obj
    last = path[-1]
    if isinstance(last, tuple) and isinstance(parent, list):
        parent[:] = [i for i in parent if not (isinstance(i, dict) and i.get(last[0]) == last[1])]
    elif isinstance(parent, dict):
        parent.pop(last, None)


class ApplyConflict(Exception):
    def __init__(self, conflicts: list[tuple[str, Path]]) -> None:
        super().__init__("conflict")
        self.conflicts = conflicts


def apply(
    live: dict[str, Any] | None,
    config: dict[str, Any],
    manager: str,
    owners: dict[str, set[Path]],
    *,
    force: bool,
) -> tuple[dict[str, Any], dict[str, set[Path]]]:
    """Merge ``config`` applied by ``manager`` into ``live``; returns (object, owners)."""
    result = (
        clone(live)
        if live
        else {"apiVersion": config.get("apiVersion"), "kind": config.get("kind")}
    )
    result.setdefault("metadata", {})
    owners = {m: set(paths) for m, paths in owners.items()}
    new = field_set(config)
    conflicts = []
    for other, paths in owners.items():
        if other == manager:
            continue
        for path in sorted(new & paths, key=format_path):
            if get_path(result, path) != get_path(config, path) and not isinstance(path[-1], tuple):
                conflicts.append((other, path))
    if conflicts and not force:
        raise ApplyConflict(conflicts)
    for other, path in conflicts:
        owners[other].discard(path)
    previous = owners.get(manager, set())
    others = set().union(*(p for m, p in owners.items() if m != manager)) if owners else set()
    for path in sorted(previous - new, key=len, reverse=True):
        if path in others or any(o[: len(path)] == path for o in others):
            continue
        _delete_path(result, path)
    for path in sorted(new, key=len):
        if isinstance(path[-1], tuple):
            _set_path(result, path, None)
        else:
            _set_path(result, path, get_path(config, path))
    owners[manager] = new
    return result, {m: p for m, p in owners.items() if p}


def update_owners(
    before: dict[str, Any] | None, after: dict[str, Any], manager: str, owners: dict[str, set[Path]]
) -> dict[str, set[Path]]:
    """An Update (PUT, merge patch) makes ``manager`` own every field it changed."""
    owners = {m: set(p) for m, p in owners.items()}
    old = field_set(before or {})
    changed = {
        p for p in field_set(after) if p not in old or get_path(before, p) != get_path(after, p)
    }
    for m in owners:
        if m != manager:
            owners[m] -= changed
    owners.setdefault(manager, set()).update(changed)
    return {m: p for m, p in owners.items() if p}


def fields_v1(paths: set[Path]) -> dict[str, Any]:
    """Encode a field set the way managedFields[].fieldsV1 does."""
    root: dict[str, Any] = {}
    for path in paths:
        cur = root
        for p in path:
            key = (
                "k:" + json.dumps({p[0]: p[1]}, separators=(",", ":"))
                if isinstance(p, tuple)
                else f"f:{p}"
            )
            cur = cur.setdefault(key, {})
            if isinstance(p, tuple):
                cur.setdefault(".", {})
    return root


# --- selectors -------------------------------------------------------------

_REQ = re.compile(
    r"^\s*(?P<neg>!)?(?P<key>[A-Za-z0-9_./-]+)\s*"
    r"(?:(?P<op>==|=|!=)\s*(?P<val>[A-Za-z0-9_.-]*)"
    r"|\s+(?P<setop>in|notin)\s*\((?P<vals>[^)]*)\))?\s*$"
)


def _split_selector(selector: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def parse_selector(selector: str | None) -> list[tuple[str, str, Any]]:
    reqs: list[tuple[str, str, Any]] = []
    for part in _split_selector(selector or ""):
        m = _REQ.match(part)
        if not m:
            raise ValueError(f"unable to parse requirement: {part!r}")
        key = m.group("key")
        if m.group("neg"):
            reqs.append((key, "!exists", None))
        elif m.group("op"):
            reqs.append((key, "!=" if m.group("op") == "!=" else "=", m.group("val")))
        elif m.group("setop"):
            vals = {v.strip() for v in m.group("vals").split(",") if v.strip()}
            reqs.append((key, m.group("setop"), vals))
        else:
            reqs.append((key, "exists", None))
    return reqs


def labels_match(labels: dict[str, str], reqs: list[tuple[str, str, Any]]) -> bool:
    for key, op, val in reqs:
        have = labels.get(key)
        if op == "=" and have != val:
            return False
        if op == "!=" and have == val:
            return False
        if op == "exists" and key not in labels:
            return False
        if op == "!exists" and key in labels:
            return False
        if op == "in" and have not in val:
            return False
        if op == "notin" and have in val:
            return False
    return True


def fields_match(obj: dict[str, Any], selector: str | None) -> bool:
    for part in _split_selector(selector or ""):
        neg = "!=" in part
        key, _, val = part.partition("!=" if neg else "=")
        val = val.lstrip("=")
        cur: Any = obj
        for p in key.strip().split("."):
            cur = cur.get(p) if isinstance(cur, dict) else None
        equal = str(cur if cur is not None else "") == val.strip()
        if equal == neg:
            return False
    return True
