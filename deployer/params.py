"""The accept-terms Action's parameters, validated before anything is rendered.

These are the values a tenant sets under `action:` in tenants.yaml. Every rule here protects a
real login: a claim namespace Auth0 would silently drop, a terms page reached over plain HTTP,
a consent token that lives too long.
"""

from __future__ import annotations

import datetime
import ipaddress
import unicodedata
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

# Auth0 drops custom claims namespaced on these hosts (and on urn:auth0).
FORBIDDEN_CLAIM_HOSTS = ("auth0.com", "webtask.io", "webtask.run")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _scalar_to_str(value: Any) -> Any:
    # YAML reads an unquoted 2026-11-01 as a date and 3 as an int; a version is text.
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Version = Annotated[
    str,
    BeforeValidator(_scalar_to_str),
    Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$"),
]


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# The Action appends a signed session token (~1 kB) and state to this address; with both, stay
# under the ~2 kB URLs that every browser, proxy and log pipeline handles. Our bound, not Auth0's.
MAX_URL_LENGTH = 2000


def _refuse_invisible(value: str) -> None:
    """Whitespace and control or format characters in an address: a browser would strip, encode
    or choke on them, and a CR/LF in a redirect is a header-injection shape. Never allowed."""
    for index, char in enumerate(value):
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Zs"):
            raise ValueError(
                f"must not contain whitespace or control characters "
                f"({unicodedata.name(char, repr(char))} at character {index + 1})"
            )


def _host_is_forbidden(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in FORBIDDEN_CLAIM_HOSTS)


class Terms(StrictModel):
    url: str = Field(description="The consent page users are sent to.")
    version: Version = Field(description="The version of the terms users must have accepted.")

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        if len(url) > MAX_URL_LENGTH:
            raise ValueError(f"is {len(url)} characters long; at most {MAX_URL_LENGTH}")
        _refuse_invisible(url)
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be an absolute https:// URL")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise ValueError("must use https (plain http is only allowed for loopback addresses)")
        if parts.fragment:
            raise ValueError("must not have a #fragment")
        return url


class Claims(StrictModel):
    namespace: str = Field(description="Prefix of the custom claims, e.g. https://example.com/")
    id_token: bool = True
    access_token: bool = False

    @field_validator("namespace")
    @classmethod
    def _check_namespace(cls, ns: str) -> str:
        if len(ns) > MAX_URL_LENGTH:
            raise ValueError(f"is {len(ns)} characters long; at most {MAX_URL_LENGTH}")
        _refuse_invisible(ns)
        if ns.lower().startswith("urn:"):
            if ns.lower().startswith("urn:auth0"):
                raise ValueError("urn:auth0 is reserved by Auth0; claims under it are dropped")
            if not ns.endswith(":"):
                raise ValueError("a URN namespace must end with ':'")
            return ns
        parts = urlsplit(ns)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL or a URN, e.g. https://example.com/")
        if _host_is_forbidden(parts.hostname):
            raise ValueError(
                f"Auth0 drops claims namespaced on {parts.hostname}; use a domain of your own"
            )
        if not ns.endswith("/"):
            raise ValueError("a URL namespace must end with '/'")
        return ns


class AppliesTo(StrictModel):
    clients: tuple[str, ...] = Field(
        default=(), description="Only these client ids (empty: every client)."
    )
    exclude_clients: tuple[str, ...] = Field(
        default=(), description="These client ids are never asked."
    )

    @field_validator("exclude_clients")
    @classmethod
    def _no_overlap(cls, excluded: tuple[str, ...], info: Any) -> tuple[str, ...]:
        both = set(excluded) & set(info.data.get("clients", ()))
        if both:
            raise ValueError(f"client ids both included and excluded: {', '.join(sorted(both))}")
        return excluded


class ActionParams(StrictModel):
    """Everything the template needs besides secrets."""

    terms: Terms
    claims: Claims
    storage: Literal["user_metadata", "app_metadata"] = "user_metadata"
    metadata_key: str = Field(default="terms", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
    applies_to: AppliesTo = AppliesTo()
    non_interactive: Literal["deny", "allow"] = "deny"
    token_ttl_seconds: int = Field(default=600, ge=60, le=900)
