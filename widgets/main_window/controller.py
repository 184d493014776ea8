"""Glue between the core and the main window, in the UI thread.

It opens the window from the cache at once (its own read-only StoreReader), then applies what the sync
worker reports: for each change-set it reads the changed rows by id and hands them to QueueModel.apply.
Navigator counts and header figures are recomputed on a short timer, coalescing bursts of changes.
Nothing here waits on the network or writes: conversations are fetched by a background job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QTimer, Slot

from console.domain.model import Agent, ChangeSet, Enquiry, Message
from console.live.metrics import (
    RESPONSE_CLOCKS,
    HeaderMetrics,
    NavigatorCounts,
    ResponseClock,
    header_metrics,
    navigator_counts,
    saved_views,
    site_time_zone,
)
from console.sla.engine import SlaEngine, Thresholds, format_countdown
from console.store.reads import StoreReader
from widgets.app.gc_guard import GarbageCollector
from widgets.app.workers import BackgroundJobs
from widgets.board.view import install as install_moves
from widgets.main_window.detail_pane import ClockRow
from widgets.main_window.navigator import ALL_KEY
from widgets.main_window.window import MainWindow
from widgets.queue.model import Prepared, QueueModel

log = logging.getLogger("concierge.ui")

CLOCK_NAMES = {
    "first_response": "First response",
    "next_response": "Next response",
    "resolution": "Resolution",
    "handoff": "Specialist hand-off",
}
STATE_NAMES = {"on_track": "On track", "at_risk": "At risk", "urgent": "Urgent", "breached": "Breached"}
REFRESH_MS = 1000  # counts and header at most once a second
FULL_REFRESH_S = 15.0  # time-based views ("over 1 h") move even with no change
REFILTER_S = 30.0
FIRST_PAGE = 2000  # rows shown at start-up before the whole cache is read
TIME_VIEWS = frozenset({"view:unanswered_1h", "view:breaching_30m"})


class Controller(QObject):
    def __init__(
        self,
        window: MainWindow,
        model: QueueModel,
        reader: StoreReader,
        *,
        tz: str | None = None,
        thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen
        jobs: BackgroundJobs | None = None,
        fetch_messages: Callable[[str], list[Message]] | None = None,
        reader_factory: Callable[[], StoreReader] | None = None,
        privacy: str = "partial",
    ) -> None:
        super().__init__(window)
        self.window, self.model, self.reader = window, model, reader
        window.connection.quarantineRequested.connect(self.show_quarantine)
        # None: follow the site (the social team's calendar zone) as the reference data says.
        self.auto_tz = tz is None
        self.tz = tz or "UTC"
        self.thresholds = thresholds
        self.jobs = jobs
        self.fetch_messages = fetch_messages
        self.reader_factory = reader_factory
        self.rows: dict[str, Enquiry] = {}
        self.loaded = False  # the open enquiries are in the model
        self.stopped = False  # after stop(), late queued signals from the workers are ignored
        self._pending = ChangeSet()  # change-sets that arrived before that
        self.engine = SlaEngine([], {}, {}, thresholds)
        self.offset = 0.0  # server minus local clock, from the cache's meta
        self.metrics: HeaderMetrics | None = None
        self.agents: list[Agent] = []
        self._teams: list[tuple[str, str]] = []
        self.sync_state: Any = None
        self.changes_seen = 0  # change-sets applied (tests and --screenshot wait on it)
        self._dirty = True
        self._last_full = 0.0
        self._computing = False
        self._next_compute = 0.0
        self._filtered_at = 0.0
        self.computed = 0  # live-figure computations delivered (tests wait on it)
        self._clock_cache: dict[str, tuple[int, tuple[ResponseClock, ...]]] = {}
        self._metrics_jobs = BackgroundJobs(self)
        self._channel_names: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._engine_inputs: tuple[object, ...] = ()
        self._views = saved_views(self.now, self._due_at)
        self._fetching: set[str] = set()

        window.detail.set_privacy(privacy)
        model.set_privacy(privacy)
        window.navigator.viewSelected.connect(self._on_view)
        window.queue_view.currentEnquiryChanged.connect(self.show_detail)
        window.queue_view.enquiryActivated.connect(self.show_detail)
        window.breach_strip.enquiryClicked.connect(self.select)
        window.detail.messagesWanted.connect(self._fetch)
        window.detail.enquiryPicked.connect(self.show_detail)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.board: Any = None  # the team board (widgets.board.view.install sets it)
        self.moves = install_moves(self)  # drag-to-reassign, "Reassign to...", undo

    # --- time -------------------------------------------------------------------------------------

    def now(self) -> float:
        """The server's clock as last measured by sync: countdowns never follow a wrong PC clock."""
        return time.time() + self.offset

    def _due_at(self, e: Enquiry) -> float | None:
        clock = self.engine.current(e)
        return None if clock is None else clock.due_at

    def _read_offset(self) -> None:
        raw = self.reader.get_meta("clock_offset")
        try:
            self.offset = float(raw) if raw else 0.0
        except ValueError:
            self.offset = 0.0

    # --- start-up from the cache --------------------------------------------------------------------

    def load_from_cache(self) -> None:
        """Everything the window shows, from the local cache only: no network. Reference data at
        once; the open enquiries are read (and their SLA clocks warmed) on a worker thread with its
        own read-only connection when a reader_factory is given: 100k rows take seconds of Python."""
        self._read_offset()
        self._load_reference()
        if self.reader_factory is None:
            self._rows_loaded(self.reader.load_open())
            return
        self.window.statusBar().showMessage("Opening the local cache…")
        factory, engine, now, model = self.reader_factory, self.engine, self.now(), self.model

        def first() -> list[Enquiry]:
            # The first screenful, before every row is read: the rows whose clocks started first.
            reader = factory()
            try:
                rows = reader.load_open_first(FIRST_PAGE)
            finally:
                reader.close()
            engine.statuses(rows, now)
            return rows

        def work() -> tuple[list[Enquiry], Prepared]:
            reader = factory()
            try:
                rows = reader.load_open()
            finally:
                reader.close()
            return rows, model.prepare(rows)  # rows, clocks and sort built here, not on the UI thread

        def failed(error: BaseException) -> None:
            log.error("the cache could not be read: %s", error)
            self.window.statusBar().showMessage(f"The local cache could not be read: {error}")
            self._rows_loaded([])

        self._metrics_jobs.submit(first, self._first_rows, lambda e: log.warning("first page: %s", e))
        self._metrics_jobs.submit(work, lambda done: self._rows_loaded(*done), failed)

    def _first_rows(self, rows: list[Enquiry]) -> None:
        if not self.loaded:  # shown until every row is read (a second or two at 100k), then replaced
            self.model.set_rows(rows)
            self.window.statusBar().showMessage(
                "Opening the local cache… the longest-waiting enquiries first"
            )

    def _rows_loaded(self, rows: list[Enquiry], prepared: Prepared | None = None) -> None:
        self.rows = {e.id: e for e in rows}
        if prepared is None:
            self.model.set_rows(rows)
        else:
            self.model.set_prepared(prepared)
        if self.window.navigator.current_key() != ALL_KEY or self.window.filter_edit.text():
            self._apply_filter()  # a second reset only when something filters
        self.loaded = True
        self.window.statusBar().clearMessage()
        pending, self._pending = self._pending, ChangeSet()
        if pending:  # changes that arrived while the cache was read: re-read those rows now
            self.on_changes(pending)
        self.refresh(force=True)
        # The rows live for the session: once painted, keep them out of every later full collection.
        QTimer.singleShot(0, GarbageCollector.freeze_long_lived)
        self.timer.start()

    def _load_reference(self) -> None:
        teams = self.reader.teams()
        agents = self.reader.agents()
        calendars = {c.id: c for c in self.reader.calendars()}
        policies = self.reader.policies()
        inputs = (policies, calendars, teams)
        # Agents change often (load, status); rebuilding the engine re-times every row, so only
        # when policies, calendars or teams really changed.
        zone = site_time_zone(teams, calendars) if self.auto_tz else self.tz
        if inputs != self._engine_inputs or zone != self.tz:
            self._engine_inputs = inputs
            self.tz = zone
            self.window.detail.set_time_zone(zone)
            self.window.connection.set_time_zone(zone)
            self.engine = SlaEngine(policies, calendars, {t.id: t for t in teams}, self.thresholds)
            self._clock_cache = {}
            self.model.set_clock(self.engine, self.now, self.tz)
        names = {t.id: t.name for t in teams} | {a.id: a.name for a in agents}
        channel_names = {c.id: c.name for c in self.reader.channels()}
        if names != self._names or channel_names != self._channel_names:
            self._names, self._channel_names = names, channel_names
            self.window.detail.set_names(names, channel_names)
            self.model.set_names({t.id: t.name for t in teams}, {a.id: a.name for a in agents})
        self.agents = agents
        self._dirty = True
        self._teams = [(t.id, t.name) for t in sorted(teams, key=lambda t: (t.kind != "social", t.name))]
        self.moves.set_reference(teams, agents)
        self._update_structure()

    def _update_structure(self) -> None:
        known = dict(self._channel_names)
        for e in self.rows.values():  # unknown channels from the API are shown, never dropped
            known.setdefault(e.channel, e.channel)
        channels = sorted(known.items(), key=lambda kv: kv[1].lower())
        self.window.nav_model.set_structure(self._views, channels, self._teams)

    def set_privacy(self, mode: str) -> None:
        self.window.detail.set_privacy(mode)
        self.model.set_privacy(mode)
        current = self.window.detail.current_id()
        if current:
            self.show_detail(current)

    def set_thresholds(self, thresholds: Thresholds) -> None:
        """New at-risk/urgent limits: a new engine, every countdown re-coloured."""
        self.thresholds = thresholds
        self._engine_inputs = ()  # force the rebuild
        self._load_reference()

    # --- live updates from the sync worker (queued signals) ------------------------------------------

    @Slot(object)
    def on_changes(self, changes: ChangeSet) -> None:
        if self.stopped:
            return
        if not self.loaded:
            self._pending.merge(changes)
            return
        if changes.reference_changed:
            self._read_offset()
            self._load_reference()
        ids = changes.added | changes.changed
        rows = self.reader.by_ids(ids) if ids else {}
        for ident in changes.removed:
            self.rows.pop(ident, None)
        for ident, e in rows.items():
            if e.is_open:
                self.rows[ident] = e
            else:
                self.rows.pop(ident, None)
        self.engine.forget(changes.removed | ids)
        for ident in changes.removed:
            self._clock_cache.pop(ident, None)
        self.model.apply(changes, rows)
        self._show_pending()  # a local move shows up here first, with its outbox row
        if changes.quarantined:
            n = changes.quarantined
            self.window.statusBar().showMessage(
                f"{n} record{'s' if n != 1 else ''} from the service could not be read and were set aside "
                "(kept for inspection; they are fetched again)",
                30_000,
            )
        self.changes_seen += 1
        self._dirty = True
        current = self.window.detail.current_id()
        if current is not None and (current in ids or current in changes.removed):
            self.show_detail(current)

    @Slot(object)
    def on_state(self, state: Any) -> None:
        if self.stopped:  # a queued report from the sync thread, arriving after the window closed
            return
        self.sync_state = state
        self._read_offset()
        self.window.connection.set_state(
            state.state, state.since, state.last_sync_at, getattr(state, "detail", "") or ""
        )
        self._show_pending()
        self.moves.flush()  # moves made before the sync thread was up are written now

    @Slot(object)
    def on_outbox(self, result: Any) -> None:
        """An outbox outcome (console.store.cache.OutboxResult): say what happened, in words."""
        if self.stopped:
            return
        self._show_pending()
        if self.moves.on_outbox(result):  # a reassignment: the move controller confirms or reverts it
            return
        subject = getattr(result, "enquiry_id", None) or "an action"
        state = getattr(result, "state", "")
        message = getattr(result, "message", "") or ""
        if state == "done":
            text = f"{subject}: confirmed by the service"
        elif state == "conflict":
            winner = getattr(result, "winner", None) or "someone else"
            text = f"{subject}: {winner} moved it first; your move was undone. {message}".strip()
        else:
            text = f"{subject}: {message or state}"
        self.window.statusBar().showMessage(text, 20_000)

    @Slot(str)
    def on_failed(self, reason: str) -> None:
        self.window.connection.set_state("offline", self.now(), self._last_sync(), reason)
        self.window.statusBar().showMessage(f"Sync stopped: {reason}", 0)

    def _last_sync(self) -> float | None:
        return getattr(self.sync_state, "last_sync_at", None)

    def _show_pending(self) -> None:
        self.window.connection.set_pending(len(self.reader.outbox_pending()))
        self.window.connection.set_quarantined(self.reader.quarantine_count())

    @Slot()
    def show_quarantine(self) -> None:
        from widgets.main_window.quarantine import QuarantineDialog

        QuarantineDialog(self.reader.quarantine(), self.tz, self.window).exec()

    # --- periodic refresh -------------------------------------------------------------------------

    @Slot()
    def refresh(self, force: bool = False) -> None:
        """Counts and header figures, computed off the UI thread (at 100k rows they take ~1 s of
        Python); one computation at a time, and never more than a fifth of the time in it."""
        now = self.now()
        due = force or self._dirty or now - self._last_full >= FULL_REFRESH_S
        # Not before every row is read: figures over no rows would say "nobody waiting" for a moment.
        if due and self.loaded and not self._computing and time.monotonic() >= self._next_compute:
            self._dirty = False
            self._last_full = now
            self._compute(now)
        # Views defined by time ("over 1 h", "within 30 min") gain and lose rows as time passes.
        key = self.window.navigator.current_key()
        if key in TIME_VIEWS and time.monotonic() - self._filtered_at >= REFILTER_S:
            self._apply_filter()
        current = self.window.detail.current_id()
        if current is not None and current in self.rows:
            self.window.detail.set_clocks(self.clock_rows(self.rows[current], now))

    def _compute(self, now: float) -> None:
        self._update_structure()
        rows = list(self.rows.values())  # a snapshot: rows are replaced on change, never mutated
        agents, views, clocks, tz = list(self.agents), self._views, self._clocks_of, self.tz
        self._computing = True
        started = time.monotonic()

        def work() -> tuple[NavigatorCounts, HeaderMetrics]:
            return navigator_counts(rows, views), header_metrics(rows, agents, clocks, now, tz)

        def done(result: tuple[NavigatorCounts, HeaderMetrics]) -> None:
            self._computing = False
            self._next_compute = time.monotonic() + 4 * (time.monotonic() - started)
            counts, self.metrics = result
            self.window.nav_model.set_counts(counts)
            self.window.header.set_metrics(self.metrics, self._channel_names)
            self.computed += 1

        def failed(error: BaseException) -> None:
            self._computing = False
            log.error("the live figures could not be computed: %s", error)

        self._metrics_jobs.submit(work, done, failed)

    def _clocks_of(self, e: Enquiry) -> tuple[ResponseClock, ...]:
        """The response clocks of an enquiry (all the header's attainment needs), kept per version in a
        compact form: the metrics thread asks for every row's on each refresh."""
        hit = self._clock_cache.get(e.id)
        if hit is not None and hit[0] == e.version:
            return hit[1]
        brief = tuple(
            ResponseClock(c.kind, c.stopped_at, c.due_at)
            for c in self.engine.clocks(e)
            if c.kind in RESPONSE_CLOCKS
        )
        self._clock_cache[e.id] = (e.version, brief)
        return brief

    # --- navigator and filter -----------------------------------------------------------------------

    @Slot(str)
    def _on_view(self, key: str) -> None:
        label = self.window.nav_model.label(key) or "All open"
        self.window.set_queue_title("All open" if key == ALL_KEY else label)
        self._apply_filter()

    def _apply_filter(self) -> None:
        """The navigator's pick and the filter box's text (the queue view keeps the text in step)."""
        predicate = self.window.nav_model.predicate(self.window.navigator.current_key())
        self.model.set_filter(self.window.filter_edit.text(), predicate)
        self._filtered_at = time.monotonic()

    # --- detail pane --------------------------------------------------------------------------------

    @Slot(str)
    def select(self, enquiry_id: str) -> None:
        row = self.model.row_of(enquiry_id)
        if row is not None:
            self.window.queue_view.selectRow(row)
        self.show_detail(enquiry_id)

    @Slot(str)
    def show_detail(self, enquiry_id: str) -> None:
        if not enquiry_id:
            self.window.detail.clear()
            return
        e = self.rows.get(enquiry_id) or self.reader.get(enquiry_id)
        if e is None:
            self.window.detail.clear()
            return
        messages: Sequence[Message] | None = self.reader.messages(e.id)
        if not messages and self.fetch_messages is not None:
            messages = None  # not cached yet: the pane asks for them
        self.window.detail.show_enquiry(
            e,
            messages=messages,
            earlier=self.reader.customer_history(e.customer_handle, 20) if e.customer_handle else [],
            assignments=self.reader.assignments(e.id),
            clocks=self.clock_rows(e, self.now()),
        )

    def clock_rows(self, e: Enquiry, now: float) -> list[ClockRow]:
        rows = []
        for c in self.engine.clocks(e):
            name = CLOCK_NAMES.get(c.kind, c.kind)
            if c.stopped_at is not None:
                when = format_countdown_wall(c.stopped_at, self.tz)
                late = c.stopped_at - c.due_at
                state = "Met" if late <= 0 else f"Missed by {_hm(late)}"
                rows.append(ClockRow(name, f"stopped {when}", state))
            elif c.paused:
                rows.append(ClockRow(name, "paused while waiting for the customer", f"{_hm(c.used_s)} used"))
            else:
                status = self.engine.clock_status(c, now)
                if status is None:
                    continue
                rows.append(
                    ClockRow(name, format_countdown(status, self.tz, now), STATE_NAMES.get(status.state, ""))
                )
        return rows

    @Slot(str)
    def _fetch(self, enquiry_id: str) -> None:
        if self.jobs is None or self.fetch_messages is None or enquiry_id in self._fetching:
            return
        self._fetching.add(enquiry_id)
        fetch = self.fetch_messages

        def done(messages: list[Message]) -> None:
            self._fetching.discard(enquiry_id)
            self.window.detail.set_messages(enquiry_id, messages)

        def failed(error: BaseException) -> None:
            self._fetching.discard(enquiry_id)
            self.window.detail.set_messages_failed(enquiry_id, str(error) or type(error).__name__)

        self.jobs.submit(lambda: fetch(enquiry_id), done, failed)

    def stop(self) -> None:
        self.stopped = True
        self.timer.stop()
        self._metrics_jobs.shutdown()


def _hm(seconds: float) -> str:
    minutes = int(max(0.0, seconds) // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def format_countdown_wall(t: float, tz: str) -> str:
    return datetime.fromtimestamp(t, ZoneInfo(tz)).strftime("%a %H:%M")
