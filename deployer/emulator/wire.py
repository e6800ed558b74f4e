"""Auth0's JSON shapes as recorded on the wire (docs/auth0-behaviour.md), built from the records.

Key sets and their order follow the recorded answers, not the OpenAPI description: e.g. the
action object never carries `built_at`, but does carry the undocumented `current_version`.
"""

from __future__ import annotations

from http import HTTPStatus

from .records import JSON, Action, Binding, Secret, Version, iso

_UNFINISHED = ("pending", "building", "retrying")


class ApiError(Exception):
    """An Auth0-shaped error answer: `{statusCode, error, message, errorCode?}`."""

    def __init__(
        self,
        status: int,
        message: str,
        error_code: str | None = None,
        *,
        attributes: JSON | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.attributes = attributes

    def body(self) -> JSON:
        body: JSON = {
            "statusCode": self.status,
            "error": HTTPStatus(self.status).phrase,
            "message": self.message,
        }
        if self.error_code:
            body["errorCode"] = self.error_code
        if self.attributes:
            body["attributes"] = self.attributes
        return body


def bad_body(reason: str, prop: str | None = None) -> ApiError:
    # UNCONFIRMED beyond the one recorded example: Auth0's schema validator phrasing.
    where = f" on property {prop}" if prop else ""
    return ApiError(400, f"Payload validation error: '{reason}'{where}.", "invalid_body")


def bad_query(reason: str, prop: str) -> ApiError:
    # UNCONFIRMED: phrasing modelled on the payload validation message.
    return ApiError(
        400, f"Query validation error: '{reason}' on property {prop}.", "invalid_query_string"
    )


def envelope(key: str, items: list[JSON], total: int, page: int, per_page: int) -> JSON:
    """A list answer. On the wire zero-valued fields are dropped (page 0 is absent).

    UNCONFIRMED: that an empty list and a zero total are dropped too; it is the reading a
    client must survive anyway, so the emulator does it.
    """
    answer: JSON = {key: items, "total": total, "page": page, "per_page": per_page}
    return {k: v for k, v in answer.items() if v not in (0, [])}


def secrets(items: list[Secret]) -> list[JSON]:
    return [{"name": s.name, "updated_at": iso(s.updated_at)} for s in items]


def dependencies(items: list[JSON], status: str) -> list[JSON]:
    if status not in _UNFINISHED:
        return [dict(d) for d in items]
    # While a build runs Auth0 shows where it fetches each package from.
    return [{**d, "registry_url": f"https://www.npmjs.com/package/{d.get('name')}"} for d in items]


def _triggers(items: list[JSON]) -> list[JSON]:
    return [dict(t) for t in items]


def action_base(action: Action, now: float, *, just_deployed: bool = False) -> JSON:
    """The `action` inside a version answer; a deploy's own answer never shows it deployed."""
    return {
        "id": action.id,
        "name": action.name,
        "supported_triggers": _triggers(action.supported_triggers),
        "created_at": iso(action.created_at),
        "updated_at": iso(action.updated_at),
        "all_changes_deployed": not just_deployed and action.all_changes_deployed(now),
    }


def current_version(version: Version) -> JSON:
    return {
        "id": version.id,
        "code": version.code,
        "runtime": version.runtime,
        "status": "BUILT",  # upper case on the wire, unlike everywhere else
        "number": version.number,
        "build_time": iso(version.created_at),
        "created_at": iso(version.created_at),
        "updated_at": iso(version.created_at),
    }


def version(action: Action, item: Version, now: float, *, just_deployed: bool = False) -> JSON:
    """A version; `just_deployed` is the answer to a deploy or rollback (not yet live)."""
    answer: JSON = {
        "code": item.code,
        "dependencies": [dict(d) for d in item.dependencies],
        "id": item.id,
        "deployed": False if just_deployed else action.live_version_id(now) == item.id,
        "number": item.number,
    }
    if not just_deployed:
        answer["built_at"] = iso(item.created_at)
    answer.update(
        {
            "secrets": secrets(item.secrets),
            "status": "built",
            "created_at": iso(item.created_at),
            "updated_at": iso(item.created_at),
            "runtime": item.runtime,
            "supported_triggers": _triggers(item.supported_triggers),
        }
    )
    return answer


def versioned(action: Action, item: Version, now: float, *, just_deployed: bool = False) -> JSON:
    """A version with its `action`, as the versions endpoints and deploy answer it."""
    return {
        **version(action, item, now, just_deployed=just_deployed),
        "action": action_base(action, now, just_deployed=just_deployed),
    }


def _deployment(action: Action, now: float) -> JSON:
    answer: JSON = {}
    if action.versions:
        answer["current_version"] = current_version(action.versions[-1])
    live = action.version(action.live_version_id(now))
    if live is not None:
        answer["deployed_version"] = version(action, live, now)
    return answer


def action(item: Action, now: float) -> JSON:
    """The full action object (create, get, update, list, and inside a listed binding)."""
    status = item.build_status(now)
    answer: JSON = {
        "id": item.id,
        "name": item.name,
        "supported_triggers": _triggers(item.supported_triggers),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "code": item.code,
        "dependencies": dependencies(item.dependencies, status),
        "runtime": item.runtime,
        "status": status,
        "secrets": secrets(item.secrets),
        **_deployment(item, now),
        "all_changes_deployed": item.all_changes_deployed(now),
    }
    if status == "failed":
        # UNCONFIRMED: where Auth0 shows a failed draft's errors; the spec's version object
        # has `errors`, so the emulator puts the same list on the action.
        answer["errors"] = item.build_errors()
    if item.integration is not None:
        answer["integration"] = dict(item.integration)
    if item.installed_integration_id is not None:
        answer["installed_integration_id"] = item.installed_integration_id
    return answer


def bound_action(item: Action, now: float) -> JSON:
    """The action inside a PATCH bindings answer: the recorded answer omits the draft."""
    return {
        "id": item.id,
        "name": item.name,
        "supported_triggers": _triggers(item.supported_triggers),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        **_deployment(item, now),
        "all_changes_deployed": item.all_changes_deployed(now),
    }


def binding(item: Binding, trigger_id: str, action_json: JSON) -> JSON:
    return {
        "id": item.id,
        "trigger_id": trigger_id,
        "action": action_json,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "display_name": item.display_name,
    }


def token_error(error: str, description: str) -> JSON:
    return {"error": error, "error_description": description}
