"""The client-credentials grant and the bearer check of the Management API.

Tokens are HS256 JWTs signed with the tenant's own key (see tokens.py), like Auth0's in shape.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import jwt

from . import tokens, wire
from .records import JSON, TenantState
from .settings import TOKEN_LIFETIME_SECONDS, ClientSpec
from .wire import ApiError


def client_credentials(
    state: TenantState, domain: str, headers: Mapping[str, str], body: bytes, now: float
) -> tuple[int, JSON]:
    """POST /oauth/token with grant_type=client_credentials (form or JSON body), the client
    authenticated by its secret or by a private-key JWT assertion."""
    fields: Mapping[str, Any]
    try:
        if "json" in headers.get("content-type", ""):
            loaded = json.loads(body or b"{}")
            fields = loaded if isinstance(loaded, dict) else {}
        else:
            fields = dict(parse_qsl(body.decode()))
    except ValueError:
        return 400, wire.token_error("invalid_request", "Invalid request body.")
    grant = fields.get("grant_type")
    if grant != "client_credentials" and grant not in KNOWN_GRANTS:
        # UNCONFIRMED: the answer to a grant type Auth0 does not know at all (RFC 6749's).
        return 400, wire.token_error("unsupported_grant_type", f"Unsupported grant type: {grant}")
    hosts = {domain, headers.get("host", domain)}
    if "client_assertion" in fields:
        client, refused = _assertion_client(state, fields, hosts, now)
        if refused is not None:
            return 401, wire.token_error("access_denied", refused)
    else:
        client = state.clients.get(str(fields.get("client_id", "")))
        offered = str(fields.get("client_secret", ""))
        if (
            client is None
            or client.public_key is not None  # a private_key_jwt client has no usable secret
            or not hmac.compare_digest(client.client_secret, offered)
        ):
            return 401, wire.token_error("access_denied", "Unauthorized")
    assert client is not None
    if grant != "client_credentials":
        # Auth0's answer to a grant the client has not enabled (an M2M client here has only
        # client_credentials; the login grants are the login flow's): see docs/emulator-fidelity.md;
        # the same text is quoted by public Auth0 client code.
        return 403, wire.token_error(
            "unauthorized_client", f"Grant type '{grant}' not allowed for the client."
        )
    audience = fields.get("audience")
    # Auth0's audience is always https; http is accepted only because the emulator can
    # be served over plain HTTP, where a client may build the audience from its base URL.
    if audience not in {f"{s}://{h}/api/v2/" for h in hosts for s in ("https", "http")}:
        return 403, wire.token_error(
            "access_denied", f"Service not enabled within domain: {audience}"
        )
    requested = str(fields.get("scope") or "").split()
    granted = [s for s in requested if s in client.scopes] if requested else client.scopes
    answer: JSON = {"access_token": mint(state, domain, client.client_id, granted, now)}
    if granted:
        # No `scope` when nothing is granted (go-auth0 TestLoginWithClientCredentials
        # Should_return_tokens.yaml: a grant without scopes answers access_token, expires_in
        # and token_type only).
        answer["scope"] = " ".join(granted)
    answer.update({"expires_in": TOKEN_LIFETIME_SECONDS, "token_type": "Bearer"})
    return 200, answer


# Grant types Auth0 knows besides client_credentials (and the login flow's own).
KNOWN_GRANTS = frozenset(
    {
        "password",
        "authorization_code",
        "refresh_token",
        "implicit",
        "http://auth0.com/oauth/grant-type/password-realm",
        "http://auth0.com/oauth/grant-type/passwordless/otp",
        "http://auth0.com/oauth/grant-type/mfa-oob",
        "http://auth0.com/oauth/grant-type/mfa-otp",
        "http://auth0.com/oauth/grant-type/mfa-recovery-code",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:token-exchange",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "urn:openid:params:grant-type:ciba",
    }
)


ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Auth0 accepts assertions that live at most 5 minutes and recommends under one:
# https://auth0.com/docs/get-started/authentication-and-authorization-flow/authenticate-with-private-key-jwt
MAX_ASSERTION_LIFETIME = 300
ASSERTION_ALGORITHMS = ("RS256", "PS256", "ES256")


def _assertion_client(
    state: TenantState, fields: Mapping[str, Any], hosts: set[str], now: float
) -> tuple[ClientSpec | None, str | None]:
    """private_key_jwt (RFC 7523 client authentication) as Auth0 documents it: iss = sub =
    client_id, aud = the tenant's URL with a trailing slash, exp within 5 minutes, a jti used
    once, signed by the client's registered key with the credential's algorithm.

    UNCONFIRMED: Auth0's error texts for a refused assertion (401 access_denied, as for a
    wrong secret, with a reason); and whether it also accepts the token endpoint URL as
    `aud` (RFC 7523 allows it): being the stricter one, only the documented form passes.
    """
    if fields.get("client_assertion_type") != ASSERTION_TYPE:
        return None, f"client_assertion_type must be {ASSERTION_TYPE}"
    assertion = str(fields["client_assertion"])
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None, "Invalid client assertion."
    client_id = str(unverified.get("sub", ""))
    client = state.clients.get(client_id)
    if client is None or client.public_key is None:
        return None, "Unauthorized"
    if fields.get("client_id") not in (None, client_id):
        return None, "client_id does not match the client assertion's sub"
    if (
        header.get("alg") != client.key_algorithm
        or client.key_algorithm not in ASSERTION_ALGORITHMS
    ):
        return None, f"The client assertion must be signed with {client.key_algorithm}."
    try:
        claims = jwt.decode(
            assertion,
            client.public_key,
            algorithms=[client.key_algorithm],
            audience=sorted(f"https://{h}/" for h in hosts),
            issuer=client_id,
            leeway=0,
            options={"require": ["iss", "sub", "aud", "exp", "jti"], "verify_iat": False},
        )
    except jwt.ExpiredSignatureError:
        return None, "The client assertion has expired."
    except jwt.PyJWTError as exc:
        return None, f"Invalid client assertion: {type(exc).__name__}."
    exp = int(claims["exp"])
    issued = int(claims.get("iat", now))
    if exp <= now:
        return None, "The client assertion has expired."
    if exp - min(issued, int(now)) > MAX_ASSERTION_LIFETIME:
        return None, "The client assertion lives longer than 5 minutes."
    state.used_assertions = {j: e for j, e in state.used_assertions.items() if e > now}
    jti = f"{client_id}/{claims['jti']}"
    if jti in state.used_assertions:
        return None, "The client assertion was already used (jti)."
    state.used_assertions[jti] = exp
    return client, None


def mint(state: TenantState, domain: str, client_id: str, scopes: Iterable[str], now: float) -> str:
    claims = {
        "iss": f"https://{domain}/",
        "sub": f"{client_id}@clients",
        "aud": f"https://{domain}/api/v2/",
        "iat": int(now),
        "exp": int(now) + TOKEN_LIFETIME_SECONDS,
        "scope": " ".join(scopes),
        "gty": "client-credentials",
        "azp": client_id,
    }
    return tokens.sign(claims, state.signing_key)


def authenticate(state: TenantState, headers: Mapping[str, str], now: float) -> set[str]:
    """The scopes of a valid bearer token, or a 401 as Auth0 answers it."""
    header = headers.get("authorization", "")
    if not header:
        # UNCONFIRMED (still unknown: no recording sends no token): the text when no token is
        # sent at all.
        raise _unauthorized("Missing authentication")
    scheme, _, token = header.partition(" ")
    claims = tokens.verify(token.strip(), state.signing_key)
    if scheme.lower() != "bearer" or claims is None:
        # "Invalid token", no period (docs/emulator-fidelity.md).
        raise _unauthorized("Invalid token")
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now:
        # UNCONFIRMED (still unknown: not recorded): Auth0's text for an expired token.
        raise _unauthorized("Expired token received for JSON Web Token validation")
    return set(str(claims.get("scope", "")).split())


def _unauthorized(message: str) -> ApiError:
    # UNCONFIRMED (still unknown: no 401 in any recording read): the `attributes` member, as
    # Auth0's hapi-based front end adds it.
    return ApiError(401, message, attributes={"error": message})
