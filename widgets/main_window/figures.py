"""The live figures' presenter: it owns the header and the navigator's model (its structure and counts).

The figures are computed off the UI thread, the header's first (about a second at 100k rows), then the
navigator's counts (its complaint views read every row's words: seconds more at start-up), one computation
at a time, never more than a fifth of the time, at most once a second after something changed and every 15 s
regardless (time-based views such as "over 1 h" move with no change). The worker reads the UI engine's
clocks through a ClockSnapshot made on the UI thread (copies of its caches: the worker does not time
every row again, as a second engine did: ~40 MB and ~1 s at load at 100k), and keeps a snapshot engine
and a cache of response clocks of its own: nothing it writes is touched by the UI thread. It reads a
snapshot of the rows (a list of immutable enquiries).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QTimer, Slot

from console.domain.labels import channel_name
from console.domain.model import Enquiry
from console.live.complaint_book import Memo
from console.live.complaints import PROPOSED_VIEW, ComplaintDesk, complaint_views
from console.live.metrics import (
    ClockLike,
    HeaderMetrics,
    NavigatorCounts,
    ResponseClocks,
    agent_summary,
    header_metrics,
    navigator_counts,
    saved_views,
)
from console.live.order import DeadlineCounts, deadline_counts
from console.live.risk import RiskCache
from console.sla.engine import SlaEngine
from console.sla.snapshot import ClockSnapshot
from widgets.app.workers import BackgroundJobs
from widgets.main_window.changes import ChangeFeed, LiveChange
from widgets.main_window.navigator import ALL_KEY
from widgets.main_window.reference import LiveReference
from widgets.main_window.window import MainWindow
from widgets.queue.model import QueueModel

log = logging.getLogger("concierge.ui")

FULL_REFRESH_S = 15.0


class FiguresPresenter(QObject):
    def __init__(
        self,
        window: MainWindow,
        model: QueueModel,
        feed: ChangeFeed,
        reference: LiveReference,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window, self.model, self.feed, self.reference = window, model, feed, reference
        self.loaded = False
        self._holding = False  # hold() has blanked the figures for a fill under way
        self.metrics: HeaderMetrics | None = None
        self.computed = 0  # computations delivered (tests wait on it)
        self._dirty = True
        self._last_full = 0.0
        self._computing = False
        self._next_compute = 0.0
        # Whether every row's complaint proposal is known (the complaint feed has read its first book):
        # until then "Possible complaints" is left uncounted rather than every row's words read twice, here
        # and by the feed (seconds at 100k, in the same seconds).
        self.proposals_known: Callable[[], bool] = lambda: True
        self._proposals_counted = True
        # The navigator's views filter the queue on the UI thread with the UI's engine.
        self._views = saved_views(reference.now, reference.due_at, self._risk_score) + complaint_views(
            lambda: reference.complaints, reference.now
        )
        self._channels: list[tuple[str, str]] | None = None
        self._teams: list[tuple[str, str]] | None = None
        # A snapshot of the UI engine, made on the UI thread, then used only by the worker's jobs: it
        # times what the UI engine has not (response clocks, rows changed since the ClockSnapshot).
        self._worker_engine: SlaEngine | None = None
        self._worker_cache = ResponseClocks()
        self._worker_risks = RiskCache()  # used only by the worker's jobs, one at a time, like the above
        self._worker_memo = Memo()  # complaint proposals of texts the book has not read yet: likewise
        self._worker_desk: ComplaintDesk | None = None  # likewise (made on the worker)
        self._worker_desk_of: ComplaintDesk | None = None  # the UI desk it is a twin of
        self._jobs = BackgroundJobs(self, whole_queue=True)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(lambda: self.refresh(force=True))
        feed.changed.connect(self.on_change)
        feed.hold_words_for_figures()  # after a load, the header's figures go first on the shared thread
        window.navigator.viewSelected.connect(self._view_changed)
        # The messages' scores come after the rows: "At risk of escalation" counts them at the next
        # refresh, as the queue's risk column shows them (not at the full refresh, seconds later).
        model.riskBookChanged.connect(self.mark_dirty)

    @property
    def computing(self) -> bool:
        """A computation (the header's figures, then the navigator's counts) is under way."""
        return self._computing

    @Slot(str)
    def _view_changed(self, _key: str) -> None:
        self._dirty = True  # the group tabs count within the navigator's pick

    def _risk_score(self, e: Enquiry) -> int:
        """The escalation risk the queue's column shows (UI thread: the model's cached rows)."""
        risk = self.model.risk_of(e.id)
        return (risk or self.model.risk_book().assess(e, None)).score

    @Slot(object)
    def on_change(self, change: LiveChange) -> None:
        if change.reference and self.reference.engine_changed:
            self._worker_engine = None  # a snapshot of the new engine at the next computation
            self._worker_cache = ResponseClocks()
        if change.reference:
            self.update_structure({e.channel for e in self.model.all_enquiries()})
        if change.origin == "load":
            self.loaded, self._holding = True, False
            self.window.breach_strip.set_pending(False)
            self._soon.start()  # refresh(force=True) in an event of its own: the load's is long enough
        if not change.messages_only:  # the complaint counts that read the words follow the book (on_book)
            self._dirty = True

    def mark_dirty(self) -> None:
        """Something the counts depend on changed outside the feed (a complaint decision, the complaint
        book, the messages' escalation scores): recompute at the next refresh, at once when "Possible
        complaints" is still uncounted."""
        self._dirty = True
        if not self._proposals_counted and self.proposals_known():
            self._next_compute = 0.0

    def update_structure(self, codes: set[str]) -> None:
        """The navigator's channels (the rows' channel codes: unknown ones from the API are shown, never
        dropped) and teams."""
        names = self.reference.channel_names
        known = {c: channel_name(c, names) for c in names}
        for channel in codes:  # a few distinct codes: named once, not per row
            known.setdefault(channel, channel_name(channel))
        channels = sorted(known.items(), key=lambda kv: kv[1].lower())
        teams = [(t.id, t.name) for t in self.reference.teams]
        if channels != self._channels or teams != self._teams:
            self._channels, self._teams = channels, teams
            self.window.nav_model.set_structure(self._views, channels, teams)

    def hold(self, why: str) -> None:
        """The rows are arriving in bulk (an empty cache's first fill): no figure until they are in, rather
        than "nobody waiting" over an empty queue. Once per fill: its pages call this one after another
        (the agents do not change meanwhile: the feed holds reference changes until the fill's end)."""
        if self._holding:
            return
        self._holding, self.loaded = True, False
        self.window.header.set_pending(why, agent_summary(self.reference.agents))
        self.window.breach_strip.set_pending(True)
        self.window.nav_model.clear_counts()
        self.window.queue_groups.set_counts(None)
        self.window.counts_pending()

    @Slot()
    def refresh(self, force: bool = False) -> None:
        """Compute the counts and header figures when due (the controller's timer calls this)."""
        now = self.reference.now()
        due = force or self._dirty or now - self._last_full >= FULL_REFRESH_S
        # Not before every row is read: figures over no rows would say "nobody waiting" for a moment.
        if due and self.loaded and not self._computing and time.monotonic() >= self._next_compute:
            self._dirty = False
            self._last_full = now
            self._compute(now)

    def _compute(self, now: float) -> None:
        rows = self.model.all_enquiries()  # a snapshot: enquiries are replaced on change, never mutated
        agents, tz, ref = list(self.reference.agents), self.reference.tz, self.reference
        if self._worker_engine is None or self._worker_engine.source is not ref.engine:
            self._worker_engine, self._worker_cache = ref.engine.snapshot(), ResponseClocks()
        engine, cache = self._worker_engine, self._worker_cache
        clocks = ClockSnapshot(ref.engine, engine, now)  # the queue's clocks, copied on the UI thread
        # The group tabs count within the navigator's pick: channels and teams are plain tests of an
        # enquiry (safe on the worker); saved views are rebuilt there with the worker's clocks.
        scope = self.window.navigator.current_key()
        scope_test = (
            None if scope == ALL_KEY or scope.startswith("view:") else self.window.nav_model.predicate(scope)
        )
        # The worker's own complaint desk (its clocks and caches are not the UI's), kept between
        # computations: making one builds a business calendar (~0.1 s). Made on the worker from the UI
        # desk's inputs, which are replaced whole, never changed; given the decisions when they change.
        source = ref.complaints
        desk = self._worker_desk if self._worker_desk_of is source else None
        decisions, conversations = source.decisions, source.book  # read here, on the UI thread
        book, risks = self.model.risk_book(), self._worker_risks  # an immutable snapshot; the worker's cache
        proposals = self._proposals_counted = self.proposals_known()
        self._computing = True
        started = time.monotonic()
        names = self.reference.channel_names
        deadlines: list[DeadlineCounts] = []  # the header job's, for the counts job (one thread, in turn)

        # Two jobs in turn on the one worker: the header's figures first (what needs action now, about a
        # second at 100k), then, asked for once those are in, the navigator's counts, whose complaint
        # views read every row's words (at start-up the complaint book is still being read: seconds
        # more). Neither waits for the other's result on screen, and a failure of one leaves the other's
        # figures showing.
        def header_work() -> tuple[HeaderMetrics, set[str]]:
            due_at = clocks.due_at

            def clocks_of(e: Enquiry) -> Sequence[ClockLike]:
                return cache.of(e, clocks.clocks)  # kept per version: every row's, on each refresh

            # Breached now and breaching within 30 min: the same deadlines the navigator's views read.
            deadlines.append(deadline_counts((due_at(e) for e in rows if e.is_open), now))
            header = header_metrics(rows, agents, clocks_of, now, tz, deadlines[0])
            codes = {e.channel for e in rows}  # for the navigator's structure (not on the UI thread)
            return header, codes

        def header_done(result: tuple[HeaderMetrics, set[str]]) -> None:
            counts_next()
            if not self.loaded:  # the rows began arriving in bulk meanwhile (hold)
                return
            self.metrics, codes = result
            self.update_structure(codes)
            self.window.header.set_metrics(self.metrics, names)
            self.window.breach_strip.set_total(self.metrics.deadlines.soon)

        def header_failed(error: BaseException) -> None:
            counts_next()
            log.error("the header's figures could not be computed: %s", error)

        def counts_next() -> None:
            # Asked for once the header's are in, so that what queued meanwhile (the board's grouping)
            # goes first; then the words may be read (after a load they waited for the header's figures).
            self._jobs.submit(counts_work, counts_done, counts_failed)
            self.feed.figures_in()

        def counts_work() -> tuple[NavigatorCounts, DeadlineCounts | None, ComplaintDesk]:
            due_at = clocks.due_at

            def risk(e: Enquiry) -> int:
                status = clocks.status(e)
                return risks.risk(book, e, None if status is None else status.state).score

            own = desk or source.twin(self._worker_memo)
            if own.book is not conversations:  # the UI desk has read more conversations since
                own.set_book(conversations)
            if own.decisions is not decisions and own.decisions != decisions:
                own.set_decisions(decisions)
            complaints = complaint_views(lambda: own, lambda: now)
            if not proposals:
                complaints = [v for v in complaints if v.key != PROPOSED_VIEW]
            views = saved_views(lambda: now, due_at, risk) + complaints
            in_scope = scope_test or {f"view:{v.key}": v.predicate for v in views}.get(scope)
            scoped: DeadlineCounts | None
            if scope != ALL_KEY and in_scope is None:
                scoped = None  # a view not counted yet: its tabs keep what they show
            elif scope != ALL_KEY or not deadlines:
                test = in_scope or (lambda _e: True)
                scoped = deadline_counts((due_at(e) for e in rows if e.is_open and test(e)), now)
            else:
                scoped = deadlines[0]
            return navigator_counts(rows, views), scoped, own

        def counts_done(result: tuple[NavigatorCounts, DeadlineCounts | None, ComplaintDesk]) -> None:
            self._computing = False
            self._next_compute = time.monotonic() + 4 * (time.monotonic() - started)
            if not proposals and self.proposals_known():  # the book came meanwhile: count it at once
                self._next_compute = 0.0
            counts, scoped, own = result
            if ref.complaints is source:  # else a new desk (jurisdiction, reference) at the next one
                self._worker_desk, self._worker_desk_of = own, source
            if self._worker_cache is cache and len(cache) > 2 * len(rows) + 1000:
                # Rows long gone: start afresh rather than grow (the engine's own caches too).
                self._worker_engine, self._worker_cache = None, ResponseClocks()
                self._worker_risks, self._worker_desk = RiskCache(), None
            self.window.nav_model.set_counts(counts)
            if scoped is not None and self.window.navigator.current_key() == scope:  # else the next says
                self.window.queue_groups.set_counts(scoped)
            self.computed += 1

        def counts_failed(error: BaseException) -> None:
            self._computing = False
            log.error("the navigator's counts could not be computed: %s", error)

        self._jobs.submit(header_work, header_done, header_failed)

    def stop(self) -> None:
        self._jobs.shutdown()
