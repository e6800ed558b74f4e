"""The accept-terms Action, scenario by scenario, run in the local post-login runtime.

Each row is one login (and, with an `answer`, the consent page's answer to it), against the
Action rendered from tenants.yaml (prod) or from the repo's defaults with `tenant` overrides.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import jwt
import pytest
from support.action import (
    DECLINED_REASON,
    DENY_REASON,
    OTHER_USER_ID,
    TENANT_DOMAIN,
    USER_ID,
    Harness,
    RenderTenant,
    Secrets,
    hs256_with_header,
    signed_record,
    without_can_redirect,
)

from deployer.emulator.login.runtime import RuntimeResult
from deployer.params import ActionParams

Expect = Literal["redirect", "claims", "deny", "declined", "untouched", "interaction_required"]
RecordKind = Literal[
    "valid",
    "old_version",
    "version_raised",
    "forged_sig",
    "no_sig",
    "other_user",
    "valid_in_user_metadata",
]
ACCEPTED_AT = "2026-11-02T08:00:00.000Z"
OLD_VERSION = "2025-06-01"


@dataclass(frozen=True)
class Answer:
    """What the consent page sends back; the defaults are an honest acceptance."""

    claims: Mapping[str, Any] = field(default_factory=dict)
    signed_with: Literal["token", "previous", "other"] = "token"
    alg: Literal["HS256", "HS512", "RS256", "none"] = "HS256"
    expired: bool = False
    drop: tuple[str, ...] = ()
    echo: bool = False  # send back the Action's own session_token
    in_query: bool = False
    lifetime: int | None = None  # exp - iat, if not the page's 300 s
    typ: str | None = "JWT"  # the header's typ


@dataclass(frozen=True)
class Scenario:
    expect: Expect
    tenant: Mapping[str, Any] = field(default_factory=dict)  # overrides of tenants.yaml defaults
    record: RecordKind | None = None
    client_id: str = "app-web"
    protocol: str = "oidc-basic-profile"
    prompt: tuple[str, ...] = ()
    answer: Answer | None = None
    secrets: Literal["current", "rotating", "no_record_key"] = "current"
    then_login: bool = False  # log in once more with the metadata the run left
    # api.redirect.canRedirect is deprecated in Auth0's typings: run without it.
    without_can_redirect: bool = False


REFRESH = "oauth2-refresh-token"
EXCLUDED = {"applies_to": {"exclude_clients": ["m2m-batch"]}}
ALLOW_LIST = {"applies_to": {"clients": ["app-web"]}}
ALLOW_NON_INTERACTIVE = {"non_interactive": "allow"}
APP_METADATA = {"storage": "app_metadata"}

SCENARIOS = [
    # The happy path.
    pytest.param(Scenario("redirect"), id="first-login-redirects-to-terms"),
    pytest.param(Scenario("claims", answer=Answer()), id="accept-records-and-sets-claims"),
    pytest.param(
        Scenario("claims", answer=Answer(), then_login=True), id="next-login-passes-with-claims"
    ),
    pytest.param(Scenario("claims", record="valid"), id="valid-record-passes-with-claims"),
    pytest.param(Scenario("redirect", record="old_version"), id="new-terms-version-asks-again"),
    pytest.param(
        Scenario("declined", answer=Answer(claims={"accepted": False})), id="decline-is-denied"
    ),
    pytest.param(
        Scenario("claims", answer=Answer(in_query=True)), id="answer-in-query-string-accepted"
    ),
    # Forged or replayed answers from the consent page's side.
    pytest.param(
        Scenario("deny", answer=Answer(signed_with="other")), id="answer-signed-with-other-secret"
    ),
    pytest.param(Scenario("deny", answer=Answer(alg="none")), id="answer-alg-none"),
    pytest.param(Scenario("deny", answer=Answer(alg="HS512")), id="answer-alg-hs512"),
    pytest.param(Scenario("deny", answer=Answer(alg="RS256")), id="answer-header-rs256"),
    pytest.param(Scenario("deny", answer=Answer(expired=True)), id="answer-expired"),
    pytest.param(
        Scenario("deny", answer=Answer(claims={"state": "state-of-another-login"})),
        id="answer-state-mismatch",
    ),
    pytest.param(
        Scenario("deny", answer=Answer(claims={"sub": OTHER_USER_ID})),
        id="answer-for-another-user",
    ),
    pytest.param(
        Scenario("deny", answer=Answer(claims={"terms_version": OLD_VERSION})),
        id="answer-for-older-version",
    ),
    pytest.param(
        Scenario("deny", answer=Answer(claims={"accepted": "true"})),
        id="answer-accepted-not-boolean",
    ),
    pytest.param(Scenario("deny", answer=Answer(drop=("accepted",))), id="answer-without-accepted"),
    pytest.param(Scenario("deny", answer=Answer(echo=True)), id="answer-echoes-session-token"),
    # Auth0's required standard claims (docs/consent-contract.md): without them the runtime's
    # validateToken refuses the answer, as Auth0 does ("Missing or invalid standard claims").
    pytest.param(Scenario("deny", answer=Answer(drop=("iss",))), id="answer-without-iss"),
    pytest.param(Scenario("deny", answer=Answer(drop=("iat",))), id="answer-without-iat"),
    pytest.param(Scenario("deny", answer=Answer(drop=("sub",))), id="answer-without-sub"),
    pytest.param(Scenario("deny", answer=Answer(drop=("state",))), id="answer-without-state"),
    pytest.param(Scenario("deny", answer=Answer(lifetime=30)), id="answer-lifetime-under-60s"),
    pytest.param(Scenario("claims", answer=Answer(lifetime=60)), id="answer-lifetime-60s"),
    pytest.param(Scenario("deny", answer=Answer(typ=None)), id="answer-without-typ-header"),
    # A record the user edited in their own user_metadata.
    pytest.param(Scenario("redirect", record="version_raised"), id="record-version-raised"),
    pytest.param(Scenario("redirect", record="forged_sig"), id="record-signature-forged"),
    pytest.param(Scenario("redirect", record="no_sig"), id="record-signature-missing"),
    pytest.param(Scenario("redirect", record="other_user"), id="record-of-another-user"),
    # No redirect possible.
    pytest.param(
        Scenario("claims", record="valid", protocol=REFRESH), id="refresh-token-valid-record"
    ),
    pytest.param(Scenario("deny", protocol=REFRESH), id="refresh-token-no-record-denied"),
    pytest.param(
        Scenario("untouched", protocol=REFRESH, tenant=ALLOW_NON_INTERACTIVE),
        id="refresh-token-no-record-allowed",
    ),
    pytest.param(
        Scenario("claims", record="valid", prompt=("none",)), id="prompt-none-valid-record"
    ),
    # prompt=none: Auth0 answers a redirect with interaction_required (whatever
    # non_interactive says: the application can still log the user in interactively).
    pytest.param(Scenario("interaction_required", prompt=("none",)), id="prompt-none-no-record"),
    pytest.param(
        Scenario("interaction_required", prompt=("none",), record="old_version"),
        id="prompt-none-old-record",
    ),
    pytest.param(
        Scenario("interaction_required", prompt=("none",), tenant=ALLOW_NON_INTERACTIVE),
        id="prompt-none-no-record-non-interactive-allow",
    ),
    # Without the deprecated canRedirect(), the Action decides from the transaction alone.
    pytest.param(Scenario("redirect", without_can_redirect=True), id="no-can-redirect-first-login"),
    pytest.param(
        Scenario("claims", answer=Answer(), without_can_redirect=True),
        id="no-can-redirect-accept",
    ),
    pytest.param(
        Scenario("deny", protocol=REFRESH, without_can_redirect=True),
        id="no-can-redirect-refresh-token-denied",
    ),
    pytest.param(
        Scenario("interaction_required", prompt=("none",), without_can_redirect=True),
        id="no-can-redirect-prompt-none",
    ),
    pytest.param(
        Scenario("deny", protocol="oauth2-password", record="old_version"),
        id="password-grant-old-record-denied",
    ),
    # Which clients are asked.
    pytest.param(
        Scenario("untouched", tenant=EXCLUDED, client_id="m2m-batch"), id="excluded-client"
    ),
    pytest.param(Scenario("redirect", tenant=EXCLUDED), id="other-client-still-asked"),
    pytest.param(
        Scenario("untouched", tenant=ALLOW_LIST, client_id="app-other"),
        id="client-not-on-allow-list",
    ),
    pytest.param(Scenario("redirect", tenant=ALLOW_LIST), id="client-on-allow-list-asked"),
    # Parameters.
    pytest.param(
        Scenario("claims", tenant={"claims": {"access_token": True}}, answer=Answer()),
        id="access-token-claims-too",
    ),
    pytest.param(
        Scenario(
            "claims", tenant={"claims": {"id_token": False, "access_token": True}}, record="valid"
        ),
        id="access-token-claims-only",
    ),
    pytest.param(
        Scenario("claims", tenant=APP_METADATA, answer=Answer(), then_login=True),
        id="app-metadata-storage",
    ),
    pytest.param(
        Scenario("redirect", tenant=APP_METADATA, record="valid_in_user_metadata"),
        id="app-metadata-ignores-user-metadata",
    ),
    pytest.param(
        Scenario("claims", tenant={"metadata_key": "tos_2026"}, answer=Answer(), then_login=True),
        id="custom-metadata-key",
    ),
    # Secrets.
    pytest.param(
        Scenario("claims", secrets="rotating", answer=Answer(signed_with="previous")),
        id="previous-secret-during-rotation",
    ),
    pytest.param(
        Scenario("deny", answer=Answer(signed_with="previous")),
        id="previous-secret-after-rotation",
    ),
    pytest.param(Scenario("deny", secrets="no_record_key"), id="missing-secret-fails-closed"),
]


def _configured(keys: Secrets, mode: str) -> dict[str, str]:
    configured = {"TERMS_TOKEN_SECRET": keys.token, "TERMS_RECORD_KEY": keys.record}
    if mode == "rotating":
        configured["TERMS_TOKEN_SECRET_PREVIOUS"] = keys.previous
    if mode == "no_record_key":
        del configured["TERMS_RECORD_KEY"]
    return configured


def _record(kind: RecordKind, h: Harness) -> dict[str, str]:
    key, version = h.keys.record, h.version
    if kind in ("valid", "valid_in_user_metadata"):
        return signed_record(key, USER_ID, version, ACCEPTED_AT)
    if kind == "old_version":
        return signed_record(key, USER_ID, OLD_VERSION, ACCEPTED_AT)
    if kind == "version_raised":
        return {**signed_record(key, USER_ID, OLD_VERSION, ACCEPTED_AT), "version": version}
    if kind == "forged_sig":
        return signed_record(h.keys.other, USER_ID, version, ACCEPTED_AT)
    if kind == "no_sig":
        return {"version": version, "accepted_at": ACCEPTED_AT}
    return signed_record(key, OTHER_USER_ID, version, ACCEPTED_AT)  # other_user


def _user(s: Scenario, h: Harness, params: ActionParams) -> dict[str, Any]:
    if s.record is None:
        return h.user()
    stored = {params.metadata_key: _record(s.record, h)}
    in_app = params.storage == "app_metadata" and s.record != "valid_in_user_metadata"
    return h.user(app=stored) if in_app else h.user(metadata=stored)


def _answer_token(h: Harness, first: RuntimeResult, answer: Answer) -> str:
    assert first.redirect is not None, f"expected a redirect first: {first}"
    if answer.echo:
        return str(first.redirect.query["session_token"])
    claims = h.answer_claims(first, **answer.claims)
    if answer.expired:
        now = int(time.time())
        claims.update(iat=now - 400, exp=now - 100)
    if answer.lifetime is not None:
        claims["exp"] = claims["iat"] + answer.lifetime
    for name in answer.drop:
        del claims[name]
    key = getattr(h.keys, answer.signed_with)
    if answer.alg == "none":
        return jwt.encode(claims, "", algorithm="none")
    if answer.alg == "RS256":
        # Algorithm confusion: an RS256 header over an HMAC made with the shared secret.
        return hs256_with_header({"alg": "RS256", "typ": "JWT"}, claims, key)
    if answer.typ != "JWT":
        return hs256_with_header({"alg": "HS256"}, claims, key)
    return jwt.encode(claims, key, algorithm=answer.alg)


def _expected_claims(params: ActionParams, version: str, accepted_at: str) -> dict[str, Any]:
    ns = params.claims.namespace
    return {f"{ns}terms_version": version, f"{ns}terms_accepted_at": accepted_at}


def _stored(result: RuntimeResult, params: ActionParams) -> Mapping[str, Any]:
    return result.app_metadata if params.storage == "app_metadata" else result.user_metadata


def _check_redirect(h: Harness, params: ActionParams, result: RuntimeResult) -> None:
    assert result.passed is False and result.denied is None and result.redirect is not None
    assert result.redirect.url == params.terms.url
    assert set(result.redirect.query) == {"session_token", "state"}
    assert result.redirect.location is not None
    assert result.redirect.location.startswith(params.terms.url + "?")
    token = h.incoming_token(result)
    assert token["sub"] == USER_ID
    assert token["terms_version"] == params.terms.version
    assert token["exp"] - token["iat"] == params.token_ttl_seconds
    assert abs(token["exp"] - time.time() - params.token_ttl_seconds) <= 5
    assert result.id_token_claims == {} and result.access_token_claims == {}


@pytest.mark.parametrize("s", SCENARIOS)
def test_scenario(
    s: Scenario,
    render_tenant: RenderTenant,
    prod_action: tuple[str, ActionParams],
    keys: Secrets,
) -> None:
    code, params = render_tenant(s.tenant) if s.tenant else prod_action
    if s.without_can_redirect:
        code = without_can_redirect(code)
    h = Harness(code=code, params=params, keys=keys, configured=_configured(keys, s.secrets))
    user = _user(s, h, params)
    event = h.event(user, client_id=s.client_id, protocol=s.protocol, prompt=list(s.prompt))

    first = h.execute(event)
    result, answer_token = first, None
    if s.answer is not None:
        _check_redirect(h, params, first)
        answer_token = _answer_token(h, first, s.answer)
        state = str(first.redirect.query["state"]) if first.redirect else ""
        result = h.resume(event, state=state, token=answer_token, in_query=s.answer.in_query)

    assert result.ok, result.error
    if s.expect == "redirect":
        _check_redirect(h, params, result)
        assert result.user_metadata == user["user_metadata"]
        assert result.app_metadata == user["app_metadata"]
    elif s.expect == "interaction_required":
        assert result.denied is not None and result.redirect is None
        assert result.denied.error == "interaction_required"
        assert result.id_token_claims == {} and result.access_token_claims == {}
        assert result.user_metadata == user["user_metadata"], "nothing is recorded"
    elif s.expect in ("deny", "declined"):
        assert result.denied is not None and result.redirect is None
        assert result.denied.error == "access_denied"
        assert result.denied.reason == (DENY_REASON if s.expect == "deny" else DECLINED_REASON)
        assert result.id_token_claims == {} and result.access_token_claims == {}
        assert result.user_metadata == user["user_metadata"], "nothing is recorded"
        assert result.app_metadata == user["app_metadata"], "nothing is recorded"
    elif s.expect == "untouched":
        assert result.passed
        assert result.id_token_claims == {} and result.access_token_claims == {}
        assert result.user_metadata == user["user_metadata"]
        assert result.app_metadata == user["app_metadata"]
    else:  # claims
        assert result.passed, result
        if s.answer is not None:
            # A fresh record, signed over exactly this user, version and time.
            record = _stored(result, params)[params.metadata_key]
            accepted_at = record["accepted_at"]
            assert record == signed_record(keys.record, USER_ID, params.terms.version, accepted_at)
            when = datetime.fromisoformat(accepted_at.replace("Z", "+00:00"))
            assert abs((datetime.now(UTC) - when).total_seconds()) < 60
        else:
            accepted_at = ACCEPTED_AT
        claims = _expected_claims(params, params.terms.version, accepted_at)
        assert result.id_token_claims == (claims if params.claims.id_token else {})
        assert result.access_token_claims == (claims if params.claims.access_token else {})
        if s.then_login:
            again = h.user(metadata=result.user_metadata, app=result.app_metadata)
            second = h.execute(h.event(again, client_id=s.client_id))
            assert second.passed, second
            assert second.id_token_claims == result.id_token_claims
            assert second.access_token_claims == result.access_token_claims

    _check_nothing_leaks(result, keys, answer_token)
    if s.secrets == "no_record_key":
        assert any("TERMS_RECORD_KEY" in e.message for e in result.logs if e.level == "error")


def _check_nothing_leaks(result: RuntimeResult, keys: Secrets, answer_token: str | None) -> None:
    """No secret in what users or logs see; no token contents in a denial's reason."""
    visible = [e.message for e in result.logs]
    if result.denied:
        visible.append(result.denied.reason)
        if result.denied.error == "access_denied":
            # The Action's reason is a fixed code: no token, user id or claim value in it.
            assert re.fullmatch(r"[a-z_]+", result.denied.reason)
    if result.redirect and result.redirect.location:
        visible.append(result.redirect.location)
    text = "\n".join(visible)
    for value in keys.values():
        assert value not in text
    if answer_token:
        assert answer_token not in text
        assert answer_token.split(".")[1] not in text


def test_redirect_token_is_short_lived_and_bound_to_this_login(harness: Harness) -> None:
    """The token sent to the consent page names this user, this version and this tenant."""
    result = harness.execute(harness.event(harness.user()), state="state-abc")
    assert result.redirect is not None
    assert result.redirect.query["state"] == "state-abc"
    token = harness.incoming_token(result)
    assert token["iss"] == TENANT_DOMAIN
    assert token["ip"] == "203.0.113.7"
    assert set(token) == {"sub", "iss", "iat", "exp", "ip", "terms_version", "continue_uri"}
    assert token["continue_uri"] == f"https://{TENANT_DOMAIN}/continue"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(result.redirect.query["session_token"], harness.keys.other, algorithms=["HS256"])


def test_answer_for_one_login_is_refused_in_another(harness: Harness) -> None:
    """An answer captured from one login cannot complete another (state binds it)."""
    user = harness.user()
    first = harness.execute(harness.event(user))
    token = harness.answer(first)
    second = harness.execute(harness.event(user))
    assert second.redirect is not None
    replay = harness.resume(
        harness.event(user), state=str(second.redirect.query["state"]), token=token
    )
    assert replay.denied is not None and replay.denied.reason == DENY_REASON


def test_custom_domain_login_resumes_on_that_domain(harness: Harness) -> None:
    """With a custom domain, /continue must be on the host the login used, so the Action puts
    that host's /continue into the token (docs/consent-contract.md)."""
    event = harness.event(harness.user())
    event["request"]["hostname"] = "login.acme.example"
    result = harness.execute(event)
    token = harness.incoming_token(result)
    assert token["continue_uri"] == "https://login.acme.example/continue"
