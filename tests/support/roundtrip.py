"""The kit behind tests/roundtrip/: either consent page behind one HTTP interface, and a login
through the real accept-terms Action in the local post-login runtime.

A page is an httpx client factory (`ConsentPage.browser()`: a fresh cookie jar, like a fresh
browser) over the same configuration: the Python page (deployer/consent) through Starlette's
TestClient, or the Next.js page (examples/nextjs) over real HTTP to a `next start`. The tests
speak only HTTP to it: GET /terms?session_token&state, POST the form, read the forms back.
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import jwt
from support.consent import REPO, USER_ID, Form, TestClient, _FormParser, fake_secret, only_form

from deployer.config import load_config
from deployer.consent import ConsentSettings, create_app
from deployer.emulator.login.runtime import RuntimeResult, run_post_login
from deployer.header import Header
from deployer.params import ActionParams
from deployer.render import render_action

# The tenant whose Action is rendered (repository tenants.yaml), and the host names the runtime
# and the pages use: the tenant's domain (the tokens' `iss`) and a custom domain of it.
TENANT = "local"
DOMAIN = "acme-rt.eu.auth0.com"
CUSTOM_DOMAIN = "login.acme-rt.example"


@dataclass(frozen=True)
class Secrets:
    """During the table, the page is mid-rotation: it signs with `new` and still accepts
    `old` (step 3 of the contract's rotation order)."""

    new: str = field(default_factory=lambda: fake_secret("token-new"))
    old: str = field(default_factory=lambda: fake_secret("token-old"))
    record: str = field(default_factory=lambda: fake_secret("record"))


@dataclass
class ConsentPage:
    """One running consent page, spoken to over HTTP only."""

    name: str
    base_url: str
    browser: Callable[[], httpx.Client]

    @property
    def host(self) -> str:
        """The host the page is reached at: the `iss` of its answers (contract, section 4)."""
        return urlsplit(self.base_url).netloc


def write_terms(directory: Path, version: str) -> Path:
    """A terms folder with exactly one version in it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{version}.md").write_text(
        f"# Terms {version}\n\nROUND-TRIP-TERMS-{version}\n\nBe nice.\n", encoding="utf-8"
    )
    return directory


@contextmanager
def python_page(keys: Secrets, terms_dir: Path) -> Iterator[ConsentPage]:
    """deployer/consent through Starlette's TestClient (an httpx client over the ASGI app)."""
    settings = ConsentSettings(
        auth0_domain=DOMAIN,
        accepted_issuers=(CUSTOM_DOMAIN,),
        token_secret=keys.new,
        previous_token_secret=keys.old,
        terms_dir=terms_dir,
    )
    app = create_app(settings)
    base_url = "http://consent.acme-rt.example"
    clients: list[TestClient] = []

    def browser() -> httpx.Client:
        client = TestClient(app, base_url=base_url)
        clients.append(client)
        return client

    yield ConsentPage("python", base_url, browser)
    for client in clients:
        client.close()


def npm_missing() -> str | None:
    """Why the Next.js page cannot run here, or None."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        return f"the Next.js consent page needs Node.js 20.9+ and npm; missing: {missing}"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def nextjs_page(keys: Secrets, terms_dir: Path, log: Path) -> Iterator[ConsentPage]:
    """examples/nextjs built (cached) and started with `next start` on a free port."""
    from deployer.demo.nextjs import NextProcess, build, find_app

    app = find_app()
    build(app, lambda line: None)
    port = _free_port()
    env = {
        "NODE_ENV": "production",
        "TERMS_TOKEN_SECRET": keys.new,
        "TERMS_TOKEN_SECRET_PREVIOUS": keys.old,
        "CONSENT_ISSUERS": f"{DOMAIN},{CUSTOM_DOMAIN}",
        "TERMS_DIR": str(terms_dir),
        # The SDK's settings: the app refuses to start without them; the page does not use them.
        "AUTH0_DOMAIN": DOMAIN,
        "AUTH0_CLIENT_ID": "round-trip-client",
        "AUTH0_CLIENT_SECRET": fake_secret("client"),
        "AUTH0_SECRET": secrets.token_hex(32),
        "APP_BASE_URL": f"http://127.0.0.1:{port}",
    }
    process = NextProcess.start(app, env=env, host="127.0.0.1", port=port, log=log)
    clients: list[httpx.Client] = []

    def browser() -> httpx.Client:
        client = httpx.Client(base_url=process.url, timeout=15)
        clients.append(client)
        return client

    try:
        yield ConsentPage("nextjs", process.url, browser)
    finally:
        for client in clients:
            client.close()
        process.stop()


# -- the Action and the login -------------------------------------------------------------------


def local_action() -> tuple[str, ActionParams]:
    """The accept-terms Action as the repository's tenants.yaml renders it for `local`."""
    config = load_config(REPO / "tenants.yaml")
    params = config.tenants[TENANT].action
    return render_action(config.manifest, params, Header(TENANT, config.manifest.name)), params


class Login:
    """One user's login through the Action (phase execute, then continue) on DOMAIN."""

    def __init__(self, code: str, configured: Mapping[str, str], hostname: str = DOMAIN) -> None:
        self.code = code
        self.configured = dict(configured)
        self.hostname = hostname  # the host the browser logs in at (a custom domain, perhaps)
        self.user: dict[str, Any] = {
            "user_id": USER_ID,
            "email": "ada@example.org",
            "user_metadata": {},
            "app_metadata": {},
        }
        self.state = f"state-{uuid.uuid4().hex}"

    def _event(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "client": {"client_id": "app-web", "name": "Web"},
            "request": {"ip": "203.0.113.7", "hostname": self.hostname},
            "transaction": {"protocol": "oidc-basic-profile", "prompt": []},
        }

    def execute(self) -> RuntimeResult:
        result = run_post_login(
            self.code,
            phase="execute",
            event=self._event(),
            secrets=self.configured,
            tenant_domain=DOMAIN,
            state=self.state,
        )
        # Auth0 applies pending metadata updates before the redirect.
        self.user = {**self.user, "user_metadata": dict(result.user_metadata)}
        return result

    def resume(self, form: Mapping[str, str]) -> RuntimeResult:
        """What Auth0 runs when the browser posts `form` to /continue?state=…"""
        return run_post_login(
            self.code,
            phase="continue",
            event=self._event(),
            secrets=self.configured,
            tenant_domain=DOMAIN,
            state=self.state,
            continue_request={"body": dict(form), "query": {"state": form.get("state", "")}},
        )


def terms_link(result: RuntimeResult) -> tuple[str, str]:
    """The session_token and state of the Action's redirect (Auth0 appends the state)."""
    assert result.ok and result.redirect is not None, result
    return result.redirect.query["session_token"], result.redirect.query["state"]


# -- tokens -------------------------------------------------------------------------------------


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's claims, unverified (for assertions only)."""
    body = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return claims


def resigned(token: str, secret: str, **changes: Any) -> str:
    """The Action's session_token with some claims changed, signed again with the same secret:
    what the Action would have made under other circumstances (a later clock, another tenant).
    A change to None drops the claim."""
    claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}  # None: drop
    return jwt.encode(claims, secret, algorithm="HS256", headers={"typ": "JWT"})


def tampered(token: str, **changes: Any) -> str:
    """The token with changed claims and the old signature (a forgery without the key)."""
    head, _, sig = token.split(".")
    payload = {**claims_of(token), **changes}
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{head}.{body}.{sig}"


# -- the browser's part -------------------------------------------------------------------------


def forms(html: str) -> list[Form]:
    """Every form on a page (none on an error page)."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def open_terms(browser: httpx.Client, session_token: str, state: str) -> httpx.Response:
    return browser.get("/terms", params={"session_token": session_token, "state": state})


def press(
    browser: httpx.Client,
    page: httpx.Response,
    decision: str,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Press the button `decision` of the terms form: what a browser without JavaScript sends.
    (A `decision` that is no button's value is what a hand-made post would send.)"""
    form = only_form(page.text)
    assert form.method.lower() == "post"
    if decision in ("accept", "decline"):
        assert ("decision", decision) in form.buttons
    return browser.post(
        form.action,
        content=urlencode({**form.fields, "decision": decision}),
        headers={"content-type": "application/x-www-form-urlencoded", **(headers or {})},
    )
