"""The "breaching soon" strip: the enquiries that breach within 30 minutes and can still be saved, the
soonest first, above the queue. Each chip names the time left, the customer (as the privacy mode shows
them) and the channel, so no two chips read alike (the reference is added when they would); the label
gives the total: "Breaching in 30 min: 8 of 67"."""

from __future__ import annotations

import html
from collections import Counter

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
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QSizePolicy,
    QStyle,
    QStyleOptionViewItem,
    QWidget,
)

from console.live.order import SOON_S
from console.sla.engine import SlaStatus
from console.sla.words import duration
from widgets.queue.delegates import ChipDelegate
from widgets.queue.follow import follow_rows
from widgets.queue.model import ID_ROLE, SLA_STATE_ROLE, SLA_STATUS_ROLE, QueueModel
from widgets.queue.text import channel_text, countdown_text, customer_text, sla_tooltip
from widgets.queue.view import TICK_MS
from widgets.theme.icons import sla_icon
from widgets.theme.theme import Theme

Index = QModelIndex | QPersistentModelIndex


class BreachModel(QAbstractListModel):
    """Up to N held enquiries whose deadline is nearest, not yet passed and within `within_s`, whatever
    the table shows."""

    def __init__(
        self, queue: QueueModel, n: int = 8, parent: QObject | None = None, *, within_s: float = SOON_S
    ) -> None:
        super().__init__(parent)
        self._queue = queue
        self._n = n
        self._within_s = within_s
        self._chips: list[tuple[str, SlaStatus, str]] = []  # (id, status, the chip's text)

    def refresh(self) -> None:
        limit = self._queue.now() + self._within_s
        items = [(e.id, s) for e, s in self._queue.nearest_deadlines(self._n) if s.due_at <= limit]
        chips = [(i, s, t) for (i, s), t in zip(items, self._chip_texts(items), strict=True)]
        # Chips that stay keep the keyboard's place (widgets.queue.follow); every one is read again (its
        # countdown runs even where its status is the same).
        follow_rows(self, self._chips, chips, _chip_id, all_read_again=True)

    def _chip_texts(self, items: list[tuple[str, SlaStatus]]) -> list[str]:
        """ "4 min left · @jo•••• · WhatsApp · DM": the time left, who and where. Two chips never read
        alike: where they would, each names its reference too."""
        privacy = self._queue.privacy()
        texts = []
        for ident, status in items:
            e = self._queue.enquiry(ident)
            where = "" if e is None else channel_text(e.channel, e.visibility)
            who = "" if e is None else f" · {customer_text(e, privacy)} · {where}"
            texts.append(f"{duration(status.remaining_s, up=True)} left{who}")
        seen = Counter(texts)
        return [f"{t} · {ident}" if seen[t] > 1 else t for t, (ident, _) in zip(texts, items, strict=True)]

    def ids(self) -> list[str]:
        return [c[0] for c in self._chips]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._chips)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.parent().isValid() or not 0 <= index.row() < len(self._chips):
            return None
        ident, status, text = self._chips[index.row()]
        e = self._queue.enquiry(ident)
        state = getattr(status, "state", None)
        tz, now = self._queue.time_zone(), self._queue.now()
        if role == Qt.ItemDataRole.DisplayRole:
            return text
        if role == Qt.ItemDataRole.DecorationRole:
            return None if state is None else sla_icon(str(state), self._queue.theme())
        if role in (Qt.ItemDataRole.ToolTipRole,):
            topic = "" if e is None else html.escape(e.topic.replace("_", " ").capitalize())
            return f"<p>{html.escape(ident)} · {topic}<br>{sla_tooltip(status, tz)}</p>"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"Breaching soon: {text}, {countdown_text(status, tz, now)}"
        if role == ID_ROLE:
            return ident
        if role == SLA_STATE_ROLE:
            return state
        if role == SLA_STATUS_ROLE:
            return status
        return None


def _chip_id(chip: tuple[str, SlaStatus, str]) -> str:
    return chip[0]


class _WideChip(ChipDelegate):
    """A chip with room for who and where as well as the time left (the plain chip keeps 34 characters)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        fm = QFontMetrics(option.font)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        pad = max(6, fm.height() // 3)
        width = min(fm.horizontalAdvance(text), fm.averageCharWidth() * 46) + fm.height() + 4 * pad
        return QSize(width, int(fm.height() * 2.1))


class BreachStrip(QWidget):
    """A horizontal row of chips for the nearest deadlines; click or Enter on one emits its id
    (connect enquiryClicked to QueueView.select_id). Refreshes every few seconds and on live updates."""

    enquiryClicked = Signal(str)

    def __init__(
        self, queue: QueueModel, n: int = 8, parent: QWidget | None = None, *, within_s: float = SOON_S
    ) -> None:
        super().__init__(parent)
        self.model = BreachModel(queue, n, self, within_s=within_s)
        self._label = QLabel(self)
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._total: int | None = None  # breaching within 30 min, from the header's figures
        self._pending = False  # the rows are still arriving (set_pending): no deadline is known yet
        self._why = ""
        self._list = QListView(self)
        self._list.setAccessibleName("Enquiries breaching soon")
        self._list.setFlow(QListView.Flow.LeftToRight)
        self._list.setWrapping(False)
        self._list.setUniformItemSizes(False)
        self._list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._list.setFrameShape(QListView.Shape.NoFrame)
        self._delegate = _WideChip(self._list, queue.theme())
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
        for signal in (self.model.modelReset, self.model.rowsInserted, self.model.rowsRemoved):
            signal.connect(self._show_total)  # "8 of 67": the chips on show
        self.model.refresh()
        self._show_total()
        self._fit()

    def set_pending(self, pending: bool, why: str = "the service's enquiries are still arriving") -> None:
        """While the rows are still arriving (or being read), "nothing breaches" would be a guess: the
        strip says so, and why."""
        self._pending, self._why = pending, why
        self._show_total()

    def set_total(self, total: int) -> None:
        """How many enquiries breach within 30 minutes in all (the header's "Breaching in 30 min")."""
        self._total = total
        self._show_total()

    def label_text(self) -> str:
        return self._label.text()

    def _show_total(self, *_: object) -> None:
        shown = self.model.rowCount()
        if self._pending:
            text = f"Deadlines not known yet: {self._why}"
        elif shown == 0:
            text = "Nothing breaches in the next 30 min"
        else:
            # The total is computed every few seconds; never fewer than the chips on show.
            total = max(shown, self._total or 0)
            text = f"Breaching in 30 min: {shown} of {total:,}" if total > shown else "Breaching in 30 min:"
        self._label.setText(text)
        self._label.setAccessibleName(text)

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
