"""QueueModel over real data: the reference service on 127.0.0.1 (read over HTTP through the change feed,
as sync does) and the real SLA engine built from the service's own policies and calendars."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from console.domain.model import ChangeSet, Enquiry
from console.live.queue_rows import Row
from tests.helpers.queue import HOSTILE, Feed, column, make_model, open_rows, plain_of_tooltip, shown_ids
from tests.helpers.store import make_enquiry
from widgets.queue.model import (
    ENQUIRY_ROLE,
    FILTER_WAITS_FOR,
    ID_ROLE,
    SLA_STATE_ROLE,
    SLA_STATUS_ROLE,
    QueueModel,
)
from widgets.queue.text import CellText, Col


@pytest.fixture(autouse=True)
def _app(qapp: Any) -> Any:
    return qapp


# --- loading, model contract -----------------------------------------------------------------------


def test_holds_the_open_enquiries_and_passes_the_model_tester(feed: Feed, qtmodeltester: Any) -> None:
    model = make_model(feed)
    expected = {e.id for e in feed.rows.values() if e.is_open}
    assert len(expected) > 100
    assert set(shown_ids(model)) == expected
    assert model.total_count() == model.visible_count() == len(expected)
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(model)


def test_data_never_raises_and_bad_indexes_give_none(feed: Feed) -> None:
    model = make_model(feed)
    n = model.rowCount()
    for row, col in ((-1, 0), (n, 0), (0, 99), (n + 5, -3)):
        assert model.data(model.createIndex(row, col), Qt.ItemDataRole.DisplayRole) is None
    assert model.data(QModelIndex()) is None
    assert model.enquiry_at(n) is None and model.enquiry_at(-1) is None
    assert model.row_of("no-such-id") is None
    for role in range(0, 300):  # every role on a real cell: a value or None, never an exception
        model.index(0, Col.SLA).data(role)


def test_roles_give_enquiry_id_status_icons_and_colours(feed: Feed) -> None:
    model = make_model(feed)
    now = feed.now()
    for row in range(model.rowCount()):
        e = model.index(row, 0).data(ENQUIRY_ROLE)
        assert isinstance(e, Enquiry) and model.index(row, 3).data(ID_ROLE) == e.id
        assert model.row_of(e.id) == row and model.enquiry_at(row) is e
        status = model.index(row, 0).data(SLA_STATUS_ROLE)
        assert status == feed.engine.status(e, now)
        if status is not None:
            assert model.index(row, Col.SLA).data(SLA_STATE_ROLE) == status.state
            assert isinstance(model.index(row, Col.SLA).data(Qt.ItemDataRole.DecorationRole), QIcon)
            colours = model.theme().states[status.state]
            assert model.index(row, Col.SLA).data(Qt.ItemDataRole.BackgroundRole).color() == colours.bg
            assert model.index(row, Col.SLA).data(Qt.ItemDataRole.ForegroundRole).color() == colours.fg
            text = model.index(row, Col.SLA).data()
            assert ("over" in text) == (status.state == "breached")
            assert model.index(row, Col.SLA).data(Qt.ItemDataRole.AccessibleTextRole).endswith(text)
        assert isinstance(model.index(row, Col.CHANNEL).data(Qt.ItemDataRole.DecorationRole), QIcon)
        team = model.index(row, Col.TEAM).data()
        assert team == (feed.teams[e.team_id] if e.team_id else "Unassigned")
    states = {s for s in column(model, 0, SLA_STATE_ROLE) if s}
    assert {"breached", "on_track"} <= states  # the demo backlog has both ends of the scale


def test_sla_tooltip_gives_working_time_left_and_the_deadline(feed: Feed) -> None:
    model = make_model(feed)
    for row in range(model.rowCount()):
        status = model.index(row, 0).data(SLA_STATUS_ROLE)
        if status is not None and status.state != "breached":
            tip = plain_of_tooltip(model.index(row, Col.SLA).data(Qt.ItemDataRole.ToolTipRole))
            assert "working time left" in tip and "Due " in tip and "Europe/London" in tip
            break
    else:
        pytest.fail("no running clock in the demo data")


# --- untrusted text --------------------------------------------------------------------------------


def test_markup_in_customer_text_is_shown_literally_and_escaped_in_tooltips(feed: Feed) -> None:
    base = open_rows(feed)[0]
    evil = dataclasses.replace(
        base, id="evil-1", text=HOSTILE + "\nline 2", customer_name="<b>Eve</b>", customer_handle="<i>@eve"
    )
    model = make_model(feed, [evil])
    model.set_privacy("full")
    preview = model.index(0, Col.PREVIEW).data()
    assert preview.startswith("<b>bold</b> <a href='https://evil.example'>click</a> <img src=")
    assert "&lt;not a tag&gt;" in preview and "\n" not in preview  # one line, entities untouched
    assert model.index(0, Col.CUSTOMER).data() == "<b>Eve</b> (<i>@eve)"
    for col in (Col.PREVIEW, Col.CUSTOMER):
        tip = model.index(0, col).data(Qt.ItemDataRole.ToolTipRole)
        assert "<b>bold" not in tip and "<img" not in tip and "<i>" not in tip
        shown = plain_of_tooltip(tip)  # what QToolTip will render
        literal = model.index(0, col).data() if col == Col.CUSTOMER else HOSTILE
        assert literal in shown.replace("\n", " ") or shown.startswith(literal[:80])
    assert html.escape("<qt>") in model.index(0, Col.PREVIEW).data(Qt.ItemDataRole.ToolTipRole)


def test_privacy_modes_mask_handles_and_pii_and_the_filter_sees_only_what_is_shown(feed: Feed) -> None:
    base = open_rows(feed)[0]
    e = dataclasses.replace(
        base, id="pii-1", customer_handle="@johnsmith", customer_name="John Smith",
        text="card 4539 1488 0343 6467 and mail me at john@example.com please",
    )  # fmt: skip
    model = make_model(feed, [e])
    model.set_privacy("full")
    assert model.index(0, Col.CUSTOMER).data() == "John Smith (@johnsmith)"
    preview = model.index(0, Col.PREVIEW).data()
    assert "4539" not in preview and "6467" in preview and "john@example.com" not in preview
    model.set_filter("johnsmith")
    assert model.visible_count() == 1
    model.set_privacy("partial")
    assert model.visible_count() == 0  # the full handle is no longer shown, so it no longer matches
    model.set_filter("")
    assert model.index(0, Col.CUSTOMER).data() == "@jo••••"
    model.set_privacy("masked")
    assert model.index(0, Col.CUSTOMER).data().startswith("customer #")
    assert model.index(0, Col.PREVIEW).data() == "(hidden)"
    assert model.index(0, Col.PREVIEW).data(Qt.ItemDataRole.ToolTipRole) is None
    with pytest.raises(ValueError):
        model.set_privacy("everything")


def test_the_filter_finds_masks_as_shown_and_never_the_digits_they_hide(feed: Feed) -> None:
    e = dataclasses.replace(
        open_rows(feed)[0], id="pii-2", customer_handle="@jo", customer_name="Jo",
        text="card 4539 1488 0343 6467 was declined",
    )  # fmt: skip
    model = make_model(feed, [e])
    shown = model.index(0, Col.PREVIEW).data()
    assert "\u2022\u2022\u2022\u2022 6467" in shown and "4539" not in shown
    hay = model.queue_index().hay(model.queue_index().held_rows()[0])
    assert "\u2022" not in hay and max(map(ord, hay)) < 256  # one byte a character: half the memory
    model.set_filter("\u2022\u2022\u2022\u2022 6467")
    assert model.visible_count() == 1
    model.set_filter("4539")
    assert model.visible_count() == 0


# --- sort and filter -------------------------------------------------------------------------------

KEYS: dict[int, Callable[[QueueModel, Enquiry], Any]] = {
    Col.AGE: lambda m, e: -e.created_at,
    Col.CHANNEL: lambda m, e: (e.channel, e.visibility),
    Col.TOPIC: lambda m, e: e.topic,
    Col.TEAM: lambda m, e: m.index(m.row_of(e.id) or 0, Col.TEAM).data().casefold(),
    Col.FLAGS: lambda m, e: (-len(e.flags), ",".join(sorted(e.flags))),
}


@pytest.mark.parametrize("col", list(KEYS))
def test_sort_by_column_both_ways(feed: Feed, col: int, qtmodeltester: Any) -> None:
    model = make_model(feed)
    model.sort(col, Qt.SortOrder.AscendingOrder)
    rows = [model.enquiry_at(r) for r in range(model.rowCount())]
    keys = [(KEYS[col](model, e), e.id) for e in rows if e]
    assert keys == sorted(keys)
    model.sort(col, Qt.SortOrder.DescendingOrder)
    assert shown_ids(model) == [e.id for e in reversed(rows) if e]
    qtmodeltester.check(model)


def test_sla_sort_leads_with_what_can_be_saved_and_puts_no_clock_last(feed: Feed) -> None:
    model = make_model(feed)
    model.sort(Col.SLA, Qt.SortOrder.AscendingOrder)
    statuses = column(model, 0, SLA_STATUS_ROLE)
    timed = [s for s in statuses if s is not None]
    saveable = [s.remaining_s for s in timed if s.state != "breached"]
    breached = [s for s in timed if s.state == "breached"]
    assert saveable and breached and timed == [*timed[: len(saveable)], *breached]
    assert saveable == sorted(saveable) and saveable[0] >= 0  # the next deadline first, not a breach
    assert [s.due_at for s in breached] == sorted((s.due_at for s in breached), reverse=True)
    assert statuses[: len(timed)] == timed  # rows without a clock (paused) come after every countdown


def test_sort_is_a_layout_change_that_keeps_persistent_indexes_on_their_rows(
    feed: Feed, qtbot: QtBot
) -> None:
    model = make_model(feed)
    marks = {str(model.index(r, 2).data(ID_ROLE)): QPersistentModelIndex(model.index(r, 2)) for r in (0, 9)}
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.layoutChanged):
        model.sort(Col.AGE, Qt.SortOrder.DescendingOrder)
    for ident, p in marks.items():
        assert p.isValid() and p.data(ID_ROLE) == ident and p.column() == 2


@pytest.mark.expected_log(r"filter predicate failed", logger="concierge.live.queue", level="ERROR")
@pytest.mark.expected_log(r"^filter predicate failed for ", logger="concierge.widgets.queue", level="ERROR")
def test_filter_text_matches_id_customer_preview_topic_team_agent_any_case(feed: Feed) -> None:
    model = make_model(feed)
    rows = open_rows(feed)
    e = next(r for r in rows if r.agent_id)
    agent = feed.agents[e.agent_id or ""]
    for needle in (e.id.upper(), agent.upper(), agent.split()[-1].lower()):
        model.set_filter(needle)
        assert e.id in shown_ids(model)
        assert all(needle.casefold() in _hay(model, r) for r in range(model.rowCount()))
    model.set_filter("FRAUD")  # a topic and a team name, and a word in messages
    assert all("fraud" in _hay(model, r) for r in range(model.rowCount()))
    assert {r.id for r in rows if r.topic == "fraud" or r.team_id == "fraud"} <= set(shown_ids(model))
    model.set_filter("zzz-nothing-like-this")
    assert model.visible_count() == 0 and model.total_count() == len(rows)
    model.set_filter("", lambda x: "complaint" in x.flags)
    assert set(shown_ids(model)) == {r.id for r in rows if "complaint" in r.flags}
    model.set_filter("", lambda x: 1 / 0 > 0)  # a broken saved view hides rows, never raises
    assert model.visible_count() == 0


def _hay(model: QueueModel, row: int) -> str:
    cols = (Col.CUSTOMER, Col.PREVIEW, Col.TOPIC, Col.TEAM, Col.AGENT)
    parts = [str(model.index(row, 0).data(ID_ROLE))] + [model.index(row, c).data() for c in cols]
    return "\n".join(parts).casefold()


def test_filter_warm_up_builds_every_row_in_idle_slices(feed: Feed, qtbot: QtBot) -> None:
    model = make_model(feed)
    assert not model.warmed_up()
    qtbot.waitUntil(model.warmed_up, timeout=5000)
    model.set_filter("a")
    assert 0 < model.visible_count() <= model.total_count()


def test_rows_soon_replaced_get_no_warm_up_and_still_filter(feed: Feed) -> None:
    """The first screenful at start-up (set_rows(warm=False)): no filter text built in idle time for rows
    the full load replaces a moment later, and a filter typed meanwhile still finds them."""
    model = make_model(feed)
    rows = model.all_enquiries()
    model.set_rows(rows[:5], warm=False)
    assert model.warmed_up() and model.total_count() == 5
    model.set_filter(rows[2].id)
    assert model.ids() == [rows[2].id]


# --- live updates ----------------------------------------------------------------------------------


def test_apply_inserts_removes_moves_and_changes_rows_without_a_reset(
    feed: Feed, qtbot: QtBot, qtmodeltester: Any
) -> None:
    rows = open_rows(feed)
    model = make_model(feed, rows[:200])
    model.sort(Col.AGE, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)
    gone, moved, retitled = rows[3].id, rows[10], rows[20]
    new = dataclasses.replace(rows[250], id="new-1", created_at=feed.now() - 5)
    closed = dataclasses.replace(rows[30], status="resolved", version=rows[30].version + 1)
    older = dataclasses.replace(moved, created_at=moved.created_at - 86_400 * 30, version=moved.version + 1)
    renamed = dataclasses.replace(retitled, topic="mortgages", version=retitled.version + 1)
    changes = ChangeSet(added={"new-1"}, changed={moved.id, retitled.id, closed.id}, removed={gone})
    upd = {e.id: e for e in (new, older, renamed, closed)}
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    moves: list[int] = []
    model.rowsInserted.connect(lambda _p, a, b: inserted.append((a, b)))
    model.rowsRemoved.connect(lambda _p, a, b: removed.append((a, b)))
    model.rowsMoved.connect(lambda *a: moves.append(1))
    with qtbot.assertNotEmitted(model.modelReset), qtbot.assertNotEmitted(model.layoutChanged):
        model.apply(changes, upd)
    assert inserted == [(0, 0)]  # the newest enquiry, at the top of an age sort
    assert len(removed) == 2 and len(moves) == 1
    ids = shown_ids(model)
    assert ids[0] == "new-1" and ids[-1] == moved.id  # 30 days older: now the last row
    assert gone not in ids and closed.id not in ids and len(ids) == 199
    assert model.index(model.row_of(retitled.id) or 0, Col.TOPIC).data() == "Mortgages"
    keys = [(-e.created_at, e.id) for e in (model.enquiry_at(r) for r in range(len(ids))) if e]
    assert keys == sorted(keys)
    qtmodeltester.check(model)


def test_apply_respects_filter_and_descending_order(feed: Feed, qtmodeltester: Any) -> None:
    rows = open_rows(feed)
    model = make_model(feed, rows[:150])
    model.sort(Col.AGE, Qt.SortOrder.DescendingOrder)
    model.set_filter("", lambda e: e.topic != "lending")
    a = dataclasses.replace(rows[200], id="in-view", topic="cards")
    b = dataclasses.replace(rows[201], id="filtered-out", topic="lending")
    c = dataclasses.replace(rows[0], topic="lending", version=rows[0].version + 1)  # leaves the view
    model.apply(ChangeSet(added={"in-view", "filtered-out"}, changed={c.id}), {x.id: x for x in (a, b, c)})
    ids = shown_ids(model)
    assert "in-view" in ids and "filtered-out" not in ids and c.id not in ids
    assert model.total_count() == 152
    keys = [(-e.created_at, e.id) for e in (model.enquiry_at(r) for r in range(len(ids))) if e]
    assert keys == sorted(keys, reverse=True)
    model.set_filter("")
    assert {"filtered-out", c.id} <= set(shown_ids(model))
    qtmodeltester.check(model)


def test_live_feed_from_the_service_keeps_the_model_equal_to_a_fresh_load(feed: Feed) -> None:
    model = make_model(feed)
    model.sort(Col.SLA)
    feed.service.advance(900)  # fifteen simulated minutes of arrivals, replies, moves and closures
    changes = feed.pull()
    assert changes.added and changes.changed
    model.apply(changes, feed.rows)
    fresh = make_model(feed)
    fresh.sort(Col.SLA)
    assert set(shown_ids(model)) == set(shown_ids(fresh))
    for ident in shown_ids(fresh)[:50]:
        row = model.row_of(ident)
        assert row is not None and model.enquiry_at(row) == feed.rows[ident]


@pytest.mark.expected_log(r"gives no row for it", logger="concierge.live.queue")
@pytest.mark.expected_log(r"names ghost but gives no row", logger="concierge.widgets.queue")
def test_apply_skips_ids_without_a_row(feed: Feed, caplog: pytest.LogCaptureFixture) -> None:
    model = make_model(feed, open_rows(feed)[:10])
    model.apply(ChangeSet(added={"ghost"}), {})
    assert model.total_count() == 10 and "ghost" in caplog.text


# --- clocks ----------------------------------------------------------------------------------------


def test_tick_recomputes_only_the_given_rows_and_repaints_their_clock_cells(feed: Feed) -> None:
    model = make_model(feed)
    spans: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda a, b, roles=(): spans.append((a.row(), b.row(), a.column(), b.column())))
    calls: list[int] = []
    real = feed.engine.statuses

    def counting(rows: Any, now: float) -> Any:
        rows = list(rows)
        calls.append(len(rows))
        return real(rows, now)

    feed.engine.statuses = counting  # type: ignore[method-assign,assignment]
    try:
        model.tick(10, 39)
    finally:
        del feed.engine.statuses
    # The clock columns (each on its own: the columns between do not change), and the risk column, whose
    # score follows the clock's state. The first tick has no earlier looks: every row is repainted.
    assert spans == [(10, 39, Col.SLA, Col.SLA), (10, 39, Col.AGE, Col.AGE), (10, 39, Col.RISK, Col.RISK)]
    assert calls == [30]
    spans.clear()
    model.tick(model.rowCount() - 3, model.rowCount() + 50)  # clamped
    n = model.rowCount()
    assert spans == [(n - 3, n - 1, c, c) for c in (Col.SLA, Col.AGE, Col.RISK)]


def test_countdowns_follow_the_server_clock(feed: Feed) -> None:
    rows = open_rows(feed)
    clock = [feed.now()]
    model = QueueModel()
    model.set_clock(feed.engine, lambda: clock[0], "Europe/London")
    model.set_rows(rows)
    row = next(
        r for r in range(model.rowCount()) if (s := model.index(r, 0).data(SLA_STATUS_ROLE)) and s.kind != "x"
    )
    e = model.enquiry_at(row)
    assert e is not None
    before = model.index(row, 0).data(SLA_STATUS_ROLE)
    clock[0] += 7 * 86_400  # a week later every running clock has breached
    model.tick(0, model.rowCount() - 1)
    after = model.index(row, 0).data(SLA_STATUS_ROLE)
    assert after.state == "breached" and after.remaining_s <= before.remaining_s
    assert " over · was due " in model.index(row, 0).data()


def test_nearest_deadlines_ignore_sort_filter_and_breached_rows(feed: Feed) -> None:
    model = make_model(feed)
    model.sort(Col.AGE)
    model.set_filter("zzz-nothing")
    got = model.nearest_deadlines(5)
    now = feed.now()
    expected = sorted(
        (s.due_at, e.id)
        for e in open_rows(feed)
        if (s := feed.engine.status(e, now)) is not None and s.state != "breached"
    )[:5]
    assert [(s.due_at, e.id) for e, s in got] == expected


def test_a_bad_time_zone_is_refused_with_a_clear_message(feed: Feed) -> None:
    model = make_model(feed, open_rows(feed)[:3])
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        model.set_clock(feed.engine, feed.now, "Mars/Olympus")
    assert model.time_zone() == "Europe/London" and model.index(0, 0).data()


def test_counts_signal(feed: Feed, qtbot: QtBot) -> None:
    model = make_model(feed)
    with qtbot.waitSignal(model.countsChanged) as blocker:
        model.set_filter("", lambda e: e.visibility == "public")
    total, visible = blocker.args
    assert total == model.total_count() and visible == model.visible_count() < total


def test_masked_customers_that_read_alike_are_one_shared_string() -> None:
    # 100k rows hold a few thousand distinct masked handles ("@jo••••"): one copy each (issue 16, RSS).
    text = CellText()
    rows = [Row(make_enquiry(i, customer_handle=f"@john{i}")) for i in range(3)]
    shown = [text.customer(r) for r in rows]
    assert shown[0] == "@jo••••" and shown[0] is shown[1] is shown[2]
    text.privacy = "full"
    assert [text.customer(Row(r.e)) for r in rows] == [f"Customer {i} (@john{i})" for i in range(3)]


def test_a_search_while_most_rows_have_no_filter_text_waits_for_the_warm_up(qtbot: QtBot) -> None:
    # After a first fill the rows show before their filter text: a keystroke built it for every row at
    # once on the UI thread (seconds at 100k). The search waits for the warm-up instead, then applies.
    rows = [make_enquiry(i, text=f"card swallowed {i}" if i % 7 == 0 else f"parcel {i}") for i in range(5000)]
    assert len(rows) > 2 * FILTER_WAITS_FOR
    model = QueueModel()
    model.set_rows(rows)  # the warm-up starts: no row has its text yet
    waits: list[bool] = []
    model.filterWaiting.connect(waits.append)
    model.set_filter("", lambda e: e.id != rows[0].id)  # a saved view alone needs no text: at once
    assert waits == [] and model.visible_count() == len(rows) - 1
    model.set_filter("parcel")
    model.set_filter("swallowed")  # the last search asked for is the one applied
    # The filter box asks for the saved view to search within: the waiting search's, not the one shown.
    assert model.filter_predicate() is None
    # No text was built at once: what showed stays until the search applies.
    assert waits == [True, True] and model.visible_count() == len(rows) - 1
    qtbot.waitUntil(lambda: waits[-1] is False, timeout=10_000)
    assert model.visible_count() == sum("swallowed" in e.text for e in rows)


def test_the_warm_up_waits_while_the_sync_reads_a_backlog_but_a_search_does_not(qtbot: QtBot) -> None:
    # During an empty cache's first fill the warm-up's masking took the GIL from the sync reading its
    # backlog (caught up at 26-28 s instead of 20 s at 100k, bench_sync): it waits; a search does not.
    rows = [make_enquiry(i, text=f"card swallowed {i}" if i % 7 == 0 else f"parcel {i}") for i in range(5000)]
    model = QueueModel()
    model.hold_warm_up(True)
    model.set_rows(rows)
    index = model.queue_index()
    left = index.text_left()
    for _ in range(5):
        QCoreApplication.processEvents()  # a running warm-up (a 0 ms timer) would take a slice each time
    assert index.text_left() == left > FILTER_WAITS_FOR and not model.warmed_up()
    with qtbot.waitSignal(model.warmedUp, timeout=10_000):
        model.hold_warm_up(False)  # the backlog is read
    assert index.text_left() == 0 and model.warmed_up()

    model.hold_warm_up(True)  # a backlog again (a re-sync): rows read whole, then a search
    model.set_rows(rows)
    waits: list[bool] = []
    model.filterWaiting.connect(waits.append)
    model.set_filter("swallowed")
    assert waits == [True]
    qtbot.waitUntil(lambda: waits[-1:] == [False], timeout=10_000)
    assert model.visible_count() == sum("swallowed" in e.text for e in rows)
