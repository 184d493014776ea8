"""The queue's filter text built ahead of the first keystroke, in slices of the UI thread's idle time:
at 100k rows the masking behind it takes seconds, and a slice must stay short."""

from __future__ import annotations

import time
from collections.abc import Callable

from console.live.queue_rows import Row

WARM_CHUNK = 32  # rows of filter text between two looks at the clock


class WarmUp:
    def __init__(self, hay: Callable[[Row], str]) -> None:
        self._hay = hay  # builds and caches one row's filter text
        self._rows: list[Row] = []
        self._pos = 0

    def start(self, rows: list[Row]) -> None:
        """Every one of these rows is to get its text (a copy is kept: the caller's list may change)."""
        self._rows, self._pos = list(rows), 0

    def left(self) -> int:
        return len(self._rows) - self._pos

    def step(self, n: int, budget_s: float | None = None) -> bool:
        """The text of up to n more rows, stopping early once budget_s is spent (checked every WARM_CHUNK
        rows); True once every row has its text."""
        deadline = None if budget_s is None else time.perf_counter() + budget_s
        end = min(self._pos + n, len(self._rows))
        hay = self._hay
        while self._pos < end:
            chunk = self._rows[self._pos : min(self._pos + WARM_CHUNK, end)]
            self._pos += len(chunk)
            for r in chunk:
                if r.hay is None:
                    hay(r)
            if deadline is not None and time.perf_counter() >= deadline:
                break
        if self._pos >= len(self._rows):
            self._rows, self._pos = [], 0  # left() is then 0, not minus the rows done
            return True
        return False
