"""One wallboard tile: a title, a big value, a line of detail and the level in words beside its icon.

The level shows three ways at once (colour, icon shape, words), so it reads without colour vision and
from across a room. Colours and icons are the queue's SLA ones (resources/palette.py, resources/icons).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.live.wallboard import LEVEL_STATE, Tile
from widgets.theme.icons import sla_icon
from widgets.theme.theme import Theme


def _label(name: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names from the API are shown, never interpreted
    return label


class TileWidget(QFrame):
    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wallboardTile")
        self._theme = theme
        self._scale = 1.0
        self.tile: Tile | None = None
        self.title = _label("tileTitle", self)
        self.title.setWordWrap(True)
        self.value = _label("tileValue", self)
        self.detail = _label("tileDetail", self)
        self.detail.setWordWrap(True)
        self.icon = _label("tileIcon", self)
        self.words = _label("tileWords", self)
        status = QHBoxLayout()
        status.setContentsMargins(0, 0, 0, 0)
        status.addWidget(self.icon)
        status.addWidget(self.words, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.detail)
        layout.addLayout(status)

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
        border = max(2, round((6 if level == "alert" else 3) * s))
        self.setStyleSheet(
            f"#wallboardTile {{ background: {bg}; border: {border}px solid {edge}; }}"
            f"#wallboardTile {{ border-radius: {round(10 * s)}px; }}"
            f"#wallboardTile QLabel {{ color: {fg}; background: transparent; border: none; }}"
            f"#tileTitle {{ font-size: {round(28 * s)}px; font-weight: 600; }}"
            f"#tileValue {{ font-size: {round(76 * s)}px; font-weight: 700; }}"
            f"#tileDetail {{ font-size: {round(21 * s)}px; }}"
            f"#tileWords {{ font-size: {round(26 * s)}px; font-weight: 700; }}"
        )
        icon = sla_icon(LEVEL_STATE[level], theme)
        if icon is not None:
            side = max(16, round(34 * s))
            self.icon.setPixmap(icon.pixmap(side, side))
