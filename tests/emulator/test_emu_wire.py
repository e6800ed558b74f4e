"""The emulator's answers against Auth0's: recorded answers key by key, and auth0-python's models.

The recorded answers (tests/emulator/fixtures/recorded_*.json) are Auth0's (see
docs/emulator-fidelity.md and tests/contract/recordings/ for the full cassettes). Each
test replays the recorded request against a tenant prepared the same way and compares the
answers recursively: the same keys everywhere, and the same values except ids and timestamps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest
from auth0.management import types
from auth0.management.core.pydantic_utilities import parse_obj_as

from deployer.emulator import Emulator

FIXTURES = Path(__file__).parent / "fixtures"
VOLATILE = {"id", "created_at", "updated_at", "built_at", "build_time"}
# Fields Auth0 sends that its OpenAPI description (and so auth0-python's models) lacks.
WIRE_ONLY = {"current_version", "errors"}
TRIGGER_V2 = [{"id": "post-login", "version": "v2"}]
CODE_2023 = "exports.onExecutePostLogin = async (event, api) => {}"


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"recorded_{name}.json").read_text())
    return data


def differences(
    real: Any, ours: Any, where: str = "$", skip: frozenset[str] = frozenset()
) -> list[str]:
    """Where `ours` differs from `real` in keys (anywhere) or values (ids and times aside)."""
    if isinstance(real, dict) and isinstance(ours, dict):
        found = []
        if set(real) != set(ours):
            found.append(f"{where}: keys {sorted(real)} != {sorted(ours)}")
        for key in set(real) & set(ours):
            path = f"{where}.{key}"
            if key in VOLATILE or path in skip:
                if type(real[key]) is not type(ours[key]):
                    found.append(f"{path}: type {type(real[key])} != {type(ours[key])}")
                continue
            found += differences(real[key], ours[key], path, skip)
        return found
    if isinstance(real, list) and isinstance(ours, list):
        if len(real) != len(ours):
            return [f"{where}: {len(real)} items != {len(ours)}"]
        return [
            d
            for i, (r, o) in enumerate(zip(real, ours, strict=True))
            for d in differences(r, o, f"{where}[{i}]", skip)
        ]
    return [] if real == ours else [f"{where}: {real!r} != {ours!r}"]


def check(name: str, answer: httpx.Response, skip: frozenset[str] = frozenset()) -> None:
    real = recorded(name)
    assert answer.status_code == real["status"]
    assert differences(real["response_body"], answer.json(), skip=skip) == []


def test_create(http: httpx.Client) -> None:
    real = recorded("create")
    check("create", http.post("/actions/actions", json=real["request_body"]))


def _terraform_action(http: httpx.Client) -> str:
    answer = http.post(
        "/actions/actions",
        json={
            "name": "Test Action TestAccAction",
            "supported_triggers": [{"id": "post-login", "version": "v3"}],
            "code": "exports.onContinuePostLogin = async (event, api) => {};",
            "dependencies": [{"name": "auth0", "version": "2.41.0"}],
            "runtime": "node18-actions",  # what Terraform sent in the recording
            "secrets": [{"name": "foo", "value": "placeholder"}],
        },
    )
    return str(answer.json()["id"])


def test_deploy(http: httpx.Client, clock: Any) -> None:
    action_id = _terraform_action(http)
    clock.advance(3)
    check("deploy", http.post(f"/actions/actions/{action_id}/deploy"))


def test_get_after_deploy_settled(http: httpx.Client, clock: Any) -> None:
    action_id = _terraform_action(http)
    clock.advance(3)
    http.post(f"/actions/actions/{action_id}/deploy")
    clock.advance(2)
    check("get_after_deploy_settled", http.get(f"/actions/actions/{action_id}"))


def test_patch_bindings_by_name(emu: Emulator, http: httpx.Client) -> None:
    name = "Test Action (Jan 25 18:42:12.107)"
    emu.seed_action(
        name,
        code=CODE_2023,
        trigger_version="v2",
        runtime="node16",
        dependencies=[{"name": "lodash", "version": "4.0.0"}],
        secrets={"mySecretName": "placeholder"},
    )
    real = recorded("patch_bindings_by_name")
    # A binding's action never shows all_changes_deployed, as recorded.
    check(
        "patch_bindings_by_name",
        http.patch(real["path"][len("/api/v2") :], json=real["request_body"]),
    )


def test_list_by_name_while_building(http: httpx.Client, clock: Any) -> None:
    name = "Test Action (Jan 25 18:41:53.270)"
    http.post(
        "/actions/actions",
        json={
            "name": name,
            "supported_triggers": TRIGGER_V2,
            "code": CODE_2023,
            "dependencies": [{"name": "lodash", "version": "4.0.0"}],
            "runtime": "node16",
            "secrets": [{"name": "mySecretName", "value": "placeholder"}],
        },
    )
    clock.advance(1.5)
    real = recorded("list_by_name_building")
    path, _, query = real["path"].partition("?")
    check("list_by_name_building", http.get(f"{path[len('/api/v2') :]}?{query}"))


def test_rollback(emu: Emulator, http: httpx.Client) -> None:
    action_id = emu.seed_action(
        "Test Action (Jan 25 18:42:03.049)",
        code=CODE_2023,
        trigger_version="v2",
        runtime="node16",
        dependencies=[{"name": "lodash", "version": "4.0.0"}],
        secrets={"mySecretName": "placeholder"},
    )
    first = http.get(f"/actions/actions/{action_id}/versions").json()["versions"][0]
    check("rollback", http.post(f"/actions/actions/{action_id}/versions/{first['id']}/deploy"))


# -- every answer parses into auth0-python's model, with no field the model does not know ---


def unknown_fields(model: Any, where: str = "$") -> list[str]:
    if isinstance(model, list):
        return [u for i, m in enumerate(model) for u in unknown_fields(m, f"{where}[{i}]")]
    if not isinstance(model, pydantic.BaseModel):
        return []
    found = [f"{where}.{k}" for k in (model.model_extra or {}) if k not in WIRE_ONLY]
    for name in type(model).model_fields:
        found += unknown_fields(getattr(model, name), f"{where}.{name}")
    return found


@pytest.fixture
def answers(emu: Emulator, http: httpx.Client, clock: Any) -> list[tuple[str, Any, httpx.Response]]:
    """One answer of every kind, with the variants: building, failed, deployed, Marketplace."""
    emu.seed_action(
        "market", integration={"id": "i", "name": "market"}, installed_integration_id="x"
    )
    body = {
        "name": "ours",
        "supported_triggers": [{"id": "post-login", "version": "v3"}],
        "code": CODE_2023,
        "dependencies": [{"name": "lodash", "version": "4.17.21"}],
        "secrets": [{"name": "S", "value": "placeholder"}],
    }
    got: list[tuple[str, Any, httpx.Response]] = []
    created = http.post("/actions/actions", json=body)
    action_id = created.json()["id"]
    broken = {**body, "name": "broken", "dependencies": [{"name": "x", "version": "nope"}]}
    got.append(("create", types.CreateActionResponseContent, created))
    got.append(
        ("create", types.CreateActionResponseContent, http.post("/actions/actions", json=broken))
    )
    clock.advance(1.25)  # the third sixth of a failing build: retrying
    got.append(
        ("list building", types.ListActionsPaginatedResponseContent, http.get("/actions/actions"))
    )
    clock.advance(1.75)
    deployed = http.post(f"/actions/actions/{action_id}/deploy")
    got.append(("deploy", types.DeployActionResponseContent, deployed))
    clock.advance(2)
    bound = http.patch(
        "/actions/triggers/post-login/bindings",
        json={"bindings": [{"ref": {"type": "action_id", "value": action_id}}]},
    )
    got.append(("bind", types.UpdateActionBindingsResponseContent, bound))
    got.append(("get", types.GetActionResponseContent, http.get(f"/actions/actions/{action_id}")))
    got.append(("list", types.ListActionsPaginatedResponseContent, http.get("/actions/actions")))
    patched = http.patch(f"/actions/actions/{action_id}", json={"code": "// 2"})
    got.append(("update", types.UpdateActionResponseContent, patched))
    versions = http.get(f"/actions/actions/{action_id}/versions")
    got.append(("versions", types.ListActionVersionsPaginatedResponseContent, versions))
    version_id = versions.json()["versions"][0]["id"]
    version = http.get(f"/actions/actions/{action_id}/versions/{version_id}")
    got.append(("version", types.GetActionVersionResponseContent, version))
    rollback = http.post(f"/actions/actions/{action_id}/versions/{version_id}/deploy")
    got.append(("rollback", types.DeployActionVersionResponseContent, rollback))
    bindings = http.get("/actions/triggers/post-login/bindings")
    got.append(("bindings", types.ListActionBindingsPaginatedResponseContent, bindings))
    triggers = http.get("/actions/triggers")
    got.append(("triggers", types.ListActionTriggersResponseContent, triggers))
    return got


def test_every_answer_parses_into_its_model(answers: list[tuple[str, Any, httpx.Response]]) -> None:
    assert len(answers) == 13
    for label, model, answer in answers:
        assert answer.status_code < 300, (label, answer.text)
        parsed = parse_obj_as(type_=model, object_=answer.json())
        assert unknown_fields(parsed) == [], label
    failed = next(a.json() for label, _, a in answers if label == "list building")
    assert {a["status"] for a in failed["actions"]} == {"built", "building", "retrying"}


def test_comparison_catches_a_missing_key() -> None:
    """The comparison is not vacuous: a dropped or renamed key is reported."""
    real = recorded("create")["response_body"]
    without_status = {k: v for k, v in real.items() if k != "status"}
    assert differences(real, without_status) != []
    assert differences(real, {**real, "secrets": [{"name": "foo"}]}) != []
