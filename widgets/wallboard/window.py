"""Wallboard mode: large tiles readable across a room, pages that rotate, dark by default.

Read-only and unattended: it shows what LiveFeed computes (console.live.wallboard builds the tiles, with no
customer data in them), never opens a dialog (problems go to the status line and the log), and keeps
only fixed-size histories (console.live.wallboard.Ring), so it can run for days.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from console.live.chart_data import BoardFigures
from console.live.wallboard import Page, Ring, WallboardThresholds, alerts_raised, wallboard_pages
from console.sync.state import SyncState
from widgets.status.connection import describe, stale_text
from widgets.theme.theme import Theme, make_theme
from widgets.wallboard.tile import TileWidget

log = logging.getLogger("concierge.ui.wallboard")
ROTATE_MS = 15_000
ALERT_HISTORY = 20


def _label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class _PageWidget(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme
        self.grid = QGridLayout(self)
        self.grid.setSpacing(16)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.tiles: list[TileWidget] = []
        self.keys: tuple[str, ...] = ()

    def set_page(self, page: Page, scale: float) -> None:
        keys = tuple(t.key for t in page.tiles)
        if keys != self.keys:  # the tile set changed (a team or channel came or went): lay out again
            for w in self.tiles:
                self.grid.removeWidget(w)
                w.deleteLater()
            self.tiles = []
            n = len(page.tiles)
            cols = 1 if n <= 1 else 2 if n <= 4 else 3 if n <= 9 else 4
            for i in range(n):
                w = TileWidget(self.theme, self)
                w.set_scale(scale)
                self.grid.addWidget(w, i // cols, i % cols)
                self.tiles.append(w)
            for r in range(self.grid.rowCount()):
                self.grid.setRowStretch(r, 1)
            for c in range(cols):
                self.grid.setColumnStretch(c, 1)
            self.keys = keys
        for w, tile in zip(self.tiles, page.tiles, strict=True):
            w.set_tile(tile)

    def set_scale(self, scale: float) -> None:
        self.grid.setSpacing(round(16 * scale))
        for w in self.tiles:
            w.set_scale(scale)


class Wallboard(QWidget):
    def __init__(
        self,
        *,
        tz: str = "UTC",
        theme: str = "dark",
        rotate_ms: int = ROTATE_MS,
        thresholds: WallboardThresholds | None = None,
        now: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("wallboard")
        self.setWindowTitle("Concierge wallboard")
        self.theme = make_theme(theme)
        self.tz = ZoneInfo(tz)
        self.thresholds = thresholds or WallboardThresholds()
        self._now = now
        self.pages: tuple[Page, ...] = ()
        self.alerts: Ring[str] = Ring(ALERT_HISTORY)
        self._connection = "Starting…"
        self._problem = ""
        self._updated: float | None = None
        self._scale = 1.0
        self._had_data = False
        self.demo = False  # simulated data: the title says DEMO on every page
        self.stale: str | None = None  # why the figures are not live (offline, reconnecting), with their age
        self._conn: tuple[SyncState, float, float | None] = (SyncState.STARTING, 0.0, None)

        self.title = _label("boardTitle")
        # Text never holds the board at a size: shown once at 4K, it must still shrink back to 1080p.
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.clock = _label("boardClock")
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.waiting = _label("boardWaiting")
        self.waiting.setText("Waiting for the first figures…")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.waiting)
        self.page_widgets: list[_PageWidget] = []
        self.waiting.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.status = _label("boardStatus")
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.clock)
        self._outer = layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.status)
        self._restyle()

        self.rotate = QTimer(self)
        self.rotate.setInterval(rotate_ms)
        self.rotate.timeout.connect(self.next_page)
        self.rotate.start()
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self._tick)
        self.ticker.start()
        self._tick()

    # --- data in ------------------------------------------------------------------------------------
    def set_figures(self, figures: BoardFigures) -> None:
        pages = wallboard_pages(figures, self.thresholds)
        stamp = datetime.fromtimestamp(figures.at, self.tz).strftime("%H:%M")
        # Alerts compare with the last real figures (not the empty board before the first sync).
        page_of = {tile.key: page.title for page in pages for tile in page.tiles}
        for tile in alerts_raised(self.pages, pages) if self._had_data else ():
            where = "" if page_of[tile.key] == "Queue now" else f"{page_of[tile.key]} · "
            text = f"{stamp} {where}{tile.title}: {tile.words} ({tile.value})"
            self.alerts.append(text)
            log.warning("wallboard: %s", text)
        self.pages = pages
        self._had_data = bool(figures.open or figures.teams)
        self._updated = figures.at
        self._problem = ""
        while len(self.page_widgets) < len(pages):
            w = _PageWidget(self.theme)
            w.set_scale(self._scale)
            self.page_widgets.append(w)
            self.stack.addWidget(w)
        for w, page in zip(self.page_widgets, pages, strict=False):
            w.set_page(page, self._scale)
        if self.stack.currentWidget() is self.waiting:
            self.stack.setCurrentWidget(self.page_widgets[0])
        self._show_title()
        self._show_status()

    def set_connection(
        self, state: SyncState, since: float, last_sync_at: float | None, detail: str = ""
    ) -> None:
        text = describe(state, since, last_sync_at, self.tz, demo=self.demo)
        self._conn = (SyncState(state), since, last_sync_at)
        self._mark_stale()
        self._connection = text if state != "auth_required" else f"{text} (check the wallboard's account)"
        if detail and state not in ("live", "syncing"):
            log.info("wallboard connection: %s (%s)", state, detail)
        self._show_status()

    def _mark_stale(self) -> None:
        """Not live: the title says so with the data's age, and every tile is greyed (never a live "OK")."""
        state, since, last = self._conn
        self.stale = stale_text(state, since, last, self._now(), self.tz)
        self.stack.setEnabled(self.stale is None)
        self._show_title()

    def set_demo(self, demo: bool) -> None:
        """The embedded demo service: DEMO in the title of every page and in the status line."""
        self.demo = demo
        self.setWindowTitle("Concierge wallboard · DEMO" if demo else "Concierge wallboard")
        self._show_title()

    def show_problem(self, text: str) -> None:
        self._problem = text
        log.warning("wallboard: %s", text)
        self._show_status()

    # --- pages --------------------------------------------------------------------------------------
    def current_page(self) -> int:
        w = self.stack.currentWidget()
        for i, page in enumerate(self.page_widgets):
            if page is w:
                return i
        return -1

    def show_page(self, index: int) -> None:
        if self.page_widgets and self.pages:
            n = min(len(self.pages), len(self.page_widgets))
            self.stack.setCurrentWidget(self.page_widgets[index % n])
            self._show_title()

    def next_page(self) -> None:
        if self.pages:
            self.show_page(self.current_page() + 1)

    def show_on_screen(self, index: int | None) -> None:
        """Full screen on screen `index` (0 = the primary; out of range: the primary, with a note)."""
        screens = QGuiApplication.screens()
        if index is not None and not 0 <= index < len(screens):
            self.show_problem(f"There is no screen {index}; using the primary screen.")
            index = None
        screen = screens[index] if index is not None else QGuiApplication.primaryScreen()
        if screen is not None:
            self.setScreen(screen)
            self.setGeometry(screen.geometry())
        self.showFullScreen()

    # --- painting -------------------------------------------------------------------------------------
    def _show_title(self) -> None:
        i = self.current_page()
        name = "Concierge DEMO (simulated data)" if self.demo else "Concierge"
        if self.stale is not None:
            name = f"⚠ {self.stale.split(' · the figures')[0]} · {name}"
        if 0 <= i < len(self.pages):
            self.title.setText(f"{name} · {self.pages[i].title}   ({i + 1}/{len(self.pages)})")
        else:
            self.title.setText(name)

    def _show_status(self) -> None:
        parts = [self._connection]
        if self._updated is not None:
            parts.append(f"figures at {datetime.fromtimestamp(self._updated, self.tz):%H:%M:%S}")
        if self._problem:
            parts.append(self._problem)
        recent = list(self.alerts)[-2:]
        if recent:
            parts.append("latest alerts: " + "; ".join(reversed(recent)))
        self.status.setText("  ·  ".join(parts))

    def _tick(self) -> None:
        self.clock.setText(datetime.fromtimestamp(self._now(), self.tz).strftime("%H:%M"))
        if self.stale is not None:
            self._mark_stale()  # the data's age moves

    def _restyle(self) -> None:
        t, s = self.theme, self._scale
        self._outer.setContentsMargins(round(24 * s), round(16 * s), round(24 * s), round(12 * s))
        self._outer.setSpacing(round(12 * s))
        self.setStyleSheet(
            f"#wallboard {{ background: {t.window.name()}; }}"
            f"#boardTitle, #boardClock {{ color: {t.text.name()}; font-size: {round(40 * s)}px; }}"
            "#boardTitle, #boardClock { font-weight: 700; }"
            f"#boardStatus {{ color: {t.muted.name()}; font-size: {round(24 * s)}px; }}"
            f"#boardWaiting {{ color: {t.muted.name()}; font-size: {round(40 * s)}px; }}"
        )
        self.setAutoFillBackground(True)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Type scales with the window: the same layout reads at 1080p, 4K and on a small monitor.
        size = event.size()
        scale = max(0.5, min(size.width() / 1920, size.height() / 1080))
        if not math.isclose(scale, self._scale, rel_tol=0.02):
            self._scale = scale
            self._restyle()
            for w in self.page_widgets:
                w.set_scale(scale)
        super().resizeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        self.rotate.start()
        self.ticker.start()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.rotate.stop()  # a closed board does no work until it is shown again
        self.ticker.stop()
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Space):
            self.next_page()
        elif key == Qt.Key.Key_Left:
            self.show_page(self.current_page() - 1)
        elif key == Qt.Key.Key_Escape and self.isFullScreen():
            self.showNormal()  # out of full screen; never closes an unattended board by itself
        elif key == Qt.Key.Key_F11:
            self.showNormal() if self.isFullScreen() else self.showFullScreen()
        else:
            super().keyPressEvent(event)
