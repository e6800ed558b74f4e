"""The Next.js consent page (examples/nextjs, /terms and /terms/answer) against the contract,
over HTTP, without a browser or a tenant: tokens made here as the Action would make them.

The round trip itself (accept, decline, tampering, rotation, expired, wrong issuer, unknown
version, missing CSRF cookie, the answer's claims) is tests/roundtrip/'s table, shared with the
Python page; these are the Next.js page's own checks.

The app is built once (cached in examples/nextjs) and started with `next start` for this
module. Skipped only when Node or npm is missing.
"""

from __future__ import annotations

import html
import re
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import jwt
import pytest

from deployer.demo.nextjs import NextApp, NextProcess, build, find_app

if shutil.which("npm") is None or shutil.which("node") is None:
    pytest.skip("the Next.js app needs Node.js 20.9+ and npm on PATH", allow_module_level=True)

SECRET = secrets.token_urlsafe(40)
PREVIOUS = secrets.token_urlsafe(40)
TENANT = "acme.eu.auth0.com"
CUSTOM = "login.acme.example"
VERSION = "2026-11-01"
SUB = "auth0|5f1c0ffee"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def app() -> NextApp:
    found = find_app()
    build(found, lambda line: None)
    return found


@pytest.fixture(scope="module")
def server(app: NextApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NextProcess]:
    root = tmp_path_factory.mktemp("nextjs-consent")
    terms = root / "terms"
    terms.mkdir()
    (terms / f"{VERSION}.md").write_text("# Terms\n\nBe nice. <script>alert(1)</script>\n")
    port = _free_port()
    env = {
        "NODE_ENV": "production",
        "TERMS_TOKEN_SECRET": SECRET,
        "TERMS_TOKEN_SECRET_PREVIOUS": PREVIOUS,
        "CONSENT_ISSUERS": f"{TENANT},{CUSTOM}",
        "TERMS_DIR": str(terms),
        "AUTH0_DOMAIN": TENANT,
        "AUTH0_CLIENT_ID": "client",
        "AUTH0_CLIENT_SECRET": "client-secret",
        "AUTH0_SECRET": secrets.token_hex(32),
        "APP_BASE_URL": f"http://localhost:{port}",
    }
    process = NextProcess.start(app, env=env, host="127.0.0.1", port=port, log=root / "next.log")
    yield process
    process.stop()


@pytest.fixture
def http(server: NextProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def session_token(
    secret: str = SECRET, *, alg: str = "HS256", drop: tuple[str, ...] = (), **claims: Any
) -> str:
    """As the Action's api.redirect.encodeToken makes it (Auth0 adds sub, iss, iat, exp)."""
    now = int(time.time())
    body = {"sub": SUB, "iss": TENANT, "iat": now, "exp": now + 600, "terms_version": VERSION}
    body.update(claims)
    for name in drop:
        body.pop(name)
    return jwt.encode(body, secret, algorithm=alg)


def show(http: httpx.Client, token: str, state: str = "st-1") -> httpx.Response:
    return http.get("/terms", params={"session_token": token, "state": state})


def text(answer: httpx.Response) -> str:
    """The page's HTML without React's text separators, entities decoded."""
    return html.unescape(answer.text.replace("<!-- -->", ""))


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field"
    return html.unescape(found.group(1))


def answer(http: httpx.Client, shown: httpx.Response, decision: str, **override: str) -> Any:
    form = {
        "session_token": hidden(shown.text, "session_token"),
        "state": hidden(shown.text, "state"),
        "csrf": hidden(shown.text, "csrf"),
        "decision": decision,
        **override,
    }
    return http.post(
        "/terms/answer",
        content=urlencode(form),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


def posted(page: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The continue form: its action, the answer token's header and claims."""
    found = re.search(r'<form id="continue" method="post" action="([^"]+)"', page)
    assert found, "no continue form"
    action = html.unescape(found.group(1))
    token = hidden(page, "session_token")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_aud": False})
    return action, jwt.get_unverified_header(token), claims


def test_accepting_posts_the_signed_answer_to_continue(http: httpx.Client) -> None:
    shown = show(http, session_token())
    assert shown.status_code == 200
    assert f"Version {VERSION}" in text(shown)
    assert "&lt;script&gt;" in shown.text and "<script>alert" not in shown.text  # raw HTML off
    assert shown.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in shown.headers["content-security-policy"]
    cookie = shown.headers["set-cookie"]
    assert "consent-csrf=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie

    done = answer(http, shown, "accept")
    assert done.status_code == 200
    action, header, claims = posted(done.text)
    assert action == f"https://{TENANT}/continue?state=st-1"
    assert hidden(done.text, "state") == "st-1"
    assert header["alg"] == "HS256"
    # The answer's iss is the page's own host (contract, "The answer token").
    assert claims["sub"] == SUB and claims["iss"] == urlsplit(str(http.base_url)).netloc
    assert claims["state"] == "st-1"
    assert claims["terms_version"] == VERSION and claims["accepted"] is True
    assert claims["exp"] - claims["iat"] == 300 and abs(claims["iat"] - time.time()) < 30
    assert re.fullmatch(r"[0-9a-f]{32}", claims["jti"])
    assert "script-src 'nonce-" in done.headers["content-security-policy"]


def test_declining_and_a_custom_domain_and_the_previous_secret(http: httpx.Client) -> None:
    shown = show(http, session_token(PREVIOUS, iss=CUSTOM), state="st-2")
    assert shown.status_code == 200 and f"Version {VERSION}" in text(shown)
    done = answer(http, shown, "decline")
    action, _, claims = posted(done.text)  # signed with the current secret only
    assert "You declined the terms" in done.text
    assert action == f"https://{CUSTOM}/continue?state=st-2"
    assert claims["accepted"] is False


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the HS512 case
@pytest.mark.parametrize(
    ("make", "title"),
    [
        (lambda: session_token(iss=f"https://{TENANT}/"), "This link can’t be used"),
        (lambda: session_token(secrets.token_urlsafe(40)), "This link can’t be used"),
        (lambda: session_token(alg="HS512"), "This link can’t be used"),
        (lambda: session_token(drop=("sub",)), "This link can’t be used"),
        (lambda: session_token(drop=("exp",)), "This link can’t be used"),
        (lambda: session_token(terms_version="../../etc/passwd"), "This link can’t be used"),
        (lambda: "not-a-jwt", "This link can’t be used"),
    ],
)
def test_a_bad_session_token_is_refused(http: httpx.Client, make: Any, title: str) -> None:
    shown = show(http, make())
    assert shown.status_code == 400
    assert title in text(shown)
    assert 'name="csrf"' not in shown.text


def test_a_little_clock_skew_is_tolerated(http: httpx.Client) -> None:
    shown = show(http, session_token(exp=int(time.time()) - 5))
    assert f"Version {VERSION}" in text(shown)


def test_an_ambiguous_query_is_refused(http: httpx.Client) -> None:
    token = session_token()
    query = urlencode([("session_token", token), ("session_token", token), ("state", "s")])
    assert "This link can’t be used" in text(http.get(f"/terms?{query}"))


def test_an_answer_without_the_pages_cookie_or_csrf_is_refused(
    server: NextProcess, http: httpx.Client
) -> None:
    shown = show(http, session_token())
    assert answer(http, shown, "accept", csrf="0" * 64).status_code == 403
    assert answer(http, shown, "accept", state="another-state").status_code == 403
    cross = http.post(
        "/terms/answer",
        content=urlencode({"session_token": "x", "state": "y", "csrf": "z", "decision": "accept"}),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "sec-fetch-site": "cross-site",
        },
    )
    assert cross.status_code == 403  # refused before its (garbage) fields are looked at


def test_no_secret_or_token_reaches_the_log(server: NextProcess, http: httpx.Client) -> None:
    token = session_token()
    answer(http, show(http, token), "accept")
    show(http, session_token(secrets.token_urlsafe(40)))
    log = Path(server.log).read_text()
    assert "answer minted" in log
    for value in (SECRET, PREVIOUS, token, token.split(".")[2]):
        assert value not in log
