"""What is set where, for each of the Action's secrets, without any value leaving the machine.

Pure: the CLI gathers the local values and the live action, this module compares them and
renders the result. The rows it builds hold no value at all, only lengths and verdicts, so no
view of them (the JSON in particular) can carry one; the text view prints a value only when the
caller hands it the values explicitly (`--reveal`).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import click

from .header import MIN_SECRET_LENGTH, fingerprint
from .manifest import SecretSpec
from .secret import Secret
from .sources import secret_weakness
from .state import LiveAction

JSON_FORMAT_VERSION = 1
MASK = "••••••••"
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_ATTENTION = 2


class Status(Enum):
    """How the deployed value of one secret compares with the local one."""

    IN_SYNC = "in sync"
    DIFFERS = "differs"
    UNKNOWN = "unknown"  # the live code carries no fingerprint for it
    NOT_DEPLOYED = "not deployed"
    MISSING_LOCALLY = "missing locally"
    TOO_SHORT = "too short"
    WEAK = "weak"  # long enough, but predictable (or longer than Auth0 takes)
    UNKNOWN_TO_CONFIG = "unknown to config"
    NOT_SET = "not set"  # an optional secret set nowhere: nothing to do
    TO_BE_REMOVED = "to be removed"  # optional, unset here, still live: the next deploy drops it
    NOT_CHECKED = "not checked"

    @property
    def id(self) -> str:
        return self.value.replace(" ", "_")

    @property
    def fine(self) -> bool:
        return self in (Status.IN_SYNC, Status.NOT_SET)


_HINTS = {
    Status.DIFFERS: "differs: the deployed value is not the local one; `deployer plan` shows "
    "it as changed and a deploy sends the local value",
    Status.UNKNOWN: "unknown: the live code carries no fingerprint for it (deployed by "
    "something else, or before fingerprints); a deploy resends it",
    Status.NOT_DEPLOYED: "not deployed: the live action does not have it yet; a deploy adds it",
    Status.MISSING_LOCALLY: "missing locally: set it where SOURCE says (a generated one is made "
    "by `deployer plan` or `deployer deploy`)",
    Status.TOO_SHORT: f"too short: values need at least {MIN_SECRET_LENGTH} characters; make "
    "one with `deployer secrets generate`",
    Status.WEAK: "weak: the value is too predictable (or longer than Auth0 takes); make one "
    "with `deployer secrets generate`",
    Status.UNKNOWN_TO_CONFIG: "unknown to config: live only; deploys keep it, "
    "`deployer deploy --prune-secrets` deletes it",
    Status.TO_BE_REMOVED: "to be removed: unset here but still live; the next deploy removes it",
}


@dataclass(frozen=True)
class LocalValue:
    """One secret on this machine: where its value comes from (None: nowhere) and the value."""

    source: str | None
    secret: Secret | None


@dataclass(frozen=True)
class LiveSide:
    """The tenant as read (`checked`), or why it was not read."""

    checked: bool
    action: LiveAction | None = None
    reason: str | None = None


@dataclass(frozen=True)
class SecretRow:
    name: str
    known: bool  # the manifest declares it
    required: bool
    source: str | None
    length: int | None  # of the local value; None when there is none
    live_present: bool | None  # None: not checked
    live_updated_at: str | None
    status: Status

    @property
    def long_enough(self) -> bool:
        return self.length is not None and self.length >= MIN_SECRET_LENGTH


@dataclass(frozen=True)
class TenantReport:
    tenant: str
    action_name: str
    live: LiveSide
    rows: tuple[SecretRow, ...]

    @property
    def action_id(self) -> str | None:
        return self.live.action.id if self.live.action else None

    @property
    def exit_code(self) -> int:
        if not self.live.checked:
            return EXIT_ERROR
        return EXIT_OK if all(r.status.fine for r in self.rows) else EXIT_ATTENTION


def build_report(
    tenant: str,
    action_name: str,
    specs: Sequence[SecretSpec],
    local: Mapping[str, LocalValue],
    live: LiveSide,
) -> TenantReport:
    """One row per secret the Action declares, then one per live secret it does not."""
    action = live.action
    live_secrets = {s.name: s for s in action.secrets} if action else {}
    header = action.header if action else None
    # The draft's header was written in the same PATCH as the secrets: it describes them.
    live_prints = header.fingerprints if header else {}
    rows: list[SecretRow] = []
    for spec in specs:
        value = local.get(spec.name, LocalValue(None, None))
        secret = value.secret
        deployed = live_secrets.get(spec.name)
        if secret is None:
            if spec.required:
                status = Status.MISSING_LOCALLY
            else:
                status = Status.TO_BE_REMOVED if deployed else Status.NOT_SET
        elif len(secret) < MIN_SECRET_LENGTH:
            status = Status.TOO_SHORT
        elif secret_weakness(secret.reveal()) is not None:
            status = Status.WEAK
        elif not live.checked:
            status = Status.NOT_CHECKED
        elif deployed is None:
            status = Status.NOT_DEPLOYED
        elif spec.name not in live_prints:
            status = Status.UNKNOWN
        else:
            mine = fingerprint(secret.reveal(), tenant=tenant, action=action_name, name=spec.name)
            status = Status.IN_SYNC if mine == live_prints[spec.name] else Status.DIFFERS
        rows.append(
            SecretRow(
                name=spec.name,
                known=True,
                required=spec.required,
                source=value.source,
                length=len(secret) if secret is not None else None,
                live_present=(deployed is not None) if live.checked else None,
                live_updated_at=deployed.updated_at if deployed else None,
                status=status,
            )
        )
    declared = {s.name for s in specs}
    for name in sorted(set(live_secrets) - declared):
        rows.append(
            SecretRow(
                name=name,
                known=False,
                required=False,
                source=None,
                length=None,
                live_present=True,
                live_updated_at=live_secrets[name].updated_at,
                status=Status.UNKNOWN_TO_CONFIG,
            )
        )
    return TenantReport(tenant=tenant, action_name=action_name, live=live, rows=tuple(rows))


def exit_code(reports: Sequence[TenantReport]) -> int:
    """1 if a tenant could not be read, else 2 if any secret needs a look, else 0."""
    worst = (EXIT_OK, EXIT_ATTENTION, EXIT_ERROR)
    return max((r.exit_code for r in reports), key=worst.index, default=EXIT_OK)


# -- text -------------------------------------------------------------------------------------

Style = Callable[[str, Status | None], str]
_COLOURS = {Status.IN_SYNC: "green", Status.NOT_SET: None, Status.UNKNOWN_TO_CONFIG: "yellow"}


def _plain(text: str, _status: Status | None) -> str:
    return text


def _coloured(text: str, status: Status | None) -> str:
    if status is None:
        return click.style(text, bold=True)
    colour = _COLOURS.get(status, "red")
    # No colour, no codes: click.style would still append a reset.
    return click.style(text, fg=colour) if colour and text else text


def _local_cell(row: SecretRow) -> str:
    if not row.known:
        return "-"
    if row.length is None:
        return "missing" if row.required else "not set"
    if not row.long_enough:
        return f"too short ({row.length} < {MIN_SECRET_LENGTH})"
    if row.status is Status.WEAK:
        return "weak"
    return "ok"


def _value_cell(row: SecretRow, revealed: Mapping[str, str] | None) -> str:
    if row.length is None:
        return "-"
    if revealed is not None and row.name in revealed:
        return revealed[row.name]
    return f"{MASK} ({row.length} chars)"


def _live_cell(row: SecretRow, live: LiveSide) -> str:
    if not live.checked:
        return f"not checked: {live.reason}"
    if live.action is None:
        return "no action"
    if not row.live_present:
        return "absent"
    return f"set, updated {_when(row.live_updated_at)}" if row.live_updated_at else "set"


def _when(stamp: str) -> str:
    # Auth0's nanosecond timestamps are noise in a table; JSON keeps them as Auth0 gave them.
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


MIN_COLUMN = 8
# SOURCE, LOCAL, LIVE and STATUS may wrap; the name and the (masked) value stay whole. When
# that is not enough, the masked VALUE column goes, then LIVE (JSON output has everything).
SHRINKABLE = (1, 2, 4, 5)
DROPPABLE = (3, 4)


def _fit(widths: Sequence[int], width: int | None) -> tuple[dict[int, int], list[int]]:
    """Column index -> width for the columns shown, and the dropped ones, so that the table
    fits `width`; the cells of a narrowed column wrap onto more lines."""
    shown = dict(enumerate(widths))
    dropped: list[int] = []
    if width is None:
        return shown, dropped

    def total(columns: dict[int, int]) -> int:
        return 2 + sum(columns.values()) + 2 * (len(columns) - 1)

    while True:
        fitted = dict(shown)
        while total(fitted) > width:
            narrowable = [i for i in SHRINKABLE if i in fitted and fitted[i] > MIN_COLUMN]
            if not narrowable:
                break
            widest = max(narrowable, key=lambda i: fitted[i])
            fitted[widest] -= 1
        droppable = [i for i in DROPPABLE if i in shown]
        if total(fitted) <= width or not droppable:
            return fitted, dropped
        dropped.append(droppable[0])
        del shown[droppable[0]]


def _table(
    header: Sequence[str],
    body: Sequence[tuple[Sequence[str], Status]],
    style: Style,
    width: int | None = None,
) -> list[str]:
    natural = [
        max(len(r[i]) for r in [header, *(cells for cells, _ in body)]) for i in range(len(header))
    ]
    widths, dropped = _fit(natural, width)

    def lines_of(cells: Sequence[str]) -> list[tuple[str, str]]:
        """(padded leading columns, last column) per line; a narrowed cell wraps."""
        wrapped = [textwrap.wrap(cells[i], w) or [""] for i, w in widths.items()]
        rows = []
        for k in range(max(len(w) for w in wrapped)):
            parts = [w[k] if k < len(w) else "" for w in wrapped]
            lead = "".join(
                f"{p.ljust(w)}  " for p, w in zip(parts[:-1], widths.values(), strict=False)
            )
            rows.append(("  " + lead, parts[-1]))
        return rows

    lines = [style((lead + last).rstrip(), None) for lead, last in lines_of(header)]
    for cells, status in body:
        # Only the status column is coloured, after padding, so the columns stay aligned.
        lines += [(lead + style(last, status)).rstrip() for lead, last in lines_of(cells)]
    if dropped:
        names = " and ".join(header[i] for i in dropped)
        lines += _wrapped(f"  ({names} left out to fit the terminal; --output json has all)", width)
    return lines


def _wrapped(line: str, width: int | None) -> list[str]:
    if width is None or len(line) <= width:
        return [line]
    indent = " " * (len(line) - len(line.lstrip()) + 2)
    return textwrap.wrap(line, width, initial_indent="", subsequent_indent=indent) or [line]


def text(
    reports: Sequence[TenantReport],
    *,
    revealed: Mapping[str, Mapping[str, str]] | None = None,
    colour: bool = False,
    width: int | None = None,
) -> str:
    """One table per tenant. Values appear only for tenants in `revealed` (tenant -> name ->
    value), which the CLI fills only under --reveal; otherwise they are masked."""
    style: Style = _coloured if colour else _plain
    out: list[str] = []
    for report in reports:
        where = f"action {report.action_name!r}"
        if report.action_id:
            where += f", id {report.action_id}"
        out.append(style(f"Tenant {report.tenant} ({where})", None))
        values = revealed.get(report.tenant) if revealed is not None else None
        body = [
            (
                (
                    r.name,
                    r.source or ("(none in tenants.yaml)" if r.known else "-"),
                    _local_cell(r),
                    _value_cell(r, values),
                    _live_cell(r, report.live),
                    r.status.value,
                ),
                r.status,
            )
            for r in report.rows
        ]
        header = ("SECRET", "SOURCE", "LOCAL", "VALUE", "LIVE", "STATUS")
        out += _table(header, body, style, width)
        counts: dict[Status, int] = {}
        for r in report.rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = ", ".join(f"{n} {s.value}" for s, n in counts.items())
        out.append(f"{len(report.rows)} secrets: {summary}.")
        for hint in (f"  {_HINTS[s]}" for s in _HINTS if s in counts):
            out += _wrapped(hint, width)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# -- JSON -------------------------------------------------------------------------------------


def _row_json(row: SecretRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "known_to_config": row.known,
        "required": row.required,
        "source": row.source,
        # Lengths and verdicts only: a fingerprint of a short value could be brute-forced,
        # so none is printed either.
        "local": {
            "present": row.length is not None,
            "length": row.length,
            "long_enough": row.long_enough,
        },
        "live": None
        if row.live_present is None
        else {"present": row.live_present, "updated_at": row.live_updated_at},
        "status": row.status.id,
    }


def report_json(report: TenantReport) -> dict[str, Any]:
    live = report.live
    return {
        "tenant": report.tenant,
        "action": {"name": report.action_name, "id": report.action_id},
        "live": {
            "checked": live.checked,
            "reason": live.reason,
            "action_found": live.action is not None if live.checked else None,
            "fingerprinted": bool(
                live.action and live.action.header and live.action.header.fingerprints
            ),
        },
        "secrets": [_row_json(r) for r in report.rows],
        "exit_code": report.exit_code,
    }


def as_json(reports: Sequence[TenantReport]) -> str:
    document = {
        "format_version": JSON_FORMAT_VERSION,
        "tenants": [report_json(r) for r in reports],
        "exit_code": exit_code(reports),
    }
    return json.dumps(document, indent=2) + "\n"
