"""LiveFeed: keeps a console.live.chart_data.LiveBoard up to date from the sync worker's change-sets and hands
fresh BoardFigures to the charts, the staffing panel and the wallboard.

All the work (reading changed rows, the SLA pass, Erlang C) runs on one background thread with its own
read-only cache connection; the UI thread only merges change-sets and receives figures by signal. One
computation at a time: change-sets that arrive meanwhile are merged and applied together next time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.domain.model import ChangeSet
from console.live.chart_data import BoardFigures, LiveBoard, StaffingConfig
from console.live.complaint_book import Memo, confirmed_ids, read_book, read_conversations
from console.store.reads import StoreReader
from widgets.app.workers import BackgroundJobs
from widgets.main_window.complaint_feed import REBUILD_AT

log = logging.getLogger("concierge.ui.feed")


class LiveFeed(QObject):
    figuresReady = Signal(object)  # BoardFigures
    problem = Signal(str)  # a sentence for a status line; never a dialog

    def __init__(
        self,
        reader_factory: Callable[[], StoreReader],
        now: Callable[[], float],
        *,
        interval_ms: int = 3000,
        active: Callable[[], bool] = lambda: True,
        jurisdiction: str = "uk",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory, self._now, self._active = reader_factory, now, active
        self._next = 0.0  # monotonic time before which no new computation starts
        self._jobs = BackgroundJobs(self, whole_queue=True)
        self._board = LiveBoard()  # touched only on the jobs thread
        self._board.jurisdiction = jurisdiction  # whose complaint clocks (before any reference data)
        self._reader: StoreReader | None = None  # jobs thread only
        self._loaded = False
        self._book_loaded = False  # the complaint book was read whole (jobs thread)
        self._memo = Memo()  # each customer message judged once (jobs thread)
        self._pending = ChangeSet()
        self._busy = False
        self._staffing: StaffingConfig | None = None
        self.latest: BoardFigures | None = None
        self.computed = 0  # figures delivered (tests wait on it)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.refresh)

    def start(self) -> None:
        if not self.timer.isActive():
            self.timer.start()
            self.refresh()

    def on_changes(self, changes: ChangeSet) -> None:
        self._pending.merge(changes)

    def set_staffing(self, config: StaffingConfig) -> None:
        self._staffing = config
        self.refresh()

    def refresh(self) -> None:
        """Start a computation unless one runs, nobody looks (every view hidden), or the last one was
        so recent that the figures thread would take more than a fifth of the time."""
        if self._busy or not self._active() or time.monotonic() < self._next:
            return
        self._busy = True
        pending, self._pending = self._pending, ChangeSet()
        staffing, self._staffing = self._staffing, None
        now = self._now()
        started = time.monotonic()

        def done(figures: Any) -> None:
            self._next = time.monotonic() + 4 * (time.monotonic() - started)
            self._done(figures)

        self._jobs.read(lambda: self._work(pending, staffing, now), done, self._failed, owner=self)

    # --- the jobs thread --------------------------------------------------------------------------
    def _work(self, pending: ChangeSet, staffing: StaffingConfig | None, now: float) -> BoardFigures:
        started = time.perf_counter()
        if self._reader is None:
            self._reader = self._factory()
        reader, board = self._reader, self._board
        if staffing is not None:
            board.set_staffing(staffing)
        if not self._loaded or pending.reference_changed:
            board.set_reference(
                reader.teams(),
                reader.agents(),
                reader.policies(),
                reader.calendars(),
                reader.channels(),
                reader.shifts(),
            )
        if not self._loaded or pending.filled:  # filled: the cache was read whole (an empty one's fill)
            # open ones and the last day's activity, not a year of closed history
            board.load(reader.live_rows(now - board.activity.window_s), now)
            self._loaded = True
        else:
            ids = pending.added | pending.changed
            board.apply(pending.removed, reader.by_ids(ids) if ids else {}, now)
        decisions = reader.complaint_decisions()  # confirmed or dismissed by supervisors
        board.complaints.set_decisions(decisions)
        # The same book of conversations as the console's own views (widgets.main_window.complaint_feed),
        # so "to confirm" here and "Possible complaints" there count the same enquiries.
        if (
            self._book_loaded
            and len(grown := pending.added | pending.changed | pending.messages) < REBUILD_AT
        ):
            rows = [e for i in grown if (e := board.open.get(i)) is not None]
            fresh = read_conversations(reader, rows, self._memo)
            board.complaints.set_book(board.complaints.book.with_conversations(fresh), fresh.keys())
        else:
            rows = list(board.open.values())
            book = read_book(reader, rows, confirmed_ids(rows, decisions), self._memo)
            board.complaints.set_book(book)
            self._book_loaded = True
        figures = board.figures(now)
        log.debug("board figures in %.0f ms", (time.perf_counter() - started) * 1000)
        return figures

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    # --- back on the UI thread ----------------------------------------------------------------------
    def _done(self, figures: Any) -> None:
        self._busy = False
        self.latest = figures
        self.computed += 1
        self.figuresReady.emit(figures)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        log.error("the live figures could not be computed: %s", error)
        self.problem.emit(f"Figures not updated: {error}")

    def stop(self) -> None:
        """Never waits: the reader is closed on the figures thread after the computation under way."""
        self.timer.stop()
        self._jobs.shutdown(last=self._close_reader)
