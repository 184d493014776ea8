"""The complaint proposal and clocks in the running main window, from a real encrypted cache: the book of
conversations is read on a worker after the load (a complaint in the first message still proposes when
the latest says "ok thanks"; a holding reply gives a payment complaint 35 business days), the detail
pane's box says which message the words came from and what was sent, and a sync that brings a new
conversation is read again."""

from __future__ import annotations

import dataclasses
import random
import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from console.domain import wire
from console.domain.complaints.status import BY_SERVICE, NOT_COMPLAINT, PROPOSED
from console.domain.model import ChangeSet, Enquiry, Message
from console.live.complaint_book import ComplaintBook, confirmed_ids
from console.live.metrics import header_metrics
from console.live.risk import RiskBook
from console.service.sim.clock import start_for_seed
from console.service.sim.population import draw_enquiry
from console.service.sim.world import build
from console.store.cache import Store, StoreReader
from console.sync.state import SyncState, SyncStatus
from tests.helpers.queue import whole_queue_settled
from widgets.main_window import figures as figures_module
from widgets.main_window.changes import ChangeFeed
from widgets.main_window.controller import Controller
from widgets.main_window.window import MainWindow
from widgets.queue.model import QueueModel
from widgets.queue.text import Col
from widgets.wallboard.feed import LiveFeed

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")  # offscreen
NOW = start_for_seed(9) + 3 * 3600
FIRST = "Formal complaint: you took £35 twice and nobody has called me back"


def console_on_cache(
    path: Path, key: bytes, qtbot: QtBot
) -> tuple[QueueModel, MainWindow, StoreReader, Controller]:
    """A main window whose controller has loaded the cache, reading the complaint book on a worker."""
    model = QueueModel()
    window = MainWindow(model)
    qtbot.addWidget(window)
    reader = StoreReader(path, key)
    ctl = Controller(window, model, reader, tz="Europe/London", reader_factory=lambda: StoreReader(path, key))
    ctl.load_from_cache()
    return model, window, reader, ctl


def conversation(e: Enquiry, *turns: tuple[str, str, float]) -> list[dict[str, object]]:
    return [
        wire.message_to_wire(Message(f"{e.id}-m{n}", e.id, d, "someone", text, at))
        for n, (d, text, at) in enumerate(turns, start=1)
    ]


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
    calm: dict[str, Any] = dict(
        text="ok thanks", flags=frozenset(), topic="accounts", status="open", team_id="social"
    )
    rows = [
        dataclasses.replace(draw_enquiry(rng, f"enq-{i:03d}", NOW - 3600 * (i + 1)), **calm) for i in range(6)
    ]
    start = NOW - 4 * 86400
    rows[1] = dataclasses.replace(
        rows[1],
        topic="payments",
        flags=frozenset({"complaint"}),
        first_customer_message_at=start,
        created_at=start,
    )
    store.apply_enquiries(rows)
    a, b = rows[0], rows[1]
    store.replace_messages(
        a.id, conversation(a, ("in", FIRST, a.created_at), ("in", "ok thanks", a.created_at + 60))
    )
    store.replace_messages(
        b.id,
        conversation(
            b,
            ("in", "my payment vanished", start),
            ("out", "Sorry, we need more time to investigate.", start + 86400),
        ),
    )
    yield store, path, key, rows
    store.close()


def test_the_book_is_read_on_a_worker_and_every_view_follows(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot
) -> None:
    store, path, key, rows = cache
    built_on: list[str] = []
    real_build = ComplaintBook.build.__func__  # type: ignore[attr-defined]

    def build(cls: type[ComplaintBook], /, *args: object, **kw: object) -> ComplaintBook:
        built_on.append(threading.current_thread().name)
        return real_build(cls, *args, **kw)  # type: ignore[no-any-return]

    picked_on: list[str] = []  # the confirmed complaints among 100k rows: a pass kept off the UI thread

    def confirmed(*args: Any) -> list[str]:
        picked_on.append(threading.current_thread().name)
        return confirmed_ids(*args)

    mp = pytest.MonkeyPatch()
    mp.setattr(ComplaintBook, "build", classmethod(build))
    mp.setattr("widgets.main_window.complaint_feed.confirmed_ids", confirmed)
    model, window, reader, ctl = console_on_cache(path, key, qtbot)
    qtbot.waitUntil(lambda: ctl.complaints.built >= 1, timeout=10_000)
    mp.undo()
    assert built_on and all(name != threading.main_thread().name for name in built_on)
    assert picked_on and all(name != threading.main_thread().name for name in picked_on)

    desk, a, b = ctl.reference.complaints, rows[0], rows[1]
    assert desk.state(a) == PROPOSED  # the first message, though the latest says "ok thanks"
    assert all(desk.state(e) == NOT_COMPLAINT for e in rows[2:])
    row = model.row_of(a.id)
    assert row is not None and "Complaint?" in model.index(row, Col.FLAGS).data()
    qtbot.waitUntil(lambda: window.nav_model.count("view:possible_complaints") == 1, timeout=5_000)
    ctl.select(a.id)
    box = window.detail.complaint
    assert not box.isHidden() and "in message 1 of 2" in box.label.text()

    # A payment complaint with a holding reply sent: 35 business days, and the box says what was sent.
    assert desk.state(b) == BY_SERVICE
    assert [c.rule.id for c in desk.clocks(b)][-1] == "uk_psd_exceptional"
    ctl.select(b.id)
    assert "Holding reply sent" in box.label.text()

    # A sync brings a conversation whose first message complains: read again on the worker.
    c = rows[2]
    store.replace_messages(
        c.id, conversation(c, ("in", "this is a disgrace", c.created_at), ("in", "ok thanks", NOW))
    )
    newer = dataclasses.replace(c, version=c.version + 1, last_customer_message_at=NOW, updated_at=NOW)
    seen = ctl.complaints.built
    ctl.on_changes(store.apply_enquiries([newer]))
    qtbot.waitUntil(lambda: ctl.complaints.built > seen, timeout=10_000)
    assert ctl.reference.complaints.state(newer) == PROPOSED
    qtbot.waitUntil(lambda: window.nav_model.count("view:possible_complaints") == 2, timeout=5_000)

    # The message feed grows a conversation without changing its enquiry: read again all the same.
    d = rows[3]
    said = ("in", "I want to make a formal complaint", d.created_at), ("in", "ok thanks", d.created_at + 60)
    grown, _ = store.apply_message_page(conversation(d, *said), "cursor-1")
    seen = ctl.complaints.built
    ctl.on_changes(ChangeSet(messages=grown))
    qtbot.waitUntil(lambda: ctl.complaints.built > seen, timeout=10_000)
    assert ctl.reference.complaints.state(d) == PROPOSED
    qtbot.waitUntil(lambda: window.nav_model.count("view:possible_complaints") == 3, timeout=5_000)
    # ... and the risk column's mood trend scores both of the customer's messages (on a worker).
    qtbot.waitUntil(lambda: len(model.risk_book().customer_scores(d)) == 2, timeout=5_000)

    # The wallboard's figures read the same conversations: its "to confirm" counts the same three.
    feed = LiveFeed(lambda: StoreReader(path, key), lambda: NOW)
    with qtbot.waitSignal(feed.figuresReady, timeout=10_000) as got:
        feed.refresh()
    assert got.args is not None and got.args[0].complaints.proposed == 3
    feed.stop()
    ctl.stop()
    reader.close()


def test_a_whole_book_waits_for_its_turn_while_a_backlog_streams_in(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The message feed's backlog touches thousands of conversations a page: a whole book is then built
    at most once per REBUILD_WAIT times the last build's duration, for every conversation touched
    meanwhile, rather than back to back on the worker the sync threads share the interpreter with."""
    store, path, key, rows = cache
    monkeypatch.setattr("widgets.main_window.complaint_feed.REBUILD_AT", 2)
    monkeypatch.setattr("widgets.main_window.complaint_feed.REBUILD_WAIT", 20)
    _, _, reader, ctl = console_on_cache(path, key, qtbot)
    qtbot.waitUntil(lambda: ctl.complaints.built >= 1, timeout=10_000)
    seen = ctl.complaints.built
    page = []
    for e in rows[2:5]:
        said = ("in", "this is a disgrace, I want to complain", e.created_at), ("in", "ok", e.created_at + 9)
        page += conversation(e, *said)
    grown, _ = store.apply_message_page(page, "cursor-backlog")
    ctl.on_changes(ChangeSet(messages=grown))
    assert not ctl.complaints.reading and ctl.complaints.built == seen  # not read at once: later
    qtbot.waitUntil(lambda: ctl.complaints.built > seen, timeout=20_000)
    assert all(ctl.reference.complaints.state(e) == PROPOSED for e in rows[2:5])  # all three, one book
    assert ctl.complaints.built == seen + 1
    ctl.stop()
    reader.close()


@pytest.mark.expected_log(r"the complaint proposals could not be read", logger="concierge.ui")
def test_a_book_that_cannot_be_read_leaves_possible_complaints_counted_from_the_words(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Possible complaints waits, uncounted, for the first book; when that read fails, the count is made
    from each row's own words rather than left blank for good."""
    _, path, key, _ = cache

    def broken(*_args: object) -> None:
        raise RuntimeError("the cache went away")

    monkeypatch.setattr("widgets.main_window.complaint_feed.read_book", broken)
    _, window, reader, ctl = console_on_cache(path, key, qtbot)
    qtbot.waitUntil(lambda: ctl.complaints.settled, timeout=10_000)
    assert ctl.complaints.built == 0
    qtbot.waitUntil(lambda: window.nav_model.count("view:possible_complaints") is not None, timeout=10_000)
    ctl.stop()
    reader.close()


ENDS: dict[str, Callable[[Controller], None]] = {
    "read to its end": lambda c: c.on_state(SyncStatus(SyncState.LIVE, NOW, NOW)),
    "the sync went offline": lambda c: c.on_state(SyncStatus(SyncState.OFFLINE, NOW, NOW, backlog=True)),
    "the sync thread died": lambda c: c.on_failed("disk full"),
}


@pytest.mark.parametrize("ended", ENDS.values(), ids=ENDS.keys())
def test_the_words_wait_for_the_message_feeds_backlog_then_are_read_once(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot, ended: Callable[[Controller], None]
) -> None:
    # After an empty cache's fill, the message feed brings 350k messages at 100k open: the risk scores and
    # the complaint book read at the load would be read again at the end, and took the sync's CPU.
    _, path, key, rows = cache
    calls: list[str] = []
    mp = pytest.MonkeyPatch()
    real_build, real_scores = ComplaintBook.build.__func__, RiskBook.scores  # type: ignore[attr-defined]

    def build(cls: type[ComplaintBook], /, *args: object, **kw: object) -> ComplaintBook:
        calls.append("book")
        return real_build(cls, *args, **kw)  # type: ignore[no-any-return]

    def scores(messages: Any, rows: Any) -> Any:
        if rows:  # the whole scoring (a book's contacts alone score nothing)
            calls.append("scores")
        return real_scores(messages, rows)

    mp.setattr(ComplaintBook, "build", classmethod(build))
    mp.setattr(RiskBook, "scores", staticmethod(scores))
    model = QueueModel()
    window = MainWindow(model)
    qtbot.addWidget(window)
    reader = StoreReader(path, key)
    ctl = Controller(window, model, reader, tz="Europe/London", reader_factory=lambda: StoreReader(path, key))
    ctl.on_state(SyncStatus(SyncState.LIVE, NOW, NOW, backlog=True))  # the message feed reads its backlog
    ctl.load_from_cache()
    qtbot.waitUntil(lambda: ctl.feed.ready, timeout=10_000)
    whole_queue_settled(qtbot)
    assert calls == [] and not ctl.complaints.settled
    assert len(model.risk_book().customer_scores(rows[0])) == 1  # its latest message alone, scored as shown
    # "Possible complaints" is not counted over proposals not read yet (blank, not 0).
    assert window.nav_model.count("view:possible_complaints") is None

    ended(ctl)  # or the sync failed: the cache's words are then all there are
    qtbot.waitUntil(lambda: ctl.complaints.settled, timeout=10_000)
    whole_queue_settled(qtbot)
    mp.undo()
    assert sorted(calls) == ["book", "scores"]  # once each
    assert len(model.risk_book().customer_scores(rows[0])) == 2
    assert ctl.reference.complaints.state(rows[0]) == PROPOSED
    ctl.stop()
    reader.close()


def test_after_a_load_the_headers_figures_go_before_the_words_on_the_shared_thread(
    cache: tuple[Store, Path, bytes, list[Enquiry]], qtbot: QtBot
) -> None:
    # At 100k open the scores and the book take seconds of the one whole-queue thread: queued before the
    # header's figures, those came ~4.7 s after the rows instead of ~1 s.
    _, path, key, rows = cache
    calls: list[str] = []
    mp = pytest.MonkeyPatch()
    real_build, real_scores = ComplaintBook.build.__func__, RiskBook.scores  # type: ignore[attr-defined]
    real_header = header_metrics

    def build(cls: type[ComplaintBook], /, *args: object, **kw: object) -> ComplaintBook:
        calls.append("book")
        return real_build(cls, *args, **kw)  # type: ignore[no-any-return]

    def scores(messages: Any, rows: Any) -> Any:
        if rows:
            calls.append("scores")
        return real_scores(messages, rows)

    def header(*args: Any, **kw: Any) -> Any:
        calls.append("header")
        return real_header(*args, **kw)

    mp.setattr(ComplaintBook, "build", classmethod(build))
    mp.setattr(RiskBook, "scores", staticmethod(scores))
    mp.setattr(figures_module, "header_metrics", header)
    model, _, reader, ctl = console_on_cache(path, key, qtbot)
    qtbot.waitUntil(lambda: ctl.complaints.settled and ctl.computed >= 1, timeout=10_000)
    whole_queue_settled(qtbot)
    mp.undo()
    assert calls[0] == "header" and sorted(calls[1:3]) == ["book", "scores"]
    assert not ctl.feed.words_wait and len(model.risk_book().customer_scores(rows[0])) == 2
    ctl.stop()
    reader.close()


def test_the_words_wait_for_both_the_backlog_and_the_figures_and_are_due_once(qtbot: QtBot) -> None:
    feed = ChangeFeed(None, None)  # type: ignore[arg-type]  # neither is read by what is tested here
    due: list[bool] = []
    feed.wordsDue.connect(lambda: due.append(True))
    feed.loaded()
    assert not feed.words_wait  # nobody holds the words for figures
    feed.hold_words_for_figures()
    feed.set_backlog(True)
    feed.loaded()
    assert feed.words_wait and feed.figures_due
    feed.figures_in()
    assert feed.words_wait and due == []  # the backlog still streams in
    feed.set_backlog(False)
    assert not feed.words_wait and due == [True]
    feed.loaded()  # a second load (after a first fill): the figures first again
    assert feed.words_wait
    feed.figures_in()
    feed.figures_in()
    assert due == [True, True]
