"""Plans as text (Terraform's vocabulary), JSON (a stable schema) and Markdown.

One data structure, several views. Nothing here can print a secret value: plans hold names and
fingerprints only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import click

from .config import After, Before, BindingPosition
from .plan import BindAction, Change, CreateAction, DeployAction, Plan, UpdateAction
from .state import position_label
from .workflow import Outcome

JSON_FORMAT_VERSION = 1
Style = Callable[[str, str], str]


def _plain(text: str, _kind: str) -> str:
    return text


_COLOURS = {"+": "green", "~": "yellow", "-": "red", "!": "red", "h": "bright_white"}


def _coloured(text: str, kind: str) -> str:
    if kind == "h":
        return click.style(text, bold=True)
    colour = _COLOURS.get(kind)
    # A line of no kind stays as it is: click.style would still append a reset code.
    return click.style(text, fg=colour) if colour and text else text


def summary_line(plan: Plan) -> str:
    if plan.empty:
        return "No changes."
    add, change, destroy = plan.counts()
    return f"Plan: {add} to add, {change} to change, {destroy} to destroy."


def _diff_lines(diff: str, style: Style, indent: str) -> list[str]:
    lines = []
    for line in diff.splitlines():
        kind = "" if line.startswith(("---", "+++")) else line[:1]
        lines.append(indent + style(line, kind if kind in "+-" else ""))
    return lines


def _change_text(change: Change, plan: Plan, style: Style) -> list[str]:
    name = plan.action_name
    if isinstance(change, CreateAction):
        a = change.action
        lines = [style(f"  + action {name!r} will be created", "+"), f"      runtime: {a.runtime}"]
        lines += [style(f"      + secret {s}", "+") for s in sorted(a.secrets)]
        return lines
    if isinstance(change, UpdateAction):
        lines = [style(f"  ~ action {name!r} will be updated in place", "~")]
        if change.runtime:
            lines.append(f"      runtime: {change.runtime[0]} -> {change.runtime[1]}")
        if change.dependencies:
            old, new = change.dependencies
            lines.append(f"      dependencies: [{', '.join(old)}] -> [{', '.join(new)}]")
        s = change.secrets
        lines += [style(f"      + secret {n}", "+") for n in s.added]
        lines += [style(f"      ~ secret {n} (value changed)", "~") for n in s.changed]
        lines += [style(f"      - secret {n}", "-") for n in s.removed]
        if change.code_changed and not change.code_diff:
            lines.append("      code: only the managed header changes")
        if change.code_diff:
            lines.append("      code (draft -> desired):")
            lines += _diff_lines(change.code_diff, style, "        ")
        if change.deployed_diff:
            lines.append("      code (deployed -> desired):")
            lines += _diff_lines(change.deployed_diff, style, "        ")
        return lines
    if isinstance(change, DeployAction):
        return [style(f"  ~ action {name!r} will be deployed ({change.reason})", "~")]
    verb = "moved" if change.moved else "bound"
    kind = "~" if change.moved else "+"
    return [
        style(f"  {kind} {name!r} will be {verb} {position_label(change.position)}", kind),
        f"      before: {_order(change.before)}",
        f"      after:  {_order(change.after)}",
    ]


def _order(names: Sequence[str]) -> str:
    return " -> ".join(names) if names else "(nothing bound)"


def text(outcomes: Sequence[Outcome], *, colour: bool = False) -> str:
    style: Style = _coloured if colour else _plain
    out: list[str] = []
    for o in outcomes:
        out.append(style(f"Tenant {o.tenant}", "h"))
        if o.error and o.plan is None:
            out.extend(_error_lines(o.error, style))
            out.append("")
            continue
        assert o.plan is not None
        for warning in o.plan.warnings:
            out.append(style(f"  ! {warning}", "!"))
        for change in o.plan.changes:
            out.extend(_change_text(change, o.plan, style))
        out.append(summary_line(o.plan))
        if o.error:
            out.extend(_error_lines(o.error, style))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _error_lines(error: str, style: Style) -> list[str]:
    first, *rest = error.splitlines()
    return [style(f"  ! {first}", "!"), *(f"    {line}" for line in rest)]


def _position(position: BindingPosition) -> Any:
    if isinstance(position, Before | After):
        return position.model_dump()
    return position


def _change_json(change: Change) -> dict[str, Any]:
    if isinstance(change, CreateAction):
        a = change.action
        return {
            "type": "create_action",
            "name": a.name,
            "runtime": a.runtime,
            "dependencies": [f"{d.name}@{d.version}" for d in a.dependencies],
            "secrets": sorted(a.secrets),
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
        "summary": None,
    }
    if plan:
        add, change, destroy = plan.counts()
        result["summary"] = {"add": add, "change": change, "destroy": destroy}
    return result


def as_json(outcomes: Sequence[Outcome]) -> str:
    tenants = [outcome_json(o) for o in outcomes]
    document = {
        "format_version": JSON_FORMAT_VERSION,
        "tenants": tenants,
        "summary": {
            "tenants": len(tenants),
            "with_changes": sum(t["status"] == "changes" for t in tenants),
            "errors": sum(t["status"] == "error" for t in tenants),
        },
    }
    return json.dumps(document, indent=2) + "\n"


def markdown(outcomes: Sequence[Outcome]) -> str:
    out = ["## Auth0 accept-terms plan", ""]
    out.append("| Tenant | Result |")
    out.append("| --- | --- |")
    for o in outcomes:
        first = o.error.splitlines()[0] if o.error else ""
        result = f"error: {first}" if o.error else summary_line(o.plan) if o.plan else ""
        out.append(f"| `{o.tenant}` | {_cell(result)} |")
    for o in outcomes:
        if o.error:
            out += ["", f"### `{o.tenant}`", "", "```text", o.error, "```"]
        if o.plan is None or o.plan.empty:
            continue
        out += ["", f"### `{o.tenant}`", ""]
        out += [f"> [!WARNING]\n> {w}" for w in o.plan.warnings]
        body = [line for c in o.plan.changes for line in _change_text(c, o.plan, _plain)]
        out += ["```diff", *[_diff_marker(line) for line in body], "```"]
        out.append(summary_line(o.plan))
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
