"""Clients of Auth0 tenants share one TLS context: httpx's default, made once per process."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import certifi
import httpx
import pytest

from deployer import targets
from deployer.credentials import ClientCredentials
from deployer.pacing import RateBudget
from deployer.secret import Secret


class Stop(Exception):
    """Raised instead of asking for a token: no network in tests."""


def _refuse(*_args: Any, **_kwargs: Any) -> str:
    raise Stop


@pytest.fixture
def contexts_made(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ssl.SSLContext]]:
    made: list[ssl.SSLContext] = []
    real = httpx.create_ssl_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(httpx, "create_ssl_context", counted)
    monkeypatch.setattr(targets, "fetch_token", _refuse)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    targets._tls_for.cache_clear()
    yield made
    targets._tls_for.cache_clear()


def _open(domain: str) -> None:
    target = targets.Target(
        f"https://{domain}", ClientCredentials("id", Secret("s" * 40, "a test value"))
    )
    with pytest.raises(Stop), targets.open_client(target, RateBudget()):
        pass


def test_tenants_on_auth0_share_one_context_that_verifies(
    contexts_made: list[ssl.SSLContext],
) -> None:
    for domain in ("one.eu.auth0.com", "two.eu.auth0.com", "three.us.auth0.com"):
        _open(domain)
    assert len(contexts_made) == 1
    context = contexts_made[0]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_the_ca_variables_httpx_reads_are_still_honoured(
    contexts_made: list[ssl.SSLContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    _open("one.eu.auth0.com")
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    _open("two.eu.auth0.com")
    _open("three.eu.auth0.com")
    assert len(contexts_made) == 2
