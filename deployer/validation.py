"""pydantic errors as Problems that name the file, line and field of the YAML input."""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import ValidationError

from .errors import Problem
from .params import StrictModel
from .yamlsource import Document, PathKey, dotted

_TYPE_TAGS = {"str", "int", "float", "bool", "dict", "list", "tuple"}


def _model_names() -> set[str]:
    names, todo = set(), [StrictModel]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _is_union_tag(part: str | int) -> bool:
    return isinstance(part, str) and ("[" in part or part in _TYPE_TAGS or part in _model_names())


def _message(error: dict[str, object]) -> str:
    kind = error.get("type")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required, but missing"
    msg = str(error.get("msg", "invalid value"))
    # "a valid dictionary or instance of SecretRef": the class name means nothing to a user.
    msg = re.sub(r" or instance of \w+$", "", msg)
    # pydantic prefixes messages raised by our validators with "Value error, ".
    return msg.removeprefix("Value error, ")


def problems_from_validation(
    exc: ValidationError,
    doc: Document,
    base: PathKey,
    locate: Callable[[PathKey], PathKey] | None = None,
    field_prefix: PathKey | None = None,
) -> list[Problem]:
    """One Problem per pydantic error.

    `base` is where the validated data sits in the document; `locate` maps a path inside the
    validated data to the document path it came from (defaults and tenants are merged before
    validation, so a value may come from either); `field_prefix` names the field for the user.
    """
    problems: list[Problem] = []
    for error in exc.errors():
        # Union members (`str` vs a mapping) add their type name to the location; drop it.
        loc = tuple(p for p in error["loc"] if not _is_union_tag(p))
        where = locate(loc) if locate else (*base, *loc)
        mark = doc.mark(where)
        # A tenant's value inherited from `defaults` is wrong for every tenant: name it once,
        # there. (Without field_prefix the data is the file itself: `loc` is the whole path.)
        inherited = field_prefix is not None and where[:1] == ("defaults",)
        prefix = ("defaults",) if inherited else (field_prefix or base)
        field = dotted((*prefix, *loc))
        problem = Problem(
            message=_message(dict(error)),
            file=doc.file,
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            field=field or None,
        )
        if problem not in problems:
            problems.append(problem)
    return problems
