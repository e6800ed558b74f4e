"""POST /actions/actions/{id}/test: the draft runs with the given event (emulator/testing.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from auth0.management import types as auth0_types
from auth0.management.client import Auth0

from deployer.emulator import Emulator

Create = Callable[..., dict[str, Any]]
Deployed = Callable[..., str]
SECRET_VALUE = "fake-test-endpoint-secret-0123456789abcdef"
EXPOSE = "https://test.example/c"

WHO = f"""exports.onExecutePostLogin = async (event, api) => {{
  console.log('testing', event.user.user_id);
  api.idToken.setCustomClaim('{EXPOSE}', {{
    user: event.user.user_id,
    has_secret: typeof event.secrets.S === 'string' && event.secrets.S.length > 0,
    code: 'CODE_MARK',
  }});
}};"""


def _test(http: httpx.Client, action_id: str, payload: Any) -> httpx.Response:
    return http.post(f"/actions/actions/{action_id}/test", json={"payload": payload})


def test_the_draft_runs_with_the_event_and_the_action_s_secrets(
    http: httpx.Client, deployed: Deployed
) -> None:
    action_id = deployed(
        code=WHO.replace("CODE_MARK", "v1"), secrets=[{"name": "S", "value": SECRET_VALUE}]
    )
    # The draft changes after the deploy: the test runs the draft, not the deployed version.
    patched = http.patch(
        f"/actions/actions/{action_id}", json={"code": WHO.replace("CODE_MARK", "v2")}
    )
    assert patched.status_code == 200

    answer = _test(http, action_id, {"user": {"user_id": "auth0|tester"}})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"payload"}
    result = body["payload"]
    assert result["id_token_claims"] == {
        EXPOSE: {"user": "auth0|tester", "has_secret": True, "code": "v2"}
    }
    assert result["redirect"] is None and result["denied"] is None and result["error"] is None
    assert result["logs"] == [{"level": "log", "message": "testing auth0|tester"}]
    assert isinstance(result["stats"]["action_duration_ms"], int)
    assert SECRET_VALUE not in answer.text


def test_a_redirect_and_a_denial_are_reported(http: httpx.Client, create: Create) -> None:
    code = """exports.onExecutePostLogin = async (event, api) => {
      if (event.transaction.protocol === 'oauth2-refresh-token') return api.access.deny('no');
      api.redirect.sendUserTo('https://terms.example/t', {query: {a: '1'}});
    };"""
    action_id = create(code=code)["id"]
    browser = _test(http, action_id, {"request": {"hostname": "login.acme.example"}}).json()
    assert browser["payload"]["redirect"]["url"] == "https://terms.example/t"
    assert browser["payload"]["redirect"]["query"]["a"] == "1"
    assert "state" in browser["payload"]["redirect"]["query"]

    refresh = _test(http, action_id, {"transaction": {"protocol": "oauth2-refresh-token"}}).json()
    assert refresh["payload"]["denied"] == {"error": "access_denied", "reason": "no"}
    assert refresh["payload"]["redirect"] is None


def test_a_failing_action_is_a_200_with_an_error(http: httpx.Client, create: Create) -> None:
    action_id = create(code="exports.onExecutePostLogin = async () => { throw new Error('x'); };")[
        "id"
    ]
    answer = _test(http, action_id, {})
    assert answer.status_code == 200
    result = answer.json()["payload"]
    assert result["error"] == {"message": "the Action failed: Error: x"}
    assert "action_duration_ms" in result["stats"]


def test_bad_requests(http: httpx.Client, create: Create, emu: Emulator) -> None:
    action_id = create()["id"]
    missing = http.post(f"/actions/actions/{action_id}/test", json={})
    assert (missing.status_code, missing.json()["errorCode"]) == (400, "invalid_body")
    wrong = _test(http, action_id, ["not", "an", "object"])
    assert (wrong.status_code, wrong.json()["errorCode"]) == (400, "invalid_body")
    unknown = _test(http, "00000000-0000-4000-8000-000000000000", {})
    assert unknown.status_code == 404
    reader = httpx.Client(
        transport=emu.transport(),
        base_url=http.base_url,
        headers={"authorization": f"Bearer {emu.issue_token(scopes=['read:actions'])}"},
    )
    with reader:
        refused = reader.post(f"/actions/actions/{action_id}/test", json={"payload": {}})
    assert refused.status_code == 403
    assert refused.json()["message"] == "Insufficient scope, expected any of: create:actions"


def test_auth0_python_reads_the_answer(client: Auth0, http: httpx.Client, create: Create) -> None:
    action_id = create(code=WHO)["id"]
    answer = client.actions.test(action_id, payload={"user": {"user_id": "auth0|sdk"}})
    assert isinstance(answer, auth0_types.TestActionResponseContent)
    assert answer.payload is not None
    assert answer.payload["id_token_claims"][EXPOSE]["user"] == "auth0|sdk"
