"""Our side of a tenant's rate limit: send no request the tenant would refuse.

Auth0 limits the Management API per tenant with a token bucket (free tier: a burst of 2,
refilled at 2 per second) and says where it stands in `x-ratelimit-limit` (the bucket),
`x-ratelimit-remaining` and `x-ratelimit-reset` on every answer (Auth0's rate-limit policy,
https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy,
and its Free plan page under rate-limit-configurations/free-public).
Waiting for a token here costs the same time as a 429 would, without the failed request, the
SDK's back-off on top, or eating into the budget of another client of the same tenant.

Each tenant has its own `RateBudget` (`budget_for`), shared by every client of the tenant in
this process (a plan then a deploy, a promote reading the stage before): tenants are limited
apart, so many tenants run at once without slowing each other down. An answer without the
headers (an emulator without a rate limit) means no limit: the budget stops pacing.

Polls (the build and deploy waits) leave a token in the bucket for the write that follows a
finished wait (the deploy after the build, the bind after the settle): it then goes at once
instead of waiting for a refill.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Iterator, Mapping

# Auth0's free tier, the strictest documented plan: what we assume until an answer says more.
FREE_TIER_BURST = 2
FREE_TIER_PER_SECOND = 2.0

# The answers give the bucket size but not the refill rate. UNCONFIRMED for paid plans: we keep
# the free tier's 2 per second whatever the bucket (the stricter reading); a paid tenant then
# only loses some speed, never gets a 429 from us.
SLACK_SECONDS = 0.02
MAX_SLACK_SECONDS = 0.4
EPSILON = 0.01
_reserve: contextvars.ContextVar[int] = contextvars.ContextVar("reserve", default=0)


@contextlib.contextmanager
def polling(reserve: int = 1) -> Iterator[None]:
    """Requests made inside leave `reserve` tokens in the bucket (at most the bucket's size
    minus one), for the request that follows the wait."""
    token = _reserve.set(reserve)
    try:
        yield
    finally:
        _reserve.reset(token)


class RateBudget:
    """A local copy of the tenant's token bucket, corrected by what the answers say."""

    def __init__(
        self,
        *,
        burst: int = FREE_TIER_BURST,
        per_second: float = FREE_TIER_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.burst, self.per_second = float(burst), per_second
        self.clock, self.sleep = clock, sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._updated = clock()
        # A request sent from a full bucket: the tenant's stays full, and does not fill,
        # until the request reaches it. We count nothing in until an answer comes back.
        self._held = False
        self.limited = True  # until an answer comes without x-ratelimit-limit
        self.slack = SLACK_SECONDS
        self.waited = 0.0  # seconds spent waiting for a token (the bench reports it)

    def _refill(self, now: float) -> None:
        if now > self._updated:  # (`_updated` is in the future while requests are queued)
            if not self._held:
                self._tokens = min(
                    self.burst, self._tokens + (now - self._updated) * self.per_second
                )
            self._updated = now

    def acquire(self) -> None:
        """Take a token, waiting for it if need be. Concurrent callers queue, each sleeping
        until its own token has arrived."""
        if not self.limited:
            return
        keep = min(_reserve.get(), self.burst - 1)
        with self._lock:
            now = self.clock()
            self._refill(now)
            start = max(now, self._updated)  # after the requests queued before this one
            self._held = self._held or self._tokens >= self.burst
            missing = max(0.0, 1.0 + keep - self._tokens)
            # Our token is taken a moment after we send, and answers come back unevenly
            # (threads, the network): a little slack keeps that jitter from costing a 429.
            send_at = start + (missing / self.per_second + self.slack if missing else 0.0)
            # The bucket as the tenant will see it then (full buckets stop filling), minus ours.
            self._tokens = min(self.burst, self._tokens + (send_at - start) * self.per_second) - 1.0
            self._updated = send_at
        if send_at > now:
            self.waited += send_at - now
            self.sleep(send_at - now)

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Correct the local bucket from an answer's x-ratelimit-* headers."""
        limit, remaining = headers.get("x-ratelimit-limit"), headers.get("x-ratelimit-remaining")
        with self._lock:
            self._refill(self.clock())
            self._held = False
            if status != 429:
                self.slack = max(SLACK_SECONDS, self.slack * 0.9)
                if limit is not None and not self.limited and remaining and remaining.isdigit():
                    self._tokens = float(remaining)  # uncounted while unlimited: start afresh
                self.limited = limit is not None
            if limit is not None and limit.isdigit() and int(limit) > 0:
                self.burst = float(limit)
            if status == 429:
                # Someone else spent the budget (another pipeline, the dashboard), or requests
                # reach the tenant less evenly than we send them (a busy machine): start over,
                # and leave more room from now on.
                self._tokens = min(self._tokens, 0.0)
                self.slack = min(MAX_SLACK_SECONDS, self.slack * 2)
            elif remaining is not None and remaining.isdigit():
                # The header rounds down: the tenant holds fewer than `remaining + 1` tokens
                # (plus what comes in before our queued requests go). Above that, we counted
                # wrong: another client spends from the bucket.
                ahead = max(0.0, self._updated - self.clock()) * self.per_second
                self._tokens = min(self._tokens, int(remaining) + 1.0 - EPSILON + ahead)


_budgets: dict[str, RateBudget] = {}
_budgets_lock = threading.Lock()


def budget_for(tenant: str) -> RateBudget:
    """The budget of the tenant at this base URL, the same for every client in this process."""
    with _budgets_lock:
        return _budgets.setdefault(tenant, RateBudget())
