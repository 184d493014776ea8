"""LiveViews: the console's hand-over point for the charts, the staffing panel and the wallboard.

The session makes one at start-up (cheap: nothing is computed, matplotlib is not imported) and forwards
the sync worker's change-sets and states to it. The first view opened starts a LiveFeed; every open view
is fed from that one feed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget
from shiboken6 import Shiboken

from console.domain.model import ChangeSet
from widgets.theme.theme import Theme, make_theme

# The views and the figures are imported when first opened: the console's start-up pays nothing for them.
if TYPE_CHECKING:
    from console.live.chart_data import BoardFigures
    from console.store.reads import StoreReader
    from console.sync.state import SyncStatus
    from widgets.charts.panel import ChartPanel
    from widgets.charts.staffing_panel import StaffingPanel
    from widgets.main_window.changes import LiveChange
    from widgets.wallboard.feed import LiveFeed
    from widgets.wallboard.window import Wallboard


class LiveViews(QObject):
    def __init__(
        self,
        parent: QWidget | None,
        reader_factory: Callable[[], StoreReader],
        now: Callable[[], float],
        *,
        tz: Callable[[], str] = lambda: "UTC",
        theme: Callable[[], str] = lambda: "light",
        interval_ms: int = 3000,
        demo: bool = False,
        jurisdiction: str = "uk",
    ) -> None:
        super().__init__(parent)
        self.demo = demo  # the embedded demo service: the wallboard says DEMO
        self._parent, self._factory, self._now = parent, reader_factory, now
        self._tz, self._theme = tz, theme
        self._interval = interval_ms
        self._jurisdiction = jurisdiction  # whose complaint clocks the wallboard counts
        self.feed: LiveFeed | None = None
        self.charts: ChartPanel | None = None
        self.staffing: StaffingPanel | None = None
        self.wallboard: Wallboard | None = None
        self._state: SyncStatus | None = None
        self._current: Theme | None = None  # the console's theme since it last changed

    def _ensure_feed(self) -> LiveFeed:
        if self.feed is None:
            from widgets.wallboard.feed import LiveFeed

            self.feed = LiveFeed(
                self._factory,
                self._now,
                interval_ms=self._interval,
                active=self._watched,
                jurisdiction=self._jurisdiction,
                parent=self,
            )
            self.feed.figuresReady.connect(self._figures)
            self.feed.problem.connect(self._problem)
            self.feed.start()
        return self.feed

    # --- opening the views (View menu, --wallboard) ---------------------------------------------------
    def open_charts(self) -> ChartPanel:
        if self.charts is None:
            from widgets.charts.panel import ChartPanel

            self.charts = ChartPanel(self._current_theme(), tz=self._tz(), parent=self._parent)
        self._show(self.charts)
        return self.charts

    def open_staffing(self) -> StaffingPanel:
        if self.staffing is None:
            from widgets.charts.staffing_panel import StaffingPanel

            self.staffing = StaffingPanel(self._current_theme(), parent=self._parent, tz=self._tz())
            self.staffing.configChanged.connect(lambda c: self._ensure_feed().set_staffing(c))
        self._show(self.staffing)
        return self.staffing

    def open_wallboard(self, screen: int | None = None, *, full_screen: bool = True) -> Wallboard:
        if self.wallboard is None:
            from widgets.wallboard.window import Wallboard

            # Dark whatever the console's theme (a wall in a lit room); high contrast stays high contrast.
            name = "high_contrast" if self._theme() == "high_contrast" else "dark"
            self.wallboard = Wallboard(tz=self._tz(), theme=name, now=self._now)
            self.wallboard.set_demo(self.demo)
            if self._state is not None:
                self.on_state(self._state)
        feed = self._ensure_feed()
        if feed.latest is not None:
            self.wallboard.set_figures(feed.latest)
        if full_screen:
            self.wallboard.show_on_screen(screen)
        else:
            self.wallboard.show()
        feed.refresh()
        return self.wallboard

    def _current_theme(self) -> Theme:
        return self._current or make_theme(self._theme())

    def set_theme(self, theme: Theme) -> None:
        """The console's theme or text size changed: the charts and the staffing panel follow it (the
        wallboard stays dark: it is on a wall, not on the supervisor's desk)."""
        self._current = theme
        if self.charts is not None:
            self.charts.set_theme(theme)
        if self.staffing is not None:
            self.staffing.set_theme(theme)

    def _show(self, view: ChartPanel | StaffingPanel) -> None:
        feed = self._ensure_feed()
        if feed.latest is not None:
            view.set_figures(feed.latest)
        view.show()
        view.raise_()
        feed.refresh()

    # --- from the session -----------------------------------------------------------------------------
    def on_changes(self, changes: ChangeSet) -> None:
        if self.feed is not None:
            self.feed.on_changes(changes)

    @Slot(object)
    def on_live_change(self, change: LiveChange) -> None:
        """The console's one "what changed" signal: the service's changes and local moves alike."""
        if change.origin in ("sync", "move"):
            self.on_changes(change.changes)
        elif change.origin == "load":  # every cached row read again (an empty cache's first fill): so here
            self.on_changes(ChangeSet(filled=True))

    def on_state(self, state: SyncStatus) -> None:
        self._state = state
        if self.wallboard is not None:
            self.wallboard.set_connection(state.state, state.since, state.last_sync_at, state.detail)

    def _watched(self) -> bool:
        """Figures are computed only while a view is on screen (at 100k rows they cost CPU)."""
        return any(v is not None and v.isVisible() for v in (self.charts, self.staffing, self.wallboard))

    def _figures(self, figures: BoardFigures) -> None:
        for view in (self.charts, self.staffing, self.wallboard):
            if view is not None and view.isVisible():
                view.set_figures(figures)

    def _problem(self, text: str) -> None:
        if self.wallboard is not None:
            self.wallboard.show_problem(text)
        if self.charts is not None:
            self.charts.note.setText(text)

    def stop(self) -> None:
        """Stop the feed and delete the views now, on this (the UI) thread. Left to Python's cyclic
        garbage collector, a window could be destroyed from whichever thread it happens to run in,
        and Qt widgets must only ever be destroyed on the UI thread."""
        if self.feed is not None:
            self.feed.stop()
        for view in (self.charts, self.staffing, self.wallboard):
            if view is not None and Shiboken.isValid(view):
                view.close()
                Shiboken.delete(view)
        if self.feed is not None and Shiboken.isValid(self.feed):
            Shiboken.delete(self.feed)
        self.charts = self.staffing = self.wallboard = None
        self.feed = None
