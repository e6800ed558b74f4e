"""Access tokens: HS256 JWTs signed with the tenant's own key, like Auth0's in shape.

A client sends the same token with every request of a run, and checking it again each time was
most of the emulator's work for a read. The outcome of a signature check depends only on the
token and the key, so it is remembered for both: what is checked on every request (expiry,
scopes, the tenant's current key) is the caller's and is not cached.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jwt

if TYPE_CHECKING:
    from jwt.types import Options  # PyJWT 2.10+; only a type

# The signature only: times, audience and issuer are the caller's checks, against the
# emulator's own clock and tenant (not the wall clock PyJWT would use).
SIGNATURE_ONLY: Options = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
    "verify_sub": False,
    "verify_jti": False,
}
# Tokens whose check is remembered, the least recently used forgotten first: a few per tenant
# of a run (one per client), for hundreds of tenants in one process.
REMEMBERED_TOKENS = 1024


def sign(claims: dict[str, Any], key: str) -> str:
    return jwt.encode(claims, key, algorithm="HS256", headers={"kid": "emulator"})


def verify(token: str, key: str) -> dict[str, Any] | None:
    """The claims of a token signed with `key` (HS256 only), or None; expiry is the caller's."""
    claims = _checked(token, key)
    return dict(claims) if claims is not None else None


@functools.lru_cache(maxsize=REMEMBERED_TOKENS)
def _checked(token: str, key: str) -> Mapping[str, Any] | None:
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=["HS256"], options=SIGNATURE_ONLY
        )
    except jwt.PyJWTError:
        return None
    return claims
