"""YAML loading that remembers where every value came from.

PyYAML's composer keeps the line of each node; we keep a map from a value's path to its line
so that a pydantic error on `tenants.prod.action.terms.url` can name `tenants.yaml:23:12`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, Problem

PathKey = tuple[str | int, ...]


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
            field=".".join(str(p) for p in path) or None,
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
                key = self._scalars.construct_object(key_node)
                if not isinstance(key, str):
                    key = str(key)
                if key == "<<":
                    self.problems.append(
                        self._at(key_node, path, "YAML merge keys (<<) are not supported")
                    )
                    continue
                if key in result:
                    self.problems.append(self._at(key_node, (*path, key), "duplicate key"))
                    continue
                result[key] = self.build(value_node, (*path, key))
                # The key's own position is the most useful place to point at.
                self.marks[(*path, key)] = _mark(key_node)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalars.construct_object(node)

    def _at(self, node: yaml.Node, path: PathKey, message: str) -> Problem:
        m = _mark(node)
        return Problem(
            message=message,
            file=self.file,
            line=m.line,
            column=m.column,
            field=".".join(str(p) for p in path) or None,
        )


def load_yaml(path: Path, *, display_name: str | None = None) -> Document:
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(f"file not found: {path}")]) from None
    except OSError as exc:
        raise ConfigError([Problem(f"cannot read {path}: {exc.strerror}")]) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> Document:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
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
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(f"invalid YAML: {exc}", file=name)]) from None
    builder = _Builder(name)
    data = builder.build(node, ()) if node is not None else None
    if builder.problems:
        raise ConfigError(builder.problems)
    return Document(file=name, data=data, marks=builder.marks)
