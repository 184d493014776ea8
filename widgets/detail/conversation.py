"""The detail pane's conversation: one row per turn, customer and agent told apart at a glance.

The customer's turns sit on the left with a neutral band on their left edge and the label "Customer";
the agent's on the right, tinted, with a green band on their right edge and "Agent · name". Alignment,
band and label each tell them apart, so the difference survives grayscale and colour-blindness.

Customer text is untrusted: the model holds plain strings and the delegate lays them out with QTextLayout
(plain text, never parsed as markup). Copies carry the text PII-masked, even when revealed on screen;
links are never followed from here (the pane asks first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from console.domain.privacy import mask_text
from widgets.theme.theme import Theme, make_theme

Index = QModelIndex | QPersistentModelIndex
KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # "in" (customer), "out" (agent) or "note" (the pane's words)
LABEL_ROLE = Qt.ItemDataRole.UserRole + 2  # "Customer" / "Agent · Niamh"
WHEN_ROLE = Qt.ItemDataRole.UserRole + 3
URL_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
BUBBLE_SHARE = 0.84  # a turn takes at most this share of the width: the side it sits on shows
AGENT_BAND = {"light": "#007A5A", "dark": "#3FBF94", "high_contrast": "#00E0A0"}  # Okabe-Ito green


@dataclass(frozen=True, slots=True)
class Turn:
    kind: str  # "in", "out" or "note"
    label: str  # "Customer", "Agent · Niamh"; "" for a note
    when: str  # "Mon 23 Nov 09:12"
    text: str  # plain text, already masked as the privacy mode asks


class ConversationModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._turns: list[Turn] = []

    def set_turns(self, turns: list[Turn]) -> None:
        self.beginResetModel()
        self._turns = list(turns)
        self.endResetModel()

    def turns(self) -> list[Turn]:
        return list(self._turns)

    def turn(self, row: int) -> Turn | None:
        return self._turns[row] if 0 <= row < len(self._turns) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._turns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        turn = self.turn(index.row()) if index.isValid() and not index.parent().isValid() else None
        if turn is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return turn.text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{turn.label}, {turn.when}: {turn.text}" if turn.label else turn.text
        if role == KIND_ROLE:
            return turn.kind
        if role == LABEL_ROLE:
            return turn.label
        if role == WHEN_ROLE:
            return turn.when
        return None


def plain_text(turn: Turn) -> str:
    return f"{turn.label} · {turn.when}\n{turn.text}" if turn.label else turn.text


def _layout(text: str, font: QFont, width: float) -> tuple[QTextLayout, float, float]:
    """Plain text wrapped at word boundaries (anywhere for a long address): (layout, height, widest)."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    y, widest = 0.0, 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, y))
        y += line.height()
        widest = max(widest, line.naturalTextWidth())
    layout.endLayout()
    return layout, y, widest


class TurnDelegate(QStyledItemDelegate):
    def __init__(self, view: QListView, theme: Theme | None = None) -> None:
        super().__init__(view)
        self.view = view
        self.theme = theme or make_theme("light")

    def _metrics(self, option: QStyleOptionViewItem) -> tuple[int, int, int]:
        fm = QFontMetrics(option.font)
        pad = max(6, fm.height() // 2)
        band = max(4, fm.height() // 4)
        width = max(80, self.view.viewport().width() - 2 * self.view.spacing())
        return pad, band, width

    def _bubble_width(self, index: Index, option: QStyleOptionViewItem) -> tuple[int, float]:
        """The bubble's outer width and the text width inside it."""
        pad, band, width = self._metrics(option)
        if index.data(KIND_ROLE) == "note":
            return width, float(width - 2 * pad)
        limit = int(width * BUBBLE_SHARE)
        inner_max = limit - 2 * pad - band
        _, _, widest = _layout(str(index.data() or ""), option.font, inner_max)
        label_w = QFontMetrics(self._bold(option.font)).horizontalAdvance(self._head(index)) + 1
        inner = min(inner_max, max(widest, label_w))
        return int(inner) + 2 * pad + band + 1, inner

    @staticmethod
    def _bold(font: QFont) -> QFont:
        bold = QFont(font)
        bold.setBold(True)
        return bold

    @staticmethod
    def _head(index: Index) -> str:
        label = str(index.data(LABEL_ROLE) or "")
        return f"{label} · {index.data(WHEN_ROLE) or ''}" if label else ""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        pad, _, width = self._metrics(option)
        _, inner = self._bubble_width(index, option)
        _, height, _ = _layout(str(index.data() or ""), option.font, inner)
        head = QFontMetrics(option.font).height() + pad // 2 if self._head(index) else 0
        return QSize(width, int(height) + head + 2 * pad)

    def agent_band(self) -> QColor:
        return QColor(AGENT_BAND.get(self.theme.name, AGENT_BAND["light"]))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        pad, band, _ = self._metrics(option)
        kind = index.data(KIND_ROLE)
        outer, inner = self._bubble_width(index, option)
        rect: QRect = option.rect
        if kind == "out":
            bubble = QRect(rect.right() - outer + 1, rect.top(), outer, rect.height())
        else:
            bubble = QRect(rect.left(), rect.top(), outer, rect.height())
        t = self.theme
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if kind == "note":
            fill, edge = t.window, t.window
        elif kind == "out":
            green = self.agent_band()
            fill = QColor(t.base)
            mix = 0.10 if not t.dark else 0.18
            fill.setRgbF(
                fill.redF() * (1 - mix) + green.redF() * mix,
                fill.greenF() * (1 - mix) + green.greenF() * mix,
                fill.blueF() * (1 - mix) + green.blueF() * mix,
            )
            edge = green
        else:
            fill, edge = t.alt_base if not t.dark else t.button, t.muted
        painter.setPen(t.focus if selected else t.grid)
        painter.setBrush(t.highlight if selected else fill)
        painter.drawRoundedRect(QRectF(bubble).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        if kind in ("in", "out"):
            band_x = bubble.right() - band + 1 if kind == "out" else bubble.left()
            painter.fillRect(QRect(band_x, bubble.top() + 1, band, bubble.height() - 2), edge)
        text_colour = t.highlight_text if selected else t.text
        left = bubble.left() + pad + (band if kind == "in" else 0)
        top = bubble.top() + pad
        head = self._head(index)
        if head:
            painter.setFont(self._bold(option.font))
            painter.setPen(text_colour)
            fm = QFontMetrics(self._bold(option.font))
            flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextSingleLine
            elided = fm.elidedText(head, Qt.TextElideMode.ElideRight, int(inner))
            painter.drawText(QRect(left, top, int(inner), fm.height()), flags, elided)
            top += fm.height() + pad // 2
        painter.setPen(text_colour if kind != "note" else (t.highlight_text if selected else t.muted))
        layout, _, _ = _layout(str(index.data() or ""), option.font, inner)
        layout.draw(painter, QPointF(left, top))  # plain text: markup is shown as typed
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(t.focus)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(bubble).adjusted(1.5, 1.5, -1.5, -1.5), 6, 6)
        painter.restore()


class ConversationView(QListView):
    """Read-only turns; Ctrl+C (or copy()) puts the selected turns on the clipboard, masked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.conversation = ConversationModel(self)
        self.setModel(self.conversation)
        self.turn_delegate = TurnDelegate(self)
        self.setItemDelegate(self.turn_delegate)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)  # turns re-wrap when the drawer is resized
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self.setSpacing(4)
        self.setDragEnabled(False)
        self.setAccessibleName("Conversation")

    def set_theme(self, theme: Theme) -> None:
        self.turn_delegate.theme = theme
        self.viewport().update()

    def set_turns(self, turns: list[Turn]) -> None:
        self.conversation.set_turns(turns)
        if turns:
            self.scrollToBottom()  # the latest turn is what needs an answer

    def set_note(self, text: str) -> None:
        self.set_turns([Turn("note", "", "", text)])

    def toPlainText(self) -> str:
        return "\n\n".join(plain_text(t) for t in self.conversation.turns())

    def isReadOnly(self) -> bool:
        return True

    def copy(self) -> None:
        rows = sorted(i.row() for i in self.selectionModel().selectedRows())
        turns = [t for t in map(self.conversation.turn, rows) if t is not None]
        if turns:
            QGuiApplication.clipboard().setText(mask_text("\n\n".join(plain_text(t) for t in turns)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy()
            event.accept()
            return
        super().keyPressEvent(event)

    def links_at(self, row: int) -> list[str]:
        turn = self.conversation.turn(row)
        return [] if turn is None else URL_RE.findall(turn.text)
