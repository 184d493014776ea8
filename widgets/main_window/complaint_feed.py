"""Keeps the complaint desk's book of conversations current (console.live.complaint_book), off the UI
thread: once every cached row is in, a worker reads every open enquiry's customer messages (one query)
and the agents' messages of the confirmed complaints, judges each message once and builds the book; after
that, the conversations a sync change-set touched (a changed row, or a conversation the message feed
added to) are read again, one job at a time. The UI thread only
swaps the finished book in (set_book: a reference) and asks the views and counts to look again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from PySide6.QtCore import QObject, QTimer, Slot

from console.domain.model import Enquiry
from console.live.complaint_book import (
    ComplaintBook,
    Conversation,
    Memo,
    confirmed_ids,
    read_book,
    read_conversations,
)
from console.store.reads import StoreReader
from widgets.app.workers import BackgroundJobs
from widgets.main_window.changes import ChangeFeed, LiveChange
from widgets.main_window.reference import LiveReference
from widgets.queue.model import QueueModel

log = logging.getLogger("concierge.ui")
T = TypeVar("T")
REBUILD_AT = 2000  # conversations waiting to be read again: above this, the whole book is built again
# A whole book waits this many times its last build's duration after that build: while the message feed
# brings its backlog (350k messages at 100k open), books were built back to back, each soon stale, and
# took the sync threads' interpreter time (the first sync inside the console: bench_sync.py).
REBUILD_WAIT = 4


class ComplaintFeed(QObject):
    def __init__(
        self,
        model: QueueModel,
        feed: ChangeFeed,
        reference: LiveReference,
        on_book: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model, self.reference, self.on_book = model, reference, on_book
        self.factory: Callable[[], StoreReader] | None = None
        self.built = 0  # books adopted (the tests wait on it)
        self.settled = False  # the first whole book was adopted, or its read failed: proposals are known
        self._memo = Memo()  # used only by this feed's jobs, which run one at a time on one thread
        self._jobs = BackgroundJobs(self, whole_queue=True)
        self._loaded = False
        self._book_later = False  # the first book waits for the words (ChangeFeed.words_wait, wordsDue)
        self._build_due = False  # then a whole book is built as soon as no job runs
        self._busy = False
        self._waiting: dict[str, Enquiry] = {}  # enquiries touched while a job ran: read by the next one
        self._rebuild_after = 0.0  # time.monotonic() before which no whole book is built again
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._refresh)
        self.feed = feed
        feed.changed.connect(self.on_change)
        feed.wordsDue.connect(self._words_due)

    @property
    def reading(self) -> bool:
        """A book or conversations are being read on the worker now."""
        return self._busy

    def set_factory(self, factory: Callable[[], StoreReader] | None) -> None:
        """Readers for the worker (their own read-only connection); None reads on the UI thread (tests)."""
        self.factory = factory

    @Slot(object)
    def on_change(self, change: LiveChange) -> None:
        if change.origin == "load":
            self._loaded = True
            # Built once the words may be read: the message feed's backlog read (not also over what has
            # come so far), and the header's figures in.
            self._book_later = self.feed.words_wait
            if not self._book_later:
                self._build()
        elif change.origin == "sync" and self._loaded and not self._book_later:
            for i in change.changes.added | change.changes.changed | change.changes.messages:
                e = change.rows.get(i) or self.model.enquiry(i)  # a conversation that grew: its row
                if e is not None and e.is_open:
                    self._waiting[i] = e
            self._refresh()

    @Slot()
    def _words_due(self) -> None:
        if self._book_later:
            self._book_later, self._build_due = False, True
            self._refresh()

    def _reader(self) -> tuple[StoreReader, bool]:
        return (self.factory(), True) if self.factory is not None else (self.reference.reader, False)

    def _build(self) -> None:
        rows, decisions, memo = (
            self.model.all_enquiries(),
            dict(self.reference.complaints.decisions),
            self._memo,
        )

        def work() -> ComplaintBook:
            # Agents' messages are read for the confirmed complaints: their clocks follow the
            # communications. Picked here, not on the UI thread: a pass over every row (~0.3 s at 100k).
            confirmed = confirmed_ids(rows, decisions)
            r, own = self._reader()
            try:
                return read_book(r, rows, confirmed, memo)
            finally:
                if own:
                    r.close()

        started = time.monotonic()

        def adopt(book: ComplaintBook) -> tuple[ComplaintBook, None]:
            self._rebuild_after = time.monotonic() + REBUILD_WAIT * (time.monotonic() - started)
            return book, None

        self._run(work, adopt)

    def _refresh(self) -> None:
        if self._busy:
            return
        if self._build_due:  # the whole book, after the backlog: it reads every conversation waiting
            self._build_due, self._waiting = False, {}
            self._build()
            return
        if not self._waiting:
            return
        if len(self._waiting) > REBUILD_AT:  # the message feed's first read: one query beats thousands
            wait = self._rebuild_after - time.monotonic()
            if wait > 0:  # touched conversations gather meanwhile: one book for all of them
                if not self._later.isActive():
                    self._later.start(int(wait * 1000) + 1)
                return
            self._waiting = {}
            self._build()
            return
        touched, self._waiting, memo = list(self._waiting.values()), {}, self._memo

        def work() -> dict[str, Conversation]:
            r, own = self._reader()
            try:
                return read_conversations(r, touched, memo)
            finally:
                if own:
                    r.close()

        # Merged into the book current when it lands (the detail pane may have added one meanwhile).
        self._run(
            work, lambda convs: (self.reference.complaints.book.with_conversations(convs), convs.keys())
        )

    def _run(
        self, work: Callable[[], T], adopt: Callable[[T], tuple[ComplaintBook, Iterable[str] | None]]
    ) -> None:
        self._busy = True

        def done(result: T) -> None:
            self._busy = False
            self.reference.complaints.set_book(*adopt(result))
            self.built += 1
            self.settled = True
            self.on_book()
            self._refresh()

        def failed(error: BaseException) -> None:
            self._busy = False
            log.warning("the complaint proposals could not be read: %s", error)
            if not self.settled:  # each view then reads the words for itself, as before a book
                self.settled = True
                self.on_book()

        if self.factory is None:  # no worker reader: read here (small caches, tests)
            try:
                result = work()
            except Exception as e:
                failed(e)
            else:
                done(result)
            return
        self._jobs.submit(work, done, failed)

    def stop(self) -> None:
        self._later.stop()
        self._jobs.shutdown()
