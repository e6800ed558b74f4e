"""Settings from the environment and the `consent serve` command's refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from support.consent import DOMAIN, Keys

from deployer.cli.consent import consent
from deployer.consent import ConsentSettings, SettingsError


def _env(keys: Keys, terms_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "CONSENT_AUTH0_DOMAIN": DOMAIN,
        "TERMS_TOKEN_SECRET": keys.current,
        "CONSENT_TERMS_DIR": str(terms_dir),
        **extra,
    }


def test_from_env(keys: Keys, terms_dir: Path) -> None:
    settings = ConsentSettings.from_env(
        _env(keys, terms_dir, TERMS_TOKEN_SECRET_PREVIOUS=keys.previous)
    )

    assert settings.issuer == DOMAIN
    assert settings.resume_url == f"https://{DOMAIN}/continue"
    assert settings.verification_secrets == (keys.current, keys.previous)
    assert settings.terms_dir == terms_dir
    assert settings.terms_path == "/terms"


def test_continue_url_override(keys: Keys, terms_dir: Path) -> None:
    env = _env(keys, terms_dir, CONSENT_CONTINUE_URL="http://127.0.0.1:8400/continue")

    assert ConsentSettings.from_env(env).resume_url == "http://127.0.0.1:8400/continue"


def test_custom_domains_and_answer_issuer(keys: Keys, terms_dir: Path) -> None:
    env = _env(
        keys,
        terms_dir,
        CONSENT_ACCEPTED_ISSUERS=" login.acme.example , id.acme.example:8443,",
        CONSENT_ISSUER="terms.acme.example",
    )
    settings = ConsentSettings.from_env(env)

    assert settings.issuers == (DOMAIN, "login.acme.example", "id.acme.example:8443")
    assert settings.answer_issuer == "terms.acme.example"
    assert settings.resume_url_for("login.acme.example") == "https://login.acme.example/continue"


def test_repr_shows_no_secret(keys: Keys, terms_dir: Path) -> None:
    settings = ConsentSettings.from_env(
        _env(keys, terms_dir, TERMS_TOKEN_SECRET_PREVIOUS=keys.previous)
    )

    assert keys.current not in repr(settings)
    assert keys.previous not in repr(settings)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"CONSENT_AUTH0_DOMAIN": ""}, "CONSENT_AUTH0_DOMAIN", id="no-domain"),
        pytest.param({"TERMS_TOKEN_SECRET": ""}, "TERMS_TOKEN_SECRET", id="no-secret"),
        pytest.param(
            {"CONSENT_AUTH0_DOMAIN": f"https://{DOMAIN}"}, "host name", id="domain-with-scheme"
        ),
        pytest.param({"CONSENT_AUTH0_DOMAIN": f"{DOMAIN}/x"}, "host name", id="domain-with-path"),
        pytest.param({"TERMS_TOKEN_SECRET": "short-secret"}, "at least 32", id="short-secret"),
        pytest.param(
            {"TERMS_TOKEN_SECRET_PREVIOUS": "short"}, "PREVIOUS must be", id="short-previous"
        ),
        pytest.param({"CONSENT_TERMS_DIR": "/nonexistent/terms"}, "not a directory", id="no-dir"),
        pytest.param(
            {"CONSENT_CONTINUE_URL": "javascript:alert(1)"}, "CONTINUE_URL", id="bad-continue-url"
        ),
        pytest.param({"CONSENT_TERMS_PATH": "terms"}, "CONSENT_TERMS_PATH", id="relative-path"),
        pytest.param(
            {"CONSENT_ACCEPTED_ISSUERS": "https://login.acme.example"},
            "CONSENT_ACCEPTED_ISSUERS",
            id="issuer-with-scheme",
        ),
        pytest.param({"CONSENT_TERMS_PATH": "/terms/../x"}, "CONSENT_TERMS_PATH", id="dotdot"),
    ],
)
def test_bad_settings_are_refused_without_echoing_secrets(
    keys: Keys, terms_dir: Path, change: dict[str, str], message: str
) -> None:
    env = {**_env(keys, terms_dir), **change}
    with pytest.raises(SettingsError, match=message) as caught:
        ConsentSettings.from_env(env)

    for name in ("TERMS_TOKEN_SECRET", "TERMS_TOKEN_SECRET_PREVIOUS"):
        if env.get(name):
            assert env[name] not in str(caught.value)


def test_serve_without_configuration_names_what_is_missing(keys: Keys) -> None:
    result = CliRunner().invoke(consent, ["serve"], env={"CONSENT_AUTH0_DOMAIN": ""})

    assert result.exit_code == 1
    assert "CONSENT_AUTH0_DOMAIN" in result.output


def test_serve_refuses_a_short_secret_without_printing_it(terms_dir: Path) -> None:
    env = {"CONSENT_AUTH0_DOMAIN": DOMAIN, "TERMS_TOKEN_SECRET": "tiny-secret-value"}
    result = CliRunner().invoke(consent, ["serve", "--terms-dir", str(terms_dir)], env=env)

    assert result.exit_code == 1
    assert "TERMS_TOKEN_SECRET must be at least 32" in result.output
    assert "tiny-secret-value" not in result.output


def test_serve_prints_the_url_and_never_the_secret(
    keys: Keys, terms_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: dict[str, object] = {}

    def fake_run(app: object, **options: object) -> None:
        served.update(options)

    monkeypatch.setattr("uvicorn.run", fake_run)
    env = _env(keys, terms_dir, TERMS_TOKEN_SECRET_PREVIOUS=keys.previous)
    result = CliRunner().invoke(consent, ["serve", "--port", "8471"], env=env)

    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8471/terms" in result.output
    assert f"https://{DOMAIN}/continue" in result.output
    assert "2025-06-01, 2026-11-01" in result.output
    assert keys.current not in result.output
    assert keys.previous not in result.output
    assert served["host"] == "127.0.0.1"
    assert served["port"] == 8471
    assert served["access_log"] is False


@pytest.mark.parametrize("ttl", [30, 59, 89, 901])
def test_answer_lifetime_bounds(keys: Keys, terms_dir: Path, ttl: int) -> None:
    """Auth0 wants the answer to live at least a minute; the page keeps a margin on top."""
    with pytest.raises(SettingsError, match="between 90 and 900"):
        ConsentSettings(
            auth0_domain=DOMAIN,
            token_secret=keys.current,
            terms_dir=terms_dir,
            answer_ttl_seconds=ttl,
        )
