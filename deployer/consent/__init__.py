"""The reference consent page: shows the terms the accept-terms Action asks for, returns the answer.

The contract with the Action is docs/consent-contract.md: the page receives a `session_token`
(HS256, signed with TERMS_TOKEN_SECRET, carrying `sub`, `iss`, `iat`, `exp`, `terms_version` and
`continue_uri`) and `state`, and POSTs an answer token to `/continue?state=...` on the domain the
login used.
"""

from __future__ import annotations

from .app import create_app
from .settings import ConsentSettings, SettingsError

__all__ = ["ConsentSettings", "SettingsError", "create_app"]
