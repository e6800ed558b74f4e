"""tenants.yaml: the tenants this repository manages, validated with file:line for each problem.

Shape (see tenants.yaml itself for a commented example):

    version: 1
    action: actions/accept-terms       # optional: an ejected Action's folder, relative to
                                       # this file; the built-in Action when left out
    defaults: {...}                    # deep-merged into every tenant
    tenants:
      NAME: {domain | emulator, credentials, action, secrets, binding}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from .errors import ConfigError, Problem
from .manifest import BUILTIN_ACTION, Manifest, load_manifest
from .params import ActionParams, StrictModel, is_loopback_host
from .state import Before, BindingPosition
from .validation import problems_from_validation
from .yamlsource import Document, PathKey, load_yaml

DEFAULT_CONFIG = "tenants.yaml"
TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _refuse_literal(value: Any) -> Any:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        raise ValueError(
            "a secret must not be written in this file; name where it comes from, "
            "e.g. {env: PROD_TERMS_TOKEN_SECRET} or {file: path/to/secret}"
        )
    return value


class SecretRef(StrictModel):
    """Where a secret value comes from. The value itself never enters the config."""

    env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    file: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of env: or file:")
        return self

    def describe(self) -> str:
        return f"${self.env}" if self.env else f"file {self.file}"


Secret = Annotated[SecretRef, BeforeValidator(_refuse_literal)]


ASSERTION_ALGORITHMS = ("RS256", "PS256", "ES256")


class ClientAssertion(StrictModel):
    """Private-key JWT client authentication: the token request carries a JWT signed with
    this key instead of a client secret (Auth0 application credential of that algorithm)."""

    private_key: Secret = Field(description="A PEM private key: {env: VAR} or {file: PATH}")
    algorithm: Literal["RS256", "PS256", "ES256"] = "RS256"


class Credentials(StrictModel):
    """A machine-to-machine application's client; without this block on an Auth0 tenant the
    client comes from AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (or a client assertion key in
    AUTH0_CLIENT_ASSERTION_PRIVATE_KEY), as auth0-deploy-cli and the Terraform provider do."""

    client_id: str | SecretRef
    client_secret: Secret | None = None
    client_assertion: ClientAssertion | None = None
    audience: str | None = None

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> Credentials:
        if (self.client_secret is None) == (self.client_assertion is None):
            raise ValueError("give exactly one of client_secret: or client_assertion:")
        return self


class EmulatorURL(StrictModel):
    """A running `deployer emulator serve` on loopback."""

    url: str
    ca: str | None = Field(default=None, description="CA certificate, for an https URL")

    @model_validator(mode="after")
    def _loopback(self) -> EmulatorURL:
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url must be http(s)://HOST:PORT")
        if not is_loopback_host(parts.hostname):
            raise ValueError("an emulator runs on this machine: use a loopback address")
        return self


def _binding_shape(value: Any) -> Any:
    # One clear message instead of one per member of the union.
    if value in ("first", "last"):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, anchor),) = value.items()
        if key in ("before", "after") and isinstance(anchor, str) and anchor:
            return value
    raise ValueError("must be first, last, {before: ACTION NAME} or {after: ACTION NAME}")


class TenantConfig(StrictModel):
    name: str
    domain: str | None = None
    emulator: Literal["embedded"] | EmulatorURL | None = None
    credentials: Credentials | None = None
    action: ActionParams
    secrets: dict[str, Secret] = Field(default_factory=dict)
    binding: Annotated[BindingPosition, BeforeValidator(_binding_shape)] = "last"
    # The consent page's terms folder (<dir>/<version>.md), relative to tenants.yaml; only
    # `validate` reads it, to warn about a version that page has no file for.
    terms_dir: str | None = None

    @model_validator(mode="after")
    def _target(self) -> TenantConfig:
        # Neither domain: nor emulator: is an Auth0 tenant whose domain comes from AUTH0_DOMAIN
        # (and, without credentials:, its client from AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET).
        if self.domain is not None and self.emulator is not None:
            raise ValueError("give one of domain: (an Auth0 tenant) or emulator:, not both")
        if self.domain is not None and not DOMAIN.match(self.domain):
            raise ValueError(
                f"domain {self.domain!r} is not a host name (no scheme, no path), "
                "e.g. acme.eu.auth0.com"
            )
        return self

    @property
    def is_emulated(self) -> bool:
        return self.emulator is not None


class _File(StrictModel):
    version: Literal[1] = 1
    # None: the Action shipped with the tool; a path: an ejected (edited) copy of it.
    action: str | None = None
    defaults: dict[str, Any] = Field(default_factory=dict)
    tenants: dict[str, dict[str, Any]]
    # The order a commit is promoted in, e.g. [dev, staging, prod].
    promotion: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    path: Path
    manifest: Manifest
    tenants: Mapping[str, TenantConfig]
    document: Document
    promotion: tuple[str, ...] = ()

    @property
    def root(self) -> Path:
        return self.path.parent

    def tenant(self, name: str) -> TenantConfig:
        try:
            return self.tenants[name]
        except KeyError:
            known = ", ".join(self.tenants) or "none"
            raise ConfigError(
                [Problem(f"no tenant named {name!r} (known: {known})", file=self.document.file)]
            ) from None


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in `override` replaces what `base` had."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _locator(doc: Document, tenant: str) -> Any:
    def locate(loc: PathKey) -> PathKey:
        # A merged value came from the tenant if the tenant spells it out, else from defaults.
        def depth(prefix: PathKey) -> int:
            return max(
                (n for n in range(len(loc) + 1) if (*prefix, *loc[:n]) in doc.marks), default=-1
            )

        own, shared = depth(("tenants", tenant)), depth(("defaults",))
        if shared > own:
            return ("defaults", *loc[:shared])
        return ("tenants", tenant, *loc[: max(own, 0)])

    return locate


def load_config(path: Path | str = DEFAULT_CONFIG) -> Config:
    """Read and validate everything offline; raise ConfigError listing every problem."""
    path = Path(path)
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise ConfigError([doc.problem((), "expected a mapping with tenants:")])
    try:
        file = _File.model_validate(doc.data)
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc, doc, ())) from None

    problems: list[Problem] = []
    try:
        action_dir = BUILTIN_ACTION if file.action is None else path.parent / file.action
        manifest = load_manifest(action_dir)
    except ConfigError as exc:
        # A problem that names no file (the folder is missing) is located at `action:` here.
        problems.extend(p if p.file else doc.problem(("action",), p.message) for p in exc.problems)
        manifest = None

    tenants: dict[str, TenantConfig] = {}
    for name, raw in file.tenants.items():
        tenant = _load_tenant(doc, file, name, raw, problems)
        if tenant is not None:
            if manifest is not None:
                problems.extend(_check_secrets(doc, tenant, manifest))
                problems.extend(_check_binding(doc, tenant, manifest))
            tenants[name] = tenant

    if not file.tenants:
        problems.append(doc.problem(("tenants",), "no tenants defined"))
    problems.extend(_check_promotion(doc, file))
    if problems or manifest is None:
        unique = dict.fromkeys(problems)
        raise ConfigError(sorted(unique, key=lambda p: (p.file or "", p.line or 0, p.column or 0)))
    return Config(
        path=path, manifest=manifest, tenants=tenants, document=doc, promotion=file.promotion
    )


def _load_tenant(
    doc: Document, file: _File, name: str, raw: Any, problems: list[Problem]
) -> TenantConfig | None:
    """One tenant with the defaults merged in, or None with its problems added to `problems`."""
    if not TENANT_NAME.match(name):
        problems.append(
            doc.problem(("tenants", name), "tenant names are lower-case letters, digits, - _")
        )
        return None
    if not isinstance(raw, dict):
        problems.append(doc.problem(("tenants", name), "expected a mapping"))
        return None
    merged = deep_merge(file.defaults, raw)
    try:
        return TenantConfig.model_validate({**merged, "name": name})
    except ValidationError as exc:
        problems.extend(
            problems_from_validation(
                exc, doc, (), locate=_locator(doc, name), field_prefix=("tenants", name)
            )
        )
        return None


def _check_promotion(doc: Document, file: _File) -> list[Problem]:
    problems = []
    for i, name in enumerate(file.promotion):
        if name not in file.tenants:
            problems.append(doc.problem(("promotion", i), f"no tenant named {name!r}"))
        elif name in file.promotion[:i]:
            problems.append(doc.problem(("promotion", i), f"{name!r} appears twice"))
    return problems


def _check_secrets(doc: Document, tenant: TenantConfig, manifest: Manifest) -> list[Problem]:
    problems = []
    locate = _locator(doc, tenant.name)
    known = {s.name for s in manifest.secrets}
    for name in tenant.secrets:
        if name not in known:
            problems.append(
                doc.problem(
                    locate(("secrets", name)),
                    f"the Action has no secret {name!r} (it takes: {', '.join(sorted(known))})",
                )
            )
    if tenant.emulator is None:
        # On Auth0 every required secret must have a source; the emulator generates missing ones.
        for spec in manifest.secrets:
            if spec.required and spec.name not in tenant.secrets:
                problems.append(
                    doc.problem(
                        locate(("secrets",)),
                        f"the Action needs secret {spec.name}; "
                        f"add secrets.{spec.name}: {{env: VARIABLE}}",
                    )
                )
    return problems


def _check_binding(doc: Document, tenant: TenantConfig, manifest: Manifest) -> list[Problem]:
    # Relative to itself would be a position no list can satisfy; the plan would only say
    # "no action named ... is bound", which reads as if our Action were missing.
    position = tenant.binding
    anchor = position.before if isinstance(position, Before) else getattr(position, "after", None)
    if anchor != manifest.name:
        return []
    word = "before" if isinstance(position, Before) else "after"
    return [
        doc.problem(
            _locator(doc, tenant.name)(("binding",)),
            f"{{{word}: {anchor}}} names this Action itself; name another post-login Action "
            f"to run it {word}, or use first / last",
        )
    ]


# What `deployer consent serve` and the demo show when no CONSENT_TERMS_DIR is given.
SHIPPED_TERMS_DIR = Path(__file__).resolve().parent / "consent" / "terms"


def missing_terms(config: Config, tenant: TenantConfig) -> str | None:
    """A warning when the tenant's terms version has no file in its terms folder.

    The folder is the tenant's `terms_dir`; without one, an emulated tenant's consent page is
    the demo's (terms/ beside tenants.yaml, else the shipped folder), and a tenant on Auth0 is
    not checked (its consent page may live anywhere).
    """
    if tenant.terms_dir is not None:
        folder = config.root / tenant.terms_dir
    elif tenant.is_emulated:
        # What the demo serves: `deployer init`'s terms/ beside tenants.yaml, else the example.
        own = config.root / "terms"
        folder = own if own.is_dir() else SHIPPED_TERMS_DIR
    else:
        return None
    version = tenant.action.terms.version
    if (folder / f"{version}.md").is_file():
        return None
    return (
        f"terms version {version} has no file {version}.md in {folder}: the consent page "
        "would answer users that the terms are temporarily unavailable"
    )
