"""Helpers for the consent page's tests: fake secrets, session tokens, reading the HTML forms.

The fixtures that use them are in conftest.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets as secrets_module
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jwt
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette would like the httpx2 package; the httpx this repo has works the same here.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient as TestClient  # re-exported for the tests

REPO = Path(__file__).resolve().parents[2]

MakeClient = Callable[..., TestClient]
"""Builds a TestClient over the app; keyword arguments override ConsentSettings' fields."""

DOMAIN = "acme-test.eu.auth0.com"
USER_ID = "auth0|6560f1a2b3c4d5e6f7a8b9c0"
VERSION = "2026-11-01"
OLD_VERSION = "2025-06-01"
STATE = "hKFo2SBxc2JtU0ZuYTN1ZzVxQ0c3dXlHdmRLQmJHTkxHWkR2aqFupWxvZ2lu"
# Text that appears only in the terms of each version, to tell them apart on a page.
TERMS_MARKER = {VERSION: "MARKER-TERMS-2026", OLD_VERSION: "MARKER-TERMS-2025"}


def fake_secret(label: str) -> str:
    """An obviously fake, freshly generated secret value (long enough for the settings)."""
    return f"fake-{label}-{secrets_module.token_urlsafe(48)}"


@dataclass
class Keys:
    current: str = field(default_factory=lambda: fake_secret("current"))
    previous: str = field(default_factory=lambda: fake_secret("previous"))
    other: str = field(default_factory=lambda: fake_secret("other"))

    def values(self) -> list[str]:
        return [self.current, self.previous, self.other]


def session_claims(**overrides: Any) -> dict[str, Any]:
    """What the Action's encodeToken puts in a session_token (payload plus Auth0's claims)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "terms_version": VERSION,
        "sub": USER_ID,
        "iss": DOMAIN,
        "iat": now,
        "exp": now + 600,
        "ip": "203.0.113.7",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_header(header: Mapping[str, Any], claims: Mapping[str, Any], key: str) -> str:
    """A token with any header over an HMAC-SHA256 signature (algorithm-confusion attempts)."""
    head = b64url(json.dumps(dict(header)).encode())
    body = b64url(json.dumps(dict(claims)).encode())
    sig = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


def session_token(key: str, **overrides: Any) -> str:
    return jwt.encode(session_claims(**overrides), key, algorithm="HS256")


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str]
    buttons: list[tuple[str, str]]  # (name, value) of each submit button


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get"), {}, []))
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms:
            self.forms[-1].buttons.append((a.get("name", ""), a.get("value", "")))


def only_form(html: str) -> Form:
    """The page's one form, with its hidden fields as the browser would send them."""
    parser = _FormParser()
    parser.feed(html)
    assert len(parser.forms) == 1, f"expected one form, found {len(parser.forms)}"
    return parser.forms[0]
