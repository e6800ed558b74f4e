"""A real login through the real accept-terms Action, deployed in the emulator."""

from __future__ import annotations

import jwt
from support.login import (
    CLIENT_ID,
    CLIENT_SECRET,
    EMAIL,
    PASSWORD,
    Browser,
    ConsentPage,
    Deployed,
    callback,
    exchange,
    record_signature,
    verify_id_token,
)

from deployer.emulator import Emulator


def accept_terms(browser: Browser, consent: ConsentPage, **overrides: str) -> dict[str, str]:
    """authorize -> form -> terms page -> /continue; the callback's query."""
    state, incoming = consent.arrival(browser.login(**overrides))
    return callback(browser.resume(state, consent.answer(state, incoming)))


def test_first_login_records_the_acceptance_and_puts_the_claim_in_the_id_token(
    tenant: Emulator, seeded: str, terms: Deployed, consent: ConsentPage, browser: Browser
) -> None:
    redirected = browser.login()
    state, incoming = consent.arrival(redirected)
    assert incoming["sub"] == seeded
    assert incoming["terms_version"] == terms.params.terms.version
    assert "auth0_emulator_session" not in redirected.headers.get("set-cookie", "")

    back = browser.resume(state, consent.answer(state, incoming))
    query = callback(back)
    assert query["state"] == "client-state-123"
    cookie = back.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie

    tokens = exchange(browser.http, query["code"]).json()
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    claims = verify_id_token(browser.http, tokens["id_token"])
    assert claims["sub"] == seeded and claims["aud"] == CLIENT_ID
    assert claims["nonce"] == "nonce-456" and claims["email"] == EMAIL
    assert claims[terms.claim] == terms.params.terms.version

    record = tenant.login.user(seeded).user_metadata["terms"]
    assert record["version"] == terms.params.terms.version
    expected = record_signature(terms.record_key, seeded, record["version"], record["accepted_at"])
    assert record["sig"] == expected
    assert claims[terms.params.claims.namespace + "terms_accepted_at"] == record["accepted_at"]

    info = browser.http.get(
        "/userinfo", headers={"authorization": f"Bearer {tokens['access_token']}"}
    )
    assert info.status_code == 200
    assert info.json()["sub"] == seeded and info.json()["email"] == EMAIL


def test_a_second_login_goes_straight_through_with_the_claim(
    tenant: Emulator, terms: Deployed, consent: ConsentPage, browser: Browser
) -> None:
    accept_terms(browser, consent)
    with Browser.open(tenant) as other:  # no session: the form, then no detour
        query = callback(other.login(state="second"))
        assert query["state"] == "second"
        claims = verify_id_token(other.http, exchange(other.http, query["code"]).json()["id_token"])
        assert claims[terms.claim] == terms.params.terms.version
    # The first browser has a session: no form at all.
    query = callback(browser.authorize(state="sso"))
    assert query["state"] == "sso" and "code" in query


def test_declining_ends_with_access_denied_and_records_nothing(
    tenant: Emulator, seeded: str, consent: ConsentPage, browser: Browser
) -> None:
    state, incoming = consent.arrival(browser.login())
    query = callback(browser.resume(state, consent.answer(state, incoming, accepted=False)))
    assert query == {
        "error": "access_denied",
        "error_description": "terms_declined",
        "state": "client-state-123",
    }
    assert "terms" not in tenant.login.user(seeded).user_metadata


def test_a_tampered_answer_is_refused_and_the_state_cannot_be_replayed(
    tenant: Emulator, seeded: str, terms: Deployed, consent: ConsentPage, browser: Browser
) -> None:
    state, incoming = consent.arrival(browser.login())
    genuine = consent.answer(state, incoming, accepted=False)
    head, _, sig = genuine.split(".")
    forged_body = jwt.utils.base64url_encode(
        jwt.api_jws.json.dumps(
            {**jwt.decode(genuine, options={"verify_signature": False}), "accepted": True}
        ).encode()
    ).decode()
    query = callback(browser.resume(state, f"{head}.{forged_body}.{sig}"))
    assert query["error"] == "access_denied"
    assert query["error_description"] == "terms_not_accepted"
    assert "terms" not in tenant.login.user(seeded).user_metadata
    # The transaction is over: the genuine token cannot resume it now.
    replay = browser.resume(state, consent.answer(state, incoming))
    assert replay.status_code == 400 and "location" not in replay.headers


def test_an_answer_signed_with_another_key_is_refused(
    consent: ConsentPage, browser: Browser
) -> None:
    state, incoming = consent.arrival(browser.login())
    forged = consent.answer(state, incoming, key="not-the-terms-token-secret-" + "x" * 40)
    query = callback(browser.resume(state, forged))
    assert query["error_description"] == "terms_not_accepted"


def test_the_refresh_grant_keeps_the_claim_from_the_stored_record(
    tenant: Emulator, seeded: str, terms: Deployed, consent: ConsentPage, browser: Browser
) -> None:
    query = accept_terms(browser, consent)
    refresh = exchange(browser.http, query["code"]).json()["refresh_token"]
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    answer = browser.http.post("/oauth/token", data=form)
    assert answer.status_code == 200, answer.text
    assert "refresh_token" not in answer.json()
    claims = verify_id_token(browser.http, answer.json()["id_token"])
    assert claims[terms.claim] == terms.params.terms.version and "nonce" not in claims

    # A record the user edited is not trusted, and a refresh cannot redirect: denied.
    tenant.state.login.users[seeded].user_metadata["terms"]["accepted_at"] = "2000-01-01"
    denied = browser.http.post("/oauth/token", data=form)
    assert denied.status_code == 403
    assert denied.json() == {"error": "access_denied", "error_description": "terms_not_accepted"}


def test_prompt_none_needs_a_session(
    terms: Deployed, consent: ConsentPage, browser: Browser
) -> None:
    query = callback(browser.authorize(prompt="none"))
    assert query["error"] == "login_required" and query["state"] == "client-state-123"
    accept_terms(browser, consent)
    silent = callback(browser.authorize(prompt="none", state="silent"))
    assert silent["state"] == "silent" and "code" in silent


def test_prompt_none_with_a_session_but_no_acceptance_is_interaction_required(
    tenant: Emulator, terms: Deployed, consent: ConsentPage, browser: Browser
) -> None:
    accept_terms(browser, consent)
    # The terms change under the session (the record no longer proves the required version).
    for user in tenant.state.login.users.values():
        user.user_metadata["terms"]["version"] = "1999-01-01"
    # The Action redirects; under prompt=none Auth0 fails that with interaction_required
    # (docs "Redirect with Actions"), which tells the app to log in interactively.
    query = callback(browser.authorize(prompt="none"))
    assert query["error"] == "interaction_required" and "code" not in query


def test_prompt_login_shows_the_form_despite_a_session(
    consent: ConsentPage, browser: Browser
) -> None:
    accept_terms(browser, consent)
    form = browser.authorize(prompt="login")
    assert form.status_code == 200 and 'type="password"' in form.text


def test_a_wrong_password_shows_the_form_again(tenant: Emulator, browser: Browser) -> None:
    tenant.add_application(
        "app-web",
        name="Acme",
        callbacks=["http://127.0.0.1:8401/callback"],
        client_secret=CLIENT_SECRET,
    )
    tenant.add_user(EMAIL, PASSWORD)
    form = browser.authorize()
    for email, password in ((EMAIL, "wrong"), ("nobody@example.com", PASSWORD)):
        again = browser.submit_login(form, email, password)
        assert again.status_code == 400
        assert "Wrong email or password." in again.text and 'role="alert"' in again.text
        assert "set-cookie" not in again.headers
        assert password not in again.text
