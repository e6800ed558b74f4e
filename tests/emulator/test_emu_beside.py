"""Endpoints beside the Actions API, the trigger catalogue and the 204 answer, as recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from deployer.emulator import DEFAULT_CLIENT_ID, Emulator

Create = Callable[..., dict[str, Any]]


def test_unknown_execution_is_404_as_auth0_says_it(http: httpx.Client) -> None:
    answer = http.get("/actions/executions/M9IqRp9wQLaYNrSwz6YPTTIwMjEwNDA0")
    assert (answer.status_code, answer.json()) == (
        404,
        {"statusCode": 404, "error": "Not Found", "message": "That execution does not exist."},
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/actions/modules"), ("POST", "/actions/modules"), ("GET", "/actions/modules/x/v")],
)
def test_modules_are_refused_clearly(http: httpx.Client, method: str, path: str) -> None:
    answer = http.request(method, path)
    assert answer.status_code == 400
    assert "modules" in answer.json()["message"]
    assert "not supported by this emulator" in answer.json()["message"]


def test_a_204_still_says_json(http: httpx.Client, create: Create) -> None:
    answer = http.delete(f"/actions/actions/{create()['id']}")
    assert (answer.status_code, answer.content) == (204, b"")
    assert answer.headers["content-type"] == "application/json; charset=utf-8"


def test_trigger_catalogue_has_the_spec_ids_and_the_recorded_entries(http: httpx.Client) -> None:
    triggers = http.get("/actions/triggers").json()["triggers"]
    assert {t["id"] for t in triggers} == {
        "post-login",
        "credentials-exchange",
        "pre-user-registration",
        "post-user-registration",
        "post-change-password",
        "send-phone-message",
        "custom-phone-provider",
        "custom-email-provider",
        "password-reset-post-challenge",
        "custom-token-exchange",
        "event-stream",
        "password-hash-migration",
        "login-post-identifier",
        "signup-post-identifier",
    }
    by_key = {(t["id"], t["version"]): t for t in triggers}
    assert by_key[("post-login", "v1")]["status"] == "DEPRECATED"
    assert by_key[("post-login", "v3")]["compatible_triggers"] == [
        {"id": "post-login", "version": "v2"}
    ]
    assert "default_runtime" not in by_key[("send-phone-message", "v1")]
    assert "binding_policy" not in by_key[("post-login", "v3")]


@pytest.mark.parametrize("trigger", ["custom-token-exchange", "event-stream"])
def test_newer_triggers_are_accepted(create: Create, http: httpx.Client, trigger: str) -> None:
    created = create(supported_triggers=[{"id": trigger, "version": "v1"}])
    assert created["supported_triggers"] == [{"id": trigger, "version": "v1"}]
    listed = http.get(f"/actions/triggers/{trigger}/bindings", params={"page": 0})
    assert listed.json() == {"bindings": [], "per_page": 50}


def test_clients_lists_applications_and_m2m_clients_without_secrets(
    emu: Emulator, http: httpx.Client
) -> None:
    emu.add_application(
        "app-1", name="Sample", callbacks=["http://127.0.0.1/cb"], client_secret="app-secret"
    )
    emu.add_application("spa-1", name="SPA", callbacks=[], client_secret=None)
    answer = http.get("/clients")
    assert answer.status_code == 200
    listed = answer.json()
    assert [c["client_id"] for c in listed] == ["app-1", "spa-1", DEFAULT_CLIENT_ID]
    assert [c["app_type"] for c in listed] == ["regular_web", "spa", "non_interactive"]
    assert "app-secret" not in answer.text and "local-deployer-secret" not in answer.text
    assert not any("client_secret" in c for c in listed)
    paged = http.get("/clients", params={"include_totals": "true", "per_page": 2}).json()
    assert (paged["start"], paged["limit"], paged["length"], paged["total"]) == (0, 2, 2, 3)
    assert len(paged["clients"]) == 2


def test_clients_needs_read_clients(emu: Emulator) -> None:
    token = emu.issue_token(scopes=["read:actions"])
    http = httpx.Client(
        transport=emu.transport(),
        base_url="https://local.emulator/api/v2",
        headers={"authorization": f"Bearer {token}"},
    )
    answer = http.get("/clients")
    assert answer.status_code == 403
    assert answer.json()["errorCode"] == "insufficient_scope"


def test_default_deploy_settles_as_recorded_never_sooner() -> None:
    """Auth0 accepted a binding 0.32 s after a deploy: the default refuses it before 0.3 s."""
    from deployer.emulator import EmulatorSettings

    now = [1_780_000_000.0]
    emu = Emulator(EmulatorSettings(rate_limit_burst=None), clock=lambda: now[0])
    http = httpx.Client(
        transport=emu.transport(),
        base_url="https://local.emulator/api/v2",
        headers={"authorization": f"Bearer {emu.issue_token()}"},
    )
    trigger = [{"id": "post-login", "version": "v3"}]
    created = http.post("/actions/actions", json={"name": "a", "supported_triggers": trigger})
    action_id = created.json()["id"]
    now[0] += EmulatorSettings().build_seconds
    assert http.post(f"/actions/actions/{action_id}/deploy").status_code == 200
    bind = {"bindings": [{"ref": {"type": "action_id", "value": action_id}}]}
    now[0] += 0.29
    early = http.patch("/actions/triggers/post-login/bindings", json=bind)
    assert early.status_code == 400
    assert "not been deployed" in early.json()["message"]
    now[0] += 0.02
    assert http.patch("/actions/triggers/post-login/bindings", json=bind).status_code == 200
