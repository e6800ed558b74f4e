"""Ending a login: Auth0's two logout endpoints and refresh-token revocation.

    GET|POST /oidc/logout   OIDC RP-Initiated Logout 1.0 (what discovery's end_session_endpoint
                            names; nextjs-auth0 v4 uses it when discovery has it)
    GET      /v2/logout     Auth0's own logout (the fallback of the SDKs)
    POST     /oauth/revoke  revoke a refresh token (RFC 7009; nextjs-auth0 calls it at logout)

What Auth0 documents, and this module does (https://auth0.com/docs/api/authentication, sections
"OIDC Logout", "Logout" and "Revoke Refresh Token"; https://auth0.com/docs/authenticate/login/
logout/log-users-out-of-auth0):
- Logging out ends the tenant's session (the cookie) whatever else happens; the next /authorize
  asks for the password again.
- A redirect after logout goes only to a URL in the application's Allowed Logout URLs (the
  application is `client_id`, or the `aud` of `id_token_hint`, which must agree when both are
  given). Without an application the tenant-level list applies; the emulator has none, so such
  a redirect is refused (the stricter reading).
- With an application and no redirect URL, Auth0 sends the user to its first Allowed Logout URL.
- /oidc/logout passes `state` back on the redirect; /v2/logout has no state.
- /oauth/revoke answers 200 whether or not the token was known (RFC 7009 2.2), 401 for a bad
  client, 400 without a token.
UNCONFIRMED: Auth0 may show a logout confirmation when neither id_token_hint nor client_id is
given; here such a request logs out and shows a "signed out" page, since no RP is named anyway.
"""

from __future__ import annotations

import hmac
from typing import Any

from .context import Tenant
from .crypto import digest
from .grants import _client_credentials
from .pages import error_page
from .records import Application
from .web import SESSION_COOKIE, Answer, Request, json_answer, page, redirect, with_query

_SIGNED_OUT = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Signed out</title>'
    "</head><body><h1>You are signed out</h1></body></html>"
)


def _refused(message: str) -> Answer:
    # Auth0 shows its error page rather than redirecting anywhere it cannot vouch for.
    return page(400, error_page("Invalid logout request", message))


class Logout:
    def __init__(self, tenant: Tenant) -> None:
        self._tenant = tenant

    # -- the two logout endpoints -----------------------------------------------------------

    def oidc(self, req: Request) -> Answer:
        params = {**req.query, **req.form}  # RP-Initiated Logout: GET or form POST
        client_id = params.get("client_id") or None
        hint = params.get("id_token_hint")
        if hint:
            claims = self._tenant.signing_key().verify(hint)
            # An expired ID token is still a fine hint (the spec says so); a forged one is not.
            if claims is None or claims.get("iss") != self._tenant.issuer:
                return _refused('The "id_token_hint" is not a valid ID token of this tenant.')
            audience = _audience(claims)
            if client_id is not None and client_id != audience:
                return _refused('The "client_id" does not match the "id_token_hint" audience.')
            client_id = audience
        return self._log_out(
            req, client_id, params.get("post_logout_redirect_uri"), params.get("state")
        )

    def v2(self, req: Request) -> Answer:
        return self._log_out(req, req.query.get("client_id") or None, req.query.get("returnTo"))

    def _log_out(
        self, req: Request, client_id: str | None, target: str | None, state: str | None = None
    ) -> Answer:
        with self._tenant.lock:
            app = self._tenant.login.applications.get(client_id) if client_id else None
        if client_id is not None and app is None:
            return _refused(f'Unknown client_id "{client_id}".')
        allowed = app.logout_urls if app is not None else []
        if target and target not in allowed:
            return _refused(
                f'The "{target}" URL is not in the list of Allowed Logout URLs'
                + (f" of the application {app.name}." if app is not None else " of the tenant.")
            )
        # Only now: a refused request leaves the session alone.
        cleared = self._end_session(req)
        destination = target or (allowed[0] if allowed else None)
        if destination is None:
            return page(200, _SIGNED_OUT, cleared)
        return redirect(with_query(destination, {"state": state}), cleared)

    def _end_session(self, req: Request) -> dict[str, str]:
        cookie = req.cookie(SESSION_COOKIE)
        if cookie:
            with self._tenant.lock:
                if self._tenant.login.sessions.pop(digest(cookie), None) is not None:
                    self._tenant.save()
        flags = "Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        if self._tenant.secure:
            flags += "; Secure"
        return {"set-cookie": f"{SESSION_COOKIE}=; {flags}"}

    # -- POST /oauth/revoke -----------------------------------------------------------------

    def revoke(self, req: Request) -> Answer:
        client_id, secret = _client_credentials(req.form, req.headers)
        with self._tenant.lock:
            app = self._tenant.login.applications.get(client_id)
        if app is None or not _secret_ok(app, secret):
            return json_answer(401, {"error": "access_denied", "error_description": "Unauthorized"})
        token = req.form.get("token")
        if not token:
            return json_answer(
                400, {"error": "invalid_request", "error_description": "token is required"}
            )
        with self._tenant.lock:
            key = digest(token)
            grant = self._tenant.login.refresh_tokens.get(key)
            # Another client's token is left alone, and the answer does not say so.
            if grant is not None and grant.client_id == client_id:
                del self._tenant.login.refresh_tokens[key]
                self._tenant.save()
        return 200, {"cache-control": "no-store"}, b""


def _audience(claims: dict[str, Any]) -> str | None:
    aud = claims.get("aud")
    if isinstance(aud, list):
        aud = aud[0] if len(aud) == 1 else None
    return aud if isinstance(aud, str) else None


def _secret_ok(app: Application, secret: str | None) -> bool:
    if app.client_secret is None:
        return True  # a public client identifies itself by client_id alone
    return hmac.compare_digest(app.client_secret.encode(), (secret or "").encode())
