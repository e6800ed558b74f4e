"""LeanClient sends a request straight to its transport: it must send what httpx.Client sends
(headers, body, timeout, the transport a proxy mount picks) and run the same event hooks, and
hand anything it does not cover back to httpx.Client."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from deployer.client.http import LeanClient

URL = "https://t.example/api/v2/actions/actions"


def recorder(sent: list[httpx.Request], status: int = 200) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(status, json={"ok": True}, headers={"set-cookie": "did=1; Path=/"})

    return httpx.MockTransport(handle)


def test_a_request_carries_what_httpx_client_would_send() -> None:
    lean_sent: list[httpx.Request] = []
    plain_sent: list[httpx.Request] = []
    for http in (
        LeanClient(transport=recorder(lean_sent)),
        httpx.Client(transport=recorder(plain_sent)),
    ):
        with http:
            http.headers["X-Client"] = "deployer"
            http.timeout = httpx.Timeout(7.0)
            http.post(URL, params={"page": 0, "q": "a b"}, json={"name": "x"}, headers={"A": "1"})
    (ours,), (theirs,) = lean_sent, plain_sent
    assert ours.method == theirs.method == "POST"
    assert ours.url == theirs.url
    assert ours.headers.multi_items() == theirs.headers.multi_items()
    assert ours.read() == theirs.read()
    assert ours.extensions["timeout"] == theirs.extensions["timeout"]


def test_a_form_and_a_per_request_timeout() -> None:
    sent: list[httpx.Request] = []
    with LeanClient(transport=recorder(sent)) as http:
        response = http.post(URL, data={"grant_type": "client_credentials"}, timeout=3.0)
    assert response.json() == {"ok": True}
    assert sent[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert sent[0].read() == b"grant_type=client_credentials"
    assert sent[0].extensions["timeout"] == httpx.Timeout(3.0).as_dict()


def test_the_event_hooks_see_the_request_and_the_read_answer() -> None:
    seen: list[str] = []

    def before(request: httpx.Request) -> None:
        seen.append(f"request {request.url.path}")

    def after(response: httpx.Response) -> None:
        seen.append(f"response {response.status_code} {response.request.url.path}")

    hooks: dict[str, list[Callable[..., None]]] = {"request": [before], "response": [after]}
    with LeanClient(transport=recorder([], status=429), event_hooks=hooks) as http:
        response = http.get(URL)
    assert seen == ["request /api/v2/actions/actions", "response 429 /api/v2/actions/actions"]
    assert response.is_closed and json.loads(response.content) == {"ok": True}


def test_a_proxy_mount_is_used_as_httpx_would() -> None:
    direct: list[httpx.Request] = []
    proxied: list[httpx.Request] = []
    mounts = {"https://t.example": recorder(proxied)}
    with LeanClient(transport=recorder(direct), mounts=mounts) as http:
        http.get(URL)
        http.get("https://other.example/x")
    assert [r.url.host for r in proxied] == ["t.example"]
    assert [r.url.host for r in direct] == ["other.example"]


def test_no_cookie_is_kept_or_sent_back() -> None:
    sent: list[httpx.Request] = []
    with LeanClient(transport=recorder(sent)) as http:
        http.get(URL)
        http.get(URL)
        assert not http.cookies
    assert "cookie" not in sent[1].headers


def test_a_connection_error_names_its_request() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with (
        LeanClient(transport=httpx.MockTransport(refuse)) as http,
        pytest.raises(httpx.ConnectError) as caught,
    ):
        http.get(URL)
    assert caught.value.request.url == httpx.URL(URL)


def test_what_it_does_not_cover_goes_through_httpx_client() -> None:
    sent: list[httpx.Request] = []
    with LeanClient(transport=recorder(sent), base_url="https://t.example") as http:
        http.get("/api/v2/actions/actions")  # relative: httpx merges the base URL
        http.get(URL, auth=("user", "pass"))
    with LeanClient(transport=recorder(sent), cookies={"did": "1"}) as http:
        http.get(URL)
    with LeanClient(transport=recorder(sent), params={"fields": "id"}) as http:
        http.get(URL)
    assert sent[0].url == httpx.URL(URL)
    assert sent[1].headers["authorization"].startswith("Basic ")
    assert sent[2].headers["cookie"] == "did=1"
    assert sent[3].url.params["fields"] == "id"
