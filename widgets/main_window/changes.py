"""The one "what changed" signal of the main window.

ChangeFeed is a QObject living on the UI thread. The sync worker's change-sets are queued to it (so its
slot runs on the UI thread whatever thread emitted them); it reads the changed rows by id through the UI
thread's own read-only connection, re-reads the reference data when that changed, and emits one
LiveChange. Local reassignments (the move controller's optimistic rows, confirmations and reverts), the
end of the start-up read and new reference data go out the same way. Every view of the window listens to
`changed` and picks what concerns it; none is wired to another by hand.

An empty cache's first fill (ChangeSet.bulk pages, then one ChangeSet.filled) is not published page by
page: each page cost the views about as much for 2,000 rows as for 20, pages queued behind each other
froze the window for seconds, and the UI thread's share of the GIL slowed the sync itself (bench_sync).
The pages are counted (`filling`, for the status bar) and, once filled, the cache is read whole again on
a worker (`reload`, the start-up path), then "load" is published as at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from PySide6.QtCore import QObject, Signal, Slot

from console.domain.model import ChangeSet, Enquiry
from console.store.reads import StoreReader
from widgets.main_window.reference import LiveReference

log = logging.getLogger("concierge.ui")

Origin = Literal["load", "sync", "move", "reference"]


@dataclass(frozen=True)
class LiveChange:
    """What changed: the ids (added, changed, removed), the new state of every added or changed row
    that is still known, and whether the reference data (teams, agents, policies, calendars, channels,
    thresholds) changed. origin "sync": a change-set from the service; "move": a local reassignment (the
    queue model holds these rows already: the move controller applied them); "load": every cached row is
    in the queue model; "reference": the reference data alone was read again (start-up, new settings)."""

    origin: Origin
    changes: ChangeSet = field(default_factory=ChangeSet)
    rows: Mapping[str, Enquiry] = field(default_factory=dict)

    @property
    def reference(self) -> bool:
        return self.changes.reference_changed

    @property
    def messages_only(self) -> bool:
        """Only conversations grew (the message feed): no row, count or reference changed."""
        c = self.changes
        return bool(c.messages) and not (
            c.added or c.changed or c.removed or c.quarantined or c.reference_changed
        )

    def touches(self, ident: str) -> bool:
        c = self.changes
        return ident in c.changed or ident in c.added or ident in c.removed or ident in c.messages


class ChangeFeed(QObject):
    changed = Signal(object)  # LiveChange
    filling = Signal(int)  # rows an empty cache's first fill has written so far
    reload = Signal()  # the first fill has ended: read the cache whole (then call loaded())
    wordsDue = Signal()  # the message feed has read its backlog: what is read from the words, read now
    backlogChanged = Signal(bool)  # set_backlog, when it changes

    def __init__(self, reader: StoreReader, reference: LiveReference, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reader, self.reference = reader, reference
        self.ready = False  # the cached rows are loaded: sync change-sets are held until then
        self.stopped = False  # after stop(), late queued change-sets from the worker are dropped
        self._published = 0  # sync change-sets published
        self._held = ChangeSet()
        self._filled = 0  # rows of the first fill, published by the reload at its end
        self._reload_due = False  # the fill ended during a read of the cache: read it again after
        self.backlog = False  # set_backlog
        self._figures_first = False  # hold_words_for_figures
        self.figures_due = False  # after a load, until figures_in()

    @Slot(object)
    def on_changes(self, changes: ChangeSet) -> None:
        """A change-set from the sync worker (queued: this runs on the UI thread)."""
        if self.stopped:
            return
        if changes.bulk:  # a page of the first fill: the reload at its end shows it, and what else it says
            self._filled += len(changes.added) + len(changes.changed)
            self._held.merge(
                ChangeSet(quarantined=changes.quarantined, reference_changed=changes.reference_changed)
            )
            self.filling.emit(self._filled)
            return
        if changes.filled:
            changes.filled = False
            self._held.merge(changes)  # what else it says, published after the reload
            if self.ready:
                self.ready = False  # change-sets are held while the cache is read again
                self.reload.emit()
            else:  # the start-up read may have begun before the fill ended
                self._reload_due = True
            return
        if not self.ready:
            self._held.merge(changes)
            return
        if changes.reference_changed:
            self.reference.read_offset()
            self.reference.reload()
        ids = changes.added | changes.changed
        # Read here rather than sent by the sync thread: apsw lets go of the GIL while SQLite steps, so
        # this read overlaps the sync thread's parsing. Read there instead, it lengthened the sync itself
        # (100k rows in the window at 30.4 and 32.2 s instead of 26.6 and 20.2 s: bench_sync, two runs).
        rows = self.reader.by_ids(ids) if ids else {}
        self.reference.engine.forget(changes.removed | ids)
        self._published += 1
        self.changed.emit(LiveChange("sync", changes, rows))

    @property
    def synced(self) -> int:
        """Sync change-sets published (tests and --screenshot wait on it); 0 while the cached rows are read
        (at start-up, and after an empty cache's first fill): their rows are not all in the window yet."""
        return self._published if self.ready else 0

    def set_backlog(self, backlog: bool) -> None:
        """Whether the message feed is still reading its backlog (SyncStatus.backlog; False whenever the
        sync is not running: the cache's words are then all there are). Its end emits wordsDue."""
        if backlog == self.backlog:
            return
        self.backlog = backlog
        self.backlogChanged.emit(backlog)
        if not self.words_wait:
            self.wordsDue.emit()

    @property
    def words_wait(self) -> bool:
        """What is read from the customers' words (the risk column's scores, the complaint book: seconds
        of the one whole-queue thread at 100k) waits: for the message feed's backlog, and after a load for
        the header's figures (what needs action now, ~1 s), which queued behind them came ~4.7 s after the
        rows at 100k (1.1 s now). wordsDue says when it no longer waits."""
        return self.backlog or self.figures_due

    def hold_words_for_figures(self) -> None:
        """From now on, after each load the words wait for figures_in() (the figures presenter's)."""
        self._figures_first = True

    def figures_in(self) -> None:
        """The header's figures after the load are in (or failed): the words may be read."""
        if self.figures_due:
            self.figures_due = False
            if not self.words_wait:
                self.wordsDue.emit()

    def holding(self) -> bool:
        """Sync change-sets are waiting for the cached rows to be loaded."""
        return bool(self._held)

    def loaded(self) -> None:
        """The cached rows are in the queue model: say so, then publish what sync sent meanwhile."""
        if self._reload_due:  # read before the first fill ended: once more
            self._reload_due = False
            self.reload.emit()
            return
        self.ready = True
        self.figures_due = self._figures_first  # read by the views as they take the load
        self.changed.emit(LiveChange("load"))
        if self._filled:  # the first fill is in the window: it counts as published
            self._filled = 0
            self._published += 1
        held, self._held = self._held, ChangeSet()
        if held:  # changes that arrived while the cache was read: re-read those rows now
            self.on_changes(held)

    def reference_changed(self) -> None:
        """The reference data was read again (start-up, new settings): every view takes it."""
        if not self.stopped:
            self.changed.emit(LiveChange("reference", ChangeSet(reference_changed=True)))

    @Slot(object)
    def on_moved(self, rows: dict[str, Enquiry | None]) -> None:
        """Rows a local reassignment changed (optimistic, confirmed or reverted); None: gone."""
        if self.stopped:
            return
        kept = {i: e for i, e in rows.items() if e is not None}
        gone = {i for i, e in rows.items() if e is None}
        self.changed.emit(LiveChange("move", ChangeSet(changed=set(kept), removed=gone), kept))

    def stop(self) -> None:
        self.stopped = True
