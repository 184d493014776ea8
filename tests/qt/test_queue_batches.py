"""Start-up in two steps (the first screenful early, then every row prepared off the UI thread) and live
batches applied as one layout change: on real data from the reference service (test_queue_model's feed)
and a real encrypted cache file."""

from __future__ import annotations

import dataclasses
import secrets
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.domain.model import ChangeSet, Enquiry
from console.store.cache import Store, StoreReader
from tests.helpers.queue import Feed, make_model, open_rows, shown_ids
from widgets.queue.model import BATCH_AS_LAYOUT, Prepared, QueueModel
from widgets.queue.text import Col
from widgets.queue.view import QueueView

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def shown(qtbot: QtBot, model: QueueModel) -> QueueView:
    v = QueueView(model)
    v.set_tick_interval(0)
    v.resize(1100, 420)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    return v


def top_id(v: QueueView) -> str | None:
    e = v.queue_model().enquiry_at(v.rowAt(0))
    return None if e is None else e.id


def test_a_big_batch_is_one_layout_change_keeping_selection_current_row_and_the_rows_in_sight(
    qtbot: QtBot, feed: Feed, qtmodeltester: Any
) -> None:
    model = make_model(feed)
    model.sort(Col.AGE, Qt.SortOrder.AscendingOrder)
    view = shown(qtbot, model)
    view.verticalScrollBar().setValue(100)
    ids = model.ids()
    chosen = [ids[105], ids[106], ids[110]]
    view.select_ids(chosen, current=ids[106])
    before_top = top_id(view)
    rows = {e.id: e for e in open_rows(feed)}
    now = feed.now()
    fresh = [dataclasses.replace(rows[ids[i]], id=f"fresh-{i:02d}", created_at=now - i) for i in range(12)]
    # Aged by 90 days: they move from above the viewport (and one selected row) to the very end.
    aged = [
        dataclasses.replace(rows[ids[i]], created_at=rows[ids[i]].created_at - 90 * 86_400, version=99)
        for i in (*range(20, 30), 110)
    ]
    removed = {ids[50], ids[300], ids[107], ids[101]}
    changes = ChangeSet(added={e.id for e in fresh}, changed={e.id for e in aged}, removed=removed)
    assert len(changes.added) + len(changes.changed) + len(changes.removed) > BATCH_AS_LAYOUT
    layouts: list[int] = []
    model.layoutChanged.connect(lambda *a: layouts.append(1))
    with (
        qtbot.assertNotEmitted(model.rowsMoved),
        qtbot.assertNotEmitted(model.rowsInserted),
        qtbot.assertNotEmitted(model.modelReset),
    ):
        model.apply(changes, {e.id: e for e in [*fresh, *aged]})
    assert layouts == [1]
    after = model.ids()
    assert after[:12] == [f"fresh-{i:02d}" for i in range(12)]  # newest first in an age sort
    by_age = {e.id: -e.created_at for e in aged}
    assert after[-11:] == sorted(by_age, key=lambda i: (by_age[i], i))
    assert not removed & set(after) and model.rowCount() == len(ids) + 12 - 4
    assert top_id(view) == before_top  # rows came and went above: the supervisor reads the same rows
    assert sorted(view.selectedIds()) == sorted(chosen)  # ids[110] moved to the end, still selected
    assert view.current_id() == ids[106]
    keys = [(-e.created_at, e.id) for e in map(model.enquiry_at, range(model.rowCount())) if e]
    assert keys == sorted(keys)
    qtmodeltester.check(model)


def test_a_big_batch_at_the_top_shows_the_new_rows(qtbot: QtBot, feed: Feed) -> None:
    model = make_model(feed)
    model.sort(Col.AGE, Qt.SortOrder.AscendingOrder)
    view = shown(qtbot, model)
    base = open_rows(feed)[0]
    fresh = [dataclasses.replace(base, id=f"top-{i:02d}", created_at=feed.now() - i) for i in range(20)]
    model.apply(ChangeSet(added={e.id for e in fresh}), {e.id: e for e in fresh})
    assert top_id(view) == "top-00"


def test_a_big_batch_leaves_the_model_as_a_fresh_load_would(feed: Feed) -> None:
    model = make_model(feed)
    model.sort(Col.SLA)
    model.set_filter("", lambda e: e.topic != "lending")
    feed.service.advance(1800)
    changes = feed.pull()
    assert len(changes.added) + len(changes.changed) + len(changes.removed) > BATCH_AS_LAYOUT
    model.apply(changes, feed.rows)
    fresh = make_model(feed)
    fresh.sort(Col.SLA)
    fresh.set_filter("", lambda e: e.topic != "lending")
    assert set(shown_ids(model)) == set(shown_ids(fresh))
    assert model.total_count() == fresh.total_count()


def test_early_page_then_rows_prepared_on_a_thread_end_in_the_exact_order_keeping_the_selection(
    qtbot: QtBot, feed: Feed, tmp_path: Path, qtmodeltester: Any
) -> None:
    key = secrets.token_bytes(32)
    path = tmp_path / "cache.db"
    with Store(path, key) as store:
        store.apply_enquiries(list(feed.rows.values()))
    with StoreReader(path, key) as reader:
        first = reader.load_open_first(40)
        every = reader.load_open()
    assert len(first) == 40 and {e.id for e in first} <= {e.id for e in every}
    assert all(e.is_open for e in first)

    model = make_model(feed, first)  # the first screenful: its clocks exact, sorted by SLA
    model.sort(Col.SLA)
    view = shown(qtbot, model)
    picked = model.ids()[3]
    view.select_ids([picked], current=picked)

    made: list[Prepared] = []
    worker = threading.Thread(target=lambda: made.append(model.prepare(every)))
    worker.start()
    worker.join(30)
    model.set_prepared(made[0])

    exact = make_model(feed, every)
    exact.sort(Col.SLA)
    assert model.ids() == exact.ids()  # every clock and the full order, as a load on the UI thread
    assert view.selectedIds() == [picked] and view.current_id() == picked
    qtmodeltester.check(model)


def test_rows_prepared_under_another_sort_are_re_sorted_when_adopted(feed: Feed) -> None:
    rows: list[Enquiry] = open_rows(feed)
    model = make_model(feed, [])
    prepared = model.prepare(rows)  # by SLA
    model.sort(Col.AGE, Qt.SortOrder.AscendingOrder)
    model.set_prepared(prepared)
    created = [e.created_at for e in map(model.enquiry_at, range(model.rowCount())) if e]
    assert created == sorted(created, reverse=True) and len(created) == len(rows)
