"""The demo's sample app renders its pages from deployer/demo/templates/, escaped."""

from __future__ import annotations

import re

from support.consent import TestClient

from deployer.demo.app import LOGIN_COOKIE, SampleAppSettings, create_sample_app

SETTINGS = SampleAppSettings(
    tenant_url="http://127.0.0.1:9",
    client_id="sample",
    client_secret="not-used-here",
    callback="http://127.0.0.1:8401/callback",
    claims_namespace="https://example.com/",
)


def test_signed_out_home_page_has_its_style_under_the_csp_nonce() -> None:
    with TestClient(create_sample_app(SETTINGS)) as client:
        page = client.get("/")
    assert page.status_code == 200
    assert 'id="sign-in"' in page.text
    assert "· Acme sample app</title>" in page.text
    nonce = re.search(r"style-src 'nonce-([^']+)'", page.headers["content-security-policy"])
    assert nonce is not None
    assert f'<style nonce="{nonce.group(1)}">' in page.text
    assert "--accent" in page.text  # the stylesheet is in the base template


def test_an_error_from_the_tenant_is_shown_escaped() -> None:
    with TestClient(create_sample_app(SETTINGS)) as client:
        client.cookies.set(LOGIN_COOKIE, "s")
        page = client.get(
            "/callback",
            params={"error": "<script>alert(1)</script>", "error_description": "x", "state": "s"},
        )
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'id="error-code"' in page.text
