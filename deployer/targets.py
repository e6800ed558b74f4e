"""Where a tenant lives: Auth0, a running emulator on loopback, or the embedded emulator.

Every tenant, whatever its target, goes through the same client; only the HTTP transport and
the credentials differ.
"""

from __future__ import annotations

import contextlib
import functools
import os
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from auth0.management.client import Auth0

from .client import Auth0Client, fetch_token
from .client.http import LeanClient
from .config import Config, EmulatorURL, TenantConfig
from .credentials import ClientCredentials, resolve_credentials, tenant_domain
from .errors import ConfigError, Problem
from .pacing import RateBudget, budget_for
from .secret import Secret
from .sources import Environment, tenant_dir

if TYPE_CHECKING:  # the emulator is imported only for a tenant that uses it (start-up time)
    from .emulator import EmulatorSettings

HTTP_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
EMULATOR_STATE = "emulator.json"

# Tests give tenants in-memory emulators; the CLI leaves this None (state files in .deployer/).
TransportFactory = Callable[[TenantConfig], httpx.BaseTransport]


@dataclass(frozen=True)
class Target:
    base_url: str  # https://host[:port], no path
    credentials: ClientCredentials
    transport: httpx.BaseTransport | None = None
    ca_file: Path | None = None  # trust this CA (a `deployer emulator serve --tls`) only


def embedded_emulator_transport(
    config: Config, tenant: TenantConfig, settings: EmulatorSettings | None = None
) -> httpx.BaseTransport:
    """The tenant's own emulator in this process, its state in .deployer/<tenant>/.

    Default settings (None) are Auth0's free tier (asynchronous builds, rate limits): the local
    tenant is as awkward as a real one. Tests pass faster ones through the run's context.
    """
    from .emulator import Emulator

    state = tenant_dir(config, tenant.name) / EMULATOR_STATE
    state.parent.mkdir(parents=True, exist_ok=True)
    emulator = Emulator(settings, state_path=state, domain=f"{tenant.name}.emulator")
    return emulator.transport()


def _emulator_client() -> ClientCredentials:
    from .emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    return ClientCredentials(
        DEFAULT_CLIENT_ID, Secret(DEFAULT_CLIENT_SECRET, "the emulator's documented local client")
    )


def resolve_target(
    config: Config,
    tenant: TenantConfig,
    env: Environment,
    transports: TransportFactory | None = None,
    settings: EmulatorSettings | None = None,
) -> Target:
    credentials = resolve_credentials(tenant, env) or _emulator_client()
    if not tenant.is_emulated:
        return Target(f"https://{tenant_domain(tenant, env)}", credentials)
    if isinstance(tenant.emulator, EmulatorURL):
        ca = config.root / tenant.emulator.ca if tenant.emulator.ca else None
        return Target(tenant.emulator.url.rstrip("/"), credentials, ca_file=ca)
    transport = (
        transports(tenant) if transports else embedded_emulator_transport(config, tenant, settings)
    )
    return Target(f"https://{tenant.name}.emulator", credentials, transport=transport)


def _paced(budget: RateBudget) -> dict[str, list[Callable[..., None]]]:
    """httpx hooks that keep the Management API requests within the tenant's rate limit (the
    token endpoint belongs to the Authentication API, limited apart and far more loosely)."""

    def before(request: httpx.Request) -> None:
        if not request.url.path.endswith("/oauth/token"):
            budget.acquire()

    def after(response: httpx.Response) -> None:
        if not response.request.url.path.endswith("/oauth/token"):
            budget.observe(response.status_code, response.headers)

    return {"request": [before], "response": [after]}


def tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """What checks the tenant's certificate: the CA bundle httpx uses for `verify=True`
    (certifi's, or the one $SSL_CERT_FILE / $SSL_CERT_DIR name), or only the CA of a
    `deployer emulator serve --tls`. Made once per process and shared by every client: loading
    the bundle costs ~23 ms of CPU, which a context per client spent for every tenant (2.3 s in
    a plan of 100 real tenants). A context is safe to share between threads."""
    if ca_file is not None:
        return _tls_with_ca(ca_file)
    return _tls_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.cache
def _tls_for(_cert_file: str | None, _cert_dir: str | None) -> ssl.SSLContext:
    # Keyed by the variables httpx reads, so that a change to them is still seen.
    return httpx.create_ssl_context()


@functools.cache
def _tls_with_ca(ca_file: Path) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            [Problem(f"cannot load the emulator's CA certificate: {exc}", file=str(ca_file))]
        ) from None


@contextlib.contextmanager
def open_client(target: Target, budget: RateBudget | None = None) -> Iterator[Auth0Client]:
    """A client of the tenant: a token, then requests paced by `budget` (by default the
    tenant's own, shared by every client of it in this process)."""
    hooks = _paced(budget or budget_for(target.base_url))
    if target.transport is not None:
        http = LeanClient(transport=target.transport, timeout=HTTP_TIMEOUT, event_hooks=hooks)
    else:
        verify = tls_context(target.ca_file)
        http = LeanClient(verify=verify, timeout=HTTP_TIMEOUT, event_hooks=hooks)
    with http:
        token = fetch_token(
            http,
            f"{target.base_url}/oauth/token",
            target.credentials,
            audience=target.credentials.audience or f"{target.base_url}/api/v2/",
        )
        api = Auth0(base_url=f"{target.base_url}/api/v2", token=token, httpx_client=http)
        yield Auth0Client(api)
