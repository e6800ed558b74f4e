"""The tokens of the round trip: the Action's session_token in, the answer token out, and CSRF.

The rules are docs/consent-contract.md's. No web framework here: plain functions over strings,
so each rule is a short test.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

import jwt

from .settings import ConsentSettings

ALGORITHM = "HS256"
# Bounds on what the page accepts from a URL, so a huge or odd value is refused before any work.
MAX_TOKEN_CHARS = 4096
MAX_STATE_CHARS = 1024
_STATE = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces: Auth0 states are opaque ids
# The deployer's rule for a terms version (deployer/params.py), so any version it deploys fits.
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Clock leeway on the incoming token's `iat` and `exp`: Auth0 sets `iat` from its own clock,
# which may run a little ahead of this server's (contract, "Verify it").
LEEWAY_SECONDS = 30


class Refusal(Enum):
    """Why a request was refused; logged and mapped to a page, never shown with token data."""

    MISSING = "missing session_token or state"
    MALFORMED = "malformed session_token or state"
    EXPIRED = "session_token expired"
    INVALID = "session_token invalid (algorithm, signature, issuer or claims)"
    UNKNOWN_VERSION = "no terms file for the token's terms_version"


class TokenRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class Session:
    """A verified session_token and the state it arrived with."""

    token: str
    state: str
    sub: str
    terms_version: str
    # The host the login used (the verified `iss`, or the host of a verified `continue_uri`):
    # the answer goes to /continue there.
    login_host: str


def is_safe_version(version: str) -> bool:
    """A version usable as a file name: no separators, no leading dot, bounded length."""
    return bool(_VERSION.match(version)) and ".." not in version


def verify_session(settings: ConsentSettings, token: str | None, state: str | None) -> Session:
    """Check the Action's session_token (and the shape of state); raise TokenRefused if not OK.

    HS256 only: the header must say exactly HS256 (so `none`, RS256-over-HMAC confusion and
    other HMAC sizes are refused before any key is used), then the signature with the current
    secret or, during a rotation, the previous one; then `exp` and `iat` (with a small leeway),
    `iss` (the tenant's or a custom domain's host), `sub`, `terms_version`, and `continue_uri`
    when present (it must be https://ISS/continue for an accepted issuer).
    """
    if not token or not state:
        raise TokenRefused(Refusal.MISSING)
    if len(token) > MAX_TOKEN_CHARS or len(state) > MAX_STATE_CHARS or not _STATE.match(state):
        raise TokenRefused(Refusal.MALFORMED)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenRefused(Refusal.MALFORMED) from None
    if header.get("alg") != ALGORITHM:
        raise TokenRefused(Refusal.INVALID)
    claims = _decode(settings, token)
    sub, version = claims.get("sub"), claims.get("terms_version")
    if not isinstance(sub, str) or not sub or not isinstance(version, str):
        raise TokenRefused(Refusal.INVALID)
    if not is_safe_version(version):
        raise TokenRefused(Refusal.INVALID)
    return Session(
        token=token,
        state=state,
        sub=sub,
        terms_version=version,
        login_host=_login_host(settings, claims),
    )


def _login_host(settings: ConsentSettings, claims: dict[str, Any]) -> str:
    """Where the login happens: the host of `continue_uri` (the Action's
    event.request.hostname) if the token has one, else `iss`. Either must be accepted."""
    issuer = str(claims["iss"])
    resume = claims.get("continue_uri")
    if resume is None:
        return issuer
    if not isinstance(resume, str):
        raise TokenRefused(Refusal.INVALID)
    match = re.fullmatch(r"https://([^/?#]+)/continue", resume)
    if match is None or match.group(1) not in settings.issuers:
        raise TokenRefused(Refusal.INVALID)
    return match.group(1)


def _decode(settings: ConsentSettings, token: str) -> dict[str, Any]:
    for secret in settings.verification_secrets:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],
                issuer=settings.issuers,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.InvalidSignatureError:
            continue  # perhaps signed with the other secret of a rotation
        except jwt.ExpiredSignatureError:
            # Raised only after the signature verified: the link is genuine, merely old.
            raise TokenRefused(Refusal.EXPIRED) from None
        except jwt.PyJWTError:
            raise TokenRefused(Refusal.INVALID) from None
        return claims
    raise TokenRefused(Refusal.INVALID)


def mint_answer(
    settings: ConsentSettings,
    session: Session,
    *,
    accepted: bool,
    issuer: str,
    now: int | None = None,
) -> str:
    """The answer token, exactly as the contract says: HS256 (header typ JWT) with the current
    secret, carrying Auth0's standard claims (iat, exp, sub, iss, state) and ours."""
    issued = int(time.time()) if now is None else now
    claims = {
        "iat": issued,
        "exp": issued + settings.answer_ttl_seconds,
        "sub": session.sub,
        "iss": issuer,
        "state": session.state,
        "jti": uuid.uuid4().hex,
        "terms_version": session.terms_version,
        "accepted": accepted,
    }
    return jwt.encode(claims, settings.token_secret, algorithm=ALGORITHM, headers={"typ": "JWT"})


# CSRF: a signed double-submit token.
#
# GET /terms gives the browser a random nonce in a cookie (HttpOnly, SameSite=Strict, Secure
# and `__Host-` prefixed over https) and puts into the form
#     csrf = HMAC-SHA256(key, nonce, SHA-256(session_token), state)
# POST /terms/answer recomputes it from the cookie and the posted session_token and state.
# - A cross-site form post carries no cookie (SameSite=Strict), so it fails even if the attacker
#   knows the victim's session_token and state.
# - An attacker cannot make a csrf value for a nonce they planted (cookie tossing from a sibling
#   domain is stopped by `__Host-`, and the value needs the key anyway).
# - The value binds this session_token and this state: a form cannot be replayed with the state
#   of another login, which matters because the session_token itself does not carry state.
# The key is derived from TERMS_TOKEN_SECRET with a label, so every replica of the page agrees
# on it without new configuration, and a CSRF value is never a JWT signature.
CSRF_NONCE_BYTES = 32
_CSRF_LABEL = b"accept-terms consent page / csrf key / v1"


def new_csrf_nonce() -> str:
    return secrets.token_urlsafe(CSRF_NONCE_BYTES)


def is_csrf_nonce(value: str | None) -> bool:
    return bool(value) and re.fullmatch(r"[A-Za-z0-9_-]{43}", value or "") is not None


def _csrf_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _CSRF_LABEL, hashlib.sha256).digest()


def _csrf_value(key: bytes, nonce: str, token: str, state: str) -> str:
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    message = "\x00".join((nonce, token_hash, state)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def csrf_token(settings: ConsentSettings, nonce: str, token: str, state: str) -> str:
    return _csrf_value(_csrf_key(settings.token_secret), nonce, token, state)


def csrf_matches(
    settings: ConsentSettings, nonce: str | None, token: str, state: str, given: str | None
) -> bool:
    """Constant-time check; a value made with the previous secret's key still counts.

    Works on the raw posted strings, so a forged post is refused before its token is looked at.
    """
    if nonce is None or not is_csrf_nonce(nonce) or not given:
        return False
    ok = False
    for secret in settings.verification_secrets:
        expected = _csrf_value(_csrf_key(secret), nonce, token, state)
        ok |= hmac.compare_digest(expected.encode(), given.encode())
    return ok
