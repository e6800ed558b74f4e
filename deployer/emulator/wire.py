"""Auth0's JSON shapes, as recorded on the wire (docs/emulator-fidelity.md), from the records.

Key sets and their order follow the recorded answers, not the OpenAPI description: e.g. the
action object never carries `built_at`, but does carry the undocumented `current_version`.
"""

from __future__ import annotations

from http import HTTPStatus

from .records import JSON, Action, Binding, Secret, TenantState, Version, iso

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
    # The form is confirmed by recorded 400s ("Payload validation error: 'Array items are not
    # unique (indexes 0 and 1)' on property rule.match.auth0_managed.", terraform-provider-auth0
    # TestAccNetworkACLAuth0ManagedAPIRejections.yaml; the bindings oneOf one); UNCONFIRMED (still
    # unknown): each reason.
    where = f" on property {prop}" if prop else ""
    return ApiError(400, f"Payload validation error: '{reason}'{where}.", "invalid_body")


def bad_query(reason: str, prop: str) -> ApiError:
    # UNCONFIRMED (still unknown: no query validation error recorded): modelled on the payload
    # validation message.
    return ApiError(
        400, f"Query validation error: '{reason}' on property {prop}.", "invalid_query_string"
    )


def envelope(key: str, items: list[JSON], total: int, page: int, per_page: int) -> JSON:
    """A list answer as recorded: the list is always there, even empty (`{"bindings":[],
    "per_page":50}`); `page` only when not 0; `total` only when not 0 and the page is not past
    the end (`{"bindings":[],"page":1,"per_page":100}`). Recorded in terraform-provider-auth0
    TestAccAction.yaml, TestAccDataSourceAction.yaml, TestAccTriggerAction.yaml.
    """
    answer: JSON = {key: items}
    if total and not (page and not items):
        answer["total"] = total
    if page:
        answer["page"] = page
    answer["per_page"] = per_page
    return answer


def secrets(items: list[Secret]) -> list[JSON]:
    return [{"name": s.name, "updated_at": iso(s.updated_at)} for s in items]


def dependencies(items: list[JSON], status: str, runtime: str) -> list[JSON]:
    """While a build runs on node16, Auth0 showed where it fetches each package from
    (go-auth0 recordings, 2023, all node16); no recording on node18-actions or node22 (2026,
    terraform-provider-auth0 TestAccAction.yaml, polled while `building`) has it.
    UNCONFIRMED: that the runtime is what decides it (it may be the date of the recording)."""
    if status not in _UNFINISHED or runtime != "node16":
        return [dict(d) for d in items]
    return [{**d, "registry_url": f"https://www.npmjs.com/package/{d.get('name')}"} for d in items]


def _triggers(items: list[JSON]) -> list[JSON]:
    return [dict(t) for t in items]


def action_base(action: Action) -> JSON:
    """The `action` inside a version answer: its `all_changes_deployed` is always false, even
    once the version is live (recorded: terraform-provider-auth0 TestAccAction.yaml)."""
    return {
        "id": action.id,
        "name": action.name,
        "supported_triggers": _triggers(action.supported_triggers),
        "created_at": iso(action.created_at),
        "updated_at": iso(action.updated_at),
        "all_changes_deployed": False,
    }


def current_version(version: Version, now: float) -> JSON:
    built = version.built_at is None or now >= version.built_at
    answer: JSON = {
        "id": version.id,
        "code": version.code,
        "runtime": version.runtime,
        "status": "BUILT" if built else "PENDING",  # upper case on the wire, unlike elsewhere
        "number": version.number,
    }
    if built:
        answer["build_time"] = iso(_built_at(version))
    answer["created_at"] = iso(version.created_at)
    answer["updated_at"] = iso(_built_at(version) if built else version.created_at)
    return answer


def _built_at(version: Version) -> float:
    return version.created_at if version.built_at is None else version.built_at


def version(action: Action, item: Version, now: float, *, just_deployed: bool = False) -> JSON:
    """A version; `just_deployed` is the answer to a deploy or rollback (not yet live).

    A version made by `deploy: true` at create time is deployed at once and built with the
    draft: `status:"pending"` and no `built_at` until then (go-auth0
    TestActionManager_CreateWithDeploy.yaml).
    """
    built = item.built_at is None or now >= item.built_at
    answer: JSON = {
        "code": item.code,
        "dependencies": [dict(d) for d in item.dependencies],
        "id": item.id,
        "deployed": False if just_deployed else action.live_version_id(now) == item.id,
        "number": item.number,
    }
    if not just_deployed and built:
        answer["built_at"] = iso(_built_at(item))
    answer.update(
        {
            "secrets": secrets(item.secrets),
            "status": "built" if built else "pending",
            "created_at": iso(item.created_at),
            "updated_at": iso(_built_at(item) if built else item.created_at),
            "runtime": item.runtime,
            "supported_triggers": _triggers(item.supported_triggers),
        }
    )
    return answer


def versioned(action: Action, item: Version, now: float, *, just_deployed: bool = False) -> JSON:
    """A version with its `action`, as the versions endpoints and deploy answer it."""
    return {
        **version(action, item, now, just_deployed=just_deployed),
        "action": action_base(action),
    }


def _deployment(action: Action, now: float) -> JSON:
    answer: JSON = {}
    if action.versions:
        answer["current_version"] = current_version(action.versions[-1], now)
    live = action.version(action.live_version_id(now))
    if live is not None:
        answer["deployed_version"] = version(action, live, now)
    return answer


def action(item: Action, now: float) -> JSON:
    """The full action object (create, get, update, list)."""
    status = item.build_status(now)
    # A failed build carries no `errors` field: the recorded action went building -> retrying
    # -> failed with the same keys as ever (terraform-provider-auth0 TestAccAction.yaml).
    answer: JSON = {
        "id": item.id,
        "name": item.name,
        "supported_triggers": _triggers(item.supported_triggers),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "code": item.code,
        "dependencies": dependencies(item.dependencies, status, item.runtime),
        "runtime": item.runtime,
        "status": status,
        "secrets": secrets(item.secrets),
        **_deployment(item, now),
        "all_changes_deployed": item.all_changes_deployed(now),
        **_marketplace(item),
    }
    return answer


def bound_action(item: Action, now: float) -> JSON:
    """The action inside a binding (PATCH and GET bindings alike): no draft, and
    `all_changes_deployed` always false, as inside a version (go-auth0
    TestActionManager_Bindings.yaml; terraform-provider-auth0 TestAccTriggerAction.yaml)."""
    return {
        "id": item.id,
        "name": item.name,
        "supported_triggers": _triggers(item.supported_triggers),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        **_deployment(item, now),
        "all_changes_deployed": False,
        # UNCONFIRMED: no recording shows a Marketplace action in a binding; its markers are
        # kept so that a client can tell it is not its own.
        **_marketplace(item),
    }


def _marketplace(item: Action) -> JSON:
    answer: JSON = {}
    if item.integration is not None:
        answer["integration"] = dict(item.integration)
    if item.installed_integration_id is not None:
        answer["installed_integration_id"] = item.installed_integration_id
    return answer


def binding(item: Binding, trigger_id: str, action_json: JSON) -> JSON:
    return {
        "id": item.id,
        "trigger_id": trigger_id,
        "action": action_json,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "display_name": item.display_name,
    }


def clients(state: TenantState) -> list[JSON]:
    """GET /clients items: the login flow's applications, then the M2M clients.

    Keys as in a recorded listing (terraform-provider-auth0 TestAccDataClientByName.yaml), a
    subset: what a client such as auth0-deploy-cli reads. Never `client_secret`: Auth0 shows it
    only to a token with read:client_keys, which the emulator never grants.
    """
    listed: list[JSON] = []
    for app in state.login.applications.values():
        public = app.client_secret is None
        listed.append(
            {
                "name": app.name,
                "client_id": app.client_id,
                "app_type": "spa" if public else "regular_web",
                "is_first_party": True,
                "oidc_conformant": True,
                "callbacks": list(app.callbacks),
                "grant_types": ["authorization_code", "refresh_token"],
                "token_endpoint_auth_method": "none" if public else "client_secret_post",
            }
        )
    for client in state.clients.values():
        listed.append(
            {
                "name": client.client_id,
                "client_id": client.client_id,
                "app_type": "non_interactive",
                "is_first_party": True,
                "oidc_conformant": True,
                "callbacks": [],
                "grant_types": ["client_credentials"],
                "token_endpoint_auth_method": "client_secret_post",
            }
        )
    return listed


def token_error(error: str, description: str) -> JSON:
    return {"error": error, "error_description": description}
