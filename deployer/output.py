"""Plans as JSON (a stable schema), and as text (Terraform's vocabulary) and Markdown rendered
from that same JSON document, the way Terraform renders its human plan from its JSON plan:
the three views cannot disagree, and a saved plan (which holds the document) prints exactly
as it did (`deployer show`).

Nothing here can print a secret value: plans hold names and fingerprints only.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import click

from .plan import (
    BindAction,
    Change,
    CreateAction,
    DeleteAction,
    DeployAction,
    UnbindAction,
    UpdateAction,
)
from .state import After, Before, BindingPosition
from .workflow import Outcome

JSON_FORMAT_VERSION = 1
Style = Callable[[str, str], str]
Doc = Mapping[str, Any]


# -- the document -----------------------------------------------------------------------------


def _position(position: BindingPosition) -> Any:
    if isinstance(position, Before | After):
        return dataclasses.asdict(position)
    return position


def _change_json(change: Change) -> dict[str, Any]:
    if isinstance(change, CreateAction):
        a = change.action
        return {
            "type": "create_action",
            "name": a.name,
            "runtime": a.runtime,
            "dependencies": [f"{d.name}@{d.version}" for d in a.dependencies],
            "secrets": sorted({*a.secrets, *a.unchecked_secrets}),
        }
    if isinstance(change, UpdateAction):
        s = change.secrets
        return {
            "type": "update_action",
            "action_id": change.action_id,
            "code_changed": change.code_changed,
            "code_diff": change.code_diff,
            "deployed_diff": change.deployed_diff,
            "runtime": {"from": change.runtime[0], "to": change.runtime[1]}
            if change.runtime
            else None,
            "dependencies": {
                "from": list(change.dependencies[0]),
                "to": list(change.dependencies[1]),
            }
            if change.dependencies
            else None,
            "secrets": {
                "added": list(s.added),
                "changed": list(s.changed),
                "removed": list(s.removed),
                "kept": list(s.kept),
            },
        }
    if isinstance(change, DeployAction):
        return {"type": "deploy_action", "action_id": change.action_id, "reason": change.reason}
    if isinstance(change, UnbindAction):
        return {"type": "unbind_action", "from": list(change.before), "to": list(change.after)}
    if isinstance(change, DeleteAction):
        return {"type": "delete_action", "action_id": change.action_id}
    assert isinstance(change, BindAction)
    return {
        "type": "bind_action",
        "position": _position(change.position),
        "moved": change.moved,
        "from": list(change.before),
        "to": list(change.after),
    }


def outcome_json(o: Outcome) -> dict[str, Any]:
    plan = o.plan
    status = "error" if o.error else ("no_changes" if plan and plan.empty else "changes")
    result: dict[str, Any] = {
        "tenant": o.tenant,
        "status": status,
        "error": o.error,
        "applied": o.applied,
        "action": {"name": plan.action_name, "id": plan.action_id} if plan else None,
        "changes": [_change_json(c) for c in plan.changes] if plan else [],
        "warnings": list(plan.warnings) if plan else [],
        "secrets_not_checked": list(plan.unchecked_secrets) if plan else [],
        "summary": None,
    }
    if plan:
        add, change, destroy = plan.counts()
        result["summary"] = {"add": add, "change": change, "destroy": destroy}
    return result


def document(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    return document_of([outcome_json(o) for o in outcomes])


def document_of(tenants: Sequence[Doc]) -> dict[str, Any]:
    return {
        "format_version": JSON_FORMAT_VERSION,
        "tenants": list(tenants),
        "summary": {
            "tenants": len(tenants),
            "with_changes": sum(t["status"] == "changes" for t in tenants),
            "errors": sum(t["status"] == "error" for t in tenants),
        },
    }


def as_json(outcomes: Sequence[Outcome]) -> str:
    return json.dumps(document(outcomes), indent=2) + "\n"


# -- text, from the document ------------------------------------------------------------------


def _plain(text: str, _kind: str) -> str:
    return text


_COLOURS = {"+": "green", "~": "yellow", "-": "red", "!": "red", "h": "bright_white"}


def _coloured(text: str, kind: str) -> str:
    if kind == "h":
        return click.style(text, bold=True)
    return click.style(text, fg=_COLOURS.get(kind))


def summary_line(tenant: Doc) -> str:
    if not tenant["changes"]:
        return "No changes."
    s = tenant["summary"]
    return f"Plan: {s['add']} to add, {s['change']} to change, {s['destroy']} to destroy."


def _diff_lines(diff: str, style: Style, indent: str) -> list[str]:
    lines = []
    for line in diff.splitlines():
        kind = "" if line.startswith(("---", "+++")) else line[:1]
        lines.append(indent + style(line, kind if kind in "+-" else ""))
    return lines


def _label(position: Any) -> str:
    if isinstance(position, dict) and "before" in position:
        return f"before {position['before']!r}"
    if isinstance(position, dict) and "after" in position:
        return f"after {position['after']!r}"
    return str(position)


def _update_text(c: Doc, name: str, style: Style) -> list[str]:
    lines = [style(f"  ~ action {name!r} will be updated in place", "~")]
    if c["runtime"]:
        lines.append(f"      runtime: {c['runtime']['from']} -> {c['runtime']['to']}")
    if c["dependencies"]:
        old, new = c["dependencies"]["from"], c["dependencies"]["to"]
        lines.append(f"      dependencies: [{', '.join(old)}] -> [{', '.join(new)}]")
    s = c["secrets"]
    lines += [style(f"      + secret {n}", "+") for n in s["added"]]
    lines += [style(f"      ~ secret {n} (value changed)", "~") for n in s["changed"]]
    lines += [style(f"      - secret {n}", "-") for n in s["removed"]]
    if c["code_changed"] and not c["code_diff"]:
        lines.append("      code: only the managed header changes")
    if c["code_diff"]:
        lines.append("      code (draft -> desired):")
        lines += _diff_lines(c["code_diff"], style, "        ")
    if c["deployed_diff"]:
        lines.append("      code (deployed -> desired):")
        lines += _diff_lines(c["deployed_diff"], style, "        ")
    return lines


def _change_text(c: Doc, name: str, style: Style) -> list[str]:
    kind = c["type"]
    if kind == "create_action":
        lines = [style(f"  + action {name!r} will be created", "+")]
        lines.append(f"      runtime: {c['runtime']}")
        return lines + [style(f"      + secret {s}", "+") for s in c["secrets"]]
    if kind == "update_action":
        return _update_text(c, name, style)
    if kind == "deploy_action":
        return [style(f"  ~ action {name!r} will be deployed ({c['reason']})", "~")]
    if kind == "unbind_action":
        return [
            style(f"  - {name!r} will be unbound (logins skip it; other Actions stay)", "-"),
            f"      before: {_order(c['from'])}",
            f"      after:  {_order(c['to'])}",
        ]
    if kind == "delete_action":
        return [style(f"  - action {name!r} will be deleted (id {c['action_id']})", "-")]
    verb, mark = ("moved", "~") if c["moved"] else ("bound", "+")
    return [
        style(f"  {mark} {name!r} will be {verb} {_label(c['position'])}", mark),
        f"      before: {_order(c['from'])}",
        f"      after:  {_order(c['to'])}",
    ]


def _order(names: Sequence[str]) -> str:
    return " -> ".join(names) if names else "(nothing bound)"


def _body(t: Doc, style: Style) -> list[str]:
    """A planned tenant's warnings and changes."""
    name = t["action"]["name"]
    lines = [style(f"  ! {w}", "!") for w in t["warnings"]]
    if t.get("secrets_not_checked"):
        lines.append(
            f"  secrets not checked (no value here): {', '.join(t['secrets_not_checked'])}"
        )
    for c in t["changes"]:
        lines += _change_text(c, name, style)
    return lines


def text(outcomes: Sequence[Outcome], *, colour: bool = False) -> str:
    return text_of(document(outcomes), colour=colour)


def text_of(doc: Doc, *, colour: bool = False) -> str:
    style: Style = _coloured if colour else _plain
    out: list[str] = []
    for t in doc["tenants"]:
        out.append(style(f"Tenant {t['tenant']}", "h"))
        if t["action"] is None:  # not planned: only the error
            out.extend(_error_lines(t["error"] or "not planned", style))
            out.append("")
            continue
        out += _body(t, style)
        out.append(summary_line(t))
        if t["error"]:
            out.extend(_error_lines(t["error"], style))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _error_lines(error: str, style: Style) -> list[str]:
    first, *rest = error.splitlines()
    return [style(f"  ! {first}", "!"), *(f"    {line}" for line in rest)]


# -- Markdown, from the document --------------------------------------------------------------


def markdown(outcomes: Sequence[Outcome]) -> str:
    return markdown_of(document(outcomes))


def markdown_of(doc: Doc) -> str:
    out = ["## Auth0 accept-terms plan", ""]
    out.append("| Tenant | Result |")
    out.append("| --- | --- |")
    for t in doc["tenants"]:
        error = t["error"]
        planned = t["action"] is not None
        result = f"error: {error.splitlines()[0]}" if error else summary_line(t) if planned else ""
        if t.get("secrets_not_checked") and not error:
            result += " (secrets not checked)"
        out.append(f"| `{t['tenant']}` | {_cell(result)} |")
    for t in doc["tenants"]:
        if t["error"]:
            out += ["", f"### `{t['tenant']}`", "", "```text", t["error"], "```"]
        if t["action"] is None or not t["changes"]:
            continue
        out += ["", f"### `{t['tenant']}`", ""]
        out += [f"> [!WARNING]\n> {w}" for w in t["warnings"]]
        unchecked = t.get("secrets_not_checked")
        if unchecked:
            out += [f"> [!NOTE]\n> secrets not checked (no value here): {', '.join(unchecked)}"]
        body = [line for c in t["changes"] for line in _change_text(c, t["action"]["name"], _plain)]
        out += ["```diff", *[_diff_marker(line) for line in body], "```"]
        out.append(summary_line(t))
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _diff_marker(line: str) -> str:
    # GitHub colours a ```diff block by the first character: move the marker to column one.
    stripped = line.lstrip()
    if stripped[:1] in "+-~" and not stripped.startswith(("---", "+++")):
        marker = "!" if stripped[0] == "~" else stripped[0]
        return marker + line[1:] if line[:1] == " " else line
    return line
