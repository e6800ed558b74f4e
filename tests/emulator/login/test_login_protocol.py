"""The login endpoints around the Actions: clients, callbacks, grants, keys, persistence."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import httpx
import pytest
from support.login import (
    BASE,
    CALLBACK,
    CLIENT_ID,
    EMAIL,
    PASSWORD,
    Browser,
    ConsentPage,
    Deployed,
    callback,
    exchange,
    verify_id_token,
)

from deployer.emulator import Emulator, EmulatorSettings, serve

NS = "https://example.com/"
FIRST = f"""exports.onExecutePostLogin = async (event, api) => {{
  api.user.setUserMetadata('trail', ['first']);
  api.idToken.setCustomClaim('{NS}first', event.client.client_id);
  api.accessToken.setCustomClaim('{NS}tier', 'gold');
}};"""
LAST = f"""exports.onExecutePostLogin = async (event, api) => {{
  const trail = event.user.user_metadata.trail || [];
  api.idToken.setCustomClaim('{NS}trail_seen', trail);
  api.user.setUserMetadata('trail', [...trail, 'last']);
}};"""


@pytest.mark.parametrize(
    ("params", "title"),
    [
        ({"redirect_uri": "https://evil.example/callback"}, "Callback URL mismatch"),
        ({"redirect_uri": CALLBACK + "/"}, "Callback URL mismatch"),
        ({"client_id": "nobody"}, "Unknown application"),
    ],
    ids=["foreign-uri", "not-exactly-a-callback", "unknown-client"],
)
def test_a_bad_client_or_callback_is_refused_on_a_page(
    seeded: str, browser: Browser, params: dict[str, str], title: str
) -> None:
    answer = browser.authorize(**params)
    assert answer.status_code == 400 and "location" not in answer.headers
    assert answer.headers["content-type"].startswith("text/html")
    assert title in answer.text and "evil.example" not in answer.text


def test_bound_actions_run_in_order_around_the_redirect(
    tenant: Emulator, seeded: str, terms: Deployed, consent: ConsentPage, browser: Browser
) -> None:
    # first, accept-terms (already bound), last: the redirect happens in the middle.
    first = tenant.seed_action("first", code=FIRST)
    last = tenant.seed_action("last", code=LAST)
    tenant.state.bindings["post-login"].clear()
    for action_id in (first, terms.action_id, last):
        tenant.seed_binding("post-login", action_id)

    state, incoming = consent.arrival(browser.login())
    assert tenant.login.user(seeded).user_metadata["trail"] == ["first"]  # applied before
    query = callback(browser.resume(state, consent.answer(state, incoming)))
    tokens = exchange(browser.http, query["code"]).json()
    claims = verify_id_token(browser.http, tokens["id_token"])
    assert claims[f"{NS}first"] == CLIENT_ID
    assert claims[f"{NS}trail_seen"] == ["first"]  # `last` saw what `first` wrote
    assert claims[terms.claim] == terms.params.terms.version
    metadata = tenant.login.user(seeded).user_metadata
    assert metadata["trail"] == ["first", "last"] and "terms" in metadata
    access = json.loads(base64.urlsafe_b64decode(tokens["access_token"].split(".")[1] + "=="))
    assert access[f"{NS}tier"] == "gold" and terms.claim not in access


def test_only_the_deployed_version_runs(tenant: Emulator, seeded: str, browser: Browser) -> None:
    action_id = tenant.seed_action("first", code=FIRST)
    tenant.seed_binding("post-login", action_id)
    token = tenant.issue_token()
    deny = "exports.onExecutePostLogin = async (event, api) => { api.access.deny('draft'); };"
    with httpx.Client(transport=tenant.transport(), base_url=f"{BASE}/api/v2") as api:
        patched = api.patch(
            f"/actions/actions/{action_id}",
            json={"code": deny},
            headers={"authorization": f"Bearer {token}"},
        )
        assert patched.status_code == 200
    assert "code" in callback(browser.login())  # the draft denies; the live version does not


def test_the_code_is_single_use_and_bound_to_its_client_and_callback(
    tenant: Emulator, seeded: str, browser: Browser
) -> None:
    tenant.add_application("other", name="Other", callbacks=[CALLBACK], client_secret="other-s")
    code = callback(browser.login())["code"]
    # A client that cannot authenticate does not even get to spend the code.
    assert exchange(browser.http, code, client_secret="wrong").status_code == 401
    assert exchange(browser.http, code).status_code == 200
    replay = exchange(browser.http, code)
    assert replay.status_code == 403 and replay.json()["error"] == "invalid_grant"
    for wrong in ({"client_id": "other", "client_secret": "other-s"}, {"redirect_uri": "x"}):
        code = callback(browser.authorize())["code"]
        assert exchange(browser.http, code, **wrong).status_code == 403
        assert exchange(browser.http, code).status_code == 403  # spent by the wrong attempt


def test_a_public_client_uses_pkce(tenant: Emulator, browser: Browser) -> None:
    tenant.add_application("spa", name="SPA", callbacks=[CALLBACK], client_secret=None)
    tenant.add_user(EMAIL, PASSWORD)
    verifier = "v" * 64
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    extra = {"client_id": "spa", "code_challenge": challenge, "code_challenge_method": "S256"}
    form = {"client_id": "spa", "client_secret": ""}
    code = callback(browser.login(**extra))["code"]
    refused = exchange(browser.http, code, code_verifier="w" * 64, **form)
    assert refused.status_code == 403
    code = callback(browser.authorize(**extra))["code"]  # the session from the first login
    answer = exchange(browser.http, code, code_verifier=verifier, **form)
    assert answer.status_code == 200, answer.text
    assert verify_id_token(browser.http, answer.json()["id_token"], audience="spa")["sub"]


def test_discovery_names_the_endpoints_and_the_key(tenant: Emulator, browser: Browser) -> None:
    found = browser.http.get("/.well-known/openid-configuration").json()
    assert found["issuer"] == f"{BASE}/"
    assert found["authorization_endpoint"] == f"{BASE}/authorize"
    assert found["jwks_uri"] == f"{BASE}/.well-known/jwks.json"
    keys = browser.http.get("/.well-known/jwks.json").json()["keys"]
    assert [(k["kty"], k["alg"], k["use"]) for k in keys] == [("RSA", "RS256", "sig")]
    assert "d" not in keys[0]  # the public half only


def test_users_applications_and_the_key_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    settings = EmulatorSettings(rate_limit_burst=None)
    first = Emulator(settings, state_path=path)
    first.add_application(CLIENT_ID, name="Acme", callbacks=[CALLBACK], client_secret=None)
    user_id = first.add_user(EMAIL, PASSWORD, user_metadata={"locale": "fr"})
    with Browser.open(first) as b:
        kid = b.http.get("/.well-known/jwks.json").json()["keys"][0]["kid"]
    stored = path.read_text()
    assert PASSWORD not in stored and "scrypt$" in stored
    second = Emulator(settings, state_path=path)
    assert second.login.user(user_id).user_metadata == {"locale": "fr"}
    with Browser.open(second) as b:
        assert b.http.get("/.well-known/jwks.json").json()["keys"][0]["kid"] == kid
        assert "code" in callback(b.login())


def test_the_request_log_never_holds_a_session_token(
    tenant: Emulator, consent: ConsentPage, browser: Browser
) -> None:
    state, incoming = consent.arrival(browser.login())
    token = consent.answer(state, incoming)
    browser.http.get("/continue", params={"state": state, "session_token": token})
    logged = " ".join(e.query for e in tenant.request_log)
    assert token not in logged and "session_token=%2A%2A%2A" in logged


def test_a_whole_login_over_http(tenant: Emulator, terms: Deployed, rendered: object) -> None:
    running = serve(tenant, port=0)
    try:
        page = ConsentPage(terms.token_secret, terms.params.terms.url, issuer=running.domain)
        with httpx.Client(base_url=running.url) as http:
            b = Browser(http)
            state, incoming = page.arrival(b.login())
            back = b.resume(state, page.answer(state, incoming))
            assert "Secure" not in back.headers["set-cookie"]  # plain HTTP on loopback
            tokens = exchange(http, callback(back)["code"]).json()
            claims = verify_id_token(http, tokens["id_token"], issuer=f"{running.url}/")
            assert claims[terms.claim] == terms.params.terms.version
    finally:
        running.stop()
