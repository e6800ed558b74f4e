"""What the login flow needs from the emulator, handed over explicitly at construction."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..management import ManagementApi
from ..records import TenantState
from .crypto import SigningKey, new_signing_key
from .records import LoginState


@dataclass
class Tenant:
    state: TenantState
    api: ManagementApi
    # The emulator's lock: held for reads and writes of the state, never while an Action runs.
    # (a deployer.locks.FileLock when the state is in a file other processes share)
    lock: AbstractContextManager[Any]
    clock: Callable[[], float]
    save: Callable[[], None]
    domain: str
    # Where browsers reach the emulator (serve() sets it); None: https://{domain}, in process.
    public_url: str | None = None
    _key: SigningKey | None = None

    @property
    def login(self) -> LoginState:
        return self.state.login

    def now(self) -> float:
        return self.clock()

    @property
    def base_url(self) -> str:
        """Scheme and host of every endpoint and of the issuer (`{base_url}/`)."""
        return (self.public_url or f"https://{self.domain}").rstrip("/")

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/"

    @property
    def login_domain(self) -> str:
        """The tenant's host name as Actions see it (the `iss` of redirect tokens): no scheme."""
        return urlsplit(self.base_url).netloc

    @property
    def secure(self) -> bool:
        return self.base_url.startswith("https://")

    def signing_key(self) -> SigningKey:
        """The tenant's RS256 key, made and saved on first use, then kept loaded."""
        with self.lock:
            if self.login.signing_key_pem is None or self.login.key_id is None:
                self.login.signing_key_pem, self.login.key_id = new_signing_key()
                self._key = None
                self.save()
            if self._key is None or self._key.key_id != self.login.key_id:
                self._key = SigningKey(self.login.signing_key_pem, self.login.key_id)
            return self._key
