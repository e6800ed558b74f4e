"""The client-credentials grant, and how the Management API checks tokens and scopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from auth0.management.client import Auth0
from auth0.management.errors import ForbiddenError, UnauthorizedError

from deployer.emulator import DEFAULT_CLIENT_ID, Emulator

AUDIENCE = "https://local.emulator/api/v2/"
Grant = Callable[..., dict[str, str]]
# Well-formed claims with every scope, but no signature at all.
UNSIGNED = jwt.encode(
    {"sub": "x@clients", "aud": AUDIENCE, "exp": 2**31, "scope": "read:actions"},
    None,
    algorithm="none",
)


@pytest.fixture
def anon(emu: Emulator) -> httpx.Client:
    return httpx.Client(transport=emu.transport(), base_url="https://local.emulator")


@pytest.mark.parametrize("encoding", ["data", "json"])
def test_token_form_or_json(anon: httpx.Client, grant: Grant, encoding: str) -> None:
    answer = anon.post("/oauth/token", **{encoding: grant()})  # type: ignore[arg-type]
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "expires_in", "scope", "token_type"}
    assert (body["expires_in"], body["token_type"]) == (86400, "Bearer")
    assert body["scope"] == (
        "read:actions create:actions update:actions delete:actions read:clients"
    )
    # The Authentication API says plain application/json (recorded).
    assert answer.headers["content-type"] == "application/json"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == f"{DEFAULT_CLIENT_ID}@clients"
    assert claims["aud"] == AUDIENCE


def test_wrong_secret_is_401_access_denied(anon: httpx.Client, grant: Grant) -> None:
    answer = anon.post("/oauth/token", data=grant(client_secret="wrong"))
    assert answer.status_code == 401
    assert answer.json() == {"error": "access_denied", "error_description": "Unauthorized"}


def test_unknown_audience_is_403(anon: httpx.Client, grant: Grant) -> None:
    answer = anon.post("/oauth/token", data=grant(audience="https://elsewhere/api/v2/"))
    assert answer.status_code == 403
    assert answer.json()["error"] == "access_denied"


def test_grant_type_the_client_lacks_is_403_unauthorized_client(
    anon: httpx.Client, grant: Grant
) -> None:
    answer = anon.post("/oauth/token", data=grant(grant_type="password"))
    assert answer.status_code == 403
    assert answer.json() == {
        "error": "unauthorized_client",
        "error_description": "Grant type 'password' not allowed for the client.",
    }
    unknown = anon.post("/oauth/token", data=grant(grant_type="made-up"))
    assert (unknown.status_code, unknown.json()["error"]) == (400, "unsupported_grant_type")


def test_a_grant_of_no_scopes_has_no_scope_member(
    emu: Emulator, anon: httpx.Client, grant: Grant
) -> None:
    emu.add_client("bare", "bare-secret", [])
    answer = anon.post("/oauth/token", data=grant(client_id="bare", client_secret="bare-secret"))
    assert set(answer.json()) == {"access_token", "expires_in", "token_type"}


def test_requested_scope_narrows_the_grant(anon: httpx.Client, grant: Grant) -> None:
    answer = anon.post("/oauth/token", data=grant(scope="read:actions read:users"))
    assert answer.json()["scope"] == "read:actions"


def test_extra_client_with_own_scopes(emu: Emulator, anon: httpx.Client, grant: Grant) -> None:
    emu.add_client("reader", "reader-secret", ["read:actions"])
    token = anon.post(
        "/oauth/token", data=grant(client_id="reader", client_secret="reader-secret")
    ).json()["access_token"]
    headers = {"authorization": f"Bearer {token}"}
    assert anon.get("/api/v2/actions/actions", headers=headers).status_code == 200
    denied = anon.post("/api/v2/actions/actions", headers=headers, json={})
    assert denied.status_code == 403


@pytest.mark.parametrize(
    ("header", "message"),
    [
        pytest.param("Bearer not-a-jwt", "Invalid token", id="garbage"),
        pytest.param("Basic abc", "Invalid token", id="not-bearer"),
        pytest.param(f"Bearer {UNSIGNED}", "Invalid token", id="alg-none"),
        pytest.param(None, "Missing authentication", id="missing"),
    ],
)
def test_management_without_valid_token_is_401(
    anon: httpx.Client, header: str | None, message: str
) -> None:
    headers = {"authorization": header} if header else {}
    answer = anon.get("/api/v2/actions/actions", headers=headers)
    assert answer.status_code == 401
    body = answer.json()
    assert (body["statusCode"], body["error"], body["message"]) == (401, "Unauthorized", message)


def test_token_from_another_tenant_is_401(emu: Emulator, anon: httpx.Client) -> None:
    foreign = Emulator().issue_token()
    answer = anon.get("/api/v2/actions/actions", headers={"authorization": f"Bearer {foreign}"})
    assert answer.json()["message"] == "Invalid token"


def test_expired_token_is_401(emu: Emulator, anon: httpx.Client, clock: Any) -> None:
    token = emu.issue_token()
    clock.advance(86400)
    answer = anon.get("/api/v2/actions/actions", headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_a_token_accepted_before_is_checked_again_on_every_request(
    emu: Emulator, anon: httpx.Client, clock: Any
) -> None:
    """Its signature check is remembered (tokens.py), its expiry and the tenant's key are not."""
    headers = {"authorization": f"Bearer {emu.issue_token()}"}
    assert anon.get("/api/v2/actions/actions", headers=headers).status_code == 200
    clock.advance(86400)
    assert anon.get("/api/v2/actions/actions", headers=headers).json()["message"] == (
        "Expired token received for JSON Web Token validation"
    )
    clock.advance(-86400)
    assert anon.get("/api/v2/actions/actions", headers=headers).status_code == 200
    emu.state.signing_key = "another-tenant-key-" + "0" * 45  # its state replaced meanwhile
    assert anon.get("/api/v2/actions/actions", headers=headers).json()["message"] == "Invalid token"


def test_missing_scope_is_403_naming_it(emu: Emulator) -> None:
    client = Auth0(
        base_url="https://local.emulator/api/v2",
        token=emu.issue_token(scopes=["create:actions"]),
        httpx_client=httpx.Client(transport=emu.transport()),
        max_retries=0,
    )
    with pytest.raises(ForbiddenError) as raised:
        client.actions.list()
    assert raised.value.body == {
        "statusCode": 403,
        "error": "Forbidden",
        "message": "Insufficient scope, expected any of: read:actions",
        "errorCode": "insufficient_scope",
    }


def test_auth0_python_sees_401_as_unauthorized(emu: Emulator) -> None:
    client = Auth0(
        base_url="https://local.emulator/api/v2",
        token="nonsense",
        httpx_client=httpx.Client(transport=emu.transport()),
        max_retries=0,
    )
    with pytest.raises(UnauthorizedError):
        client.actions.triggers.list()
