"""Python's cyclic garbage collector, run on the UI thread only.

Left automatic, the collector runs on whichever thread happens to allocate, including the sync and
worker threads; when it frees a cycle that holds a Qt widget there, Qt is touched off the UI thread and
the process can crash. So automatic collection is switched off and a timer on the UI thread collects
instead (qutebrowser does the same). Long-lived start-up objects (the cache's rows, the SLA clocks) are
moved out of the collector's sight with gc.freeze(), so a collection does not walk 100k rows each time.
Every GIVE_BACK_EVERY looks, the allocator's free pages go back to the system (console.platform.memory).
"""

from __future__ import annotations

import gc
import logging
import time

from PySide6.QtCore import QObject, QTimer

from console.platform.memory import give_back

log = logging.getLogger("concierge.gc")
BULK_S = 0.02  # a collection slower than this walked bulk data
# Young objects beyond this since the last look (one second) were made by a loader (100k rows read, their
# clocks and filter text: about a million objects): walking them took 0.1-0.2 s on the UI thread a time.
BULK_YOUNG = 50_000
GIVE_BACK_EVERY = 10  # looks (10 s): what the figures and the complaint book freed since goes back


class GarbageCollector(QObject):
    """Collects young objects often and everything now and then, always on the thread it lives on."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._was_enabled = gc.isenabled()
        self._looks = 0

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    def check(self) -> None:
        self._looks += 1
        if self._looks % GIVE_BACK_EVERY == 0:
            give_back()  # 2-4 ms at 300 MB
        # The same generational policy as the automatic collector, just on this thread.
        threshold = gc.get_threshold()
        counts = gc.get_count()
        if counts[0] > BULK_YOUNG:
            # Bulk data that lives on: out of sight at once, not walked (a cycle of garbage made among
            # it would stay until exit: loaders make none; refcounting still frees everything else).
            self.freeze_long_lived()
            return
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

    @staticmethod
    def freeze_long_lived() -> None:
        """After a big load: what is alive now lives for the session; stop walking it. No collection
        first: a full one over 100k rows would stall the UI thread for ~0.5 s right after the paint."""
        gc.freeze()
        if log.isEnabledFor(logging.DEBUG):  # counting walks every frozen object: not for nothing
            log.debug("gc: %d objects frozen", gc.get_freeze_count())
