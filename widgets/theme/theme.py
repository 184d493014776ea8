"""Themes (light, dark, high contrast) and large-font scaling for the whole application.

apply_theme() sets the Fusion style, a QPalette and the application font, and returns the Theme so the
shell can hand it to the views (QueueView.set_theme) that paint SLA colours themselves. No global state:
whoever applies a theme passes it on. Colour data lives in resources/palette.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from resources.palette import SLA_STATES, THEMES

THEME_NAMES = tuple(THEMES)
FONT_SCALES = (1.0, 1.25, 1.5, 2.0)
_BASE_FONT_PROPERTY = "concierge_base_point_size"


@dataclass(frozen=True, slots=True)
class StateColours:
    fg: QColor  # countdown text
    bg: QColor  # countdown cell
    icon_fill: QColor
    icon_mark: QColor  # the tick, bars or cross drawn on the icon shape


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    dark: bool
    font_scale: float
    window: QColor
    base: QColor
    alt_base: QColor
    text: QColor
    muted: QColor
    highlight: QColor
    highlight_text: QColor
    grid: QColor
    button: QColor
    tooltip_base: QColor
    tooltip_text: QColor
    link: QColor
    focus: QColor
    states: dict[str, StateColours]

    def state(self, name: str) -> StateColours | None:
        return self.states.get(name)


def make_theme(name: str, font_scale: float = 1.0) -> Theme:
    """The Theme for a name, without touching the application. Unknown names raise ValueError."""
    data = THEMES.get(name)
    if data is None:
        raise ValueError(f"unknown theme {name!r}; choose one of {', '.join(THEME_NAMES)}")
    if not 0.5 <= font_scale <= 4.0:
        raise ValueError(f"font scale {font_scale} is outside 0.5..4")

    def colour(key: str) -> QColor:
        value = data[key]
        assert isinstance(value, str)
        return QColor(value)

    raw_states = data["states"]
    assert isinstance(raw_states, dict)
    states = {s: StateColours(*(QColor(c) for c in raw_states[s])) for s in SLA_STATES if s in raw_states}
    return Theme(
        name=name,
        dark=name != "light",
        font_scale=font_scale,
        window=colour("window"),
        base=colour("base"),
        alt_base=colour("alt_base"),
        text=colour("text"),
        muted=colour("muted"),
        highlight=colour("highlight"),
        highlight_text=colour("highlight_text"),
        grid=colour("grid"),
        button=colour("button"),
        tooltip_base=colour("tooltip_base"),
        tooltip_text=colour("tooltip_text"),
        link=colour("link"),
        focus=colour("focus"),
        states=states,
    )


def qpalette(theme: Theme) -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.base,
        QPalette.ColorRole.AlternateBase: theme.alt_base,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.PlaceholderText: theme.muted,
        QPalette.ColorRole.Button: theme.button,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.BrightText: theme.highlight_text,
        QPalette.ColorRole.Highlight: theme.highlight,
        QPalette.ColorRole.HighlightedText: theme.highlight_text,
        QPalette.ColorRole.ToolTipBase: theme.tooltip_base,
        QPalette.ColorRole.ToolTipText: theme.tooltip_text,
        QPalette.ColorRole.Link: theme.link,
        QPalette.ColorRole.Mid: theme.grid,
        QPalette.ColorRole.Midlight: theme.grid,
        QPalette.ColorRole.Light: theme.alt_base,
        QPalette.ColorRole.Dark: theme.grid.darker(130) if not theme.dark else theme.grid.lighter(130),
        QPalette.ColorRole.Shadow: QColor("#000000"),
    }
    for role, c in roles.items():
        p.setColor(QPalette.ColorGroup.All, role, c)
    disabled = QColor(theme.muted)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def apply_theme(app: QCoreApplication | None, name: str = "light", font_scale: float = 1.0) -> Theme:
    """Apply a theme and a font scale to the running QApplication; returns the Theme for the views.

    The first call remembers the platform's font size, so scales never compound (1.5 then 2.0 = 2.0)."""
    theme = make_theme(name, font_scale)
    if not isinstance(app, QApplication):
        raise RuntimeError("apply_theme needs a running QApplication")
    app.setStyle("Fusion")  # the same look on every OS, and it honours the palette fully
    app.setPalette(qpalette(theme))
    base = app.property(_BASE_FONT_PROPERTY)
    if not isinstance(base, float):
        base = QGuiApplication.font().pointSizeF()
        if base <= 0:
            base = 10.0
        app.setProperty(_BASE_FONT_PROPERTY, float(base))
    font = QFont(QGuiApplication.font())
    font.setPointSizeF(base * font_scale)
    app.setFont(font)
    return theme


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio between two colours (1..21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)
