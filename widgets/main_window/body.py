"""The main window's body under the header: the queue with the detail drawer at its right edge, and the
rule that keeps the columns a supervisor needs most on screen at any window size and text size.

The drawer opens when an enquiry is picked and closes with Escape or its Close button. Open, it sits
beside the queue when the queue can still show its key columns next to it, and over the queue's right
part when it cannot (a branch PC at 1366x768, or large text); closed, the queue has the whole width.

Key columns (SLA, customer, team, latest message) are never folded away for want of room; the others
fold in a fixed order when the table is too narrow and come back when it widens. A column the
supervisor hid or showed by hand from the header menu is left as they set it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QStyle, QTableView, QWidget

from widgets.queue.text import COLUMNS, Col

KEY_COLUMNS = (Col.SLA, Col.CUSTOMER, Col.TEAM, Col.PREVIEW)
# Folded first to last when the table is too narrow: what the key columns and a glance at the row
# already tell, first; the flags (fraud risk, vulnerable customer) last.
FOLD_ORDER = (Col.AGE, Col.TOPIC, Col.AGENT, Col.RISK, Col.CHANNEL, Col.FLAGS)
MESSAGE_CHARS = 22  # the latest message keeps at least this many average characters


class ColumnFit(QObject):
    """Folds the queue's secondary columns to fit its width; call fit() after a resize or a font change
    (it also follows the view's own resizes)."""

    folded = Signal(list)  # the column titles folded away for want of room

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self.view = view
        self._auto: set[int] = set()  # hidden by this rule (not by the supervisor)
        self._pinned: set[int] = set()  # shown by the supervisor after this rule hid it: left alone
        self._shown: list[str] = []
        self._busy = False
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.view.viewport() and not self._busy:
            self.fit()
        return False

    def header_state(self) -> QByteArray:
        """The header's state as the supervisor set it: columns folded for want of room count as shown
        (a small window today must not hide them for good)."""
        hh = self.view.horizontalHeader()
        folded = [c for c in self._auto if hh.isSectionHidden(c)]
        self._busy = True
        try:
            for col in folded:
                hh.setSectionHidden(col, False)
            state = hh.saveState()
            for col in folded:
                hh.setSectionHidden(col, True)
        finally:
            self._busy = False
        return state

    def forget(self) -> None:
        """After the header state was restored: what it hides is the supervisor's choice."""
        self._auto.clear()
        self._pinned.clear()
        self.fit()

    def message_min(self) -> int:
        return self.view.fontMetrics().averageCharWidth() * MESSAGE_CHARS

    def key_width(self) -> int:
        """The table width the key columns need (sections, a readable message, scroll bar and frame)."""
        hh = self.view.horizontalHeader()
        cols = sum(hh.sectionSize(c) for c in KEY_COLUMNS if c != Col.PREVIEW)
        bar = self.view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return cols + self.message_min() + bar + 2 * self.view.frameWidth() + 4

    def fit(self) -> None:
        hh = self.view.horizontalHeader()
        for col in list(self._auto):
            if not hh.isSectionHidden(col) and col not in self._pinned:
                self._pinned.add(col)  # shown again from the header menu: the supervisor's choice
                self._auto.discard(col)
        width = self.view.viewport().width()
        if width <= 0:
            return

        def used() -> int:
            shown = (c for c in range(len(COLUMNS)) if c != Col.PREVIEW and not hh.isSectionHidden(c))
            return sum(hh.sectionSize(c) for c in shown)

        # Bring back what fits again (last folded first), then fold until the message has its room.
        for col in reversed(FOLD_ORDER):
            if col in self._auto and used() + hh.sectionSize(col) + self.message_min() <= width:
                self._auto.discard(col)
                hh.setSectionHidden(col, False)
        for col in FOLD_ORDER:
            if used() + self.message_min() <= width:
                break
            if col not in self._pinned and not hh.isSectionHidden(col):
                hh.setSectionHidden(col, True)
                self._auto.add(col)
        shown = [COLUMNS[c] for c in FOLD_ORDER if c in self._auto]
        if shown != self._shown:
            self._shown = shown
            self.folded.emit(shown)

    def folded_titles(self) -> list[str]:
        return list(self._shown)


class _Edge(QFrame):
    """The drawer's left edge: a line that can be dragged to make the drawer wider or narrower."""

    def __init__(self, moved: Callable[[int], None], parent: QWidget) -> None:
        super().__init__(parent)
        self._moved = moved
        self.setFrameShape(QFrame.Shape.VLine)
        self.setFrameShadow(QFrame.Shadow.Plain)
        self.setLineWidth(2)
        self.setCursor(Qt.CursorShape.SplitHCursor)
        self.setToolTip("Drag to widen or narrow the details")

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._moved(self.mapToParent(event.position().toPoint()).x())


class DrawerHost(QWidget):
    """The queue area (content) with the detail drawer at its right edge."""

    openChanged = Signal(bool)

    def __init__(self, content: QWidget, drawer: QWidget, key_width: Callable[[], int]) -> None:
        super().__init__()
        self.content, self.drawer, self._key_width = content, drawer, key_width
        content.setParent(self)
        drawer.setParent(self)
        drawer.setAutoFillBackground(True)  # opaque when it lies over the queue
        self.edge = _Edge(self._drag, self)
        self._open = False
        self._share: float | None = None  # the drawer's width as a share of the body, once dragged
        self._overlay = False
        drawer.hide()
        self.edge.hide()

    def is_open(self) -> bool:
        return self._open

    def is_overlay(self) -> bool:
        """Open over the queue's right part (no room beside it)."""
        return self._open and self._overlay

    def set_open(self, open_: bool) -> None:
        if open_ == self._open:
            return
        self._open = open_
        self.drawer.setVisible(open_)
        self.edge.setVisible(open_)
        self._place()
        self.openChanged.emit(open_)

    def drawer_width(self) -> int:
        char = self.drawer.fontMetrics().averageCharWidth()
        low, high = char * 34, max(char * 34, int(self.width() * 0.62))
        wanted = int(self.width() * self._share) if self._share else max(char * 60, self.width() * 3 // 8)
        if not self._share and self.width() - wanted < self._key_width():
            wanted = high  # it lies over the queue anyway: wide enough to read the clocks whole
        return max(low, min(high, wanted, self.width()))

    def _drag(self, x: int) -> None:
        if self.width() > 0:
            self._share = min(0.8, max(0.15, (self.width() - x) / self.width()))
            self._place()

    def relayout(self) -> None:
        """After a font change: the drawer's width follows the text size again."""
        self._share = None
        self._place()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        r = self.rect()
        if not self._open:
            self.content.setGeometry(r)
            return
        dw = self.drawer_width()
        edge = 3
        self._overlay = r.width() - dw - edge < self._key_width()
        self.content.setGeometry(r if self._overlay else r.adjusted(0, 0, -dw - edge, 0))
        self.edge.setGeometry(QRect(r.right() - dw - edge + 1, r.top(), edge, r.height()))
        self.drawer.setGeometry(QRect(r.right() - dw + 1, r.top(), dw, r.height()))
        self.edge.raise_()
        self.drawer.raise_()

    def sizeHint(self) -> QSize:
        return self.content.sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self.content.minimumSizeHint()


class EscapeCloses(QObject):
    """Escape in a view closes the drawer when it is open; otherwise the key goes on to the view."""

    def __init__(self, view: QWidget, is_open: Callable[[], bool], close: Callable[[], None]) -> None:
        super().__init__(view)
        self._is_open, self._close = is_open, close
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self._is_open()
        ):
            self._close()
            return True
        return False
