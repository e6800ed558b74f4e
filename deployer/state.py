"""Desired and live state of one tenant, as the same kind of frozen values.

The diff compares these and nothing else, so it needs no I/O and no Auth0 types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .header import Header, parse_header

# Auth0 stores a request for node18 as node18-actions; they are the same runtime to us.
_RUNTIME_ALIASES = {"node18-actions": "node18"}


def normalize_runtime(runtime: str | None) -> str | None:
    return _RUNTIME_ALIASES.get(runtime, runtime) if runtime else runtime


@dataclass(frozen=True)
class Before:
    """Bind ours just before the post-login Action of this name."""

    before: str


@dataclass(frozen=True)
class After:
    """Bind ours just after the post-login Action of this name."""

    after: str


# Where our binding goes among the trigger's other bindings. config.py validates the YAML into
# these; they are plain values so that the diff needs no config module.
BindingPosition = Literal["first", "last"] | Before | After


@dataclass(frozen=True)
class BindingSlot:
    """One binding in a trigger's execution order, as a plan writes it."""

    action_name: str
    action_id: str | None  # None for ours before it exists
    display_name: str
    ours: bool = False


@dataclass(frozen=True)
class Dependency:
    name: str
    version: str


@dataclass(frozen=True)
class DesiredAction:
    tenant: str
    name: str
    trigger_id: str
    trigger_version: str
    code: str
    runtime: str
    dependencies: tuple[Dependency, ...]
    # Secret name -> fingerprint of the value we would deploy (never the value).
    secrets: Mapping[str, str]
    binding: BindingPosition = "last"
    display_name: str = ""
    # Declared secrets whose values are not available here: a plan can still be made (it says
    # they were not checked); an apply cannot.
    unchecked_secrets: tuple[str, ...] = ()


@dataclass(frozen=True)
class LiveSecret:
    name: str
    updated_at: str | None = None


@dataclass(frozen=True)
class LiveAction:
    id: str
    name: str
    code: str
    runtime: str | None
    dependencies: tuple[Dependency, ...]
    secrets: tuple[LiveSecret, ...]
    status: str
    all_changes_deployed: bool
    # The deployed version's code, when it differs from the draft and was fetched.
    deployed_code: str | None = None
    deployed_version: int | None = None
    is_deployed: bool = False
    integration: bool = False
    supported_triggers: tuple[str, ...] = ()
    updated_at: str | None = None

    @property
    def header(self) -> Header | None:
        return parse_header(self.code)

    @property
    def secret_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.secrets)


@dataclass(frozen=True)
class LiveBinding:
    id: str
    action_id: str
    action_name: str
    display_name: str = ""
    integration: bool = False


@dataclass(frozen=True)
class LiveState:
    action: LiveAction | None
    bindings: tuple[LiveBinding, ...] = field(default_factory=tuple)


def position_label(position: BindingPosition) -> str:
    if isinstance(position, Before):
        return f"before {position.before!r}"
    if isinstance(position, After):
        return f"after {position.after!r}"
    return position
