"""What the login flow keeps in the tenant state: users, applications, sessions, transactions.

Plain dataclasses with a JSON round trip, stored under `login` in the emulator's state file.
Sessions, codes and refresh tokens are kept under the SHA-256 of their value, so the state file
never holds a credential that works as it is (passwords are scrypt hashes; see crypto.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass
class User:
    user_id: str
    email: str
    password_hash: str
    user_metadata: JSON = field(default_factory=dict)
    app_metadata: JSON = field(default_factory=dict)
    logins_count: int = 0
    created_at: float = 0.0
    updated_at: float = 0.0
    last_login: float | None = None


@dataclass
class Application:
    """A client that logs users in (Auth0's "application"), unlike the M2M `clients`."""

    client_id: str
    name: str
    callbacks: list[str]
    # None: a public client (SPA, native), which must use PKCE at the token endpoint.
    client_secret: str | None = None
    # Auth0's "Allowed Logout URLs": where /v2/logout and /oidc/logout may send the browser.
    logout_urls: list[str] = field(default_factory=list)


@dataclass
class AuthRequest:
    """The validated parameters of one GET /authorize."""

    client_id: str
    redirect_uri: str
    scope: list[str]
    state: str | None
    nonce: str | None
    prompt: list[str]
    query: dict[str, str]
    code_challenge: str | None = None
    code_challenge_method: str | None = None


@dataclass
class Transaction:
    """One login from /authorize to the code; its id is Auth0's `state` for /continue."""

    id: str
    request: AuthRequest
    expires_at: float
    user_id: str | None = None
    # The post-login Actions of this login, fixed when it starts, and the next one to run.
    action_ids: list[str] = field(default_factory=list)
    next_index: int = 0
    # The Action that redirected and whose onContinuePostLogin is due at /continue.
    waiting_on: str | None = None
    id_claims: JSON = field(default_factory=dict)
    access_claims: JSON = field(default_factory=dict)
    # True when the user typed a password in this login: a session starts once it succeeds.
    new_session: bool = False
    # Digest of the browser cookie of the browser that started it: the form must come from it.
    browser: str | None = None


@dataclass
class Session:
    user_id: str
    created_at: float
    expires_at: float


@dataclass
class Grant:
    """An authorization code or a refresh token: what the token endpoint issues from it."""

    client_id: str
    user_id: str
    scope: list[str]
    expires_at: float | None
    redirect_uri: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    id_claims: JSON = field(default_factory=dict)
    access_claims: JSON = field(default_factory=dict)


@dataclass
class LoginState:
    # The RS256 key of ID and access tokens (PKCS#8 PEM) and its `kid`; made on first use,
    # since an RSA key costs tens of milliseconds and most emulators never log anyone in.
    signing_key_pem: str | None = None
    key_id: str | None = None
    users: dict[str, User] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    transactions: dict[str, Transaction] = field(default_factory=dict)
    codes: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def forget_expired(self, now: float) -> None:
        for table in (self.sessions, self.transactions, self.codes, self.refresh_tokens):
            expired = [
                k for k, v in table.items() if v.expires_at is not None and v.expires_at <= now
            ]
            for key in expired:
                del table[key]

    def to_json(self) -> JSON:
        return asdict(self)

    @classmethod
    def from_json(cls, data: JSON | None) -> LoginState:
        if not data:
            return cls()
        transactions = {}
        for key, t in data.get("transactions", {}).items():
            transactions[key] = Transaction(**{**t, "request": AuthRequest(**t["request"])})
        return cls(
            signing_key_pem=data.get("signing_key_pem"),
            key_id=data.get("key_id"),
            users={k: User(**v) for k, v in data.get("users", {}).items()},
            applications={k: Application(**v) for k, v in data.get("applications", {}).items()},
            sessions={k: Session(**v) for k, v in data.get("sessions", {}).items()},
            transactions=transactions,
            codes={k: Grant(**v) for k, v in data.get("codes", {}).items()},
            refresh_tokens={k: Grant(**v) for k, v in data.get("refresh_tokens", {}).items()},
        )
