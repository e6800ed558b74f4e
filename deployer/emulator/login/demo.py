"""`deployer emulator serve --seed-demo`: one user and one application to log in by hand."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from .app import LoginApp

DEMO_EMAIL = "demo@example.com"
DEMO_CLIENT_ID = "demo-app"
# A published local credential, like the deployer's: it only ever opens this emulator.
DEMO_CLIENT_SECRET = "demo-app-secret"
DEMO_CALLBACK = "http://127.0.0.1:8401/callback"


@dataclass(frozen=True)
class Demo:
    email: str
    password: str
    client_id: str
    client_secret: str
    callback: str

    def authorize_url(self, base_url: str) -> str:
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": self.callback,
                "response_type": "code",
                "scope": "openid profile email offline_access",
                "state": "demo-state",
                "nonce": "demo-nonce",
            }
        )
        return f"{base_url}/authorize?{query}"


def seed_demo(login: LoginApp) -> Demo:
    """Adds (or resets) the demo user with a fresh password, and the demo application."""
    password = secrets.token_urlsafe(12)
    login.add_application(
        DEMO_CLIENT_ID, name="Demo app", callbacks=[DEMO_CALLBACK], client_secret=DEMO_CLIENT_SECRET
    )
    login.set_password(DEMO_EMAIL, password, create=True)
    return Demo(DEMO_EMAIL, password, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_CALLBACK)
