"""The wallboard read from three metres: type sizes measured from the rendered widgets at 1920x1080 (the
big figure's cap height at least 60 px, the level word's at least 40 px, nothing clipped), a shape and a
border per level that survive grayscale, and a board shown at 4K that shrinks back to any size."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtGui import QFontMetrics, QImage
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from console.live.chart_data import BoardFigures
from tests.helpers.figures import simulated_figures
from widgets.wallboard.tile import BORDERS, TileWidget, level_shape
from widgets.wallboard.window import Wallboard

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture(scope="module")
def busy() -> BoardFigures:
    return simulated_figures(seed=4, open_enquiries=2000)


def board_at(qtbot: QtBot, figures: BoardFigures, width: int, height: int) -> Wallboard:
    board = Wallboard(theme="dark", tz="Europe/London", now=lambda: figures.at)
    qtbot.addWidget(board)
    board.resize(width, height)
    board.show()
    board.set_figures(figures)
    QApplication.processEvents()
    return board


def every_tile(board: Wallboard) -> list[TileWidget]:
    tiles: list[TileWidget] = []
    for i, page in enumerate(board.page_widgets):
        board.show_page(i)  # laid out only when on screen
        QApplication.processEvents()
        tiles += page.tiles
    return tiles


def cap(label: QLabel) -> int:
    return QFontMetrics(label.font()).capHeight()


def test_figures_and_level_words_read_from_three_metres_at_1080p(qtbot: QtBot, busy: BoardFigures) -> None:
    board = board_at(qtbot, busy, 1920, 1080)
    tiles = every_tile(board)
    assert len(tiles) >= 15  # the three pages: queue, team load, staffing
    for w in tiles:
        assert w.tile is not None
        name = w.tile.key
        assert cap(w.value) >= 60, (name, cap(w.value))
        assert cap(w.words) >= 40, (name, cap(w.words))
        # Rendered, not just asked for: the label is as tall as its line and the text fits its width.
        metrics = QFontMetrics(w.value.font())
        assert w.value.height() >= metrics.capHeight() + metrics.descent(), name
        assert metrics.horizontalAdvance(w.value.text()) <= w.value.contentsRect().width(), name
        words = QFontMetrics(w.words.font())
        assert words.horizontalAdvance(w.words.text()) <= w.words.contentsRect().width(), name
        assert w.words.height() >= words.capHeight(), name
        # The shape is drawn as tall as the word, beside it.
        assert w.icon.pixmap().height() >= words.capHeight(), name
        assert w.geometry().bottom() <= board.stack.height()  # inside the board, not cut off
    # A status line long enough to wrap (connection, figures, two alerts) still leaves the tiles room.
    board.status.setText("  ·  ".join(["Reconnecting since 02:14 (attempt 12)", "figures at 02:31:07"] * 3))
    board.show_page(0)
    QApplication.processEvents()
    assert board.status.height() > QFontMetrics(board.status.font()).height()  # it did wrap
    for w in board.page_widgets[0].tiles:
        metrics = QFontMetrics(w.value.font())
        assert w.value.height() >= metrics.capHeight() + metrics.descent()
        assert w.words.height() >= QFontMetrics(w.words.font()).capHeight()


def test_a_bad_night_reads_as_well(qtbot: QtBot, busy: BoardFigures) -> None:
    # Eight channels waiting and the longest wait nearly a day: still nine tiles, three across, every
    # figure at full size.
    channels = {
        c: 120 - 9 * i for i, c in enumerate(("x", "whatsapp", "facebook", "instagram", "a", "b", "c"))
    }
    night = replace(
        busy, longest_wait_s=23 * 3600 + 59 * 60, breached_now=12_345, waiting_by_channel=channels
    )
    board = board_at(qtbot, night, 1920, 1080)
    tiles = board.page_widgets[0].tiles
    assert len(tiles) == 9
    for w in tiles:
        assert cap(w.value) >= 60 and cap(w.words) >= 40, w.tile
    # The longest way a wait under a day is written (console.sla.words) fits at full size too.
    longest = tiles[0]
    assert longest.tile is not None and longest.tile.key == "longest_wait"
    longest.set_tile(replace(longest.tile, value="23 h 59 min"))
    QApplication.processEvents()
    assert cap(longest.value) >= 60


def test_a_value_too_long_for_its_tile_is_drawn_smaller_not_clipped(qtbot: QtBot, busy: BoardFigures) -> None:
    board = board_at(qtbot, replace(busy, longest_wait_s=3 * 86_400 + 7 * 3600), 1366, 768)
    longest = next(w for w in board.page_widgets[0].tiles if w.tile and w.tile.key == "longest_wait")
    assert longest.tile is not None
    longest.set_tile(replace(longest.tile, value="12,345 d 23 h and more"))
    QApplication.processEvents()
    metrics = QFontMetrics(longest.value.font())
    assert metrics.horizontalAdvance(longest.value.text()) <= longest.value.contentsRect().width()


def test_each_level_has_its_own_shape_and_border_in_grayscale() -> None:
    def alpha(level: str) -> bytes:
        # The shape alone: the alpha mask, whatever the colours (as a grayscale screen shows it).
        image = level_shape(level, "#808080", "#808080", 64).toImage()
        return bytes(image.convertToFormat(QImage.Format.Format_Alpha8).constBits())

    masks = {level: alpha(level) for level in ("ok", "warn", "alert")}
    assert len(set(masks.values())) == 3
    assert len({BORDERS[level] for level in masks}) == 3  # thin, dashed, thick


def test_a_board_shown_at_4k_shrinks_back(qtbot: QtBot, busy: BoardFigures) -> None:
    board = board_at(qtbot, busy, 3840, 2160)
    big = cap(board.page_widgets[0].tiles[0].value)
    assert big >= 120
    for width, height in ((1920, 1080), (1280, 720), (1366, 768)):
        board.resize(width, height)
        QApplication.processEvents()
        assert (board.width(), board.height()) == (width, height)
    assert board.minimumSizeHint().width() < 1280 and board.minimumSizeHint().height() < 720
    board.resize(1920, 1080)
    QApplication.processEvents()
    assert 60 <= cap(board.page_widgets[0].tiles[0].value) < big
