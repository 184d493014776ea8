"""Python's cyclic garbage collector, run on the UI thread only.

Left automatic, the collector runs on whichever thread happens to allocate, including the sync and
worker threads; when it frees a cycle that holds a Qt widget there, Qt is touched off the UI thread and
the process can crash. So automatic collection is switched off and a timer on the UI thread collects
instead (qutebrowser does the same). Long-lived start-up objects (the cache's rows, the SLA clocks) are
moved out of the collector's sight with gc.freeze(), so a collection does not walk 100k rows each time.
Every GIVE_BACK_EVERY looks, the allocator's free pages go back to the system (console.platform.memory).

Work over the whole queue on the jobs thread (workers.BackgroundJobs, whole_queue=True) runs inside
bulk_work(): while it runs, the young generation holds its working set, so no collection walks it, and
what it leaves alive is frozen at the next look. The young count alone cannot tell: on Python 3.11
gc.get_count()[0] is allocations net of frees, frees of frozen objects included: after the navigator's
counts, which rebuild their inputs over 100k rows while the old ones are dropped, it read 14 with 135,000
young objects (a dict and two lists of 100k among them), and the collections over such sets held the UI
thread 18-60 ms at a time (bench_console's start, 100,000 open).

A freeze keeps a cycle of garbage that is young at the time for the session, so the steady work makes
none: a minute at 100,000 open ends with 150 objects trapped, all made once at start (the navigator's
first tree, the complaint lexicon); a team-board regroup's self-calling closure used to trap ~48,000 a minute.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer

from console.platform.memory import give_back

log = logging.getLogger("concierge.gc")
BULK_S = 0.02  # a collection slower than this walked bulk data
# Young objects beyond this since the last look (one second) were made by a loader (100k rows read, their
# clocks and filter text: about a million objects): walking them took 0.1-0.2 s on the UI thread a time.
BULK_YOUNG = 50_000
GIVE_BACK_EVERY = 10  # looks (10 s): what the figures and the complaint book freed since goes back
# The longest collections wait for bulk work (the navigator's counts take 2-5 s at 100k): past this, the
# young objects are collected anyway, so a thread that never rests cannot keep cycles from being freed.
MAX_DEFER_S = 10.0


class _BulkWork:
    """How many bulk jobs are running on other threads, and whether one has ended since the last look."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.ended = False


_bulk = _BulkWork()


@contextmanager
def bulk_work() -> Iterator[None]:
    """Around a job over the whole queue, on the thread that runs it: no collection walks its working set
    while it runs, and what it leaves alive (its result, inputs the UI thread copied for it, caches kept
    for the next run) is frozen at the guard's next look rather than walked."""
    with _bulk.lock:
        _bulk.running += 1
    try:
        yield
    finally:
        with _bulk.lock:
            _bulk.running -= 1
            _bulk.ended = True


def bulk_work_running() -> int:
    """How many jobs inside bulk_work() are running now."""
    with _bulk.lock:
        return _bulk.running


class GarbageCollector(QObject):
    """Collects young objects often and everything now and then, always on the thread it lives on."""

    def __init__(
        self, parent: QObject | None = None, *, interval_ms: int = 1000, max_defer_s: float = MAX_DEFER_S
    ) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._was_enabled = gc.isenabled()
        self._max_defer_s = max_defer_s
        self._deferred_since: float | None = None
        self.looks = 0

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    def check(self) -> None:
        self.looks += 1
        if self.looks % GIVE_BACK_EVERY == 0:
            give_back()  # 2-4 ms at 300 MB
        with _bulk.lock:
            running, ended, _bulk.ended = _bulk.running, _bulk.ended, False
        # The same generational policy as the automatic collector, just on this thread.
        threshold = gc.get_threshold()
        counts = gc.get_count()
        if ended or counts[0] > BULK_YOUNG:
            # Bulk data that lives on: out of sight at once, not walked (a cycle of garbage made among
            # it would stay until exit: loaders make none; refcounting still frees everything else).
            self.freeze_long_lived()
            return
        if running and not self._waited_enough():
            return  # the young objects are mostly a job's working set: gone once it ends
        self._deferred_since = None
        for generation in (2, 1, 0):
            if counts[generation] > threshold[generation]:
                started = time.perf_counter()
                gc.collect(generation)
                if time.perf_counter() - started > BULK_S:
                    # A slow collection walked bulk data made since the last freeze (rows synced live,
                    # clocks made exact): what survived it lives for the session, so it is frozen too,
                    # or every later collection walks it again (up to a second: bench_arrival.py).
                    self.freeze_long_lived()
                return

    def _waited_enough(self) -> bool:
        now = time.monotonic()
        if self._deferred_since is None:
            self._deferred_since = now
        return now - self._deferred_since >= self._max_defer_s

    @staticmethod
    def freeze_long_lived() -> None:
        """After a big load: what is alive now lives for the session; stop walking it. No collection
        first: a full one over 100k rows would stall the UI thread for ~0.5 s right after the paint."""
        gc.freeze()
        if log.isEnabledFor(logging.DEBUG):  # counting walks every frozen object: not for nothing
            log.debug("gc: %d objects frozen", gc.get_freeze_count())
