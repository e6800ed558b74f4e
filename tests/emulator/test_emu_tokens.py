"""The emulator's own HS256 tokens: PyJWT's bytes, and every malformed or forged one refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import jwt
import pytest

from deployer.emulator import tokens

KEY = "tenant-signing-key-" + "k" * 45
CLAIMS = {
    "iss": "https://local.emulator/",
    "sub": "deployer@clients",
    "aud": "https://local.emulator/api/v2/",
    "iat": 1_790_000_000,
    "exp": 1_790_086_400,
    "scope": "read:actions create:actions update:actions",
}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _forged(header: Any, payload: Any, key: str = KEY) -> str:
    """A token whose MAC is right for `key`, whatever its header and payload say."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    mac = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def test_a_token_is_byte_for_byte_what_pyjwt_signs() -> None:
    expected = jwt.encode(CLAIMS, KEY, algorithm="HS256", headers={"kid": "emulator"})
    assert tokens.sign(CLAIMS, KEY) == expected


def test_pyjwt_accepts_our_token_and_we_accept_pyjwts() -> None:
    ours = tokens.sign(CLAIMS, KEY)
    options: Any = {"verify_exp": False, "verify_aud": False}
    assert jwt.decode(ours, KEY, algorithms=["HS256"], options=options) == CLAIMS
    assert jwt.get_unverified_header(ours) == {"alg": "HS256", "kid": "emulator", "typ": "JWT"}
    theirs = jwt.encode({**CLAIMS, "scope": "read:actions"}, KEY, algorithm="HS256")
    assert tokens.verify(theirs, KEY) == {**CLAIMS, "scope": "read:actions"}


def _tampered_payload() -> str:
    header, _, signature = tokens.sign(CLAIMS, KEY).split(".")
    payload = _b64(json.dumps({**CLAIMS, "scope": "delete:everything"}).encode())
    return f"{header}.{payload}.{signature}"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(tokens.sign(CLAIMS, "another-key-" + "0" * 52), id="another-key"),
        pytest.param(_tampered_payload(), id="tampered-payload"),
        pytest.param(tokens.sign(CLAIMS, KEY)[:-2], id="cut-signature"),
        pytest.param(jwt.encode(CLAIMS, None, algorithm="none"), id="alg-none-unsigned"),
        pytest.param(jwt.encode(CLAIMS, KEY, algorithm="HS384"), id="hs384"),
        pytest.param(_forged({"alg": "none"}, CLAIMS), id="right-mac-alg-none"),
        pytest.param(_forged({"alg": "HS256"}, ["not", "claims"]), id="payload-not-an-object"),
        pytest.param(_forged(["HS256"], CLAIMS), id="header-not-an-object"),
        pytest.param("not-a-jwt", id="one-segment"),
        pytest.param("a.b.c.d", id="four-segments"),
        pytest.param("é.é.é", id="not-ascii"),
        pytest.param("", id="empty"),
    ],
)
def test_refused(token: str) -> None:
    assert tokens.verify(token, KEY) is None


def test_a_right_mac_over_bytes_that_are_not_json_is_refused() -> None:
    signing_input = f"{_b64(b'{not json')}.{_b64(b'[')}"
    mac = hmac.new(KEY.encode(), signing_input.encode(), hashlib.sha256).digest()
    assert tokens.verify(f"{signing_input}.{_b64(mac)}", KEY) is None


def test_the_claims_returned_are_a_copy() -> None:
    token = tokens.sign(CLAIMS, KEY)
    first = tokens.verify(token, KEY)
    assert first is not None
    first["scope"] = "changed"
    assert tokens.verify(token, KEY) == CLAIMS
