"""Painting of queue cells and breach chips.

A queue cell's text is drawn as a QStaticText in plain-text format (widgets.queue.laid_text); chips are
drawn with QPainter.drawText on a plain string. Neither interprets markup: customer text such as "<b>",
"<img src=...>" or "&lt;" appears exactly as typed. The SLA cell keeps its state colours even on a selected
row, so a selection never hides how late an enquiry is.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QIcon, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from widgets.queue.laid_text import SELECTED, LaidTextDelegate, cell_pad
from widgets.queue.model import SLA_STATE_ROLE, Cell, QueueModel
from widgets.queue.text import Col
from widgets.theme.theme import Theme, make_theme

Index = QModelIndex | QPersistentModelIndex
# Made once: a cell is painted many times a second, and every operation on Qt's flag enums runs Python.
_ALTERNATE = QStyleOptionViewItem.ViewItemFeature.Alternate.value


def _cell_from_roles(index: Index) -> Cell:
    icon = index.data(Qt.ItemDataRole.DecorationRole)
    align = index.data(Qt.ItemDataRole.TextAlignmentRole)
    return Cell(
        str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
        icon if isinstance(icon, QIcon) and not icon.isNull() else None,
        _brush(index.data(Qt.ItemDataRole.ForegroundRole)),
        _brush(index.data(Qt.ItemDataRole.BackgroundRole)),
        align is not None and bool(Qt.AlignmentFlag.AlignRight & align),
        index.data(SLA_STATE_ROLE) in ("urgent", "breached"),
    )


def _brush(value: object) -> QBrush | None:
    if isinstance(value, QBrush):
        return value
    if isinstance(value, QColor):
        return QBrush(value)
    return None


def row_height(font: QFont) -> int:
    """Rows a little taller than the text, so a tired eye finds the line it is on."""
    fm = QFontMetrics(font)
    return int(fm.height() * 1.75)


class QueueDelegate(LaidTextDelegate):
    """Paints one queue cell: background, optional icon, one line of elided plain text. A cell's text is
    elided and laid out once (widgets.queue.laid_text): a repaint of the visible rows costs 1.1x a bare
    table's."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        model = index.model()
        column = index.column()
        cell = model.cell(index.row(), column) if isinstance(model, QueueModel) else None
        if cell is None:  # another model, or a row that just went away: fall back to the roles
            cell = _cell_from_roles(index)
        rect: QRect = option.rect
        state = option.state.value  # plain ints: Qt's flag enums cost microseconds per operation in Python
        palette = option.palette
        selected = bool(state & SELECTED)
        is_sla = column == Col.SLA
        painter.save()
        if is_sla and cell.bg is not None:
            painter.fillRect(rect, cell.bg)
        elif selected:
            painter.fillRect(rect, palette.highlight())
        elif cell.bg is not None:
            painter.fillRect(rect, cell.bg)
        elif option.features.value & _ALTERNATE:
            painter.fillRect(rect, palette.alternateBase())
        if is_sla and selected:
            # A selection edge on the coloured cell, so the whole row still reads as selected.
            painter.fillRect(QRect(rect.left(), rect.top(), 4, rect.height()), palette.highlight())
            painter.fillRect(QRect(rect.left(), rect.bottom() - 1, rect.width(), 2), palette.highlight())

        plain, plain_fm, bold, bold_fm, pad = self.laid.fonts(option.font)
        font, fm = (bold, bold_fm) if cell.bold else (plain, plain_fm)
        painter.setFont(font)
        inner = rect.adjusted(pad + (4 if is_sla else 0), 0, -pad, 0)
        if cell.icon is not None:
            inner.setLeft(self.icon_at(painter, cell.icon, inner.left(), inner, fm, 16) + 1 + pad)
        painter.setPen(self.text_colour(palette, cell.fg, selected, keep=is_sla))
        # A static text in plain-text format: markup in customer text is never interpreted.
        shown, width = self.laid.text(fm, font, cell.text, inner.width(), cell.bold)
        left = inner.left() + inner.width() - width if cell.right else inner.left()
        painter.drawStaticText(round(left), inner.top() + (inner.height() - fm.height()) // 2, shown)

        self.focus_frame(painter, rect, state)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        fm = QFontMetrics(option.font)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        icon = 0 if index.data(Qt.ItemDataRole.DecorationRole) is None else fm.height() + cell_pad(fm)
        return QSize(fm.horizontalAdvance(text) + icon + 2 * cell_pad(fm) + 6, row_height(option.font))


class ChipDelegate(QStyledItemDelegate):
    """A breach-soon chip: a rounded box in the state's colours, icon, countdown, a few words."""

    def __init__(self, parent: QWidget | None = None, theme: Theme | None = None) -> None:
        super().__init__(parent)
        self.theme = theme or make_theme("light")

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect: QRect = option.rect.adjusted(3, 3, -3, -3)
        state = option.state
        colours = self.theme.state(str(index.data(SLA_STATE_ROLE)))
        bg = colours.bg if colours else self.theme.alt_base
        fg = colours.fg if colours else self.theme.text
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        border = self.theme.focus if state & QStyle.StateFlag.State_HasFocus else self.theme.grid
        selected = bool(state & QStyle.StateFlag.State_Selected)
        painter.setPen(QPen(self.theme.focus if selected else border, 2 if selected else 1))
        painter.setBrush(bg)
        painter.drawRoundedRect(rect, 6, 6)
        fm = QFontMetrics(option.font)
        pad = cell_pad(fm)
        inner = rect.adjusted(pad, 0, -pad, 0)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            side = fm.height()
            icon.paint(painter, QRect(inner.left(), inner.top() + (inner.height() - side) // 2, side, side))
            inner.setLeft(inner.left() + side + pad // 2)
        painter.setPen(fg)
        painter.setFont(option.font)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        flags = Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine
        painter.drawText(inner, flags, fm.elidedText(text, Qt.TextElideMode.ElideRight, inner.width()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        fm = QFontMetrics(option.font)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        width = min(fm.horizontalAdvance(text), fm.averageCharWidth() * 34) + fm.height() + 4 * cell_pad(fm)
        return QSize(width, int(fm.height() * 2.1))
