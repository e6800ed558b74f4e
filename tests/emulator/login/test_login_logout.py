"""Logging out (/oidc/logout, /v2/logout) and revoking refresh tokens, as Auth0 documents them."""

from __future__ import annotations

import pytest
from support.login import (
    BASE,
    CALLBACK,
    CLIENT_ID,
    CLIENT_SECRET,
    Browser,
    callback,
    exchange,
    query_of,
)

from deployer.emulator import Emulator

HOME = "http://127.0.0.1:8401/"
ELSEWHERE = "https://attacker.example/"


@pytest.fixture
def app(tenant: Emulator, seeded: str) -> None:
    tenant.add_application(
        CLIENT_ID,
        name="Acme Web",
        callbacks=[CALLBACK],
        client_secret=CLIENT_SECRET,
        logout_urls=[HOME, "http://127.0.0.1:8401/bye"],
    )


def _signed_in(browser: Browser) -> dict[str, str]:
    """Logs in (no Action bound) and returns the token answer."""
    code = callback(browser.login())["code"]
    answer = exchange(browser.http, code)
    assert answer.status_code == 200, answer.text
    tokens: dict[str, str] = answer.json()
    return tokens


def _has_session(browser: Browser) -> bool:
    """A tenant session skips the login form: /authorize redirects straight back."""
    return browser.authorize().status_code == 302


def test_discovery_names_the_logout_and_revocation_endpoints(browser: Browser) -> None:
    found = browser.http.get("/.well-known/openid-configuration").json()
    assert found["end_session_endpoint"] == f"{BASE}/oidc/logout"
    assert found["revocation_endpoint"] == f"{BASE}/oauth/revoke"


@pytest.mark.usefixtures("app")
def test_oidc_logout_ends_the_session_and_returns_with_state(browser: Browser) -> None:
    tokens = _signed_in(browser)
    assert _has_session(browser)
    params = {
        "id_token_hint": tokens["id_token"],
        "client_id": CLIENT_ID,
        "post_logout_redirect_uri": HOME,
        "state": "s-1",
    }
    answer = browser.http.get("/oidc/logout", params=params)
    assert answer.status_code == 302
    assert answer.headers["location"] == f"{HOME}?state=s-1"
    assert "Max-Age=0" in answer.headers["set-cookie"]
    assert not _has_session(browser)


@pytest.mark.usefixtures("app")
def test_oidc_logout_refuses_a_url_not_allowed_and_keeps_the_session(browser: Browser) -> None:
    tokens = _signed_in(browser)
    for params in (
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": ELSEWHERE},
        {"client_id": "someone-else", "id_token_hint": tokens["id_token"]},
        {"id_token_hint": tokens["id_token"][:-4] + "AAAA", "post_logout_redirect_uri": HOME},
        {"post_logout_redirect_uri": HOME},  # no application: the tenant's list, empty here
    ):
        answer = browser.http.get("/oidc/logout", params=params)
        assert answer.status_code == 400, params
        assert "location" not in answer.headers
    assert _has_session(browser)


@pytest.mark.usefixtures("app")
def test_v2_logout_goes_only_to_allowed_urls(browser: Browser) -> None:
    _signed_in(browser)
    refused = browser.http.get("/v2/logout", params={"client_id": CLIENT_ID, "returnTo": ELSEWHERE})
    assert refused.status_code == 400 and _has_session(browser)

    answer = browser.http.get("/v2/logout", params={"client_id": CLIENT_ID})
    assert answer.status_code == 302
    assert answer.headers["location"] == HOME  # the first Allowed Logout URL
    assert not _has_session(browser)

    _signed_in(browser)
    bye = browser.http.get(
        "/v2/logout", params={"client_id": CLIENT_ID, "returnTo": "http://127.0.0.1:8401/bye"}
    )
    assert bye.headers["location"] == "http://127.0.0.1:8401/bye"
    assert not query_of(bye.headers["location"])


@pytest.mark.usefixtures("app")
def test_a_revoked_refresh_token_no_longer_refreshes(browser: Browser) -> None:
    refresh = _signed_in(browser)["refresh_token"]
    client = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    wrong = browser.http.post(
        "/oauth/revoke", data={**client, "client_secret": "wrong", "token": refresh}
    )
    assert wrong.status_code == 401
    assert browser.http.post("/oauth/revoke", data=client).status_code == 400
    grant = {"grant_type": "refresh_token", "refresh_token": refresh, **client}
    assert browser.http.post("/oauth/token", data=grant).status_code == 200

    revoked = browser.http.post("/oauth/revoke", data={**client, "token": refresh})
    assert revoked.status_code == 200
    assert browser.http.post("/oauth/token", data=grant).status_code == 403
    # Unknown (or already revoked) tokens get the same answer: nothing to learn.
    again = browser.http.post("/oauth/revoke", data={**client, "token": refresh})
    assert again.status_code == 200
