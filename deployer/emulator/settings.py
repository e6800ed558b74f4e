"""Emulator settings, the well-known local client, and Auth0's documented limits."""

from __future__ import annotations

from dataclasses import dataclass

# A public, well-known development credential: it only ever opens the local emulator.
DEFAULT_CLIENT_ID = "local-deployer"
DEFAULT_CLIENT_SECRET = "local-deployer-secret"
# read:clients: for GET /clients, which auth0-deploy-cli's dry run reads.
DEFAULT_SCOPES = (
    "read:actions",
    "create:actions",
    "update:actions",
    "delete:actions",
    "read:clients",
)
TOKEN_LIFETIME_SECONDS = 86400

# Auth0's documented per-tenant limits (Auth0 docs, "Actions Limitations").
MAX_ACTIONS = 100
MAX_BINDINGS_PER_TRIGGER = 20
MAX_VERSIONS = 50
MAX_SECRETS = 30
MAX_DEPENDENCIES = 10
MAX_CODE_BYTES = 100 * 1024
MAX_SECRET_NAME = 128
MAX_SECRET_VALUE = 4096
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50


@dataclass(frozen=True)
class ClientSpec:
    """A machine-to-machine client allowed to use the client-credentials grant."""

    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    # private_key_jwt: the registered credential's public key (PEM) and algorithm. A client
    # with a key authenticates with a client assertion only, never with its secret.
    public_key: str | None = None
    key_algorithm: str = "RS256"


@dataclass(frozen=True)
class EmulatorSettings:
    """How fast, how strict and how unreliable the emulated tenant is.

    The defaults are Auth0's free tier: a 2-request burst refilled at 2 per second, builds that
    take a couple of seconds, and a deploy that is visible only a moment after it is answered.
    ``rate_limit_burst=None`` (or 0) turns rate limiting off.
    """

    build_seconds: float = 2.0
    # Auth0 accepted a binding 0.32 s after the deploy it needed (go-auth0
    # TestActionManager_Bindings.yaml: version made 14.872 s, binding made 15.192 s), so a deploy
    # settles in 0.3 s here: about as soon as Auth0, never sooner than that recording.
    deploy_settle_seconds: float = 0.3
    rate_limit_burst: int | None = 2
    rate_limit_per_second: float = 2.0
    latency_seconds: float = 0.0
    fault_rate_429: float = 0.0
    fault_rate_5xx: float = 0.0
    drop_rate: float = 0.0
    seed: int | None = None
    clients: tuple[ClientSpec, ...] = ()

    def __post_init__(self) -> None:
        for name in ("fault_rate_429", "fault_rate_5xx", "drop_rate"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {share}")
        for name in ("build_seconds", "deploy_settle_seconds", "latency_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.rate_limited and self.rate_limit_per_second <= 0:
            raise ValueError("rate_limit_per_second must be positive when a burst is set")

    @property
    def rate_limited(self) -> bool:
        return bool(self.rate_limit_burst)
