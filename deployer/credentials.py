"""The Management API client's credentials and the tenant's domain, as tenants.yaml or the
environment give them.

A tenant with `credentials:` names where each value comes from ({env:} / {file:}). A tenant on
Auth0 without it takes the ecosystem's variables (AUTH0_DOMAIN, AUTH0_CLIENT_ID,
AUTH0_CLIENT_SECRET), so a pipeline set up for auth0-deploy-cli or the Terraform provider works
unchanged. Either way the client authenticates with a secret or, with a private key, a signed
client assertion (private_key_jwt); client.fetch_token sends it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import ASSERTION_ALGORITHMS, DOMAIN, TenantConfig
from .errors import ConfigError, Problem
from .secret import Secret
from .sources import Environment

if TYPE_CHECKING:  # cryptography is imported only for a tenant with a private key
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

# The ecosystem's names (auth0-deploy-cli, the Terraform provider, the Auth0 CLI's CI use):
# a tenant without `credentials:` (and without `domain:`) takes its client from these.
ENV_DOMAIN = "AUTH0_DOMAIN"
ENV_CLIENT_ID = "AUTH0_CLIENT_ID"
ENV_CLIENT_SECRET = "AUTH0_CLIENT_SECRET"
# The Terraform provider's names for private-key JWT client authentication.
ENV_ASSERTION_KEY = "AUTH0_CLIENT_ASSERTION_PRIVATE_KEY"
ENV_ASSERTION_ALG = "AUTH0_CLIENT_ASSERTION_SIGNING_ALG"


@dataclass(frozen=True)
class ClientCredentials:
    """How the tool authenticates to the token endpoint: a client secret, or a private key
    that signs a client assertion (private_key_jwt). Exactly one of the two is set."""

    client_id: str
    client_secret: Secret | None = None
    audience: str | None = None
    assertion_key: Secret | None = None
    assertion_algorithm: str = "RS256"


def _client_from_environment(tenant: TenantConfig, env: Environment) -> ClientCredentials:
    where = f"tenants.{tenant.name}"
    client_id = env.get(ENV_CLIENT_ID)
    secret = env.get(ENV_CLIENT_SECRET)
    key = env.get(ENV_ASSERTION_KEY)
    problems = []
    if client_id is None:
        problems.append(
            Problem(
                f"client_id is not set: no credentials: in tenants.yaml, so it comes from "
                f"${ENV_CLIENT_ID}",
                field=where,
            )
        )
    if secret is None and key is None:
        problems.append(
            Problem(
                f"client_secret is not set: no credentials: in tenants.yaml, so it comes from "
                f"${ENV_CLIENT_SECRET} (or a private key in ${ENV_ASSERTION_KEY})",
                field=where,
            )
        )
    if problems or client_id is None:
        raise ConfigError(problems)
    if secret is not None:
        return ClientCredentials(client_id, Secret(secret, f"${ENV_CLIENT_SECRET}"))
    assert key is not None
    algorithm = env.get(ENV_ASSERTION_ALG) or "RS256"
    if algorithm not in ASSERTION_ALGORITHMS:
        raise ConfigError(
            [
                Problem(
                    f"${ENV_ASSERTION_ALG} is {algorithm!r}: use one of "
                    + ", ".join(ASSERTION_ALGORITHMS),
                    field=where,
                )
            ]
        )
    pem = Secret(key, f"${ENV_ASSERTION_KEY}")
    check_private_key(pem, algorithm, field=where)
    return ClientCredentials(client_id, assertion_key=pem, assertion_algorithm=algorithm)


@functools.lru_cache(maxsize=16)
def private_key(pem: str) -> PrivateKeyTypes:
    """A PEM private key, loaded once per process. Loading checks the key, which takes about
    35 ms of CPU for RSA 2048: it was done twice per tenant (here and to sign its token's
    assertion), the same key again for every tenant that shares it."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(pem.encode(), password=None)


def check_private_key(key: Secret, algorithm: str, *, field: str) -> None:
    """The key must be a PEM private key that can sign `algorithm`; say which when not."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    try:
        loaded = private_key(key.reveal())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # The library's message can quote the input; say only where the key came from.
        reason = "is not an unencrypted PEM private key"
    else:
        wants_ec = algorithm == "ES256"
        if wants_ec and not (
            isinstance(loaded, ec.EllipticCurvePrivateKey)
            and isinstance(loaded.curve, ec.SECP256R1)
        ):
            reason = "is not a P-256 (prime256v1) EC key, which ES256 needs"
        elif not wants_ec and not isinstance(loaded, rsa.RSAPrivateKey):
            reason = f"is not an RSA key, which {algorithm} needs"
        else:
            return
    raise ConfigError([Problem(f"the private key from {key.source} {reason}", field=field)])


def resolve_credentials(tenant: TenantConfig, env: Environment) -> ClientCredentials | None:
    """The Management API client credentials, or None for an emulated tenant without any
    (the emulator has its own well-known local client)."""
    if tenant.credentials is None:
        return None if tenant.is_emulated else _client_from_environment(tenant, env)
    creds = tenant.credentials
    field = f"tenants.{tenant.name}.credentials"
    problems: list[Problem] = []
    client_id = creds.client_id if isinstance(creds.client_id, str) else env.lookup(creds.client_id)
    if client_id is None and not isinstance(creds.client_id, str):
        problems.append(
            Problem(
                f"client_id is not set: it comes from {creds.client_id.describe()}",
                field=f"{field}.client_id",
            )
        )
    ref, name = (
        (creds.client_secret, "client_secret")
        if creds.client_secret is not None
        else (creds.client_assertion.private_key, "client_assertion.private_key")
        if creds.client_assertion is not None
        else (None, "")
    )
    value = env.lookup(ref) if ref is not None else None
    if ref is None or value is None:
        source = ref.describe() if ref is not None else "nowhere"
        problems.append(
            Problem(f"{name} is not set: it comes from {source}", field=f"{field}.{name}")
        )
    if problems or client_id is None or ref is None or value is None:
        raise ConfigError(problems)
    secret = Secret(value, ref.describe())
    if creds.client_assertion is None:
        return ClientCredentials(client_id, secret, creds.audience)
    algorithm = creds.client_assertion.algorithm
    check_private_key(secret, algorithm, field=f"{field}.client_assertion.private_key")
    return ClientCredentials(
        client_id, audience=creds.audience, assertion_key=secret, assertion_algorithm=algorithm
    )


def tenant_domain(tenant: TenantConfig, env: Environment) -> str:
    """An Auth0 tenant's domain: `domain:` in tenants.yaml, else $AUTH0_DOMAIN."""
    if tenant.domain is not None:
        return tenant.domain
    value = env.get(ENV_DOMAIN)
    if value is None:
        raise ConfigError(
            [
                Problem(
                    f"the tenant's domain is not set: give domain: in tenants.yaml, "
                    f"or set ${ENV_DOMAIN}",
                    field=f"tenants.{tenant.name}",
                )
            ]
        )
    domain = value.strip().removeprefix("https://").rstrip("/")
    if not DOMAIN.match(domain):
        raise ConfigError(
            [
                Problem(
                    f"${ENV_DOMAIN} is {value!r}, not a host name like acme.eu.auth0.com",
                    field=f"tenants.{tenant.name}",
                )
            ]
        )
    return domain


def credential_problems(tenant: TenantConfig, env: Environment) -> list[Problem]:
    """What keeps the tool from reaching the tenant from here: domain and client."""
    problems: list[Problem] = []
    checks = [resolve_credentials] if tenant.is_emulated else [tenant_domain, resolve_credentials]
    for check in checks:
        try:
            check(tenant, env)
        except ConfigError as exc:
            problems.extend(exc.problems)
    return problems


def unset_credentials(tenant: TenantConfig, env: Environment) -> list[str]:
    """What keeps the tool from reaching the tenant, in a few words each (a table cell):
    "$AUTH0_DEV_CLIENT_SECRET is not set"."""
    return [
        re.sub(r"^.* is not set: it comes from (\S+)$", r"\1 is not set", p.message)
        for p in credential_problems(tenant, env)
    ]
