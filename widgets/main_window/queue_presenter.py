"""The queue's presenter: it owns the queue model and the widgets around the table (the table, the filter
box, the title, the breach strip) and reads the navigator's pick.

At start-up it fills the model from the cache on a worker thread (the longest-waiting enquiries first,
then every row, sorted there), and tells the change feed once they are in. Afterwards it applies every
synced change-set to the model by id (local moves are in the model already). The model is the one place
the open rows live: every other view reads them from it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Slot

from console.domain.model import Enquiry
from console.live.risk import RiskBook, Trail
from console.store.reads import StoreReader
from widgets.app.workers import BackgroundJobs
from widgets.main_window.changes import ChangeFeed, LiveChange
from widgets.main_window.navigator import ALL_KEY
from widgets.main_window.reference import LiveReference
from widgets.main_window.window import MainWindow
from widgets.queue.model import Prepared, QueueModel

log = logging.getLogger("concierge.ui")

FIRST_PAGE = 2000  # rows shown at start-up before the whole cache is read
REFILTER_S = 30.0  # views defined by time ("over 1 h") are applied again this often
TIME_VIEWS = frozenset({"view:unanswered_1h", "view:breaching_30m", "view:at_risk"})


class QueuePresenter(QObject):
    def __init__(
        self,
        window: MainWindow,
        model: QueueModel,
        feed: ChangeFeed,
        reference: LiveReference,
        say: Callable[[str, int], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window, self.model, self.feed, self.reference = window, model, feed, reference
        self.say = say  # a line on the status bar (0 ms: until replaced)
        self.loaded = False  # every open enquiry of the cache is in the model
        self._filtered_at = 0.0
        self._jobs = BackgroundJobs(self)
        self._factory: Callable[[], StoreReader] | None = None
        window.navigator.viewSelected.connect(self._on_view)
        feed.changed.connect(self.on_change)

    # --- start-up from the cache ------------------------------------------------------------------

    def load(self, reader: StoreReader, factory: Callable[[], StoreReader] | None) -> None:
        """The open enquiries from the cache only (no network). With a reader factory they are read,
        their clocks warmed and sorted on a worker thread with its own read-only connection: 100k rows
        take seconds of Python."""
        self._factory = factory
        if factory is None:
            rows = reader.load_open()
            self.model.set_risk_book(RiskBook.build(reader.risk_contacts(), reader.risk_messages(), rows))
            self._rows_loaded(rows)
            return
        self.say("Opening the local cache…", 0)
        engine, now, model = self.reference.engine, self.reference.now(), self.model

        def first() -> list[Enquiry]:
            # The first screenful, before every row is read: the rows whose clocks started first.
            r = factory()
            try:
                rows = r.load_open_first(FIRST_PAGE)
            finally:
                r.close()
            engine.statuses(rows, now)
            return rows

        def work() -> tuple[Prepared, RiskBook]:
            r = factory()
            try:
                rows = r.load_open()
                book = RiskBook.build(r.risk_contacts())  # the messages are scored after the load
            finally:
                r.close()
            return model.prepare(rows), book  # rows, clocks and sort built here, not on the UI thread

        def failed(error: BaseException) -> None:
            log.error("the cache could not be read: %s", error)
            self.say(f"The local cache could not be read: {error}", 0)
            self._rows_loaded([])

        self._jobs.submit(first, self._first_rows, lambda e: log.warning("first page: %s", e))
        self._jobs.submit(work, self._rows_loaded, failed)

    def _first_rows(self, rows: list[Enquiry]) -> None:
        if not self.loaded:  # shown until every row is read (a second or two at 100k), then replaced
            self.model.set_rows(rows)
            self.say("Opening the local cache… the longest-waiting enquiries first", 0)

    def _rows_loaded(self, rows: list[Enquiry] | tuple[Prepared, RiskBook]) -> None:
        if isinstance(rows, tuple):
            self.model.set_prepared(rows[0])
            self.model.set_risk_book(rows[1])
            self._score_messages()
        else:
            self.model.set_rows(rows)
        if self.window.navigator.current_key() != ALL_KEY or self.window.filter_edit.text():
            self.apply_filter()  # a second reset only when something filters
        self.loaded = True
        self.window.statusBar().clearMessage()
        self.feed.loaded()

    def _score_messages(self) -> None:
        """The customers' messages scored on a worker (VADER: seconds at 100k), then handed to the
        risk column: until then it scores the rows it shows as it paints them."""
        factory, rows = self._factory, self.model.all_enquiries()  # a snapshot of immutable records
        if factory is None:
            return

        def work() -> tuple[dict[str, Trail], dict[str, tuple[str, float]]]:
            r = factory()
            try:
                messages = r.risk_messages()
            finally:
                r.close()
            return RiskBook.scores(messages, rows)

        def done(result: tuple[dict[str, Trail], dict[str, tuple[str, float]]]) -> None:
            self.model.set_risk_book(self.model.risk_book().with_scores(*result))

        self._jobs.submit(work, done, lambda e: log.warning("scoring the messages failed: %s", e))

    # --- what changed -----------------------------------------------------------------------------

    @Slot(object)
    def on_change(self, change: LiveChange) -> None:
        if change.reference:
            ref = self.reference
            self.model.set_clock(ref.engine, ref.now, ref.tz)
            self.model.set_names(ref.team_names, ref.agent_names)
        if change.origin == "sync":
            self.model.apply(change.changes, change.rows)
            new = [e for i in change.changes.added if (e := change.rows.get(i)) is not None]
            if new:  # their customers' earlier contacts count for the risk score
                self.model.set_risk_book(self.model.risk_book().with_enquiries(new))

    def tick(self) -> None:
        """Once a second: views defined by time gain and lose rows as time passes."""
        key = self.window.navigator.current_key()
        if key in TIME_VIEWS and time.monotonic() - self._filtered_at >= REFILTER_S:
            self.apply_filter()

    # --- navigator and filter ---------------------------------------------------------------------

    @Slot(str)
    def _on_view(self, key: str) -> None:
        label = self.window.nav_model.label(key) or "All open"
        self.window.set_queue_title("All open" if key == ALL_KEY else label)
        self.apply_filter()

    def apply_filter(self) -> None:
        """The navigator's pick and the filter box's text (the queue view keeps the text in step)."""
        predicate = self.window.nav_model.predicate(self.window.navigator.current_key())
        self.model.set_filter(self.window.filter_edit.text(), predicate)
        self._filtered_at = time.monotonic()

    def select(self, enquiry_id: str) -> None:
        row = self.model.row_of(enquiry_id)
        if row is not None:
            self.window.queue_view.selectRow(row)

    def set_privacy(self, mode: str) -> None:
        self.model.set_privacy(mode)

    def stop(self) -> None:
        self._jobs.shutdown()
