"""Shift reports, closed off the sync thread.

Computing a shift's report reads every enquiry of its window: seconds at 100,000 open enquiries. Done on
the sync thread it held the change feed up for as long (bench_arrival: new enquiries reached the queue
up to 13 s late, once a minute while reports were due). So the sync loop only pokes a ShiftCloser: a
thread of its own reads through its own connection and computes; what is stored (a report, an
amendment, a meta value) is handed to the sync thread, the cache's one writer, as a job that it runs
between long-polls, in milliseconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from typing import TYPE_CHECKING, Protocol, TypeVar

from console.store.schema import KnownError
from console.sync.shift_close import close_quietly

if TYPE_CHECKING:
    from console.store.cache import Store
    from console.store.reads import StoreReader

log = logging.getLogger("concierge.reports")
T = TypeVar("T")


class Submit(Protocol):
    """The sync thread's job queue (console.sync.engine.Syncer.submit)."""

    def __call__(self, fn: Callable[[Store], T], /) -> Future[T]: ...


class ShiftCloser:
    """At most one run at a time; a poke while one runs is dropped (the loop pokes again later)."""

    def __init__(
        self, open_reader: Callable[[], StoreReader], submit: Submit, jurisdiction: str | None = None
    ) -> None:
        self._open_reader, self._submit = open_reader, submit
        self.jurisdiction = jurisdiction  # whose complaint clocks (None: the settings file's)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.runs = 0  # finished runs (tests wait on it)

    def poke(self, now: float) -> bool:
        """Close the shifts that ended by `now` (server time) in the background; False: one is running."""
        with self._lock:
            if self._stop.is_set() or (self._thread is not None and self._thread.is_alive()):
                return False
            self._thread = threading.Thread(
                target=self._run, args=(now,), name="concierge-reports", daemon=True
            )
            self._thread.start()
        return True

    def stop(self, timeout_s: float = 2.0) -> None:
        """No new run; a running one ends after the report it is computing (its writes are refused once
        the sync loop has ended). Waits up to timeout_s for it."""
        self._stop.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout_s)

    def _write(self, fn: Callable[[Store], T]) -> T:
        return self._submit(fn).result()

    def _run(self, now: float) -> None:
        try:
            reader = self._open_reader()
        except KnownError as e:
            log.warning("shift reports not closed now: %s", e)
            return
        try:
            close_quietly(reader, self._write, now, stop=self._stop.is_set, jurisdiction=self.jurisdiction)
        except CancelledError:
            log.info("sync stopped while shift reports were being closed; the next start goes on")
        except KnownError as e:
            log.warning("shift reports not closed now: %s", e)
        finally:
            reader.close()
            self.runs += 1
