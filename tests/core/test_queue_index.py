"""The queue's index of rows by id (console.live.queue_index), without Qt: enquiries from the reference
service's own generator, the real SLA engine over the service's policies and calendars. A listener that
mirrors the visible ids from the index's notices alone (as a Qt view would) checks every notice."""

from __future__ import annotations

import dataclasses
import logging
import random
import threading

import pytest

from console.domain.model import ChangeSet, Enquiry
from console.live.queue_index import BATCH_AS_LAYOUT, QueueIndex
from console.live.queue_rows import UNSET, Col, Deadlines, PlainText, Prepared, Row, filtered
from console.live.risk import RiskBook
from console.service.sim.population import draw_enquiry
from console.sla.engine import SlaEngine, SlaStatus
from tests.helpers.queue_index import NOW, Mirror, build_world, make, row_of
from tests.helpers.store import make_enquiry


@pytest.fixture(scope="module")
def world() -> tuple[list[Enquiry], SlaEngine]:
    return build_world()


def fresh_order(
    world: tuple[list[Enquiry], SlaEngine], enquiries: list[Enquiry], ix: QueueIndex
) -> list[str]:
    """The display order a fresh index shows for the same rows, sort and filter."""
    other = QueueIndex(PlainText())
    other.set_clock(world[1], lambda: NOW)
    other.sort(ix.sort_col, ix.descending)
    other.set_filter(ix.needle, ix.predicate)
    other.set_rows(enquiries)
    return other.ids()


def random_changes(
    rng: random.Random, held: dict[str, Enquiry], n: int, serial: list[int]
) -> tuple[ChangeSet, dict[str, Enquiry]]:
    cs, new = ChangeSet(), {}
    for ident in rng.sample(sorted(held), n):
        e = held[ident]
        roll = rng.random()
        if roll < 0.2:
            cs.removed.add(ident)
            del held[ident]
        elif roll < 0.3:  # resolved: leaves the live queue
            new[ident] = dataclasses.replace(e, status="resolved", version=e.version + 1)
            cs.changed.add(ident)
            del held[ident]
        else:
            e = dataclasses.replace(
                e,
                version=e.version + 1,
                team_id=rng.choice(["social", "cards", "fraud", None]),
                customer_handle=f"@moved{rng.randrange(1000)}",
                first_response_at=None if rng.random() < 0.5 else e.created_at + 60,
            )
            new[ident] = held[ident] = e
            cs.changed.add(ident)
    for _ in range(max(1, n // 3)):
        serial[0] += 1
        e = dataclasses.replace(next(iter(held.values())), id=f"new-{serial[0]:05d}", created_at=NOW - 30)
        new[e.id] = held[e.id] = e
        cs.added.add(e.id)
    return cs, new


@pytest.mark.parametrize(
    ("col", "descending", "needle"),
    [(Col.SLA, False, ""), (Col.AGE, True, ""), (Col.CUSTOMER, False, "@"), (Col.TEAM, True, "a")],
)
def test_live_changes_small_and_large_keep_the_order_a_fresh_load_gives(
    world: tuple[list[Enquiry], SlaEngine], col: Col, descending: bool, needle: str
) -> None:
    ix, mirror = make(world)
    ix.sort(col, descending)
    ix.set_filter(needle)
    held = {e.id: e for e in world[0]}
    rng, serial = random.Random(int(col) * 10 + descending), [0]
    # Row by row below BATCH_AS_LAYOUT, one layout change above; past MERGE_AT new or re-keyed rows (an
    # initial sync's pages), merged into the sorted lists rather than inserted one by one.
    for n in (1, 3, 5, 40, 2, 60, 4, 400, 7):
        mirror.log.clear()
        cs, new = random_changes(rng, held, n, serial)
        ix.apply(cs, new)
        big = len(cs.added) + len(cs.changed) + len(cs.removed) > BATCH_AS_LAYOUT
        assert ("layout" in mirror.log) == big
        if big:
            assert mirror.log == ["layout"]  # nothing row by row inside it
        assert mirror.ids == ix.ids()  # the notices alone kept a view's picture right
        assert ix.ids() == fresh_order(world, list(held.values()), ix)
        assert ix.total_count() == len(held) and set(ix.enquiries) == set(held)


def test_sla_sort_leads_with_what_can_be_saved_then_breached_then_no_clock(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    rows = world[0]
    closed = dataclasses.replace(rows[0], id="enq-zz-paused", status="waiting_customer")
    ix, _ = make(world)
    ix.apply(ChangeSet(added={closed.id}), {closed.id: closed})
    statuses = [ix.status_of(i) for i in ix.ids()]
    block = [0 if s is None or s.state != "breached" else 1 for s in statuses if s is not None]
    assert block == sorted(block) and 0 < sum(block) < len(block)  # every saveable row before any breached
    left = [s.remaining_s for s in statuses if s is not None and s.state != "breached"]
    assert left == sorted(left) and len(left) > 100  # the next deadline first
    was_due = [s.due_at for s in statuses if s is not None and s.state == "breached"]
    assert was_due == sorted(was_due, reverse=True)  # the freshest breach first, yesterday's last
    clocked = [s is not None for s in statuses]
    assert clocked == sorted(clocked, reverse=True)  # every row without a clock after every row with
    ix.sort(Col.SLA, True)
    assert [ix.status_of(i) for i in ix.ids()] == statuses[::-1]


def test_rows_that_breach_move_to_the_breached_block_one_by_one_as_a_fresh_sort_puts_them(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    rows, engine = world
    clock = [NOW]
    mirror = Mirror()
    ix = QueueIndex(PlainText(), mirror)
    mirror.ix = ix
    ix.set_clock(engine, lambda: clock[0])
    ix.set_rows(rows)
    ix.nearest_deadlines(3)  # the breach strip looks every second
    soon = [s.due_at for i in ix.ids() if (s := ix.status_of(i)) is not None and s.state != "breached"]
    clock[0] = sorted(soon)[4] + 1  # five deadlines pass
    ix.nearest_deadlines(3)
    mirror.log.clear()
    assert ix.place_crossed(limit=20) == 5
    assert "layout" not in mirror.log and mirror.log.count("move") <= 5  # moved, not all sorted again
    assert mirror.ids == ix.ids()
    fresh = QueueIndex(PlainText())
    fresh.set_clock(engine, lambda: clock[0])
    fresh.set_rows(rows)

    def breached(index: QueueIndex) -> list[str]:
        return [i for i in index.ids() if (st := index.status_of(i)) is not None and st.state == "breached"]

    # The breached block is as a fresh sort makes it (the freshest breach first); the saveable rows keep
    # the order of the last full sort (the time left, on its footing) until the next one.
    assert breached(ix) == breached(fresh) and set(ix.ids()) == set(fresh.ids())
    states = [st.state == "breached" for i in ix.ids() if (st := ix.status_of(i)) is not None]
    assert states == sorted(states)  # every saveable row before any breached one
    assert ix.place_crossed(limit=20) == 0  # each once
    clock[0] += 3 * 3600  # many at once: every row sorted again
    mirror.log.clear()
    assert ix.place_crossed(limit=20) is None and mirror.log == ["layout"]


def test_filter_matches_what_the_text_says_in_any_case_and_narrows_as_you_type(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    ix, mirror = make(world)
    rows = world[0]
    target = rows[7]
    ix.set_filter(target.id.upper())
    assert ix.ids() == [target.id]
    topic = rows[3].topic
    ix.set_filter(topic[:2])
    wide = set(ix.ids())
    ix.set_filter(topic)
    assert set(ix.ids()) <= wide and all(topic in ix.hay(r).casefold() for r in map(row_of(ix), ix.ids()))
    assert {e.id for e in rows if topic in e.topic} <= set(ix.ids())
    ix.set_filter("")
    assert len(ix.ids()) == len(rows) and mirror.ids == ix.ids()


@pytest.mark.expected_log(r"filter predicate failed", logger="concierge.live.queue", level="ERROR")
def test_a_predicate_that_raises_hides_the_row_and_says_so(
    world: tuple[list[Enquiry], SlaEngine], caplog: pytest.LogCaptureFixture
) -> None:
    ix, _ = make(world)
    bad = world[0][0].id

    def picky(e: Enquiry) -> bool:
        if e.id == bad:
            raise KeyError("no such field")
        return True

    with caplog.at_level(logging.ERROR, "concierge.live.queue"):
        ix.set_filter("", picky)
    assert bad not in ix.ids() and ix.visible_count() == len(world[0]) - 1
    assert "filter predicate failed" in caplog.text


def test_tick_recomputes_only_the_rows_asked_for_and_clamps_the_span(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    ix, _ = make(world)
    for r in ix.held_rows():
        r.status = UNSET
    assert ix.tick(-5, 9) == (0, 9)
    fresh = [r for r in ix.held_rows() if r.status is not UNSET]
    assert {r.id for r in fresh} == set(ix.ids()[:10])
    assert ix.tick(ix.visible_count() - 2, 10_000) == (ix.visible_count() - 2, ix.visible_count() - 1)
    assert ix.tick(5, 4) is None


def test_nearest_deadlines_ignore_sort_filter_and_passed_deadlines(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    ix, _ = make(world)
    before = ix.nearest_deadlines(5)
    ix.sort(Col.CUSTOMER, True)
    ix.set_filter("no row has this text")
    after = ix.nearest_deadlines(5)
    assert [e.id for e, _ in after] == [e.id for e, _ in before] and len(after) == 5
    assert all(s.due_at > NOW for _, s in after)
    assert [s.due_at for _, s in after] == sorted(s.due_at for _, s in after)


@pytest.mark.expected_log(r"calendar 'social' is unknown", logger="concierge.sla")
def test_nearest_deadlines_follow_live_changes_as_a_full_scan_finds_them(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    # The index keeps its running clocks sorted by deadline as rows come, change and go (row by row and
    # as a layout change): what it answers is what scanning every held row from scratch gives.
    ix, _ = make(world)
    engine = world[1]
    held = {e.id: e for e in world[0]}
    rng, serial = random.Random(9), [0]
    for n in (1, 5, 40, 3, 60):
        cs, new = random_changes(rng, held, n, serial)
        ix.apply(cs, new)
        running = [(s.due_at, e.id) for e in held.values() if (s := engine.status(e, NOW)) is not None]
        expected = sorted(p for p in running if NOW < p[0] < float("inf"))[:8]
        assert [(s.due_at, e.id) for e, s in ix.nearest_deadlines(8)] == expected


def test_deadlines_skip_rows_that_changed_or_went_and_come_back_when_the_clock_is_set_back() -> None:
    base = draw_enquiry(random.Random(3), "x", NOW - 600)

    def row(ident: str, due: float) -> Row:
        r = Row(dataclasses.replace(base, id=ident))
        r.status = SlaStatus("first_response", "on_track", due - NOW, due, 3600.0)
        return r

    rows = {f"r{i:04d}": row(f"r{i:04d}", NOW + i * 60) for i in range(3000)}
    d = Deadlines(rows.values())
    assert d.after(NOW + 30, 3, rows) == ["r0001", "r0002", "r0003"]
    del rows["r0002"]  # went
    rows["r0001"] = row("r0001", NOW + 10 * 3600)  # its deadline moved (filed again, as the index does)
    d.add(rows["r0001"])
    assert d.after(NOW + 30, 3, rows) == ["r0003", "r0004", "r0005"]
    assert d.after(NOW + 200, 2, rows) == ["r0004", "r0005"]  # r0003's deadline has passed
    assert d.after(NOW + 30, 1, rows) == ["r0003"]  # the server's clock was set back: it is ahead again
    for _ in range(6000):  # the same row filed over and over: stale entries are dropped, not kept
        d.add(rows["r0004"])
    assert d.after(NOW + 30, 3, rows) == ["r0003", "r0004", "r0005"]
    assert len(d) < 2 * len(rows) + 1024
    # Filed at a moment: the deadlines passed by then are left out at once (not popped at the first
    # look), passed ones are not kept (most rows can be breached: memory), and all come back from the
    # rows if the clock is set back.
    late = Deadlines(rows.values(), NOW + 1000 * 60)
    assert len(late) == 1999 and late.after(NOW + 1000 * 60, 1, rows) == ["r1001"]
    assert late.crossed(NOW + 2000 * 60, rows)[:2] == ["r1001", "r1002"] and len(late) == 999
    assert late.after(NOW + 30, 2, rows) == ["r0003", "r0004"] and len(late) == 2998


class Words(PlainText):
    """Team names that can change (a RowText whose snapshot copies them)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def team(self, e: Enquiry) -> str:
        return self.name

    def snapshot(self) -> Words:
        return Words(self.name)


def test_filter_text_made_on_a_worker_is_kept_unless_the_words_changed_meanwhile(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    ix = QueueIndex(Words("Harbour"))
    out: list[Prepared] = []
    worker = threading.Thread(target=lambda: out.append(ix.prepare(world[0][:50], with_text=True)))
    worker.start()
    worker.join()
    ix.adopt(out[0])
    assert all(r.hay is not None and "harbour" in r.hay for r in ix.held_rows())
    ix.set_filter("harbour")
    assert ix.visible_count() == 50

    p = ix.prepare(world[0][:50], with_text=True)  # made with "Harbour"...
    ix.text = Words("Quay")
    ix.forget_text(hay_only=True)  # ...but the names changed before it was adopted
    ix.set_filter("")
    ix.adopt(p)
    assert all(r.hay is None for r in ix.held_rows())
    ix.set_filter("harbour")
    assert ix.visible_count() == 0
    ix.set_filter("quay")
    assert ix.visible_count() == 50


def test_rows_prepared_on_another_thread_under_another_sort_are_re_sorted_when_adopted(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    ix, mirror = make(world)
    out: list[object] = []
    worker = threading.Thread(target=lambda: out.append(ix.prepare(world[0][:300])))
    worker.start()
    worker.join()
    ix.sort(Col.AGE)  # the sort changed while the rows were prepared
    prepared = out[0]
    ix.adopt(prepared)  # type: ignore[arg-type]
    ages = [e.created_at for e in map(ix.enquiry, ix.ids()) if e is not None]
    assert len(ages) == 300 and ages == sorted(ages, reverse=True)  # newest first: least waited
    assert mirror.ids == ix.ids()


def test_closed_enquiries_leave_and_the_enquiries_view_follows_without_a_copy(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    ix, _ = make(world)
    view = ix.enquiries
    e = world[0][11]
    assert view[e.id] is e and e.id in view and len(view) == len(world[0])
    done = dataclasses.replace(e, status="closed", version=e.version + 1)
    ix.apply(ChangeSet(changed={e.id}), {e.id: done})
    assert e.id not in view and ix.row_of(e.id) is None and len(view) == len(world[0]) - 1
    keep_all = QueueIndex(open_only=False)
    keep_all.set_rows([done])
    assert keep_all.ids() == [e.id]


@pytest.mark.expected_log(r"gives no row for it", logger="concierge.live.queue")
def test_ids_named_without_a_row_are_skipped_and_logged(
    world: tuple[list[Enquiry], SlaEngine], caplog: pytest.LogCaptureFixture
) -> None:
    ix, _ = make(world)
    with caplog.at_level(logging.WARNING, "concierge.live.queue"):
        ix.apply(ChangeSet(added={"ghost"}), {})
    assert "ghost" in caplog.text and ix.total_count() == len(world[0])


@pytest.mark.parametrize("keys", ["float", "text"])
@pytest.mark.parametrize("share", [0.0, 0.05, 0.4, 0.6, 0.95, 1.0])
def test_filtered_rows_keep_the_sort_order_with_ties_in_id_order_whatever_the_share_of_hits(
    keys: str, share: float
) -> None:
    # The hits are found in id order and put back in sort order: by a sort of the hits or one pass over
    # the sorted rows, depending on how many there are and the kind of key. Every way gives (k, id) order.
    rng = random.Random(f"{keys}{share}")
    by_id = [Row(draw_enquiry(rng, f"E{i:05d}", NOW)) for i in range(2_000)]
    for r in by_id:
        r.k = float(rng.randrange(50)) if keys == "float" else f"customer {rng.randrange(50):02d}"  # ties
        r.hay = "hit" if rng.random() < share else "miss"
    rows = sorted(by_id, key=lambda r: (r.k, r.id))
    expected = [r for r in rows if "hit" in (r.hay or "")]
    assert filtered(rows, by_id, "hit", None, lambda r: r.hay or "") == expected
    assert filtered(rows, by_id, "", lambda e: e.id in {r.id for r in expected}, lambda r: "") == expected


def test_filter_text_is_built_in_slices_and_then_every_row_has_it(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    ix, _ = make(world)
    for r in ix.held_rows():
        r.hay = None
    ix.start_warm_up()
    slices = 1
    while not ix.warm_up(100):
        slices += 1
    assert slices == 6 and all(r.hay is not None for r in ix.held_rows())
    some = {r.id for r in ix.held_rows()[::7]}
    ix.forget_text(hay_only=True, of=lambda e: e.id in some)  # a rename: only the rows it names
    assert {r.id for r in ix.held_rows() if r.hay is None} == some
    ix.start_warm_up()
    assert ix.text_left() == len(some)
    ix.forget_text(hay_only=True)
    assert all(r.hay is None for r in ix.held_rows())


class CachingText(PlainText):
    """Caches the customer cell's text on the row, as the queue's CellText does."""

    def customer(self, r: Row) -> str:
        if r.customer is None:
            r.customer = f"<{r.e.customer_handle}>"
        return r.customer


def test_filter_text_leaves_the_customer_cell_uncached_on_rows_no_view_asked_for(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    # Cached on every row by the filter text, the customer cell's text cost ~6 MB at 100k open: it stays
    # cached only where a view asked for it (a painted row, a sort by customer).
    rows, engine = world
    ix = QueueIndex(CachingText())
    ix.set_clock(engine, lambda: NOW)
    ix.set_rows(rows)
    ix.start_warm_up()
    while not ix.warm_up(100):
        pass
    held = ix.held_rows()
    assert all(r.hay is not None and r.customer is None for r in held)
    ix.set_filter(f"<{rows[5].customer_handle}>")
    assert rows[5].id in ix.ids() and all(r.customer is None for r in held)
    assert ix.text.customer(held[0]) == f"<{held[0].e.customer_handle}>" and held[0].customer is not None


def test_a_customers_earlier_contact_synced_late_rescores_their_rows_whatever_the_case_of_the_handle(
    world: tuple[list[Enquiry], SlaEngine],
) -> None:
    rows, engine = world
    amy = [
        dataclasses.replace(e, customer_handle="@Amy_B", created_at=NOW - 3600 - i)
        for i, e in enumerate(rows[:2])
    ]
    ix, _ = make((amy + rows[2:], engine))
    ix.set_risk_book(RiskBook.build((e.customer_handle, e.created_at) for e in amy + rows[2:]))
    other = rows[5].id
    for e in amy:  # cached on the rows: no repeat contact yet (they are 1 s apart: one counts the other)
        assert ix.risk_of(e.id) is not None
    said = {e.id: str(ix.risk_of(e.id)) for e in amy}
    kept = ix.risk_of(other)
    for n in range(2):  # the handle index is made on the first late contact, then kept up to date
        late = dataclasses.replace(
            rows[2 + n], id=f"enq-late-{n}", customer_handle=" @amy_b", created_at=NOW - 86400 - n
        )
        ix.apply(ChangeSet(added={late.id}), {late.id: late})
        ix.set_risk_book(ix.risk_book.with_enquiries([late]))
        for e in amy:
            now_said = str(ix.risk_of(e.id))
            assert now_said != said[e.id], f"{e.id} kept a risk that ignores an earlier contact"
            said[e.id] = now_said
        assert ix.risk_of(other) is kept  # another customer's row keeps its cached risk


def test_the_snapshot_of_every_enquiry_is_shared_until_a_row_is_added_renewed_or_removed() -> None:
    # After a load the complaint book, the figures and the scoring each copied all 100k on the UI thread.
    rows = [make_enquiry(i) for i in range(30)]
    ix = QueueIndex(PlainText())
    p = ix.prepare(reversed(rows))  # made with the rows, on the loading worker: not again on the UI thread
    ix.adopt(p)
    first = ix.all_enquiries()
    assert first is p.enquiries and first == rows and ix.status_rows()[0] is first
    ix.tick(0, 10)  # clocks move, the enquiries do not
    assert ix.all_enquiries() is first
    changed = dataclasses.replace(rows[3], version=2, agent_id="ag-2")
    new = make_enquiry(99, id="zz-new")
    for changes, wanted in [
        (ChangeSet(changed={rows[3].id}), [*rows[:3], changed, *rows[4:]]),
        (ChangeSet(removed={rows[5].id}), [*rows[:3], changed, rows[4], *rows[6:]]),
        (ChangeSet(added={new.id}), [*rows[:3], changed, rows[4], *rows[6:], new]),
    ]:
        before = ix.all_enquiries()
        ix.apply(changes, {changed.id: changed, new.id: new})
        assert ix.all_enquiries() is not before and ix.all_enquiries() == wanted
    assert first == rows  # a list handed out is never changed afterwards
    ix.set_rows(rows[:2])
    assert ix.all_enquiries() == rows[:2]
