"""Safe YAML loading that keeps the line and column of every value.

PyYAML's SafeLoader composes the node graph (aliases share nodes, so a
"billion laughs" document composes quickly); we then build plain Python data
ourselves, counting every node we materialise so that alias expansion is
bounded, rejecting duplicate keys, and recording ``path -> (line, column)``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from agentctl.errors import Problem, SpecError

# Reading the text (bounded, regular files only, UTF-8) needs no YAML: it lives apart, for
# readers of other formats, and is named here too for the YAML readers.
from agentctl.spec.textfile import MAX_FILE_BYTES as MAX_FILE_BYTES
from agentctl.spec.textfile import decode as decode
from agentctl.spec.textfile import read_stdin as read_stdin
from agentctl.spec.textfile import read_text

# A Kubernetes manifest or CRD file (`validate -f`, `--crd-dir`): generated CRDs run to a few MB.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_NODES = 100_000  # materialised nodes, aliases counted at every use
MAX_DEPTH = 64

PathKey = tuple[str | int, ...]

# libyaml's parser when PyYAML was built with it (about 5x faster), else pure Python.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class Located:
    """Parsed YAML data with a source position for every path in it.

    Documents parsed on the fast path (see :func:`parse_documents`) get their
    positions on first use, by reading that document's events again, only as
    far as the path asked for (:class:`_PositionScan`).
    """

    def __init__(
        self,
        file: str,
        data: Any,
        positions: dict[PathKey, tuple[int, int]] | None = None,
        key_positions: dict[PathKey, tuple[int, int]] | None = None,
        *,
        source: _PositionScan | tuple[str, int, tuple[int, int, int]] | None = None,
    ) -> None:
        self.file = file
        self.data = data
        self._positions = positions if positions is not None else {}
        self._key_positions = key_positions if key_positions is not None else {}
        # a scan, or what makes one when first asked: (text, index, span) of _reparse
        # (most documents of a manifest set are never asked where a field is)
        self._scan = source

    @property
    def _source(self) -> _PositionScan | None:
        scan = self._scan
        if isinstance(scan, tuple):
            text, index, span = scan
            scan = self._scan = _reparse(text, self.file, index, span)
        return scan

    def _located(self, paths: Collection[PathKey] | None = None) -> None:
        """Positions known for ``paths`` and their ancestors (None: for every path)."""
        scan = self._source
        if scan is not None and scan.until(paths):
            self._scan = None
        if scan is not None:
            self._positions, self._key_positions = scan.positions, scan.key_positions

    @property
    def positions(self) -> dict[PathKey, tuple[int, int]]:
        self._located()
        return self._positions

    @property
    def key_positions(self) -> dict[PathKey, tuple[int, int]]:
        self._located()
        return self._key_positions

    def position(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """The closest known position of ``path`` (walking up to the document)."""
        p = tuple(path)
        self._located((p,))
        positions = self._positions
        table = self._key_positions if key else positions
        while p:
            if p in table:
                return table[p]
            if p in positions:
                return positions[p]
            p = p[:-1]
        return positions.get((), (1, 1))

    def locate_all(self, paths: Iterable[PathKey]) -> None:
        """Work out the positions of ``paths`` together (one pass over the document's
        lines where it can), before they are asked one by one."""
        self._located([tuple(p) for p in paths])

    def problem(
        self, path: PathKey, message: str, *, key: bool = False, dotted: str | None = None
    ) -> Problem:
        line, col = self.position(path, key=key)
        return Problem(
            self.file, line, col, dotted if dotted is not None else dotted_path(path), message
        )


def dotted_path(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.positions: dict[PathKey, tuple[int, int]] = {}
        self.key_positions: dict[PathKey, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.constructor = yaml.constructor.SafeConstructor()
        self._merged: dict[int, list[tuple[yaml.Node, yaml.Node, bool]]] = {}
        self._seen: set[int] = set()  # nodes built so far: one seen twice came through an alias
        self.aliased = False

    def _pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def build(self, node: yaml.Node, path: PathKey, depth: int = 0) -> Any:
        self.count += 1
        if id(node) in self._seen:
            self.aliased = True
        else:
            self._seen.add(id(node))
        if self.count > MAX_NODES:
            line, col = self._pos(node)
            message = (
                f"document expands to more than {MAX_NODES} values through YAML aliases "
                "(an alias bomb?); refused"
                if self.aliased
                else f"document has more than {MAX_NODES} values; refused (split it into "
                "smaller documents)"
            )
            raise SpecError([Problem(self.file, line, col, dotted_path(path), message)])
        if depth > MAX_DEPTH:
            line, col = self._pos(node)
            raise SpecError(
                [
                    Problem(
                        self.file,
                        line,
                        col,
                        dotted_path(path),
                        f"nesting deeper than {MAX_DEPTH} levels",
                    )
                ]
            )
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            # A block under a key is best located at its key ("resources:").
            self.positions.setdefault(path, self.key_positions.get(path, self._pos(node)))
        else:
            self.positions.setdefault(path, self._pos(node))
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
            line, col = self._pos(node)
            self.problems.append(
                Problem(
                    self.file, line, col, dotted_path(path), f"unsupported YAML tag {node.tag!r}"
                )
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            line, col = self._pos(node)
            message = _scalar_problem(node, exc)
            self.problems.append(Problem(self.file, line, col, dotted_path(path), message))
            return None
        # Timestamps and binary become strings: the spec has no such types, and
        # a date like 2027-03-31 is validated by the field that expects it.
        if not isinstance(value, str | int | float | bool) and value is not None:
            value = node.value
        return value

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node, merged in self._pairs(node):
            key = self._key(key_node, path)
            if key is None:
                continue
            child = (*path, key)
            if key in out:
                if not merged:
                    line, col = self._pos(key_node)
                    first = self.key_positions.get(child, (0, 0))[0]
                    message = f"duplicate key {key!r} (first defined on line {first})"
                    self.problems.append(Problem(self.file, line, col, dotted_path(child), message))
                continue
            self.key_positions[child] = self._pos(key_node)
            out[key] = self.build(value_node, child, depth + 1)
        return out

    def _pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node, bool]]:
        """The entries of a mapping with merge keys (``<<: *base``) resolved.

        Explicit entries come first and win; merged entries follow, the first
        merged mapping winning, as the YAML merge-key spec says. Unlike PyYAML's
        ``flatten_mapping`` this never mutates the (shared) nodes, and each
        mapping's merged entries are computed once, so a chain of merges of
        merges cannot grow exponentially.
        """
        cached = self._merged.get(id(node))
        if cached is not None:
            return cached
        own: list[tuple[yaml.Node, yaml.Node, bool]] = []
        merged: list[tuple[yaml.Node, yaml.Node, bool]] = []
        seen: set[tuple[str, Any]] = set()
        self._merged[id(node)] = own  # a merge cycle sees no entries
        for key_node, value_node in node.value:
            if key_node.tag != "tag:yaml.org,2002:merge":
                own.append((key_node, value_node, False))
                continue
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    line, col = self._pos(source)
                    message = "'<<' (merge key) needs a mapping or a list of mappings"
                    self.problems.append(Problem(self.file, line, col, "", message))
                    continue
                for k, v, _ in self._pairs(source):
                    ident = (k.tag, k.value if isinstance(k, yaml.ScalarNode) else id(k))
                    if ident not in seen:
                        seen.add(ident)
                        merged.append((k, v, True))
        result = own + merged
        self._merged[id(node)] = result
        return result

    def _key(self, key_node: yaml.Node, path: PathKey) -> str | None:
        if isinstance(key_node, yaml.ScalarNode):
            try:
                key = self.constructor.construct_object(key_node, deep=True)
            except (yaml.YAMLError, ValueError, OverflowError) as exc:
                line, col = self._pos(key_node)
                message = _scalar_problem(key_node, exc)
                self.problems.append(Problem(self.file, line, col, dotted_path(path), message))
                return None
            if isinstance(key, str | int | float | bool) and key is not None:
                return key if isinstance(key, str) else str(key_node.value)
        line, col = self._pos(key_node)
        self.problems.append(
            Problem(self.file, line, col, dotted_path(path), "mapping keys must be plain strings")
        )
        return None


_SCALAR_KINDS = {
    "tag:yaml.org,2002:int": "integer",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:timestamp": "date",
}


def _scalar_problem(node: yaml.Node, exc: Exception) -> str:
    """Why a scalar cannot be read: PyYAML's own words, or (where PyYAML's constructor
    fails outright, as on 0b_ or 2001-13-45) what it looked like."""
    if isinstance(exc, yaml.YAMLError):
        return _short(exc)
    what = _SCALAR_KINDS.get(str(node.tag), "value")
    return f"{node.value!r} reads as a YAML {what} but is not a valid one; quote it for a string"


def _short(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"{context}, {problem}" if context else str(problem)
    return " ".join(text.split())


def _mark_problem(file: str, exc: yaml.YAMLError, text: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = _short(exc)
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in here[: len(here) - len(here.lstrip(" \t"))] or "'\\t'" in message:
        message = "tab characters are not allowed for indentation in YAML; use spaces"
    elif "maximum nesting depth" in message:
        message = f"nested too deeply (the limit is {MAX_DEPTH} levels)"
    elif message.endswith("found undefined alias"):  # libyaml does not name it
        alias = re.match(r"\*([^\s,\]}]+)", here[col - 1 :])
        message += f" {alias.group(1)!r}" if alias else ""
    return Problem(file, line, col, "", f"invalid YAML: {message}")


def parse_documents(
    text: str, file: str, *, allow_multi: bool = False, native: bool = False
) -> list[Located]:
    """Parse YAML text into located documents. Empty documents are skipped.

    Most documents are plain (no aliases, tags, merge keys or duplicate keys):
    they are built straight from libyaml's events, and their positions come
    from a second, position-tracking parse of that document only when
    something asks where a field is (a finding, an error). Anything else goes
    through the position-tracking builder, which reports every problem.

    ``native`` (``validate -f``, agent.yaml and platform.yaml) first tries a
    parser that builds the data in native code (:func:`_native_documents`),
    kept only where its data are provably what the builder makes.
    """
    bad = _non_printable(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        message = f"invalid YAML: control character U+{ord(bad.group()):04X} is not allowed"
        raise SpecError([Problem(file, line, col, "", message)])
    fast = _native_documents(text) if native else None
    if fast is not None and not allow_multi and len(fast) > 1:
        fast = None  # the builder reports the second document
    if fast is None:
        fast = _fast_documents(text, allow_multi)
    if fast is None:
        return _parse_located(text, file, allow_multi)
    return [Located(file, data, source=(text, i, span)) for i, (data, span) in enumerate(fast)]


# What YAML allows of ASCII: tab, line feed, carriage return and the printable range.
_PRINTABLE_ASCII = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x7F)])


def _non_printable(text: str) -> re.Match[str] | None:
    """The first character YAML does not allow (PyYAML's own test); ASCII text is
    first checked by deleting what is allowed, many times faster than the expression."""
    if text.isascii() and not text.encode("ascii").translate(None, _PRINTABLE_ASCII):
        return None
    return yaml.reader.Reader.NON_PRINTABLE.search(text)


def _reparse(text: str, file: str, index: int, span: tuple[int, int, int]) -> _PositionScan:
    """Document ``index`` of ``text``, whose own text is ``span``: its positions, on demand."""

    def whole() -> Located:
        return _parse_located(text, file, True)[index]

    return _PositionScan(text, span, whole)


class _PositionScan:
    """The positions :class:`_Builder` records, for one plain document of ``text``
    (``span``: it starts at the beginning of 0-based line ``line``, at ``start``, and
    ends at ``end``): read from libyaml's events, nothing built, and only as far as
    a caller needs."""

    def __init__(self, text: str, span: tuple[int, int, int], whole: Callable[[], Located]) -> None:
        self.positions: dict[PathKey, tuple[int, int]] = {}
        self.key_positions: dict[PathKey, tuple[int, int]] = {}
        self._text, self._span, self._whole = text, span, whole
        self._get: Callable[[], Any] | None = None
        self._paths: list[PathKey] = []  # the path of each open collection
        self._slots: list[Any] = []  # per open collection: the next list index, or the key read
        self._done = False
        self._lines: _BlockLines | None = None  # made on the first question
        self._by_lines = True  # until the line reader meets what it does not read
        self._asked: set[PathKey] = set()

    def until(self, paths: Collection[PathKey] | None) -> bool:
        """Read until the positions of ``paths`` are known, or known to be absent (the
        collection that would hold one has ended); None reads it all. True when done."""
        if self._done:
            return True
        if paths is not None:
            paths = [p for p in paths if p not in self.positions]
            if not paths:
                return False
        if self._by_lines:
            if paths is not None:
                paths = {p for p in paths if p not in self._asked}
                if not paths:
                    return False  # answered already: absent, their ancestors recorded
                self._asked |= paths
            if self._lines is None:
                self._lines = _BlockLines(self._text, self._span)
            # Each question reads from the top (what it does not need is skipped fast),
            # the paths asked together in one pass; past a few questions, the whole
            # document once, so many findings cost linear time.
            whole = paths is None or len(self._asked) > _BLOCK_QUESTIONS
            try:  # a plain block document: from its lines, as far as asked
                self._lines.locate(None if whole else paths, self.positions, self.key_positions)
                if not whole:
                    return False
                self._done, self._lines = True, None
                return True
            except _NotPlain:  # libyaml's events instead, from the start
                self._by_lines, self._lines = False, None
                self.positions, self.key_positions = {}, {}
        try:
            if all(self._read(path) for path in (paths or (None,))):
                return False
        except (_NotPlain, yaml.YAMLError):  # not expected of a document the fast path read
            full = self._whole()
            self.positions, self.key_positions = full.positions, full.key_positions
        self._done, self._get = True, None
        return True

    def _read(self, target: PathKey | None) -> bool:
        """Record positions up to ``target``: True when it is resolved, False at the end."""
        line, start, end = self._span
        get = self._get
        if get is None:
            get = self._get = _LOADER(self._text[start:end]).get_event
            get()  # the stream's start
            get()  # the document's start
        positions, key_positions = self.positions, self.key_positions
        paths, slots = self._paths, self._slots
        depth = -1 if target is None else len(target)
        while True:
            event = get()
            cls = event.__class__
            if cls is MappingEndEvent or cls is SequenceEndEvent:
                slots.pop()
                ended = paths.pop()
                if len(ended) < depth and target[: len(ended)] == ended:  # type: ignore[index]
                    return True  # the collection that would hold it
                continue
            if cls is DocumentEndEvent:
                return False
            if (
                cls is not ScalarEvent
                and cls is not MappingStartEvent
                and cls is not SequenceStartEvent
            ):
                raise _NotPlain  # an alias
            mark = event.start_mark
            here = (mark.line + line + 1, mark.column + 1)
            if not paths:
                path: PathKey = ()
            elif slots[-1].__class__ is int:
                path = (*paths[-1], slots[-1])
                slots[-1] += 1
            elif slots[-1] is None:  # a mapping's key
                key = _plain(event.value)[1] if event.implicit[0] else event.value
                slots[-1] = (key,)
                key_positions[(*paths[-1], key)] = here
                continue
            else:
                path = (*paths[-1], slots[-1][0])
                slots[-1] = None
            if cls is ScalarEvent:
                positions.setdefault(path, here)
            else:
                positions.setdefault(path, key_positions.get(path, here))
                paths.append(path)
                slots.append(None if cls is MappingStartEvent else 0)
            if path == target:
                return True


# Lines of the block documents tools write (kubectl, helm, `build`, yaml.safe_dump):
# an indentation, "- " for each sequence entry it opens, then a key or a scalar.
_BLOCK_UNSAFE = re.compile("[\t\r\x85\u2028\u2029\ufeff]")
_BLOCK_KEY = re.compile(r"([A-Za-z0-9_./][A-Za-z0-9_./-]*):(?: +|$)")
_BLOCK_DASH = re.compile(r"-(?: +|$)")
_BLOCK_END = re.compile(r" *(?:#.*)?")  # what may follow a scalar on its line
_BLOCK_EMPTY_FLOW = re.compile(r"(?:\[\]|\{\}) *(?:#.*)?")
_BLOCK_SCALAR_HEADER = re.compile(r"[|>][-+1-9]{0,2} *(?:#.*)?")
_BLOCK_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"", re.DOTALL)
_BLOCK_MARKER = re.compile(r"--- *(?:#.*)?")


class _BlockLines:
    """The positions of one plain block document (as tools write them: kubectl, helm,
    `build`, yaml.safe_dump) read from its lines instead of libyaml's events: keys of
    letters, digits and ``_./-``, scalars plain, quoted or block, no flow collection
    but ``{}`` and ``[]``, no empty value. :meth:`locate` raises :class:`_NotPlain` at
    anything else (the events are read instead); the differential tests compare both
    on every document they parse.

    A subtree that cannot hold the path asked for is skipped in one search for the
    next line indented as little as its key, where the document allows it: no
    quoted scalar or flow collection going on to another line, whose lines YAML
    does not ask to be indented."""

    def __init__(self, text: str, span: tuple[int, int, int]) -> None:
        self.line0, start, end = span
        self.doc = text[start:end]
        self.checked = False  # no tab or line break other than \n in it
        self.going_on: tuple[list[int], list[int]] | None = None

    def locate(
        self,
        targets: Collection[PathKey] | None,
        positions: dict[PathKey, tuple[int, int]],
        key_positions: dict[PathKey, tuple[int, int]],
    ) -> None:
        """Record the positions of ``targets`` and their ancestors (None: of every path),
        in one pass over the lines, skipping what holds none of them."""
        doc = self.doc
        if not self.checked:
            if _BLOCK_UNSAFE.search(doc):
                raise _NotPlain
            self.checked = True
        size = len(doc)
        skippable = targets is not None
        goal = frozenset(targets or ())
        wanted = {t[:i] for t in goal for i in range(len(t) + 1)}
        asked = positions.keys()
        # open collections: [indent, is a sequence, path, next index]
        stack: list[list[Any]] = []
        # a key waiting for its block collection: (path, key position, the mapping's indent)
        pending: tuple[PathKey, tuple[int, int] | None, int] | None = ((), None, -1)
        skip = -2  # lines indented more than this continue the last scalar
        plain = _plain
        n, offset = 0, 0  # the next line, where it starts in doc
        while offset <= size:  # line by line, each cut out only when it is read
            if skippable and asked >= goal:
                return
            eol = doc.find("\n", offset)
            eol = size if eol == -1 else eol
            raw, number, at_line = doc[offset:eol], self.line0 + n + 1, offset
            n, offset = n + 1, eol + 1
            stripped = raw.lstrip(" ")
            if not stripped:
                continue
            col = len(raw) - len(stripped)
            if col > skip >= -1:
                continue
            skip = -2
            if stripped[0] == "#":
                continue
            if col == 0 and stripped.startswith(("---", "...", "%")):
                if stack or not _BLOCK_MARKER.fullmatch(stripped):
                    raise _NotPlain
                continue
            dash = _BLOCK_DASH.match(raw, col) is not None
            if pending is not None:
                path, at, parent = pending
                pending = None
                if dash and col >= parent:
                    stack.append([col, True, path, 0])
                elif not dash and col > parent:
                    stack.append([col, False, path, 0])
                else:
                    raise _NotPlain  # an empty value
                positions.setdefault(path, at or (number, col + 1))
            else:
                while stack and (
                    stack[-1][0] > col or (stack[-1][0] == col and stack[-1][1] and not dash)
                ):
                    stack.pop()
                if not stack:
                    raise _NotPlain
            value: str | None
            while True:
                top = stack[-1]
                if top[0] != col or top[1] is not dash:
                    raise _NotPlain
                if dash:
                    path = (*top[2], top[3])
                    top[3] += 1
                    at_col = _BLOCK_DASH.match(raw, col).end()  # type: ignore[union-attr]
                    if at_col >= len(raw):
                        raise _NotPlain  # an empty entry, or one that opens on the next line
                    here = (number, at_col + 1)
                    nested = _BLOCK_DASH.match(raw, at_col) is not None
                    if nested or _BLOCK_KEY.match(raw, at_col):
                        if skippable and path not in wanted:
                            after = self._skip(col, False, offset)
                            if after is not None:
                                n, offset = n + doc.count("\n", offset, after), after
                                value = None  # a subtree skipped
                                break
                        col, dash = at_col, nested
                        stack.append([col, dash, path, 0])
                        positions.setdefault(path, here)
                        continue
                    value, parent, key_at = raw[at_col:], top[0], None
                else:
                    found = _BLOCK_KEY.match(raw, col)
                    if found is None:
                        raise _NotPlain
                    key = plain(found.group(1))[1]
                    if key is _FALLBACK:
                        raise _NotPlain
                    path = (*top[2], key)
                    key_at = key_positions[path] = (number, col + 1)
                    value, parent = raw[found.end() :], col
                    here = (number, found.end() + 1)
                break
            if value is None:
                continue
            first = value[:1]
            if not first or first == "#":
                if key_at is None:
                    raise _NotPlain
                after = (
                    self._skip(parent, True, offset) if skippable and path not in wanted else None
                )
                if after is None:
                    pending = (path, key_at, parent)
                else:
                    n, offset = n + doc.count("\n", offset, after), after
                continue
            if first in "[{":
                if not _BLOCK_EMPTY_FLOW.fullmatch(value):
                    raise _NotPlain
                positions.setdefault(path, key_at or here)
                continue
            if first in "|>":
                if not _BLOCK_SCALAR_HEADER.fullmatch(value):
                    raise _NotPlain
            elif first in "'\"":
                # Its closing quote, maybe lines later (libyaml does not ask quoted
                # scalars' continuation lines to be indented).
                quoted = _BLOCK_QUOTED.match(doc, at_line + len(raw) - len(value))
                if quoted is None:
                    raise _NotPlain
                close = quoted.end()
                eol = doc.find("\n", close)
                eol = len(doc) if eol == -1 else eol
                if not _BLOCK_END.fullmatch(doc, close, eol):
                    raise _NotPlain  # a quoted key
                if eol >= offset:
                    n += doc.count("\n", offset - 1, eol)
                    offset = eol + 1
            elif first in "&*!%@`" or (first in "?:-" and value[1:2] in ("", " ")):
                raise _NotPlain
            elif key_at is None and (": " in value or value.rstrip().endswith(":")):
                raise _NotPlain  # an entry that is a mapping with an unusual key
            positions.setdefault(path, here)
            skip = parent
        if pending is not None or not positions:
            raise _NotPlain

    def _skip(self, indent: int, entries: bool, offset: int) -> int | None:
        """Where the subtree starting at ``offset`` ends: the next line indented ``indent``
        or less that is not a comment (with ``entries``, nor a sequence entry at
        ``indent``: a key's own block sequence). None when a quoted scalar or flow
        collection of the subtree may go on past that line (its lines are read)."""
        pattern = _BLOCK_SKIP.get((indent, entries))
        if pattern is None:  # the line break before that line: a literal, found fast
            fewer = f" {{0,{indent - 1}}}[^ \\n#]|" if indent else ""
            own = "(?:[^ \\n#-]|-[^ \\n])" if entries else "[^ \\n#]"
            pattern = re.compile(f"\\n(?:{fewer} {{{indent}}}{own})")
            _BLOCK_SKIP[(indent, entries)] = pattern
        doc = self.doc
        if self.going_on is None:
            self.going_on = _going_on(doc)
        starts, ends = self.going_on
        found = pattern.search(doc, offset - 1)
        end = len(doc) if found is None else found.start() + 1
        # The line found may be inside a quoted scalar that starts in the subtree.
        for i in range(bisect.bisect_left(starts, offset), bisect.bisect_left(starts, end)):
            if ends[i] >= end:
                return None
        return end


_BLOCK_QUESTIONS = 8  # positions asked of one document before it is read whole
_BLOCK_SKIP: dict[tuple[int, bool], re.Pattern[str]] = {}
# Where a quoted scalar or a flow collection can start: at the beginning of a line,
# after "- " or "? ", or after a key (a quote or bracket inside a quoted scalar may count too).
# Each pattern starts with a literal, which the regular expression engine finds fast.
_BLOCK_AT_LINE = re.compile(r"\n[ ]*(?:[-?][ ]+)*['\"\[{]")
_BLOCK_AT_VALUE = re.compile(r":[ ]+['\"\[{]")


def _going_on(doc: str) -> tuple[list[int], list[int]]:
    """Where the quoted scalars and flow collections of ``doc`` that may go on to
    another line start, in order, and where each ends (a flow collection with
    content, or a quote that never closes: the end of ``doc``). YAML does not ask
    their lines to be indented, so no subtree one of them leaves is skipped."""
    text = "\n" + doc
    spans: list[tuple[int, int]] = []
    found = sorted(
        m.end() - 1 for pattern in (_BLOCK_AT_LINE, _BLOCK_AT_VALUE) for m in pattern.finditer(text)
    )
    inside = 0  # the end of the last quoted scalar on one line: what is in it is content
    for at in found:
        if at < inside:
            continue
        if text[at] in "[{":
            if text[at + 1 : at + 2] not in ("]", "}"):
                spans.append((at - 1, len(doc)))
            continue
        quoted = _BLOCK_QUOTED.match(text, at)
        if quoted is None:
            spans.append((at - 1, len(doc)))
        elif text.find("\n", at, quoted.end()) != -1:
            spans.append((at - 1, quoted.end() - 1))
        else:
            inside = quoted.end()
    spans.sort()
    return [start for start, _ in spans], [end for _, end in spans]


class _NotPlain(Exception):
    """A document the position scan cannot read (the whole file is parsed instead)."""


_FALLBACK: Any = object()  # this scalar (or key) needs the position-tracking builder
_FAST_TAGS = {
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")
}
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_PLAIN: dict[str, tuple[Any, Any]] = {}  # plain scalar -> (as a value, as a key)


def _plain(text: str) -> tuple[Any, Any]:
    """A plain scalar as :class:`_Builder` makes it, as a value and as a mapping key."""
    known = _PLAIN.get(text)
    if known is not None:
        return known
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    value: Any = _FALLBACK
    key: Any = _FALLBACK
    if tag in _FAST_TAGS:
        try:
            value = _CONSTRUCTOR.construct_object(yaml.ScalarNode(tag, text), deep=True)
        except (yaml.YAMLError, ValueError, OverflowError):  # the builder reports it
            value = _FALLBACK
        finally:
            _CONSTRUCTOR.constructed_objects.clear()
            _CONSTRUCTOR.recursive_objects.clear()
        if isinstance(value, str):
            key = value
        elif isinstance(value, int | float | bool):
            key = text
        elif value is not None and value is not _FALLBACK:
            value = text  # timestamps stay strings (see _Builder.build)
    if len(_PLAIN) >= 50_000:
        _PLAIN.clear()
    _PLAIN[text] = (value, key)
    return value, key


def _fast_documents(text: str, allow_multi: bool) -> list[tuple[Any, tuple[int, int, int]]] | None:
    """Each document's data and (line, start, end) in ``text``, built from events without
    positions; None when anything needs the position-tracking builder (an anchor or
    alias, a tag, a merge or duplicate key, a non-string key, the size or depth limits, a YAML error)."""
    loader = _LOADER(text)
    try:
        return _from_events(loader.get_event, allow_multi)
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _from_events(
    get: Callable[[], Any], allow_multi: bool
) -> list[tuple[Any, tuple[int, int, int]]] | None:
    no_key: Any = _FALLBACK
    docs: list[tuple[Any, tuple[int, int, int]]] = []
    get()  # the stream's start
    while True:
        event = get()
        if event.__class__ is StreamEndEvent:
            return docs
        if docs and not allow_multi:
            return None
        mark = event.start_mark
        root: Any = None
        stack: list[Any] = []  # open collections
        keys: list[Any] = []  # the key waiting for its value in each open mapping
        count = 0
        while True:
            event = get()
            cls = event.__class__
            if cls is ScalarEvent:
                if event.tag is not None or event.anchor is not None:
                    return None
                if event.implicit[0]:
                    value, as_key = _PLAIN.get(event.value) or _plain(event.value)
                    if value is _FALLBACK:
                        return None
                else:
                    value = as_key = event.value
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                if event.tag is not None or event.anchor is not None:
                    return None
                value = {} if cls is MappingStartEvent else []
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                stack.pop()
                keys.pop()
                continue
            elif cls is DocumentEndEvent:
                break
            else:  # an alias
                return None
            count += 1
            if count > MAX_NODES or len(stack) > MAX_DEPTH:
                return None
            if stack:
                top = stack[-1]
                if top.__class__ is list:
                    top.append(value)
                else:
                    key = keys[-1]
                    if key is no_key:  # this scalar is a key
                        if cls is not ScalarEvent or as_key is _FALLBACK or as_key in top:
                            return None
                        keys[-1] = as_key
                        continue
                    top[key] = value
                    keys[-1] = no_key
            else:
                root = value
            if cls is not ScalarEvent:
                stack.append(value)
                keys.append(no_key)
        docs.append((root, (mark.line, mark.index - mark.column, event.end_mark.index)))


# The native parser (yaml_rs: YAML 1.2, in Rust, building the Python data itself)
# is used only where its data are those the builder makes from YAML 1.1.
#
# Text it never sees (_native_refused, _native_documents): tabs and the line
# breaks YAML 1.1 adds to \n; directives, '...', a document marker with content
# after it; anchors, aliases, tags, merge keys; escaped surrogates (it joins a
# pair, libyaml refuses it); a file without a final line break, or a document
# ending in an empty block scalar (it adds a line break to either); block nesting
# past _NATIVE_COLUMNS columns (its builder recurses: deep enough nesting would
# exhaust the native stack).
#
# Where it types scalars differently, checked once per distinct scalar: plain
# numbers (1e3, 0o7, 017, -.5, .nAn, _0 are numbers to it, strings or other
# numbers to YAML 1.1) are found in the text before parsing (_token_agrees);
# words it leaves as strings that YAML 1.1 types (yes, on, 12:30, 1_000, a
# timestamp key) are found in its data, unless it would type that word itself,
# in which case the string was quoted (_native_data_agrees). Anything else goes
# the libyaml way.
_NATIVE_COLUMNS = 200
_NATIVE_MAX_TOKENS = 20_000  # distinct number-like scalars in one file
_NATIVE_NEVER = ("\t", "\r", "\x85", "\u2028", "\u2029", "\ufeff")  # and <<, \n%, \n...
_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*[ ]*(?:#.*)?$")
_SURROGATE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")
_DEEP = re.compile(r"\n[ ?:-]{" + str(_NATIVE_COLUMNS) + "}")
_MARKER_LINE = re.compile(r"---[ ]*(?:#[^\n]*)?(?:\n|\Z)")
# Where a plain scalar that the native parser types can start: a digit, a sign, '.',
# '_' (it reads _0 as 0) or '~' (words it types, true/false/null, read as YAML 1.1 does),
# after a space, a line break, '[', '{', ',' or ':'. The expression starts with the
# scalar's first character, which the regular expression engine finds fast (the
# characters before it are mostly spaces of indentation), and looks back for what
# precedes it; a sign, '.', '_' or '~' alone is dropped after (see _numberish).
_NUMBERISH = re.compile(r"[-+._~0-9](?<=[ \n\[{,:].)[^\s,\[\]{}#]*")
_BLANK = re.compile(r"(?:[ ]*(?:#[^\n]*)?\n)*[ ]*(?:#[^\n]*)?")
_NATIVE_TOKENS: dict[str, bool] = {}  # number-like token -> typed alike by both
_NATIVE_TYPED: dict[str, bool] = {}  # string -> the native parser types it when plain
_NATIVE_VALUES: set[str] = set()  # strings known to be the builder's, as values
_NATIVE_KEYS: set[str] = set()  # and as keys


def _bounded_put(table: Any, key: str, value: Any = None) -> None:
    if len(table) >= 50_000:
        table.clear()
    if isinstance(table, set):
        table.add(key)
    else:
        table[key] = value


def _native_value(text: str) -> tuple[bool, Any]:
    """How the native parser reads ``text`` as a plain mapping value: (parsed, value)."""
    import yaml_rs

    try:
        data: Any = yaml_rs.loads(f"k: {text}\n", parse_datetime=False)
        return True, data["k"]
    except Exception:  # anything it refuses is "not the same"
        return False, None


def _token_agrees(token: str) -> bool:
    """A number-like plain scalar is read alike by the native parser and YAML 1.1."""
    known = _NATIVE_TOKENS.get(token)
    if known is None:
        parsed, native = _native_value(token)
        mine = _plain(token)[0]
        if not parsed:
            known = False
        elif native.__class__ is str:
            known = True  # a string to it: _native_data_agrees sees it
        elif isinstance(native, float) and isinstance(mine, float) and native != native:
            known = mine != mine  # both NaN
        else:
            known = native.__class__ is mine.__class__ and native == mine
        _bounded_put(_NATIVE_TOKENS, token, known)
    return known


def _native_types(text: str) -> bool:
    """The native parser reads plain ``text`` as something other than a string."""
    known = _NATIVE_TYPED.get(text)
    if known is None:
        parsed, native = _native_value(text)
        known = parsed and native.__class__ is not str
        _bounded_put(_NATIVE_TYPED, text, known)
    return known


def _holds(text: str, needle: str, at: int) -> bool:
    """``needle in text``, found by its character at ``at``, a rare one: a search for
    one character is many times faster than one for a string (where the character
    turns out to be common, the string is searched for)."""
    char = needle[at]
    i = text.find(char, at)
    for _ in range(64):
        if i == -1:
            return False
        if text.startswith(needle, i - at):
            return True
        i = text.find(char, i + 1)
    return needle in text


def _native_refused(text: str) -> bool:
    """``text`` holds something the native parser is not trusted with (see above; what
    can be judged line by line is left to :func:`_lines_agree`)."""
    if text[:1] in ("%", "&", "*", "!") or text.startswith("...") or text[-1:] != "\n":
        return True  # a block scalar that ends the file without a line break: it adds one
    if any(never in text for never in _NATIVE_NEVER) or "\n..." in text:
        return True
    if _holds(text, "<<", 0) or _holds(text, "\n%", 1):
        return True
    for char in "&*!":  # str.find: much faster than a regular expression over the text
        i = text.find(char)
        while i != -1:
            if char == "!" or text[i + 1 : i + 2] not in ("", " ", "\n", "[", "]", "{", "}", ","):
                j = i - 1  # ('* ' is content, "0 6 * * *", not an alias)
                while j >= 0 and text[j] == " ":
                    j -= 1
                if j < 0 or text[j] in "\n-:?,[{":  # where a node, and so its properties, starts
                    return True
            i = text.find(char, i + 1)
    return _flow_block_indicator(text)


def _flow_block_indicator(text: str) -> bool:
    """``text`` may hold '|' or '>' starting a scalar inside a flow collection (``{a: |}``,
    ``[x, >]``): libyaml refuses it (an indicator cannot start a plain scalar there), the
    native parser reads a string. Any '|' or '>' after '[', '{' or ',', or after ':', '?'
    or '-' once a '{' or '[' came before it, counts: a block scalar (``key: |``) in a
    document without flow collections is the common case and stays native."""
    flow = min((i for i in (text.find("{"), text.find("[")) if i != -1), default=-1)
    for char in "|>":
        i = text.find(char)
        while i != -1:
            j = i - 1
            while j >= 0 and text[j] == " ":
                j -= 1
            before = text[j] if j >= 0 else "\n"
            if before in "[{," or (before in ":?-" and flow != -1 and flow < i):
                return True
            i = text.find(char, i + 1)
    return False


def _native_data_agrees(root: dict[str, Any]) -> bool:
    """Every string and key of one natively parsed document is what the builder makes,
    and the document is inside the builder's size and depth limits."""
    values_ok, keys_ok = _NATIVE_VALUES, _NATIVE_KEYS
    count = 0
    # Level by level: the depth is the level's, not kept for every collection (a
    # fifth less time than a stack of collections and their depths).
    level: list[Any] = [root]
    depth = 0
    while level:
        depth += 1
        if depth >= MAX_DEPTH:
            return False
        inner: list[Any] = []
        for node in level:
            if node.__class__ is dict:
                if not keys_ok.issuperset(node):  # most keys were seen before
                    for key in node:
                        if key not in keys_ok:
                            if key.__class__ is not str:
                                return False
                            if _plain(key)[1] != key and not _native_types(key):
                                return False
                            _bounded_put(keys_ok, key)
                values = node.values()
            else:
                values = node
            count += len(values)
            for value in values:
                cls = value.__class__
                if cls is str:
                    if value not in values_ok:
                        if _plain(value)[0] != value and not _native_types(value):
                            return False
                        _bounded_put(values_ok, value)
                elif cls is dict or cls is list:
                    inner.append(value)
            if count >= MAX_NODES:
                return False
        level = inner
    return True


def _numberish(text: str) -> set[str]:
    """The distinct number-like plain scalars of ``text`` (and words the native parser
    types), each without what ends it: a ':' followed by a space or a line break is the
    mapping's, and a scalar cut short at '#', ',', a bracket or a brace holds that
    character, so it is a string to both."""
    out = set()
    for token in set(_NUMBERISH.findall("\n" + text)):
        if len(token) > 1:
            out.add(token[:-1] if token[-1] == ":" else token)
        elif token in _DIGITS:  # a sign, '.', '_' or '~' alone starts no scalar it types
            out.add(token)
    return out


_DIGITS = frozenset("0123456789")

# Lines already found free of what _lines_agree looks for. Every one of its three
# searches is confined to one line: a number-like scalar ends at whitespace, so at a
# line break, and what decides where one starts is the character before it, a line
# break at the start of a line (_NUMBERISH finds in "\n" + text exactly the scalars
# it finds in "\n" + each line); _SURROGATE's match holds no line break; _DEEP's is a
# line break and the next _NATIVE_COLUMNS characters, none of them a line break. So
# what they find in a text is what they find in its distinct lines, each searched on
# its own, and a line they found nothing in stays so: it is searched once. (A token
# agrees or not whatever file it is in: _token_agrees parses the token alone.)
_CLEAN_LINES: set[str] = set()
_CLEAN_LINES_MAX = 100_000  # lines kept; all are let go when either bound is passed
_CLEAN_CHARS_MAX = 8 * 1024 * 1024  # and characters
_clean_chars = 0


def _lines_agree(text: str) -> bool:
    """No line of ``text`` holds a number-like plain scalar the native parser reads
    differently from YAML 1.1 (:func:`_token_agrees`), an escaped surrogate, or block
    nesting past _NATIVE_COLUMNS columns; more than _NATIVE_MAX_TOKENS distinct
    number-like scalars in lines not seen before count as a disagreement (each new
    one costs a parse of its own). Manifests repeat their lines (labels, container
    fields, copies of one application), so only the lines not found clean before,
    joined, are searched."""
    global _clean_chars
    lines = set(text.split("\n"))
    lines.difference_update(_CLEAN_LINES)
    if not lines:
        return True
    new = "\n".join(lines)
    if _SURROGATE.search(new):
        return False  # an escaped surrogate pair: one character to it, an error to libyaml
    if _DEEP.search("\n" + new):
        return False
    tokens = _numberish(new)
    if len(tokens) > _NATIVE_MAX_TOKENS:
        return False
    agrees = _NATIVE_TOKENS.get
    for token in tokens:
        if not (agrees(token) or _token_agrees(token)):
            return False
    _clean_chars += len(new)
    if len(_CLEAN_LINES) + len(lines) > _CLEAN_LINES_MAX or _clean_chars > _CLEAN_CHARS_MAX:
        _CLEAN_LINES.clear()
        _clean_chars = len(new)
        if len(lines) > _CLEAN_LINES_MAX or _clean_chars > _CLEAN_CHARS_MAX:
            _clean_chars = 0
            return True  # more than the bounds alone: not kept
    _CLEAN_LINES.update(lines)
    return True


def _native_documents(text: str) -> list[tuple[Any, tuple[int, int, int]]] | None:
    """Each document's data and (line, start, end) in ``text``, parsed by the native
    parser; None unless every document is a mapping whose data provably match the
    builder's."""
    if _native_refused(text):
        return None
    try:
        import yaml_rs
    except ImportError:  # installed without its dependencies: the libyaml way, only slower
        return None
    if not _lines_agree(text):
        return None
    markers = [0] if text.startswith("---") else []
    at = text.find("\n---")
    while at != -1:
        markers.append(at + 1)
        at = text.find("\n---", at + 1)
    bounds = [0]  # start, end of each stretch between document markers
    for at in markers:
        marker = _MARKER_LINE.match(text, at)
        if marker is None:  # '---x' or '--- content': the libyaml way
            return None
        bounds += [at, marker.end()]
    bounds.append(len(text))
    docs: list[tuple[Any, tuple[int, int, int]]] = []
    line, counted = 0, 0
    for n in range(0, len(bounds), 2):
        start, end = bounds[n], bounds[n + 1]
        if n == 0 and _BLANK.fullmatch(text, start, end):
            continue  # nothing before the first '---'
        doc = text[start:end]
        last = doc.rstrip()
        if _BLOCK_HEADER.search(last, last.rfind("\n") + 1):
            return None  # a block scalar left empty at the end: "\n" to it, "" to libyaml
        try:
            data: Any = yaml_rs.loads(doc, parse_datetime=False)
        except Exception:  # the libyaml way reports the problem
            return None
        if data.__class__ is not dict or not _native_data_agrees(data):
            return None
        line += text.count("\n", counted, start)
        counted = start
        docs.append((data, (line, start, end)))
    return docs


def _parse_located(text: str, file: str, allow_multi: bool) -> list[Located]:
    """The position-tracking parse: every value's line and column, every problem reported."""
    loader = _LOADER(text)
    docs: list[Located] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            builder = _Builder(file)
            data = builder.build(node, ())
            if builder.problems:
                raise SpecError(builder.problems)
            docs.append(Located(file, data, builder.positions, builder.key_positions))
            if not allow_multi and len(docs) > 1:
                line = _separator_line(text, node.start_mark.line)
                raise SpecError(
                    [
                        Problem(
                            file, line, 1, "", "expected one YAML document, found several ('---')"
                        )
                    ]
                )
    except yaml.YAMLError as exc:
        raise SpecError([_mark_problem(file, exc, text)]) from None
    except RecursionError:
        # The pure-Python composer is recursive; thousands of nested brackets
        # exhaust the stack (libyaml stops at 1000 levels with a ScannerError).
        message = f"invalid YAML: nested too deeply (the limit is {MAX_DEPTH} levels)"
        raise SpecError([Problem(file, *_deep_position(text), "", message)]) from None
    finally:
        loader.dispose()
    return docs


def _deep_position(text: str) -> tuple[int, int]:
    """Where flow nesting first exceeds MAX_DEPTH (approximate: brackets in quotes count)."""
    depth = 0
    for i, ch in enumerate(text):
        depth += 1 if ch in "[{" else -1 if ch in "]}" else 0
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, i) + 1
            return line, i - (text.rfind("\n", 0, i) + 1) + 1
    return 1, 1


def _separator_line(text: str, line0: int) -> int:
    """The 1-based line of the '---' that starts the document at 0-based ``line0``."""
    lines = text.splitlines()
    for i in range(min(line0, len(lines) - 1), -1, -1):
        if lines[i].startswith("---"):
            return i + 1
    return line0 + 1


def load_one(path: Path, display: str | None = None) -> Located:
    """Load a single-document YAML file that must be a mapping."""
    name = display or str(path)
    docs = parse_documents(read_text(path, name), name, native=True)
    if not docs or docs[0].data is None:
        raise SpecError([Problem(name, 1, 1, "", "file is empty; expected a YAML mapping")])
    doc = docs[0]
    if not isinstance(doc.data, dict):
        kinds = {
            str: "a string",
            list: "a list",
            int: "a number",
            float: "a number",
            bool: "a boolean",
        }
        kind = kinds.get(type(doc.data), type(doc.data).__name__)
        line, col = doc.position(())
        message = f"expected a YAML mapping at the top level, found {kind}"
        raise SpecError([Problem(name, line, col, "", message)])
    return doc
