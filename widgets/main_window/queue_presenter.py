"""The queue's presenter: it owns the queue model and the widgets around the table (the table, the filter
box, the title, the breach strip) and reads the navigator's pick.

At start-up it fills the model from the cache on a worker thread (the nearest deadlines and the longest
waits first, then every row, sorted there), and tells the change feed once they are in. Afterwards it
applies every synced change-set to the model by id (local moves are in the model already). The model is
the one place the open rows live: every other view reads them from it.

The queue leads with what can still be saved (console.live.order); the group tabs above it narrow it to
the breached or the not yet breached, and the header's tiles filter it (or open the longest wait). When a
deadline passes, the rows are put in order again (at most every REARRANGE_S) so a fresh breach moves from
the top of the queue to its group.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Slot

from console.domain.model import Enquiry
from console.live.order import Group, in_group
from console.live.queue_rows import Col, Predicate
from console.live.risk import RiskBook, Trail, all_contacts
from console.sla.kept import KeptRow
from console.store.cache import StoreReader
from console.store.kept import KeptText
from widgets.app.idle import IdleSteps
from widgets.app.workers import BackgroundJobs, StoreWriter
from widgets.main_window.changes import ChangeFeed, LiveChange
from widgets.main_window.header import TILE_BREACHED, TILE_LONGEST, TILE_SOON, TILE_UNANSWERED, TILE_WAITING
from widgets.main_window.keeping import StartKeeper
from widgets.main_window.loading import FirstRows, Loaded, Readers, read_first, read_whole
from widgets.main_window.navigator import ALL_KEY
from widgets.main_window.reference import LiveReference
from widgets.main_window.window import MainWindow
from widgets.queue.model import Prepared, QueueModel
from widgets.queue.text import CellText
from widgets.status.presenter import StatusPresenter
from widgets.theme.icons import icons_to_warm

log = logging.getLogger("concierge.ui")
SEARCH_WAITS = "Searching once the enquiries' search text is built (seconds after a first sync)…"

REFILTER_S = 30.0  # views defined by time ("over 1 h") are applied again this often
TIME_VIEWS = frozenset({"view:unanswered_1h", "view:breaching_30m", "view:at_risk"})
REARRANGE_S = 10.0  # at most this often, rows whose deadline passed move to the breached group
RETIME_ON_WORKER_AT = 5_000  # held rows from which new SLA rules are timed on the worker (~9 ms a 1,000)
STALE_TICKS = 200  # rows moved one by one when they breach; more, and every row is sorted again
# The saveable rows' order drifts from the truth while calendars open and close (working time left does
# not fall on a closed calendar, the customer's clock does): they are all sorted again this often.
RESORT_S = 300.0
# The header's tiles: the navigator view and the group each shows.
TILE_VIEWS = {
    TILE_SOON: ("view:breaching_30m", Group.SAVEABLE),
    TILE_BREACHED: (ALL_KEY, Group.BREACHED),
    TILE_WAITING: ("view:waiting", Group.ALL),
    TILE_UNANSWERED: ("view:unanswered", Group.ALL),
}


class QueuePresenter(QObject):
    def __init__(
        self,
        window: MainWindow,
        model: QueueModel,
        feed: ChangeFeed,
        reference: LiveReference,
        status: StatusPresenter,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window, self.model, self.feed, self.reference = window, model, feed, reference
        self.status = status  # the status bar's lines: what is under way, and what went wrong
        self.loaded = False  # every open enquiry of the cache is in the model
        self._stopped = False  # stop() was called: the load's deferred steps do nothing
        self._filtered_at = 0.0
        self.group = Group.ALL
        self._next_breach = math.inf  # the soonest deadline not passed when the rows were last put in order
        self._arranged_at = 0.0  # time.monotonic() of that
        self._resorted_at = time.monotonic()  # of the last full SLA sort by rearrange()
        self._jobs = BackgroundJobs(self, whole_queue=True)
        self._factory: Callable[[], StoreReader] | None = None
        self._trails_due: set[str] = set()  # conversations that grew: their sentiment trails, scored next
        self._scoring = False
        self._score_later = False  # the load's scoring waits for the message feed's backlog (wordsDue)
        self._keeping: CellText | None = None  # the window's text, keeping previews while it warms up
        self._strip_waits = False  # the breach strip waits for every row (a first screenful of long waits)
        self.writer: Callable[[], StoreWriter | None] = lambda: None  # the cache's one writer, once up
        self.cache: Callable[[], tuple[Path, bytes]] | None = None  # its file and key, for a writer of ours
        self.keeper = StartKeeper(self._jobs, lambda: self.writer(), lambda: self.cache)
        window.navigator.viewSelected.connect(self._on_view)
        window.queue_groups.groupChanged.connect(self._on_group)
        window.header.tileClicked.connect(self.show_tile)
        feed.changed.connect(self.on_change)
        feed.wordsDue.connect(self._words_due)
        # The filter text's warm-up waits while the sync reads a backlog (QueueModel.hold_warm_up).
        feed.backlogChanged.connect(model.hold_warm_up)
        model.hold_warm_up(feed.backlog)
        model.warmedUp.connect(self._warmed)
        model.filterWaiting.connect(self._filter_waiting)

    # --- start-up from the cache ------------------------------------------------------------------

    def load(
        self, reader: StoreReader, factory: Callable[[], StoreReader] | None, *, text_first: bool = True
    ) -> None:
        """The open enquiries from the cache only (no network). With a reader factory they are read,
        their clocks warmed and sorted on a worker thread with its own read-only connection: 100k rows
        take seconds of Python. text_first: their filter text too, before they show (masking 100k
        previews no earlier start kept takes ~7 s; without, the warm-up builds it once they show)."""
        self._factory = factory
        if factory is None:
            rows = reader.load_open()
            contacts = all_contacts(rows, reader.risk_contacts(closed_only=True))
            self.model.set_risk_book(RiskBook.build(contacts, reader.risk_messages(), rows))
            self._rows_loaded(rows)
            return
        self.status.progress("Opening the local cache…")
        IdleSteps(icons_to_warm(self.model.theme()), self).start()  # while the worker reads: not in a paint
        # The worker times clocks with snapshots of the UI's engine (the engine belongs to the UI
        # thread, which ticks it meanwhile); each is handed back once the worker is done with it.
        ui_engine, now, model = self.reference.engine, self.reference.now(), self.model
        early, engine, text = ui_engine.snapshot(), ui_engine.snapshot(), model.text_snapshot()
        readers = Readers(factory)
        first = partial(read_first, readers, early, now, model, text)
        work = partial(read_whole, readers, engine, model, text_first=text_first)

        def failed(error: BaseException) -> None:
            log.error("the cache could not be read: %s", error)
            self.status.say(f"The local cache could not be read: {error}", 0)
            self._rows_loaded([])

        self._jobs.submit(first, self._first_rows, lambda e: log.warning("first page: %s", e))
        self._jobs.submit(work, self._rows_loaded, failed)

    def _first_rows(self, first: FirstRows) -> None:
        prepared, kept, text = first  # set_prepared adopts its engine's clocks: not timed again here
        self.model.take_previews(text)
        if not self.loaded:  # shown until every row is read (a second or two at 100k), then replaced
            self.window.set_reading(True)
            self._strip_waits = not kept  # the nearest deadlines may be in the rows not read yet
            if self._strip_waits:
                self.window.breach_strip.set_pending(True, "the local cache is still being read")
            self.model.set_prepared(prepared, warm=False)  # their filter text comes with the full load
            first_rows = "nearest deadlines" if kept else "longest waits"  # no clocks kept: a first start
            self.status.progress(f"Opening the local cache… {first_rows} first")

    def _rows_loaded(self, rows: list[Enquiry] | Loaded) -> None:
        prepared: Prepared | None = None
        clocks: tuple[str, list[KeptRow]] = ("", [])
        texts: tuple[str | None, list[KeptText]] = (None, [])
        self.window.set_reading(False)  # every row: the counts say "of N open" again
        if isinstance(rows, Loaded):
            prepared, book, text, clocks, texts = rows
            self.model.take_previews(text)
            self.model.set_prepared(prepared)
            self.model.set_risk_book(book)
        else:
            self.model.set_rows(rows)
        if self._strip_waits:  # its chips from every row now (the index's deadline heap), then shown
            self._strip_waits = False
            self.window.breach_strip.model.refresh()
            self.window.breach_strip.set_pending(False)
        if self.window.navigator.current_key() != ALL_KEY or self.window.filter_edit.text():
            self.apply_filter()  # a second reset only when something filters
        self.loaded = True
        self._plan_next_breach()
        self.status.end_progress()
        if prepared is None:  # read here and now (no worker): the rest at once too
            self.feed.loaded()
            return
        # What follows takes a snapshot of every row again (~10 ms of the UI thread each at 100k): in
        # events of their own, so that the loaded queue paints and the timers tick in between.

        if prepared.text is None and self.model.privacy() != "masked":  # its text comes from the warm-up
            self._keeping = self.model.keep_while_warming({})  # an empty cache's fill: nothing kept yet

        def publish() -> None:
            if not self._stopped:
                self.feed.loaded()  # the views take the load: the header's figures are asked for first
                QTimer.singleShot(0, self, score)

        def score() -> None:
            if not self._stopped:
                # Before the scoring: short writes, then seconds of VADER. Rows whose filter text was
                # kept asked for no preview: the previews kept stay, those masked anew join them.
                whole = len(prepared.made_text) == len(prepared.ids)
                self.keeper.previews(prepared.text, whole)
                self.keeper.clocks(*clocks)
                self.keeper.filter_texts(*texts)
                # Scored once the words may be read (ChangeFeed.words_wait): the message feed's backlog
                # read (not also over part of it meanwhile), and the header's figures in.
                self._score_later = self.feed.words_wait
                if not self._score_later:
                    self._score_messages()

        QTimer.singleShot(0, self, publish)

    @Slot(bool)
    def _filter_waiting(self, waiting: bool) -> None:
        # The answer to the supervisor's own search: shown at once, and taken off once the search applies.
        if waiting:
            self.status.say(SEARCH_WAITS, 0)
        else:
            self.status.clear(SEARCH_WAITS)

    @Slot()
    def _warmed(self) -> None:
        text, self._keeping = self._keeping, None
        if text is not None and not self._stopped:
            self.keeper.previews(text)

    def _score_messages(self) -> None:
        """The customers' messages scored on a worker (VADER: seconds at 100k), then handed to the
        risk column: until then it scores the rows it shows as it paints them."""
        factory, rows = self._factory, self.model.all_enquiries()  # a snapshot of immutable records
        if factory is None:
            return
        base = self.model.risk_book()  # immutable: the new book is made from it on the worker too

        Scores = tuple[dict[str, Trail], dict[str, float]]  # trails by enquiry, scores by message text

        def work() -> tuple[RiskBook, Scores]:
            r = factory()
            try:
                messages = r.risk_messages()
            finally:
                r.close()
            scores = RiskBook.scores(messages, rows)
            return base.with_scores(*scores), scores  # merging 100k scores: not on the UI thread

        def done(result: tuple[RiskBook, Scores]) -> None:
            book, scores = result
            current = self.model.risk_book()
            self.model.set_risk_book(book if current is base else current.with_scores(*scores))

        self._jobs.submit(work, done, lambda e: log.warning("scoring the messages failed: %s", e))

    @Slot()
    def _words_due(self) -> None:
        if self._score_later and not self._stopped:
            self._score_later, self._trails_due = False, set()  # every conversation is scored now
            self._score_messages()

    def _rescore(self, grown: set[str]) -> None:
        """Conversations that grew (the message feed): their customers' messages scored again on a
        worker, one job at a time; what grows meanwhile waits for the next."""
        if self._score_later:
            return  # the whole scoring to come reads them
        self._trails_due |= grown
        if self._scoring or not self.loaded or not self._trails_due:
            return
        due, self._trails_due, factory = self._trails_due, set(), self._factory

        def work() -> dict[str, Trail]:
            r = factory() if factory is not None else self.reference.reader
            try:
                return RiskBook.scores(r.risk_messages(due), ())[0]
            finally:
                if factory is not None:
                    r.close()

        def done(trails: dict[str, Trail]) -> None:
            self._scoring = False
            self.model.set_risk_book(self.model.risk_book().with_scores(trails, {}))
            self._rescore(set())

        def failed(error: BaseException) -> None:
            self._scoring = False
            log.warning("scoring the new messages failed: %s", error)

        self._scoring = True
        if factory is None:  # tests without a worker connection: here and now
            done(work())
        else:
            self._jobs.submit(work, done, failed)

    # --- what changed -----------------------------------------------------------------------------

    @Slot(object)
    def on_change(self, change: LiveChange) -> None:
        if change.reference:
            ref = self.reference
            if not self._retime_on_worker(ref):
                self.model.set_clock(ref.engine, ref.now, ref.tz)
            self.model.set_names(ref.team_names, ref.agent_names)
        if change.origin == "sync":
            self.model.apply(change.changes, change.rows)
        if change.origin == "sync" and change.changes.messages:
            self._rescore(change.changes.messages)
        if change.origin == "sync":
            new = [e for i in change.changes.added if (e := change.rows.get(i)) is not None]
            if new:  # their customers' earlier contacts count for the risk score
                self.model.set_risk_book(self.model.risk_book().with_enquiries(new))
        if change.reference:
            self._plan_next_breach()
        else:  # a changed row may fall due before the deadline we wait for
            now = self.reference.now()
            for ident in change.changes.added | change.changes.changed:
                s = self.model.status_of(ident)
                if s is not None and now <= s.due_at < self._next_breach:
                    self._next_breach = s.due_at

    def tick(self) -> None:
        """Once a second: views defined by time gain and lose rows as time passes, and rows whose
        deadline passed join the breached group."""
        if self.reference.now() > self._next_breach and time.monotonic() - self._arranged_at >= REARRANGE_S:
            self.rearrange()
            return
        key = self.window.navigator.current_key()
        if key in TIME_VIEWS and time.monotonic() - self._filtered_at >= REFILTER_S:
            self.apply_filter()

    def rearrange(self) -> None:
        """Put the rows in order again by their clocks (the SLA sort's keys were taken when it was
        made: a row that has since breached still sits with the saveable ones) and filter again."""
        # The rows whose deadline passed since the last time, from the index's deadline heap (a scan
        # of 100k clocks and a sort of every row held the UI thread 0.1-0.4 s at 100k): their clocks
        # recomputed, each moved to its place; past STALE_TICKS of them, every row is sorted again.
        col, order = self.model.sort_column()
        if col == Col.SLA and time.monotonic() - self._resorted_at >= RESORT_S:
            self.model.sort(col, order)  # a layout change: selection and current row follow their rows
            self._resorted_at = time.monotonic()
        self.model.place_crossed(STALE_TICKS)
        if self.group is not Group.ALL or self.window.navigator.current_key() in TIME_VIEWS:
            self.apply_filter()  # a reset; only when what passes the filter moves with time
        self._plan_next_breach()

    def _retime_on_worker(self, ref: LiveReference) -> bool:
        """New SLA rules (policies, calendars, teams, thresholds, time zone) over many rows: every row is
        timed under them on the whole-queue worker, not here (~0.9 s of a frozen window at 100k). False
        when there is nothing to re-time, or too little to be worth a worker."""
        engine, model = ref.engine, self.model
        if engine is None or engine is model.queue_index().engine or self._factory is None:
            return False
        if not self.loaded or model.total_count() < RETIME_ON_WORKER_AT:
            return False
        work = model.retime_later(engine, ref.now, ref.tz)

        def done(p: Prepared) -> None:
            if self._stopped:
                return
            old = list(model.queue_index().held_rows())  # freed in slices: in the adoption, ~60 ms more
            if model.adopt_retimed(p):
                self._plan_next_breach()
                release_in_slices(self, old)

        def failed(error: BaseException) -> None:
            log.warning("re-timing the queue under new SLA rules failed: %s; timing it here", error)
            if not self._stopped and model.queue_index().engine is engine:
                model.set_clock(None, ref.now, ref.tz)  # then every row timed again under the rules
                model.set_clock(engine, ref.now, ref.tz)

        self._jobs.submit(work, done, failed)
        return True

    def _plan_next_breach(self) -> None:
        # The index's deadline heap has the soonest one still ahead (a scan of 100k clocks held the UI
        # thread ~60 ms at load and at every rearrangement).
        soonest = self.model.nearest_deadlines(1)
        self._next_breach = soonest[0][1].due_at if soonest else math.inf
        self._arranged_at = time.monotonic()

    # --- navigator and filter ---------------------------------------------------------------------

    @Slot(str)
    def _on_view(self, key: str) -> None:
        label = self.window.nav_model.label(key) or "All open"
        self.window.set_queue_title("All open" if key == ALL_KEY else label)
        self.apply_filter()

    def apply_filter(self) -> None:
        """The navigator's pick, the group and the filter box's text (the queue view keeps the text in
        step)."""
        predicate = self.window.nav_model.predicate(self.window.navigator.current_key())
        self.model.set_filter(self.window.filter_edit.text(), self._with_group(predicate))
        self._filtered_at = time.monotonic()

    def _with_group(self, predicate: Predicate | None) -> Predicate | None:
        group = self.group
        if group is Group.ALL:
            return predicate
        status_of, now = self.model.status_of, self.reference.now()

        def in_this_group(e: Enquiry) -> bool:
            return in_group(group, status_of(e.id), now) and (predicate is None or predicate(e))

        return in_this_group

    @Slot(str)
    def _on_group(self, value: str) -> None:
        self.group = Group(value)
        self.apply_filter()

    @Slot(str)
    def show_tile(self, key: str) -> None:
        """A header tile was clicked: the queue shows those enquiries, or the longest wait is opened."""
        if key == TILE_LONGEST:
            ident = self.window.header.longest_id
            if ident is not None:
                self.show_enquiry(ident)
            return
        view, group = TILE_VIEWS[key]
        self.show_view(view, group)

    def show_view(self, view: str, group: Group) -> None:
        """Show one navigator view within one group, with no filter text (what a tile counts)."""
        self.group = group
        with_signals = self.window.queue_groups.blockSignals(True)
        self.window.queue_groups.select(group)
        self.window.queue_groups.blockSignals(with_signals)
        self.window.filter_edit.blockSignals(True)  # one filter below, not one per signal
        self.window.filter_edit.clear()
        self.window.filter_edit.blockSignals(False)
        if self.window.navigator.current_key() == view:
            self.apply_filter()
        else:
            self.window.navigator.select_key(view)  # its viewSelected applies the filter
        self.window.queue_view.scrollToTop()
        self.window.queue_view.setFocus()

    def show_enquiry(self, ident: str) -> None:
        """Select an enquiry in the queue (the detail pane follows); the filters make way when it is
        hidden."""
        view = self.window.queue_view
        if self.model.row_of(ident) is None:
            self.show_view(ALL_KEY, Group.ALL)
        if view.select_id(ident):
            view.setFocus()

    def select(self, enquiry_id: str) -> None:
        row = self.model.row_of(enquiry_id)
        if row is not None:
            self.window.queue_view.selectRow(row)

    def set_privacy(self, mode: str) -> None:
        self.model.set_privacy(mode)

    def stop(self) -> None:
        self._stopped = True
        self._jobs.shutdown()


def release_in_slices(owner: QObject, rows: list[Any], chunk: int = 10_000) -> None:
    """Drop the last references to many objects a chunk per event (~3 ms each), not all in one go."""

    def step() -> None:
        del rows[-chunk:]
        if rows:
            QTimer.singleShot(0, owner, step)

    if rows:
        QTimer.singleShot(0, owner, step)
