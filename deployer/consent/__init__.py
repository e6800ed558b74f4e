"""The reference consent page: shows the terms the accept-terms Action asks for, returns the answer.

The contract with the Action is docs/consent-contract.md: the page receives a `session_token`
(HS256, signed with TERMS_TOKEN_SECRET, carrying `sub`, `iss`, `iat`, `exp`, `terms_version` and
`continue_uri`) and `state`, and POSTs an answer token to `/continue?state=...` on the domain the
login used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .settings import ConsentSettings, SettingsError

if TYPE_CHECKING:
    from .app import create_app


def __getattr__(name: str) -> Any:
    # The web stack (starlette, multipart, markdown-it) loads when the app is asked for, not
    # when `deployer` imports the settings to parse a command line.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ConsentSettings", "SettingsError", "create_app"]
