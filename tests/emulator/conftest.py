"""Shared fixtures: an emulator on a hand-driven clock, and clients that talk to it in process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from auth0.management.client import Auth0

from deployer.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator, EmulatorSettings

BASE = "https://local.emulator"
API = f"{BASE}/api/v2"
START = 1_780_000_000.0
BUILD = 3.0
SETTLE = 2.0
POST_LOGIN = [{"id": "post-login", "version": "v3"}]
CODE = "exports.onExecutePostLogin = async (event, api) => {};"


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings() -> EmulatorSettings:
    # No rate limit by default: the limiter has tests of its own.
    return EmulatorSettings(
        build_seconds=BUILD, deploy_settle_seconds=SETTLE, rate_limit_burst=None
    )


@pytest.fixture
def emu(settings: EmulatorSettings, clock: Clock) -> Emulator:
    return Emulator(settings, clock=clock)


@pytest.fixture
def client(emu: Emulator) -> Auth0:
    """auth0-python itself, without its own retries (so a 409 or 5xx answers at once)."""
    return Auth0(
        base_url=API,
        token=emu.issue_token(),
        httpx_client=httpx.Client(transport=emu.transport()),
        max_retries=0,
    )


@pytest.fixture
def connect() -> Callable[[Emulator], httpx.Client]:
    """Raw HTTP to an emulator's API with a full-scope token: exact statuses, headers, bodies."""

    def open_raw(emulator: Emulator) -> httpx.Client:
        return httpx.Client(
            transport=emulator.transport(),
            base_url=API,
            headers={"authorization": f"Bearer {emulator.issue_token()}"},
        )

    return open_raw


@pytest.fixture
def http(emu: Emulator, connect: Callable[[Emulator], httpx.Client]) -> Iterator[httpx.Client]:
    with connect(emu) as raw:
        yield raw


@pytest.fixture
def grant() -> Callable[..., dict[str, str]]:
    """The client-credentials form for the default client; `base` is where the API lives."""

    def form(base: str = BASE, **overrides: str) -> dict[str, str]:
        return {
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            "audience": f"{base}/api/v2/",
            **overrides,
        }

    return form


@pytest.fixture
def create(http: httpx.Client) -> Callable[..., dict[str, Any]]:
    """Creates an action through the API (201 checked); returns the answer."""

    def make(name: str = "accept-terms", **fields: Any) -> dict[str, Any]:
        answer = http.post(
            "/actions/actions",
            json={"name": name, "supported_triggers": POST_LOGIN, "code": CODE, **fields},
        )
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created

    return make


@pytest.fixture
def deployed(
    http: httpx.Client, clock: Clock, create: Callable[..., dict[str, Any]]
) -> Callable[..., str]:
    """Creates, builds, deploys and settles an action; returns its id."""

    def make(name: str = "accept-terms", **fields: Any) -> str:
        action_id = str(create(name, **fields)["id"])
        clock.advance(BUILD)
        assert http.post(f"/actions/actions/{action_id}/deploy").status_code == 200
        clock.advance(SETTLE)
        return action_id

    return make
