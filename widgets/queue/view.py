"""The queue table and the "breaching soon" strip.

QueueView ticks the countdowns of the rows on screen once a second, sorts on header clicks, is fully
keyboard-driven, and keeps the supervisor's selection, current row and scroll position across live
updates (apply), filtering and sorting: rows are followed by id, not by number.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFontMetrics, QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QMenu,
    QTableView,
    QWidget,
)

from console.domain.privacy import mask_text
from widgets.queue.delegates import QueueDelegate, row_height
from widgets.queue.model import ID_ROLE, Predicate, QueueModel
from widgets.queue.text import COLUMNS, Col
from widgets.theme.theme import Theme

Index = QModelIndex | QPersistentModelIndex
TICK_MS = 1000
SWEEP_ROWS = 2000  # off-screen clocks refreshed per tick (~10 ms): all of 100k every 50 s
# Columns sized to their longest usual text in the current font, so large fonts keep them whole.
_WIDTH_SAMPLES = {
    Col.SLA: "23 h 59 min left · due Wed 88:88",  # longer breached text elides its deadline, not its time
    Col.AGE: "23 h 59 min",
    Col.CHANNEL: "Instagram · public",
    Col.CUSTOMER: "customer #a1b2",
    Col.TOPIC: "Mortgages",
    Col.FLAGS: "Fraud risk, Complaint 5 d 21 h left",  # with the complaint clock (issue 17)
    Col.TEAM: "Accounts & custo",
    Col.AGENT: "Mohammed Okafor",
    Col.RISK: "100 · at risk",
}
_ICON_COLUMNS = (Col.SLA, Col.CHANNEL)


class QueueView(QTableView):
    """The live queue. Signals carry enquiry ids ("" when nothing is current)."""

    enquiryActivated = Signal(str)  # Enter or double-click: open the detail
    currentEnquiryChanged = Signal(str)
    filterRequested = Signal()  # Ctrl+F, also when no filter box is attached

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._filter_box: QLineEdit | None = None
        self._saved: tuple[list[str], str | None, str | None] = ([], None, None)
        self._delegate = QueueDelegate(self, model.theme())
        self.setItemDelegate(self._delegate)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Always there, so the rows never change the viewport's width: one that came with the first rows
        # laid out and painted every cell again, at once, at the new width (16 ms at start-up, issue 16).
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
        # Rows drag onto the team board (the model's mimeData carries ids and versions); no drops here.
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAccessibleName("Queue of open enquiries")
        vh = self.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform rows: no per-row size hints
        hh = self.horizontalHeader()
        hh.setStretchLastSection(True)
        hh.moveSection(hh.visualIndex(Col.RISK), hh.visualIndex(Col.SLA) + 1)  # risk beside the clock
        hh.setHighlightSections(False)
        hh.setSectionsMovable(True)
        hh.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        hh.customContextMenuRequested.connect(self._header_menu)
        col, order = model.sort_column()
        hh.setSortIndicator(col, order)
        self.setSortingEnabled(True)
        self._apply_metrics()

        model.modelAboutToBeReset.connect(self._remember)
        model.modelReset.connect(self._restore)
        model.rowsInserted.connect(self._rows_inserted)
        model.rowsRemoved.connect(self._rows_removed)
        model.rowsMoved.connect(self._rows_moved)
        model.layoutAboutToBeChanged.connect(self._batch_begins)
        model.layoutChanged.connect(self._batch_ends)
        self._batch_top: list[str] = []
        self.selectionModel().currentRowChanged.connect(self._current_changed)
        self.doubleClicked.connect(self._activate)

        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.focus_filter)

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick_visible)
        self._timer.start()

    # --- public API ------------------------------------------------------------------------------

    def queue_model(self) -> QueueModel:
        return self._model

    def visible_row_span(self) -> tuple[int, int] | None:
        """First and last row drawn in the viewport; None when the table is empty."""
        n = self._model.rowCount()
        if n == 0:
            return None
        first = self.rowAt(0)
        if first < 0:
            return None
        last = self.rowAt(self.viewport().height() - 1)
        return first, n - 1 if last < 0 else last

    def tick_visible(self) -> None:
        """Recompute the countdowns of the rows on screen only (the timer calls this every second)."""
        span = self.visible_row_span()
        if span is not None and self.isVisible():
            self._model.tick(*span)
            self._model.refresh_some(SWEEP_ROWS)

    def set_tick_interval(self, ms: int) -> None:
        """0 stops the timer (e.g. while the window is minimised)."""
        if ms <= 0:
            self._timer.stop()
        else:
            self._timer.start(ms)

    def selectedIds(self) -> list[str]:  # Qt-style name, as the shell expects
        rows = sorted(i.row() for i in self.selectionModel().selectedRows())
        return [str(self._model.index(r, 0).data(ID_ROLE)) for r in rows]

    def current_id(self) -> str | None:
        e = self._model.enquiry_at(self.currentIndex().row()) if self.currentIndex().isValid() else None
        return None if e is None else e.id

    def select_id(self, ident: str) -> bool:
        """Make `ident` the current, only selected row and scroll it into view; False if not shown."""
        row = self._model.row_of(ident)
        if row is None:
            return False
        index = self._model.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.selectionModel().setCurrentIndex(index, flags)
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def select_ids(self, ids: Iterable[str], current: str | None = None) -> None:
        selection = QItemSelection()
        last = self._model.columnCount() - 1
        for ident in ids:
            row = self._model.row_of(ident)
            if row is not None:
                selection.select(self._model.index(row, 0), self._model.index(row, last))
        sm = self.selectionModel()
        sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        row = self._model.row_of(current) if current is not None else None
        if row is not None:
            sm.setCurrentIndex(self._model.index(row, 0), QItemSelectionModel.SelectionFlag.NoUpdate)

    def set_filter_box(self, box: QLineEdit | None) -> None:
        """The shell's filter box: Ctrl+F focuses it; its text filters the table as the user types;
        Escape in the box clears it, Down or Enter moves back into the table."""
        if self._filter_box is not None:
            self._filter_box.textChanged.disconnect(self._filter_text_changed)
            self._filter_box.removeEventFilter(self)
        self._filter_box = box
        if box is not None:
            box.textChanged.connect(self._filter_text_changed)
            box.installEventFilter(self)

    def focus_filter(self) -> None:
        self.filterRequested.emit()
        if self._filter_box is not None:
            self._filter_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self._filter_box.selectAll()

    def apply_filter(self, text: str, predicate: Predicate | None = None) -> None:
        """Filter the table (text and/or a saved view), keeping the selection by id."""
        self._model.set_filter(text, predicate)

    def header_state(self) -> QByteArray:
        """Column order, widths, hidden columns and sort, for the shell to keep in QSettings."""
        return self.horizontalHeader().saveState()

    def restore_header_state(self, state: QByteArray) -> bool:
        """Put back a header_state(); False (and nothing changed) if it does not fit this table."""
        hh = self.horizontalHeader()
        before = hh.saveState()
        if not hh.restoreState(state) or hh.count() != len(COLUMNS):
            hh.restoreState(before)
            return False
        hh.showSection(Col.SLA)  # the countdown is never hidden
        return True

    def set_theme(self, theme: Theme) -> None:
        """Call after widgets.theme.theme.apply_theme (the palette and font are the application's)."""
        self._model.set_theme(theme)
        self._delegate.theme = theme
        self._apply_metrics()
        self.viewport().update()

    # --- behaviour -------------------------------------------------------------------------------

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        # Rows, not cells: Home/End go to the first/last enquiry, keeping the column.
        n = self._model.rowCount()
        col = max(0, self.currentIndex().column())
        if n and action == QAbstractItemView.CursorAction.MoveHome:
            return self._model.index(0, col)
        if n and action == QAbstractItemView.CursorAction.MoveEnd:
            return self._model.index(n - 1, col)
        return super().moveCursor(action, modifiers)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._activate(self.currentIndex())
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.Copy) and self.currentIndex().isValid():
            # Qt would copy the cell as shown (unmasked in the "full" mode): the clipboard gets it masked.
            text = str(self.currentIndex().data(Qt.ItemDataRole.DisplayRole) or "")
            QGuiApplication.clipboard().setText(mask_text(text))
            event.accept()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._filter_box and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape and self._filter_box.text():
                self._filter_box.clear()
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.setFocus(Qt.FocusReason.OtherFocusReason)
                if not self.currentIndex().isValid() and self._model.rowCount():
                    self.select_id(str(self._model.index(0, 0).data(ID_ROLE)))
                return True
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._apply_metrics()

    def _apply_metrics(self) -> None:
        self.verticalHeader().setDefaultSectionSize(row_height(self.font()))
        hh = self.horizontalHeader()
        fm = self.fontMetrics()
        bold = self.font()
        bold.setBold(True)  # urgent and breached countdowns are bold
        pad = max(6, fm.height() // 3)
        for col, sample in _WIDTH_SAMPLES.items():
            metrics = QFontMetrics(bold) if col == Col.SLA else fm
            width = metrics.horizontalAdvance(sample) + 2 * pad + 4
            if col in _ICON_COLUMNS:
                width += max(16, fm.height()) + pad + 4
            hh.resizeSection(col, width)
        hh.setMinimumSectionSize(4 * fm.averageCharWidth())

    def _header_menu(self, pos: QPoint) -> None:
        """Right-click on the header: show or hide columns (all but the SLA countdown)."""
        hh = self.horizontalHeader()
        menu = QMenu(self)
        for col, title in enumerate(COLUMNS):
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(not hh.isSectionHidden(col))
            action.setEnabled(col != Col.SLA)
            action.toggled.connect(lambda on, c=col: hh.setSectionHidden(c, not on))
        menu.exec(hh.mapToGlobal(pos))

    def _activate(self, index: Index) -> None:
        ident = index.data(ID_ROLE)
        if isinstance(ident, str):
            self.enquiryActivated.emit(ident)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        ident = current.data(ID_ROLE) if current.isValid() else None
        self.currentEnquiryChanged.emit(ident if isinstance(ident, str) else "")

    def _filter_text_changed(self, text: str) -> None:
        self.apply_filter(text, self._model.filter_predicate())

    # Resets (filter, full reload) lose Qt's selection: remember it by id and put it back.
    def _remember(self) -> None:
        top = self._model.enquiry_at(self.rowAt(0))
        self._saved = (self.selectedIds(), self.current_id(), None if top is None else top.id)

    def _restore(self) -> None:
        ids, current, top = self._saved
        self._saved = ([], None, None)
        self.select_ids(ids, current)
        top_row = self._model.row_of(top) if top is not None else None
        cur_row = self._model.row_of(current) if current is not None else None
        if top_row is not None:
            self.verticalScrollBar().setValue(top_row)
        elif cur_row is not None:
            self.scrollTo(self._model.index(cur_row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
        else:
            self.scrollToTop()
        if cur_row is None and current is not None:
            self.currentEnquiryChanged.emit("")

    # Live inserts/removals above the first visible row would shift what the supervisor is reading by a
    # row; move the scroll bar with them. At the very top, new rows appear (the newest stay in sight).
    def _rows_inserted(self, parent: Index, first: int, last: int) -> None:
        bar = self.verticalScrollBar()
        if bar.value() > 0 and first <= bar.value():
            bar.setValue(bar.value() + last - first + 1)

    def _rows_removed(self, parent: Index, first: int, last: int) -> None:
        bar = self.verticalScrollBar()
        if bar.value() > 0 and last < bar.value():
            bar.setValue(bar.value() - (last - first + 1))

    def _rows_moved(self, parent: Index, start: int, end: int, dest: Index, row: int) -> None:
        bar = self.verticalScrollBar()
        top = bar.value()
        if top == 0:
            return
        was_above = end < top
        now_above = row <= top  # `row` is in pre-move numbering
        if was_above and not now_above:
            bar.setValue(top - (end - start + 1))
        elif now_above and not was_above:
            bar.setValue(top + (end - start + 1))

    # A live batch is one layout change: keep the first shown row that survives at the top (at the very
    # top, stay there: the newest rows appear), as the row-by-row signals above do.
    def _batch_begins(self) -> None:
        top = self.rowAt(0)
        if not self._model.batching() or self.verticalScrollBar().value() == 0 or top < 0:
            self._batch_top = []
            return
        rows = range(top, min(top + 50, self._model.rowCount()))
        self._batch_top = [e.id for e in map(self._model.enquiry_at, rows) if e is not None]

    def _batch_ends(self) -> None:
        ids, self._batch_top = self._batch_top, []
        for ident in ids:
            row = self._model.row_of(ident)
            if row is not None:
                self.verticalScrollBar().setValue(row)
                return
