"""The login endpoints of one emulated tenant, and the seeding of its users and applications.

`LoginApp.owns` tells the emulator which requests are ours; `LoginApp.handle` answers them.
They are served outside the Management API's rate limit and fault injection (the
Authentication API is limited separately in Auth0), and outside the emulator's lock (see
pipeline.py): each step takes the lock for its own reads and writes.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .context import Tenant
from .crypto import hash_password
from .flow import Flow
from .grants import LOGIN_GRANTS, Grants
from .logout import Logout
from .pipeline import Pipeline
from .records import Application, User
from .web import Answer, Request, json_answer, parse_form, parse_request

Route = Callable[[Request], Answer]
# Values in these query parameters are credentials: the request log shows their names only.
_SECRET_PARAMS = frozenset(
    {"session_token", "code", "code_verifier", "refresh_token", "id_token_hint", "token"}
)


class LoginApp:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.pipeline = Pipeline(tenant)
        self.flow = Flow(tenant, self.pipeline)
        self.grants = Grants(tenant, self.pipeline)
        self.logout = Logout(tenant)
        self._routes: dict[tuple[str, str], Route] = {
            ("GET", "/.well-known/openid-configuration"): self.grants.discovery,
            ("GET", "/.well-known/jwks.json"): self.grants.jwks,
            ("GET", "/authorize"): self.flow.authorize,
            ("POST", "/u/login"): self.flow.login,
            ("GET", "/continue"): self.flow.resume,
            ("POST", "/continue"): self.flow.resume,
            ("POST", "/oauth/token"): self.grants.token,
            ("GET", "/userinfo"): self.grants.userinfo,
            ("POST", "/userinfo"): self.grants.userinfo,
            ("GET", "/oidc/logout"): self.logout.oidc,
            ("POST", "/oidc/logout"): self.logout.oidc,
            ("GET", "/v2/logout"): self.logout.v2,
            ("POST", "/oauth/revoke"): self.logout.revoke,
        }
        self._paths = {path for _, path in self._routes}

    def owns(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> bool:
        """True for the login endpoints; /oauth/token only for the grants of a login."""
        if path == "/oauth/token":
            return method == "POST" and parse_form(headers, body).get("grant_type") in LOGIN_GRANTS
        return path in self._paths

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Answer:
        route = self._routes.get((method, path))
        if route is None:
            return json_answer(405, {"error": "method_not_allowed"}, {"allow": self._allowed(path)})
        return route(parse_request(method, path, query, headers, body))

    def _allowed(self, path: str) -> str:
        return ", ".join(sorted(m for m, p in self._routes if p == path))

    @staticmethod
    def loggable_query(query: str) -> str:
        pairs = parse_qsl(query, keep_blank_values=True)
        return urlencode([(k, "***" if k in _SECRET_PARAMS else v) for k, v in pairs])

    # -- seeding --------------------------------------------------------------------------

    def add_user(
        self,
        email: str,
        password: str,
        *,
        user_id: str | None = None,
        user_metadata: Mapping[str, Any] | None = None,
        app_metadata: Mapping[str, Any] | None = None,
    ) -> str:
        hashed = hash_password(password)  # slow on purpose: outside the lock
        with self.tenant.lock:
            if self.tenant.login.user_by_email(email) is not None:
                raise ValueError(f"a user with the email {email!r} exists already")
            now = self.tenant.now()
            new_id = user_id or f"auth0|{secrets.token_hex(12)}"
            if new_id in self.tenant.login.users:
                raise ValueError(f"a user with the id {new_id!r} exists already")
            self.tenant.login.users[new_id] = User(
                user_id=new_id,
                email=email,
                password_hash=hashed,
                user_metadata=dict(user_metadata or {}),
                app_metadata=dict(app_metadata or {}),
                created_at=now,
                updated_at=now,
            )
            self.tenant.save()
            return new_id

    def set_password(self, email: str, password: str, *, create: bool = False) -> str:
        """Gives the user with `email` a new password (or, with `create`, adds the user)."""
        hashed = hash_password(password)
        with self.tenant.lock:
            user = self.tenant.login.user_by_email(email)
            if user is not None:
                user.password_hash, user.updated_at = hashed, self.tenant.now()
                self.tenant.save()
                return user.user_id
        if not create:
            raise KeyError(f"no user has the email {email!r}")
        return self.add_user(email, password)

    def add_application(
        self,
        client_id: str,
        *,
        name: str,
        callbacks: list[str],
        client_secret: str | None,
        logout_urls: list[str] | None = None,
    ) -> None:
        with self.tenant.lock:
            self.tenant.login.applications[client_id] = Application(
                client_id, name, list(callbacks), client_secret, list(logout_urls or [])
            )
            self.tenant.save()

    def user(self, user_id: str) -> User:
        """A copy of the stored user (metadata as the last Action left it)."""
        with self.tenant.lock:
            return copy.deepcopy(self.tenant.login.users[user_id])
