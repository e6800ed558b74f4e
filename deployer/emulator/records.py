"""The emulated tenant's stored state, and the statuses derived from it and the clock.

Nothing here runs in the background: a build or a deploy stores when it started and when it
is due, and every status is computed from those timestamps when it is read. So an injected
clock can move time in tests, and a state file written by one process reads right in the next.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from .login.records import LoginState
from .settings import ClientSpec

JSON = dict[str, Any]

# The failing-build rule. Real Auth0 runs `npm install`; the emulator has no registry, so it
# decides from the text alone. A dependency does NOT resolve when its name is not a valid npm
# package name, its version is not a plain npm version or range (`4.17.21`, `^4`, `~1.2`,
# `1.0.0-beta.1`, `latest`), its name or version contains the word `nonexistent`
# (e.g. `lodash@0.0.0-nonexistent`, `nonexistent-package@1.0.0`), or it asks for an exact
# version above the last one published of a package listed in _LAST_PUBLISHED.
_NPM_NAME = re.compile(r"^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$")
_NPM_VERSION = re.compile(r"^(latest|[\^~]?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?)$")
_EXACT = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
UNRESOLVABLE_MARK = "nonexistent"
# The last published versions of packages seen failing in recordings. `crypto@17.7.1` failed
# to build on Auth0 (terraform-provider-auth0 TestAccAction.yaml): the npm package `crypto` is a
# deprecated placeholder whose last version is 1.0.1.
_LAST_PUBLISHED = {"crypto": (1, 0, 1)}

# How a build spends its time: equal slices of build_seconds, then the final state. A failing
# one alternates building and retrying, as recorded (TestAccAction.yaml, `crypto@17.7.1`).
_GOOD_BUILD = ("pending", "building", "building")
_BAD_BUILD = ("pending", "building", "retrying", "building", "retrying", "building")


@functools.lru_cache(maxsize=4096)
def iso(t: float) -> str:
    """A UNIX time as Auth0 writes it: UTC with nanoseconds and a `Z`.

    Remembered: an answer writes the same few stored times again and again (an action's, each
    of its versions'), a dozen of them per read.
    """
    whole = math.floor(t)
    nanos = min(round((t - whole) * 1e9), 999_999_999)
    stamp = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{nanos:09d}Z"


def unresolvable(dependency: JSON) -> bool:
    name, version = str(dependency.get("name", "")), str(dependency.get("version", ""))
    exact = _EXACT.match(version)
    last = _LAST_PUBLISHED.get(name)
    return (
        UNRESOLVABLE_MARK in name
        or UNRESOLVABLE_MARK in version
        or not _NPM_NAME.match(name)
        or not _NPM_VERSION.match(version)
        or bool(exact and last and tuple(int(g) for g in exact.groups()) > last)
    )


@dataclass
class Secret:
    name: str
    value: str
    updated_at: float


@dataclass
class Version:
    """An immutable deployed snapshot of an action's draft (values of secrets included)."""

    id: str
    number: int
    code: str
    dependencies: list[JSON]
    runtime: str
    secrets: list[Secret]
    supported_triggers: list[JSON]
    created_at: float
    # when its build ends; None: built when made (a deploy of a built draft, a rollback)
    built_at: float | None = None


@dataclass
class Action:
    id: str
    name: str
    supported_triggers: list[JSON]
    code: str
    dependencies: list[JSON]
    runtime: str
    secrets: list[Secret]
    created_at: float
    updated_at: float
    build_started_at: float
    build_ready_at: float
    # Only in state files written before `deploy: true` deployed at once (as recorded): such a
    # create is deployed when its build ends (ManagementApi.advance).
    deploy_when_built: bool = False
    # the version made from the current draft; None once the draft changes after a deploy
    draft_version_id: str | None = None
    versions: list[Version] = field(default_factory=list)
    next_number: int = 1
    # the last deploy: which version, and from when it is live; before that the previous one
    deployed_version_id: str | None = None
    deployed_settles_at: float = 0.0
    previous_version_id: str | None = None
    integration: JSON | None = None
    installed_integration_id: str | None = None

    def build_status(self, now: float) -> str:
        broken = any(unresolvable(d) for d in self.dependencies)
        if now >= self.build_ready_at:
            return "failed" if broken else "built"
        phases = _BAD_BUILD if broken else _GOOD_BUILD
        span = self.build_ready_at - self.build_started_at
        index = int((now - self.build_started_at) / span * len(phases)) if span > 0 else 0
        return phases[max(0, min(index, len(phases) - 1))]

    def live_version_id(self, now: float) -> str | None:
        if self.deployed_version_id is not None and now >= self.deployed_settles_at:
            return self.deployed_version_id
        return self.previous_version_id

    def version(self, version_id: str | None) -> Version | None:
        return next((v for v in self.versions if v.id == version_id), None)

    def all_changes_deployed(self, now: float) -> bool:
        return self.draft_version_id is not None and self.live_version_id(now) == (
            self.draft_version_id
        )

    @property
    def marketplace(self) -> bool:
        return self.integration is not None or self.installed_integration_id is not None


@dataclass
class Binding:
    id: str
    action_id: str
    display_name: str
    created_at: float
    updated_at: float


@dataclass
class TenantState:
    signing_key: str
    clients: dict[str, ClientSpec] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    # Users, applications, sessions and the login signing key (login/records.py).
    login: LoginState = field(default_factory=LoginState)
    # Client assertion ids already used, with their expiry (not saved: they expire in minutes).
    used_assertions: dict[str, float] = field(default_factory=dict)

    def find_by_name(self, name: str) -> Action | None:
        return next((a for a in self.actions.values() if a.name == name), None)

    def bound_triggers(self, action_id: str) -> list[str]:
        return [t for t, bs in self.bindings.items() if any(b.action_id == action_id for b in bs)]

    def to_json(self) -> JSON:
        return {
            "format": 1,
            "signing_key": self.signing_key,
            "clients": [asdict(c) for c in self.clients.values()],
            "actions": [asdict(a) for a in self.actions.values()],
            "bindings": {t: [asdict(b) for b in bs] for t, bs in self.bindings.items()},
            "login": self.login.to_json(),
        }

    @classmethod
    def from_json(cls, data: JSON) -> TenantState:
        clients = {}
        for c in data.get("clients", []):
            spec = ClientSpec(**{**c, "scopes": tuple(c["scopes"])})
            clients[spec.client_id] = spec
        actions = {}
        for a in data.get("actions", []):
            a = dict(a)
            a["secrets"] = [Secret(**s) for s in a["secrets"]]
            a["versions"] = [
                Version(**{**v, "secrets": [Secret(**s) for s in v["secrets"]]})
                for v in a["versions"]
            ]
            actions[a["id"]] = Action(**a)
        bindings = {t: [Binding(**b) for b in bs] for t, bs in data.get("bindings", {}).items()}
        login = LoginState.from_json(data.get("login"))
        return cls(data["signing_key"], clients, actions, bindings, login)
