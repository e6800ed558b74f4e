"""Credentials as the ecosystem spells them: AUTH0_* variables for a tenant without
`credentials:`, and private-key JWT client authentication checked by the emulator."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from support.project import Project

from deployer.client.token import client_assertion_fields
from deployer.config import TenantConfig, load_config
from deployer.credentials import (
    ClientCredentials,
    credential_problems,
    resolve_credentials,
    tenant_domain,
)
from deployer.errors import ConfigError, DeployerError
from deployer.sources import Environment
from deployer.targets import open_client, resolve_target
from deployer.workflow import deploy_tenant

CLIENT = "ci-deployer"
SCOPES = ("read:actions", "create:actions", "update:actions")
TENANT_ON_AUTH0 = """\
version: 1
defaults:
  action:
    terms: {url: "https://terms.example.com/accept", version: "2026-11-01"}
    claims: {namespace: "https://example.com/"}
tenants:
  prod:
    secrets:
      TERMS_TOKEN_SECRET: {env: PROD_TOKEN}
      TERMS_RECORD_KEY: {env: PROD_RECORD}
"""


def _prod_on_auth0(root: Path) -> TenantConfig:
    (root / "tenants.yaml").write_text(TENANT_ON_AUTH0)
    return load_config(root / "tenants.yaml").tenants["prod"]


def _pem_pair(algorithm: str) -> tuple[str, str]:
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if algorithm == "ES256":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _assertion_claims(creds: ClientCredentials, public: str, algorithm: str) -> dict[str, Any]:
    """The claims of a client assertion for acme's token endpoint, verified with `public`."""
    fields = client_assertion_fields("https://acme.eu.auth0.com/oauth/token", creds)
    claims: dict[str, Any] = jwt.decode(
        fields["client_assertion"],
        public,
        algorithms=[algorithm],
        audience="https://acme.eu.auth0.com/",
    )
    return claims


def test_a_tenant_without_credentials_takes_the_auth0_variables(tmp_path: Path) -> None:
    (tmp_path / "tenants.yaml").write_text(TENANT_ON_AUTH0)
    config = load_config(tmp_path / "tenants.yaml")
    prod = config.tenants["prod"]
    env = Environment(
        tmp_path,
        environ={
            "AUTH0_DOMAIN": "https://acme.eu.auth0.com/",
            "AUTH0_CLIENT_ID": "abc",
            "AUTH0_CLIENT_SECRET": "s3cret-value-that-must-not-print",
        },
    )
    creds = resolve_credentials(prod, env)
    assert creds is not None and creds.client_id == "abc"
    assert creds.client_secret is not None and creds.client_secret.source == "$AUTH0_CLIENT_SECRET"
    assert tenant_domain(prod, env) == "acme.eu.auth0.com"

    nothing = Environment(tmp_path, environ={})
    messages = [str(p) for p in credential_problems(prod, nothing)]
    assert any("$AUTH0_DOMAIN" in m for m in messages), messages
    assert any("$AUTH0_CLIENT_ID" in m for m in messages), messages
    assert any("$AUTH0_CLIENT_SECRET" in m for m in messages), messages


def test_a_domain_variable_that_is_a_url_with_a_path_is_refused(tmp_path: Path) -> None:
    prod = _prod_on_auth0(tmp_path)
    env = Environment(tmp_path, environ={"AUTH0_DOMAIN": "acme.eu.auth0.com/api/v2"})
    with pytest.raises(ConfigError, match=r"\$AUTH0_DOMAIN is .* not a host name"):
        tenant_domain(prod, env)


def _assertion_project(project: Project, algorithm: str, key_env: str = "CI_KEY") -> None:
    project.edit_tenants(
        lambda text: text.replace(
            "  local:\n    emulator: embedded\n",
            "  local:\n    emulator: embedded\n"
            "    credentials:\n"
            f"      client_id: {CLIENT}\n"
            "      client_assertion:\n"
            f"        private_key: {{env: {key_env}}}\n"
            f"        algorithm: {algorithm}\n",
        )
    )


@pytest.mark.parametrize("algorithm", ["RS256", "PS256", "ES256"])
def test_a_deploy_authenticates_with_a_private_key_jwt(project: Project, algorithm: str) -> None:
    private, public = _pem_pair(algorithm)
    project.emulator("local").add_client(
        CLIENT, "", SCOPES, public_key=public, key_algorithm=algorithm
    )
    _assertion_project(project, algorithm)
    project.environ["CI_KEY"] = private

    outcome = deploy_tenant(project.context(), "local", confirm=lambda *_: True)

    assert outcome.error is None, outcome.error
    assert outcome.applied
    token_requests = [e for e in project.emulator("local").request_log if e.path == "/oauth/token"]
    assert token_requests and all(e.status == 200 for e in token_requests)
    assert not any(private.splitlines()[1] in line for line in project.lines)


def test_the_wrong_key_is_refused_without_showing_it(project: Project) -> None:
    _, public = _pem_pair("RS256")
    other, _ = _pem_pair("RS256")
    project.emulator("local").add_client(CLIENT, "", SCOPES, public_key=public)
    _assertion_project(project, "RS256")
    project.environ["CI_KEY"] = other
    context = project.context()
    tenant = context.config.tenants["local"]

    target = resolve_target(context.config, tenant, context.env, project.transport)
    with pytest.raises(DeployerError) as caught, open_client(target):
        pass
    assert "401" in str(caught.value) and "client assertion key" in str(caught.value)
    assert other.splitlines()[1] not in str(caught.value)


def test_a_key_of_the_wrong_kind_is_named_before_any_request(project: Project) -> None:
    rsa_key, _ = _pem_pair("RS256")
    _assertion_project(project, "ES256")
    for value, reason in ((rsa_key, "P-256"), ("-----BEGIN nonsense", "not an unencrypted PEM")):
        project.environ["CI_KEY"] = value
        context = project.context()
        problems = credential_problems(context.config.tenants["local"], context.env)
        assert [p.field for p in problems] == [
            "tenants.local.credentials.client_assertion.private_key"
        ]
        assert reason in problems[0].message and "$CI_KEY" in problems[0].message
        assert value not in problems[0].message
    assert project.emulator("local").request_log == []


# The emulator's side, request by request.


@pytest.fixture
def keyed(project: Project) -> tuple[httpx.Client, str]:
    private, public = _pem_pair("RS256")
    emu = project.emulator("local")
    emu.add_client(CLIENT, "unused-secret", SCOPES, public_key=public)
    return httpx.Client(transport=emu.transport(), base_url="https://local.emulator"), private


def _grant(assertion: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": CLIENT,
        "audience": "https://local.emulator/api/v2/",
        "client_assertion": assertion,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        **extra,
    }


def _assertion(private: str, **claims: object) -> str:
    now = int(time.time())
    body = {
        "iss": CLIENT,
        "sub": CLIENT,
        "aud": "https://local.emulator/",
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
        **claims,
    }
    return jwt.encode({k: v for k, v in body.items() if v is not None}, private, "RS256")


def test_the_emulator_accepts_a_good_assertion_once(keyed: tuple[httpx.Client, str]) -> None:
    http, private = keyed
    assertion = _assertion(private)
    assert http.post("/oauth/token", data=_grant(assertion)).status_code == 200
    replay = http.post("/oauth/token", data=_grant(assertion))
    assert replay.status_code == 401
    assert "already used" in replay.json()["error_description"]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "https://local.emulator/oauth/token"}, "InvalidAudienceError"),
        ({"iss": "someone-else"}, "InvalidIssuerError"),
        ({"exp": int(time.time()) - 5}, "expired"),
        ({"exp": int(time.time()) + 600}, "longer than 5 minutes"),
        ({"jti": None}, "MissingRequiredClaimError"),
    ],
)
def test_the_emulator_refuses_a_bad_assertion(
    keyed: tuple[httpx.Client, str], claims: dict[str, object], reason: str
) -> None:
    http, private = keyed
    answer = http.post("/oauth/token", data=_grant(_assertion(private, **claims)))
    assert answer.status_code == 401
    assert answer.json()["error"] == "access_denied"
    assert reason in answer.json()["error_description"]


def test_a_key_client_cannot_use_its_secret_nor_another_algorithm(
    keyed: tuple[httpx.Client, str],
) -> None:
    http, _ = keyed
    by_secret = {
        "grant_type": "client_credentials",
        "client_id": CLIENT,
        "client_secret": "unused-secret",
        "audience": "https://local.emulator/api/v2/",
    }
    assert http.post("/oauth/token", data=by_secret).status_code == 401
    hs = jwt.encode(
        {"iss": CLIENT, "sub": CLIENT, "aud": "https://local.emulator/", "exp": 9e9, "jti": "1"},
        "x" * 32,
        "HS256",
    )
    answer = http.post("/oauth/token", data=_grant(hs))
    assert answer.status_code == 401 and "RS256" in answer.json()["error_description"]


def test_a_key_from_a_file_signs_for_the_tenant_domain(tmp_path: Path) -> None:
    private, public = _pem_pair("ES256")
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "prod.pem").write_text(private)
    (tmp_path / "tenants.yaml").write_text(
        TENANT_ON_AUTH0.replace(
            "  prod:\n",
            "  prod:\n"
            "    domain: acme.eu.auth0.com\n"
            "    credentials:\n"
            "      client_id: {env: PROD_CLIENT}\n"
            "      client_assertion: {private_key: {file: keys/prod.pem}, algorithm: ES256}\n",
        )
    )
    prod = load_config(tmp_path / "tenants.yaml").tenants["prod"]
    creds = resolve_credentials(prod, Environment(tmp_path, environ={"PROD_CLIENT": "m2m"}))
    assert creds is not None and creds.client_secret is None
    claims = _assertion_claims(creds, public, "ES256")
    assert claims["iss"] == claims["sub"] == "m2m" and claims["jti"]
    assert claims["exp"] - time.time() <= 300


def test_the_terraform_variables_give_a_private_key_client(tmp_path: Path) -> None:
    private, _ = _pem_pair("PS256")
    prod = _prod_on_auth0(tmp_path)
    environ = {
        "AUTH0_DOMAIN": "acme.eu.auth0.com",
        "AUTH0_CLIENT_ID": "m2m",
        "AUTH0_CLIENT_ASSERTION_PRIVATE_KEY": private,
        "AUTH0_CLIENT_ASSERTION_SIGNING_ALG": "PS256",
    }
    creds = resolve_credentials(prod, Environment(tmp_path, environ=environ))
    assert creds is not None and creds.assertion_algorithm == "PS256"
    assert creds.assertion_key is not None
    environ["AUTH0_CLIENT_ASSERTION_SIGNING_ALG"] = "HS256"
    with pytest.raises(ConfigError, match="HS256"):
        resolve_credentials(prod, Environment(tmp_path, environ=environ))


def test_a_private_key_is_loaded_once_for_every_tenant_and_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading checks the key (tens of ms for RSA): once per process, not per tenant and token;
    each assertion is still signed afresh (its own jti), and verifies."""
    from cryptography.hazmat.primitives import serialization as loaders

    private, public = _pem_pair("RS256")
    loads = []
    real = loaders.load_pem_private_key
    monkeypatch.setattr(
        loaders, "load_pem_private_key", lambda *a, **k: loads.append(1) or real(*a, **k)
    )
    prod = _prod_on_auth0(tmp_path)
    environ = {
        "AUTH0_DOMAIN": "acme.eu.auth0.com",
        "AUTH0_CLIENT_ID": "m2m",
        "AUTH0_CLIENT_ASSERTION_PRIVATE_KEY": private,
    }
    jtis = set()
    for _ in range(3):  # three tenants' plans sharing the key: resolve, then a token each
        creds = resolve_credentials(prod, Environment(tmp_path, environ=environ))
        assert creds is not None
        claims = _assertion_claims(creds, public, "RS256")
        jtis.add(claims["jti"])
    assert len(loads) == 1 and len(jtis) == 3
