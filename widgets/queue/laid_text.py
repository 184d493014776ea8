"""Plain texts elided to a width and laid out once, for delegates that paint many cells a second.

A QStaticText keeps its layout, which QPainter.drawText redoes at every call; elided (~6-12 us) and laid out
(~15 us) once per (text, width, bold) until the font changes, a repaint of the same cells costs little
more than a bare C++ table's. The static texts are in plain-text format: markup in customer text is never
interpreted ("<b>" shows as typed).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QIcon, QPainter, QPalette, QPen, QStaticText
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QWidget

from widgets.theme.theme import Theme, make_theme

PAD = 6  # horizontal padding in a cell, scaled with the font (cell_pad)
TEXTS_KEPT = 4096  # laid-out texts kept (a repaint shows the same texts at the same widths)
# One line, as drawText's TextSingleLine drew it: a line break in a customer's name stays in its cell.
ONE_LINE = str.maketrans({"\n": " ", "\r": " ", "\t": " ", "\u2028": " ", "\u2029": " "})

Fonts = tuple[QFont, QFontMetrics, QFont, QFontMetrics, int]  # plain, its metrics, bold, its metrics, pad
# Made once: a cell is painted many times a second, and every operation on Qt's flag enums runs Python.
SELECTED = QStyle.StateFlag.State_Selected.value
FOCUS = QStyle.StateFlag.State_HasFocus.value


def cell_pad(fm: QFontMetrics) -> int:
    return max(PAD, fm.height() // 3)


class LaidTexts:
    """One delegate's fonts (plain and bold, with metrics, made once per font) and its laid-out texts."""

    def __init__(self) -> None:
        self._font = QFont()
        self._fonts: Fonts | None = None
        self._texts: dict[tuple[str, int, bool], tuple[QStaticText, float]] = {}

    def fonts(self, font: QFont) -> Fonts:
        if self._fonts is None or font != self._font:
            plain, bold = QFont(font), QFont(font)  # copies: the option's own font ends with the option
            bold.setBold(True)
            fm = QFontMetrics(plain)
            self._font, self._fonts = plain, (plain, fm, bold, QFontMetrics(bold), cell_pad(fm))
            self._texts = {}
        return self._fonts

    def text(
        self, fm: QFontMetrics, font: QFont, text: str, width: int, bold: bool
    ) -> tuple[QStaticText, float]:
        """One line of the text elided to the width, laid out in the font, and its width."""
        key = (text, width, bold)
        laid = self._texts.get(key)
        if laid is None:
            if len(self._texts) >= TEXTS_KEPT:
                self._texts = {}
            shown = QStaticText(fm.elidedText(text.translate(ONE_LINE), Qt.TextElideMode.ElideRight, width))
            shown.setTextFormat(Qt.TextFormat.PlainText)
            shown.prepare(font=font)
            laid = self._texts[key] = (shown, shown.size().width())
        return laid

    def misses(self, text: str, width: int, bold: bool) -> bool:
        """The text is not laid out at that width yet (probes and tests)."""
        return (text, width, bold) not in self._texts


class LaidTextDelegate(QStyledItemDelegate):
    """A delegate that paints plain laid-out texts in a theme (the queue's cells, the lanes' cards)."""

    def __init__(self, parent: QWidget | None = None, theme: Theme | None = None) -> None:
        super().__init__(parent)
        self.theme = theme or make_theme("light")
        self.laid = LaidTexts()

    @staticmethod
    def icon_at(painter: QPainter, icon: QIcon, left: int, rect: QRect, fm: QFontMetrics, least: int) -> int:
        """The icon at `left`, centred in the rect's height, as large as a line of text (at least `least`
        px): at 200% text a 16 px icon is half a line. Returns its right edge."""
        side = min(rect.height() - 4, max(least, fm.height()))
        icon_rect = QRect(left, rect.top() + (rect.height() - side) // 2, side, side)
        icon.paint(painter, icon_rect)
        return icon_rect.right()

    @staticmethod
    def text_colour(palette: QPalette, fg: QBrush | None, selected: bool, *, keep: bool = False) -> QColor:
        """The item's own text colour, the selection's when selected (unless `keep`: a state's colours
        stay on a selected SLA cell), else the palette's."""
        if fg is not None and (keep or not selected):
            return fg.color()
        return palette.highlightedText().color() if selected else palette.text().color()

    def focus_frame(self, painter: QPainter, rect: QRect, state: int) -> None:
        """The current item's frame in the theme's focus colour (state: the option's, as an int)."""
        if state & FOCUS:
            painter.setPen(QPen(self.theme.focus, 2))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
