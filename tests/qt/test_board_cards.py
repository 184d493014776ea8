"""A lane's cards as painted (widgets.board.cards): one read of each card per paint, and the look Qt's own
delegate gave (the state's ground and text colour, the selection's when selected, breached cards unfilled)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from console.store.cache import Store
from tests.helpers.board import LANE_ORDER, LANE_ROWS
from tests.helpers.paint_calls import calls_in_one_paint
from tests.helpers.routing import TEAMS
from widgets.board import model as model_module
from widgets.board.lane import LaneWidget
from widgets.board.model import group_lanes
from widgets.board.reassign import MoveController
from widgets.queue.model import QueueModel

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen


def _lane(moves: MoveController, qtbot: QtBot) -> LaneWidget:
    lane = LaneWidget(TEAMS[0], moves)
    qtbot.addWidget(lane)
    lane.resize(420, 700)
    lane.show()
    qtbot.waitExposed(lane)
    lane.lane_model.set_lane(group_lanes(LANE_ROWS)["social"], "UTC", 0.0)
    assert lane.lane_model.ids() == LANE_ORDER
    return lane


def test_a_lane_paints_each_card_from_one_read_not_a_call_per_role(
    harness: tuple[MoveController, QueueModel, Store], qtbot: QtBot
) -> None:
    lane = _lane(harness[0], qtbot)
    view = lane.enquiries
    area = view.viewport().rect()
    assert all(view.visualRect(lane.lane_model.index(r)).intersects(area) for r in range(5))
    calls = calls_in_one_paint(qtbot, view, model_module.__file__)
    # Qt's own delegate asked data() about seven times a card (1,050 calls for 30 paints of 5 cards).
    assert calls["data"] == 0
    assert calls["card"] == 5


def _pixel(image: QImage, x: int, y: int) -> str:
    return QColor(image.pixel(x, y)).name()


def _has(image: QImage, top: int, bottom: int, colour: QColor) -> bool:
    """Some pixel of the rows between top and bottom is in the colour (the text's glyphs)."""
    want = colour.rgb()
    return any(image.pixel(x, y) == want for y in range(top, bottom) for x in range(image.width()))


def test_cards_keep_the_state_colours_and_a_selected_card_reads_as_selected(
    harness: tuple[MoveController, QueueModel, Store], qtbot: QtBot
) -> None:
    lane = _lane(harness[0], qtbot)
    view, model, theme = lane.enquiries, lane.lane_model, lane.theme
    rects = [view.visualRect(model.index(r)) for r in range(5)]
    image = view.viewport().grab().toImage()
    base = _pixel(image, rects[4].right() - 2, rects[4].top() + 1)
    urgent, breached = theme.states["urgent"], theme.states["breached"]
    # Urgent: filled with the state's ground, its words in the state's text colour.
    assert _pixel(image, rects[0].right() - 2, rects[0].top() + 1) == urgent.bg.name()
    assert _has(image, rects[0].top(), rects[0].bottom(), urgent.fg)
    # On track and breached: the list's own ground; breached words in the state's colour, not filled.
    assert _pixel(image, rects[1].right() - 2, rects[1].top() + 1) == base
    assert _pixel(image, rects[2].right() - 2, rects[2].top() + 1) == base
    assert _has(image, rects[2].top(), rects[2].bottom(), breached.icon_fill)
    assert not _has(image, rects[1].top(), rects[1].bottom(), breached.icon_fill)
    # A selected card takes the selection's ground, urgent or not.
    selection = view.selectionModel()
    for r in (0, 2):
        selection.select(model.index(r), QItemSelectionModel.SelectionFlag.Select)
    image = view.viewport().grab().toImage()
    highlight = view.palette().highlight().color().name()
    assert _pixel(image, rects[0].right() - 2, rects[0].top() + 1) == highlight
    assert _pixel(image, rects[2].right() - 2, rects[2].top() + 1) == highlight
    assert _pixel(image, rects[1].right() - 2, rects[1].top() + 1) == base


def test_every_card_fits_its_lane_even_when_the_first_is_long(
    harness: tuple[MoveController, QueueModel, Store], qtbot: QtBot
) -> None:
    # The cards share one size, the first card's: a first card longer than a narrow lane made every card
    # wider than the lane, its text cut off at the edge instead of elided.
    lane = _lane(harness[0], qtbot)
    lane.resize(lane.minimumWidth(), 700)
    view, model = lane.enquiries, lane.lane_model
    font = view.font()
    font.setPointSizeF(font.pointSizeF() * 2)  # 200% text in a narrow lane
    view.setFont(font)
    card = model.card(0)
    assert card is not None
    assert view.viewport().width() < view.fontMetrics().horizontalAdvance(card.tail)
    view.doItemsLayout()
    width = view.viewport().width()
    assert all(view.visualRect(model.index(r)).right() < width for r in range(model.rowCount()))
