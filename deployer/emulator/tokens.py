"""Access tokens: HS256 JWTs signed with the tenant's own key, like Auth0's in shape.

A client sends the same token with every request of a run, and checking it again each time was
most of the emulator's work for a read. The outcome of a signature check depends only on the
token and the key, so it is remembered for both: what is checked on every request (expiry,
scopes, the tenant's current key) is the caller's and is not cached.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jwt
from jwt.utils import base64url_decode

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


class _Checked:
    """(token, key) -> the claims of a token that key signed (a bounded LRU)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, str], Mapping[str, Any]] = OrderedDict()

    def get(self, token: str, key: str) -> Mapping[str, Any] | None:
        with self._lock:
            claims = self._items.get((token, key))
            if claims is not None:
                self._items.move_to_end((token, key))
            return claims

    def put(self, token: str, key: str, claims: Mapping[str, Any]) -> None:
        with self._lock:
            self._items[(token, key)] = claims
            self._items.move_to_end((token, key))
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_checked = _Checked(REMEMBERED_TOKENS)


def sign(claims: dict[str, Any], key: str) -> str:
    token = jwt.encode(claims, key, algorithm="HS256", headers={"kid": "emulator"})
    # Its claims as a check would read them back (the payload's JSON), without the check: the
    # client that asked for it sends it next.
    _checked.put(token, key, json.loads(base64url_decode(token.split(".")[1])))
    return token


def verify(token: str, key: str) -> dict[str, Any] | None:
    """The claims of a token signed with `key` (HS256 only), or None; expiry is the caller's."""
    remembered = _checked.get(token, key)
    if remembered is not None:
        return dict(remembered)
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=["HS256"], options=SIGNATURE_ONLY
        )
    except jwt.PyJWTError:
        return None
    _checked.put(token, key, claims)
    return dict(claims)
