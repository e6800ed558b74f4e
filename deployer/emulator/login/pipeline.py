"""Running the post-login Actions of one login, in binding order, with their deployed code.

Each Action runs in the local Node runtime (deployer.runtime) OUTSIDE the emulator's lock: a
run takes tens of milliseconds and may take up to Auth0's 20 s, and the Management API must not
stall meanwhile. The lock is held only to read what an Action needs and to write back what it
did. As in Auth0, an Action's metadata updates are applied to the stored user once it returns
(before a redirect, and before the next Action runs, which therefore sees them).
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..records import iso
from .context import Tenant
from .records import JSON, Transaction, User
from .runtime import RuntimeResult, RuntimeSimulationError, run_post_login

TRIGGER = "post-login"
CONNECTION = "Username-Password-Authentication"
# UNCONFIRMED (still unknown: not recorded): what Auth0 tells the application when an Action
# throws or times out. A generic text is the safer reading: the runtime's message may quote
# anything the Action had in hand.
FAILED_REASON = "The post-login Action failed."
_KEPT_LOGS = 200


@dataclass(frozen=True)
class Outcome:
    """Where a run of the pipeline ended: all passed, a redirect to follow, or a denial."""

    kind: Literal["passed", "redirect", "denied"]
    location: str | None = None
    reason: str | None = None
    # The OAuth error the application gets for a denial: access_denied, or
    # interaction_required when an Action redirects under prompt=none.
    error: str = "access_denied"


@dataclass(frozen=True)
class ActionLog:
    """One console line of an Action, kept in memory for whoever debugs a login."""

    action: str
    level: str
    message: str


class Pipeline:
    def __init__(self, tenant: Tenant) -> None:
        self._tenant = tenant
        self.logs: deque[ActionLog] = deque(maxlen=_KEPT_LOGS)

    def bound_action_ids(self) -> list[str]:
        with self._tenant.lock:
            return [b.action_id for b in self._tenant.state.bindings.get(TRIGGER, [])]

    def run(
        self,
        txn: Transaction,
        *,
        protocol: str,
        continue_request: JSON | None = None,
    ) -> Outcome:
        """Runs the due Actions of `txn` from `txn.next_index`, updating it as they go.

        With `continue_request`, the first one runs `onContinuePostLogin` (it is the Action
        that redirected). Claims of later Actions win over earlier ones of the same name.
        """
        phase: Literal["execute", "continue"] = "continue" if continue_request else "execute"
        while txn.next_index < len(txn.action_ids):
            action_id = txn.action_ids[txn.next_index]
            prepared = self._prepare(txn, action_id, protocol)
            if prepared is None:  # unbound, deleted or never deployed since the login began
                txn.next_index += 1
                phase, continue_request = "execute", None
                continue
            name, code, secrets, event, user_before = prepared
            try:
                result = run_post_login(
                    code,
                    phase=phase,
                    event=event,
                    secrets=secrets,
                    tenant_domain=self._tenant.login_domain,
                    state=txn.id,
                    continue_request=continue_request,
                )
            except RuntimeSimulationError as error:
                self.logs.append(ActionLog(name, "error", str(error)))
                return Outcome("denied", reason=FAILED_REASON)
            self.logs.extend(ActionLog(name, e.level, e.message) for e in result.logs)
            if not result.ok:
                self.logs.append(ActionLog(name, "error", str(result.error)))
                return Outcome("denied", reason=FAILED_REASON)
            self._apply_metadata(txn.user_id, user_before, result)
            if result.denied is not None:
                return Outcome("denied", reason=result.denied.reason, error=result.denied.error)
            txn.id_claims.update(result.id_token_claims)
            txn.access_claims.update(result.access_token_claims)
            if result.redirect is not None:
                txn.waiting_on = action_id
                return Outcome("redirect", location=result.redirect.location)
            txn.waiting_on = None
            txn.next_index += 1
            phase, continue_request = "execute", None
        return Outcome("passed")

    def _prepare(
        self, txn: Transaction, action_id: str, protocol: str
    ) -> tuple[str, str, dict[str, str], JSON, User] | None:
        with self._tenant.lock:
            now = self._tenant.now()
            if self._tenant.api.advance(now):
                self._tenant.save()
            action = self._tenant.state.actions.get(action_id)
            bound = self.bound_action_ids()
            live = action.version(action.live_version_id(now)) if action else None
            user = self._tenant.login.users.get(txn.user_id or "")
            if action is None or live is None or action_id not in bound or user is None:
                return None
            app = self._tenant.login.applications[txn.request.client_id]
            snapshot = copy.deepcopy(user)
            event = {
                "user": user_json(snapshot),
                "stats": {"logins_count": user.logins_count},
                "client": {"client_id": app.client_id, "name": app.name, "metadata": {}},
                "connection": {"name": CONNECTION, "strategy": "auth0", "metadata": {}},
                "request": {
                    "ip": "127.0.0.1",  # the emulator listens on loopback only
                    "hostname": self._tenant.login_domain,
                    "method": "GET",
                    "query": dict(txn.request.query),
                    "body": {},
                },
                "transaction": {
                    "protocol": protocol,
                    "prompt": list(txn.request.prompt),
                    "requested_scopes": list(txn.request.scope),
                    "redirect_uri": txn.request.redirect_uri,
                    "state": txn.id,
                },
                "authorization": {"roles": []},
            }
            return action.name, live.code, {s.name: s.value for s in live.secrets}, event, snapshot

    def _apply_metadata(self, user_id: str | None, before: User, result: RuntimeResult) -> None:
        # The Action's batched updates, as a per-key diff against what it was shown: a write
        # that landed meanwhile (another login of the same user) is kept, not overwritten.
        with self._tenant.lock:
            user = self._tenant.login.users.get(user_id or "")
            if user is None:
                return
            changed = _merge(user.user_metadata, before.user_metadata, result.user_metadata)
            changed |= _merge(user.app_metadata, before.app_metadata, result.app_metadata)
            if changed:
                user.updated_at = self._tenant.now()
                self._tenant.save()


def _merge(target: JSON, before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    changed = False
    for key in set(before) | set(after):
        if key not in after:
            target.pop(key, None)
            changed = True
        elif key not in before or before[key] != after[key]:
            target[key] = copy.deepcopy(after[key])
            changed = True
    return changed


def user_json(user: User) -> JSON:
    """The user as an Action's `event.user` sees it."""
    return {
        "user_id": user.user_id,
        "email": user.email,
        "email_verified": True,
        "name": user.email,
        "nickname": user.email.split("@")[0],
        "created_at": iso(user.created_at),
        "updated_at": iso(user.updated_at),
        "identities": [
            {
                "provider": "auth0",
                "connection": CONNECTION,
                "user_id": user.user_id.split("|", 1)[-1],
                "isSocial": False,
            }
        ],
        "user_metadata": copy.deepcopy(user.user_metadata),
        "app_metadata": copy.deepcopy(user.app_metadata),
    }
