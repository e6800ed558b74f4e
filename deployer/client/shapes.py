"""Auth0's answers (auth0-python's models) as our state values, and our values as its requests.

Pure conversions, no I/O: part of deployer/client/, the one module that talks to Auth0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auth0.management.types import ActionSecretRequest, ActionVersionDependency

from ..secret import Secret
from ..state import Dependency, DesiredAction, LiveAction, LiveSecret


def _live_action(data: Any) -> LiveAction:
    deployed = data.deployed_version
    triggers = tuple(str(t.id) for t in (data.supported_triggers or []))
    return LiveAction(
        id=str(data.id),
        name=str(data.name),
        code=data.code or "",
        runtime=data.runtime,
        dependencies=tuple(
            Dependency(str(d.name), str(d.version)) for d in (data.dependencies or [])
        ),
        secrets=tuple(
            LiveSecret(str(s.name), s.updated_at.isoformat() if s.updated_at else None)
            for s in (data.secrets or [])
        ),
        status=str(data.status or ""),
        all_changes_deployed=bool(data.all_changes_deployed),
        deployed_code=deployed.code if deployed is not None else None,
        deployed_version=int(deployed.number) if deployed and deployed.number else None,
        is_deployed=bool(deployed and deployed.deployed),
        integration=bool(data.integration or data.installed_integration_id),
        supported_triggers=triggers,
        updated_at=data.updated_at.isoformat() if data.updated_at else None,
    )


def _build_errors(data: Any) -> list[str]:
    """Build errors, wherever this answer carries them (the draft or its current version).

    Usually none: Auth0's failed action carries no `errors` field (recorded: the action went
    building -> retrying -> failed with the same keys as ever, terraform-provider-auth0
    TestAccAction.yaml). The API's version object documents `errors`, so they are read where
    present; the caller must still explain a failure without them.
    """
    found: list[Any] = []
    for holder in (data, getattr(data, "current_version", None)):
        if holder is None:
            continue
        errors = (
            holder.get("errors") if isinstance(holder, dict) else getattr(holder, "errors", None)
        )
        found.extend(errors or [])
    messages = []
    for e in found:
        msg = e.get("msg") if isinstance(e, dict) else getattr(e, "msg", None)
        url = e.get("url") if isinstance(e, dict) else getattr(e, "url", None)
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
