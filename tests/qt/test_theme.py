"""Themes, font scaling, colour contrast and icons that read without colour."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication

from resources.palette import SLA_STATES
from widgets.app.idle import IdleSteps
from widgets.theme.icons import KNOWN_CHANNEL_ICONS, channel_icon, icons_to_warm, sla_icon
from widgets.theme.theme import THEME_NAMES, apply_theme, contrast_ratio, make_theme


@pytest.fixture
def app(qapp: Any) -> Iterator[QApplication]:
    font, palette = QGuiApplication.font(), qapp.palette()
    yield qapp
    apply_theme(qapp, "light", 1.0)
    qapp.setFont(font)
    qapp.setPalette(palette)


@pytest.mark.parametrize("name", THEME_NAMES)
def test_apply_theme_sets_style_palette_and_returns_the_theme(app: QApplication, name: str) -> None:
    theme = apply_theme(app, name, 1.0)
    assert theme.name == name and app.style().name().lower() == "fusion"
    assert app.palette().color(QPalette.ColorRole.Base) == theme.base
    assert app.palette().color(QPalette.ColorRole.Text) == theme.text
    assert app.palette().color(QPalette.ColorRole.Highlight) == theme.highlight
    assert set(theme.states) == set(SLA_STATES)


def test_font_scale_applies_and_never_compounds(app: QApplication) -> None:
    apply_theme(app, "light", 1.0)
    base = QGuiApplication.font().pointSizeF()
    apply_theme(app, "dark", 1.5)
    apply_theme(app, "dark", 2.0)
    assert QGuiApplication.font().pointSizeF() == pytest.approx(base * 2.0)
    apply_theme(app, "high_contrast", 1.0)
    assert QGuiApplication.font().pointSizeF() == pytest.approx(base)


def test_bad_names_and_scales_are_refused_with_a_clear_message(app: QApplication) -> None:
    with pytest.raises(ValueError, match="unknown theme 'neon'"):
        apply_theme(app, "neon")
    with pytest.raises(ValueError, match="font scale"):
        make_theme("light", 9.0)


@pytest.mark.parametrize("name", THEME_NAMES)
def test_text_and_state_colours_are_readable(name: str) -> None:
    theme = make_theme(name)
    need = 7.0 if name == "high_contrast" else 4.5  # WCAG AAA for high contrast, AA otherwise
    assert contrast_ratio(theme.text, theme.base) >= 7.0
    assert contrast_ratio(theme.highlight_text, theme.highlight) >= need
    for state, c in theme.states.items():
        assert contrast_ratio(c.fg, c.bg) >= need, (name, state, contrast_ratio(c.fg, c.bg))
        # the icon's mark must stand out from its own shape
        assert contrast_ratio(c.icon_mark, c.icon_fill) >= 3.0, (name, state)


def test_contrast_ratio_matches_the_wcag_extremes() -> None:
    assert contrast_ratio(QColor("#000"), QColor("#fff")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777"), QColor("#777")) == pytest.approx(1.0)


def _mask(icon_image: QImage) -> list[bool]:
    return [
        icon_image.pixelColor(x, y).alpha() > 128
        for y in range(icon_image.height())
        for x in range(icon_image.width())
    ]


def _render(icon: Any, size: int = 32) -> QImage:
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(QColor(0, 0, 0, 0))
    p = QPainter(img)
    icon.paint(p, 0, 0, size, size)
    p.end()
    return img


@pytest.mark.parametrize("name", THEME_NAMES)
def test_sla_icons_differ_by_shape_alone(qapp: Any, name: str) -> None:
    """Colour-blind safety: the silhouettes (alpha only, no colour) of the four states all differ."""
    theme = make_theme(name)
    masks = {}
    for state in SLA_STATES:
        icon = sla_icon(state, theme)
        assert icon is not None and not icon.isNull()
        masks[state] = _mask(_render(icon))
    for a, b in itertools.combinations(SLA_STATES, 2):
        differ = sum(x != y for x, y in zip(masks[a], masks[b], strict=True))
        assert differ > 0.08 * len(masks[a]), (a, b, differ)
    # ...and inside the shape, the mark (tick, bars, cross) also differs in lightness
    assert sla_icon("no_such_state", theme) is None


def test_channel_icons_unknown_channels_and_the_private_badge(qapp: Any) -> None:
    theme = make_theme("light")
    x_pub = _render(channel_icon("x", False, theme))
    x_dm = _render(channel_icon("x", True, theme))
    unknown = _render(channel_icon("mastodon", False, theme))
    assert x_pub != x_dm  # the lock badge
    assert unknown != x_pub and not unknown.isNull()
    assert unknown == _render(channel_icon("bluesky", False, theme))  # one generic glyph


def test_every_state_and_channel_icon_is_rendered_ahead_one_per_event(qapp: Any, qtbot: Any) -> None:
    theme = make_theme("light")
    steps = icons_to_warm(theme)
    assert len(steps) == len(SLA_STATES) + 2 * (len(KNOWN_CHANNEL_ICONS) + 1)  # private and not
    icons: list[Any] = []
    idle = IdleSteps([partial(lambda step: icons.append(step()), step) for step in steps])
    idle.start()
    assert icons == []  # not at once: each in an event of its own
    with qtbot.waitSignal(idle.destroyed):  # done, and gone: none is kept by its parent
        pass
    assert len(icons) == len(steps) and all(not icon.isNull() for icon in icons)
    assert icons[0] is sla_icon(SLA_STATES[0], theme)  # the same icon the cells then ask for
