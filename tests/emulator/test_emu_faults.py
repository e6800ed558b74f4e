"""Rate limits, injected faults, latency and the request log."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from auth0.management.client import Auth0

from deployer.emulator import Emulator, EmulatorSettings, RequestLogEntry

API = "https://local.emulator/api/v2"
Connect = Callable[[Emulator], httpx.Client]


def test_token_bucket_429_body_and_headers(clock: Any, connect: Connect) -> None:
    emu = Emulator(EmulatorSettings(rate_limit_burst=2, rate_limit_per_second=2), clock=clock)
    http = connect(emu)
    answers = [http.get("/actions/actions") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["1", "0", "0"]
    assert all(a.headers["x-ratelimit-limit"] == "2" for a in answers)
    assert answers[2].json() == {
        "statusCode": 429,
        "error": "Too Many Requests",
        "message": "Global limit has been reached",
        "errorCode": "too_many_requests",
    }
    reset = int(answers[2].headers["x-ratelimit-reset"])
    assert clock.now < reset <= clock.now + 1
    clock.advance(0.5)
    assert http.get("/actions/actions").status_code == 200
    assert http.get("/actions/actions").status_code == 429


def test_auth0_python_waits_out_429_using_the_reset_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A clock near real time, moved by auth0-python's own sleeps: its wait is computed from
    # `x-ratelimit-reset - time.time()`, so this checks the header yields a sane wait.
    now = [time.time()]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    emu = Emulator(
        EmulatorSettings(rate_limit_burst=1, rate_limit_per_second=1), clock=lambda: now[0]
    )
    monkeypatch.setattr("auth0.management.core.http_client.time.sleep", sleep)
    client = Auth0(
        base_url=API,
        token=emu.issue_token(),
        httpx_client=httpx.Client(transport=emu.transport()),
    )
    client.actions.triggers.list()
    client.actions.triggers.list()
    # The retry succeeded, so the wait was long enough; whole-second headers and auth0-python's
    # up-to-20% jitter make it at most a second (plus jitter) longer than needed.
    assert [e.status for e in emu.request_log] == [200, 429, 200]
    assert len(slept) == 1 and 0 < slept[0] <= (1 + 1) * 1.2


def test_no_rate_limit_headers_when_unlimited(http: httpx.Client) -> None:
    answers = [http.get("/actions/actions") for _ in range(20)]
    assert all(a.status_code == 200 for a in answers)
    assert "x-ratelimit-limit" not in answers[0].headers


def test_inject_status_for_matching_requests_only(emu: Emulator, http: httpx.Client) -> None:
    emu.inject(503, count=2, method="POST", path_prefix="/api/v2/actions/actions")
    assert http.get("/actions/actions").status_code == 200
    statuses = [http.post("/actions/actions", json={}).status_code for _ in range(3)]
    assert statuses == [503, 503, 400]
    assert set(http.post("/actions/actions", json={}).json()) == {
        "statusCode",
        "error",
        "message",
        "errorCode",
    }


def test_inject_drop_before_processing_changes_nothing(emu: Emulator, http: httpx.Client) -> None:
    emu.inject_drop(method="POST")
    body = {"name": "a", "supported_triggers": [{"id": "post-login", "version": "v3"}]}
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/actions/actions", json=body)
    assert http.get("/actions/actions").json()["actions"] == []
    assert emu.request_log[0].status == 0


def test_drop_after_processing_makes_auth0_python_post_twice(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """auth0-python retries a POST whose answer was lost: the retry meets a 409."""
    monkeypatch.setattr("auth0.management.core.http_client.time.sleep", lambda _: None)
    emu.inject_drop(method="POST", after_processing=True)
    client = Auth0(
        base_url=API,
        token=emu.issue_token(),
        httpx_client=httpx.Client(transport=emu.transport()),
        max_retries=1,
    )
    with pytest.raises(Exception) as raised:
        client.actions.create(name="a", supported_triggers=[{"id": "post-login"}])
    assert getattr(raised.value, "status_code", None) == 409
    assert [e.status for e in emu.request_log] == [0, 409]
    assert len(emu.state.actions) == 1


def test_random_faults_are_reproducible_with_a_seed(clock: Any, connect: Connect) -> None:
    def statuses() -> list[int]:
        settings = EmulatorSettings(
            rate_limit_burst=None, fault_rate_429=0.2, fault_rate_5xx=0.2, drop_rate=0.1, seed=7
        )
        emu = Emulator(settings, clock=clock)
        http = connect(emu)
        for _ in range(40):
            with contextlib.suppress(httpx.RemoteProtocolError):
                http.get("/actions/triggers")
        return [e.status for e in emu.request_log]

    first = statuses()
    assert first == statuses()
    assert {0, 200, 429} <= set(first)
    assert any(s >= 500 for s in first)


def test_latency_costs_wall_time(clock: Any, connect: Connect) -> None:
    emu = Emulator(EmulatorSettings(rate_limit_burst=None, latency_seconds=0.05), clock=clock)
    started = time.perf_counter()
    connect(emu).get("/actions/triggers")
    assert time.perf_counter() - started >= 0.05
    assert emu.request_log[0].duration_seconds >= 0.05


def test_request_log_has_no_bodies_or_headers(emu: Emulator, http: httpx.Client) -> None:
    http.post(
        "/actions/actions",
        json={
            "name": "a",
            "supported_triggers": [{"id": "post-login", "version": "v3"}],
            "secrets": [{"name": "S", "value": "never-logged-value"}],
        },
    )
    http.get("/actions/actions", params={"actionName": "a"})
    fields = {f.name for f in dataclasses.fields(RequestLogEntry)}
    assert fields == {"method", "path", "query", "status", "duration_seconds", "timestamp"}
    log = emu.request_log
    assert [(e.method, e.path, e.query, e.status) for e in log] == [
        ("POST", "/api/v2/actions/actions", "", 201),
        ("GET", "/api/v2/actions/actions", "actionName=a", 200),
    ]
    assert "never-logged-value" not in repr(log)
    emu.clear_log()
    assert emu.request_log == []
