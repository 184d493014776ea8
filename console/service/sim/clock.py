"""The simulated clock: sim_time = base + stepped + real_elapsed * speed. Speed 0 freezes it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

# Seed-derived start instants are spread over a fortnight from here (a Monday morning, London time).
EPOCH = datetime(2026, 11, 23, 8, 30, tzinfo=UTC).timestamp()


def start_for_seed(seed: int) -> float:
    """A fixed start instant for a seed: some day of the fortnight, some time between 08:30 and 20:30."""
    return EPOCH + (seed % 14) * 86_400 + (seed * 7_919 % 720) * 60


class SimClock:
    def __init__(self, base: float, speed: float) -> None:
        if speed < 0:
            raise ValueError("speed must not be negative")
        self._lock = threading.Lock()
        self._base = base
        self._speed = speed
        self._t0 = time.monotonic()

    def now(self) -> float:
        with self._lock:
            return self._base + (time.monotonic() - self._t0) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    def step(self, seconds: float) -> float:
        """Move simulated time forward by seconds; returns the new now."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._base += seconds
            return self._base + (time.monotonic() - self._t0) * self._speed
