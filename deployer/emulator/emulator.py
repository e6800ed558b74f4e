"""One emulated Auth0 tenant: the token endpoint and the Actions Management API.

`Emulator.handle` is the whole server: a request in, an answer out, under one lock. The
in-process httpx transport and the loopback HTTP(S) server are thin shells around it.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

from ..locks import FileLock
from . import credentials, encoding, storage
from .faults import ConnectionDropped, Faults, ScriptedFault, TokenBucket
from .login.app import LoginApp
from .login.context import Tenant
from .management import ManagementApi, find_route, new_id
from .records import JSON, Action, Binding, Secret, TenantState
from .settings import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    ClientSpec,
    EmulatorSettings,
)
from .wire import ApiError

Answer = tuple[int, dict[str, str], bytes]
API_PREFIX = "/api/v2"
JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class RequestLogEntry:
    """One request as the emulator saw it. Never bodies or headers: they carry secrets."""

    method: str
    path: str
    query: str
    status: int  # 0 when the connection was dropped without an answer
    duration_seconds: float
    timestamp: float


class Emulator:
    """An Auth0 tenant in a box. Thread-safe; see the package docstring for the rules."""

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        *,
        state_path: Path | None = None,
        clock: Callable[[], float] | None = None,
        domain: str = "local.emulator",
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self.domain = domain
        self.state_path = state_path
        self._clock = clock or time.time
        # With a state file, other processes may write it too (a second deploy, the demo):
        # every request holds the file's lock and starts from the file's latest content.
        self._lock: AbstractContextManager[Any] = (
            FileLock(state_path, what="the emulated tenant's state", on_acquire=self._refresh)
            if state_path is not None
            else threading.RLock()
        )
        self._signature: storage.Signature | None = None
        self.state = TenantState(signing_key=secrets.token_hex(32))
        self.api = ManagementApi(self.state, self.settings)
        self.login = LoginApp(
            Tenant(self.state, self.api, self._lock, self._clock, self._save, domain)
        )
        self._faults = Faults(self.settings)
        self._bucket = (
            TokenBucket(
                self.settings.rate_limit_burst,
                self.settings.rate_limit_per_second,
                float(self.settings.rate_limit_burst),
                self._clock(),
            )
            if self.settings.rate_limit_burst
            else None
        )
        self._log: list[RequestLogEntry] = []
        self._stored_clients: dict[str, ClientSpec] | None = None  # as the file has them
        with self._lock:  # loads the state file, if there is one (_refresh)
            self._add_clients()
            # Written when it is new or lacks a client of the settings only: every command
            # opening the tenant used to rewrite (and fsync) the whole file, a plan included.
            if self._signature is None or self.state.clients != self._stored_clients:
                self._save()

    def _add_clients(self) -> None:
        default = ClientSpec(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        self.state.clients.setdefault(default.client_id, default)
        for client in self.settings.clients:
            self.state.clients[client.client_id] = client

    def _refresh(self) -> None:
        """Under the file lock: take the file's content if another process replaced it."""
        assert self.state_path is not None
        now = storage.signature(self.state_path)
        if now is None or now == self._signature:
            return
        loaded = storage.load(self.state_path)
        if loaded is not None:
            # In place: the management API and the login flow hold this very object.
            vars(self.state).update(vars(loaded))
            self._stored_clients = dict(loaded.clients)
            self._add_clients()
        self._signature = now

    # -- the server ---------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: str = "",
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> Answer:
        """Answers one request. Raises ConnectionDropped for an injected dropped connection."""
        started = time.perf_counter()
        if self.settings.latency_seconds:
            # Real sleep, outside the lock: latency must cost wall time, not serialise clients.
            time.sleep(self.settings.latency_seconds)
        method = method.upper()
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        if self.login.owns(method, path, lowered, body):
            return self._login(method, path, query, lowered, body, started)
        with self._lock:
            now = self._clock()
            status = 0
            try:
                status, answer_headers, content = self._answer(method, path, query, lowered, body)
                return status, answer_headers, content
            finally:
                self._log.append(
                    RequestLogEntry(method, path, query, status, time.perf_counter() - started, now)
                )

    def _login(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes, t: float
    ) -> Answer:
        # Outside the lock (an Action may run for seconds), the rate limit and fault injection
        # (the Authentication API is limited apart from the Management API).
        status = 0
        try:
            status, answer_headers, content = self.login.handle(method, path, query, headers, body)
            return status, answer_headers, content
        finally:
            with self._lock:
                shown = self.login.loggable_query(query)
                duration = time.perf_counter() - t
                self._log.append(
                    RequestLogEntry(method, path, shown, status, duration, self._clock())
                )

    def _answer(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Answer:
        now = self._clock()
        rate_headers: dict[str, str] = {}
        if self._bucket is not None:
            # The token endpoint belongs to the Authentication API, limited separately.
            allowed = path == "/oauth/token" or self._bucket.take(now)
            rate_headers = self._bucket.headers(now)
            if not allowed:
                error = ApiError(429, "Global limit has been reached", "too_many_requests")
                return self._json(429, error.body(), rate_headers)
        fault = self._faults.next_scripted(method, path) or self._faults.next_random()
        if fault is not None and fault.status is None and not fault.after_processing:
            raise ConnectionDropped(f"{method} {path}")
        if fault is not None and fault.status is not None:
            if fault.status == 429:
                error = ApiError(429, "Global limit has been reached", "too_many_requests")
                if self._bucket is not None:
                    rate_headers["x-ratelimit-remaining"] = "0"
            else:
                error = ApiError(fault.status, "The service is temporarily unavailable.")
            return self._json(fault.status, error.body(), rate_headers)
        try:
            status, payload = self._dispatch(method, path, query, headers, body, now)
        except ApiError as error:
            status, payload = error.status, error.body()
        if fault is not None:  # dropped after the request took effect
            raise ConnectionDropped(f"{method} {path}")
        answer = self._json(status, payload, rate_headers)
        if path == "/oauth/token":
            # The Authentication API says plain `application/json` (go-auth0
            # TestLoginWithClientCredentials/Should_return_tokens.yaml).
            answer[1]["content-type"] = "application/json"
        return answer

    @staticmethod
    def _json(status: int, payload: JSON | list[JSON] | None, headers: dict[str, str]) -> Answer:
        if payload is None:
            # Auth0's 204 still says it is JSON (every recorded DELETE; go-auth0 and
            # terraform-provider-auth0 cassettes).
            return status, {**headers, "content-type": JSON_TYPE}, b""
        content = encoding.dumps(payload)
        return status, {**headers, "content-type": JSON_TYPE}, content

    def _dispatch(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        now: float,
    ) -> tuple[int, JSON | list[JSON] | None]:
        if path == "/oauth/token" and method == "POST":
            return credentials.client_credentials(self.state, self.domain, headers, body, now)
        found = find_route(method, path[len(API_PREFIX) :]) if path.startswith(API_PREFIX) else None
        if found is None:
            raise ApiError(404, "Not Found")
        route, ids = found
        scopes = credentials.authenticate(self.state, headers, now)
        if route.scope not in scopes:
            raise ApiError(
                403,
                f"Insufficient scope, expected any of: {route.scope}",
                "insufficient_scope",
            )
        parsed: Any = None
        if body.strip():
            try:
                parsed = json.loads(body)
            except ValueError:
                raise ApiError(400, "Invalid request payload JSON format") from None
        changed = self.api.advance(now)
        try:
            return route.handler(self.api, now, ids, dict(parse_qsl(query)), parsed)
        finally:
            if changed or route.mutates:
                self._save()

    # -- helpers for tests, the CLI and later issues ----------------------------------------

    def issue_token(
        self, client_id: str = DEFAULT_CLIENT_ID, scopes: Iterable[str] | None = None
    ) -> str:
        """A valid access token without a request (not logged, not rate limited)."""
        with self._lock:
            client = self.state.clients[client_id]
            granted = client.scopes if scopes is None else tuple(scopes)
            return credentials.mint(self.state, self.domain, client_id, granted, self._clock())

    def add_client(
        self,
        client_id: str,
        client_secret: str,
        scopes: Iterable[str],
        *,
        public_key: str | None = None,
        key_algorithm: str = "RS256",
    ) -> None:
        """A machine-to-machine client; with `public_key` (PEM) it uses private_key_jwt."""
        with self._lock:
            self.state.clients[client_id] = ClientSpec(
                client_id, client_secret, tuple(scopes), public_key, key_algorithm
            )
            self._save()

    def add_user(
        self,
        email: str,
        password: str,
        *,
        user_id: str | None = None,
        user_metadata: Mapping[str, Any] | None = None,
        app_metadata: Mapping[str, Any] | None = None,
    ) -> str:
        """A user who can log in (the password is kept as a scrypt hash); returns its user_id."""
        return self.login.add_user(
            email, password, user_id=user_id, user_metadata=user_metadata, app_metadata=app_metadata
        )

    def add_application(
        self,
        client_id: str,
        *,
        name: str,
        callbacks: list[str],
        client_secret: str | None,
        logout_urls: list[str] | None = None,
    ) -> None:
        """An application users log in to; `client_secret=None` makes it public (PKCE).

        `logout_urls`: its Allowed Logout URLs (where /oidc/logout and /v2/logout may go).
        """
        self.login.add_application(
            client_id,
            name=name,
            callbacks=callbacks,
            client_secret=client_secret,
            logout_urls=logout_urls,
        )

    def seed_action(
        self,
        name: str,
        *,
        code: str = "exports.onExecutePostLogin = async (event, api) => {};",
        trigger: str = "post-login",
        trigger_version: str = "v3",
        runtime: str = "node22",
        dependencies: Iterable[Mapping[str, str]] = (),
        secrets: Mapping[str, str] | None = None,
        deployed: bool = True,
        integration: JSON | None = None,
        installed_integration_id: str | None = None,
    ) -> str:
        """Puts an already built (and by default deployed and settled) action in the tenant.

        With `integration` / `installed_integration_id` it is a Marketplace action.
        """
        with self._lock:
            now = self._clock()
            action = Action(
                id=new_id(),
                name=name,
                supported_triggers=[{"id": trigger, "version": trigger_version}],
                code=code,
                dependencies=[dict(d) for d in dependencies],
                runtime=runtime,
                secrets=[Secret(k, v, now) for k, v in (secrets or {}).items()],
                created_at=now,
                updated_at=now,
                build_started_at=now,
                build_ready_at=now,
                integration=integration,
                installed_integration_id=installed_integration_id,
            )
            if deployed:
                version = self.api.snapshot(action, now)
                self.api.release(action, version)
                action.deployed_settles_at = now
                action.draft_version_id = version.id
            self.state.actions[action.id] = action
            self._save()
            return action.id

    def seed_binding(self, trigger_id: str, action_id: str, display_name: str | None = None) -> str:
        """Appends a binding without the checks of PATCH (use it for the tenant's past)."""
        with self._lock:
            now = self._clock()
            action = self.state.actions[action_id]
            binding = Binding(new_id(), action_id, display_name or action.name, now, now)
            self.state.bindings.setdefault(trigger_id, []).append(binding)
            self._save()
            return binding.id

    def secret_values(self, action_id: str, *, deployed: bool = True) -> dict[str, str]:
        """The secret values of the live version (or the draft): Auth0 never shows these."""
        with self._lock:
            now = self._clock()
            if self.api.advance(now):
                self._save()
            action = self.state.actions[action_id]
            source = action.secrets
            if deployed:
                live = action.version(action.live_version_id(now))
                source = live.secrets if live is not None else []
            return {s.name: s.value for s in source}

    def inject(
        self,
        status: int,
        count: int = 1,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> None:
        """The next `count` matching requests get `status` (429 comes with Auth0's body)."""
        with self._lock:
            self._faults.add(ScriptedFault(status, count, method, path_prefix))

    def inject_drop(
        self,
        count: int = 1,
        method: str | None = None,
        path_prefix: str | None = None,
        *,
        after_processing: bool = False,
    ) -> None:
        """The next `count` matching requests lose their connection without an answer.

        `after_processing=True` drops the answer of a request that did take effect.
        """
        with self._lock:
            self._faults.add(ScriptedFault(None, count, method, path_prefix, after_processing))

    @property
    def request_log(self) -> list[RequestLogEntry]:
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def transport(self) -> httpx.BaseTransport:
        """An in-process httpx transport: `httpx.Client(transport=emu.transport(), ...)`."""
        return EmulatorTransport(self)

    def _save(self) -> None:
        if self.state_path is not None:
            storage.save(self.state, self.state_path)
            self._signature = storage.signature(self.state_path)


class EmulatorTransport(httpx.BaseTransport):
    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        try:
            status, headers, content = self._emulator.handle(
                request.method,
                request.url.path,
                request.url.query.decode(),
                dict(request.headers),
                body,
            )
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        return httpx.Response(status, headers=headers, content=content, request=request)
