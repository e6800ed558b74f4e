"""The local post-login runtime itself, with small hand-written Actions."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from support.action import TENANT_DOMAIN, USER_ID, fake_secret, hs256_with_header

from deployer.emulator.login.runtime import RuntimeResult, RuntimeSimulationError, run_post_login

STATE = "state-0123456789"
EXPOSE = "https://test.example/out"

# Validates the answer and exposes either the claims or the error message.
VALIDATE = f"""
exports.onExecutePostLogin = async () => {{}};
exports.onContinuePostLogin = async (event, api) => {{
  try {{
    const claims = api.redirect.validateToken({{ secret: event.secrets.S }});
    api.idToken.setCustomClaim('{EXPOSE}', {{ claims }});
  }} catch (err) {{
    api.idToken.setCustomClaim('{EXPOSE}', {{ error: err.message }});
  }}
}};
"""


def _event(**transaction: Any) -> dict[str, Any]:
    return {
        "user": {"user_id": USER_ID, "user_metadata": {"keep": 1, "drop": 2}, "app_metadata": {}},
        "request": {"ip": "198.51.100.4"},
        "transaction": {"protocol": "oidc-basic-profile", **transaction},
    }


def _execute(code: str, *, secrets: dict[str, str] | None = None, **kw: Any) -> RuntimeResult:
    return run_post_login(
        code,
        phase="execute",
        event=kw.pop("event", _event()),
        secrets=secrets or {},
        tenant_domain=TENANT_DOMAIN,
        state=STATE,
        **kw,
    )


def _validate(token: str, secret: str, *, where: str = "body", state: str = STATE) -> Any:
    request: dict[str, dict[str, str]] = {"body": {}, "query": {}}
    request[where] = {"state": state, "session_token": token}
    result = run_post_login(
        VALIDATE,
        phase="continue",
        event=_event(),
        secrets={"S": secret},
        tenant_domain=TENANT_DOMAIN,
        state=STATE,
        continue_request=request,
    )
    assert result.ok, result.error
    return result.id_token_claims[EXPOSE]


def _answer(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": USER_ID,
        "iss": "consent.example.org",
        "state": STATE,
        "iat": now,
        "exp": now + 120,
        "jti": "j1",
    }
    claims.update(overrides)
    return claims


# --- redirect tokens -------------------------------------------------------------------------


def test_encode_token_decodes_with_pyjwt() -> None:
    secret = fake_secret("token")
    code = """
    exports.onExecutePostLogin = async (event, api) => {
      const t = api.redirect.encodeToken({secret: event.secrets.S, expiresInSeconds: 120,
                                          payload: {terms_version: 'v7', sub: 'spoofed'}});
      const d = api.redirect.encodeToken({secret: event.secrets.S, payload: {}});
      api.redirect.sendUserTo('https://page.example/p?lang=en', {query: {t, d}});
    };"""
    result = _execute(code, secrets={"S": secret})
    assert result.ok and result.redirect is not None
    token = jwt.decode(
        result.redirect.query["t"], secret, algorithms=["HS256"], issuer=TENANT_DOMAIN
    )
    assert token["sub"] == USER_ID, "Auth0's sub wins over the payload's"
    assert token["terms_version"] == "v7"
    assert token["ip"] == "198.51.100.4"
    assert token["exp"] - token["iat"] == 120
    assert abs(token["iat"] - time.time()) < 5
    default = jwt.decode(result.redirect.query["d"], secret, algorithms=["HS256"])
    assert default["exp"] - default["iat"] == 900
    assert jwt.get_unverified_header(result.redirect.query["t"])["alg"] == "HS256"
    # The runtime appends state; the URL's own query is kept.
    assert result.redirect.query["state"] == STATE
    assert result.redirect.location is not None
    assert result.redirect.location.startswith("https://page.example/p?lang=en&t=")
    assert result.redirect.location.endswith(f"&state={STATE}")


@pytest.mark.parametrize("where", ["body", "query"])
def test_validate_token_accepts_pyjwt_tokens(where: str) -> None:
    secret = fake_secret("token")
    claims = _answer(accepted=True, terms_version="v7")
    out = _validate(jwt.encode(claims, secret, algorithm="HS256"), secret, where=where)
    assert out == {"claims": claims}


def _rejections() -> list[Any]:
    secret = "fake-shared-secret-for-rejection-tests-0123456789abcdef"
    good = _answer()
    now = int(time.time())
    valid = jwt.encode(good, secret, algorithm="HS256")
    head, body, sig = valid.split(".")
    flipped = sig[:-2] + ("AA" if sig[-2:] != "AA" else "BB")
    return [
        pytest.param(jwt.encode(good, "", algorithm="none"), "Unsupported algorithm", id="none"),
        pytest.param(
            hs256_with_header({"alg": "none"}, good, secret), "Unsupported algorithm", id="alg-none"
        ),
        pytest.param(
            jwt.encode(good, secret + secret, algorithm="HS512"),
            "Unsupported algorithm",
            id="hs512",
        ),
        pytest.param(
            hs256_with_header({"alg": "RS256", "typ": "JWT"}, good, secret),
            "Unsupported algorithm",
            id="rs256-header",
        ),
        pytest.param(
            hs256_with_header({"alg": "hs256"}, good, secret),
            "Unsupported algorithm",
            id="lowercase",
        ),
        pytest.param(
            jwt.encode(good, "another-" + secret, algorithm="HS256"),
            "Invalid signature",
            id="other-secret",
        ),
        pytest.param(f"{head}.{body}.{flipped}", "Invalid signature", id="bad-signature"),
        pytest.param(f"{head}.{body}.", "Invalid signature", id="no-signature"),
        pytest.param(
            jwt.encode({**good, "iat": now - 600, "exp": now - 1}, secret, algorithm="HS256"),
            "expired",
            id="expired",
        ),
        pytest.param(
            jwt.encode({k: v for k, v in good.items() if k != "exp"}, secret, algorithm="HS256"),
            "no expiry",
            id="no-exp",
        ),
        pytest.param(
            jwt.encode({**good, "nbf": now + 3600}, secret, algorithm="HS256"),
            "not valid yet",
            id="nbf-future",
        ),
        pytest.param(
            jwt.encode({**good, "state": "another"}, secret, algorithm="HS256"),
            "State in the token does not match the /continue state.",
            id="state-mismatch",
        ),
        pytest.param(
            jwt.encode({k: v for k, v in good.items() if k != "state"}, secret, algorithm="HS256"),
            "State in the token does not match",
            id="no-state",
        ),
        pytest.param("", "No token", id="empty"),
        # Auth0's required standard claims: iat, exp (a minute after iat at least), sub, iss.
        *(
            pytest.param(
                jwt.encode({k: v for k, v in good.items() if k != name}, secret, "HS256"),
                "Missing or invalid standard claims",
                id=f"no-{name}",
            )
            for name in ("iss", "iat", "sub")
        ),
        pytest.param(
            jwt.encode({**good, "iss": ""}, secret, algorithm="HS256"),
            "Missing or invalid standard claims",
            id="empty-iss",
        ),
        pytest.param(
            jwt.encode({**good, "iat": str(now)}, secret, algorithm="HS256"),
            "Invalid iat",
            id="iat-not-a-number",
        ),
        pytest.param(
            jwt.encode({**good, "exp": now + 59}, secret, algorithm="HS256"),
            "Missing or invalid standard claims",
            id="lifetime-59s",
        ),
        pytest.param(
            jwt.encode({**good, "sub": "auth0|someone-else"}, secret, algorithm="HS256"),
            "The sub claim does not match the user_id.",
            id="sub-of-another-user",
        ),
        pytest.param(
            hs256_with_header({"alg": "HS256"}, good, secret),
            "Unexpected token payload type",
            id="no-typ",
        ),
        pytest.param(
            hs256_with_header({"alg": "HS256", "typ": "JWS"}, good, secret),
            "Unexpected token payload type",
            id="typ-not-jwt",
        ),
        pytest.param("a.b", "Malformed", id="two-parts"),
    ]


@pytest.mark.parametrize("case", [param.id for param in _rejections()])
def test_validate_token_rejects(case: str) -> None:
    # The tokens are made when the test runs, not at collection: their iat/exp are relative to
    # now, and a long suite can start this test minutes after collecting it.
    (param,) = [p for p in _rejections() if p.id == case]
    token, message = param.values
    secret = "fake-shared-secret-for-rejection-tests-0123456789abcdef"
    out = _validate(token, secret)
    assert "claims" not in out
    assert out["error"].startswith("The session token is invalid: ")
    assert message in out["error"]
    assert secret not in out["error"]


def test_old_consent_page_answer_is_refused() -> None:
    """The answer the consent page sent before it followed docs/consent-contract.md (no `iss`,
    a lifetime as short as 30 s) passed the old simulation; Auth0 refuses it, and so does this
    one now."""
    secret = fake_secret("token")
    now = int(time.time())
    old = {
        "sub": USER_ID,
        "state": STATE,
        "iat": now,
        "exp": now + 300,
        "jti": "0" * 32,
        "terms_version": "v7",
        "accepted": True,
    }
    out = _validate(jwt.encode(old, secret, algorithm="HS256"), secret)
    assert out == {"error": "The session token is invalid: Missing or invalid standard claims"}
    short = {**old, "iss": "consent.example.org", "exp": now + 30}
    out = _validate(jwt.encode(short, secret, algorithm="HS256"), secret)
    assert out == {"error": "The session token is invalid: Missing or invalid standard claims"}


def test_validate_token_only_in_continue() -> None:
    code = """exports.onExecutePostLogin = async (event, api) => {
      api.redirect.validateToken({secret: 'x'});
    };"""
    result = _execute(code)
    assert not result.ok
    assert result.error is not None and "onContinuePostLogin" in result.error


# --- canRedirect ---------------------------------------------------------------------------

CAN_REDIRECT = f"""exports.onExecutePostLogin = async (event, api) => {{
  api.idToken.setCustomClaim('{EXPOSE}', api.redirect.canRedirect());
}};"""


@pytest.mark.parametrize(
    ("protocol", "prompt", "expected"),
    [
        ("oidc-basic-profile", [], True),
        ("oidc-implicit-profile", [], True),
        ("oidc-hybrid-profile", ["login"], True),
        ("samlp", [], True),
        ("wsfed", [], True),
        ("oauth2-device-code", [], True),
        ("oidc-basic-profile", ["none"], False),
        ("oidc-basic-profile", "none", False),
        ("oauth2-refresh-token", [], False),
        ("oauth2-resource-owner", [], False),
        ("oauth2-password", [], False),
        ("oauth2-resource-owner-jwt-bearer", [], False),
        ("oauth2-token-exchange", [], False),
        ("oidc-ciba", [], False),
        ("wstrust-usernamemixed", [], False),
    ],
)
def test_can_redirect(protocol: str, prompt: Any, expected: bool) -> None:
    result = _execute(CAN_REDIRECT, event=_event(protocol=protocol, prompt=prompt))
    assert result.id_token_claims == {EXPOSE: expected}


def test_send_user_to_under_prompt_none_is_interaction_required() -> None:
    """Auth0 docs, "Redirect with Actions": a redirect under prompt=none fails the
    authorization with error=interaction_required."""
    code = """exports.onExecutePostLogin = async (event, api) => {
      api.user.setUserMetadata('seen', 1);
      api.redirect.sendUserTo('https://page.example/');
    };"""
    result = _execute(code, event=_event(prompt=["none"]))
    assert result.ok and result.redirect is None
    assert result.denied is not None and result.denied.error == "interaction_required"
    assert result.id_token_claims == {}


def test_deny_is_access_denied() -> None:
    code = """exports.onExecutePostLogin = async (event, api) => { api.access.deny('nope'); };"""
    result = _execute(code)
    assert result.denied is not None and result.denied.error == "access_denied"


def test_send_user_to_without_redirect_fails_the_login() -> None:
    code = """exports.onExecutePostLogin = async (event, api) => {
      api.redirect.sendUserTo('https://page.example/');
    };"""
    result = _execute(code, event=_event(protocol="oauth2-refresh-token"))
    assert not result.ok and result.redirect is None
    assert result.error is not None and "cannot redirect" in result.error


# --- metadata, claims, deny ----------------------------------------------------------------


def test_metadata_updates_are_batched_after_the_action() -> None:
    code = """exports.onExecutePostLogin = async (event, api) => {
      api.user.setUserMetadata('terms', {version: 'v1'});
      api.user.setUserMetadata('drop', null);
      api.user.setAppMetadata('plan', 'gold');
      console.log(JSON.stringify(event.user.user_metadata), event.user.app_metadata.plan);
      event.user.user_metadata.mutated = true;
    };"""
    result = _execute(code)
    assert result.ok
    assert [e.message for e in result.logs] == ['{"keep":1,"drop":2} undefined']
    assert result.user_metadata == {"keep": 1, "terms": {"version": "v1"}}
    assert result.app_metadata == {"plan": "gold"}


def test_metadata_over_32_kb_fails() -> None:
    code = """exports.onExecutePostLogin = async (event, api) => {
      api.user.setUserMetadata('big', 'x'.repeat(33 * 1024));
    };"""
    result = _execute(code)
    assert not result.ok and result.error is not None and "32 kB" in result.error
    assert result.user_metadata == {"keep": 1, "drop": 2}


def test_reserved_and_forbidden_claims_are_dropped_silently() -> None:
    names = [
        "sub", "iss", "aud", "exp", "iat", "nbf", "nonce", "azp", "auth_time", "jti", "roles",
        "permissions", "https://x.auth0.com/c", "https://auth0.com/c", "urn:auth0:c",
        "https://a.webtask.io/c", "http://webtask.run/c",
        "https://example.com/kept", "urn:example:kept", "plain_kept",
    ]  # fmt: skip
    code = f"""exports.onExecutePostLogin = async (event, api) => {{
      for (const name of {json.dumps(names)}) {{
        api.idToken.setCustomClaim(name, 1);
        api.accessToken.setCustomClaim(name, 2);
      }}
    }};"""
    result = _execute(code)
    assert result.ok
    kept = ["https://example.com/kept", "urn:example:kept", "plain_kept"]
    assert result.id_token_claims == dict.fromkeys(kept, 1)
    assert result.access_token_claims == dict.fromkeys(kept, 2)


def test_deny_stops_everything_after_it() -> None:
    code = f"""exports.onExecutePostLogin = async (event, api) => {{
      api.user.setUserMetadata('before', 1);
      api.access.deny('no_entry');
      api.access.deny('second_reason');
      api.idToken.setCustomClaim('{EXPOSE}', 1);
      api.user.setUserMetadata('after', 1);
      api.redirect.sendUserTo('https://page.example/');
    }};"""
    result = _execute(code)
    assert result.ok
    assert result.denied is not None and result.denied.reason == "no_entry"
    assert result.redirect is None and result.id_token_claims == {}
    assert "after" not in result.user_metadata and result.user_metadata["before"] == 1


# --- limits, modules, failures -------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["while (true) {}", "await new Promise(() => {})"],
    ids=["busy-loop", "never-resolves"],
)
def test_time_limit(body: str) -> None:
    code = f"""exports.onExecutePostLogin = async (event, api) => {{
      console.log('started');
      api.user.setUserMetadata('late', 1);
      {body};
    }};"""
    started = time.monotonic()
    result = _execute(code, timeout_ms=300)
    assert time.monotonic() - started < 5
    assert not result.ok and result.error is not None and "300 ms" in result.error
    assert [e.message for e in result.logs] == ["started"]
    assert "late" not in result.user_metadata


def test_builtins_only() -> None:
    code = f"""exports.onExecutePostLogin = async (event, api) => {{
      require('crypto'); require('node:util');
      let err = null;
      try {{ require('jwt-decode'); }} catch (e) {{ err = e.message; }}
      api.idToken.setCustomClaim('{EXPOSE}', err);
    }};"""
    result = _execute(code)
    assert result.ok
    assert "built-in modules only" in result.id_token_claims[EXPOSE]


def test_action_that_throws_fails_without_effects() -> None:
    code = """exports.onExecutePostLogin = async (event, api) => {
      api.user.setUserMetadata('x', 1);
      throw new Error('boom');
    };"""
    result = _execute(code)
    assert not result.ok and result.error == "the Action failed: Error: boom"
    assert "x" not in result.user_metadata


def test_bad_input_raises_without_secrets() -> None:
    secret = fake_secret("token")
    with pytest.raises(RuntimeSimulationError) as caught:
        run_post_login(
            "exports.onExecutePostLogin = async () => {};",
            phase="continue",
            event=_event(),
            secrets={"S": secret},
            tenant_domain="https://not-a-host.example",
        )
    assert "tenant_domain" in str(caught.value)
    assert secret not in str(caught.value)


def test_missing_node_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("deployer.emulator.login.runtime.shutil.which", lambda _name: None)
    with pytest.raises(RuntimeSimulationError, match="node is not installed"):
        _execute("exports.onExecutePostLogin = async () => {};")
