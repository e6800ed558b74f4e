"""Auth0's documented limits, and list filters, paging and envelopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from deployer.emulator import Emulator

POST_LOGIN = [{"id": "post-login", "version": "v3"}]
Create = Callable[..., dict[str, Any]]
Deployed = Callable[..., str]


@pytest.mark.parametrize(
    ("fields", "prop"),
    [
        pytest.param({"code": "x" * (100 * 1024 + 1)}, "code", id="code-over-100kB"),
        pytest.param(
            {"secrets": [{"name": f"S{i}", "value": "v"} for i in range(31)]},
            "secrets",
            id="31-secrets",
        ),
        pytest.param(
            {"secrets": [{"name": "N" * 129, "value": "v"}]}, "secrets[0].name", id="long-name"
        ),
        pytest.param(
            {"secrets": [{"name": "N", "value": "v" * 4097}]}, "secrets[0].value", id="long-value"
        ),
        pytest.param(
            {"dependencies": [{"name": f"p{i}", "version": "1.0.0"} for i in range(11)]},
            "dependencies",
            id="11-dependencies",
        ),
    ],
)
def test_limits_are_400_invalid_body(http: httpx.Client, fields: dict[str, Any], prop: str) -> None:
    body = {"name": "a", "supported_triggers": POST_LOGIN, **fields}
    answer = http.post("/actions/actions", json=body)
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "invalid_body"
    assert answer.json()["message"].endswith(f"on property {prop}.")


def test_limits_at_the_edge_are_accepted(create: Create) -> None:
    create(
        code="x" * (100 * 1024),
        secrets=[{"name": "N" * 128, "value": "v" * 4096}]
        + [{"name": f"S{i}", "value": "v"} for i in range(29)],
        dependencies=[{"name": f"p{i}", "version": "1.0.0"} for i in range(10)],
    )


def test_at_most_100_actions(emu: Emulator, http: httpx.Client, create: Create) -> None:
    for i in range(99):
        emu.seed_action(f"seeded-{i}", deployed=False)
    create("the-100th")
    answer = http.post("/actions/actions", json={"name": "101", "supported_triggers": POST_LOGIN})
    assert answer.status_code == 400


def test_live_version_is_never_dropped_by_the_50_cap(
    http: httpx.Client, clock: Any, deployed: Deployed
) -> None:
    action_id = deployed()
    for _ in range(55):  # none of these settles before the next one
        http.post(f"/actions/actions/{action_id}/deploy")
    listed = http.get(f"/actions/actions/{action_id}/versions", params={"per_page": 100}).json()
    numbers = [v["number"] for v in listed["versions"]]
    assert len(numbers) == 50
    assert 1 in numbers  # still live until the latest deploy settles
    assert http.get(f"/actions/actions/{action_id}").json()["deployed_version"]["number"] == 1


def test_list_envelope_drops_page_zero(http: httpx.Client, create: Create) -> None:
    create("only")
    listed = http.get("/actions/actions", params={"page": 0, "per_page": 50}).json()
    assert set(listed) == {"actions", "total", "per_page"}
    assert (listed["total"], listed["per_page"]) == (1, 50)


def test_action_name_filter_is_exact(http: httpx.Client, create: Create) -> None:
    create("accept-terms")
    create("accept-terms-old")
    found = http.get("/actions/actions", params={"actionName": "accept-terms"}).json()
    assert [a["name"] for a in found["actions"]] == ["accept-terms"]
    none = http.get("/actions/actions", params={"actionName": "accept"}).json()
    assert none == {"actions": [], "per_page": 50}


def test_trigger_and_deployed_filters(
    emu: Emulator, http: httpx.Client, create: Create, deployed: Deployed
) -> None:
    live = deployed("live")
    create("draft-only")
    emu.seed_action("m2m", trigger="credentials-exchange", trigger_version="v2")
    only_deployed = http.get("/actions/actions", params={"deployed": "true"}).json()
    assert {a["name"] for a in only_deployed["actions"]} == {"live", "m2m"}
    post_login = http.get("/actions/actions", params={"triggerId": "post-login"}).json()
    assert {a["name"] for a in post_login["actions"]} == {"live", "draft-only"}
    assert live in {a["id"] for a in post_login["actions"]}


def test_paging(emu: Emulator, http: httpx.Client) -> None:
    for i in range(5):
        emu.seed_action(f"a{i}")
    second = http.get("/actions/actions", params={"page": 1, "per_page": 2}).json()
    assert [a["name"] for a in second["actions"]] == ["a2", "a3"]
    assert (second["total"], second["page"], second["per_page"]) == (5, 1, 2)


@pytest.mark.parametrize("query", [{"per_page": "101"}, {"page": "-1"}, {"deployed": "yes"}])
def test_bad_query_is_400(http: httpx.Client, query: dict[str, str]) -> None:
    answer = http.get("/actions/actions", params=query)
    assert answer.status_code == 400
    assert answer.json()["errorCode"] == "invalid_query_string"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param(
            {"dependencies": [{"name": "lodash"}]},
            "'Missing required property: version' on property dependencies[0].",
            id="dependency-without-version",
        ),
        pytest.param(
            {"secrets": [{"value": "v"}]},
            "'Missing required property: name' on property secrets[0].",
            id="secret-without-name",
        ),
        pytest.param(
            {"supported_triggers": [{"id": 7}]},
            "'Expected type string but found type number' on property supported_triggers[0].id.",
            id="trigger-id-not-a-string",
        ),
    ],
)
def test_nested_validation_names_the_property(
    http: httpx.Client, fields: dict[str, Any], message: str
) -> None:
    body = {"name": "a", "supported_triggers": POST_LOGIN, **fields}
    answer = http.post("/actions/actions", json=body)
    assert answer.status_code == 400
    assert answer.json()["message"] == f"Payload validation error: {message}"
