"""New SLA rules over many rows are timed on the whole-queue worker, not on the UI thread (at 100k open,
timing them there froze the window for ~0.9 s): the rows keep their statuses until the worker's are
adopted, keep their filter text, and lose none of the changes applied meanwhile."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QObject
from pytestqt.qtbot import QtBot

from console.domain.model import ChangeSet, Enquiry
from console.live.queue_index import QueueIndex
from console.live.queue_rows import Prepared
from console.sla.clock import Thresholds
from console.sla.engine import SlaEngine
from tests.helpers.queue import Feed, make_model, open_rows, shown_ids, whole_queue_settled
from widgets.main_window import queue_presenter
from widgets.main_window.controller import Controller
from widgets.main_window.queue_presenter import release_in_slices
from widgets.main_window.window import MainWindow
from widgets.queue.model import QueueModel

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # offscreen
STRICT = Thresholds(at_risk_fraction=0.9, at_risk_minutes=600, urgent_fraction=0.6, urgent_minutes=300)


@pytest.fixture(autouse=True)
def _app(qapp: Any) -> Any:
    return qapp


def stricter(feed: Feed) -> SlaEngine:
    s = feed.store
    return SlaEngine(s.policies(), {c.id: c for c in s.calendars()}, {t.id: t for t in s.teams()}, STRICT)


def on_a_thread(work: Any) -> Prepared:
    out: list[Prepared] = []
    worker = threading.Thread(target=lambda: out.append(work()))
    worker.start()
    worker.join()
    return out[0]


def brief(s: Any) -> Any:
    return s if s is None else (s.kind, s.state, s.due_at, s.target_s)


def statuses(model: QueueModel) -> dict[str, Any]:
    return {i: model.status_of(i) for i in model.ids()}


def timed_here(feed: Feed, engine: SlaEngine, rows: list[Enquiry]) -> dict[str, Any]:
    here = make_model(feed, rows)
    here.set_clock(engine, feed.now, "Europe/London")
    return statuses(here)


def test_rows_timed_on_a_thread_are_those_timed_here_and_keep_their_filter_text(
    qtbot: QtBot, feed: Feed
) -> None:
    model = make_model(feed)
    qtbot.waitUntil(model.warmed_up, timeout=5000)
    before = statuses(model)
    engine = stricter(feed)
    work = model.retime_later(engine, feed.now, "Europe/London")
    assert statuses(model) == before  # nothing timed here
    with qtbot.waitSignal(model.modelReset):
        assert model.adopt_retimed(on_a_thread(work))
    after = statuses(model)
    assert after == timed_here(feed, engine, open_rows(feed)) != before
    assert sum(s is not None and s.state == "urgent" for s in after.values()) > sum(
        s is not None and s.state == "urgent" for s in before.values()
    )
    assert model.queue_index().text_left() == 0  # the filter text came along: nothing to build again
    model.set_filter(open_rows(feed)[3].id.upper())
    assert shown_ids(model) == [open_rows(feed)[3].id]


def test_changes_applied_while_the_rows_are_timed_are_applied_again(qtbot: QtBot, feed: Feed) -> None:
    rows = open_rows(feed)
    model = make_model(feed, rows[:-1])
    engine = stricter(feed)
    work = model.retime_later(engine, feed.now, "Europe/London")
    renewed = dataclasses.replace(rows[0], text="where is my card??", version=rows[0].version + 1)
    model.apply(ChangeSet(added={rows[-1].id}, changed={renewed.id}, removed={rows[1].id}),
                {rows[-1].id: rows[-1], renewed.id: renewed})  # fmt: skip
    assert model.adopt_retimed(on_a_thread(work))
    assert model.enquiry(renewed.id) is renewed and model.enquiry(rows[1].id) is None
    assert model.enquiry(rows[-1].id) is rows[-1]
    expected = [renewed, *rows[2:]]
    assert statuses(model) == timed_here(feed, engine, expected)


def test_a_timing_overtaken_by_newer_rules_or_a_reload_is_dropped(qtbot: QtBot, feed: Feed) -> None:
    model = make_model(feed)
    work = model.retime_later(stricter(feed), feed.now, "Europe/London")
    newest = stricter(feed)
    model.set_clock(newest, feed.now, "Europe/London")  # timed here, at once
    done = statuses(model)
    assert not model.adopt_retimed(on_a_thread(work))
    assert statuses(model) == done == timed_here(feed, newest, open_rows(feed))
    work = model.retime_later(stricter(feed), feed.now, "Europe/London")
    model.set_rows(open_rows(feed))  # read again meanwhile
    assert not model.adopt_retimed(on_a_thread(work))


def console_on(feed: Feed, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> tuple[Controller, QueueModel]:
    monkeypatch.setattr(queue_presenter, "RETIME_ON_WORKER_AT", 100)  # the test floor's 400 rows
    model = QueueModel()
    window = MainWindow(model)
    qtbot.addWidget(window)
    ctl = Controller(window, model, feed.store.reader(), tz="Europe/London", reader_factory=feed.store.reader)
    ctl.load_from_cache()
    qtbot.waitUntil(lambda: ctl.loaded, timeout=10_000)
    whole_queue_settled(qtbot)
    return ctl, model


def assert_timed_under_the_new_rules(ctl: Controller, model: QueueModel) -> None:
    ix = model.queue_index()
    assert ix.engine is ctl.reference.engine and ctl.reference.engine.thresholds == STRICT
    held = [e for i in model.ids() if (e := model.enquiry(i)) is not None]
    fresh = ctl.reference.engine.snapshot().statuses(held, ix.now)  # ix.now: a moment after the worker's
    assert [brief(model.status_of(e.id)) for e in held] == [brief(s) for s in fresh]


def test_new_thresholds_in_the_console_are_timed_on_the_worker(
    qtbot: QtBot, feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctl, model = console_on(feed, qtbot, monkeypatch)
    on_ui: list[bool] = []
    timed = SlaEngine.statuses

    def spy(self: SlaEngine, enquiries: Any, now: float) -> Any:
        out = timed(self, enquiries, now)
        if len(out) >= 100:
            on_ui.append(threading.current_thread() is threading.main_thread())
        return out

    monkeypatch.setattr(SlaEngine, "statuses", spy)
    ctl.set_thresholds(STRICT)
    assert on_ui == []  # not here
    whole_queue_settled(qtbot)
    assert on_ui[0] is False
    assert_timed_under_the_new_rules(ctl, model)
    ctl.stop()


@pytest.mark.expected_log(r"re-timing the queue under new SLA rules failed", logger="concierge.ui")
def test_when_the_worker_cannot_time_the_rows_they_are_timed_here(
    qtbot: QtBot, feed: Feed, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ctl, model = console_on(feed, qtbot, monkeypatch)

    def broken(*_: Any, **__: Any) -> Prepared:
        raise MemoryError("no room for 100k rows")

    monkeypatch.setattr(QueueIndex, "prepare", broken)
    ctl.set_thresholds(STRICT)
    whole_queue_settled(qtbot)
    assert "re-timing the queue under new SLA rules failed: no room for 100k rows" in caplog.text
    assert_timed_under_the_new_rules(ctl, model)
    ctl.stop()


def test_the_old_rows_are_let_go_a_slice_per_event(qtbot: QtBot) -> None:
    # 100k old rows freed at once held the UI thread ~60 ms after the adoption.
    owner = QObject()
    rows: list[Any] = [object() for _ in range(25)]
    release_in_slices(owner, rows, chunk=10)
    assert len(rows) == 25  # not in this event
    QCoreApplication.processEvents()
    assert 0 < len(rows) < 25 or not rows
    qtbot.waitUntil(lambda: not rows, timeout=2000)
