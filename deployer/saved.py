"""Saved plans: `plan --out FILE` records what a plan was computed against; `apply FILE`
applies it only if neither the tenant nor the desired state moved since.

A plan file holds names, hashes and fingerprints, never a secret value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, Problem, RefusedError
from .header import strip_header
from .state import DesiredAction, LiveState, position_label

KIND = "auth0-terms-deployer/plan"
FORMAT_VERSION = 1


class StalePlanError(RefusedError):
    """The saved plan no longer describes what an apply would do."""


def _sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def digest(summary: Mapping[str, Any]) -> str:
    return _sha(json.dumps(summary, sort_keys=True, separators=(",", ":")))


def desired_summary(desired: DesiredAction, leave_out: Sequence[str] = ()) -> dict[str, Any]:
    """What the plan was computed for. `leave_out`: secrets the saved plan could not check."""
    unchecked = sorted({*desired.unchecked_secrets, *leave_out})
    prints = {k: v for k, v in desired.secrets.items() if k not in unchecked}
    return {
        # Below the header: the header's fingerprints are covered by "secrets", its commit is
        # not a change, and a plan made without some secret values must still match.
        "name": desired.name,
        "code": _sha(strip_header(desired.code)),
        "runtime": desired.runtime,
        "dependencies": [f"{d.name}@{d.version}" for d in desired.dependencies],
        # Fingerprints are already keyed hashes; hashing them again keeps the file small.
        "secrets": digest(prints),
        "secrets_not_checked": unchecked,
        "binding": position_label(desired.binding),
    }


def live_summary(live: LiveState) -> dict[str, Any]:
    action = live.action
    return {
        "action": None
        if action is None
        else {
            "id": action.id,
            "updated_at": action.updated_at,
            "draft": _sha(action.code),
            "deployed": _sha(action.deployed_code) if action.deployed_code else None,
            "all_changes_deployed": action.all_changes_deployed,
            "secrets": [[s.name, s.updated_at] for s in action.secrets],
        },
        "bindings": [b.action_name for b in live.bindings],
    }


_WHAT = {
    "name": "the Action's name",
    "code": "the Action's code (template or parameters)",
    "runtime": "the runtime",
    "dependencies": "the dependencies",
    "secrets": "a secret value (by fingerprint)",
    "secrets_not_checked": "the secrets that could be checked",
    "binding": "the binding position",
    "action": "the live action",
    "bindings": "the trigger's bindings",
}


def moved(where: str, then: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """What differs between two summaries, in words."""
    changes = []
    for key in sorted(set(then) | set(now)):
        old, new = then.get(key), now.get(key)
        if old == new:
            continue
        what = _WHAT.get(key, key)
        if key == "action" and old is None:
            changes.append(f"{where}: {what} was created since")
        elif key == "action" and new is None:
            changes.append(f"{where}: {what} was deleted since")
        elif key == "action" and isinstance(old, dict) and isinstance(new, dict):
            fields = ", ".join(k for k in new if old.get(k) != new.get(k))
            changes.append(f"{where}: {what} changed ({fields})")
        elif key == "bindings":
            changes.append(
                f"{where}: {what} changed: {' -> '.join(old or []) or 'none'} then, "
                f"{' -> '.join(new or []) or 'none'} now"
            )
        else:
            changes.append(f"{where}: {what} changed")
    return changes


@dataclass(frozen=True)
class SavedTenant:
    tenant: str
    desired: Mapping[str, Any]
    live: Mapping[str, Any]
    plan: Mapping[str, Any]

    @property
    def unchecked(self) -> tuple[str, ...]:
        return tuple(self.desired.get("secrets_not_checked") or ())

    def check(self, desired: DesiredAction, live: LiveState) -> None:
        """Refuse unless the tenant and the desired state are what the plan was made against.

        Secrets the saved plan could not check (made without their values, e.g. in a job that
        gets none) are left out: the plan said so, and they are checked and sent now.
        """
        now = desired_summary(desired, leave_out=self.unchecked)
        problems = moved("desired", self.desired, now) + moved(
            "live", self.live, live_summary(live)
        )
        if problems:
            raise StalePlanError(
                f"{self.tenant}: the saved plan is out of date, nothing was applied:\n"
                + "\n".join(f"  - {p}" for p in problems)
                + "\nMake and review a new plan."
            )


def write_plan_file(
    path: Path,
    entries: Sequence[tuple[DesiredAction, LiveState, Mapping[str, Any]]],
    *,
    commit: str | None,
    dirty: bool,
) -> None:
    document = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "source": {"commit": commit, "dirty": dirty},
        "tenants": [
            {
                "tenant": desired.tenant,
                "desired": desired_summary(desired),
                "live": live_summary(live),
                "plan": plan,
            }
            for desired, live, plan in entries
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class SavedPlan:
    tenants: list[SavedTenant]
    commit: str | None = None
    dirty: bool = False


def read_plan_file(path: Path) -> list[SavedTenant]:
    return load_plan(path).tenants


def load_plan(path: Path) -> SavedPlan:
    """The saved plan in `path`; a missing, unreadable or foreign file is a clear error."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([Problem(f"plan file not found: {path}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [Problem(f"not a plan file: not UTF-8 text (at byte {exc.start})", file=str(path))]
        ) from None
    except OSError as exc:
        reason = f"cannot read the plan file: {exc.strerror}"
        raise ConfigError([Problem(reason, file=str(path))]) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            [Problem(f"not a plan file: {exc.msg}", file=str(path), line=exc.lineno)]
        ) from None
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise ConfigError(
            [Problem("not a plan file made by `deployer plan --out`", file=str(path))]
        )
    if document.get("format_version") != FORMAT_VERSION:
        raise ConfigError(
            [
                Problem(
                    f"plan file format {document.get('format_version')} is not supported",
                    file=str(path),
                )
            ]
        )
    try:
        tenants = [
            SavedTenant(t["tenant"], t["desired"], t["live"], t["plan"])
            for t in document["tenants"]
        ]
        source = document.get("source") or {}
        return SavedPlan(tenants, source.get("commit"), source.get("dirty") is True)
    except (KeyError, TypeError, AttributeError):
        raise ConfigError([Problem("the plan file is incomplete", file=str(path))]) from None
