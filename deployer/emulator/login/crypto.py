"""Passwords, opaque credentials and RS256 tokens for the login flow.

Tokens are signed and verified with PyJWT. Verification here is for the emulator's own tokens
only (the /userinfo endpoint); relying parties verify with the published JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

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

# scrypt at 16 MiB of memory: slow enough to be a real password hash, fast enough for tests.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed, _unb64(digest))


def new_credential() -> str:
    """An opaque random value: session ids, codes, refresh tokens, transaction ids."""
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """How a credential is stored and looked up: its SHA-256, never the value itself."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_signing_key() -> tuple[str, str]:
    """A fresh RSA key as PKCS#8 PEM, and a key id derived from its public part."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, _b64(hashlib.sha256(public).digest()[:16])


class SigningKey:
    """A loaded RS256 key (parsing the PEM on every token would cost more than signing)."""

    def __init__(self, pem: str, key_id: str) -> None:
        loaded = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError("the login signing key is not an RSA key")
        self._key = loaded
        self.key_id = key_id

    def jwk(self) -> dict[str, str]:
        public = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.key_id,
            "n": str(public["n"]),
            "e": str(public["e"]),
        }

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.key_id})

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this key signed (RS256 only), or None. Expiry: the caller's."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._key.public_key(), algorithms=["RS256"], options=SIGNATURE_ONLY
            )
        except jwt.PyJWTError:
            return None
        return claims
