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
        feed.changed.connect(self.on_change)

    def say(self, text: str, ms: int = 0) -> None:
        """A line on the status bar for ms milliseconds (0: until replaced)."""
        self.window.statusBar().showMessage(text, ms)

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
        self.say(f"Sync stopped: {reason}", 0)

    def show_pending(self) -> None:
        self.connection.set_pending(len(self.reference.reader.outbox_pending()))
        self.connection.set_quarantined(self.reference.reader.quarantine_count())
