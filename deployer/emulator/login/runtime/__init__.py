"""Run an Action's code in the local post-login runtime (run.js beside this file) under Node.

One call runs one phase (`execute`: the login; `continue`: the return from a redirect) and
returns what Auth0 would do with it: the redirect, the denial, the claims, the metadata after
the batched updates. The runtime's JSON interface is described in README.md beside this file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ....errors import DeployerError

RUNTIME_SCRIPT = Path(__file__).resolve().parent / "run.js"
# Node's start-up and the worker thread's, on top of the Action's own time limit.
_GRACE_SECONDS = 15.0
_DETAIL_CHARS = 2000


class RuntimeSimulationError(DeployerError):
    """The local Action runtime could not run (Node missing, bad input, a crash)."""


@dataclass(frozen=True)
class Redirect:
    url: str
    query: Mapping[str, Any]
    location: str | None


@dataclass(frozen=True)
class Denied:
    """A login that ends with an error for the application: `error` is the OAuth error code
    (`access_denied` from api.access.deny, `interaction_required` for a redirect under
    prompt=none), `reason` its description."""

    reason: str
    error: str = "access_denied"


@dataclass(frozen=True)
class LogEntry:
    level: str
    message: str


@dataclass(frozen=True)
class RuntimeResult:
    """The outcome of one phase; `ok` is False when the Action failed or ran out of time."""

    ok: bool
    redirect: Redirect | None
    denied: Denied | None
    id_token_claims: Mapping[str, Any]
    access_token_claims: Mapping[str, Any]
    user_metadata: Mapping[str, Any]
    app_metadata: Mapping[str, Any]
    logs: tuple[LogEntry, ...]
    error: str | None

    @property
    def passed(self) -> bool:
        """The login goes on to issue tokens: no failure, no denial, no redirect."""
        return self.ok and self.denied is None and self.redirect is None


def run_post_login(
    code: str,
    *,
    phase: Literal["execute", "continue"],
    event: dict[str, Any],
    secrets: Mapping[str, str],
    tenant_domain: str,
    state: str | None = None,
    continue_request: dict[str, Any] | None = None,
    timeout_ms: int = 20000,
) -> RuntimeResult:
    """Run one phase of a post-login Action in Node and return what it did."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeSimulationError("node is not installed; the local Action runtime needs it")
    if not RUNTIME_SCRIPT.is_file():
        raise RuntimeSimulationError(f"the local Action runtime is missing: {RUNTIME_SCRIPT}")
    payload = {
        "code": code,
        "phase": phase,
        "event": event,
        "secrets": dict(secrets),
        "tenant_domain": tenant_domain,
        "state": state,
        "continue_request": continue_request,
        "timeout_ms": timeout_ms,
    }
    try:
        proc = subprocess.run(
            [node, str(RUNTIME_SCRIPT)],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=timeout_ms / 1000 + _GRACE_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeSimulationError(
            f"the local Action runtime did not answer within {timeout_ms} ms plus "
            f"{_GRACE_SECONDS:.0f} s"
        ) from None
    try:
        output = json.loads(proc.stdout)
    except json.JSONDecodeError:
        output = None
    if not isinstance(output, dict) or proc.returncode != 0:
        detail = output.get("error") if isinstance(output, dict) else proc.stderr
        raise RuntimeSimulationError(
            f"the local Action runtime failed (exit status {proc.returncode}): "
            f"{_redact(str(detail or 'no output'), secrets)}"
        )
    return _result(output)


def _redact(text: str, secrets: Mapping[str, str]) -> str:
    # The runtime's own messages never hold a secret, but a crash can print anything.
    for value in sorted(secrets.values(), key=len, reverse=True):
        if value:
            text = text.replace(value, "***")
    return text.strip()[-_DETAIL_CHARS:]


def _result(output: Mapping[str, Any]) -> RuntimeResult:
    redirect = output.get("redirect")
    denied = output.get("denied")
    return RuntimeResult(
        ok=bool(output.get("ok")),
        redirect=(
            Redirect(
                url=str(redirect["url"]),
                query=dict(redirect.get("query") or {}),
                location=redirect.get("location"),
            )
            if isinstance(redirect, dict)
            else None
        ),
        denied=(
            Denied(reason=str(denied["reason"]), error=str(denied.get("error") or "access_denied"))
            if isinstance(denied, dict)
            else None
        ),
        id_token_claims=dict(output.get("id_token_claims") or {}),
        access_token_claims=dict(output.get("access_token_claims") or {}),
        user_metadata=dict(output.get("user_metadata") or {}),
        app_metadata=dict(output.get("app_metadata") or {}),
        logs=tuple(
            LogEntry(level=str(e.get("level", "log")), message=str(e.get("message", "")))
            for e in output.get("logs") or ()
            if isinstance(e, dict)
        ),
        error=output.get("error"),
    )
