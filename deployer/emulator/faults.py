"""Rate limiting and injected faults: what makes the emulator as unreliable as the real thing."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .settings import EmulatorSettings


class ConnectionDropped(Exception):
    """The connection is closed without an answer (the transport raises an httpx error)."""


@dataclass
class TokenBucket:
    """Auth0's limiter: `burst` tokens, refilled continuously at `per_second`."""

    burst: int
    per_second: float
    tokens: float
    updated: float

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.per_second)
        self.updated = max(self.updated, now)

    def take(self, now: float) -> bool:
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def headers(self, now: float) -> dict[str, str]:
        self._refill(now)
        # Reset: the UNIX second by which the next whole token has arrived, rounded up so a
        # client computing `reset - time.time()` never gets a negative wait.
        missing = math.floor(self.tokens) + 1.0 - self.tokens if self.tokens < self.burst else 0.0
        return {
            "x-ratelimit-limit": str(self.burst),
            "x-ratelimit-remaining": str(math.floor(self.tokens)),
            "x-ratelimit-reset": str(math.ceil(now + missing / self.per_second)),
        }


@dataclass
class ScriptedFault:
    """The next `count` matching requests fail: with `status`, or dropped when status is None."""

    status: int | None
    count: int
    method: str | None
    path_prefix: str | None
    after_processing: bool = False

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method) and (
            self.path_prefix is None or path.startswith(self.path_prefix)
        )


class Faults:
    """Scripted faults first (deterministic, for tests), then random ones from the settings."""

    def __init__(self, settings: EmulatorSettings) -> None:
        self.settings = settings
        self.scripted: list[ScriptedFault] = []
        self.random = random.Random(settings.seed)

    def add(self, fault: ScriptedFault) -> None:
        if fault.count > 0:
            self.scripted.append(fault)

    def next_scripted(self, method: str, path: str) -> ScriptedFault | None:
        for fault in self.scripted:
            if fault.matches(method, path):
                fault.count -= 1
                if fault.count == 0:
                    self.scripted.remove(fault)
                return fault
        return None

    def next_random(self) -> ScriptedFault | None:
        """A random fault for this request, or None. One draw per kind keeps runs reproducible."""
        s = self.settings
        if not (s.drop_rate or s.fault_rate_429 or s.fault_rate_5xx):
            return None
        drop, limited, broken = (self.random.random() for _ in range(3))
        if drop < s.drop_rate:
            # Half the drops happen after the request took effect: the nastier case, where a
            # client that retries a POST creates or deploys twice.
            return ScriptedFault(None, 1, None, None, after_processing=self.random.random() < 0.5)
        if limited < s.fault_rate_429:
            return ScriptedFault(429, 1, None, None)
        if broken < s.fault_rate_5xx:
            return ScriptedFault(self.random.choice((500, 502, 503, 504)), 1, None, None)
        return None
