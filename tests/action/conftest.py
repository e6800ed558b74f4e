"""Fixtures for the Action's tests: rendered code, fake secrets, a login harness.

The code under test is always rendered from tenants.yaml (or from a tenants file written here
with other parameters, pointing at the real action folder), never a hand-kept copy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from support.action import REPO, Harness, RenderTenant, Secrets, write_tenants

from deployer.config import load_config
from deployer.header import Header
from deployer.params import ActionParams
from deployer.render import render_action


@pytest.fixture(scope="session")
def render_tenant(tmp_path_factory: pytest.TempPathFactory) -> RenderTenant:
    """Render the real Action for the repo's defaults with `overrides` (cached per overrides)."""
    cache: dict[str, tuple[str, ActionParams]] = {}

    def render(overrides: Mapping[str, Any]) -> tuple[str, ActionParams]:
        key = json.dumps(overrides, sort_keys=True)
        if key not in cache:
            path = write_tenants(tmp_path_factory.mktemp("tenants"), overrides)
            config = load_config(path)
            params = config.tenants["test"].action
            code = render_action(config.manifest, params, Header("test", config.manifest.name))
            cache[key] = (code, params)
        return cache[key]

    return render


@pytest.fixture(scope="session")
def prod_action() -> tuple[str, ActionParams]:
    """The Action exactly as `deployer render --tenant prod` renders it from tenants.yaml."""
    config = load_config(REPO / "tenants.yaml")
    params = config.tenants["prod"].action
    return render_action(config.manifest, params, Header("prod", config.manifest.name)), params


@pytest.fixture
def keys() -> Secrets:
    return Secrets()


@pytest.fixture
def harness(prod_action: tuple[str, ActionParams], keys: Secrets) -> Harness:
    code, params = prod_action
    configured = {"TERMS_TOKEN_SECRET": keys.token, "TERMS_RECORD_KEY": keys.record}
    return Harness(code=code, params=params, keys=keys, configured=configured)
