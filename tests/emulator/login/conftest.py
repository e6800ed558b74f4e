"""Fixtures: the real accept-terms Action, rendered from tenants.yaml and deployed with its
secrets into an emulator that runs on the real clock (the Node runtime uses real time)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.login import (
    CALLBACK,
    CLIENT_ID,
    CLIENT_SECRET,
    EMAIL,
    PASSWORD,
    Browser,
    ConsentPage,
    Deployed,
)

from deployer.config import load_config
from deployer.emulator import Emulator, EmulatorSettings
from deployer.header import Header
from deployer.params import ActionParams
from deployer.render import render_action

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def rendered() -> tuple[str, ActionParams]:
    """The Action exactly as `deployer render --tenant local` renders it."""
    config = load_config(REPO / "tenants.yaml")
    params = config.tenants["local"].action
    return render_action(config.manifest, params, Header("local", config.manifest.name)), params


@pytest.fixture
def tenant() -> Emulator:
    settings = EmulatorSettings(build_seconds=0, deploy_settle_seconds=0, rate_limit_burst=None)
    return Emulator(settings)


@pytest.fixture
def seeded(tenant: Emulator) -> str:
    """The application and a user; returns the user's id."""
    tenant.add_application(
        CLIENT_ID, name="Acme Web", callbacks=[CALLBACK], client_secret=CLIENT_SECRET
    )
    return tenant.add_user(EMAIL, PASSWORD)


@pytest.fixture
def terms(tenant: Emulator, rendered: tuple[str, ActionParams], seeded: str) -> Deployed:
    """accept-terms deployed with fresh secrets and bound to post-login."""
    code, params = rendered
    token_secret, record_key = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    action_id = tenant.seed_action(
        "accept-terms",
        code=code,
        secrets={"TERMS_TOKEN_SECRET": token_secret, "TERMS_RECORD_KEY": record_key},
    )
    tenant.seed_binding("post-login", action_id)
    return Deployed(action_id, params, token_secret, record_key)


@pytest.fixture
def consent(terms: Deployed) -> ConsentPage:
    return ConsentPage(terms.token_secret, terms.params.terms.url)


@pytest.fixture
def browser(tenant: Emulator) -> Iterator[Browser]:
    b = Browser.open(tenant)
    yield b
    b.http.close()
