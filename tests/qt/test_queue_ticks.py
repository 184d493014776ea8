"""A tick repaints only the visible rows whose clock cells now read differently (widgets.queue.clock_looks):
what a supervisor sees stays exact, and the seconds where nothing changes cost no repaint."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush

from tests.helpers.queue import Feed, make_model
from widgets.queue.model import QueueModel
from widgets.queue.text import Col

pytestmark = pytest.mark.usefixtures("qapp")  # icons and brushes need the application

ROWS = range(0, 30)
_LOOK_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole)


def _timed_model(feed: Feed) -> tuple[QueueModel, list[float]]:
    model = make_model(feed)
    now = [feed.now()]
    model.set_clock(feed.engine, lambda: now[0], "Europe/London")
    return model, now


def _repainted(model: QueueModel) -> list[tuple[int, int, int, int]]:
    spans: list[tuple[int, int, int, int]] = []

    def note(a: QModelIndex, b: QModelIndex, roles: Any = ()) -> None:
        spans.append((a.row(), b.row(), a.column(), b.column()))

    model.dataChanged.connect(note)
    return spans


def _rows_of(spans: list[tuple[int, int, int, int]]) -> set[int]:
    return {r for a, b, _, _ in spans for r in range(a, b + 1)}


def _reads(model: QueueModel, row: int) -> tuple[Any, ...]:
    """What the clock cells of a row say through the roles (not through the model's own look)."""
    return tuple(
        _said(model.index(row, col).data(role))
        for col in (Col.SLA, Col.AGE, Col.RISK)
        for role in _LOOK_ROLES
    )


def _said(value: Any) -> str:
    return value.color().name() if isinstance(value, QBrush) else str(value)


def test_a_tick_repaints_the_rows_that_read_differently_and_only_those(feed: Feed) -> None:
    model, now = _timed_model(feed)
    spans = _repainted(model)
    model.tick(ROWS.start, ROWS.stop - 1)
    assert _rows_of(spans) == set(ROWS)  # nothing seen before: all repainted
    spans.clear()
    model.tick(ROWS.start, ROWS.stop - 1)  # the same moment: nothing reads differently
    assert spans == []
    before = {r: _reads(model, r) for r in ROWS}
    now[0] += 40.0  # some countdowns and waits cross a minute, others do not
    model.tick(ROWS.start, ROWS.stop - 1)
    differ = {r for r in ROWS if _reads(model, r) != before[r]}
    assert differ and differ != set(ROWS)  # a meaningful mix
    assert _rows_of(spans) == differ
    # One dataChanged per run of rows and per clock column: never the columns between.
    assert {(c1, c2) for _, _, c1, c2 in spans} == {(c, c) for c in (Col.SLA, Col.AGE, Col.RISK)}


def test_a_row_changed_some_other_way_is_repainted_at_the_next_tick(feed: Feed) -> None:
    model, _ = _timed_model(feed)
    model.tick(ROWS.start, ROWS.stop - 1)
    spans = _repainted(model)
    # As the index's listener reports an updated row: its look is no longer what the screen shows.
    model.dataChanged.emit(model.index(5, 0), model.index(5, model.columnCount() - 1))
    spans.clear()
    model.tick(ROWS.start, ROWS.stop - 1)
    assert _rows_of(spans) == {5}
    # A sort (a layout change) or a reset: every visible row again.
    model.sort(Col.CUSTOMER)
    spans.clear()
    model.tick(ROWS.start, ROWS.stop - 1)
    assert _rows_of(spans) == set(ROWS)
    spans.clear()
    model.tick(ROWS.start, ROWS.stop - 1)
    assert spans == []


def test_the_looks_kept_are_the_last_ticks_rows_only(feed: Feed) -> None:
    model, _ = _timed_model(feed)
    spans = _repainted(model)
    model.tick(0, 29)
    model.tick(100, 129)  # scrolled: the new rows are repainted, the old ones' looks dropped
    spans.clear()
    model.tick(0, 29)
    assert _rows_of(spans) == set(range(0, 30))
