"""The reference consent page: shows the terms the accept-terms Action asks for, returns the answer.

The contract with the Action is docs/consent-contract.md: the page receives a
`session_token` (HS256, signed with TERMS_TOKEN_SECRET, carrying `sub`, `iss`, `exp` and
`terms_version`) and `state`, and POSTs an answer token to the tenant's `/continue`.
"""

from __future__ import annotations

from .app import create_app
from .settings import ConsentSettings, SettingsError

__all__ = ["ConsentSettings", "SettingsError", "create_app"]
