"""What a run of failures means, for everything that retries the service in a loop (the syncer, the
sign-in loop): how long to wait (the one back-off policy, console.api.retry, also used by the API client
between the attempts of one request) and the state to report.

A run of failures is "reconnecting" until it has lasted the policy's `offline_after_s`, then "offline":
the threshold is read here and only here, when a Backoff is made.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from console.api import retry
from console.api.retry import BackoffPolicy as BackoffPolicy  # re-exported: the sync layer's name for it
from console.sync.state import SyncState

# The policy's values for the loops, read when a Backoff is made (tests shorten these here).
OFFLINE_AFTER_S = retry.OFFLINE_AFTER_S
BASE_S = retry.BASE_S
CAP_S = retry.CAP_S
RETRY_AFTER_CAP_S = retry.RETRY_AFTER_CAP_S


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
        jitter: Callable[[], float] = retry.jitter,
    ) -> None:
        self.policy = policy or BackoffPolicy(BASE_S, CAP_S, OFFLINE_AFTER_S, RETRY_AFTER_CAP_S)
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
