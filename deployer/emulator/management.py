"""The Actions endpoints of the Management API v2, over a TenantState.

Routing, scopes and the behaviour of each endpoint. Authentication, rate limits, faults and
persistence are the Emulator's business; this module only turns a parsed request into an
answer and a changed state.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import beside, payloads, testing, wire
from . import settings as limits
from .payloads import replace_secrets
from .records import JSON, Action, Binding, TenantState, Version
from .settings import EmulatorSettings
from .wire import ApiError

Handler = Callable[["ManagementApi", float, tuple[str, ...], Mapping[str, str], Any], "Result"]
Result = tuple[int, JSON | list[JSON] | None]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NOT_FOUND = ApiError(404, "That action does not exist.")


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    scope: str
    handler: Handler
    mutates: bool


def new_id() -> str:
    return str(uuid.uuid4())


def _checked_id(value: str, prop: str) -> str:
    if not _UUID.match(value):
        # UNCONFIRMED (still unknown): the detail of the text for a malformed id. The form
        # "Path validation error: '...' on property id" is recorded for event streams
        # (terraform-provider-auth0 TestAccDataSourceEventStream.yaml), not for actions.
        raise ApiError(
            400,
            f"Path validation error: 'String does not match pattern ^[0-9a-f-]{{36}}$: {value}' "
            f"on property {prop}.",
            "invalid_uri",
        )
    return value


class ManagementApi:
    def __init__(self, state: TenantState, settings: EmulatorSettings) -> None:
        self.state = state
        self.settings = settings

    # -- lookups ------------------------------------------------------------------------

    def _action(self, action_id: str, prop: str = "id") -> Action:
        found = self.state.actions.get(_checked_id(action_id, prop))
        if found is None:
            raise NOT_FOUND
        return found

    def _trigger(self, trigger_id: str) -> str:
        if trigger_id not in payloads.TRIGGER_IDS:
            # UNCONFIRMED (still unknown: not recorded): Auth0's answer for an unknown trigger.
            raise ApiError(404, "That trigger does not exist.")
        return trigger_id

    # -- time-driven changes --------------------------------------------------------------

    def advance(self, now: float) -> bool:
        """Carries out `deploy: true` creates of older state files once their build ends."""
        changed = False
        for action in self.state.actions.values():
            if action.deploy_when_built and now >= action.build_ready_at:
                action.deploy_when_built = False
                if action.build_status(now) == "built":
                    self.release(action, self.snapshot(action, action.build_ready_at))
                    action.draft_version_id = action.versions[-1].id
                changed = True
        return changed

    def snapshot(self, action: Action, at: float) -> Version:
        version = Version(
            id=new_id(),
            number=action.next_number,
            code=action.code,
            dependencies=copy.deepcopy(action.dependencies),
            runtime=action.runtime,
            secrets=copy.deepcopy(action.secrets),
            supported_triggers=copy.deepcopy(action.supported_triggers),
            created_at=at,
        )
        action.next_number += 1
        return version

    def release(self, action: Action, version: Version) -> None:
        """Adds a version and makes it the deployed one once the deploy has settled."""
        at = version.created_at
        action.previous_version_id = action.live_version_id(at)
        action.versions.append(version)
        action.deployed_version_id = version.id
        action.deployed_settles_at = at + self.settings.deploy_settle_seconds
        keep = {action.deployed_version_id, action.previous_version_id, action.draft_version_id}
        while len(action.versions) > limits.MAX_VERSIONS:
            oldest = next(v for v in action.versions if v.id not in keep)
            action.versions.remove(oldest)

    def restart_build(self, action: Action, now: float) -> None:
        action.updated_at = now
        action.build_started_at = now
        action.build_ready_at = now + self.settings.build_seconds
        action.draft_version_id = None

    # -- actions --------------------------------------------------------------------------

    def list_actions(
        self, now: float, _: tuple[str, ...], query: Mapping[str, str], __: Any
    ) -> Result:
        page, per_page = payloads.paging(query)
        deployed = payloads.flag(query, "deployed")
        installed = payloads.flag(query, "installed")
        name, trigger = query.get("actionName"), query.get("triggerId")
        found = [
            a
            for a in self.state.actions.values()
            if (name is None or a.name == name)
            and (trigger is None or any(t["id"] == trigger for t in a.supported_triggers))
            # UNCONFIRMED (still unknown: not recorded): that deployed=false does not filter.
            and (not deployed or a.live_version_id(now) is not None)
            and (installed is None or a.marketplace == installed)
        ]
        items = [wire.action(a, now) for a in found[page * per_page : (page + 1) * per_page]]
        return 200, wire.envelope("actions", items, len(found), page, per_page)

    def create(self, now: float, _: tuple[str, ...], __: Mapping[str, str], body: Any) -> Result:
        fields = payloads.action_fields(body, creating=True)
        if len(self.state.actions) >= limits.MAX_ACTIONS:
            # UNCONFIRMED (still unknown: not recorded): status and text of the action limit.
            raise ApiError(
                400,
                f"You have reached the limit of {limits.MAX_ACTIONS} actions for this tenant.",
                "too_many_entities",
            )
        self._unique_name(fields["name"], None)
        action = Action(
            id=new_id(),
            name=fields["name"],
            supported_triggers=fields["supported_triggers"],
            code=fields.get("code", ""),
            dependencies=fields.get("dependencies", []),
            runtime=fields.get("runtime", payloads.DEFAULT_RUNTIME),
            secrets=replace_secrets([], fields.get("secrets", []), now),
            created_at=now,
            updated_at=now,
            build_started_at=now,
            build_ready_at=now + self.settings.build_seconds,
        )
        # UNCONFIRMED: what `deploy: true` does when the build fails (not recorded); the
        # emulator deploys nothing, the stricter reading.
        if fields.get("deploy", False) and action.build_status(action.build_ready_at) == "built":
            # Deployed at once, built with the draft: the 201 already has version 1 as
            # current_version (PENDING) and deployed_version (`deployed:true`), and
            # all_changes_deployed (go-auth0 TestActionManager_CreateWithDeploy.yaml).
            version = self.snapshot(action, now)
            version.built_at = action.build_ready_at
            self.release(action, version)
            action.deployed_settles_at = now
            action.draft_version_id = version.id
        self.state.actions[action.id] = action
        return 201, wire.action(action, now)

    def get(self, now: float, ids: tuple[str, ...], _: Mapping[str, str], __: Any) -> Result:
        return 200, wire.action(self._action(ids[0]), now)

    def update(self, now: float, ids: tuple[str, ...], _: Mapping[str, str], body: Any) -> Result:
        action = self._action(ids[0])
        fields = payloads.action_fields(body, creating=False)
        if "name" in fields:
            self._unique_name(fields["name"], action.id)
            action.name = fields["name"]
        for key in ("supported_triggers", "code", "dependencies", "runtime"):
            if key in fields:
                setattr(action, key, fields[key])
        if "secrets" in fields:
            action.secrets = replace_secrets(action.secrets, fields["secrets"], now)
        # Any PATCH, even one that changes nothing, starts a new build of the draft.
        self.restart_build(action, now)
        return 200, wire.action(action, now)

    def delete(self, _now: float, ids: tuple[str, ...], query: Mapping[str, str], _: Any) -> Result:
        action = self._action(ids[0])
        bound = self.state.bound_triggers(action.id)
        if bound and not payloads.flag(query, "force"):
            raise ApiError(409, "Unable to delete an action bound to a trigger.")
        for trigger in bound:
            self.state.bindings[trigger] = [
                b for b in self.state.bindings[trigger] if b.action_id != action.id
            ]
        del self.state.actions[action.id]
        return 204, None

    def deploy(self, now: float, ids: tuple[str, ...], _: Mapping[str, str], __: Any) -> Result:
        action = self._action(ids[0])
        if action.build_status(now) != "built":
            raise ApiError(400, "A draft must be in the 'built' state before it can be deployed.")
        version = self.snapshot(action, now)
        self.release(action, version)
        action.draft_version_id = version.id
        return 200, wire.versioned(action, version, now, just_deployed=True)

    def _unique_name(self, name: str, own_id: str | None) -> None:
        other = self.state.find_by_name(name)
        if other is not None and other.id != own_id:
            # UNCONFIRMED (still unknown: not recorded): a 409 for a duplicate name.
            raise ApiError(409, f"An action with the name '{name}' already exists.")

    # -- versions -------------------------------------------------------------------------

    def list_versions(
        self, now: float, ids: tuple[str, ...], query: Mapping[str, str], _: Any
    ) -> Result:
        action = self._action(ids[0], "actionId")
        page, per_page = payloads.paging(query)
        # UNCONFIRMED (still unknown: the one recorded list has one version): newest first.
        versions = list(reversed(action.versions))
        items = [
            wire.versioned(action, v, now)
            for v in versions[page * per_page : (page + 1) * per_page]
        ]
        return 200, wire.envelope("versions", items, len(versions), page, per_page)

    def _version(self, action: Action, version_id: str) -> Version:
        found = action.version(_checked_id(version_id, "id"))
        if found is None:
            # UNCONFIRMED (still unknown: not recorded): the text for an unknown version.
            raise ApiError(404, "That action version does not exist.")
        return found

    def get_version(
        self, now: float, ids: tuple[str, ...], _: Mapping[str, str], __: Any
    ) -> Result:
        action = self._action(ids[0], "actionId")
        return 200, wire.versioned(action, self._version(action, ids[1]), now)

    def rollback(self, now: float, ids: tuple[str, ...], _: Mapping[str, str], body: Any) -> Result:
        action = self._action(ids[0], "actionId")
        source = self._version(action, ids[1])
        update_draft = False
        if body is not None:
            if not isinstance(body, dict) or set(body) - {"update_draft"}:
                raise wire.bad_body("Additional properties not allowed")
            update_draft = bool(body.get("update_draft", False))
        version = copy.deepcopy(source)
        version.id, version.number, version.created_at = new_id(), action.next_number, now
        action.next_number += 1
        self.release(action, version)
        if update_draft:
            action.code, action.runtime = version.code, version.runtime
            action.dependencies = copy.deepcopy(version.dependencies)
            action.secrets = copy.deepcopy(version.secrets)
            action.supported_triggers = copy.deepcopy(version.supported_triggers)
            action.updated_at = action.build_started_at = action.build_ready_at = now
            action.draft_version_id = version.id
        else:
            # The draft may now differ from what is live.
            action.draft_version_id = None
        return 200, wire.versioned(action, version, now, just_deployed=True)

    # -- triggers and bindings ------------------------------------------------------------

    def triggers(self, _now: float, _: tuple[str, ...], __: Mapping[str, str], ___: Any) -> Result:
        return 200, {"triggers": [dict(t) for t in payloads.TRIGGERS]}

    def list_bindings(
        self, now: float, ids: tuple[str, ...], query: Mapping[str, str], _: Any
    ) -> Result:
        trigger = self._trigger(ids[0])
        page, per_page = payloads.paging(query)
        bindings = self.state.bindings.get(trigger, [])
        items = [
            wire.binding(b, trigger, wire.bound_action(self.state.actions[b.action_id], now))
            for b in bindings[page * per_page : (page + 1) * per_page]
        ]
        return 200, wire.envelope("bindings", items, len(bindings), page, per_page)

    def update_bindings(
        self, now: float, ids: tuple[str, ...], _: Mapping[str, str], body: Any
    ) -> Result:
        trigger = self._trigger(ids[0])
        refs = payloads.binding_refs(body)
        if len(refs) > limits.MAX_BINDINGS_PER_TRIGGER:
            raise wire.bad_body(
                f"Array is too long ({len(refs)}), maximum {limits.MAX_BINDINGS_PER_TRIGGER}",
                "bindings",
            )
        existing = {b.id: b for b in self.state.bindings.get(trigger, [])}
        chosen: list[tuple[Action, str]] = []
        for kind, value, display in refs:
            action, default_name = self._binding_target(kind, value, existing)
            if not any(t["id"] == trigger for t in action.supported_triggers):
                # UNCONFIRMED (still unknown: not recorded): binding to an unsupported trigger.
                raise ApiError(400, f"Action '{action.name}' does not support trigger '{trigger}'.")
            if action.live_version_id(now) is None:
                raise ApiError(
                    400, "Trying to create a binding for an action that has not been deployed yet."
                )
            if any(a.id == action.id for a, _ in chosen):
                # UNCONFIRMED (still unknown: not recorded): the same action bound twice.
                raise ApiError(400, f"Action '{action.name}' is bound more than once.")
            chosen.append((action, display if display is not None else default_name))
        # The whole list is replaced, and every binding is re-created with a new id.
        self.state.bindings[trigger] = [
            Binding(new_id(), a.id, name, now, now) for a, name in chosen
        ]
        actions = {a.id: a for a, _ in chosen}
        return 200, {
            "bindings": [
                wire.binding(b, trigger, wire.bound_action(actions[b.action_id], now))
                for b in self.state.bindings[trigger]
            ]
        }

    def _binding_target(
        self, kind: str, value: str, existing: Mapping[str, Binding]
    ) -> tuple[Action, str]:
        if kind == "binding_id":
            binding = existing.get(value)
            if binding is None:
                # UNCONFIRMED (still unknown: not recorded): the text for an unknown binding id.
                raise ApiError(404, "That binding does not exist.")
            return self.state.actions[binding.action_id], binding.display_name
        if kind == "action_name":
            found = self.state.find_by_name(value)
            if found is None:
                raise NOT_FOUND
            return found, found.name
        found = self.state.actions.get(value)
        if found is None:
            raise NOT_FOUND
        return found, found.name


def _route(method: str, path: str, scope: str, handler: Handler, mutates: bool = False) -> Route:
    pattern = re.compile("^" + path.replace("{}", "([^/]+)") + "$")
    return Route(method, pattern, scope, handler, mutates)


A = ManagementApi
ROUTES: tuple[Route, ...] = (
    _route("GET", "/actions/actions", "read:actions", A.list_actions),
    _route("POST", "/actions/actions", "create:actions", A.create, True),
    _route("GET", "/actions/actions/{}", "read:actions", A.get),
    _route("PATCH", "/actions/actions/{}", "update:actions", A.update, True),
    _route("DELETE", "/actions/actions/{}", "delete:actions", A.delete, True),
    _route("POST", "/actions/actions/{}/deploy", "create:actions", A.deploy, True),
    _route("POST", "/actions/actions/{}/test", "create:actions", testing.test_action),
    _route("GET", "/actions/actions/{}/versions", "read:actions", A.list_versions),
    _route("GET", "/actions/actions/{}/versions/{}", "read:actions", A.get_version),
    _route("POST", "/actions/actions/{}/versions/{}/deploy", "create:actions", A.rollback, True),
    _route("GET", "/actions/triggers", "read:actions", A.triggers),
    _route("GET", "/actions/triggers/{}/bindings", "read:actions", A.list_bindings),
    _route("PATCH", "/actions/triggers/{}/bindings", "update:actions", A.update_bindings, True),
    _route("GET", "/actions/executions/{}", "read:actions", beside.execution),
    # Any method on /actions/modules or below it.
    Route("*", re.compile(r"^/actions/modules(?:/.*)?$"), "read:actions", beside.modules, False),
    _route("GET", "/clients", "read:clients", beside.clients),
)


def find_route(method: str, path: str) -> tuple[Route, tuple[str, ...]] | None:
    for route in ROUTES:
        match = route.pattern.match(path)
        if match and route.method in (method, "*"):
            return route, match.groups()
    return None
