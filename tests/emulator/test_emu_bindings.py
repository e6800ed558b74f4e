"""Trigger bindings: deploy-before-bind, wholesale replacement with new ids, refs, Marketplace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from auth0.management.client import Auth0
from auth0.management.errors import BadRequestError
from auth0.management.types import ActionBindingRef, ActionBindingWithRef

from deployer.emulator import Emulator

BINDINGS = "/actions/triggers/post-login/bindings"
NOT_DEPLOYED = "Trying to create a binding for an action that has not been deployed yet."

Create = Callable[..., dict[str, Any]]
Deployed = Callable[..., str]


def by_id(action_id: str) -> dict[str, Any]:
    return {"ref": {"type": "action_id", "value": action_id}}


def test_bind_before_deploy_is_400(client: Auth0, create: Create) -> None:
    created = create()
    ref = ActionBindingWithRef(ref=ActionBindingRef(type="action_id", value=created["id"]))
    with pytest.raises(BadRequestError) as raised:
        client.actions.triggers.bindings.update_many("post-login", bindings=[ref])
    assert raised.value.body["message"] == NOT_DEPLOYED


def test_bind_during_deploy_settle_is_400_then_works(
    http: httpx.Client, clock: Any, create: Create
) -> None:
    created = create()
    clock.advance(3)
    http.post(f"/actions/actions/{created['id']}/deploy")
    clock.advance(1)
    early = http.patch(BINDINGS, json={"bindings": [by_id(created["id"])]})
    assert (early.status_code, early.json()["message"]) == (400, NOT_DEPLOYED)
    clock.advance(1)
    assert http.patch(BINDINGS, json={"bindings": [by_id(created["id"])]}).status_code == 200


def test_patch_replaces_the_list_and_renews_every_id(
    emu: Emulator, client: Auth0, http: httpx.Client, deployed: Deployed
) -> None:
    ours = deployed()
    others = [emu.seed_action(f"other-{i}") for i in range(3)]
    for other in others:
        emu.seed_binding("post-login", other)
    before = list(client.actions.triggers.bindings.list("post-login"))
    assert [b.action.id for b in before if b.action] == others

    merged = [{"ref": {"type": "binding_id", "value": b.id}} for b in before[:2]]
    merged += [by_id(ours), {"ref": {"type": "binding_id", "value": before[2].id}}]
    answer = http.patch(BINDINGS, json={"bindings": merged})
    assert answer.status_code == 200
    after = answer.json()["bindings"]
    assert [b["action"]["id"] for b in after] == [*others[:2], ours, others[2]]
    assert not {b.id for b in before} & {b["id"] for b in after}
    assert [b["display_name"] for b in after] == ["other-0", "other-1", "accept-terms", "other-2"]

    again = http.patch(BINDINGS, json={"bindings": [by_id(ours)]}).json()["bindings"]
    assert len(again) == 1 and again[0]["id"] != after[2]["id"]

    unbound = http.patch(BINDINGS, json={"bindings": []})
    assert unbound.json() == {"bindings": []}
    assert http.get(BINDINGS).json() == {"bindings": [], "per_page": 50}


def test_bind_by_name_and_display_name(http: httpx.Client, deployed: Deployed) -> None:
    deployed("by-name")
    answer = http.patch(
        BINDINGS,
        json={
            "bindings": [{"ref": {"type": "action_name", "value": "by-name"}, "display_name": "X"}]
        },
    )
    (binding,) = answer.json()["bindings"]
    assert (binding["action"]["name"], binding["display_name"]) == ("by-name", "X")
    assert binding["trigger_id"] == "post-login"


def test_get_bindings_returns_the_action_subset_and_envelope(
    http: httpx.Client, deployed: Deployed, clock: Any
) -> None:
    action_id = deployed()
    patched = http.patch(BINDINGS, json={"bindings": [by_id(action_id)]}).json()
    listed = http.get(BINDINGS).json()
    assert set(listed) == {"bindings", "total", "per_page"}
    assert listed["total"] == 1 and listed["per_page"] == 50
    action = listed["bindings"][0]["action"]
    # As recorded: the PATCH answer's subset, no draft, and all_changes_deployed false even
    # though the action is fully deployed.
    assert list(action) == [
        "id",
        "name",
        "supported_triggers",
        "created_at",
        "updated_at",
        "current_version",
        "deployed_version",
        "all_changes_deployed",
    ]
    assert action["all_changes_deployed"] is False
    assert set(patched["bindings"][0]["action"]) == set(action)
    assert http.get(f"/actions/actions/{action_id}").json()["all_changes_deployed"] is True
    # Past the end: the empty list and the page, no total.
    assert http.get(BINDINGS, params={"page": 1, "per_page": 100}).json() == {
        "bindings": [],
        "page": 1,
        "per_page": 100,
    }


@pytest.mark.parametrize(
    "item",
    [
        pytest.param({"ref": {"type": "action_guid", "value": "x"}}, id="unknown-ref-type"),
        pytest.param({"ref": {"type": "action_id"}}, id="missing-value"),
        pytest.param({"display_name": "no ref"}, id="missing-ref"),
        pytest.param("just a string", id="not-an-object"),
    ],
)
def test_malformed_binding_is_400_invalid_body(http: httpx.Client, item: Any) -> None:
    answer = http.patch(BINDINGS, json={"bindings": [item]})
    assert answer.status_code == 400
    assert answer.json() == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": "Payload validation error: 'Data does not match any schemas from 'oneOf'' "
        "on property bindings[0].",
        "errorCode": "invalid_body",
    }


def test_failed_patch_leaves_bindings_untouched(
    emu: Emulator, http: httpx.Client, create: Create
) -> None:
    other = emu.seed_action("other")
    kept = emu.seed_binding("post-login", other)
    undeployed = create()
    answer = http.patch(BINDINGS, json={"bindings": [by_id(other), by_id(undeployed["id"])]})
    assert answer.status_code == 400
    assert [b["id"] for b in http.get(BINDINGS).json()["bindings"]] == [kept]


def test_at_most_20_bindings_per_trigger(emu: Emulator, http: httpx.Client) -> None:
    ids = [emu.seed_action(f"a{i}") for i in range(21)]
    answer = http.patch(BINDINGS, json={"bindings": [by_id(i) for i in ids]})
    assert (answer.status_code, answer.json()["errorCode"]) == (400, "invalid_body")
    assert http.patch(BINDINGS, json={"bindings": [by_id(i) for i in ids[:20]]}).status_code == 200


def test_marketplace_actions_are_listed_with_installed_filter(
    emu: Emulator, http: httpx.Client, create: Create
) -> None:
    market = emu.seed_action(
        "Marketplace thing",
        integration={"id": "int-1", "name": "Marketplace thing", "catalog_id": "thing"},
        installed_integration_id="inst-1",
    )
    create("custom")
    installed = http.get("/actions/actions", params={"installed": "true"}).json()["actions"]
    assert [a["id"] for a in installed] == [market]
    assert installed[0]["integration"]["catalog_id"] == "thing"
    assert installed[0]["installed_integration_id"] == "inst-1"
    custom = http.get("/actions/actions", params={"installed": "false"}).json()["actions"]
    assert [a["name"] for a in custom] == ["custom"]


def test_triggers_list(client: Auth0) -> None:
    triggers = client.actions.triggers.list().triggers or []
    assert any(t.id == "post-login" and t.version == "v3" for t in triggers)
