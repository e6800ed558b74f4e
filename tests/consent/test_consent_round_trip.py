"""The consent page against the real Action in the local post-login runtime, both ways.

The Action is rendered from the repository's tenants.yaml (tenant `local`, whose terms URL is
this page's), run in phase "execute" to get the redirect; the browser's part is played by the
TestClient (open the page, press a button, post the auto-submit form); then phase "continue"
runs with what the page posted.

The cases both consent pages share (accept, decline, a tampered answer, a token from before a
rotation, the contract's claim lists) are in tests/roundtrip/; these are the Python page's own.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from support.consent import REPO, USER_ID, Keys, MakeClient, fake_secret, only_form

from deployer.config import load_config
from deployer.emulator.login.runtime import RuntimeResult, run_post_login
from deployer.header import Header
from deployer.params import ActionParams
from deployer.render import render_action

TENANT = "local"
# The runtime's `iss`, and the page's CONSENT_AUTH0_DOMAIN: the emulator's host and port.
DOMAIN = "127.0.0.1:8443"
CONTINUE_URL = "http://127.0.0.1:8443/continue"


@pytest.fixture(scope="module")
def local_action() -> tuple[str, ActionParams]:
    config = load_config(REPO / "tenants.yaml")
    params = config.tenants[TENANT].action
    return render_action(config.manifest, params, Header(TENANT, config.manifest.name)), params


class Login:
    """One user's login through the Action, with the page in the middle."""

    def __init__(self, code: str, configured: dict[str, str]) -> None:
        self.code = code
        self.configured = configured
        self.user: dict[str, Any] = {
            "user_id": USER_ID,
            "email": "ada@example.org",
            "user_metadata": {},
            "app_metadata": {},
        }
        self.state = f"state-{uuid.uuid4().hex}"

    def event(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "client": {"client_id": "app-web", "name": "Web"},
            "transaction": {"protocol": "oidc-basic-profile", "prompt": []},
        }

    def execute(self) -> RuntimeResult:
        result = run_post_login(
            self.code,
            phase="execute",
            event=self.event(),
            secrets=self.configured,
            tenant_domain=DOMAIN,
            state=self.state,
        )
        # Auth0 applies pending metadata updates before the redirect.
        self.user = {**self.user, "user_metadata": dict(result.user_metadata)}
        return result

    def resume(self, form: dict[str, str]) -> RuntimeResult:
        return run_post_login(
            self.code,
            phase="continue",
            event=self.event(),
            secrets=self.configured,
            tenant_domain=DOMAIN,
            state=self.state,
            # The page posts to /continue?state=... with the state in the body too.
            continue_request={"body": form, "query": {"state": form.get("state", "")}},
        )


def _through_the_page(client: Any, result: RuntimeResult, decision: str) -> dict[str, str]:
    """Follow the redirect to the page, answer, and return what the browser posts to /continue."""
    assert result.ok and result.redirect is not None, result
    assert result.redirect.location is not None
    location = urlsplit(result.redirect.location)
    page = client.get(f"{location.path}?{location.query}")
    assert page.status_code == 200, page.text
    terms = only_form(page.text)
    assert ("decision", decision) in terms.buttons
    answered = client.post(terms.action, data={**terms.fields, "decision": decision})
    assert answered.status_code == 200, answered.text
    resume = only_form(answered.text)
    assert resume.action == f"{CONTINUE_URL}?{urlencode({'state': resume.fields['state']})}"
    return resume.fields


@pytest.fixture
def keys_local() -> dict[str, str]:
    return {"TERMS_TOKEN_SECRET": fake_secret("token"), "TERMS_RECORD_KEY": fake_secret("record")}


@pytest.fixture
def page(make_client: MakeClient, keys_local: dict[str, str], shipped_terms: Path) -> Any:
    return make_client(
        base_url="http://127.0.0.1:8400",
        auth0_domain=DOMAIN,
        token_secret=keys_local["TERMS_TOKEN_SECRET"],
        terms_dir=shipped_terms,
        continue_url=CONTINUE_URL,
    )


def test_the_action_sends_users_to_this_page(
    local_action: tuple[str, ActionParams], keys_local: dict[str, str]
) -> None:
    code, params = local_action
    result = Login(code, keys_local).execute()

    assert result.redirect is not None
    assert result.redirect.url == params.terms.url
    assert urlsplit(params.terms.url).path == "/terms"
    assert set(result.redirect.query) == {"session_token", "state"}


def test_an_answer_for_another_login_is_refused(
    local_action: tuple[str, ActionParams], keys_local: dict[str, str], page: Any
) -> None:
    code, _ = local_action
    first, second = Login(code, keys_local), Login(code, keys_local)
    form = _through_the_page(page, first.execute(), "accept")
    second.execute()
    # Replayed into another transaction (Auth0 routes /continue by the posted state).
    result = second.resume({**form, "state": second.state})

    assert result.denied is not None
    assert result.denied.reason == "terms_not_accepted"


def _rotation_page(make_client: MakeClient, shipped_terms: Path, current: str, also: str) -> Any:
    return make_client(
        base_url="http://127.0.0.1:8400",
        auth0_domain=DOMAIN,
        token_secret=current,
        previous_token_secret=also,
        terms_dir=shipped_terms,
        continue_url=CONTINUE_URL,
    )


def test_rotation_step_two_action_rotated_page_not_yet(
    local_action: tuple[str, ActionParams],
    make_client: MakeClient,
    shipped_terms: Path,
    keys: Keys,
) -> None:
    # Zero-downtime order: (1) the page gets the new secret as its *previous* (accepted only);
    # (2) the Action gets current=new, previous=old; (3) the page gets current=new,
    # previous=old. Here, between (2) and (3): the Action signs with new, the page with old.
    old, new = keys.previous, keys.current
    code, _ = local_action
    page = _rotation_page(make_client, shipped_terms, current=old, also=new)
    configured = {
        "TERMS_TOKEN_SECRET": new,
        "TERMS_TOKEN_SECRET_PREVIOUS": old,
        "TERMS_RECORD_KEY": keys.other,
    }
    login = Login(code, configured)
    result = login.resume(_through_the_page(page, login.execute(), "accept"))

    assert result.passed, result
