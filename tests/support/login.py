"""Helpers for the login-flow tests: a browser that follows nothing by itself, the consent
page's side of the round trip, and independent checks of tokens and records."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from base64 import urlsafe_b64encode
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt

from deployer.emulator import Emulator
from deployer.params import ActionParams

BASE = "https://local.emulator"
DOMAIN = "local.emulator"
CLIENT_ID = "app-web"
CLIENT_SECRET = "app-web-secret-for-tests-only"
CALLBACK = "http://127.0.0.1:8401/callback"
EMAIL = "ada@example.com"
PASSWORD = "correct horse battery staple"
RECORD_FORMAT = "accept-terms-record/v1"


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def record_signature(key: str, user_id: str, version: str, accepted_at: str) -> str:
    """The record's signature, computed apart from the Action (docs/consent-contract.md)."""
    canonical = json.dumps([RECORD_FORMAT, user_id, version, accepted_at], separators=(",", ":"))
    digest = hmac.new(key.encode(), canonical.encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Browser:
    """One user agent: its own cookie jar; every redirect is looked at, not followed."""

    http: httpx.Client

    @classmethod
    def open(cls, emu: Emulator, base: str = BASE, **kwargs: Any) -> Browser:
        return cls(httpx.Client(transport=emu.transport(), base_url=base, **kwargs))

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def authorize(self, **overrides: str) -> httpx.Response:
        params = {
            "client_id": CLIENT_ID,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "openid profile email offline_access",
            "state": "client-state-123",
            "nonce": "nonce-456",
            **overrides,
        }
        return self.http.get("/authorize", params=params)

    def submit_login(
        self, form_page: httpx.Response, email: str = EMAIL, password: str = PASSWORD
    ) -> httpx.Response:
        assert form_page.status_code == 200, form_page.text
        found = re.search(r'name="transaction" value="([^"]+)"', form_page.text)
        assert found, "no transaction field in the login form"
        form = {"transaction": found.group(1), "email": email, "password": password}
        return self.http.post("/u/login", data=form)

    def login(self, **overrides: str) -> httpx.Response:
        """authorize, then the form; answers the redirect that follows the password."""
        return self.submit_login(self.authorize(**overrides))

    def resume(self, state: str, session_token: str) -> httpx.Response:
        return self.http.post("/continue", data={"state": state, "session_token": session_token})


def callback(answer: httpx.Response) -> dict[str, str]:
    """The query the application's callback receives (the answer must redirect there)."""
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(CALLBACK + "?"), location
    return query_of(location)


@dataclass
class ConsentPage:
    """The consent page's side of the contract: read the session_token, mint the answer."""

    token_secret: str
    terms_url: str
    issuer: str = DOMAIN

    def arrival(self, answer: httpx.Response) -> tuple[str, dict[str, Any]]:
        """The state and verified session_token claims of a redirect to the terms page."""
        assert answer.status_code == 302, answer.text
        location = answer.headers["location"]
        assert location.startswith(self.terms_url + "?"), location
        query = query_of(location)
        claims: dict[str, Any] = jwt.decode(
            query["session_token"],
            self.token_secret,
            algorithms=["HS256"],
            issuer=self.issuer,
            options={"require": ["sub", "exp", "iss"]},
        )
        return query["state"], claims

    def answer(
        self, state: str, incoming: dict[str, Any], *, key: str | None = None, **overrides: Any
    ) -> str:
        now = int(time.time())
        claims = {
            "sub": incoming["sub"],
            "iss": "consent.example.org",  # the consent page (docs/consent-contract.md)
            "state": state,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
            "terms_version": incoming["terms_version"],
            "accepted": True,
            **overrides,
        }
        return jwt.encode(claims, key or self.token_secret, "HS256")


def verify_id_token(
    http: httpx.Client, token: str, *, issuer: str = f"{BASE}/", audience: str = CLIENT_ID
) -> dict[str, Any]:
    """Verifies like a relying party: the key from the published JWKS, RS256 only."""
    keys = jwt.PyJWKSet.from_dict(http.get("/.well-known/jwks.json").json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    claims: dict[str, Any] = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=audience,
        issuer=issuer,
        options={"require": ["exp", "iat", "sub", "aud", "iss"]},
    )
    return claims


def exchange(http: httpx.Client, code: str, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **overrides,
    }
    return http.post("/oauth/token", data=form)


@dataclass(frozen=True)
class Deployed:
    action_id: str
    params: ActionParams
    token_secret: str
    record_key: str

    @property
    def claim(self) -> str:
        return self.params.claims.namespace + "terms_version"
