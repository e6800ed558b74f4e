"""The consent page against the real Action in the local post-login runtime, both ways.

The Action is rendered from the repository's tenants.yaml (tenant `local`, whose terms URL is
this page's), run in phase "execute" to get the redirect; the browser's part is played by the
TestClient (open the page, press a button, post the auto-submit form); then phase "continue"
runs with what the page posted.
"""

from __future__ import annotations

import base64
import json
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


def test_accepting_gives_the_user_the_claims(
    local_action: tuple[str, ActionParams], keys_local: dict[str, str], page: Any
) -> None:
    code, params = local_action
    login = Login(code, keys_local)
    form = _through_the_page(page, login.execute(), "accept")
    result = login.resume(form)

    assert result.passed, result
    namespace = params.claims.namespace
    assert result.id_token_claims[f"{namespace}terms_version"] == params.terms.version
    assert result.user_metadata[params.metadata_key]["version"] == params.terms.version


def test_declining_denies_the_login(
    local_action: tuple[str, ActionParams], keys_local: dict[str, str], page: Any
) -> None:
    code, params = local_action
    login = Login(code, keys_local)
    form = _through_the_page(page, login.execute(), "decline")
    result = login.resume(form)

    assert result.denied is not None
    assert result.denied.reason == "terms_declined"
    assert result.id_token_claims == {}
    assert params.metadata_key not in result.user_metadata


def _tamper(token: str, **claims: Any) -> str:
    head, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(claims)
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{sig}"


def test_a_tampered_answer_is_refused(
    local_action: tuple[str, ActionParams], keys_local: dict[str, str], page: Any
) -> None:
    code, _ = local_action
    login = Login(code, keys_local)
    form = _through_the_page(page, login.execute(), "decline")
    result = login.resume({**form, "session_token": _tamper(form["session_token"], accepted=True)})

    assert result.denied is not None
    assert result.denied.reason == "terms_not_accepted"
    assert result.id_token_claims == {}


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


def test_rotation_step_three_token_from_before_the_rotation(
    local_action: tuple[str, ActionParams],
    make_client: MakeClient,
    shipped_terms: Path,
    keys: Keys,
) -> None:
    # A session_token the Action signed with the old secret before (2), answered after (3).
    old, new = keys.previous, keys.current
    code, _ = local_action
    page = _rotation_page(make_client, shipped_terms, current=new, also=old)
    login = Login(code, {"TERMS_TOKEN_SECRET": old, "TERMS_RECORD_KEY": keys.other})
    first = login.execute()
    login.configured = {
        "TERMS_TOKEN_SECRET": new,
        "TERMS_TOKEN_SECRET_PREVIOUS": old,
        "TERMS_RECORD_KEY": keys.other,
    }
    result = login.resume(_through_the_page(page, first, "accept"))

    assert result.passed, result


def _contract_claims(heading: str) -> set[str]:
    """The claim names in the table under `heading` in docs/consent-contract.md."""
    text = (REPO / "docs" / "consent-contract.md").read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    table = section.split("\n| claim |", 1)[1].split("\n\n", 1)[0]
    return {
        line.split("`")[1] for line in table.splitlines() if line.startswith("| `")
    }  # fmt: skip


def test_both_tokens_carry_exactly_the_claims_the_contract_lists(
    local_action: tuple[str, ActionParams], keys_local: dict[str, str], page: Any
) -> None:
    """docs/consent-contract.md is the one description: the Action's token and the page's
    answer carry exactly the claims its two tables list."""
    code, _ = local_action
    login = Login(code, keys_local)
    first = login.execute()
    assert first.redirect is not None
    incoming = first.redirect.query["session_token"]
    answer = _through_the_page(page, first, "accept")["session_token"]

    def claims(token: str) -> set[str]:
        body = token.split(".")[1]
        return set(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))

    assert claims(incoming) == _contract_claims("### The session token")
    assert claims(answer) == _contract_claims("### The answer token")
    assert login.resume(_through_the_page(page, login.execute(), "accept")).passed
