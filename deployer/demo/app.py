"""The demo's sample application: a relying party that signs users in through the tenant.

`create_sample_app(settings)` builds a small Starlette app:

    GET /          signed out: a "Sign in" link; signed in: the ID token's claims, the terms
                   claims highlighted
    GET /login     starts an authorization code login (state, nonce, PKCE S256) at /authorize;
                   `?prompt=login` asks for the password again even with a tenant session
    GET /callback  an error (access_denied, ...) is shown as such; a code is exchanged at
                   /oauth/token and the ID token VERIFIED (RS256, the key from the tenant's
                   JWKS, issuer, audience, expiry, nonce) before anything is shown
    GET /logout    forgets the application's session (the tenant's session stays)

Sessions and logins in progress live in memory: it is a demo, one process, a few users.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jinja2
import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

LOGIN_COOKIE = "sample-login"
SESSION_COOKIE = "sample-session"
LOGIN_SECONDS = 600
MAX_ENTRIES = 256  # logins in progress and sessions kept; the oldest go first
TIME_CLAIMS = ("iat", "exp", "auth_time", "updated_at")
SCOPE = "openid profile email"

# The pages, one environment for all; autoescape because claims come from the network.
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True)
class SampleAppSettings:
    """Where the tenant is and who the application is there."""

    tenant_url: str  # scheme://host:port of the tenant (the ID tokens' issuer is this plus "/")
    client_id: str
    client_secret: str = field(repr=False)
    callback: str  # registered with the tenant; this app serves its path
    claims_namespace: str  # the Action's custom claims prefix, e.g. https://example.com/
    name: str = "Acme sample app"

    @property
    def issuer(self) -> str:
        return self.tenant_url.rstrip("/") + "/"

    @property
    def terms_claims(self) -> tuple[str, str]:
        ns = self.claims_namespace
        return f"{ns}terms_version", f"{ns}terms_accepted_at"


@dataclass(frozen=True)
class _Pending:
    nonce: str
    verifier: str
    started: float


class _Bounded(OrderedDict[str, Any]):
    """A dict that forgets its oldest entries beyond MAX_ENTRIES."""

    def put(self, key: str, value: Any) -> None:
        self[key] = value
        while len(self) > MAX_ENTRIES:
            self.popitem(last=False)


class SignInFailed(Exception):
    """Why a callback did not sign anyone in; `title` and `detail` are shown to the user."""

    def __init__(self, title: str, detail: str, status: int = 400) -> None:
        super().__init__(title)
        self.title, self.detail, self.status = title, detail, status


# Friendly words for the Action's deny reasons (the error_description of access_denied).
_REASONS = {
    "terms_declined": "You declined the terms of service, so you were not signed in. "
    "You can sign in again and accept them whenever you like.",
    "terms_not_accepted": "The answer from the terms page could not be verified, so you were "
    "not signed in. Please sign in again.",
}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SampleApp:
    def __init__(self, settings: SampleAppSettings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._http = http
        self._pending: _Bounded = _Bounded()
        self._sessions: _Bounded = _Bounded()
        self._jwks: jwt.PyJWKSet | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(10.0))
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    # -- pages --------------------------------------------------------------------------

    def _page(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        html = _TEMPLATES.get_template(template).render(
            app_name=self.settings.name, style_nonce=nonce, **values
        )
        response = HTMLResponse(html, status_code=status)
        response.headers.update(
            {
                "Content-Security-Policy": (
                    f"default-src 'none'; style-src 'nonce-{nonce}'; base-uri 'none'; "
                    "form-action 'none'; frame-ancestors 'none'"
                ),
                # The callback's URL holds the code: never send it on in a Referer.
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            }
        )
        return response

    async def home(self, request: Request) -> Response:
        claims = self._sessions.get(request.cookies.get(SESSION_COOKIE, ""))
        if claims is None:
            return self._page("home.html")
        version_claim, accepted_claim = self.settings.terms_claims
        rows = [
            {
                "name": name,
                "value": value if isinstance(value, str) else json.dumps(value),
                "when": _when(value) if name in TIME_CLAIMS else None,
                "terms": name in (version_claim, accepted_claim),
            }
            for name, value in sorted(claims.items(), key=lambda kv: _claim_order(kv[0]))
        ]
        return self._page(
            "signed_in.html",
            who=claims.get("email") or claims.get("name") or claims["sub"],
            terms_version=claims.get(version_claim),
            terms_accepted_at=claims.get(accepted_claim),
            version_claim=version_claim,
            rows=rows,
        )

    async def login(self, request: Request) -> Response:
        state, nonce, verifier = (secrets.token_urlsafe(24) for _ in range(3))
        self._pending.put(state, _Pending(nonce, verifier, time.time()))
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.callback,
            "scope": SCOPE,
            "state": state,
            "nonce": nonce,
            "code_challenge": _b64url(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
        }
        if request.query_params.get("prompt") == "login":
            query["prompt"] = "login"
        response = RedirectResponse(
            f"{self.settings.tenant_url.rstrip('/')}/authorize?{urlencode(query)}", 303
        )
        # Binds the login to this browser: a callback with another browser's state is refused.
        response.set_cookie(
            LOGIN_COOKIE, state, max_age=LOGIN_SECONDS, httponly=True, samesite="lax"
        )
        return response

    async def callback(self, request: Request) -> Response:
        query = request.query_params
        state = query.get("state", "")
        pending = self._pending.pop(state, None) if state else None
        try:
            if "error" in query:
                error = query["error"]
                description = query.get("error_description", "")
                return self._error_page(
                    SignInFailed(
                        "You are not signed in",
                        _REASONS.get(description, "The sign-in did not complete."),
                        status=200,
                    ),
                    error=error,
                    description=description,
                )
            if (
                pending is None
                or request.cookies.get(LOGIN_COOKIE) != state
                or time.time() - pending.started > LOGIN_SECONDS
            ):
                raise SignInFailed(
                    "This sign-in was not started here",
                    "The answer does not match a sign-in this browser started (or it took too "
                    "long). Please sign in again.",
                )
            if "code" not in query:
                raise SignInFailed("The sign-in answer has no code", "Please sign in again.")
            claims = await self._redeem(query["code"], pending)
        except SignInFailed as failed:
            return self._error_page(failed)
        session = secrets.token_urlsafe(24)
        self._sessions.put(session, claims)
        response = RedirectResponse("/", 303)
        response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax")
        response.delete_cookie(LOGIN_COOKIE)
        return response

    async def logout(self, request: Request) -> Response:
        self._sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
        response = RedirectResponse("/", 303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    def _error_page(
        self, failed: SignInFailed, error: str | None = None, description: str | None = None
    ) -> Response:
        response = self._page(
            "error.html",
            status=failed.status,
            title=failed.title,
            detail=failed.detail,
            error=error,
            description=description,
        )
        response.delete_cookie(LOGIN_COOKIE)
        return response

    # -- tokens ---------------------------------------------------------------------------

    async def _redeem(self, code: str, pending: _Pending) -> dict[str, Any]:
        base = self.settings.tenant_url.rstrip("/")
        try:
            answer = await self.http.post(
                f"{base}/oauth/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": self.settings.callback,
                    "client_id": self.settings.client_id,
                    "client_secret": self.settings.client_secret,
                    "code_verifier": pending.verifier,
                },
            )
        except httpx.HTTPError as exc:
            raise SignInFailed("The tenant could not be reached", str(exc), 502) from None
        body = _json(answer)
        if answer.status_code != 200 or "id_token" not in body:
            reason = body.get("error_description") or body.get("error") or answer.reason_phrase
            raise SignInFailed("The code could not be exchanged", str(reason), 502)
        claims = await self._verify(str(body["id_token"]))
        if claims.get("nonce") != pending.nonce:
            raise SignInFailed("The ID token is not for this sign-in", "Its nonce differs.", 502)
        return claims

    async def _verify(self, token: str) -> dict[str, Any]:
        """The ID token's claims, once its RS256 signature, issuer, audience and times check."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = await self._key(kid)
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.settings.client_id,
                issuer=self.settings.issuer,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
                leeway=5,
            )
        except (jwt.PyJWTError, httpx.HTTPError) as exc:
            raise SignInFailed("The ID token did not verify", str(exc), 502) from None
        return claims

    async def _key(self, kid: str | None) -> Any:
        for attempt in range(2):
            if self._jwks is None or attempt:  # a key we do not know: the tenant rotated
                base = self.settings.tenant_url.rstrip("/")
                answer = await self.http.get(f"{base}/.well-known/jwks.json")
                answer.raise_for_status()
                self._jwks = jwt.PyJWKSet.from_dict(answer.json())
            for key in self._jwks.keys:
                if key.key_id == kid:
                    return key.key
        raise jwt.InvalidTokenError(f"no key {kid!r} in the tenant's JWKS")


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _when(value: Any) -> str | None:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return None


def _claim_order(name: str) -> tuple[int, str]:
    standard = ("sub", "email", "name", "iss", "aud", "iat", "exp", "nonce")
    return (standard.index(name), name) if name in standard else (len(standard), name)


def create_sample_app(settings: SampleAppSettings) -> Starlette:
    app = SampleApp(settings)
    return Starlette(
        routes=[
            Route("/", app.home),
            Route("/login", app.login),
            Route("/callback", app.callback),
            Route("/logout", app.logout),
        ],
        lifespan=lambda _: _closing(app),
    )


@contextlib.asynccontextmanager
async def _closing(app: SampleApp) -> AsyncIterator[None]:
    yield
    await app.aclose()
