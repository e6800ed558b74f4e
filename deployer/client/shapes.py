"""Auth0's answers as our state values, and our values as auth0-python's requests.

Actions and bindings are read as decoded JSON (see Auth0Client._get for why); versions, and the
answers to writes, as auth0-python's models. Pure conversions, no I/O: part of deployer/client/,
the one module that talks to Auth0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auth0.management.types import ActionSecretRequest, ActionVersionDependency

from ..secret import Secret
from ..state import Dependency, DesiredAction, LiveAction, LiveBinding, LiveSecret


def _live_action(data: Mapping[str, Any]) -> LiveAction:
    """An action as Auth0 answers it (decoded JSON: the list's items, a GET)."""
    deployed = data.get("deployed_version") or {}
    return LiveAction(
        id=str(data["id"]),
        name=str(data["name"]),
        code=data.get("code") or "",
        runtime=data.get("runtime"),
        dependencies=tuple(
            Dependency(str(d["name"]), str(d["version"])) for d in data.get("dependencies") or []
        ),
        secrets=tuple(
            LiveSecret(str(s["name"]), _iso(s.get("updated_at"))) for s in data.get("secrets") or []
        ),
        status=str(data.get("status") or ""),
        all_changes_deployed=bool(data.get("all_changes_deployed")),
        deployed_code=deployed.get("code") if deployed else None,
        deployed_version=int(deployed["number"]) if deployed.get("number") else None,
        is_deployed=bool(deployed.get("deployed")),
        integration=bool(data.get("integration") or data.get("installed_integration_id")),
        supported_triggers=tuple(str(t["id"]) for t in data.get("supported_triggers") or []),
        updated_at=_iso(data.get("updated_at")),
    )


def _live_bindings(items: Sequence[Mapping[str, Any]]) -> tuple[LiveBinding, ...]:
    """A trigger's bindings as Auth0 answers them (decoded JSON), in execution order."""
    result = []
    for b in items:
        action = b.get("action") or {}
        result.append(
            LiveBinding(
                id=str(b["id"]),
                action_id=str(action.get("id") or ""),
                action_name=str(action.get("name") or ""),
                display_name=b.get("display_name") or "",
                integration=bool(
                    action.get("integration") or action.get("installed_integration_id")
                ),
            )
        )
    return tuple(result)


def _iso(value: Any) -> str | None:
    """A timestamp spelled as auth0-python's models spelled it (`+00:00`, at most microseconds),
    whatever Auth0 sent (`Z`, nanoseconds): saved plans compare it with a later read.
    Unparseable: kept as sent."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value)).isoformat()
    except ValueError:
        return str(value)


def _build_errors(data: Mapping[str, Any]) -> list[str]:
    """Build errors, wherever this answer carries them (the draft or its current version).

    Usually none: Auth0's failed action carries no `errors` field (recorded: the action went
    building -> retrying -> failed with the same keys as ever, terraform-provider-auth0
    TestAccAction.yaml). The API's version object documents `errors`, so they are read where
    present; the caller must still explain a failure without them.
    """
    found: list[Any] = []
    for holder in (data, data.get("current_version")):
        if isinstance(holder, Mapping):
            found.extend(holder.get("errors") or [])
    messages = []
    for e in found:
        msg = e.get("msg") if isinstance(e, Mapping) else None
        url = e.get("url") if isinstance(e, Mapping) else None
        if msg:
            messages.append(f"{msg} ({url})" if url else str(msg))
    return messages


@dataclass(frozen=True)
class VersionInfo:
    id: str
    number: int
    created_at: str | None
    deployed: bool
    status: str
    code: str


def _version(data: Any) -> VersionInfo:
    return VersionInfo(
        id=str(data.id),
        number=int(data.number or 0),
        created_at=data.created_at.isoformat() if data.created_at else None,
        deployed=bool(data.deployed),
        status=str(data.status or ""),
        code=data.code or "",
    )


def _dependencies(desired: DesiredAction) -> list[ActionVersionDependency]:
    return [ActionVersionDependency(name=d.name, version=d.version) for d in desired.dependencies]


def _secrets(secrets: Mapping[str, Secret]) -> list[ActionSecretRequest]:
    return [ActionSecretRequest(name=n, value=v.reveal()) for n, v in sorted(secrets.items())]
