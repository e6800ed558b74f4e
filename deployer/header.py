"""The header comment at the top of every Action this project deploys.

It marks the code as ours (an action of our name without it belongs to someone else) and
carries a keyed fingerprint of each secret value, so a plan can tell that a secret changed
without Auth0 ever returning a value and without us storing one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

MARKER = "// Managed by auth0-terms-deployer: edits made in the Auth0 dashboard are overwritten."
_DATA_PREFIX = "// auth0-terms-deployer: "
FORMAT_VERSION = 1
# A fingerprint is offline-guessable if the value is; values shorter than this are refused.
MIN_SECRET_LENGTH = 32
# Auth0's own bounds, checked here so that a plan refuses what the API would refuse at write
# time: "each secret value [may have] a maximum length of 4096 characters", "each Action should
# not exceed 100 kB" (https://auth0.com/docs/customize/actions/limitations).
MAX_SECRET_LENGTH = 4096
MAX_CODE_BYTES = 100 * 1024
FINGERPRINT_HEX_CHARS = 16


def fingerprint(value: str, *, tenant: str, action: str, name: str) -> str:
    """HMAC-SHA256 keyed by the secret value over where it is used, truncated.

    Keyed by the value (not hashing it) so the fingerprint reveals nothing useful without the
    value; bound to tenant, action and name so the same value used twice is not linkable.
    """
    message = "\x00".join((tenant, action, name)).encode()
    digest = hmac.new(value.encode(), message, hashlib.sha256).hexdigest()
    return digest[:FINGERPRINT_HEX_CHARS]


@dataclass(frozen=True)
class Header:
    tenant: str
    action: str
    fingerprints: Mapping[str, str] = field(default_factory=dict)
    # Provenance: the commit the code was rendered from, and whether the tree had local edits.
    commit: str | None = None
    dirty: bool = False


def format_header(header: Header) -> str:
    data = {
        "v": FORMAT_VERSION,
        "tenant": header.tenant,
        "action": header.action,
        "secrets": dict(sorted(header.fingerprints.items())),
    }
    if header.commit:
        data["commit"] = header.commit
        if header.dirty:
            data["dirty"] = True
    line = json.dumps(data, sort_keys=False, separators=(",", ":"), ensure_ascii=True)
    return f"{MARKER}\n{_DATA_PREFIX}{line}\n"


def parse_header(code: str | None) -> Header | None:
    """The header of deployed code, or None when the code is not ours.

    Lenient about what follows the marker: code we deployed with an older header format is
    still ours, it just carries no fingerprints we can use.
    """
    if not code or not code.startswith(MARKER):
        return None
    lines = code.split("\n", 2)
    if len(lines) < 2 or not lines[1].startswith(_DATA_PREFIX):
        return Header(tenant="", action="")
    try:
        data = json.loads(lines[1][len(_DATA_PREFIX) :])
    except json.JSONDecodeError:
        return Header(tenant="", action="")
    if not isinstance(data, dict):
        return Header(tenant="", action="")
    secrets = data.get("secrets")
    fingerprints = {str(k): str(v) for k, v in secrets.items()} if isinstance(secrets, dict) else {}
    commit = data.get("commit")
    return Header(
        tenant=str(data.get("tenant", "")),
        action=str(data.get("action", "")),
        fingerprints=fingerprints,
        commit=str(commit) if commit else None,
        dirty=data.get("dirty") is True,
    )


def strip_header(code: str) -> str:
    """The code below the managed header (all of it, for code that is not ours)."""
    if not code.startswith(MARKER):
        return code
    return code.split("\n", 2)[2] if code.count("\n") >= 2 else ""


def without_provenance(code: str) -> str:
    """The code with the commit left out of its header, for comparing two renderings.

    A new commit that does not change the Action must not make a plan: the commit is recorded
    when something real is deployed, not a reason to deploy.
    """
    header = parse_header(code)
    if header is None or header.commit is None:
        return code
    plain = Header(header.tenant, header.action, header.fingerprints)
    return format_header(plain) + strip_header(code)
