"""The "breaching soon" strip: the most urgent enquiries that can still be saved, above the queue."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QSizePolicy,
    QStyle,
    QWidget,
)

from console.sla.engine import SlaStatus
from widgets.queue.delegates import ChipDelegate
from widgets.queue.model import ID_ROLE, SLA_STATE_ROLE, SLA_STATUS_ROLE, QueueModel
from widgets.queue.text import countdown_text, sla_tooltip
from widgets.queue.view import TICK_MS
from widgets.theme.icons import sla_icon
from widgets.theme.theme import Theme

Index = QModelIndex | QPersistentModelIndex


class BreachModel(QAbstractListModel):
    """The N held enquiries whose deadline is nearest and not yet passed, whatever the table shows."""

    def __init__(self, queue: QueueModel, n: int = 8, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue = queue
        self._n = n
        self._items: list[tuple[str, SlaStatus]] = []  # (id, status)

    def refresh(self) -> None:
        items = [(e.id, s) for e, s in self._queue.nearest_deadlines(self._n)]
        if [i for i, _ in items] == [i for i, _ in self._items]:
            self._items = items
            if items:
                self.dataChanged.emit(self.index(0), self.index(len(items) - 1))
            return
        self.beginResetModel()
        self._items = items
        self.endResetModel()

    def ids(self) -> list[str]:
        return [i for i, _ in self._items]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.parent().isValid() or not 0 <= index.row() < len(self._items):
            return None
        ident, status = self._items[index.row()]
        e = self._queue.enquiry(ident)
        state = getattr(status, "state", None)
        tz, now = self._queue.time_zone(), self._queue.now()
        if role == Qt.ItemDataRole.DisplayRole:
            topic = "" if e is None else e.topic.replace("_", " ").capitalize()
            return f"{countdown_text(status, tz, now)} · {topic}"
        if role == Qt.ItemDataRole.DecorationRole:
            return None if state is None else sla_icon(str(state), self._queue.theme())
        if role in (Qt.ItemDataRole.ToolTipRole,):
            return f"<p>{sla_tooltip(status, tz)}</p>"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Breaching soon: {countdown_text(status, tz, now)}"
        if role == ID_ROLE:
            return ident
        if role == SLA_STATE_ROLE:
            return state
        if role == SLA_STATUS_ROLE:
            return status
        return None


class BreachStrip(QWidget):
    """A horizontal row of chips for the nearest deadlines; click or Enter on one emits its id
    (connect enquiryClicked to QueueView.select_id). Refreshes every few seconds and on live updates."""

    enquiryClicked = Signal(str)

    def __init__(self, queue: QueueModel, n: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = BreachModel(queue, n, self)
        self._label = QLabel("Breaching soon", self)
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._list = QListView(self)
        self._list.setAccessibleName("Enquiries breaching soon")
        self._list.setFlow(QListView.Flow.LeftToRight)
        self._list.setWrapping(False)
        self._list.setUniformItemSizes(False)
        self._list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._list.setFrameShape(QListView.Shape.NoFrame)
        self._delegate = ChipDelegate(self._list, queue.theme())
        self._list.setItemDelegate(self._delegate)
        self._list.setModel(self.model)
        self._list.clicked.connect(self._clicked)
        self._list.activated.connect(self._clicked)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self._label)
        layout.addWidget(self._list, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(5 * TICK_MS)
        self._timer.timeout.connect(self.model.refresh)
        self._timer.start()
        # Coalesce bursts of live updates into one refresh.
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(200)
        self._soon.timeout.connect(self.model.refresh)
        for signal in (queue.rowsInserted, queue.rowsRemoved, queue.modelReset, queue.layoutChanged):
            signal.connect(self._soon.start)
        self.model.refresh()
        self._fit()

    def list_view(self) -> QListView:
        return self._list

    def set_theme(self, theme: Theme) -> None:
        self._delegate.theme = theme
        self._fit()
        self._list.viewport().update()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    def _fit(self) -> None:
        # Room for one row of chips and the scroll bar that appears when they overflow.
        bar = self._list.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self._list.setFixedHeight(int(self.fontMetrics().height() * 2.1) + 6 + bar)

    def sizeHint(self) -> QSize:
        return QSize(600, self._list.height() + 6)

    def _clicked(self, index: Index) -> None:
        ident = index.data(ID_ROLE)
        if isinstance(ident, str):
            self.enquiryClicked.emit(ident)


__all__ = ["BreachModel", "BreachStrip"]
