"""Access tokens: HS256 JWTs signed with the tenant's own key, like Auth0's in shape."""

from __future__ import annotations

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


def sign(claims: dict[str, Any], key: str) -> str:
    return jwt.encode(claims, key, algorithm="HS256", headers={"kid": "emulator"})


def verify(token: str, key: str) -> dict[str, Any] | None:
    """The claims of a token signed with `key` (HS256 only), or None; expiry is the caller's."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=["HS256"], options=SIGNATURE_ONLY
        )
    except jwt.PyJWTError:
        return None
    return claims
