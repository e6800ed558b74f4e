"""ONE table of round-trip cases, run against both consent pages through the same HTTP interface.

docs/consent-contract.md is the contract; the Python page (deployer/consent) and the Next.js
page (examples/nextjs) each implement it. Every case: the real accept-terms Action (the
repository's tenants.yaml, tenant `local`) runs phase "execute" in the local post-login runtime
and redirects; the browser's part is plain HTTP with no JavaScript (GET /terms?session_token&state,
press a button of the HTML form, read the auto-submit form back); what the browser would post to
/continue is fed to the Action's phase "continue"; the outcome must be the expected one.

The page is mid-rotation throughout (it signs with the new secret, still accepts the old one),
so one configuration serves every case of the table; the other side of a rotation (the Action
rotated, the page not yet) has its own test at the end. The Python page is spoken to through
Starlette's TestClient (an httpx client over the ASGI app), the Next.js page over a socket to
`next start`; both through the same httpx calls.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import pytest
from support.consent import REPO, USER_ID, only_form
from support.roundtrip import (
    CUSTOM_DOMAIN,
    DOMAIN,
    ConsentPage,
    Login,
    Secrets,
    claims_of,
    forms,
    open_terms,
    press,
    resigned,
    tampered,
    terms_link,
)

from deployer.params import ActionParams

from .conftest import PAGES

EXPIRED = "This page has expired"
INVALID = "This link can’t be used"
FORGED = "Your answer could not be checked"
TERMS_MISSING = "The terms are temporarily unavailable"


@dataclass(frozen=True)
class Passed:
    """The login goes on with the claims, and the acceptance record is stored."""


@dataclass(frozen=True)
class Denied:
    reason: str


@dataclass(frozen=True)
class PageRefuses:
    """The page answers with an error page (no form, nothing of the token) at `step`."""

    status: int
    title: str
    step: str = "open"  # "open": GET /terms; "answer": POST the form


Outcome = Passed | Denied | PageRefuses


@dataclass(frozen=True)
class Case:
    id: str
    expect: Outcome
    decision: str = "accept"
    # Claims changed in the Action's session_token (re-signed with the same secret), as the
    # Action would have made it under other circumstances; called at run time (clock).
    session: Callable[[], dict[str, Any]] | None = None
    # The Action signed the session_token with the old secret, before the rotation.
    signed_with_old: bool = False
    hostname: str = DOMAIN  # the host the browser logs in at
    forget_cookie: bool = False  # the CSRF cookie is gone when the form is posted
    post_headers: dict[str, str] = field(default_factory=dict)  # sent with the form
    tamper_answer: dict[str, Any] = field(default_factory=dict)
    # The answer is posted to /continue of another login of the same user (replay).
    into_another_login: bool = False


def _now() -> int:
    return int(time.time())


CASES = [
    Case("accept", Passed()),
    Case("decline", Denied("terms_declined"), decision="decline"),
    Case(
        "tampered-answer",
        Denied("terms_not_accepted"),
        decision="decline",
        tamper_answer={"accepted": True},
    ),
    Case(
        "answer-replayed-into-another-login",
        Denied("terms_not_accepted"),
        into_another_login=True,
    ),
    Case("rotation-token-signed-with-previous-secret", Passed(), signed_with_old=True),
    Case("custom-domain-answer-goes-back-there", Passed(), hostname=CUSTOM_DOMAIN),
    # A token without continue_uri (an Action from before it had one): the answer goes to iss.
    Case("no-continue-uri-answer-goes-to-iss", Passed(), session=lambda: {"continue_uri": None}),
    Case(
        "expired-session-token",
        PageRefuses(400, EXPIRED),
        session=lambda: {"exp": _now() - 120},
    ),
    Case("wrong-issuer", PageRefuses(400, INVALID), session=lambda: {"iss": "evil.example"}),
    Case(
        "issued-two-minutes-ahead",
        PageRefuses(400, INVALID),
        session=lambda: {"iat": _now() + 120, "exp": _now() + 720},
    ),
    Case(
        "issued-20s-ahead-within-leeway",
        Passed(),
        session=lambda: {"iat": _now() + 20, "exp": _now() + 620},
    ),
    Case(
        "continue-uri-on-a-foreign-host",
        PageRefuses(400, INVALID),
        session=lambda: {"continue_uri": "https://evil.example/continue"},
    ),
    Case(
        "version-without-terms-file",  # the operator's mistake: come back later
        PageRefuses(503, TERMS_MISSING),
        session=lambda: {"terms_version": "2099-01-01"},
    ),
    Case("csrf-cookie-missing", PageRefuses(403, FORGED, step="answer"), forget_cookie=True),
    Case(
        "cross-site-post",
        PageRefuses(403, FORGED, step="answer"),
        post_headers={"sec-fetch-site": "cross-site"},
    ),
    Case("decision-neither-accept-nor-decline", PageRefuses(400, INVALID, step="answer"), "maybe"),
]


def _text(response: httpx.Response) -> str:
    """The page's text without React's separators, entities decoded."""
    return html.unescape(response.text.replace("<!-- -->", ""))


def _assert_refused(response: httpx.Response, expect: PageRefuses, token: str, state: str) -> None:
    assert response.status_code == expect.status, _text(response)[:400]
    assert response.headers["content-type"].startswith("text/html")
    assert expect.title in _text(response)
    assert forms(response.text) == []
    # Nothing of the request comes back: not the token, its signature, its user, the state.
    for echoed in (token, token.split(".")[2], USER_ID, state):
        assert echoed not in response.text


def _assert_passed(result: Any, params: ActionParams) -> None:
    assert result.passed, result
    namespace = params.claims.namespace
    assert result.id_token_claims[f"{namespace}terms_version"] == params.terms.version
    assert f"{namespace}terms_accepted_at" in result.id_token_claims
    record = result.user_metadata[params.metadata_key]
    assert record["version"] == params.terms.version and record["sig"]


def _assert_denied(result: Any, params: ActionParams, reason: str) -> None:
    assert result.ok and result.denied is not None, result
    assert result.denied.reason == reason
    assert result.id_token_claims == {}
    assert params.metadata_key not in result.user_metadata


@pytest.mark.parametrize("page", PAGES, indirect=True)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_round_trip(
    page: ConsentPage,
    case: Case,
    action: tuple[str, ActionParams],
    roundtrip_keys: Secrets,
) -> None:
    code, params = action
    keys = roundtrip_keys
    signing = keys.old if case.signed_with_old else keys.new
    login = Login(
        code, {"TERMS_TOKEN_SECRET": signing, "TERMS_RECORD_KEY": keys.record}, case.hostname
    )
    token, state = terms_link(login.execute())
    if case.session is not None:
        token = resigned(token, signing, **case.session())
    if case.signed_with_old:
        # The Action was rotated while the user read: current = new, previous = old.
        login.configured["TERMS_TOKEN_SECRET"] = keys.new
        login.configured["TERMS_TOKEN_SECRET_PREVIOUS"] = keys.old

    browser = page.browser()
    shown = open_terms(browser, token, state)
    if isinstance(case.expect, PageRefuses) and case.expect.step == "open":
        _assert_refused(shown, case.expect, token, state)
        return
    assert shown.status_code == 200, _text(shown)[:400]
    assert f"ROUND-TRIP-TERMS-{params.terms.version}" in _text(shown)

    if case.forget_cookie:
        browser.cookies.clear()
    answered = press(browser, shown, case.decision, case.post_headers)
    if isinstance(case.expect, PageRefuses):
        _assert_refused(answered, case.expect, token, state)
        return
    assert answered.status_code == 200, _text(answered)[:400]
    resume = only_form(answered.text)
    assert resume.method.lower() == "post"
    assert resume.action == f"https://{case.hostname}/continue?{urlencode({'state': state})}"
    assert resume.fields.keys() == {"state", "session_token"}
    assert resume.fields["state"] == state

    posted = dict(resume.fields)
    if case.tamper_answer:
        posted["session_token"] = tampered(posted["session_token"], **case.tamper_answer)
    if case.into_another_login:
        login = Login(code, login.configured, case.hostname)
        login.execute()
        # Auth0 routes /continue by the posted state: the replay names the other login's.
        posted["state"] = login.state
    result = login.resume(posted)
    if isinstance(case.expect, Passed):
        _assert_passed(result, params)
    else:
        assert isinstance(case.expect, Denied)
        _assert_denied(result, params, case.expect.reason)


def _contract_claims(heading: str) -> set[str]:
    """The claim names in the table under `heading` in docs/consent-contract.md."""
    text = (REPO / "docs" / "consent-contract.md").read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    table = section.split("\n| claim |", 1)[1].split("\n\n", 1)[0]
    return {line.split("`")[1] for line in table.splitlines() if line.startswith("| `")}


def _at_the_terms(
    page: ConsentPage, action: tuple[str, ActionParams], keys: Secrets
) -> tuple[str, str, httpx.Client, httpx.Response]:
    """A login redirected by the Action, and a fresh browser showing the terms page."""
    login = Login(action[0], {"TERMS_TOKEN_SECRET": keys.new, "TERMS_RECORD_KEY": keys.record})
    token, state = terms_link(login.execute())
    browser = page.browser()
    shown = open_terms(browser, token, state)
    assert shown.status_code == 200, _text(shown)[:400]
    return token, state, browser, shown


@pytest.mark.parametrize("page", PAGES, indirect=True)
def test_the_answer_is_the_contracts(
    page: ConsentPage, action: tuple[str, ActionParams], roundtrip_keys: Secrets
) -> None:
    """Both tokens carry exactly the claims the contract's tables list; the answer is HS256
    (typ JWT) with the current secret, its `iss` is the page's own host, a fresh `jti`."""
    _, params = action
    token, state, browser, shown = _at_the_terms(page, action, roundtrip_keys)
    answers = [only_form(press(browser, shown, "accept").text) for _ in range(2)]
    answer = answers[0].fields["session_token"]

    assert jwt.get_unverified_header(answer) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(answer, roundtrip_keys.new, algorithms=["HS256"])
    assert set(claims_of(token)) == _contract_claims("### The session token")
    assert set(claims) == _contract_claims("### The answer token")
    assert claims["iss"] == page.host
    assert claims["state"] == state and claims["terms_version"] == params.terms.version
    assert claims["accepted"] is True and 60 <= claims["exp"] - claims["iat"] <= 900
    assert re.fullmatch(r"[0-9a-f]{32}", claims["jti"])
    assert answers[1].fields["session_token"] != answer
    assert claims_of(answers[1].fields["session_token"])["jti"] != claims["jti"]


@pytest.mark.parametrize("page", PAGES, indirect=True)
def test_no_javascript_is_needed(
    page: ConsentPage, action: tuple[str, ActionParams], roundtrip_keys: Secrets
) -> None:
    """Both forms are plain HTML: the terms form posts to the page with submit buttons for both
    answers; the continue form has a Continue button for a browser that runs no script."""
    _, _, browser, shown = _at_the_terms(page, action, roundtrip_keys)
    terms = only_form(shown.text)
    assert terms.method.lower() == "post" and terms.action.startswith("/")
    assert {("decision", "accept"), ("decision", "decline")} <= set(terms.buttons)
    assert not re.search(r"<button[^>]*type=\"(button|reset)\"", shown.text)
    answered = press(browser, shown, "decline")
    resume = only_form(answered.text)
    assert resume.method.lower() == "post" and resume.buttons
    assert re.search(r"<form[^>]*>.*<button[^>]*type=\"submit\"", answered.text, re.DOTALL)


@pytest.mark.parametrize("page_not_yet_rotated", PAGES, indirect=True)
def test_rotation_action_rotated_page_not_yet(
    page_not_yet_rotated: ConsentPage, action: tuple[str, ActionParams], roundtrip_keys: Secrets
) -> None:
    """Between steps 2 and 3 of the rotation order: the Action signs with the new secret (and
    still accepts the old), the page signs with the old one (and already accepts the new)."""
    code, params = action
    keys = roundtrip_keys
    login = Login(
        code,
        {
            "TERMS_TOKEN_SECRET": keys.new,
            "TERMS_TOKEN_SECRET_PREVIOUS": keys.old,
            "TERMS_RECORD_KEY": keys.record,
        },
    )
    token, state = terms_link(login.execute())
    browser = page_not_yet_rotated.browser()
    shown = open_terms(browser, token, state)
    answer = only_form(press(browser, shown, "accept").text).fields
    jwt.decode(answer["session_token"], keys.old, algorithms=["HS256"])  # the page's current
    _assert_passed(login.resume(answer), params)
