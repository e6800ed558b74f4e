"""The one module that talks to Auth0 (or the emulator): auth0-python underneath. The token
request is in token.py, the conversions of Auth0's answers in shapes.py.

Retries: auth0-python already retries 429, 408, 409, 5xx and dropped connections, honouring
`x-ratelimit-reset`, for every method. That is right for reads and for our PATCHes (they replace
whole values, so repeating one is harmless) and wrong for the two POSTs that create something
(an action, a version): a retried create after a lost answer makes a duplicate. So POSTs go out
with its retries off; a 429 (nothing was done) is retried here, and any other failure surfaces as
`AmbiguousWriteError` for the caller to re-read the tenant and converge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx
from auth0.management.actions.client import ActionsClient
from auth0.management.client import Auth0
from auth0.management.core.api_error import ApiError
from auth0.management.core.request_options import RequestOptions
from auth0.management.types import (
    ActionBindingRef,
    ActionBindingWithRef,
    ActionTrigger,
)

from ..errors import Auth0Error
from ..secret import Secret
from ..state import BindingSlot, DesiredAction, LiveAction, LiveBinding
from .shapes import (
    VersionInfo,
    _build_errors,
    _dependencies,
    _live_action,
    _live_bindings,
    _secrets,
    _version,
)
from .token import RATE_LIMIT_RETRIES, _wait_for, fetch_token

__all__ = [
    "AmbiguousWriteError",
    "Auth0Client",
    "NotDeployedYetError",
    "VersionInfo",
    "explain",
    "fetch_token",
]

READ_RETRIES = 5
REQUIRED_SCOPES = "read:actions create:actions update:actions"


class AmbiguousWriteError(Auth0Error):
    """A create or deploy may or may not have happened (connection lost, 5xx)."""


class NotDeployedYetError(Auth0Error):
    """Auth0 refuses to bind an action whose deploy has not settled yet; retry shortly."""


def _message(exc: ApiError) -> tuple[str, str | None]:
    body = exc.body if isinstance(exc.body, dict) else {}
    message = str(body.get("message") or body.get("error_description") or body.get("error") or "")
    return message or f"HTTP {exc.status_code}", body.get("errorCode") or body.get("error")


def explain(exc: ApiError, what: str) -> Auth0Error:
    """An Auth0 error answer as a message a platform engineer can act on."""
    message, code = _message(exc)
    status = exc.status_code
    hint = ""
    if status == 401:
        hint = " The token was refused: check the tenant's client_id and client_secret."
    elif status == 403 and code == "insufficient_scope":
        hint = (
            " Grant the missing scope to the application in the Auth0 dashboard "
            f"(APIs > Auth0 Management API > Machine to Machine Applications); "
            f"this tool needs {REQUIRED_SCOPES}."
        )
    elif status == 403 and code == "feature_not_enabled":
        hint = " Actions are not enabled on this tenant."
    elif status == 429:
        hint = " Auth0's rate limit held for longer than this tool waits; try again shortly."
    # Auth0's messages usually end with a period already; one, not "..".
    text = f"{what}: Auth0 answered {status}: {str(message).rstrip('.')}.{hint}"
    return Auth0Error(text, status=status, error_code=str(code) if code else None)


class Auth0Client:
    """What the deployer does to one tenant, in Auth0's terms."""

    def __init__(self, api: Auth0) -> None:
        self._api = api

    @property
    def _actions(self) -> ActionsClient:
        actions: ActionsClient = self._api.actions
        return actions

    @staticmethod
    def _reads() -> RequestOptions:
        return {"max_retries": READ_RETRIES}

    def _write_once(self, what: str, call: Callable[[], Any]) -> Any:
        """A non-idempotent POST: retry only what Auth0 certainly did not do (a 429)."""
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            try:
                return call()
            except ApiError as exc:
                if exc.status_code == 429 and attempt < RATE_LIMIT_RETRIES:
                    time.sleep(_wait_for(exc.headers or {}, attempt))
                    continue
                if exc.status_code is not None and exc.status_code >= 500:
                    raise AmbiguousWriteError(
                        f"{what}: Auth0 answered {exc.status_code}; it may or may not have "
                        "happened",
                        status=exc.status_code,
                    ) from None
                raise explain(exc, what) from None
            except httpx.TransportError as exc:
                raise AmbiguousWriteError(
                    f"{what}: the connection failed ({type(exc).__name__}); it may or may not "
                    "have happened"
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except ApiError as exc:
            raise explain(exc, what) from None
        except httpx.TransportError as exc:
            raise Auth0Error(f"{what}: the connection failed ({type(exc).__name__})") from None

    def _get(self, what: str, path: str, params: dict[str, Any] | None = None) -> Any:
        """A read's decoded JSON answer: through auth0-python's HTTP layer (its token header,
        timeouts and retries, as for every request) but not through its models.

        Why: these are the reads of every plan and of the build wait, and turning an answer
        into models and the models into our state values was about half of a read's CPU (0.24
        of 0.47 ms for the list, the in-process emulator included: pydantic validation of the
        whole action, field-alias coercion); with 100 tenants at once the CPU is what a plan
        waits for. The answer is read as Auth0 documents it; the contract tests replay Auth0's
        recorded answers through this path.
        """
        response = self._read(
            what,
            lambda: self._api._client_wrapper.httpx_client.request(
                path, method="GET", params=params, request_options=self._reads()
            ),
        )
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if not 200 <= response.status_code < 300:
            error = ApiError(
                status_code=response.status_code, headers=dict(response.headers), body=body
            )
            raise explain(error, what)
        if not isinstance(body, dict):
            raise Auth0Error(
                f"{what}: Auth0 answered {response.status_code} with a body that is not a JSON "
                "object",
                status=response.status_code,
            )
        return body

    def find_action(self, name: str) -> LiveAction | None:
        """The action of exactly this name (one request; the list carries the draft's code)."""
        # One page: `actionName` matches the name exactly (docs/auth0-behaviour.md).
        answer = self._get(
            f"looking up action {name!r}",
            "actions/actions",
            {"actionName": name, "page": 0, "per_page": 50},
        )
        matches = [a for a in answer.get("actions") or [] if a.get("name") == name]
        return _live_action(matches[0]) if matches else None

    def _action(self, action_id: str) -> Any:
        return self._get(f"reading action {action_id}", f"actions/actions/{_segment(action_id)}")

    def get_action(self, action_id: str) -> LiveAction:
        return _live_action(self._action(action_id))

    def build_state(self, action_id: str) -> tuple[str, list[str], LiveAction]:
        """(status, build errors, action) of the draft, for the build wait."""
        data = self._action(action_id)
        return str(data.get("status") or ""), _build_errors(data), _live_action(data)

    def bindings(self, trigger_id: str) -> tuple[LiveBinding, ...]:
        answer = self._get(
            f"reading the {trigger_id} bindings",
            f"actions/triggers/{_segment(trigger_id)}/bindings",
            {"page": 0, "per_page": 50},
        )
        return _live_bindings(answer.get("bindings") or [])

    def create_action(self, desired: DesiredAction, secrets: Mapping[str, Secret]) -> str:
        answer = self._write_once(
            f"creating action {desired.name!r}",
            lambda: self._actions.create(
                name=desired.name,
                supported_triggers=[
                    ActionTrigger(id=desired.trigger_id, version=desired.trigger_version)
                ],
                code=desired.code,
                runtime=desired.runtime,
                dependencies=_dependencies(desired),
                secrets=_secrets(secrets),
                request_options={"max_retries": 0},
            ),
        )
        return str(answer.id)

    def update_action(
        self,
        action_id: str,
        desired: DesiredAction,
        secrets: Mapping[str, Secret] | None,
    ) -> None:
        """PATCH the draft. `secrets` None leaves them as they are; otherwise ALL are sent,
        because Auth0 replaces the whole list."""
        extra: dict[str, Any] = {}
        if secrets is not None:
            extra["secrets"] = _secrets(secrets)
        self._read(
            f"updating action {desired.name!r}",
            lambda: self._actions.update(
                action_id,
                code=desired.code,
                runtime=desired.runtime,
                dependencies=_dependencies(desired),
                request_options=self._reads(),
                **extra,
            ),
        )

    def deploy(self, action_id: str) -> tuple[str, int | None]:
        answer = self._write_once(
            f"deploying action {action_id}",
            lambda: self._actions.deploy(action_id, request_options={"max_retries": 0}),
        )
        number = getattr(answer, "number", None)
        return str(answer.id), int(number) if number else None

    def versions(self, action_id: str) -> list[VersionInfo]:
        """Every version of the action, newest first (Auth0 keeps at most 50)."""
        pager = self._read(
            f"listing the versions of action {action_id}",
            lambda: self._actions.versions.list(
                action_id, per_page=100, request_options=self._reads()
            ),
        )
        return sorted((_version(v) for v in pager.items or []), key=lambda v: -v.number)

    def deploy_version(self, action_id: str, version_id: str) -> VersionInfo:
        """Auth0's rollback: a NEW version identical to `version_id`, deployed."""
        answer = self._write_once(
            f"rolling back action {action_id}",
            lambda: self._actions.versions.deploy(
                action_id, version_id, request_options={"max_retries": 0}
            ),
        )
        return _version(answer)

    def test_action(self, action_id: str, event: Mapping[str, Any]) -> dict[str, Any]:
        """Auth0's test endpoint: runs the action's DRAFT with `event`; the result payload.

        Nothing is created, so it is retried like a read. Auth0 documents only the envelope
        (`{"payload": {...}}`); deployer/verify.py reads what is inside.
        """
        answer = self._read(
            f"testing action {action_id}",
            lambda: self._actions.test(
                action_id, payload=dict(event), request_options=self._reads()
            ),
        )
        payload = getattr(answer, "payload", None)
        return dict(payload) if isinstance(payload, Mapping) else {}

    def delete_action(self, action_id: str) -> None:
        """Delete an action (`destroy`; needs delete:actions). Never with ?force=true: without
        it Auth0 refuses (409) one still bound, so a binding made since our unbind stops us.
        ("An action must be unbound from all triggers before it can be deleted"; `force`
        detaches bindings: https://auth0.com/docs/api/management/v2/actions/delete-action)"""
        # Not the library's retries, which would repeat a 409; a 429 is retried here.
        self._write_once(
            f"deleting action {action_id}",
            lambda: self._actions.delete(action_id, request_options={"max_retries": 0}),
        )

    def set_bindings(
        self, trigger_id: str, slots: Sequence[BindingSlot]
    ) -> tuple[LiveBinding, ...]:
        """Write the trigger's whole binding list (Auth0 replaces it, so repeating is safe).
        Returns the list as Auth0 answered it: the same as a read right after would give
        (recorded: terraform-provider-auth0 TestAccTriggerAction.yaml)."""
        bindings = [
            ActionBindingWithRef(
                ref=ActionBindingRef(type="action_id", value=slot.action_id),
                display_name=slot.display_name or None,
            )
            for slot in slots
        ]
        try:
            answer = self._actions.triggers.bindings.update_many(
                trigger_id, bindings=bindings, request_options=self._reads()
            )
        except ApiError as exc:
            message, _ = _message(exc)
            if exc.status_code == 400 and "not been deployed" in message:
                raise NotDeployedYetError(message, status=400) from None
            raise explain(exc, f"writing the {trigger_id} bindings") from None
        except httpx.TransportError as exc:
            raise Auth0Error(
                f"writing the {trigger_id} bindings: the connection failed ({type(exc).__name__})"
            ) from None
        shown = answer.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return _live_bindings(shown.get("bindings") or [])


def _segment(value: str) -> str:
    """A value as one URL path segment: an id with `/` or `..` cannot reach another endpoint."""
    return quote(value, safe="")
