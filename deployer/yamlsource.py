"""YAML loading that remembers where every value came from.

PyYAML's composer keeps the line of each node; we keep a map from a value's path to its line
so that a pydantic error on `tenants.prod.action.terms.url` can name `tenants.yaml:23:12`.

The input is bounded before anything is built, so that any file is answered at once (CI runs
`validate` on pull requests): its size, its nesting depth and the number of values it expands
to through aliases (a few hundred bytes of nested aliases can otherwise expand to billions of
values, the "billion laughs"). Every refusal names the file and line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, Problem

PathKey = tuple[str | int, ...]

# Bounds far above any real tenants.yaml (a few KiB, ~10 levels, hundreds of values), and low
# enough that PyYAML (pure Python, about 100 000 events a second) answers the worst file well
# within a second: events bound the parsing, values bound what aliases expand to.
MAX_BYTES = 256 * 1024
MAX_DEPTH = 64
MAX_EVENTS = 20_000
MAX_VALUES = 10_000
MERGE_TAG = "tag:yaml.org,2002:merge"
# libyaml's parser when PyYAML was built with it (several times faster); same events and marks.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def dotted(path: PathKey) -> str:
    """`tenants.prod.secrets.X` for messages; a key that would garble it is quoted
    (`tenants."".binding`, `secrets."a.b"`), a list index stays a plain number."""
    return ".".join(
        str(p) if isinstance(p, int) or _PLAIN_KEY.match(p) else json.dumps(p) for p in path
    )


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class Document:
    """Plain Python data plus the location of each value, by path."""

    file: str
    data: Any
    marks: dict[PathKey, Mark]

    def mark(self, path: PathKey) -> Mark | None:
        """The mark of the deepest existing prefix of `path` (a missing key: its parent)."""
        for end in range(len(path), -1, -1):
            found = self.marks.get(path[:end])
            if found is not None:
                return found
        return None

    def problem(self, path: PathKey, message: str) -> Problem:
        mark = self.mark(path)
        return Problem(
            message=message,
            file=self.file,
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            field=dotted(path) or None,
        )


def _mark(node: yaml.Node) -> Mark:
    return Mark(line=node.start_mark.line + 1, column=node.start_mark.column + 1)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.marks: dict[PathKey, Mark] = {}
        self.problems: list[Problem] = []
        self._scalars = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.marks[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == MERGE_TAG:
                    self.problems.append(
                        self._at(key_node, path, "YAML merge keys (<<) are not supported")
                    )
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(self._at(key_node, path, "a key must be plain text"))
                    continue
                key = self._scalar(key_node, path)
                if not isinstance(key, str):
                    key = str(key)
                if key in result:
                    self.problems.append(self._at(key_node, (*path, key), "duplicate key"))
                    continue
                result[key] = self.build(value_node, (*path, key))
                # The key's own position is the most useful place to point at.
                self.marks[(*path, key)] = _mark(key_node)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: yaml.Node, path: PathKey) -> Any:
        try:
            return self._scalars.construct_object(node)
        except Exception:  # any failure here is a bad value, e.g. `!!int abc`
            tag = node.tag.removeprefix("tag:yaml.org,2002:")
            self.problems.append(
                self._at(node, path, f"{str(node.value)[:40]!r} is not a valid {tag} value")
            )
            return None

    def _at(self, node: yaml.Node, path: PathKey, message: str) -> Problem:
        m = _mark(node)
        return Problem(
            message=message,
            file=self.file,
            line=m.line,
            column=m.column,
            field=dotted(path) or None,
        )


def load_yaml(path: Path, *, display_name: str | None = None) -> Document:
    name = display_name or str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError([Problem(f"file not found: {path}")]) from None
    except OSError as exc:
        raise ConfigError([Problem(f"cannot read {path}: {exc.strerror}")]) from None
    return parse_yaml(decode(raw, name), name)


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text of at most MAX_BYTES, or a Problem at the line of the first bad byte."""
    if len(raw) > MAX_BYTES:
        raise ConfigError(
            [Problem(f"the file is larger than {MAX_BYTES // 1024} KiB: the wrong file?", name)]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        raise ConfigError(
            [
                Problem(
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                    file=name,
                    line=raw.count(b"\n", 0, exc.start) + 1,
                    column=exc.start - line_start + 1,
                )
            ]
        ) from None


def parse_yaml(text: str, name: str) -> Document:
    if len(text) > MAX_BYTES:
        raise ConfigError([Problem(f"the text is larger than {MAX_BYTES // 1024} KiB", name)])
    try:
        _check_bounds(text, name)
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        message = f"invalid YAML: {exc.problem}"
        if exc.context and exc.context_mark:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise ConfigError(
            [
                Problem(
                    message=message,
                    file=name,
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                )
            ]
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise ConfigError(
            [
                Problem(
                    f"invalid YAML: character {exc.character!r} is not allowed ({exc.reason})",
                    file=name,
                    line=line,
                    column=column,
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(f"invalid YAML: {exc}", file=name)]) from None
    builder = _Builder(name)
    data = builder.build(node, ()) if node is not None else None
    if builder.problems:
        raise ConfigError(builder.problems)
    return Document(file=name, data=data, marks=builder.marks)


def _check_bounds(text: str, name: str) -> None:
    """Depth and expanded size from the event stream, before anything is composed.

    PyYAML's parser is a state machine (no recursion) and aliases are single events here, so
    this pass is linear in the text whatever it holds. Each collection's expanded size is
    counted as it closes; an alias adds its anchor's size, so a bomb is caught at the alias
    that would cross the bound, without expanding anything.
    """
    bounds = _Bounds(name)
    for count, event in enumerate(yaml.parse(text, Loader=_LOADER)):
        if count >= MAX_EVENTS:
            raise bounds.refuse(event, f"the document has more than {MAX_EVENTS} YAML nodes")
        bounds.take(event)


class _Bounds:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sizes: dict[str, int] = {}
        self.open_anchors: set[str] = set()
        self.stack: list[tuple[int, str | None]] = []  # expanded size so far, its anchor
        self.total = 0

    def refuse(self, event: yaml.Event, message: str) -> ConfigError:
        m = event.start_mark
        if m is None:
            return ConfigError([Problem(message, self.name)])
        return ConfigError([Problem(message, self.name, m.line + 1, m.column + 1)])

    def take(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.CollectionStartEvent):
            if len(self.stack) >= MAX_DEPTH:
                raise self.refuse(event, f"nested more than {MAX_DEPTH} levels deep")
            if event.anchor is not None:
                self.open_anchors.add(event.anchor)
            self.stack.append((1, event.anchor))
        elif isinstance(event, yaml.CollectionEndEvent):
            size, anchor = self.stack.pop()
            if anchor is not None:
                self.sizes[anchor] = size
                self.open_anchors.discard(anchor)
            self._add(event, size)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                self.sizes[event.anchor] = 1
            self._add(event, 1)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open_anchors:
                raise self.refuse(
                    event, f"alias *{event.anchor} refers to a value that contains it"
                )
            self._add(event, self.sizes.get(str(event.anchor), 1))

    def _add(self, event: yaml.Event, count: int) -> None:
        if self.stack:
            size, anchor = self.stack[-1]
            self.stack[-1] = (size + count, anchor)
        else:
            self.total += count
        if self.total + sum(s for s, _ in self.stack) > MAX_VALUES:
            raise self.refuse(
                event,
                f"the document expands to more than {MAX_VALUES} values"
                + (" through YAML aliases" if isinstance(event, yaml.AliasEvent) else ""),
            )
