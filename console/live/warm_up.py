"""Work over every held row done in slices of the UI thread's time, so no slice holds it past a frame:
the queue's filter text built ahead of the first keystroke (at 100k rows the masking behind it takes
seconds), and the snapshot of every row's status a worker groups the team board from."""

from __future__ import annotations

import time
from collections.abc import Callable

from console.domain.model import Enquiry
from console.live.queue_rows import Row
from console.sla.clock import SlaStatus

WARM_CHUNK = 32  # rows of filter text between two looks at the clock


class WarmUp:
    def __init__(self, hay: Callable[[Row], str]) -> None:
        self._hay = hay  # builds and caches one row's filter text
        self._rows: list[Row] = []
        self._pos = 0

    def start(self, rows: list[Row], *, listed: bool = False) -> None:
        """Every one of these rows without its text is to get it (a list of those is kept: the caller's
        may change). Rows a worker gave their text (a load) are left out: a warm-up that walked all 100k
        of them again took some 20 idle slices (~0.1 s) before the console counted as fully loaded.
        `listed`: `rows` is a list of the caller's own of just those, made elsewhere (a load's)."""
        self._rows, self._pos = rows if listed else [r for r in rows if r.hay is None], 0

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


class StatusSnapshot:
    """Every held row's enquiry and cached status, side by side (as QueueIndex.status_rows gives them),
    read in slices: at 100k rows one read held the UI thread 20-60 ms, each time the board regrouped. The
    rows are those held when it began (a copy of the list: ~1 ms); a row changed between two slices is
    read as it is then, one added or removed meanwhile is in the board's next snapshot (a change asks
    for one). Existing objects only: a worker may read the lists once step() has returned True."""

    def __init__(self, rows: list[Row]) -> None:
        self._rows = list(rows)
        self._pos = 0
        self.enquiries: list[Enquiry] = []
        self.statuses: list[SlaStatus | None] = []

    def step(self, n: int) -> bool:
        """Read up to n more rows; True once every row is read."""
        chunk = self._rows[self._pos : self._pos + n]
        self._pos += len(chunk)
        self.enquiries += [r.e for r in chunk]
        self.statuses += [r.status for r in chunk]
        if self._pos < len(self._rows):
            return False
        self._rows = []
        return True
