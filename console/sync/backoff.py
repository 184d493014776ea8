"""One back-off policy for everything that retries the service in a loop (the syncer, the sign-in loop).

Exponential with jitter, capped; a server's Retry-After is honoured up to a minute. A run of failures is
"reconnecting" until it has lasted `offline_after_s`, then "offline": the threshold is read here and only
here, when a Backoff is made (tests shorten the module's values before they start a sync).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from console.sync.state import SyncState

OFFLINE_AFTER_S = 30.0  # "reconnecting" turns into "offline" after this long without success
BASE_S = 0.5  # the first wait
CAP_S = 15.0  # the longest wait (before jitter)
RETRY_AFTER_CAP_S = 60.0  # a server may ask for a longer pause, up to this


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    base_s: float
    cap_s: float
    offline_after_s: float
    retry_after_cap_s: float = RETRY_AFTER_CAP_S

    @classmethod
    def current(cls) -> BackoffPolicy:
        """The module's values as they are now."""
        return cls(BASE_S, CAP_S, OFFLINE_AFTER_S, RETRY_AFTER_CAP_S)

    def delay(self, attempt: int, retry_after: float | None = None, jitter: float = 1.0) -> float:
        """Seconds to wait before attempt `attempt` + 1 (attempt counts from 0); jitter in [0.5, 1.5]."""
        wait = min(self.cap_s, self.base_s * 2.0 ** min(attempt, 62)) * jitter
        if retry_after:
            wait = max(wait, min(retry_after, self.retry_after_cap_s))
        return wait


@dataclass(frozen=True, slots=True)
class Failure:
    """What one more failure means: the state to report, since when (the clock given to Backoff), and how
    long to wait before trying again."""

    state: SyncState
    since: float
    delay: float


class Backoff:
    """One run of failures, for the thread that retries (not thread-safe; it needs not be)."""

    def __init__(
        self,
        policy: BackoffPolicy | None = None,
        *,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = lambda: random.uniform(0.5, 1.5),
    ) -> None:
        self.policy = policy or BackoffPolicy.current()
        self.clock, self._jitter = clock, jitter
        self.failing_since: float | None = None
        self.attempt = 0

    def failed(self, retry_after: float | None = None) -> Failure:
        now = self.clock()
        if self.failing_since is None:
            self.failing_since = now
        offline = now - self.failing_since >= self.policy.offline_after_s
        delay = self.policy.delay(self.attempt, retry_after, self._jitter())
        self.attempt += 1
        state = SyncState.OFFLINE if offline else SyncState.RECONNECTING
        return Failure(state, self.failing_since, delay)

    def succeeded(self) -> None:
        self.failing_since, self.attempt = None, 0
