"""The Action of the repository's tenants.yaml (tenant `local`) sends users to this page.

The round trip itself, the Action in the local post-login runtime with a consent page in the
middle, is tests/roundtrip/: one table of cases run against both the Python page and the
Next.js page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from support.consent import fake_secret
from support.roundtrip import Login, local_action


def test_the_action_sends_users_to_this_page() -> None:
    code, params = local_action()
    keys = {"TERMS_TOKEN_SECRET": fake_secret("token"), "TERMS_RECORD_KEY": fake_secret("record")}
    result = Login(code, keys).execute()

    assert result.redirect is not None
    assert result.redirect.url == params.terms.url
    assert urlsplit(params.terms.url).path == "/terms"
    assert set(result.redirect.query) == {"session_token", "state"}
