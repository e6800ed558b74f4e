"""The Management API token: the client-credentials grant, by secret or private-key JWT.

Part of the one module that talks to Auth0 (deployer/client/).
"""

from __future__ import annotations

import ssl
import time
import uuid
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from ..credentials import ClientCredentials, private_key
from ..errors import Auth0Error, ConfigError, Problem

RATE_LIMIT_RETRIES = 5
CONNECT_RETRIES = 2
MAX_RATE_LIMIT_WAIT = 30.0
ASSERTION_LIFETIME = 180  # seconds, as auth0-python signs it


def _token_refused(
    response: httpx.Response, token_url: str, credentials: ClientCredentials
) -> Auth0Error:
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail = body.get("error_description") or body.get("error") or response.reason_phrase
    what = "client_id and " + (
        "the client assertion key and its algorithm"
        if credentials.assertion_key is not None
        else "client_secret"
    )
    hint = f" Check {what}." if response.status_code in (401, 403) else ""
    return Auth0Error(
        f"getting a Management API token from {token_url}: {response.status_code} {detail}.{hint}",
        status=response.status_code,
    )


def fetch_token(
    http: httpx.Client,
    token_url: str,
    credentials: ClientCredentials,
    *,
    audience: str,
) -> str:
    """Client-credentials grant, authenticated by a client secret or a private-key JWT.

    The secret (or the signed assertion) goes in the form body and nowhere else. The token
    request itself stays on our httpx client (retries, the emulator's transport, a CA file);
    auth0-python's GetToken would send it through `requests` and bypass all three.
    """
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials.client_id,
        "audience": audience,
    }
    if credentials.assertion_key is not None:
        form.update(client_assertion_fields(token_url, credentials))
    elif credentials.client_secret is not None:
        form["client_secret"] = credentials.client_secret.reveal()
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        if attempt and credentials.assertion_key is not None:
            form.update(client_assertion_fields(token_url, credentials))  # a jti is used once
        try:
            response = http.post(token_url, data=form)
        except httpx.TransportError as exc:
            if _untrusted_certificate(exc):
                raise Auth0Error(
                    f"cannot reach {token_url}: its TLS certificate is not trusted (for an "
                    "emulator, give its CA certificate with `ca:` in tenants.yaml)"
                ) from None
            if attempt >= CONNECT_RETRIES:
                raise Auth0Error(f"cannot reach {token_url}: {type(exc).__name__}") from None
            time.sleep(2.0**attempt)
            continue
        transient = response.status_code == 429 or response.status_code >= 500
        if transient and attempt < RATE_LIMIT_RETRIES:
            time.sleep(_wait_for(response.headers, attempt))
            continue
        if response.status_code != 200:
            raise _token_refused(response, token_url, credentials)
        token = response.json().get("access_token")
        if not isinstance(token, str) or not token:
            raise Auth0Error(f"the token endpoint {token_url} answered without an access_token")
        return token
    raise Auth0Error(f"the token endpoint {token_url} kept failing")  # pragma: no cover


def _untrusted_certificate(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _wait_for(headers: Mapping[str, str], attempt: int) -> float:
    reset = headers.get("x-ratelimit-reset")
    if reset and reset.isdigit():
        return max(0.05, min(int(reset) - time.time(), MAX_RATE_LIMIT_WAIT))
    return min(0.5 * 2.0**attempt, MAX_RATE_LIMIT_WAIT)


def client_assertion_fields(token_url: str, credentials: ClientCredentials) -> dict[str, str]:
    """private_key_jwt: auth0-python's assertion (iss = sub = client_id, aud = the tenant's
    https://DOMAIN/, a 180 s exp and a fresh jti), as Auth0 documents it:
    https://auth0.com/docs/get-started/authentication-and-authorization-flow/authenticate-with-private-key-jwt

    The claims of auth0-python's create_client_assertion_jwt, signed with the key as loaded
    once per process (credentials.private_key) instead of from its PEM text every time.
    """
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    assert credentials.assertion_key is not None
    client_id, now = credentials.client_id, int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": f"https://{urlsplit(token_url).netloc}/",
        "iat": now,
        "exp": now + ASSERTION_LIFETIME,
        "jti": str(uuid.uuid4()),
    }
    try:
        key = private_key(credentials.assertion_key.reveal())
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise TypeError("not a key of the algorithms Auth0 takes")  # refused earlier
        assertion = jwt.encode(claims, key, algorithm=credentials.assertion_algorithm)
    except Exception as exc:  # PyJWT/cryptography: a key that cannot sign this algorithm
        # Never the library's text: it may quote the key.
        message = (
            f"cannot sign the client assertion with the key from "
            f"{credentials.assertion_key.source} ({credentials.assertion_algorithm}): "
            f"{type(exc).__name__}"
        )
        raise ConfigError([Problem(message)]) from None
    return {
        "client_assertion": assertion,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
