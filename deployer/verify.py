"""After a deploy: does the Action on the tenant do its job? Synthetic logins through Auth0's
test endpoint (`POST /api/v2/actions/actions/{id}/test`), one per case, each pass or fail.

Why the test endpoint, and what it runs: it is the only way Auth0 offers to run an Action
without a real login, and it runs the DRAFT, not the deployed version (Management API reference,
"Test an Action": "After updating an action, it can be tested prior to being deployed"). So the
check first requires that the draft IS the deployed version (`all_changes_deployed`), that it is
ours and bound to the post-login trigger; then the synthetic events test exactly what users get.

The cases (docs/consent-contract.md, "What the Action does"):
- a user with no acceptance is sent to the terms page (`terms.url`) with a session_token;
- a user whose record is forged (a signature the Action did not make) is sent there too;
- with `non_interactive: deny`, a refresh-token login without acceptance is denied
  (with `allow`, it passes without claims);
- a silent login (prompt=none) without acceptance is not let through: the Action redirects,
  which Auth0 answers with interaction_required.

UNCONFIRMED: what Auth0's test endpoint puts inside its `payload` for these outcomes; it is
documented only as "the resulting payload after an action was executed" and no public recording
shows one. This module reads the shape the local emulator answers (deployer/emulator/testing.py);
an answer it cannot read fails the case and says so, rather than passing it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .client import Auth0Client
from .errors import RefusedError
from .params import ActionParams
from .targets import open_client
from .workflow import Context

TRIGGER = "post-login"
VERIFY_CLIENT_ID = "deployer-verify"
_READABLE = ("redirect", "denied", "id_token_claims")


@dataclass(frozen=True)
class CaseResult:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    tenant: str
    subject: str  # what was tested, for the heading
    cases: tuple[CaseResult, ...]

    @property
    def passed(self) -> bool:
        return bool(self.cases) and all(c.passed for c in self.cases)


Check = Callable[[Mapping[str, Any]], tuple[bool, str]]


@dataclass(frozen=True)
class Case:
    name: str
    event: dict[str, Any]
    check: Check


def _event(
    params: ActionParams, hostname: str, *, record: Mapping[str, Any] | None, **transaction: Any
) -> dict[str, Any]:
    """A login of a made-up user (no real user is read or changed: the test endpoint applies
    nothing) on a client the Action applies to."""
    user_id = f"auth0|deployer-verify-{secrets.token_hex(6)}"
    stored = {params.metadata_key: dict(record)} if record is not None else {}
    client_id = params.applies_to.clients[0] if params.applies_to.clients else VERIFY_CLIENT_ID
    return {
        "user": {
            "user_id": user_id,
            "email": "verify@deployer.invalid",
            "user_metadata": stored if params.storage == "user_metadata" else {},
            "app_metadata": stored if params.storage == "app_metadata" else {},
        },
        "client": {"client_id": client_id, "name": "deployer verify"},
        "request": {"ip": "192.0.2.1", "hostname": hostname, "method": "GET", "query": {}},
        "transaction": {"protocol": "oidc-basic-profile", "prompt": [], **transaction},
        "stats": {"logins_count": 2},
    }


def _readable(payload: Mapping[str, Any]) -> str | None:
    if not all(key in payload for key in _READABLE):
        keys = ", ".join(sorted(payload)) or "none"
        return f"could not read the test endpoint's answer (keys: {keys})"
    error = payload.get("error")
    if error:
        message = error.get("message") if isinstance(error, Mapping) else error
        return f"the Action failed: {str(message)[:300]}"
    return None


def _sent_to_terms(params: ActionParams) -> Check:
    def check(payload: Mapping[str, Any]) -> tuple[bool, str]:
        problem = _readable(payload)
        if problem:
            return False, problem
        redirect = payload.get("redirect")
        if not isinstance(redirect, Mapping):
            denied = payload.get("denied")
            if isinstance(denied, Mapping):
                return False, f"denied ({denied.get('error')}) instead of sent to the terms"
            return False, "let through instead of sent to the terms"
        url, query = redirect.get("url"), redirect.get("query")
        if url != params.terms.url:
            return False, f"sent to {url}, not to the terms page {params.terms.url}"
        if not isinstance(query, Mapping) or not query.get("session_token"):
            return False, "sent to the terms page without a session_token"
        return True, f"sent to {url} with a session_token"

    return check


def _denied() -> Check:
    def check(payload: Mapping[str, Any]) -> tuple[bool, str]:
        problem = _readable(payload)
        if problem:
            return False, problem
        denied = payload.get("denied")
        if isinstance(denied, Mapping) and payload.get("redirect") is None:
            return True, f"denied ({denied.get('error')}: {denied.get('reason')})"
        return False, "not denied"

    return check


def _through_without_claims() -> Check:
    def check(payload: Mapping[str, Any]) -> tuple[bool, str]:
        problem = _readable(payload)
        if problem:
            return False, problem
        if payload.get("denied") or payload.get("redirect"):
            return False, "stopped, though non_interactive is allow"
        if payload.get("id_token_claims"):
            return False, "let through WITH terms claims, without any acceptance"
        return True, "let through without terms claims"

    return check


def _not_let_through_silently() -> Check:
    def check(payload: Mapping[str, Any]) -> tuple[bool, str]:
        problem = _readable(payload)
        if problem:
            return False, problem
        denied = payload.get("denied")
        if isinstance(denied, Mapping) and denied.get("error") == "interaction_required":
            return True, "interaction_required"
        if isinstance(payload.get("redirect"), Mapping):
            # What the endpoint shows of a redirect under prompt=none is UNCONFIRMED: a
            # redirect here is what Auth0 turns into interaction_required.
            return True, "redirects (Auth0 answers interaction_required)"
        if isinstance(denied, Mapping):
            return False, f"denied with {denied.get('error')}, not interaction_required"
        return False, "let through without an acceptance"

    return check


def cases(params: ActionParams, hostname: str) -> list[Case]:
    """The synthetic logins for this tenant's parameters."""
    forged = {
        "version": params.terms.version,
        "accepted_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "sig": secrets.token_urlsafe(32),
    }
    found = [
        Case(
            "a user with no acceptance is sent to the terms",
            _event(params, hostname, record=None),
            _sent_to_terms(params),
        ),
        Case(
            "a user with a forged acceptance record is sent to the terms",
            _event(params, hostname, record=forged),
            _sent_to_terms(params),
        ),
    ]
    refresh = _event(params, hostname, record=None, protocol="oauth2-refresh-token")
    if params.non_interactive == "deny":
        found.append(Case("a refresh-token login with no acceptance is denied", refresh, _denied()))
    else:
        found.append(
            Case(
                "a refresh-token login with no acceptance passes without claims (allow)",
                refresh,
                _through_without_claims(),
            )
        )
    found.append(
        Case(
            "a silent login (prompt=none) with no acceptance is not let through",
            _event(params, hostname, record=None, prompt=["none"]),
            _not_let_through_silently(),
        )
    )
    return found


def verify_tenant(ctx: Context, name: str) -> VerifyReport:
    """Run every case against the tenant's deployed Action. Raises only when it cannot start."""
    tenant = ctx.config.tenant(name)
    action_name = ctx.config.manifest.name
    target = ctx.target(tenant)
    hostname = tenant.domain or target.base_url.split("://", 1)[-1]
    with open_client(target) as client:
        found = client.find_action(action_name)
        if found is None:
            raise RefusedError(f"{name}: there is no action named {action_name!r}; deploy first")
        if found.integration or found.header is None:
            raise RefusedError(f"{name}: the action {action_name!r} is not managed by this tool")
        live = client.get_action(found.id)
        preflight = _preflight(client, live.id, live.all_changes_deployed, live.is_deployed)
        subject = (
            f"action {action_name!r} v{live.deployed_version}"
            if live.deployed_version
            else f"action {action_name!r}"
        )
        results = list(preflight)
        if all(r.passed for r in preflight):
            for case in cases(tenant.action, hostname):
                passed, detail = case.check(client.test_action(live.id, case.event))
                results.append(CaseResult(case.name, passed, detail))
    return VerifyReport(name, subject, tuple(results))


def _preflight(
    client: Auth0Client, action_id: str, all_deployed: bool, deployed: bool
) -> list[CaseResult]:
    checks = [
        CaseResult(
            "the draft is the deployed version (the test endpoint runs the draft)",
            deployed and all_deployed,
            "yes" if deployed and all_deployed else "no: deploy (or wait for the deploy) first",
        )
    ]
    bound = any(b.action_id == action_id for b in client.bindings(TRIGGER))
    checks.append(
        CaseResult(
            f"the action is bound to the {TRIGGER} trigger",
            bound,
            "yes" if bound else "no: it never runs at login",
        )
    )
    return checks
