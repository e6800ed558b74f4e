"""Security headers on every response, and no secret in any of them."""

from __future__ import annotations

import httpx
import pytest
from support.consent import STATE, Keys, MakeClient, TestClient, only_form, session_token

COMMON = {
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
}


def _responses(client: TestClient, keys: Keys) -> dict[str, httpx.Response]:
    token = session_token(keys.current)
    terms = client.get("/terms", params={"session_token": token, "state": STATE})
    form = only_form(terms.text)
    return {
        "terms": terms,
        "continue": client.post(form.action, data={**form.fields, "decision": "accept"}),
        "forged": client.post(form.action, data={**form.fields, "csrf": "x", "decision": "accept"}),
        "invalid": client.get("/terms", params={"session_token": "x", "state": STATE}),
        "healthz": client.get("/healthz"),
        "not-found": client.get("/nope"),
        "wrong-method": client.put("/terms"),
    }


@pytest.mark.parametrize(
    "name", ["terms", "continue", "forged", "invalid", "healthz", "not-found", "wrong-method"]
)
def test_every_response_has_the_security_headers(client: TestClient, keys: Keys, name: str) -> None:
    response = _responses(client, keys)[name]
    headers = response.headers

    for header, value in COMMON.items():
        assert headers[header] == value
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "server" not in headers or "uvicorn" not in headers["server"]


def test_only_the_continue_page_may_run_a_script(client: TestClient, keys: Keys) -> None:
    responses = _responses(client, keys)

    for name, response in responses.items():
        csp = response.headers["content-security-policy"]
        assert ("script-src" in csp) is (name == "continue"), name
    terms_csp = responses["terms"].headers["content-security-policy"]
    assert "form-action 'self'" in terms_csp


def test_no_secret_appears_in_any_response(make_client: MakeClient, keys: Keys) -> None:
    client = make_client(previous_token_secret=keys.previous)
    for response in _responses(client, keys).values():
        raw = response.text + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        for secret in keys.values():
            assert secret not in raw
