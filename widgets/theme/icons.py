"""SLA state and channel icons, drawn from the SVG templates in resources/icons/ in the theme's colours.

Each SLA state has its own shape (circle, triangle, diamond, octagon) so states read without colour.
Icons are rendered once per (kind, colours, size) and cached; data() hands out the cached QIcon.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from resources.palette import CHANNEL_TINT_UNKNOWN, CHANNEL_TINTS, SLA_STATES
from widgets.theme.theme import Theme

ICON_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"
KNOWN_CHANNEL_ICONS = frozenset(CHANNEL_TINTS)
_SIZES = (16, 20, 24, 32, 48)  # logical sizes pre-rendered; QIcon scales from the nearest


@cache
def _template(name: str) -> str:
    return (ICON_DIR / f"{name}.svg").read_text(encoding="utf-8")


def _render(svg: str, size: int) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


def _icon(svg: str, badge: str | None = None) -> QIcon:
    icon = QIcon()
    for size in _SIZES:
        pixmap = _render(svg, size)
        if badge is not None:
            # A small lock over the bottom-right corner marks a private conversation (DM).
            painter = QPainter(pixmap)
            painter.drawPixmap(size - size * 9 // 16, size - size * 9 // 16, _render(badge, size * 9 // 16))
            painter.end()
        icon.addPixmap(pixmap)
    return icon


@cache
def _sla_icon(state: str, fill: str, mark: str) -> QIcon:
    svg = _template(f"sla_{state}").replace("FILL", fill).replace("MARK", mark)
    return _icon(svg)


def sla_icon(state: str, theme: Theme) -> QIcon | None:
    """The icon for an SLA state in this theme's colours; None for an unknown state."""
    colours = theme.state(state)
    if colours is None:
        return None
    return _sla_icon(state, colours.icon_fill.name(), colours.icon_mark.name())


@cache
def _channel_icon(channel: str, private: bool, tint: str, ring: str) -> QIcon:
    name = channel if channel in KNOWN_CHANNEL_ICONS else "unknown"
    svg = _template(f"channel_{name}").replace("TINT", tint).replace("GLYPH", "#FFFFFF")
    badge = _template("lock").replace("FILL", "#F0E442").replace("RING", ring) if private else None
    return _icon(svg, badge)


def channel_icon(channel: str, private: bool, theme: Theme) -> QIcon:
    """A glyph per known channel (a plain speech bubble for unknown ones), with a lock when private."""
    tint = CHANNEL_TINTS.get(channel, CHANNEL_TINT_UNKNOWN)
    return _channel_icon(channel, private, tint, QColor("#1F2328").name())


def icons_to_warm(theme: Theme) -> list[Callable[[], QIcon | None]]:
    """Every SLA state's and channel's icon in this theme (private and not), one call each, to render
    ahead of the queue's first paint: each is ~0.5-1 ms of SVG rendering, and a first paint that met a
    dozen of them for the first time held the UI thread ~10 ms longer."""
    states: list[Callable[[], QIcon | None]] = [partial(sla_icon, s, theme) for s in SLA_STATES]
    kinds = [*sorted(KNOWN_CHANNEL_ICONS), "unknown"]
    return states + [partial(channel_icon, c, private, theme) for c in kinds for private in (False, True)]
