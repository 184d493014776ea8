"""The one back-off policy, for every layer that retries the service: the API client between the attempts
of one request, and the sync and sign-in loops between failed passes (console.sync.backoff, which adds
what a run of failures means for the connection's state).

Exponential with jitter, capped; a server's Retry-After is honoured up to a minute. It lives in the API
layer so that both the client and the sync layer above it may use it (the import-linter layers).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

OFFLINE_AFTER_S = 30.0  # "reconnecting" turns into "offline" after this long without success
BASE_S = 0.5  # the first wait
CAP_S = 15.0  # the longest wait (before jitter)
RETRY_AFTER_CAP_S = 60.0  # a server may ask for a longer pause, up to this


def jitter() -> float:
    """A factor in [0.5, 1.5]: clients that failed together do not come back together."""
    return random.uniform(0.5, 1.5)


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
