"""Actions through auth0-python and raw HTTP: builds, deploys, versions, secrets, deletes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from auth0.management.client import Auth0
from auth0.management.core.api_error import ApiError
from auth0.management.errors import BadRequestError, NotFoundError
from auth0.management.types import ActionTrigger

from deployer.emulator import Emulator

TRIGGERS = [ActionTrigger(id="post-login", version="v3")]
CODE = "exports.onExecutePostLogin = async (event, api) => {};"

Create = Callable[..., dict[str, Any]]
Deployed = Callable[..., str]


def test_create_answers_201_pending_with_secret_names_only(http: httpx.Client) -> None:
    answer = http.post(
        "/actions/actions",
        json={
            "name": "accept-terms",
            "supported_triggers": [{"id": "post-login", "version": "v3"}],
            "code": CODE,
            "secrets": [{"name": "TOKEN_SECRET", "value": "s3cr3t-value"}],
        },
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "pending"
    assert body["all_changes_deployed"] is False
    assert body["runtime"] == "node22"
    assert body["dependencies"] == []
    assert [set(s) for s in body["secrets"]] == [{"name", "updated_at"}]
    assert "s3cr3t-value" not in answer.text


def test_build_goes_pending_building_built(client: Auth0, clock: Any) -> None:
    action = client.actions.create(name="a", supported_triggers=TRIGGERS, code=CODE)
    seen = []
    for _ in range(7):
        seen.append(client.actions.get(action.id).status)
        clock.advance(0.5)
    assert seen == ["pending", "pending", "building", "building", "building", "building", "built"]


def test_dependencies_show_registry_url_only_while_building_on_node16(
    http: httpx.Client, clock: Any, create: Create
) -> None:
    lodash = {"name": "lodash", "version": "4.17.21"}
    old = create(name="old", runtime="node16", dependencies=[lodash])
    new = create(name="new", dependencies=[lodash])
    clock.advance(1.5)
    building = http.get(f"/actions/actions/{old['id']}").json()
    assert building["status"] == "building"
    assert building["dependencies"] == [
        {**lodash, "registry_url": "https://www.npmjs.com/package/lodash"}
    ]
    # node22 (today's default): never, as recorded in 2026 while building.
    assert http.get(f"/actions/actions/{new['id']}").json()["dependencies"] == [lodash]
    clock.advance(2)
    built = http.get(f"/actions/actions/{old['id']}").json()
    assert built["dependencies"] == [lodash]


def test_bad_dependency_retries_then_fails_without_errors(
    http: httpx.Client, clock: Any, create: Create
) -> None:
    created = create(dependencies=[{"name": "lodash", "version": "0.0.0-nonexistent"}])
    seen = []
    clock.advance(0.25)  # sample the middle of each sixth of the build
    for _ in range(7):
        seen.append(http.get(f"/actions/actions/{created['id']}").json()["status"])
        clock.advance(0.5)
    assert seen == ["pending", "building", "retrying", "building", "retrying", "building", "failed"]
    failed = http.get(f"/actions/actions/{created['id']}").json()
    # As recorded: a failed action has the keys of any other, and no `errors`.
    assert "errors" not in failed
    assert set(failed) == set(create(name="other"))
    deploy = http.post(f"/actions/actions/{created['id']}/deploy")
    assert deploy.status_code == 400


def test_a_version_above_the_last_published_does_not_build(
    http: httpx.Client, clock: Any, create: Create
) -> None:
    # Recorded: crypto@17.7.1 failed on Auth0 (crypto's last version is 1.0.1).
    bad = create(name="bad", dependencies=[{"name": "crypto", "version": "17.7.1"}])
    good = create(name="good", dependencies=[{"name": "crypto", "version": "1.0.1"}])
    clock.advance(4)
    assert http.get(f"/actions/actions/{bad['id']}").json()["status"] == "failed"
    assert http.get(f"/actions/actions/{good['id']}").json()["status"] == "built"


def test_deploy_before_built_is_400_with_auth0_message(client: Auth0) -> None:
    action = client.actions.create(name="a", supported_triggers=TRIGGERS, code=CODE)
    with pytest.raises(BadRequestError) as raised:
        client.actions.deploy(action.id)
    assert raised.value.body == {
        "statusCode": 400,
        "error": "Bad Request",
        "message": "A draft must be in the 'built' state before it can be deployed.",
    }


def test_deploy_answers_undeployed_version_then_settles(client: Auth0, clock: Any) -> None:
    action = client.actions.create(name="a", supported_triggers=TRIGGERS, code=CODE)
    clock.advance(3)
    version = client.actions.deploy(action.id)
    assert (version.deployed, version.number, version.status) == (False, 1, "built")
    assert version.action is not None and version.action.all_changes_deployed is False

    clock.advance(1.9)
    during = client.actions.get(action.id)
    assert during.deployed_version is None
    assert during.all_changes_deployed is False

    clock.advance(0.1)
    settled = client.actions.get(action.id)
    assert settled.deployed_version is not None
    assert settled.deployed_version.deployed is True
    assert settled.deployed_version.id == version.id
    assert settled.all_changes_deployed is True
    current = dict(settled.current_version)  # type: ignore[attr-defined]  # wire-only field
    assert (current["status"], current["number"]) == ("BUILT", 1)


def test_redeploy_keeps_previous_version_live_until_settled(
    http: httpx.Client, clock: Any, deployed: Deployed
) -> None:
    action_id = deployed()
    http.patch(f"/actions/actions/{action_id}", json={"code": "// v2"})
    clock.advance(3)
    second = http.post(f"/actions/actions/{action_id}/deploy").json()
    live = http.get(f"/actions/actions/{action_id}").json()["deployed_version"]
    assert live["number"] == 1
    clock.advance(2)
    live = http.get(f"/actions/actions/{action_id}").json()["deployed_version"]
    assert (live["id"], live["code"]) == (second["id"], "// v2")


def test_patch_changes_only_the_draft(http: httpx.Client, clock: Any, deployed: Deployed) -> None:
    action_id = deployed()
    answer = http.patch(f"/actions/actions/{action_id}", json={"code": "// new"}).json()
    assert answer["status"] == "pending"
    assert answer["all_changes_deployed"] is False
    assert answer["code"] == "// new"
    assert answer["deployed_version"]["code"] == CODE
    clock.advance(3)
    assert http.get(f"/actions/actions/{action_id}").json()["status"] == "built"


def test_patch_secrets_replaces_the_whole_list(
    emu: Emulator, http: httpx.Client, clock: Any, create: Create
) -> None:
    created = create(secrets=[{"name": "foo", "value": "one"}])
    clock.advance(10)
    path = f"/actions/actions/{created['id']}"
    answer = http.patch(
        path, json={"secrets": [{"name": "bar", "value": "two"}, {"name": "foo", "value": "1"}]}
    ).json()
    assert [s["name"] for s in answer["secrets"]] == ["foo", "bar"]
    assert all(s["updated_at"] != created["secrets"][0]["updated_at"] for s in answer["secrets"])
    assert emu.secret_values(created["id"], deployed=False) == {"foo": "1", "bar": "two"}

    kept = http.patch(path, json={"code": "// no secrets sent"}).json()
    assert [s["name"] for s in kept["secrets"]] == ["foo", "bar"]

    cleared = http.patch(path, json={"secrets": []}).json()
    assert cleared["secrets"] == []
    assert emu.secret_values(created["id"], deployed=False) == {}


def test_secret_values_never_leave_the_emulator(
    emu: Emulator, http: httpx.Client, deployed: Deployed
) -> None:
    action_id = deployed(secrets=[{"name": "K", "value": "value-that-must-not-show"}])
    answers = [
        http.get(f"/actions/actions/{action_id}"),
        http.get("/actions/actions"),
        http.get(f"/actions/actions/{action_id}/versions"),
    ]
    assert all("value-that-must-not-show" not in a.text for a in answers)
    assert emu.secret_values(action_id) == {"K": "value-that-must-not-show"}


def test_create_with_deploy_true_answers_a_deployed_pending_version(
    http: httpx.Client, clock: Any, create: Create
) -> None:
    created = create(deploy=True)
    # As recorded: the 201 already has version 1, deployed, and still pending its build.
    assert created["status"] == "pending"
    assert created["current_version"]["status"] == "PENDING"
    assert "build_time" not in created["current_version"]
    deployed = created["deployed_version"]
    assert (deployed["number"], deployed["deployed"], deployed["status"]) == (1, True, "pending")
    assert "built_at" not in deployed
    assert created["all_changes_deployed"] is True
    clock.advance(3)
    action = http.get(f"/actions/actions/{created['id']}").json()
    assert action["current_version"]["status"] == "BUILT"
    assert action["deployed_version"]["status"] == "built"
    assert "built_at" in action["deployed_version"]


def test_create_with_deploy_true_and_a_failing_build_deploys_nothing(
    http: httpx.Client, clock: Any, create: Create
) -> None:
    created = create(deploy=True, dependencies=[{"name": "x", "version": "1-nonexistent"}])
    assert "deployed_version" not in created
    clock.advance(4)
    action = http.get(f"/actions/actions/{created['id']}").json()
    assert action["status"] == "failed" and "deployed_version" not in action


def test_versions_list_get_and_rollback(
    client: Auth0, http: httpx.Client, clock: Any, deployed: Deployed
) -> None:
    action_id = deployed()
    http.patch(f"/actions/actions/{action_id}", json={"code": "// two"})
    clock.advance(3)
    http.post(f"/actions/actions/{action_id}/deploy")
    clock.advance(2)
    versions = list(client.actions.versions.list(action_id))
    assert [v.number for v in versions] == [2, 1]
    first = client.actions.versions.get(action_id, versions[1].id)
    assert first.code == CODE and first.deployed is False

    rolled = client.actions.versions.deploy(action_id, first.id)
    assert (rolled.number, rolled.deployed, rolled.code) == (3, False, CODE)
    assert rolled.id != first.id
    clock.advance(2)
    action = client.actions.get(action_id)
    assert action.deployed_version is not None and action.deployed_version.number == 3
    assert action.code == "// two"  # without update_draft the draft stays
    assert action.all_changes_deployed is False


def test_rollback_with_update_draft_restores_the_draft(
    http: httpx.Client, clock: Any, deployed: Deployed
) -> None:
    action_id = deployed()
    first = http.get(f"/actions/actions/{action_id}/versions").json()["versions"][0]
    http.patch(f"/actions/actions/{action_id}", json={"code": "// two"})
    answer = http.post(
        f"/actions/actions/{action_id}/versions/{first['id']}/deploy", json={"update_draft": True}
    )
    assert answer.status_code == 200 and answer.json()["number"] == 2
    clock.advance(2)
    action = http.get(f"/actions/actions/{action_id}").json()
    assert (action["code"], action["status"], action["all_changes_deployed"]) == (
        CODE,
        "built",
        True,
    )


def test_rollback_at_version_one_gives_version_two(http: httpx.Client, deployed: Deployed) -> None:
    action_id = deployed()
    first = http.get(f"/actions/actions/{action_id}/versions").json()["versions"][0]
    answer = http.post(f"/actions/actions/{action_id}/versions/{first['id']}/deploy")
    assert answer.json()["number"] == 2


def test_at_most_50_versions_dropping_the_oldest(
    emu: Emulator, http: httpx.Client, clock: Any, deployed: Deployed
) -> None:
    action_id = deployed()
    for _ in range(50):
        assert http.post(f"/actions/actions/{action_id}/deploy").status_code == 200
        clock.advance(2)
    listed = http.get(f"/actions/actions/{action_id}/versions", params={"per_page": 100}).json()
    numbers = [v["number"] for v in listed["versions"]]
    assert listed["total"] == 50
    assert numbers == list(range(51, 1, -1))


def test_delete_bound_action_is_409_unless_forced(
    emu: Emulator, client: Auth0, http: httpx.Client, deployed: Deployed
) -> None:
    action_id = deployed()
    emu.seed_binding("post-login", action_id)
    # auth0-python has no ConflictError mapping for delete: a plain ApiError with 409.
    with pytest.raises(ApiError) as raised:
        client.actions.delete(action_id)
    assert raised.value.status_code == 409
    assert raised.value.body["message"] == "Unable to delete an action bound to a trigger."

    answer = http.delete(f"/actions/actions/{action_id}", params={"force": "true"})
    assert (answer.status_code, answer.content) == (204, b"")
    # An empty list is kept, as recorded.
    assert http.get("/actions/triggers/post-login/bindings").json() == {
        "bindings": [],
        "per_page": 50,
    }
    with pytest.raises(NotFoundError) as missing:
        client.actions.get(action_id)
    assert missing.value.body == {
        "statusCode": 404,
        "error": "Not Found",
        "message": "That action does not exist.",
    }


def test_delete_unbound_action_and_unknown_id(http: httpx.Client, create: Create) -> None:
    created = create()
    assert http.delete(f"/actions/actions/{created['id']}").status_code == 204
    again = http.delete(f"/actions/actions/{created['id']}")
    assert again.status_code == 404


def test_malformed_id_is_invalid_uri_and_unknown_route_404(http: httpx.Client) -> None:
    bad = http.get("/actions/actions/not-a-uuid")
    assert (bad.status_code, bad.json()["errorCode"]) == (400, "invalid_uri")
    unknown = http.get("/actions/nothing-here")
    assert unknown.status_code == 404
    assert unknown.json() == {"statusCode": 404, "error": "Not Found", "message": "Not Found"}


def test_duplicate_name_is_409(http: httpx.Client, create: Create) -> None:
    create("same")
    answer = http.post(
        "/actions/actions",
        json={"name": "same", "supported_triggers": [{"id": "post-login", "version": "v3"}]},
    )
    assert answer.status_code == 409


def test_bad_json_and_unknown_fields_are_400(http: httpx.Client) -> None:
    broken = http.post(
        "/actions/actions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    extra = http.post(
        "/actions/actions",
        json={"name": "x", "supported_triggers": [{"id": "post-login"}], "colour": "red"},
    )
    assert extra.json()["errorCode"] == "invalid_body"
    assert "colour" in extra.json()["message"]
    missing = http.post("/actions/actions", json={"name": "x"})
    assert missing.json()["message"] == (
        "Payload validation error: 'Missing required property: supported_triggers'."
    )


def test_node18_is_stored_as_asked(create: Create) -> None:
    # Recorded in 2025: asked node18, answered node18 (go-auth0 CreateWithDeploy).
    assert create(runtime="node18")["runtime"] == "node18"
    assert create(name="b", runtime="node18-actions")["runtime"] == "node18-actions"
