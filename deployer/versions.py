"""The Action's versions on a tenant: history with provenance, and rollback.

Rollback uses Auth0's own version-deploy endpoint, which deploys a NEW version identical to an
older one and leaves the draft alone: the next plan shows the way back to the repository.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .apply import Waiter
from .client import Auth0Client, VersionInfo
from .errors import RefusedError
from .header import parse_header, strip_header
from .plan import unified
from .state import LiveAction
from .targets import open_client
from .workflow import Context


@dataclass(frozen=True)
class HistoryEntry:
    number: int
    created_at: str | None
    live: bool
    status: str
    commit: str | None
    dirty: bool


@dataclass(frozen=True)
class Rollback:
    tenant: str
    action_id: str
    action_name: str
    current: int | None
    target: VersionInfo
    code_diff: str


def history_entries(versions: list[VersionInfo], live: LiveAction) -> list[HistoryEntry]:
    entries = []
    for v in versions:
        header = parse_header(v.code)
        entries.append(
            HistoryEntry(
                number=v.number,
                created_at=v.created_at,
                live=live.is_deployed and v.number == live.deployed_version,
                status=v.status,
                commit=header.commit if header else None,
                dirty=bool(header and header.dirty),
            )
        )
    return entries


def choose_target(
    versions: list[VersionInfo], live: LiveAction, to_version: int | None
) -> VersionInfo:
    """The version to roll back to: the one asked for, or the one before the live one."""
    current = live.deployed_version
    if to_version is not None:
        match = next((v for v in versions if v.number == to_version), None)
        if match is None:
            known = ", ".join(str(v.number) for v in versions) or "none"
            raise RefusedError(f"no version {to_version} (versions: {known})")
        if match.number == current:
            raise RefusedError(f"version {to_version} is already live")
        return match
    older = [v for v in versions if current is None or v.number < current]
    if not older:
        raise RefusedError("there is no older version to roll back to")
    return max(older, key=lambda v: v.number)


def _our_action(ctx: Context, client: Auth0Client, tenant: str) -> LiveAction:
    name = ctx.config.manifest.name
    found = client.find_action(name)
    if found is None:
        raise RefusedError(f"{tenant}: there is no action named {name!r}")
    if found.integration or found.header is None:
        raise RefusedError(f"{tenant}: the action {name!r} is not managed by this tool")
    return client.get_action(found.id)


def history(ctx: Context, tenant: str) -> list[HistoryEntry]:
    target = ctx.target(ctx.config.tenant(tenant))
    with open_client(target) as client:
        live = _our_action(ctx, client, tenant)
        return history_entries(client.versions(live.id), live)


def rollback(
    ctx: Context,
    tenant: str,
    to_version: int | None,
    confirm: Callable[[Rollback], bool],
) -> tuple[Rollback, VersionInfo | None]:
    """Plan the rollback, ask `confirm`, then deploy the old version and wait until it is live."""
    target = ctx.target(ctx.config.tenant(tenant))
    with open_client(target) as client:
        live = _our_action(ctx, client, tenant)
        chosen = choose_target(client.versions(live.id), live, to_version)
        plan = Rollback(
            tenant=tenant,
            action_id=live.id,
            action_name=live.name,
            current=live.deployed_version,
            target=chosen,
            code_diff=unified(
                strip_header(live.deployed_code or ""),
                strip_header(chosen.code),
                f"live (v{live.deployed_version})",
                f"v{chosen.number}",
            ),
        )
        if not confirm(plan):
            return plan, None
        created = client.deploy_version(live.id, chosen.id)
        waiter = Waiter(ctx.options.waits, ctx.report)

        def settled() -> str | None:
            now = client.get_action(live.id)
            if now.is_deployed and now.deployed_version == created.number:
                return None
            return f"version {created.number} not live yet"

        waiter.until(
            "waiting for the rollback to settle", ctx.options.waits.deploy_timeout, settled
        )
        return plan, created
