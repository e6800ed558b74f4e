"""Helpers for the Action's tests: fake secrets, a login harness, the consent page's side.

The fixtures that use them are in conftest.py.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets as secrets_module
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import yaml

from deployer.config import deep_merge
from deployer.emulator.login.runtime import RuntimeResult, run_post_login
from deployer.manifest import BUILTIN_ACTION
from deployer.params import ActionParams

REPO = Path(__file__).resolve().parents[2]
ACTION_DIR = BUILTIN_ACTION
TENANT_DOMAIN = "acme-test.eu.auth0.com"
# The consent page's host: the `iss` of its answers (docs/consent-contract.md).
CONSENT_PAGE_HOST = "consent.acme-test.example"
USER_ID = "auth0|6560f1a2b3c4d5e6f7a8b9c0"
OTHER_USER_ID = "auth0|0000aaaa1111bbbb2222cccc"
DENY_REASON = "terms_not_accepted"
DECLINED_REASON = "terms_declined"
RECORD_FORMAT = "accept-terms-record/v1"


def fake_secret(label: str) -> str:
    """An obviously fake, freshly generated secret value."""
    return f"fake-{label}-{secrets_module.token_urlsafe(48)}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def record_signature(key: str, user_id: str, version: str, accepted_at: str) -> str:
    """The record's signature, computed independently of the Action (same contract)."""
    canonical = json.dumps(
        [RECORD_FORMAT, user_id, version, accepted_at], separators=(",", ":"), ensure_ascii=False
    )
    return b64url(hmac.new(key.encode(), canonical.encode(), hashlib.sha256).digest())


def signed_record(key: str, user_id: str, version: str, accepted_at: str) -> dict[str, str]:
    return {
        "version": version,
        "accepted_at": accepted_at,
        "sig": record_signature(key, user_id, version, accepted_at),
    }


def hs256_with_header(header: Mapping[str, Any], claims: Mapping[str, Any], key: str) -> str:
    """A token with any header, signed with HMAC-SHA256 (for algorithm-confusion attempts)."""
    head = b64url(json.dumps(dict(header)).encode())
    body = b64url(json.dumps(dict(claims)).encode())
    sig = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


@dataclass
class Secrets:
    token: str = field(default_factory=lambda: fake_secret("token"))
    previous: str = field(default_factory=lambda: fake_secret("previous"))
    record: str = field(default_factory=lambda: fake_secret("record"))
    other: str = field(default_factory=lambda: fake_secret("other"))

    def values(self) -> list[str]:
        return [self.token, self.previous, self.record, self.other]


@dataclass
class Harness:
    """Logins against one rendered Action, with one set of fake secrets."""

    code: str
    params: ActionParams
    keys: Secrets
    # What the tenant has configured (the Action sees exactly these).
    configured: dict[str, str]

    @property
    def version(self) -> str:
        return self.params.terms.version

    @property
    def namespace(self) -> str:
        return self.params.claims.namespace

    def user(
        self, metadata: Mapping[str, Any] | None = None, app: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return {
            "user_id": USER_ID,
            "email": "ada@example.org",
            "user_metadata": dict(metadata or {}),
            "app_metadata": dict(app or {}),
        }

    def event(
        self,
        user: Mapping[str, Any],
        *,
        client_id: str = "app-web",
        protocol: str = "oidc-basic-profile",
        prompt: list[str] | None = None,
    ) -> dict[str, Any]:
        return {
            "user": copy.deepcopy(dict(user)),
            "stats": {"logins_count": 3},
            "client": {"client_id": client_id, "name": f"Client {client_id}"},
            "request": {"ip": "203.0.113.7", "hostname": TENANT_DOMAIN, "query": {}, "body": {}},
            "transaction": {"protocol": protocol, "prompt": prompt or []},
            "authorization": {"roles": []},
            "tenant": {"id": "acme-test"},
        }

    def execute(self, event: dict[str, Any], *, state: str | None = None) -> RuntimeResult:
        return run_post_login(
            self.code,
            phase="execute",
            event=event,
            secrets=self.configured,
            tenant_domain=TENANT_DOMAIN,
            state=state or f"state-{uuid.uuid4().hex}",
        )

    def resume(
        self, event: dict[str, Any], *, state: str, token: str, in_query: bool = False
    ) -> RuntimeResult:
        form = {"state": state, "session_token": token}
        request = {"body": {}, "query": form} if in_query else {"body": form, "query": {}}
        return run_post_login(
            self.code,
            phase="continue",
            event=event,
            secrets=self.configured,
            tenant_domain=TENANT_DOMAIN,
            state=state,
            continue_request=request,
        )

    def incoming_token(self, result: RuntimeResult) -> dict[str, Any]:
        """What the consent page reads from the redirect: the verified session_token."""
        assert result.redirect is not None
        claims: dict[str, Any] = jwt.decode(
            result.redirect.query["session_token"],
            self.keys.token,
            algorithms=["HS256"],
            issuer=TENANT_DOMAIN,
            options={"require": ["sub", "exp", "iss"]},
        )
        return claims

    def answer_claims(self, result: RuntimeResult, **overrides: Any) -> dict[str, Any]:
        """The consent page's answer, exactly as docs/consent-contract.md describes it."""
        assert result.redirect is not None
        incoming = self.incoming_token(result)
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": incoming["sub"],
            "iss": CONSENT_PAGE_HOST,
            "state": result.redirect.query["state"],
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
            "terms_version": incoming["terms_version"],
            "accepted": True,
        }
        claims.update(overrides)
        return claims

    def answer(self, result: RuntimeResult, **overrides: Any) -> str:
        """The answer token, signed as the consent page signs it (HS256, TERMS_TOKEN_SECRET)."""
        return jwt.encode(self.answer_claims(result, **overrides), self.keys.token, "HS256")


def write_tenants(
    directory: Path, action: Mapping[str, Any], action_dir: Path = ACTION_DIR
) -> Path:
    """A tenants file with one emulated tenant `test`: the repo's defaults plus `action`."""
    repo = yaml.safe_load((REPO / "tenants.yaml").read_text(encoding="utf-8"))
    merged = deep_merge(repo["defaults"]["action"], action)
    doc = {
        "version": 1,
        "action": str(action_dir),
        "tenants": {"test": {"emulator": "embedded", "action": merged}},
    }
    path = directory / "tenants.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=True), encoding="utf-8")
    return path


RenderTenant = Callable[[Mapping[str, Any]], tuple[str, ActionParams]]


def without_can_redirect(code: str) -> str:
    """The Action's code run with an `api` that lacks api.redirect.canRedirect (deprecated in
    Auth0's post-login typings, absent from its API reference): a wrapper around both handlers."""
    wrapper = """
;(() => {
  const strip = (api) => {
    const redirect = { ...api.redirect };
    delete redirect.canRedirect;
    return { ...api, redirect };
  };
  for (const name of ['onExecutePostLogin', 'onContinuePostLogin']) {
    const handler = exports[name];
    if (typeof handler === 'function') exports[name] = (event, api) => handler(event, strip(api));
  }
})();
"""
    return code + wrapper
