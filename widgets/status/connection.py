"""The connection state, always visible in the status bar: "Live", "Reconnecting…",
"Offline since 14:02 · data from 14:01", plus the actions waiting in the outbox. Text and a shape say it;
colour only repeats it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from console.sla.words import format_age
from console.sync.state import SyncState

# state -> its shape (the theme's style sheet may colour it by the "connection" property)
_SHAPES = {
    SyncState.LIVE: "●",
    SyncState.SYNCING: "◐",
    SyncState.RECONNECTING: "◌",
    SyncState.OFFLINE: "■",
    SyncState.AUTH_REQUIRED: "▲",
    SyncState.STARTING: "○",
}


def _hhmm(t: float | None, tz: ZoneInfo) -> str:
    return "never" if not t else datetime.fromtimestamp(t, tz).strftime("%H:%M")


DEMO_WORD = "DEMO"
_STALE_WORDS = {
    SyncState.OFFLINE: "Offline",
    SyncState.RECONNECTING: "Reconnecting",
    SyncState.AUTH_REQUIRED: "Signed out",
}


def stale_text(
    state: SyncState, since: float, last_sync_at: float | None, now: float, tz: ZoneInfo
) -> str | None:
    """The full-width warning while the figures are not live: "Offline since Tue 02:14 · data 12 min old";
    None while live (or still starting)."""
    word = _STALE_WORDS.get(state)
    if word is None:
        return None
    when = datetime.fromtimestamp(since, tz).strftime("%a %H:%M") if since else "start-up"
    age = "no data yet" if last_sync_at is None else f"data {format_age(now - last_sync_at)} old"
    return f"{word} since {when} · {age} · the figures on screen are not live"


def describe(
    state: SyncState, since: float, last_sync_at: float | None, tz: ZoneInfo, *, demo: bool = False
) -> str:
    """In words; a demo never says "Live": its data are simulated, not a bank's customers."""
    if demo:
        return f"{DEMO_WORD} · simulated data" + (
            "" if state == SyncState.LIVE else " · " + describe(state, since, last_sync_at, tz)
        )
    if state == SyncState.LIVE:
        return "Live"
    if state == SyncState.SYNCING:
        return "Syncing…"
    if state == SyncState.RECONNECTING:
        return f"Reconnecting… · data from {_hhmm(last_sync_at, tz)}"
    if state == SyncState.OFFLINE:
        return f"Offline since {_hhmm(since, tz)} · data from {_hhmm(last_sync_at, tz)}"
    if state == SyncState.AUTH_REQUIRED:
        return f"Signed out: sign in again · data from {_hhmm(last_sync_at, tz)}"
    return "Starting…"


class ConnectionStatus(QWidget):
    quarantineRequested = Signal()  # the "set aside" entry was clicked: show the quarantined records

    def __init__(self, parent: QWidget | None = None, tz: str = "UTC") -> None:
        super().__init__(parent)
        self._tz = ZoneInfo(tz)
        self.state = SyncState.STARTING
        self.demo = False  # the embedded demo service: never "Live"
        self._last: tuple[SyncState, float, float | None, str] = (SyncState.STARTING, 0.0, None, "")
        self.shape = QLabel()
        self.text = QLabel()
        self.pending = QLabel()
        for label in (self.shape, self.text, self.pending):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setObjectName("connectionText")
        bold = self.text.font()
        bold.setBold(True)
        self.text.setFont(bold)
        self.shape.setFont(bold)
        self.pending.setObjectName("outboxPending")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.shape)
        layout.addWidget(self.text)
        layout.addSpacing(16)
        layout.addWidget(self.pending)
        self.quarantined = QToolButton()  # records set aside (issue 14): opens their list
        self.quarantined.setObjectName("quarantined")
        self.quarantined.setAutoRaise(True)
        self.quarantined.clicked.connect(self.quarantineRequested)
        layout.addSpacing(16)
        layout.addWidget(self.quarantined)
        self.set_state(SyncState.STARTING, 0.0, None)
        self.set_pending(0)
        self.set_quarantined(0)

    def set_demo(self, demo: bool) -> None:
        self.demo = demo
        self.set_state(*self._last)

    def set_time_zone(self, tz: str) -> None:
        self._tz = ZoneInfo(tz)

    def set_state(self, state: SyncState, since: float, last_sync_at: float | None, detail: str = "") -> None:
        self.state = SyncState(state)
        self._last = (state, since, last_sync_at, detail)
        text = describe(state, since, last_sync_at, self._tz, demo=self.demo)
        self.shape.setText(_SHAPES.get(state, "○"))
        self.shape.setProperty("connection", str(state))  # style sheets may colour it
        self.text.setText(text)
        tip = f"{text}\n{detail}" if detail else text
        self.text.setToolTip(tip.replace("&", "&amp;").replace("<", "&lt;"))
        self.setAccessibleName(f"Connection: {text}")

    def set_pending(self, n: int) -> None:
        if n <= 0:
            self.pending.setText("")
            self.pending.hide()
            return
        self.pending.setText(f"{n} action{'s' if n != 1 else ''} waiting to be sent")
        self.pending.show()

    def set_quarantined(self, n: int) -> None:
        self.quarantined.setVisible(n > 0)
        text = f"⚠ {n} record{'s' if n != 1 else ''} set aside"
        self.quarantined.setText(text)
        self.quarantined.setToolTip("Records from the service that could not be trusted: click to see why")
        self.quarantined.setAccessibleName(text)

    def text_shown(self) -> str:
        return self.text.text()
