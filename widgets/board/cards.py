"""Painting of a lane's enquiry cards.

Qt's own delegate asks the model for about seven roles per card at every paint, each a call into Python: a
lane's list took 1.2 ms to repaint (0.65 ms now, as a C++ model with Qt's delegate), a dozen of them
repaint together after each regroup, and three times slower while the workers ran. CardDelegate reads the
card once (LaneModel.card) and draws its two lines as laid-out plain text (widgets.queue.laid_text), so
markup is never interpreted. The look is the one Qt's delegate gave: the state's ground and text colour (the
selection's when selected), its icon, bold when urgent, each line elided.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from widgets.board.model import LaneModel
from widgets.queue.laid_text import SELECTED, LaidTextDelegate

Index = QModelIndex | QPersistentModelIndex
MARGIN = 4  # between the card's edge, its icon and its text (Qt's delegate: the focus frame's margin + 1)


class CardDelegate(LaidTextDelegate):
    """Paints one card of a LaneModel; anything else as Qt's delegate does."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        model = index.model()
        card = model.card(index.row()) if isinstance(model, LaneModel) else None
        if card is None:
            super().paint(painter, option, index)
            return
        rect: QRect = option.rect
        state = option.state.value  # plain ints: Qt's flag enums cost microseconds per operation in Python
        palette = option.palette
        selected = bool(state & SELECTED)
        painter.save()
        if selected:
            painter.fillRect(rect, palette.highlight())
        elif card.bg is not None:
            painter.fillRect(rect, card.bg)
        plain, plain_fm, bold, bold_fm, _ = self.laid.fonts(option.font)
        font, fm = (bold, bold_fm) if card.bold else (plain, plain_fm)
        left = rect.left() + MARGIN
        if card.icon is not None:
            least = option.decorationSize.height()
            left = self.icon_at(painter, card.icon, left, rect, fm, least) + 1 + MARGIN
        painter.setPen(self.text_colour(palette, card.fg, selected))
        painter.setFont(font)
        width = rect.right() - MARGIN - left
        line = fm.lineSpacing()
        top = rect.top() + (rect.height() - line - fm.height()) // 2
        for text in (card.head, card.tail):
            shown, _ = self.laid.text(fm, font, text, width, card.bold)
            painter.drawStaticText(left, top, shown)
            top += line
        self.focus_frame(painter, rect, state)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        """The height Qt's delegate gives two lines and an icon; no width of its own, so a card is as wide
        as its lane. (A lane's cards share one size, the first card's: a long first card made them all wider
        than the lane, and their text ran under the edge, cut off rather than elided.)"""
        return QSize(1, super().sizeHint(option, index).height())
