"""The Action's JavaScript from its Jinja2 template: strict, deterministic, checked by Node.

Values enter the code only through the `js` filter (JSON, with the characters that could end a
string or a script escaped); the environment refuses to print anything that did not go through
it, so a terms URL with quotes or newlines cannot change the program.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jinja2

from . import syntax
from .errors import RenderError
from .header import Header, format_header
from .manifest import Manifest
from .params import ActionParams


class JS(str):
    """Text that is safe to place in JavaScript as an expression."""


_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def to_js(value: Any, indent: int | None = None) -> JS:
    """A JSON literal, deterministic (sorted keys) and inert inside any JavaScript context.

    `indent` puts one key per line (`{{ params | js(indent=2) }}`), so that changing one
    parameter is a one-line change in a plan's diff and in a pull request.
    """
    if isinstance(value, jinja2.Undefined):
        # A missing variable must fail as one (UndefinedError, turned into a RenderError that
        # names the tenant), not as json's TypeError. StrictUndefined raises on str().
        str(value)
        raise jinja2.UndefinedError("an undefined value was given to the `js` filter")
    separators = (",", ": ") if indent else (", ", ": ")
    text = json.dumps(
        value, sort_keys=True, ensure_ascii=True, indent=indent, separators=separators
    )
    for char, escaped in _ESCAPES.items():
        text = text.replace(char, escaped)
    return JS(text)


def _only_js(value: Any) -> Any:
    if isinstance(value, JS):
        return value
    raise RenderError(
        f"a value ({type(value).__name__}) was placed in the code without the `js` filter; "
        "write {{ value | js }}"
    )


@functools.lru_cache(maxsize=8)
def _environment(directory: Path) -> jinja2.Environment:
    # One per template directory for the process: compiling the template is most of the time
    # of a render, and every tenant renders the same one. Jinja re-reads the file when its
    # modification time changes (auto_reload), so an edit is still seen.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_only_js,
    )
    env.filters["js"] = to_js
    return env


def render_action(manifest: Manifest, params: ActionParams, header: Header) -> str:
    """The Action's code for one tenant: the managed header, then the rendered template."""
    env = _environment(manifest.directory)
    context = {
        "params": params.model_dump(mode="json"),
        "action_name": manifest.name,
        "secret_names": [s.name for s in manifest.secrets],
    }
    try:
        template = env.get_template(manifest.template_path.name)
        body = template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        line = _template_line(exc)
        raise RenderError(
            f"{manifest.template_path}{line}: tenant {header.tenant}: {exc.message}"
        ) from None
    except jinja2.TemplateNotFound:
        raise RenderError(f"template not found: {manifest.template_path}") from None
    return format_header(header) + body


def _template_line(exc: BaseException) -> str:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f":{line}" if line else ""


def check_syntax(code: str, *, name: str) -> None:
    """A syntax error must not reach a tenant: the code compiled as Node compiles a module."""
    detail = syntax.check(name, code)
    if detail is not None:
        raise RenderError(f"the rendered Action for {name} is not valid JavaScript:\n{detail}")
