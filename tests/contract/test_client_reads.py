"""The client's reads decode Auth0's JSON themselves (not through auth0-python's models): what
they give must be what the models gave, and a bad answer must still be explained."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from auth0.management.client import Auth0
from auth0.management.types import GetActionResponseContent

from deployer.client import Auth0Client
from deployer.errors import Auth0Error

Handler = Callable[[httpx.Request], httpx.Response]

# An action as Auth0 answers it, with its nanosecond timestamps (the recorded shape of
# terraform-provider-auth0 TestAccAction: `...T17:41:53.501263988Z`).
ACTION = {
    "id": "a4365834-1497-456c-92ad-f50d0d96eae3",
    "name": "accept-terms",
    "supported_triggers": [{"id": "post-login", "version": "v3"}],
    "created_at": "2023-01-25T17:41:53.487205632Z",
    "updated_at": "2023-01-25T17:41:53.501263988Z",
    "code": "exports.onExecutePostLogin = async () => {};",
    "dependencies": [{"name": "jose", "version": "5.9.6"}],
    "runtime": "node22",
    "status": "built",
    "secrets": [{"name": "TERMS_TOKEN_SECRET", "updated_at": "2023-01-25T17:41:53.5Z"}],
    "deployed_version": {"id": "v1", "number": 3, "deployed": True, "code": "old();"},
    "all_changes_deployed": False,
}


def client(handler: Handler) -> Auth0Client:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return Auth0Client(Auth0(base_url="https://t.example/api/v2", token="t", httpx_client=http))


def answer(status: int, body: object) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def test_an_action_reads_as_the_models_read_it() -> None:
    live = client(answer(200, ACTION)).get_action(ACTION["id"])
    model = GetActionResponseContent.model_validate(ACTION)
    assert model.updated_at is not None and model.secrets and model.secrets[0].updated_at
    assert live.updated_at == model.updated_at.isoformat() == "2023-01-25T17:41:53.501263+00:00"
    assert live.secrets[0].updated_at == model.secrets[0].updated_at.isoformat()
    assert (live.deployed_version, live.deployed_code, live.is_deployed) == (3, "old();", True)
    assert live.dependencies[0].version == "5.9.6" and live.supported_triggers == ("post-login",)


def test_the_list_keeps_only_the_exact_name() -> None:
    other = {**ACTION, "id": "b", "name": "accept-terms-old"}
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={"actions": [other, ACTION], "total": 2})

    found = client(handler).find_action("accept-terms")
    assert found is not None and found.id == ACTION["id"]
    assert seen[0].params["actionName"] == "accept-terms"


def test_an_id_cannot_reach_another_endpoint() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json=ACTION)

    client(handler).get_action("x/../../clients")
    assert seen == ["/api/v2/actions/actions/x%2F..%2F..%2Fclients"]


def test_a_refused_read_is_explained() -> None:
    body = {"statusCode": 403, "message": "Insufficient scope", "errorCode": "insufficient_scope"}
    with pytest.raises(Auth0Error) as caught:
        client(answer(403, body)).bindings("post-login")
    assert caught.value.status == 403
    assert "reading the post-login bindings: Auth0 answered 403" in str(caught.value)
    assert "read:actions" in str(caught.value)  # the scope hint


def test_an_answer_that_is_not_json_is_named() -> None:
    page = lambda request: httpx.Response(200, text="<html>maintenance</html>")  # noqa: E731
    with pytest.raises(Auth0Error, match=r"looking up action 'x': .* not a JSON object"):
        client(page).find_action("x")


def test_the_bindings_read_keeps_the_order_and_the_integrations() -> None:
    bindings = [
        {"id": "1", "action": {"id": "m", "name": "marketplace", "integration": {"id": "i"}}},
        {"id": "2", "action": {"id": "o", "name": "ours"}, "display_name": "Ours"},
    ]
    live = client(answer(200, {"bindings": bindings})).bindings("post-login")
    assert [(b.action_name, b.integration, b.display_name) for b in live] == [
        ("marketplace", True, ""),
        ("ours", False, "Ours"),
    ]
