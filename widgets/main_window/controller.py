"""The main window's composition root, on the UI thread.

It makes the shared reference data (LiveReference), the one "what changed" signal (ChangeFeed) and a
presenter per part of the window, each owning its widgets and listening to the feed: the queue
(QueuePresenter), the header and navigator figures (FiguresPresenter), the detail pane
(DetailPresenter), the status bar (StatusPresenter) and the team board with reassignment
(widgets.board.view.BoardPresenter). The sync worker's signals land here, on a QObject of the UI thread,
and go on to the feed or the status bar. Nothing here waits on the network or writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QObject, QTimer, Slot

from console.domain.model import ChangeSet, Enquiry, Message
from console.live.complaints import COMPLAINTS_VIEW, PROPOSED_VIEW, FlagCell
from console.sla.engine import SlaEngine, Thresholds
from console.store.reads import StoreReader
from console.sync.state import SyncState, SyncStatus
from widgets.app.gc_guard import GarbageCollector
from widgets.app.workers import BackgroundJobs
from widgets.board.reassign import MoveController
from widgets.board.view import BoardPresenter, TeamBoard
from widgets.detail.presenter import DetailPresenter
from widgets.main_window.changes import ChangeFeed, LiveChange
from widgets.main_window.complaint_feed import ComplaintFeed
from widgets.main_window.figures import FiguresPresenter
from widgets.main_window.queue_presenter import QueuePresenter
from widgets.main_window.reference import LiveReference
from widgets.main_window.window import MainWindow
from widgets.queue.model import QueueModel
from widgets.status.presenter import StatusPresenter

log = logging.getLogger("concierge.ui")

COMPLAINT_VIEW_KEYS = frozenset({f"view:{COMPLAINTS_VIEW}", f"view:{PROPOSED_VIEW}"})
REFRESH_MS = 1000  # figures, time-based views and the detail pane's clocks at most once a second


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
        self.reader_factory = reader_factory
        self.stopped = False  # after stop(), late queued signals from the workers are ignored
        self.reference = LiveReference(reader, tz=tz, thresholds=thresholds)
        self.feed = ChangeFeed(reader, self.reference, self)
        # The queue's presenter listens first: the model holds a change before other views read it.
        self.status = StatusPresenter(window, self.feed, self.reference, self)
        self.queue = QueuePresenter(window, model, self.feed, self.reference, self.status, self)
        self.figures = FiguresPresenter(window, model, self.feed, self.reference, self)
        self.detail = DetailPresenter(
            window.detail,
            model,
            self.feed,
            self.reference,
            jobs=jobs,
            fetch_messages=fetch_messages,
            parent=self,
        )
        self.boards = BoardPresenter(window, model, self.feed, self.reference, self)
        # The complaint desk's book of conversations (issue 17), read on a worker after the load.
        self.complaints = ComplaintFeed(model, self.feed, self.reference, self._complaints_read, self)
        self.complaints.set_factory(reader_factory)
        self.figures.proposals_known = lambda: self.complaints.settled
        self.detail.complaintsRead.connect(self._complaints_read)
        # Complaint and reply-window clocks in the flags cell (issue 17), from the UI thread's desk.
        model.set_flag_cells(self._flag_cell)
        self.queue.set_privacy(privacy)
        self.detail.set_privacy(privacy)
        window.queue_view.currentEnquiryChanged.connect(self.detail.show)
        window.queue_view.enquiryActivated.connect(self.detail.show)
        window.breach_strip.enquiryClicked.connect(self.select)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.feed.changed.connect(self._on_change)
        self.feed.filling.connect(self._filling)
        self.feed.reload.connect(self._read_filled)  # an empty cache's first fill has ended

    # --- what the session and the tests read --------------------------------------------------------

    @property
    def moves(self) -> MoveController:
        return self.boards.moves

    @property
    def board(self) -> TeamBoard:
        return self.boards.board

    @property
    def rows(self) -> Mapping[str, Enquiry]:
        """The open enquiries by id: a read-only view of the queue model's rows, the one copy."""
        return self.model.enquiries()

    @property
    def loaded(self) -> bool:
        return self.queue.loaded

    @property
    def changes_seen(self) -> int:
        """Sync change-sets applied (tests and --screenshot wait on it)."""
        return self.feed.synced

    @property
    def computed(self) -> int:
        return self.figures.computed

    @property
    def sync_state(self) -> SyncStatus | None:
        return self.status.sync_state

    @property
    def engine(self) -> SlaEngine:
        return self.reference.engine

    @property
    def tz(self) -> str:
        return self.reference.tz

    def now(self) -> float:
        """The server's clock as last measured by sync: countdowns never follow a wrong PC clock."""
        return self.reference.now()

    # --- start-up, settings --------------------------------------------------------------------------

    def load_from_cache(self) -> None:
        """Everything the window shows, from the local cache only: no network. Reference data at once,
        the open enquiries on a worker thread when a reader_factory is given."""
        self.reference.read_offset()
        self.reference.reload()
        self.feed.reference_changed()
        # Until every row is read and grouped, a lane's "0 open" beside the first screenful would be a
        # guess: the board says its load is not known yet (the load's change clears it).
        self.boards.board.set_pending(True)
        self.queue.load(self.reader, self.reader_factory)

    @Slot()
    def _read_filled(self) -> None:
        """The service has filled an empty cache (ChangeFeed.reload): its rows read whole, shown before
        their filter text is made (no earlier start kept their masked previews: ~7 s at 100k)."""
        self.queue.load(self.reader, self.reader_factory, text_first=False)

    @Slot(int)
    def _filling(self, rows: int) -> None:
        self.figures.hold("enquiries still arriving")
        self.status.progress(f"Receiving the service's enquiries… {rows:,} so far")

    def _on_change(self, change: LiveChange) -> None:
        if change.origin == "load":  # every cached row is in
            # The rows live for the session: once painted, keep them out of every later full collection.
            QTimer.singleShot(0, GarbageCollector.freeze_long_lived)
            self.timer.start()

    def set_privacy(self, mode: str) -> None:
        self.detail.set_privacy(mode)
        self.queue.set_privacy(mode)

    def set_thresholds(self, thresholds: Thresholds) -> None:
        """New at-risk/urgent limits: a new engine, every countdown re-coloured."""
        self.reference.set_thresholds(thresholds)
        self.feed.reference_changed()

    # --- the sync worker's signals (queued to this UI-thread object) -----------------------------------

    @Slot(object)
    def on_changes(self, changes: ChangeSet) -> None:
        self.feed.on_changes(changes)

    @Slot(object)
    def on_state(self, state: SyncStatus) -> None:
        if self.stopped:  # a queued report from the sync thread, arriving after the window closed
            return
        self.reference.read_offset()
        self.status.on_state(state)
        self.feed.set_backlog(state.backlog and state.state in (SyncState.SYNCING, SyncState.LIVE))
        self.moves.flush()  # moves made before the sync thread was up are written now

    @Slot(object)
    def on_outbox(self, result: Any) -> None:
        if self.stopped:
            return
        self.status.show_pending()
        if getattr(result, "kind", "") == "complaint" and result.enquiry_id:
            self.complaint_decided(result.enquiry_id)  # no longer pending: the service's copy counts
        if not self.moves.on_outbox(result):  # a reassignment: the move controller confirms or reverts it
            self.status.on_outbox(result)

    @Slot(str)
    def on_failed(self, reason: str) -> None:
        if not self.stopped:
            self.status.on_failed(reason)
            self.feed.set_backlog(False)  # the sync died: the cache's words are all there are

    @Slot()
    def show_quarantine(self) -> None:
        from widgets.status.quarantine import QuarantineDialog

        QuarantineDialog(self.reader.quarantine(), self.tz, self.window).exec()

    # --- once a second ---------------------------------------------------------------------------------

    @Slot()
    def refresh(self, force: bool = False) -> None:
        self.figures.refresh(force)
        self.status.tick()
        self.queue.tick()
        self.detail.tick(self.now())

    # --- picking an enquiry -----------------------------------------------------------------------------

    @Slot(str)
    def select(self, enquiry_id: str) -> None:
        self.queue.select(enquiry_id)
        self.detail.show(enquiry_id)

    @Slot(str)
    def show_detail(self, enquiry_id: str) -> None:
        self.detail.show(enquiry_id)

    def complaint_decided(self, enquiry_id: str) -> None:
        """A confirm/dismiss is in the audit trail (or the service took it): every view shows the
        enquiry's new standing."""
        self.reference.reload_decisions()
        self._complaints_read()
        if self.detail.pane.current_id() == enquiry_id:
            self.detail.show(enquiry_id)  # reads its conversation: a confirmed complaint's letters count

    @Slot()
    def _complaints_read(self) -> None:
        """The desk's decisions or book changed: flags cells, complaint views and counts look again."""
        self.model.set_flag_cells(
            lambda e, base, now, tz: self.reference.complaints.flag_cell(e, base, now, tz)
        )
        self.figures.mark_dirty()  # the navigator's complaint views count again at the next refresh
        if self.window.navigator.current_key() in COMPLAINT_VIEW_KEYS:
            self.queue.apply_filter()

    def _flag_cell(self, e: Enquiry, base: str, now: float, tz: str) -> FlagCell:
        return self.reference.complaints.flag_cell(e, base, now, tz)

    def stop(self) -> None:
        self.stopped = True
        self.feed.stop()
        self.timer.stop()
        self.queue.stop()
        self.figures.stop()
        self.complaints.stop()
