"""`POST /api/v2/actions/actions/{id}/test`: run an action's draft with a given event.

What Auth0 documents (Management API reference "Test an Action",
https://auth0.com/docs/api/management/v2/actions/post-test-action): "After updating an action,
it can be tested prior to being deployed"; the body is `{"payload": {...}}` (required, "The
payload for the action"), the answer 200 `{"payload": {...}}`, "The resulting payload after an
action was executed". The SDKs type both as free-form objects (node-auth0 `TestActionPayload` and
`TestActionResultPayload` are `Record<string, unknown>`; auth0-python's `TestActionResponseContent`
has one optional `payload` dict), and no public recording shows a real result. So:

- confirmed: the route, the scope (create:actions), the envelope `{"payload": ...}` both ways,
  that the DRAFT runs (not the deployed version), with the action's own secrets;
- UNCONFIRMED, ours: everything inside the result payload. The emulator runs the draft's
  `onExecutePostLogin` with the given payload as the event in the local post-login runtime and
  answers what the runtime decided, in the shape of `result_payload` below. A failed run is still
  a 200 with `error` set (as Auth0's dashboard shows a failed test as a result, not an HTTP error:
  UNCONFIRMED), and `stats.action_duration_ms` either way;
- UNCONFIRMED: a payload that is not an object is refused like any other schema violation; an
  action that does not support post-login is a 400 (the emulator simulates only that trigger).

The run happens under the emulator's lock (handlers are called under it); it takes a fraction
of a second, and a runaway Action is stopped at Auth0's 20 s limit.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .login.runtime import RuntimeResult, RuntimeSimulationError, run_post_login
from .records import JSON
from .wire import ApiError, bad_body

if TYPE_CHECKING:  # management.py imports this module for its route table
    from .management import ManagementApi

TRIGGER = "post-login"
# The host name given to the runtime (the `iss` of redirect tokens) when the event names none.
FALLBACK_HOSTNAME = "local.emulator"
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$")


def test_action(
    api: ManagementApi, _now: float, ids: tuple[str, ...], _: Mapping[str, str], body: Any
) -> tuple[int, JSON | None]:
    """The route's handler (management.ROUTES): the same lookup and 404 as every action route."""
    action = api._action(ids[0])
    payload = body.get("payload") if isinstance(body, dict) else None
    if payload is None:
        raise bad_body("Missing required property: payload")
    if not isinstance(payload, dict):
        raise bad_body("Expected type object but found another type", "payload")
    if not any(t.get("id") == TRIGGER for t in action.supported_triggers):
        raise ApiError(400, f"The emulator can test {TRIGGER} actions only.")
    request = payload.get("request") if isinstance(payload.get("request"), dict) else {}
    hostname = request.get("hostname") if isinstance(request, dict) else None
    domain = hostname if isinstance(hostname, str) and _HOST.match(hostname) else FALLBACK_HOSTNAME
    started = time.perf_counter()
    try:
        result = run_post_login(
            action.code,
            phase="execute",
            event=payload,
            secrets={s.name: s.value for s in action.secrets},
            tenant_domain=domain,
        )
    except RuntimeSimulationError as exc:
        elapsed = round((time.perf_counter() - started) * 1000)
        return 200, {"payload": _failed(str(exc), elapsed)}
    elapsed = round((time.perf_counter() - started) * 1000)
    return 200, {"payload": result_payload(result, elapsed)}


def result_payload(result: RuntimeResult, duration_ms: int) -> dict[str, Any]:
    """What one run decided (UNCONFIRMED shape; see the module docstring)."""
    redirect = result.redirect
    return {
        "redirect": (
            {"url": redirect.url, "query": dict(redirect.query), "location": redirect.location}
            if redirect is not None
            else None
        ),
        "denied": (
            {"error": result.denied.error, "reason": result.denied.reason}
            if result.denied is not None
            else None
        ),
        "id_token_claims": dict(result.id_token_claims),
        "access_token_claims": dict(result.access_token_claims),
        "user_metadata": dict(result.user_metadata),
        "app_metadata": dict(result.app_metadata),
        "logs": [{"level": e.level, "message": e.message} for e in result.logs],
        "error": None if result.ok else {"message": str(result.error)},
        "stats": {"action_duration_ms": duration_ms},
    }


def _failed(message: str, duration_ms: int) -> dict[str, Any]:
    return {
        "redirect": None,
        "denied": None,
        "id_token_claims": {},
        "access_token_claims": {},
        "user_metadata": {},
        "app_metadata": {},
        "logs": [],
        "error": {"message": message},
        "stats": {"action_duration_ms": duration_ms},
    }
