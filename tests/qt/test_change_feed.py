"""The main window's one "what changed" signal (widgets.main_window.changes.ChangeFeed) and the presenters
that listen to it, over a real encrypted cache file filled with the reference service's own teams,
agents, policies, calendars and generated enquiries. No network: change-sets are what the store's own
writes return, as sync hands them on."""

from __future__ import annotations

import dataclasses
import random
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QTimer, Signal
from pytestqt.qtbot import QtBot

from console.domain import wire
from console.domain.model import ChangeSet, Enquiry
from console.domain.risk.score import AT_RISK
from console.live.complaints import COMPLAINTS_VIEW, PROPOSED_VIEW
from console.live.metrics import agent_summary
from console.service.sim.clock import start_for_seed
from console.service.sim.population import draw_enquiry
from console.service.sim.world import build
from console.sla.engine import SlaEngine, Thresholds
from console.store.cache import Store, StoreReader
from console.sync.state import SyncState, SyncStatus
from widgets.main_window import figures
from widgets.main_window.changes import ChangeFeed, LiveChange
from widgets.main_window.controller import Controller
from widgets.main_window.reference import LiveReference
from widgets.main_window.window import MainWindow
from widgets.queue import model as queue_model
from widgets.queue.model import QueueModel
from widgets.wallboard.feed import LiveFeed

NOW = start_for_seed(9) + 3 * 3600
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[tuple[Store, Path, bytes, list[Enquiry]]]:
    rng = random.Random(9)
    world = build(rng, NOW)
    key = secrets.token_bytes(32)
    path = tmp_path / "cache.db"
    store = Store(path, key)
    store.replace_reference("teams", [wire.team_to_wire(t) for t in world.teams])
    agents = world.agents.values() if isinstance(world.agents, dict) else world.agents
    store.replace_reference("agents", [wire.agent_to_wire(a) for a in agents])
    store.replace_reference("sla-policies", [wire.policy_to_wire(p) for p in world.policies])
    store.replace_reference("calendars", [wire.calendar_to_wire(c) for c in world.calendars])
    rows = [
        dataclasses.replace(draw_enquiry(rng, f"enq-{i:03d}", NOW - 60 * (i + 1)), team_id="social")
        for i in range(40)
    ]
    store.apply_enquiries(rows)
    yield store, path, key, rows
    store.close()


def window_on_cache(
    path: Path, key: bytes, qtbot: QtBot
) -> tuple[QueueModel, MainWindow, StoreReader, Controller]:
    """A main window whose controller has loaded the cache's open rows (no sync)."""
    model = QueueModel()
    window = MainWindow(model)
    qtbot.addWidget(window)
    reader = StoreReader(path, key)
    ctl = Controller(window, model, reader, tz="UTC")
    ctl.load_from_cache()
    return model, window, reader, ctl


def feed_on(path: Path, key: bytes) -> tuple[StoreReader, ChangeFeed]:
    """A change feed alone (no window) on the cache, with its reader (closed by the test)."""
    reader = StoreReader(path, key)
    return reader, ChangeFeed(reader, LiveReference(reader, tz="UTC", thresholds=Thresholds()))


class Emitter(QObject):
    """Stands in for the sync worker: a signal emitted on another thread."""

    changes = Signal(object)


def test_change_sets_from_another_thread_are_published_on_the_ui_thread_once_the_rows_are_loaded(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot
) -> None:
    store, path, key, rows = cache
    reader, feed = feed_on(path, key)
    seen: list[tuple[LiveChange, bool]] = []
    feed.changed.connect(lambda c: seen.append((c, threading.current_thread() is threading.main_thread())))
    emitter = Emitter()
    emitter.changes.connect(feed.on_changes)

    first = store.apply_enquiries([dataclasses.replace(rows[0], version=2, agent_id="ag-social-01")])
    worker = threading.Thread(target=emitter.changes.emit, args=(first,))
    worker.start()
    worker.join()
    qtbot.waitUntil(feed.holding)  # queued to the UI thread, held: the cached rows are not in yet
    assert seen == []

    feed.loaded()
    assert [c.origin for c, _ in seen] == ["load", "sync"]
    synced = seen[1][0]
    assert synced.touches(rows[0].id) and synced.rows[rows[0].id].agent_id == "ag-social-01"

    second = store.apply_enquiries([dataclasses.replace(rows[1], version=2, status="resolved")])
    worker = threading.Thread(target=emitter.changes.emit, args=(second,))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(seen) == 3)
    assert all(on_ui for _, on_ui in seen) and feed.synced == 2

    feed.stop()
    feed.on_changes(ChangeSet(changed={rows[2].id}))  # a late report after the window closed
    assert len(seen) == 3
    reader.close()


def test_one_change_reaches_every_view_and_the_open_rows_live_only_in_the_queue_model(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot
) -> None:
    store, path, key, rows = cache
    model, window, reader, ctl = window_on_cache(path, key, qtbot)
    assert ctl.loaded and set(ctl.rows) == {e.id for e in rows}
    assert not isinstance(ctl.rows, dict)  # a view of the model's rows, not a copy kept in step
    qtbot.waitUntil(lambda: window.nav_model.count("team:social") == len(rows), timeout=5_000)
    qtbot.waitUntil(lambda: set(ctl.board.lane_ids("social")) == {e.id for e in rows}, timeout=5_000)

    picked = rows[5]
    ctl.select(picked.id)
    assert window.detail.current_id() == picked.id
    moved = dataclasses.replace(picked, version=2, team_id="cards", status="pending_specialist")
    gone = dataclasses.replace(rows[6], version=2, status="closed")
    ctl.on_changes(store.apply_enquiries([moved, gone]))

    assert ctl.changes_seen == 1
    e = ctl.rows[picked.id]
    assert e is model.enquiry(picked.id) and e.team_id == "cards"
    assert gone.id not in ctl.rows and model.row_of(gone.id) is None
    assert window.detail.current_id() == picked.id
    assert "Waiting for a specialist" in window.detail.meta.text()  # the pane on show was shown again
    qtbot.waitUntil(lambda: window.nav_model.count("team:cards") == 1, timeout=5_000)
    qtbot.waitUntil(lambda: ctl.board.lane_ids("cards") == [picked.id], timeout=5_000)
    assert window.nav_model.count("team:social") == len(rows) - 2
    ctl.stop()
    reader.close()


def test_an_empty_caches_first_fill_is_read_whole_at_its_end_not_published_page_by_page(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Page by page, 100k rows froze the window for seconds and slowed the sync (bench_sync): the pages
    # are counted for the status bar, and the cache is read whole (the start-up path) once filled.
    store, path, key, rows = cache
    model, window, reader, ctl = window_on_cache(path, key, qtbot)
    qtbot.waitUntil(lambda: window.nav_model.count("all") == len(rows), timeout=10_000)  # counted once
    assert window.queue_groups.counts() is not None
    seen: list[LiveChange] = []
    ctl.feed.changed.connect(seen.append)
    rng = random.Random(4)
    fill = [
        dataclasses.replace(draw_enquiry(rng, f"new-{i:03d}", NOW - 30), team_id="social") for i in range(30)
    ]
    for page in (fill[:20], fill[20:]):
        changes = store.apply_enquiries(page)
        changes.bulk, changes.quarantined = True, 1
        ctl.on_changes(changes)
    assert seen == [] and model.total_count() == len(rows) and ctl.changes_seen == 0
    assert window.statusBar().currentMessage() == "Receiving the service's enquiries… 30 so far"
    # No figure over the half-filled queue ("nobody waiting", "nothing breaches"): each says it waits.
    assert window.header.waiting.value.text() == "…" and window.header.breached.value.text() == "…"
    # The agents are known without the rows: their tiles show them, as the team board's lanes do.
    agents = agent_summary(ctl.reference.agents)
    assert agents.online and window.header.agents.value.text() == str(agents.online)
    # Nor "All open 0", "All (0)" or "0 shown of 0 open": blank until counted, and the status bar says why.
    assert window.nav_model.count("all") is None and window.queue_groups.counts() is None
    assert window.counts.text() == "Enquiries still arriving"
    assert window.breach_strip.label_text().startswith("Deadlines not known yet")
    lanes = ctl.board.lanes.values()  # the team board too: not "0 open · Nothing at risk"
    assert lanes and all(lane.stats.text().startswith("Open enquiries not known yet") for lane in lanes)
    assert {lane.risk.text() for lane in lanes} == {"Risk not known yet"}
    ctl.on_changes(ChangeSet(filled=True))  # read whole again (here at once: no reader factory)
    assert [c.origin for c in seen] == ["load", "sync"] and seen[1].changes.quarantined == 2
    assert model.total_count() == len(rows) + len(fill) and ctl.changes_seen == 2  # the fill, what it held
    assert not window.breach_strip.label_text().startswith("Deadlines not known yet")
    # The lanes wait for their grouping of the rows just read (a worker's), never "0 open" meanwhile.
    assert all(lane.stats.text().startswith("Open enquiries not known yet") for lane in lanes)
    qtbot.waitUntil(lambda: window.header.waiting.value.text() != "…", timeout=10_000)  # counted again
    qtbot.waitUntil(lambda: window.nav_model.count("all") == model.total_count(), timeout=10_000)
    assert window.counts.text() == f"{model.total_count()} shown of {model.total_count()} open"
    social = ctl.board.lanes["social"]
    qtbot.waitUntil(lambda: social.stats.text().startswith(f"{len(rows) + len(fill)} open"), timeout=10_000)
    assert "not known" not in social.risk.text()
    # The rows came without their search text: a search waits for it (here, from 10 rows without), and
    # the status bar says so until it applies.
    monkeypatch.setattr(queue_model, "FILTER_WAITS_FOR", 10)
    ctl.on_changes(ChangeSet(filled=True))  # read whole once more: no search text again
    window.filter_edit.setText(fill[0].id)
    assert window.statusBar().currentMessage().startswith("Searching once")
    qtbot.waitUntil(lambda: model.visible_count() == 1, timeout=10_000)
    assert window.statusBar().currentMessage() == ""
    ctl.stop()
    reader.close()


def test_a_progress_line_never_covers_a_warning_and_the_load_takes_off_only_its_own_line(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot
) -> None:
    # "Receiving the service's enquiries…" and "Opening the local cache…" were said over "records set
    # aside" (30 s), then cleared with it: the warning was gone before anyone read it.
    store, path, key, rows = cache
    model, window, reader, ctl = window_on_cache(path, key, qtbot)
    bar = window.statusBar()
    qtbot.waitUntil(lambda: model.total_count() == len(rows), timeout=10_000)
    warning = "2 records from the service could not be read and were set aside"
    ctl.status.say(warning, 400)
    page = store.apply_enquiries([draw_enquiry(random.Random(9), "late-1", NOW - 30)])
    page.bulk = True
    ctl.on_changes(page)  # a page of a first fill: its progress line waits for the warning's time
    assert bar.currentMessage() == warning
    qtbot.waitUntil(
        lambda: bar.currentMessage() == "Receiving the service's enquiries… 1 so far", timeout=5000
    )
    ctl.status.say(warning, 60_000)  # said again while the fill goes on: the fill's end leaves it there
    ctl.on_changes(ChangeSet(filled=True))
    qtbot.waitUntil(lambda: model.total_count() == len(rows) + 1, timeout=10_000)
    assert bar.currentMessage() == warning
    # "Sync stopped" goes once the sync runs again, rather than stand over a live console.
    ctl.status.on_failed("the service did not answer")
    assert bar.currentMessage() == "Sync stopped: the service did not answer"
    ctl.status.on_state(SyncStatus(SyncState.LIVE, NOW, NOW))
    assert bar.currentMessage() == ""
    ctl.stop()
    reader.close()


def test_the_wallboards_figures_take_the_rows_of_a_first_fill_read_whole(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot
) -> None:
    # The fill's rows reach the views by the "load" at its end, not by ids: the wallboard's feed, which
    # follows ids, reads the cache whole again when told the cache was filled.
    store, path, key, rows = cache
    feed = LiveFeed(lambda: StoreReader(path, key), lambda: NOW)

    def open_total() -> int:
        with qtbot.waitSignal(feed.figuresReady, timeout=10_000) as got:
            feed._next = 0.0  # no back-off between these computations
            feed.refresh()
        assert got.args is not None
        return sum(t.open for t in got.args[0].teams)

    assert open_total() == len(rows)
    rng = random.Random(5)
    store.apply_enquiries(
        [
            dataclasses.replace(draw_enquiry(rng, f"fill-{i:03d}", NOW - 30), team_id="social")
            for i in range(25)
        ]
    )
    feed.on_changes(ChangeSet(filled=True))
    assert open_total() == len(rows) + 25
    feed.stop()


def test_a_fill_that_ends_while_the_cache_is_read_at_start_up_has_it_read_again(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot
) -> None:
    _, path, key, _ = cache
    reader, feed = feed_on(path, key)
    reloads: list[bool] = []
    feed.reload.connect(lambda: reloads.append(True))
    feed.on_changes(ChangeSet(filled=True))  # the start-up read is still under way
    feed.loaded()  # it may have missed the fill's last pages: read again, nothing published yet
    assert reloads == [True] and not feed.ready and feed.synced == 0
    feed.loaded()
    assert reloads == [True] and feed.ready
    reader.close()


def test_the_figures_never_use_the_ui_threads_sla_engine_off_the_ui_thread(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, path, key, rows = cache
    model = QueueModel()
    window = MainWindow(model)
    qtbot.addWidget(window)
    reader = StoreReader(path, key)
    ctl = Controller(window, model, reader, tz="UTC")
    off_thread: list[str] = []
    real_clocks, real_current = SlaEngine.clocks, SlaEngine.current

    def clocks(self: SlaEngine, e: Enquiry) -> object:
        if self is ctl.engine and threading.current_thread() is not threading.main_thread():
            off_thread.append(f"clocks({e.id}) on {threading.current_thread().name}")
        return real_clocks(self, e)

    def current(self: SlaEngine, e: Enquiry) -> object:
        if self is ctl.engine and threading.current_thread() is not threading.main_thread():
            off_thread.append(f"current({e.id}) on {threading.current_thread().name}")
        return real_current(self, e)

    monkeypatch.setattr(SlaEngine, "clocks", clocks)
    monkeypatch.setattr(SlaEngine, "current", current)
    ctl.load_from_cache()
    qtbot.waitUntil(lambda: ctl.computed > 0, timeout=5_000)
    assert window.nav_model.count("all") == len(rows)
    ctl.refresh(force=True)
    qtbot.waitUntil(lambda: ctl.computed > 1, timeout=5_000)
    assert off_thread == []
    assert window.header.unanswered.value.text() != "—"
    ctl.stop()
    reader.close()


@pytest.mark.expected_log(r"the navigator's counts could not", logger="concierge.ui", level="ERROR")
def test_the_header_figures_come_first_and_stand_when_the_navigator_counts_fail(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The header's figures are their own job: they do not wait for the navigator's counts (whose
    complaint views read every row's words), nor go missing when those fail."""
    _, path, key, rows = cache

    def broken(*_args: object) -> None:
        raise RuntimeError("complaint detection broke")

    monkeypatch.setattr(figures, "navigator_counts", broken)
    _, window, reader, ctl = window_on_cache(path, key, qtbot)
    qtbot.waitUntil(lambda: window.header.unanswered.value.text() != "—", timeout=5_000)
    metrics = ctl.figures.metrics
    assert metrics is not None and metrics.deadlines.open == len(rows)  # over every open row
    qtbot.waitUntil(lambda: not ctl.figures.computing, timeout=5_000)
    assert ctl.computed == 0  # the counts never arrived; the header stands
    assert window.header.unanswered.value.text() != "—"
    ctl.stop()
    reader.close()


def test_possible_complaints_stay_uncounted_until_every_rows_proposal_is_known(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot
) -> None:
    """Until the complaint feed has read its first book, "Possible complaints" shows no count (never a
    false 0) and the figures worker does not read every row's words a second time; the other views and
    "Complaints" (confirmed: no words needed) are counted meanwhile."""
    _, path, key, rows = cache
    _, window, reader, ctl = window_on_cache(path, key, qtbot)
    proposed = f"view:{PROPOSED_VIEW}"
    # The book is read once the header's figures are in (no worker: then at once), and counted next.
    qtbot.waitUntil(lambda: window.nav_model.count(proposed) is not None, timeout=5_000)

    known = [False]
    ctl.figures.proposals_known = lambda: known[0]
    seen = ctl.computed

    def computed_anew() -> bool:  # asked as the controller's timer does, once the last one's pause is over
        if ctl.computed > seen:
            return True
        ctl.refresh(force=True)
        return False

    qtbot.waitUntil(computed_anew, timeout=5_000)
    assert window.nav_model.count(proposed) is None
    assert window.nav_model.count(f"view:{COMPLAINTS_VIEW}") is not None
    assert window.nav_model.count("all") == len(rows)

    known[0] = True  # the book has come: counted at the next refresh, not after the usual wait
    ctl.figures.mark_dirty()
    seen = ctl.computed
    ctl.refresh()
    qtbot.waitUntil(lambda: ctl.computed > seen, timeout=5_000)
    assert isinstance(window.nav_model.count(proposed), int)
    ctl.stop()
    reader.close()


def test_new_escalation_scores_are_counted_at_the_next_refresh_as_the_queue_shows_them(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot
) -> None:
    """The messages' scores come after the rows (a worker reads them): the navigator's "At risk of
    escalation" counts them at the next ordinary refresh, the same rows the queue's risk column marks,
    not at the full refresh a quarter of a minute later."""
    _, path, key, rows = cache
    model, window, reader, ctl = window_on_cache(path, key, qtbot)
    qtbot.waitUntil(lambda: ctl.computed > 0, timeout=5_000)
    at_risk = "view:at_risk"
    # Settled: what the load set going (the complaint book's reading) counted, nothing left to count.
    ctl.refresh(force=True)
    qtbot.waitUntil(lambda: not ctl.figures._dirty and not ctl.figures.computing, timeout=5_000)

    def marked_in_the_queue() -> int:
        book = model.risk_book()
        return sum(
            book.assess(e, None if (s := model.status_of(e.id)) is None else s.state).score >= AT_RISK
            for e in model.all_enquiries()
        )

    before = window.nav_model.count(at_risk)
    assert before == marked_in_the_queue()
    angry = {e.id: ((NOW - 300, 0.6), (NOW - 200, -0.9)) for e in rows[:12]}  # calm, then furious
    model.set_risk_book(model.risk_book().with_scores(angry, {}))
    assert marked_in_the_queue() > before
    seen = ctl.computed
    ctl.refresh()  # the controller's one-second timer, not forced
    qtbot.waitUntil(lambda: ctl.computed > seen, timeout=5_000)
    assert window.nav_model.count(at_risk) == marked_in_the_queue()
    ctl.stop()
    reader.close()


def test_a_console_closed_as_its_rows_arrive_from_the_worker_publishes_nothing_more(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot
) -> None:
    """The load's follow-up steps (scoring, then "load" for every view) run in events after the rows
    are adopted: a console stopped in between neither scores nor publishes, nor starts its timer."""
    _, path, key, rows = cache
    model = QueueModel()
    window = MainWindow(model)
    qtbot.addWidget(window)
    reader = StoreReader(path, key)
    ctl = Controller(window, model, reader, tz="UTC", reader_factory=lambda: StoreReader(path, key))
    published: list[str] = []
    ctl.feed.changed.connect(lambda change: published.append(change.origin))

    def stop_once_loaded(_text: str) -> None:  # said by the load's own event, as it clears its message
        if ctl.queue.loaded and not ctl.stopped:
            ctl.stop()

    window.statusBar().messageChanged.connect(stop_once_loaded)
    ctl.load_from_cache()
    qtbot.waitUntil(lambda: ctl.stopped, timeout=10_000)
    assert model.rowCount() == len(rows)
    # Zero-delay timers run in the order they were set: once a chain of them set after the stop has
    # run, any step the load left behind has run too.
    chain: list[int] = []

    def link() -> None:
        chain.append(1)
        if len(chain) < 5:
            QTimer.singleShot(0, link)

    QTimer.singleShot(0, link)
    qtbot.waitUntil(lambda: len(chain) == 5, timeout=5_000)
    assert "load" not in published and not ctl.timer.isActive()
    reader.close()
