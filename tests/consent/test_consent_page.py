"""GET /terms: a valid session_token shows its version of the terms; anything else does not."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from support.consent import (
    DOMAIN,
    OLD_VERSION,
    STATE,
    TERMS_MARKER,
    USER_ID,
    VERSION,
    Keys,
    MakeClient,
    TestClient,
    hs256_with_header,
    session_claims,
    session_token,
)

ANY_MARKER = tuple(TERMS_MARKER.values())


def _get(client: TestClient, token: str | None, state: str | None = STATE) -> Any:
    params = {k: v for k, v in {"session_token": token, "state": state}.items() if v is not None}
    return client.get("/terms", params=params)


def test_valid_token_shows_the_terms_of_its_version(client: TestClient, keys: Keys) -> None:
    page = _get(client, session_token(keys.current))

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert TERMS_MARKER[VERSION] in page.text
    assert TERMS_MARKER[OLD_VERSION] not in page.text
    assert f"Version {VERSION}</span></h1>" in page.text
    assert 'method="post" action="/terms/answer"' in page.text
    assert 'name="decision" value="accept"' in page.text
    assert 'name="decision" value="decline"' in page.text


def test_each_version_shows_its_own_terms(client: TestClient, keys: Keys) -> None:
    page = _get(client, session_token(keys.current, terms_version=OLD_VERSION))

    assert page.status_code == 200
    assert TERMS_MARKER[OLD_VERSION] in page.text
    assert TERMS_MARKER[VERSION] not in page.text


def test_markdown_is_rendered_without_raw_html(client: TestClient, keys: Keys) -> None:
    page = _get(client, session_token(keys.current))

    # The file's `# Terms` becomes an <h2> under the page's own <h1>; its <b> stays text.
    assert f"<h2>Terms {VERSION}</h2>" in page.text
    assert "Be &lt;b&gt;nice&lt;/b&gt;." in page.text
    assert "<b>nice</b>" not in page.text


def test_markdown_links_with_scripts_are_dropped(
    make_client: MakeClient, keys: Keys, terms_dir: Path
) -> None:
    (terms_dir / f"{VERSION}.md").write_text(
        '[click](javascript:alert(1)) <script>alert(2)</script> <img src=x onerror="alert(3)">\n',
        encoding="utf-8",
    )
    page = _get(make_client(), session_token(keys.current))

    assert page.status_code == 200
    assert "href=" not in page.text  # the link stays text
    assert "<script>" not in page.text
    assert "<img" not in page.text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page.text


def test_the_shipped_example_terms_render(
    make_client: MakeClient, keys: Keys, shipped_terms: Path
) -> None:
    page = _get(make_client(terms_dir=shipped_terms), session_token(keys.current))

    assert page.status_code == 200
    assert "1. Who we are</h3>" in page.text


def test_previous_secret_is_accepted_during_a_rotation(make_client: MakeClient, keys: Keys) -> None:
    client = make_client(previous_token_secret=keys.previous)

    assert _get(client, session_token(keys.current)).status_code == 200
    assert _get(client, session_token(keys.previous)).status_code == 200


def test_previous_secret_is_refused_once_the_rotation_is_over(
    client: TestClient, keys: Keys
) -> None:
    page = _get(client, session_token(keys.previous))

    assert page.status_code == 400
    assert not any(marker in page.text for marker in ANY_MARKER)


@pytest.mark.parametrize(
    ("iat", "exp", "status"),
    [
        pytest.param(-600, -20, 200, id="exp-20s-ago-within-leeway"),
        pytest.param(-600, -60, 400, id="exp-1min-ago"),
    ],
)
def test_incoming_token_gets_a_small_clock_leeway(
    client: TestClient, keys: Keys, iat: int, exp: int, status: int
) -> None:
    """Auth0's clock may run a little ahead of the page's. (The `iat` cases, 20 s and two
    minutes ahead, are in tests/roundtrip/ for both pages.)"""
    now = int(time.time())
    page = _get(client, session_token(keys.current, iat=now + iat, exp=now + exp))

    assert page.status_code == status


def _expired(keys: Keys) -> str:
    now = int(time.time())
    return session_token(keys.current, iat=now - 700, exp=now - 100)


BAD_REQUESTS = [
    pytest.param(lambda k: (_expired(k), STATE), "expired", id="expired"),
    pytest.param(lambda k: (session_token(k.other), STATE), "invalid", id="wrong-secret"),
    pytest.param(
        lambda k: (jwt.encode(session_claims(), "", algorithm="none"), STATE),
        "invalid",
        id="alg-none",
    ),
    pytest.param(
        lambda k: (hs256_with_header({"alg": "none"}, session_claims(), k.current), STATE),
        "invalid",
        id="alg-none-with-a-valid-hmac",
    ),
    pytest.param(
        lambda k: (jwt.encode(session_claims(), k.current, algorithm="HS512"), STATE),
        "invalid",
        id="alg-hs512",
    ),
    pytest.param(
        lambda k: (hs256_with_header({"alg": "RS256"}, session_claims(), k.current), STATE),
        "invalid",
        id="alg-rs256-over-hmac",
    ),
    pytest.param(
        lambda k: (hs256_with_header({"alg": "hs256"}, session_claims(), k.current), STATE),
        "invalid",
        id="alg-lowercase",
    ),
    pytest.param(
        lambda k: (session_token(k.current, iss="evil.eu.auth0.com"), STATE),
        "invalid",
        id="wrong-issuer",
    ),
    pytest.param(
        lambda k: (session_token(k.current, iss=f"https://{DOMAIN}/"), STATE),
        "invalid",
        id="issuer-as-url",
    ),
    pytest.param(lambda k: (_without(k, "iss"), STATE), "invalid", id="no-issuer"),
    pytest.param(lambda k: (_without(k, "exp"), STATE), "invalid", id="no-expiry"),
    pytest.param(lambda k: (_without(k, "sub"), STATE), "invalid", id="no-sub"),
    pytest.param(lambda k: (session_token(k.current, sub=""), STATE), "invalid", id="empty-sub"),
    pytest.param(lambda k: (session_token(k.current, sub=42), STATE), "invalid", id="sub-number"),
    pytest.param(lambda k: (_without(k, "terms_version"), STATE), "invalid", id="no-version"),
    pytest.param(
        lambda k: (session_token(k.current, terms_version=20261101), STATE),
        "invalid",
        id="version-number",
    ),
    pytest.param(
        lambda k: (session_token(k.current, terms_version="../outside"), STATE),
        "invalid",
        id="version-path-traversal",
    ),
    pytest.param(
        lambda k: (session_token(k.current, terms_version="..%2Foutside"), STATE),
        "invalid",
        id="version-encoded-traversal",
    ),
    pytest.param(
        lambda k: (session_token(k.current, terms_version="/etc/passwd"), STATE),
        "invalid",
        id="version-absolute-path",
    ),
    pytest.param(
        lambda k: (session_token(k.current, terms_version=".hidden"), STATE),
        "invalid",
        id="version-dotfile",
    ),
    pytest.param(
        lambda k: (session_token(k.current, terms_version=f"{VERSION}\x00"), STATE),
        "invalid",
        id="version-nul",
    ),
    pytest.param(
        lambda k: (session_token(k.current, nbf=int(time.time()) + 3600), STATE),
        "invalid",
        id="not-yet-valid",
    ),
    pytest.param(lambda k: ("not-a-jwt", STATE), "invalid", id="garbage-token"),
    pytest.param(
        lambda k: (session_token(k.current, pad="x" * 5000), STATE), "invalid", id="huge-token"
    ),
    pytest.param(lambda k: (None, STATE), "invalid", id="no-session-token"),
    pytest.param(lambda k: (session_token(k.current), None), "invalid", id="no-state"),
    pytest.param(lambda k: (None, None), "invalid", id="no-parameters"),
    pytest.param(lambda k: (session_token(k.current), ""), "invalid", id="empty-state"),
    pytest.param(
        lambda k: (session_token(k.current), "has space"), "invalid", id="state-with-space"
    ),
    pytest.param(lambda k: (session_token(k.current), "s" * 2000), "invalid", id="huge-state"),
]


def _without(keys: Keys, claim: str) -> str:
    return session_token(keys.current, **{claim: None})


@pytest.mark.parametrize(("make", "kind"), BAD_REQUESTS)
def test_bad_requests_get_an_error_page_and_never_the_terms(
    client: TestClient, keys: Keys, make: Any, kind: str
) -> None:
    token, state = make(keys)
    page = _get(client, token, state)

    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert not any(marker in page.text for marker in ANY_MARKER)
    assert "OUTSIDE-THE-TERMS-FOLDER" not in page.text
    assert "<form" not in page.text
    assert "set-cookie" not in page.headers
    heading = "This page has expired" if kind == "expired" else "This link can’t be used"
    assert f"<h1>{heading}</h1>" in page.text
    assert "sign in again" in page.text
    # Nothing from the request comes back: not the token, not its claims, not the state.
    for echoed in (token, state, USER_ID, "evil", "outside", "2030-01-01"):
        if echoed:
            assert echoed not in page.text


def test_a_version_with_no_terms_file_is_an_operator_error(
    client: TestClient, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    """A valid token for terms nobody published here: 503 for the user, ERROR for the operator."""
    token = session_token(keys.current, terms_version="2030-01-01")
    with caplog.at_level("INFO", logger="consent"):
        page = _get(client, token)
    assert page.status_code == 503
    assert "<h1>The terms are temporarily unavailable</h1>" in page.text
    assert "try again in a few minutes" in page.text
    assert "<form" not in page.text and token not in page.text
    (record,) = [r for r in caplog.records if r.name == "consent"]
    assert record.levelname == "ERROR" and "2030-01-01" in record.getMessage()


def test_repeated_parameters_are_refused(client: TestClient, keys: Keys) -> None:
    token = session_token(keys.current)
    page = client.get(f"/terms?session_token={token}&state={STATE}&state=other")

    assert page.status_code == 400
    assert TERMS_MARKER[VERSION] not in page.text


def test_the_terms_path_is_configurable(make_client: MakeClient, keys: Keys) -> None:
    client = make_client(terms_path="/accept")
    page = client.get(
        "/accept", params={"session_token": session_token(keys.current), "state": STATE}
    )

    assert page.status_code == 200
    assert 'action="/accept/answer"' in page.text
    assert client.get("/terms").status_code == 404


def test_healthz(client: TestClient) -> None:
    answer = client.get("/healthz")

    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
