"""POST /terms/answer: CSRF, the answer token's exact claims, the page that posts to /continue."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from support.consent import (
    DOMAIN,
    STATE,
    TERMS_MARKER,
    USER_ID,
    VERSION,
    Form,
    Keys,
    MakeClient,
    TestClient,
    only_form,
    session_token,
)

from deployer.consent import ConsentSettings
from deployer.consent.app import CSRF_COOKIE, CSRF_COOKIE_HTTPS
from deployer.consent.tokens import csrf_token


def _open(client: TestClient, token: str, state: str = STATE) -> Form:
    page = client.get("/terms", params={"session_token": token, "state": state})
    assert page.status_code == 200, page.text
    return only_form(page.text)


def _submit(client: TestClient, form: Form, decision: str, **changes: Any) -> Any:
    data = {**form.fields, "decision": decision, **changes}
    return client.post(form.action, data={k: v for k, v in data.items() if v is not None})


def _answer(page_html: str) -> tuple[Form, dict[str, Any]]:
    form = only_form(page_html)
    return form, jwt.decode(form.fields["session_token"], options={"verify_signature": False})


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_answer_token_carries_exactly_the_contract_claims(
    client: TestClient, keys: Keys, decision: str
) -> None:
    form = _open(client, session_token(keys.current))
    before = int(time.time())
    page = _submit(client, form, decision)

    assert page.status_code == 200
    form_out, _ = _answer(page.text)
    assert form_out.method == "post"
    assert form_out.action == f"https://{DOMAIN}/continue?state={STATE}"
    assert set(form_out.fields) == {"state", "session_token"}
    assert form_out.fields["state"] == STATE
    token = form_out.fields["session_token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, keys.current, algorithms=["HS256"])
    assert set(claims) == {
        "iat", "exp", "sub", "iss", "state", "jti", "terms_version", "accepted"
    }  # fmt: skip
    assert jwt.get_unverified_header(token)["typ"] == "JWT"
    assert claims["sub"] == USER_ID
    assert claims["iss"] == "consent.example.com", "the page's own host"
    assert claims["state"] == STATE
    assert claims["terms_version"] == VERSION
    assert claims["accepted"] is (decision == "accept")
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] - claims["iat"] == 300
    assert re.fullmatch(r"[0-9a-f]{32}", claims["jti"])


def test_each_answer_has_its_own_jti(client: TestClient, keys: Keys) -> None:
    form = _open(client, session_token(keys.current))
    first = _answer(_submit(client, form, "accept").text)[1]
    second = _answer(_submit(client, form, "accept").text)[1]

    assert first["jti"] != second["jti"]


def test_answers_are_signed_with_the_current_secret_during_a_rotation(
    make_client: MakeClient, keys: Keys
) -> None:
    client = make_client(previous_token_secret=keys.previous)
    form = _open(client, session_token(keys.previous))
    token = _answer(_submit(client, form, "accept").text)[0].fields["session_token"]

    assert jwt.decode(token, keys.current, algorithms=["HS256"])["accepted"] is True
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, keys.previous, algorithms=["HS256"])


def test_continue_url_can_be_overridden_for_the_emulator(
    make_client: MakeClient, keys: Keys
) -> None:
    client = make_client(
        auth0_domain="127.0.0.1:8443", continue_url="http://127.0.0.1:8400/continue"
    )
    form = _open(client, session_token(keys.current, iss="127.0.0.1:8443"))

    assert _answer(_submit(client, form, "accept").text)[0].action == (
        f"http://127.0.0.1:8400/continue?state={STATE}"
    )


def test_the_continue_page_works_without_javascript(client: TestClient, keys: Keys) -> None:
    page = _submit(client, _open(client, session_token(keys.current)), "decline")

    assert '<button type="submit" class="primary">Continue</button>' in page.text
    nonce = re.search(
        r"script-src 'nonce-([A-Za-z0-9_-]+)'", page.headers["content-security-policy"]
    )
    assert nonce is not None
    # The one script on the page is the nonce'd auto-submit.
    assert page.text.count("<script") == 1
    assert f'<script nonce="{nonce.group(1)}">' in page.text


CSRF_ATTACKS = [
    pytest.param({"csrf": None}, None, id="csrf-field-missing"),
    pytest.param({"csrf": ""}, None, id="csrf-field-empty"),
    pytest.param({"csrf": "0" * 64}, None, id="csrf-field-wrong"),
    pytest.param({}, "drop", id="cookie-missing"),
    pytest.param({}, "other", id="cookie-of-another-browser"),
    pytest.param({"state": "state-of-another-login"}, None, id="state-swapped"),
]


@pytest.mark.parametrize(("changes", "cookie"), CSRF_ATTACKS)
def test_csrf_failures_are_refused_with_403(
    client: TestClient, keys: Keys, changes: dict[str, Any], cookie: str | None
) -> None:
    form = _open(client, session_token(keys.current))
    if cookie == "drop":
        client.cookies.clear()
    elif cookie == "other":
        client.cookies.clear()
        client.cookies.set(CSRF_COOKIE_HTTPS, "A" * 43)
    page = _submit(client, form, "accept", **changes)

    assert page.status_code == 403
    assert "<form" not in page.text
    assert "Your answer could not be checked" in page.text


def test_csrf_of_another_session_token_is_refused(client: TestClient, keys: Keys) -> None:
    first = _open(client, session_token(keys.current))
    second = _open(client, session_token(keys.current, jti="another-login"))
    page = _submit(client, first, "accept", csrf=second.fields["csrf"])

    assert page.status_code == 403


def test_two_tabs_share_the_browser_nonce(client: TestClient, keys: Keys) -> None:
    first = _open(client, session_token(keys.current))
    second = _open(client, session_token(keys.current, jti="second-tab"))

    assert _submit(client, second, "accept").status_code == 200
    assert _submit(client, first, "accept").status_code == 200


def test_csrf_cookie_attributes_over_https(client: TestClient, keys: Keys) -> None:
    page = client.get(
        "/terms", params={"session_token": session_token(keys.current), "state": STATE}
    )
    cookie = page.headers["set-cookie"]

    assert cookie.startswith(f"{CSRF_COOKIE_HTTPS}=")
    for attribute in ("HttpOnly", "Secure", "Path=/", "SameSite=strict"):
        assert attribute in cookie
    assert "Domain" not in cookie


def test_over_plain_http_the_cookie_drops_the_host_prefix(
    make_client: MakeClient, keys: Keys
) -> None:
    client = make_client(base_url="http://127.0.0.1:8400")
    form = _open(client, session_token(keys.current))

    assert CSRF_COOKIE in client.cookies
    assert _submit(client, form, "accept").status_code == 200


def test_expired_token_at_answer_time_is_refused(
    client: TestClient, keys: Keys, terms_dir: Path
) -> None:
    # The link expired while the user read the terms: the form's CSRF value is right (made
    # here as the page makes it), the token is not valid any more.
    form = _open(client, session_token(keys.current))
    now = int(time.time())
    expired = session_token(keys.current, iat=now - 700, exp=now - 60)
    settings = ConsentSettings(auth0_domain=DOMAIN, token_secret=keys.current, terms_dir=terms_dir)
    nonce = client.cookies[CSRF_COOKIE_HTTPS]
    page = _submit(
        client,
        form,
        "accept",
        session_token=expired,
        csrf=csrf_token(settings, nonce, expired, STATE),
    )

    assert page.status_code == 400
    assert "This page has expired" in page.text
    assert "<form" not in page.text


@pytest.mark.parametrize("decision", [None, "", "yes", "ACCEPT", "accept "])
def test_a_decision_other_than_accept_or_decline_is_refused(
    client: TestClient, keys: Keys, decision: str | None
) -> None:
    form = _open(client, session_token(keys.current))
    data = {**form.fields}
    if decision is not None:
        data["decision"] = decision
    page = client.post(form.action, data=data)

    assert page.status_code == 400
    assert "<form" not in page.text


def test_repeated_form_fields_are_refused(client: TestClient, keys: Keys) -> None:
    form = _open(client, session_token(keys.current))
    body = "&".join(f"{k}={v}" for k, v in {**form.fields, "decision": "decline"}.items())
    page = client.post(
        form.action,
        content=body + "&decision=accept",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert page.status_code == 400


def test_get_on_the_answer_path_is_not_allowed(client: TestClient) -> None:
    assert client.get("/terms/answer").status_code == 405


def test_a_valid_csrf_does_not_rescue_a_tampered_token(client: TestClient, keys: Keys) -> None:
    # The form's token swapped for one signed with another key: the CSRF value no longer
    # matches it, and even a fresh page for that token could not be opened.
    form = _open(client, session_token(keys.current))
    page = _submit(client, form, "accept", session_token=session_token(keys.other))

    assert page.status_code == 403
    assert TERMS_MARKER[VERSION] not in page.text


def test_answer_issuer_can_be_configured(make_client: MakeClient, keys: Keys) -> None:
    client = make_client(answer_issuer="terms.acme.example")
    form = _open(client, session_token(keys.current))
    token = _answer(_submit(client, form, "accept").text)[0].fields["session_token"]

    assert jwt.decode(token, keys.current, algorithms=["HS256"])["iss"] == "terms.acme.example"


@pytest.mark.parametrize("ttl", [90, 300, 900])
def test_answer_lives_at_least_a_minute_and_a_half(
    make_client: MakeClient, keys: Keys, ttl: int
) -> None:
    client = make_client(answer_ttl_seconds=ttl)
    form = _open(client, session_token(keys.current))
    claims = _answer(_submit(client, form, "accept").text)[1]

    assert claims["exp"] - claims["iat"] == ttl >= 60


# Custom domains: the token's issuer and /continue are the host the login used.
CUSTOM = "login.acme.example"


def test_a_custom_domain_login_resumes_there(make_client: MakeClient, keys: Keys) -> None:
    client = make_client(accepted_issuers=(CUSTOM,))
    form = _open(client, session_token(keys.current, iss=CUSTOM))

    assert _answer(_submit(client, form, "accept").text)[0].action == (
        f"https://{CUSTOM}/continue?state={STATE}"
    )


def test_continue_uri_from_the_action_wins_over_iss(make_client: MakeClient, keys: Keys) -> None:
    # Auth0 may put its canonical domain in `iss` while the login ran on the custom domain:
    # the Action says where /continue is (event.request.hostname).
    client = make_client(accepted_issuers=(CUSTOM,))
    token = session_token(keys.current, continue_uri=f"https://{CUSTOM}/continue")
    form = _open(client, token)

    assert _answer(_submit(client, form, "accept").text)[0].action == (
        f"https://{CUSTOM}/continue?state={STATE}"
    )


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"iss": CUSTOM}, id="issuer-not-accepted"),
        pytest.param({"continue_uri": "https://evil.example/continue"}, id="continue-elsewhere"),
        pytest.param({"continue_uri": f"http://{DOMAIN}/continue"}, id="continue-over-http"),
        pytest.param({"continue_uri": f"https://{DOMAIN}/other"}, id="continue-other-path"),
        pytest.param({"continue_uri": 7}, id="continue-not-a-string"),
    ],
)
def test_tokens_for_other_domains_are_refused(
    client: TestClient, keys: Keys, claims: dict[str, Any]
) -> None:
    token = session_token(keys.current, **claims)
    page = client.get("/terms", params={"session_token": token, "state": STATE})
    assert page.status_code == 400
    assert "This link can’t be used" in page.text
    assert "<form" not in page.text
