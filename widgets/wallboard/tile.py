"""One wallboard tile: a title, a big value, a line of detail and the level in words beside its shape.

Read from three metres: at 1920x1080 the value has a cap height of at least 60 px and the level word at
least 40 px (tests/qt/test_wallboard_legibility.py measures them). The level shows four ways at once
(colour, the icon's shape, the words and the border: thin, dashed or thick), so it reads in grayscale
and without colour vision. Colours and shapes are the queue's SLA ones (resources/palette.py,
resources/icons), the shape drawn at the size of the word, never a scaled-up small icon.

Sizes are pixels at 1920x1080, multiplied by the board's scale. A value too long for its tile (a wait
of days in a narrow tile) is drawn smaller to fit rather than clipped.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPixmap, QResizeEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from console.live.wallboard import LEVEL_STATE, Tile
from widgets.theme.icons import ICON_DIR
from widgets.theme.theme import Theme

# Pixel size and weight of each line at 1920x1080 (scale 1). DejaVu Sans Bold's cap height is 0.73 em:
# 86 px gives a 62 px value, 58 px a 42 px level word.
TITLE_PX, VALUE_PX, DETAIL_PX, WORDS_PX = 28, 86, 22, 58
SMALLEST_PX = 10
# The border says the level in grayscale too: (width at scale 1, style).
BORDERS = {"ok": (2, "solid"), "warn": (5, "dashed"), "alert": (9, "solid")}


def _font(px: int, weight: QFont.Weight) -> QFont:
    font = QFont()
    font.setPixelSize(max(SMALLEST_PX, px))
    font.setWeight(weight)
    return font


@cache
def level_shape(level: str, fill: str, mark: str, side: int) -> QPixmap:
    """The level's SLA shape (circle with a tick, triangle, octagon) rendered at exactly `side` px."""
    svg = (ICON_DIR / f"sla_{LEVEL_STATE[level]}.svg").read_text(encoding="utf-8")
    renderer = QSvgRenderer(QByteArray(svg.replace("FILL", fill).replace("MARK", mark).encode("utf-8")))
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, side, side))
    painter.end()
    return pixmap


class FitLabel(QLabel):
    """One line at a given pixel size, drawn smaller only when the text would not fit the width."""

    def __init__(self, name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setTextFormat(Qt.TextFormat.PlainText)
        # Its width comes from the tile, never from the text: a long value cannot widen the board.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._px = VALUE_PX

    def set_px(self, px: int) -> None:
        self._px = px
        self._fit()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        px = self._px
        room = self.contentsRect().width()
        wide = QFontMetrics(_font(px, QFont.Weight.Bold)).horizontalAdvance(self.text())
        if room > 0 and wide > room:
            px = max(SMALLEST_PX, int(px * room / wide))
        if self.font().pixelSize() != px:
            self.setFont(_font(px, QFont.Weight.Bold))


def _label(name: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names from the API are shown, never interpreted
    return label


class TileWidget(QFrame):
    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wallboardTile")
        # The grid gives each tile its share of the board: contents never hold the board at a size
        # (a board once shown at 4K must shrink back to 1080p).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._theme = theme
        self._scale = 1.0
        self.tile: Tile | None = None
        self.title = _label("tileTitle", self)
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.value = FitLabel("tileValue", self)
        self.detail = _label("tileDetail", self)
        self.detail.setWordWrap(True)
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.icon = _label("tileIcon", self)
        self.words = _label("tileWords", self)
        self._status = status = QHBoxLayout()
        status.setContentsMargins(0, 0, 0, 0)
        status.addWidget(self.icon)
        status.addWidget(self.words, 1)
        self._layout = QVBoxLayout(self)
        self._layout.setSpacing(2)
        self._layout.addWidget(self.title)
        self._layout.addWidget(self.value, 1)
        self._layout.addWidget(self.detail)
        self._layout.addLayout(status)
        self._restyle()

    def set_tile(self, tile: Tile) -> None:
        if tile == self.tile:
            return
        changed_level = self.tile is None or self.tile.level != tile.level
        self.tile = tile
        self.title.setText(tile.title)
        self.value.setText(tile.value)
        self.detail.setText(tile.detail)
        self.words.setText(tile.words)
        self.setAccessibleName(f"{tile.title}: {tile.value}, {tile.words}")
        if changed_level:
            self._restyle()

    def set_scale(self, scale: float) -> None:
        if abs(scale - self._scale) > 0.01:
            self._scale = scale
            self._restyle()

    def _restyle(self) -> None:
        tile, theme, s = self.tile, self._theme, self._scale
        level = tile.level if tile is not None else "ok"
        colours = theme.state(LEVEL_STATE[level])
        if level == "ok" or colours is None:
            bg, fg, edge = theme.alt_base.name(), theme.text.name(), theme.grid.name()
        else:
            bg, fg, edge = colours.bg.name(), colours.fg.name(), colours.icon_fill.name()
        width, style = BORDERS[level]
        border = max(1, round(width * s))
        self.setStyleSheet(
            f"#wallboardTile {{ background: {bg}; border: {border}px {style} {edge}; }}"
            f"#wallboardTile {{ border-radius: {round(10 * s)}px; }}"
            f"#wallboardTile QLabel {{ color: {fg}; background: transparent; border: none; }}"
            # A calm "OK" is said as large but quieter, so the flagged tiles stand out.
            + (f"#wallboardTile #tileWords {{ color: {theme.muted.name()}; }}" if level == "ok" else "")
        )
        # Fonts are set directly (not in the style sheet) so the value can be fitted to its width.
        self.title.setFont(_font(round(TITLE_PX * s), QFont.Weight.DemiBold))
        self.value.set_px(round(VALUE_PX * s))
        self.detail.setFont(_font(round(DETAIL_PX * s), QFont.Weight.Normal))
        self.words.setFont(_font(round(WORDS_PX * s), QFont.Weight.Bold))
        self._status.setSpacing(round(12 * s))
        # The style sheet's border already insets the contents: pad up to the thickest border, so a
        # tile's text stays in the same place whatever its level.
        pad = round(BORDERS["alert"][0] * s) - border
        side, top = pad + round(12 * s), pad + round(4 * s)
        self._layout.setContentsMargins(side, top, side, pad)
        if colours is not None:
            side = max(16, round(WORDS_PX * 0.95 * s))
            self.icon.setPixmap(level_shape(level, colours.icon_fill.name(), colours.icon_mark.name(), side))
