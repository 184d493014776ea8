"""The supervisor's main window: the live header on top, the navigator on the left, the queue in the
middle, the detail pane on the right, the connection state in the status bar. It only lays things out
and offers menus; the presenters of widgets.main_window.controller feed it."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from widgets.detail.pane import DetailPane
from widgets.main_window.header import LiveHeader
from widgets.main_window.navigator import NavigatorModel, NavigatorView
from widgets.queue.breach_strip import BreachStrip
from widgets.queue.groups import QueueGroups
from widgets.queue.model import QueueModel
from widgets.queue.view import QueueView
from widgets.status.connection import ConnectionStatus
from widgets.theme.theme import Theme

THEMES = (("light", "Light"), ("dark", "Dark"), ("high_contrast", "High contrast"))
SCALES = ((1.0, "100 %"), (1.25, "125 %"), (1.5, "150 %"), (2.0, "200 %"))


TITLE = "Concierge: supervisor console"
DEMO_BANNER = (
    "DEMO: simulated enquiries from the embedded demo service, not the bank's customers. "
    "To see the live queues, set the Service API address in Settings."
)


class MainWindow(QMainWindow):
    settingsRequested = Signal()
    signInRequested = Signal()
    themeRequested = Signal(str)
    scaleRequested = Signal(float)
    reassignRequested = Signal()  # "Reassign to..." for the selected enquiries (widgets.board.reassign)
    undoReassignRequested = Signal()
    chartsRequested = Signal()  # View menu: widgets.wallboard.views.LiveViews opens these
    staffingRequested = Signal()
    wallboardRequested = Signal()
    reportsRequested = Signal()  # Reports > Shift reports…: widgets.reports.viewer

    def __init__(
        self,
        queue_model: QueueModel,
        *,
        tz: str = "UTC",
        qsettings: QSettings | None = None,
        theme: str = "light",
        font_scale: float = 1.0,
    ) -> None:
        super().__init__()
        self.setWindowTitle(TITLE)
        self.setObjectName("ConciergeMainWindow")
        self._qsettings = qsettings

        self.header = LiveHeader()
        self.breach_strip = BreachStrip(queue_model)
        self.nav_model = NavigatorModel(self)
        self.navigator = NavigatorView()
        self.navigator.set_navigator_model(self.nav_model)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(
            "Filter by reference, customer, text, topic, team or agent (Ctrl+F)"
        )
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName("Filter the queue")
        self.queue_view = QueueView(queue_model)
        self.queue_view.set_filter_box(self.filter_edit)  # Ctrl+F, Escape and Down behave in the box
        self.queue_title = QLabel("All open")
        self.queue_title.setTextFormat(Qt.TextFormat.PlainText)
        self.queue_title.setObjectName("queueTitle")
        font = self.queue_title.font()
        font.setBold(True)
        self.queue_title.setFont(font)
        self.detail = DetailPane(tz=tz)

        middle = QWidget()
        mid_layout = QVBoxLayout(middle)
        mid_layout.setContentsMargins(0, 0, 0, 0)
        self.queue_groups = QueueGroups()  # All / Not breached / Breached, with counts
        title_row = QHBoxLayout()
        title_row.addWidget(self.queue_title)
        title_row.addWidget(self.queue_groups, 1)
        mid_layout.addLayout(title_row)
        mid_layout.addWidget(self.filter_edit)
        mid_layout.addWidget(self.queue_view, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.navigator)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self._fit_to_font()

        # A demo says so on every screen: simulated enquiries must never pass for a bank's live queues.
        self.demo_banner = QLabel(DEMO_BANNER)
        self.demo_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.demo_banner.setObjectName("demoBanner")
        self.demo_banner.setWordWrap(True)
        self.demo_banner.setStyleSheet(
            "QLabel#demoBanner { background: #E69F00; color: #000000; font-weight: bold; padding: 4px 8px; }"
        )
        self.demo_banner.setAccessibleName("Demo: simulated data")
        self.demo_banner.hide()
        # Offline or reconnecting: a full-width warning with the date and the data's age, and the figures
        # greyed, so a stale screen is never read as live.
        self.stale_banner = QLabel()
        self.stale_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.stale_banner.setObjectName("staleBanner")
        self.stale_banner.setWordWrap(True)
        self.stale_banner.setStyleSheet(
            "QLabel#staleBanner { background: #D55E00; color: #FFFFFF; font-weight: bold; padding: 6px 8px; }"
        )
        self.stale_banner.hide()

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.stale_banner)
        layout.addWidget(self.header)
        layout.addWidget(self.breach_strip)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.connection = ConnectionStatus(tz=tz)
        self.counts = QLabel("")
        self.counts.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.connection)
        self.statusBar().addPermanentWidget(self.counts)
        queue_model.countsChanged.connect(self._show_counts)

        self._build_menus(theme, font_scale)
        self._default_size(font_scale)

    def _fit_to_font(self) -> None:
        """Navigator wide enough for its longest label and count at the current text size."""
        fm = self.navigator.fontMetrics()
        nav = fm.horizontalAdvance("Accounts & customer support") + fm.horizontalAdvance("00,000") + 80
        detail = fm.horizontalAdvance("m") * 34
        self.splitter.setSizes([nav, max(600, self.width() - nav - detail), detail])

    def _default_size(self, font_scale: float) -> None:
        """A first-run size that grows with the text, within the screen when there is a real one."""
        f = max(1.0, font_scale * 0.8)
        width, height = int(1600 * f), int(950 * f)
        screen = self.screen()
        if screen is not None and screen.availableGeometry().width() >= 1280:
            avail = screen.availableGeometry()
            width, height = min(width, avail.width()), min(height, avail.height())
        self.resize(width, height)
        self._fit_to_font()

    def _build_menus(self, theme: str, font_scale: float) -> None:
        menu = self.menuBar().addMenu("&Console")
        sign_in = QAction("&Sign in…", self)
        sign_in.triggered.connect(self.signInRequested)
        settings = QAction("S&ettings…", self)
        settings.setShortcut(QKeySequence.StandardKey.Preferences)
        settings.triggered.connect(self.settingsRequested)
        quit_ = QAction("&Quit", self)
        quit_.setShortcut(QKeySequence.StandardKey.Quit)
        quit_.triggered.connect(self.close)
        menu.addActions([sign_in, settings])
        menu.addSeparator()
        menu.addAction(quit_)
        self._build_edit_menu()

        view = self.menuBar().addMenu("&View")
        # No shortcut here: the queue view owns Ctrl+F (two owners would make it ambiguous).
        find = QAction("&Filter the queue (Ctrl+F)", self)
        find.triggered.connect(self.focus_filter)
        view.addAction(find)
        themes = view.addMenu("&Theme")
        group = QActionGroup(self)
        for name, label in THEMES:
            action = QAction(label, self, checkable=True, checked=name == theme)
            action.triggered.connect(lambda _=False, n=name: self.themeRequested.emit(n))
            group.addAction(action)
            themes.addAction(action)
        sizes = view.addMenu("Text &size")
        group = QActionGroup(self)
        for scale, label in SCALES:
            action = QAction(label, self, checkable=True, checked=abs(scale - font_scale) < 0.01)
            action.triggered.connect(lambda _=False, s=scale: self.scaleRequested.emit(s))
            group.addAction(action)
            sizes.addAction(action)
        view.addSeparator()
        for label, signal in (
            ("&Charts…", self.chartsRequested),
            ("S&taffing…", self.staffingRequested),
            ("&Wallboard (full screen)", self.wallboardRequested),
        ):
            action = QAction(label, self)
            action.triggered.connect(signal)
            view.addAction(action)
        self._build_reports_menu()

    def _build_reports_menu(self) -> None:
        reports = self.menuBar().addMenu("&Reports")
        action = QAction("&Shift reports…", self)
        action.triggered.connect(self.reportsRequested)
        reports.addAction(action)

    def _build_edit_menu(self) -> None:
        edit = self.menuBar().addMenu("&Edit")
        self.reassign_action = QAction("&Reassign to…", self)
        self.reassign_action.setShortcut(QKeySequence("Ctrl+R"))
        self.reassign_action.triggered.connect(self.reassignRequested)
        self.undo_reassign_action = QAction("&Undo reassignment", self)
        self.undo_reassign_action.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        self.undo_reassign_action.setEnabled(False)
        self.undo_reassign_action.triggered.connect(self.undoReassignRequested)
        edit.addActions([self.reassign_action, self.undo_reassign_action])
        # The same action on the queue's right-click menu.
        self.queue_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.queue_view.addAction(self.reassign_action)

    def add_board(self, board: QWidget) -> QDockWidget:
        """The team board, docked below the queue (drag between them); View menu shows or hides it."""
        dock = QDockWidget("Team board", self)
        dock.setObjectName("teamBoardDock")
        dock.setWidget(board)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks(
            [dock], [max(board.sizeHint().height(), self.height() * 2 // 5)], Qt.Orientation.Vertical
        )
        for action in self.menuBar().actions():
            menu = action.menu()
            if action.text() == "&View" and isinstance(menu, QMenu):
                menu.addAction(dock.toggleViewAction())
        return dock

    def focus_filter(self) -> None:
        self.queue_view.focus_filter()

    def set_theme(self, theme: Theme) -> None:
        """After widgets.theme.theme.apply_theme: the views that paint SLA colours themselves."""
        self.queue_view.set_theme(theme)
        self.breach_strip.set_theme(theme)
        self.queue_groups.set_theme(theme)
        self.header.set_theme(theme)
        self._fit_to_font()

    def set_queue_title(self, text: str) -> None:
        self.queue_title.setText(text)

    def show_stale(self, text: str | None) -> None:
        """text: why the figures are not live (None: they are); the header and strip are greyed meanwhile.
        Called every second while stale (the age moves): the fade is changed only when staleness does."""
        self.stale_banner.setText(f"⚠ {text}" if text else "")
        self.stale_banner.setAccessibleName(text or "")
        stale = text is not None
        if stale == self.stale_banner.isVisibleTo(self):
            return
        self.stale_banner.setVisible(stale)
        for figures in (self.header, self.breach_strip):
            figures.setEnabled(not stale)
            # Faded as well as disabled: the themes' colours would otherwise keep them looking live.
            if not stale:
                figures.setGraphicsEffect(None)  # type: ignore[arg-type]  # Qt takes None: no effect
            else:
                fade = QGraphicsOpacityEffect(figures)
                fade.setOpacity(0.4)
                figures.setGraphicsEffect(fade)

    def set_demo(self, demo: bool) -> None:
        """The embedded demo service: DEMO in the title, a banner that stays, and the status bar."""
        self.setWindowTitle(f"{TITLE} · DEMO (simulated data)" if demo else TITLE)
        self.demo_banner.setVisible(demo)
        self.connection.set_demo(demo)

    def _show_counts(self, total: int, visible: int) -> None:
        self.counts.setText(f"{visible:,} shown of {total:,} open")

    # --- window state: geometry and splitter only (QSettings never holds a secret) -------------------

    def restore_window_state(self) -> None:
        if self._qsettings is None:
            return
        geometry = self._qsettings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self._qsettings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = self._qsettings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        columns = self._qsettings.value("window/queue_columns")
        if isinstance(columns, QByteArray):
            self.queue_view.restore_header_state(columns)

    def save_window_state(self) -> None:
        if self._qsettings is None:
            return
        self._qsettings.setValue("window/geometry", self.saveGeometry())
        self._qsettings.setValue("window/state", self.saveState())
        self._qsettings.setValue("window/splitter", self.splitter.saveState())
        self._qsettings.setValue("window/queue_columns", self.queue_view.header_state())
        self._qsettings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_window_state()
        super().closeEvent(event)
