"""The supervisor's main window: the live header on top, the navigator on the left, the queue in the
middle with the detail drawer at its right edge (widgets.main_window.body), the team board in a dock
that folds away, the connection state in the status bar. It only lays things out and offers menus and
keys; the presenters of widgets.main_window.controller feed it.

Every command has a key that works from every pane (widgets.main_window.keys); F6 and Shift+F6 move
between panes. A text-size change re-lays the whole window: fonts set relative to the text size grow
with it, the navigator, drawer and columns are fitted again."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets.app.paint_first import paint_first
from widgets.detail.pane import DetailPane
from widgets.main_window.body import ColumnFit, DrawerHost, EscapeCloses
from widgets.main_window.header import LiveHeader
from widgets.main_window.keys import BoardButton, Commands, PaneCycle, build_menus, rescale_fonts
from widgets.main_window.navigator import NavigatorModel, NavigatorView
from widgets.queue.breach_strip import BreachStrip
from widgets.queue.groups import QueueGroups
from widgets.queue.model import QueueModel
from widgets.queue.view import QueueView
from widgets.status.connection import ConnectionStatus
from widgets.theme.theme import Theme

TITLE = "Concierge: supervisor console"
DEMO_BANNER = (
    "DEMO: simulated enquiries from the embedded demo service, not the bank's customers. "
    "To see the live queues, set the Service API address in Settings."
)
ROOMY_HEIGHT = 900  # a window at least this tall (at 100-125 % text) opens with the team board showing


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
        self._font_scale = font_scale

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
        self.queue_view.set_filter_box(self.filter_edit)  # Escape and Down behave in the box
        # Ctrl+F is the window's (keys.build_menus), from every pane: the queue's own would be ambiguous.
        find = QKeySequence(QKeySequence.StandardKey.Find)
        for shortcut in self.queue_view.findChildren(QShortcut):
            if shortcut.key() == find:
                shortcut.setEnabled(False)
        self.columns = ColumnFit(self.queue_view)
        self.queue_title = QLabel("All open")
        self.queue_title.setTextFormat(Qt.TextFormat.PlainText)
        self.queue_title.setObjectName("queueTitle")
        font = self.queue_title.font()
        font.setBold(True)
        self.queue_title.setFont(font)
        self.folded_note = QLabel("")
        self.folded_note.setTextFormat(Qt.TextFormat.PlainText)
        self.folded_note.setObjectName("foldedColumns")
        self.columns.folded.connect(self._show_folded)
        self.nav_button = QToolButton()
        self.nav_button.setText("Views")
        self.nav_button.setCheckable(True)
        self.nav_button.setChecked(True)
        self.nav_button.setToolTip("Show or hide the list of queues and views")
        self.nav_button.setAccessibleName("Show the queues and views")
        self.nav_button.clicked.connect(self.set_navigator_shown)
        self.board_button = BoardButton()
        self.board_button.hide()  # until a board is added
        self.detail = DetailPane(tz=tz)
        self.detail.closeRequested.connect(self.close_detail)
        self.detail.enquiryShown.connect(lambda _id: self.open_detail())  # picked anywhere: a tile, a chip…

        middle = QWidget()
        mid_layout = QVBoxLayout(middle)
        mid_layout.setContentsMargins(0, 0, 0, 0)
        self.queue_groups = QueueGroups()  # All / Not breached / Breached, with counts
        title_row = QHBoxLayout()
        title_row.addWidget(self.nav_button)
        title_row.addWidget(self.queue_title)
        title_row.addWidget(self.queue_groups, 1)
        title_row.addWidget(self.folded_note)
        title_row.addWidget(self.board_button)
        mid_layout.addLayout(title_row)
        mid_layout.addWidget(self.filter_edit)
        mid_layout.addWidget(self.queue_view, 1)
        self.queue_pane = middle
        self.drawer = DrawerHost(middle, self.detail, self.columns.key_width)
        self.drawer.openChanged.connect(lambda _open: QTimer.singleShot(0, self.columns, self.columns.fit))
        EscapeCloses(self.queue_view, self.drawer.is_open, self.close_detail)  # in the queue: the drawer
        # Picking an enquiry (queue, strip) opens the drawer; the controller fills it.
        self.queue_view.currentEnquiryChanged.connect(self.on_enquiry_picked)
        self.queue_view.enquiryActivated.connect(lambda _id: self.open_detail())
        self.queue_view.clicked.connect(lambda _index: self.open_detail())
        self.breach_strip.enquiryClicked.connect(lambda _id: self.open_detail())

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.navigator)
        self.splitter.addWidget(self.drawer)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(0, True)
        self.splitter.setCollapsible(1, False)
        self.splitter.splitterMoved.connect(self._navigator_dragged)
        self._nav_auto = True  # the navigator's width follows the window until the supervisor sets it
        self.splitter.installEventFilter(self)

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
        self._reading = False  # set_reading()
        self.counts.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.connection)
        self.statusBar().addPermanentWidget(self.counts)
        queue_model.countsChanged.connect(self._show_counts)

        self.board_dock: QDockWidget | None = None
        self._board_auto = False
        self.panes = PaneCycle(self, self.pane_list, self._entering_pane, home=2)
        do = Commands(
            sign_in=self.signInRequested.emit,
            settings=self.settingsRequested.emit,
            quit=self.close,
            reassign=self.reassignRequested.emit,
            undo_reassign=self.undoReassignRequested.emit,
            find=self.focus_filter,
            next_pane=self.panes.next,
            previous_pane=self.panes.previous,
            close_detail=self.close_detail,
            charts=self.chartsRequested.emit,
            staffing=self.staffingRequested.emit,
            wallboard=self.wallboardRequested.emit,
            reports=self.reportsRequested.emit,
            theme=self.themeRequested.emit,
            scale=self.scaleRequested.emit,
        )
        self.actions_by_name = build_menus(self, do, theme, font_scale)
        self.reassign_action = self.actions_by_name["reassign"]
        self.undo_reassign_action = self.actions_by_name["undo_reassign"]
        # The same action on the queue's right-click menu.
        self.queue_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.queue_view.addAction(self.reassign_action)
        # Tab from the queue reaches the breaching strip first, then the filter and the navigator.
        strip = self.breach_strip.list_view()
        QWidget.setTabOrder(self.queue_view, strip)
        QWidget.setTabOrder(strip, self.filter_edit)
        QWidget.setTabOrder(self.filter_edit, self.navigator)
        self.queue_view.setFocus(Qt.FocusReason.OtherFocusReason)
        self._default_size(font_scale)

    # --- layout ------------------------------------------------------------------------------------

    def navigator_width(self) -> int:
        """The navigator's preferred width: its longest usual label and a count, at the current text size."""
        fm = self.navigator.fontMetrics()
        return fm.horizontalAdvance("Accounts & customer support") + fm.horizontalAdvance("00,000") + 60

    def relayout(self) -> None:
        """Fit the panes to the window and the text size: the navigator as wide as its labels when the
        queue keeps its key columns beside it, narrower or folded away when not; the drawer's width
        follows the text; the secondary columns fold to fit."""
        self._nav_auto = True
        self._fit_navigator()
        self.drawer.relayout()
        self.columns.fit()

    def _fit_navigator(self) -> None:
        if not self._nav_auto:
            return
        shown = self.splitter.isVisible()
        total = sum(self.splitter.sizes()) if shown else max(0, self.width() - 8)
        queue_needs = self.columns.key_width()
        nav = self.navigator_width()
        if total - nav < queue_needs:
            nav = max(0, total - queue_needs)
            if nav < self.navigator.fontMetrics().averageCharWidth() * 16:
                nav = 0  # too narrow to read: folded away (the Views button or F6 brings it back)
        if self.splitter.sizes() != [nav, max(1, total - nav)]:
            self.splitter.setSizes([nav, max(1, total - nav)])
        self.nav_button.setChecked(nav > 0)

    def pane_list(self) -> list[tuple[QWidget, QWidget]]:
        """F6's panes, in order: (the pane, where the focus goes in it). The details and the team board
        only while they show; the queue's pane holds its filter box too."""
        strip = self.breach_strip.list_view()
        panes: list[tuple[QWidget, QWidget]] = [(strip, strip), (self.navigator, self.navigator)]
        panes.append((self.queue_pane, self.queue_view))
        if self.drawer.is_open():
            panes.append((self.detail, self.detail.conversation))  # the conversation, not Reveal
        board = self.board_dock
        if board is not None and board.isVisible() and board.widget() is not None:
            panes.append((board, board.widget()))
        return panes

    def _entering_pane(self, target: QWidget) -> None:
        if target is self.navigator and not self.navigator_shown():
            self.set_navigator_shown(True)  # F6 unfolds the navigator

    def _navigator_dragged(self) -> None:
        self._nav_auto = False  # the supervisor's width from now on
        self.nav_button.setChecked(self.navigator_shown())

    def event(self, event: QEvent) -> bool:
        return paint_first(event, super().event)  # other threads yield the GIL while it paints

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.splitter and event.type() == QEvent.Type.Resize and self._nav_auto:
            QTimer.singleShot(0, self, self._fit_navigator)  # after the splitter has shared out its new width
        return super().eventFilter(watched, event)

    def navigator_shown(self) -> bool:
        return self.splitter.sizes()[0] > 0

    def set_navigator_shown(self, shown: bool) -> None:
        self._nav_auto = False
        total = sum(self.splitter.sizes())
        nav = min(self.navigator_width(), total // 2) if shown else 0
        self.splitter.setSizes([nav, max(1, total - nav)])
        self.nav_button.setChecked(shown)
        self.columns.fit()

    def _default_size(self, font_scale: float) -> None:
        """A first-run size that grows with the text, within the screen when there is a real one."""
        f = max(1.0, font_scale * 0.8)
        width, height = int(1600 * f), int(950 * f)
        screen = self.screen()
        if screen is not None and screen.availableGeometry().width() >= 1280:
            avail = screen.availableGeometry()
            width, height = min(width, avail.width()), min(height, avail.height())
        self.resize(width, height)
        self.relayout()

    def _show_folded(self, titles: list[str]) -> None:
        if titles:
            self.folded_note.setText(f"{len(titles)} column{'s' if len(titles) != 1 else ''} folded to fit")
            self.folded_note.setToolTip(
                f"Folded for want of room: {', '.join(titles)}. Widen the window or choose a smaller "
                "text size to see them; right-click a column heading to choose columns yourself."
            )
        else:
            self.folded_note.setText("")
            self.folded_note.setToolTip("")

    # --- the detail drawer -------------------------------------------------------------------------

    def open_detail(self) -> None:
        self.drawer.set_open(True)

    def close_detail(self) -> None:
        """Close the drawer (Escape or its Close button); the queue keeps its selection and the focus."""
        had_focus = self.detail.isAncestorOf(self.focusWidget()) if self.focusWidget() else False
        self.drawer.set_open(False)
        if had_focus or self.focusWidget() is None:
            self.queue_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def on_enquiry_picked(self, enquiry_id: str) -> None:
        """An enquiry picked in the queue or the strip opens the drawer; none picked closes it."""
        if enquiry_id:
            self.open_detail()
        else:
            self.drawer.set_open(False)

    # --- the team board ----------------------------------------------------------------------------

    def add_board(self, board: QWidget) -> QDockWidget:
        """The team board, in a dock below the queue (drag between them). It folds away with Ctrl+B or
        the Team board button; a small window (a branch PC at 1366x768) or large text opens without it,
        and a drag over the button opens it."""
        dock = self.board_dock = QDockWidget("Team board", self)
        dock.setObjectName("teamBoardDock")
        dock.setWidget(board)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.resizeDocks(
            [dock], [max(board.sizeHint().height(), self.height() * 2 // 5)], Qt.Orientation.Vertical
        )
        toggle = dock.toggleViewAction()
        toggle.setText("Team &board")
        toggle.setShortcut(QKeySequence("Ctrl+B"))
        toggle.setToolTip("Show or hide the team board (Ctrl+B)")
        self.actions_by_name["board"] = toggle
        self.board_button.set_action(toggle)
        self.board_button.show()
        view = self.menu_named("&View")
        if view is not None:
            view.insertAction(self.actions_by_name["charts"], toggle)
        dock.addActions(list(self.actions_by_name.values()))  # the keys work in a floating board too
        self._board_auto = True  # follows the window's size until the supervisor shows or hides it
        toggle.triggered.connect(self._board_chosen)
        self._fit_board()
        return dock

    def _board_chosen(self) -> None:
        self._board_auto = False

    def _fit_board(self) -> None:
        if self.board_dock is not None and self._board_auto:
            self.board_dock.setVisible(self.height() >= ROOMY_HEIGHT and self._font_scale < 1.5)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_board()

    def show_board(self, shown: bool = True) -> None:
        if self.board_dock is not None:
            self.board_dock.setVisible(shown)

    def menu_named(self, title: str) -> QWidget | None:
        for action in self.menuBar().actions():
            if action.text() == title:
                return action.menu()  # type: ignore[return-value]  # a QMenu
        return None

    # --- appearance --------------------------------------------------------------------------------

    def focus_filter(self) -> None:
        self.queue_view.focus_filter()

    def set_theme(self, theme: Theme) -> None:
        """After widgets.theme.theme.apply_theme: the views that paint SLA colours themselves, and, when
        the text size changed, fonts set relative to it and the panes' widths."""
        # Qt posts the new application font to the widgets: deliver it now, so the layout below is
        # computed with the new text size rather than the old.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.ApplicationFontChange)
        if abs(theme.font_scale - self._font_scale) > 1e-6:
            rescale_fonts(self, theme.font_scale / self._font_scale)
            self._font_scale = theme.font_scale
        self.queue_view.set_theme(theme)
        self.breach_strip.set_theme(theme)
        self.detail.set_theme(theme)
        self.queue_groups.set_theme(theme)
        self.header.set_theme(theme)
        self.relayout()

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
        if self._reading:  # the first screenful holds a few of the open enquiries: not "of 2,000 open"
            self.counts.setText(f"{visible:,} shown · reading the rest")
        else:
            self.counts.setText(f"{visible:,} shown of {total:,} open")

    def set_reading(self, reading: bool) -> None:
        """The queue holds the first screenful while the rest of the cache is read (the next count the
        model gives is shown so)."""
        self._reading = reading

    def counts_pending(self) -> None:
        """The rows are arriving in bulk: no "0 shown of 0 open" until they are in (the model's next count
        replaces this)."""
        self.counts.setText("Enquiries still arriving")

    # --- window state: geometry and splitter only (QSettings never holds a secret) -------------------

    def restore_window_state(self) -> None:
        if self._qsettings is None:
            return
        geometry = self._qsettings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self._qsettings.value("window/state")
        if isinstance(state, QByteArray) and self.restoreState(state):
            self._board_auto = False  # the board as the supervisor left it
        splitter = self._qsettings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
            self._nav_auto = False
            self.nav_button.setChecked(self.navigator_shown())
        columns = self._qsettings.value("window/queue_columns")
        if isinstance(columns, QByteArray) and self.queue_view.restore_header_state(columns):
            self.columns.forget()

    def save_window_state(self) -> None:
        if self._qsettings is None:
            return
        self._qsettings.setValue("window/geometry", self.saveGeometry())
        self._qsettings.setValue("window/state", self.saveState())
        self._qsettings.setValue("window/splitter", self.splitter.saveState())
        self._qsettings.setValue("window/queue_columns", self.columns.header_state())
        self._qsettings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_window_state()
        super().closeEvent(event)
