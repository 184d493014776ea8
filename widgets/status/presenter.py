"""The status bar's presenter: the connection state (live, reconnecting, offline, with the age of the
data), the number of actions waiting in the outbox, and what the service said about them, in words."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Slot

from console.sync.state import SyncState, SyncStatus
from widgets.main_window.changes import ChangeFeed, LiveChange
from widgets.main_window.reference import LiveReference
from widgets.main_window.window import MainWindow
from widgets.status.connection import stale_text


class StatusPresenter(QObject):
    def __init__(
        self, window: MainWindow, feed: ChangeFeed, reference: LiveReference, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.window, self.reference = window, reference
        self.connection = window.connection
        self.sync_state: SyncStatus | None = None  # the last state the sync worker reported
        self._progress: str | None = None  # the line of the work under way (progress), shown or waiting
        self._failure: str | None = None  # "Sync stopped: ...", until the sync runs again
        feed.changed.connect(self.on_change)
        window.statusBar().messageChanged.connect(self._message_changed)

    def say(self, text: str, ms: int = 0) -> None:
        """A message on the status bar for ms milliseconds (0: until replaced)."""
        self.window.statusBar().showMessage(text, ms)

    def progress(self, text: str) -> None:
        """The line of the work under way ("Receiving the service's enquiries…"), until end_progress().
        It never covers a message someone said meanwhile (records set aside, a move undone): it waits
        until that message has had its time, then shows."""
        bar = self.window.statusBar()
        shown = bar.currentMessage()
        ours = self._progress is not None and shown == self._progress
        self._progress = text
        if not shown or ours:
            bar.showMessage(text)

    def end_progress(self) -> None:
        """The work is done: its line goes, and only its line."""
        mine, self._progress = self._progress, None
        if mine is not None:
            self.clear(mine)

    def clear(self, text: str) -> None:
        """Take this line off the status bar if it is still there (what was said since stays)."""
        bar = self.window.statusBar()
        if bar.currentMessage() == text:
            bar.clearMessage()

    @Slot(str)
    def _message_changed(self, text: str) -> None:
        if not text and self._progress is not None:  # a message's time is up: the waiting line shows
            self.window.statusBar().showMessage(self._progress)

    @Slot(object)
    def on_change(self, change: LiveChange) -> None:
        if change.reference:
            self.connection.set_time_zone(self.reference.tz)
        if change.origin in ("sync", "move"):
            self.show_pending()  # a local move shows up here first, with its outbox row
        n = change.changes.quarantined
        if n:
            self.say(
                f"{n} record{'s' if n != 1 else ''} from the service could not be read and were set aside "
                "(kept for inspection; they are fetched again)",
                30_000,
            )

    def on_state(self, state: SyncStatus) -> None:
        self.sync_state = state
        if self._failure is not None and state.state in (SyncState.SYNCING, SyncState.LIVE):
            self.clear(self._failure)  # running again: "Sync stopped" would now mislead (and hold progress)
            self._failure = None
        self.connection.set_state(state.state, state.since, state.last_sync_at, state.detail)
        self.tick()

    def tick(self) -> None:
        """The stale banner's age moves every second while the figures are not live."""
        s = self.sync_state
        text = (
            None
            if s is None
            else stale_text(s.state, s.since, s.last_sync_at, self.reference.now(), self.tz())
        )
        self.window.show_stale(text)

    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.reference.tz)
        self.show_pending()

    def on_outbox(self, result: Any) -> None:
        """An outbox outcome (console.store.cache.OutboxResult) that is not a reassignment."""
        subject = getattr(result, "enquiry_id", None) or "an action"
        state = getattr(result, "state", "")
        message = getattr(result, "message", "") or ""
        if getattr(result, "kind", "") == "complaint":  # a complaint decision sent through the outbox
            text = (
                f"{subject}: the complaint decision reached the service"
                if state == "done"
                else f"{subject}: the service did not take the complaint decision: {message or state}"
            )
        elif state == "done":
            text = f"{subject}: confirmed by the service"
        elif state == "conflict":
            winner = getattr(result, "winner", None) or "someone else"
            text = f"{subject}: {winner} moved it first; your move was undone. {message}".strip()
        else:
            text = f"{subject}: {message or state}"
        self.say(text, 20_000)

    def on_failed(self, reason: str) -> None:
        last = self.sync_state.last_sync_at if self.sync_state is not None else None
        now = self.reference.now()
        self.connection.set_state(SyncState.OFFLINE, now, last, reason)
        self.window.show_stale(stale_text(SyncState.OFFLINE, now, last, now, self.tz()))
        self._failure = f"Sync stopped: {reason}"
        self.say(self._failure, 0)

    def show_pending(self) -> None:
        self.connection.set_pending(len(self.reference.reader.outbox_pending()))
        self.connection.set_quarantined(self.reference.reader.quarantine_count())
