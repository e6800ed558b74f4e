"""The consent page's configuration, from the environment or built directly by tests.

What the page accepts and sends is docs/consent-contract.md; this module holds its knobs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# The same floor the deployer enforces on fingerprinted secrets: short HMAC keys are guessable.
MIN_SECRET_LENGTH = 32
DEFAULT_TERMS_DIR = Path(__file__).resolve().parent / "terms"
DEFAULT_TERMS_PATH = "/terms"
# The answer's lifetime: Auth0 wants `exp` at least a minute after `iat` (contract, "The
# answer"); five minutes leaves room for a slow network and a clock a little behind.
DEFAULT_ANSWER_TTL_SECONDS = 300
MIN_ANSWER_TTL_SECONDS = 90
MAX_ANSWER_TTL_SECONDS = 900

# A host name with an optional port, as Auth0 puts it in `iss`: no scheme, no path.
_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$")
_PATH = re.compile(r"^(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$")  # no dot segments


class SettingsError(ValueError):
    """The configuration is unusable; the message names the setting, never a secret value."""


@dataclass(frozen=True)
class ConsentSettings:
    """Everything the page needs. Secrets are kept out of repr()."""

    auth0_domain: str
    token_secret: str = field(repr=False)
    terms_dir: Path = DEFAULT_TERMS_DIR
    previous_token_secret: str | None = field(default=None, repr=False)
    continue_url: str | None = None
    terms_path: str = DEFAULT_TERMS_PATH
    answer_ttl_seconds: int = DEFAULT_ANSWER_TTL_SECONDS
    # Other host names the tenant's logins use (custom domains): tokens issued there are
    # accepted, and answers go back to /continue there.
    accepted_issuers: tuple[str, ...] = ()
    # The `iss` of answers; None: the host name the page was reached at (contract, "The answer").
    answer_issuer: str | None = None

    def __post_init__(self) -> None:
        if not _DOMAIN.match(self.auth0_domain):
            raise SettingsError(
                "CONSENT_AUTH0_DOMAIN must be the tenant's host name (optionally with a port), "
                "without scheme or path, e.g. acme.eu.auth0.com"
            )
        for name, value in (
            ("TERMS_TOKEN_SECRET", self.token_secret),
            ("TERMS_TOKEN_SECRET_PREVIOUS", self.previous_token_secret),
        ):
            if value is not None and len(value) < MIN_SECRET_LENGTH:
                raise SettingsError(f"{name} must be at least {MIN_SECRET_LENGTH} characters long")
        if self.continue_url is not None and not re.match(
            r"^https?://[^\s/?#]+/[^\s?#]*$", self.continue_url
        ):
            raise SettingsError("CONSENT_CONTINUE_URL must be an http(s) URL without query")
        if not _PATH.match(self.terms_path):
            raise SettingsError("CONSENT_TERMS_PATH must be a path such as /terms")
        if not MIN_ANSWER_TTL_SECONDS <= self.answer_ttl_seconds <= MAX_ANSWER_TTL_SECONDS:
            raise SettingsError(
                "the answer token's lifetime must be between "
                f"{MIN_ANSWER_TTL_SECONDS} and {MAX_ANSWER_TTL_SECONDS} seconds"
            )
        for issuer in self.accepted_issuers:
            if not _DOMAIN.match(issuer):
                raise SettingsError(
                    "CONSENT_ACCEPTED_ISSUERS must list host names (optionally with a port), "
                    "without scheme or path, e.g. login.acme.com"
                )
        if self.answer_issuer is not None and not self.answer_issuer.strip():
            raise SettingsError("CONSENT_ISSUER must not be empty")
        if not self.terms_dir.is_dir():
            raise SettingsError(f"CONSENT_TERMS_DIR is not a directory: {self.terms_dir}")

    @property
    def issuer(self) -> str:
        """The `iss` Auth0 puts in redirect tokens: the tenant's host name."""
        return self.auth0_domain

    @property
    def issuers(self) -> tuple[str, ...]:
        """Every `iss` accepted on an incoming token: the tenant's and its custom domains'."""
        return (self.auth0_domain, *(i for i in self.accepted_issuers if i != self.auth0_domain))

    @property
    def resume_url(self) -> str:
        """/continue on the tenant's domain (or the configured override), without the state."""
        return self.continue_url or f"https://{self.auth0_domain}/continue"

    def resume_url_for(self, host: str) -> str:
        """/continue on `host`, one of `issuers`: the domain the login used. The override, set
        for an emulator on plain http, wins."""
        return self.continue_url or f"https://{host}/continue"

    @property
    def verification_secrets(self) -> tuple[str, ...]:
        """The current secret, then the previous one during a rotation.

        "Previous" means "also accepted": answers are signed with the current one only. A
        rotation without failed logins: (1) the page gets the new value as PREVIOUS; (2) the
        Action gets current=new, previous=old; (3) the page gets current=new, previous=old;
        (4) once in-flight tokens have expired, PREVIOUS is removed from both.
        """
        if self.previous_token_secret:
            return (self.token_secret, self.previous_token_secret)
        return (self.token_secret,)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, terms_dir: Path | None = None
    ) -> ConsentSettings:
        """Read the CONSENT_* and TERMS_TOKEN_SECRET* variables; every missing one named at once."""
        env = os.environ if environ is None else environ
        missing = [
            name for name in ("CONSENT_AUTH0_DOMAIN", "TERMS_TOKEN_SECRET") if not env.get(name)
        ]
        if missing:
            raise SettingsError(f"not set in the environment: {', '.join(missing)}")
        directory = terms_dir or Path(env.get("CONSENT_TERMS_DIR") or DEFAULT_TERMS_DIR)
        return cls(
            auth0_domain=env["CONSENT_AUTH0_DOMAIN"],
            token_secret=env["TERMS_TOKEN_SECRET"],
            previous_token_secret=env.get("TERMS_TOKEN_SECRET_PREVIOUS") or None,
            terms_dir=directory,
            continue_url=env.get("CONSENT_CONTINUE_URL") or None,
            terms_path=env.get("CONSENT_TERMS_PATH") or DEFAULT_TERMS_PATH,
            accepted_issuers=tuple(
                part.strip()
                for part in (env.get("CONSENT_ACCEPTED_ISSUERS") or "").split(",")
                if part.strip()
            ),
            answer_issuer=env.get("CONSENT_ISSUER") or None,
        )
