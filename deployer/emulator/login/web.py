"""Small HTTP helpers for the login endpoints: forms, cookies, redirects, HTML and JSON answers.

The emulator's core speaks `(status, headers, body)` tuples; these build them, with the headers a
login page needs (no caching, no framing, no referrer: URLs here carry codes and tokens).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

Answer = tuple[int, dict[str, str], bytes]

SESSION_COOKIE = "auth0_emulator_session"
# Ties a login form to the browser that started the login (see Flow.authorize).
BROWSER_COOKIE = "auth0_emulator_browser"
# Pages only carry their own inline style; nothing else may load, and nobody may frame them.
_PAGE_HEADERS = {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]  # lower-case names
    form: dict[str, str]  # the urlencoded (or JSON object) body; {} otherwise

    def cookie(self, name: str) -> str | None:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except CookieError:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel is not None else None


def parse_request(
    method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> Request:
    return Request(method, path, dict(parse_qsl(query)), headers, parse_form(headers, body))


def parse_form(headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    """A form or JSON object body as strings; an unreadable body reads as empty."""
    if not body.strip():
        return {}
    try:
        if "json" in headers.get("content-type", ""):
            loaded = json.loads(body)
            if not isinstance(loaded, dict):
                return {}
            return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()}
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    except (ValueError, UnicodeDecodeError):
        return {}


def with_query(url: str, params: Mapping[str, str | None]) -> str:
    """`url` with `params` added to its query (None values left out)."""
    parts = urlsplit(url)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query and extra else parts.query or extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def redirect(location: str, headers: Mapping[str, str] | None = None) -> Answer:
    return 302, {"location": location, "cache-control": "no-store", **(headers or {})}, b""


def page(status: int, html: str, headers: Mapping[str, str] | None = None) -> Answer:
    return status, {**_PAGE_HEADERS, **(headers or {})}, html.encode()


def json_answer(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Answer:
    content = json.dumps(payload, separators=(",", ":")).encode()
    base = {"content-type": "application/json; charset=utf-8", "cache-control": "no-store"}
    return status, {**base, **(headers or {})}, content


def session_cookie(value: str, *, secure: bool, max_age: int) -> dict[str, str]:
    # HttpOnly: no script reads it; SameSite=Lax: sent on the top-level GET /authorize from
    # the application, not on cross-site POSTs or in frames.
    flags = f"Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
    return {"set-cookie": f"{SESSION_COOKIE}={value}; {flags}"}


def browser_cookie(value: str, *, secure: bool) -> dict[str, str]:
    # A browser-session cookie (no Max-Age). SameSite=Lax: a cross-site POST to /u/login does
    # not carry it, so a form posted from another site finds no browser to match.
    flags = "Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
    return {"set-cookie": f"{BROWSER_COOKIE}={value}; {flags}"}
