"""The SLA engine belongs to one thread: another thread computes with a snapshot (the same rules, its own
calendar clocks and caches) and never writes the original's caches, or reads a ClockSnapshot (copies of
the engine's cached clocks made on its thread). The figures thread works that way."""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from console.domain.model import Enquiry, Team
from console.live.metrics import RESPONSE_CLOCKS, ResponseClock, header_metrics
from console.sla.engine import MAX_ADOPTED, SlaEngine, default_calendars, default_policies
from console.sla.snapshot import ClockSnapshot

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/London")).timestamp()  # a Monday morning
TEAMS = {"social": Team("social", "Social", "social", ("general",), "social")}


def engine() -> SlaEngine:
    return SlaEngine(default_policies(), {c.id: c for c in default_calendars()}, TEAMS)


def enquiry(i: int, *, version: int = 1, answered: bool = False) -> Enquiry:
    return Enquiry(
        id=f"E{i:05d}",
        channel=("x", "facebook", "whatsapp")[i % 3],
        visibility=("public", "private")[i % 2],
        customer_handle=f"@c{i}",
        customer_name="",
        text="help",
        topic="general",
        complexity=1,
        flags=frozenset(),
        priority="normal",
        status="open",
        team_id="social",
        agent_id=None,
        created_at=T0 + 60 * i,
        version=version,
        updated_at=T0 + 60 * i,
        first_response_at=T0 + 60 * i + 600 if answered else None,
    )


def test_a_snapshot_computes_the_same_clocks_without_touching_the_original() -> None:
    ui = engine()
    rows = [enquiry(i, answered=i % 2 == 0) for i in range(200)]
    twin = ui.snapshot()
    assert twin.source is ui and twin.policies is ui.policies  # the rules are shared, read-only
    assert not set(map(id, twin._timers.values())) & set(map(id, ui._timers.values()))
    now = T0 + 3 * 3600
    theirs = twin.statuses(rows, now)
    assert not ui._current and not ui._idle and not ui._choice  # nothing written on the UI's engine
    assert theirs == ui.statuses(rows, now)
    assert [twin.clocks(e) for e in rows[:20]] == [ui.clocks(e) for e in rows[:20]]


def test_a_clock_snapshot_reads_the_engines_clocks_and_times_only_what_it_lacks() -> None:
    ui = engine()
    rows = [enquiry(i, answered=i % 2 == 0) for i in range(300)]
    now = T0 + 5 * 3600
    mine = ui.statuses(rows, now)  # the UI thread timed every row
    own = ui.snapshot()
    snap = ClockSnapshot(ui, own, now)
    assert [snap.status(e) for e in rows] == mine
    assert [snap.due_at(e) for e in rows] == [ui.due_at(e) for e in rows]
    assert not own._current and not own._idle  # nothing timed again: the engine's clocks were read
    changed = enquiry(7, version=2, answered=True)  # a version the UI engine has not seen
    later = enquiry(400)  # nor this row
    assert snap.due_at(changed) == engine().due_at(changed) and snap.status(later) == engine().status(
        later, now
    )
    assert set(own._current) | set(own._idle) == {changed.id, later.id}  # timed by the thread's own engine
    assert changed.id not in ui._idle and ui._current[changed.id].version == 1  # the UI's untouched
    ui.statuses(rows, now + 86_400 * 3)  # the UI engine ticks on: the snapshot keeps its moment
    assert [snap.status(e) for e in rows] == mine


def test_a_clock_snapshot_builds_no_calendar_table_on_the_engines_thread() -> None:
    # A first position of a calendar no clock has used builds its table (~16 ms each, on the UI thread
    # where the snapshot is made): the snapshot leaves those calendars' clocks to the reading thread.
    ui = engine()
    rows = [enquiry(i) for i in range(50)]
    now = T0 + 3600
    mine = ui.statuses(rows, now)
    unused = [t for t in ui._timers.values() if not t.ready_for(now)]
    assert unused and any(t.ready_for(now) for t in ui._timers.values())
    later = now + 400 * 86_400  # beyond every table the UI engine has built
    own = ui.snapshot()
    snap, far = ClockSnapshot(ui, own, now), ClockSnapshot(ui, ui.snapshot(), later)
    assert not any(t.ready_for(now) for t in unused)  # nothing built for the snapshots
    assert not any(t.ready_for(later) for t in ui._timers.values() if not t.always_open)
    assert [snap.status(e) for e in rows] == mine and not own._current  # read, not timed again
    assert [far.status(e) for e in rows] == engine().statuses(rows, later)  # timed by the reader


def test_response_clocks_run_on_another_thread_while_the_ui_engine_ticks() -> None:
    ui = engine()
    rows = [enquiry(i, answered=i % 3 == 0) for i in range(2000)]
    ui.statuses(rows[:1000], T0 + 8 * 3600)  # the queue has timed half of them
    snap = ClockSnapshot(ui, ui.snapshot(), T0 + 8 * 3600)  # made on the "UI" thread, then read there only

    def clocks(e: Enquiry) -> tuple[ResponseClock, ...]:
        return tuple(
            ResponseClock(c.kind, c.stopped_at, c.due_at) for c in snap.clocks(e) if c.kind in RESPONSE_CLOCKS
        )

    results: list[object] = []
    stop = threading.Event()

    def figures() -> None:
        for _ in range(3):
            results.append(header_metrics(rows, [], clocks, T0 + 8 * 3600, "Europe/London").attainment)
            results.append(sum(1 for e in rows if snap.due_at(e) is not None))
        stop.set()

    worker = threading.Thread(target=figures)
    worker.start()
    ticks = 0
    while not stop.is_set() or ticks == 0:  # the UI thread ticks its own engine meanwhile
        ui.statuses(rows, T0 + 8 * 3600 + ticks)
        ticks += 1
    worker.join(30)
    assert len(results) == 6 and results[0] == results[2] == results[4]
    assert results[1] == results[3] == results[5] == sum(1 for e in rows if ui.due_at(e) is not None)
    expected = header_metrics(rows, [], lambda e: ui.clocks(e), T0 + 8 * 3600, "Europe/London").attainment
    assert results[0] == expected and expected.met > 0 and expected.missed > 0


def test_the_clocks_a_worker_timed_are_handed_back_by_adopt() -> None:
    ui = engine()
    rows = [enquiry(i, answered=i % 2 == 0) for i in range(300)]
    now = T0 + 3 * 3600
    twin = ui.snapshot()
    done: list[list[object]] = []
    worker = threading.Thread(target=lambda: done.append(list(twin.statuses(rows, now))))
    worker.start()
    worker.join()
    mine = ui.statuses(rows[:10], now)  # the UI ticked its first screenful meanwhile
    assert ui.adopt(twin)
    assert len(ui._current) + len(ui._idle) == len(rows)  # every clock taken, none timed twice
    assert not twin._current and not twin._idle  # handed over: the worker keeps no share
    assert ui.statuses(rows, now) == done[0] and mine == done[0][:10]
    assert not engine().adopt(ui.snapshot())  # a snapshot of another engine (other rules): nothing taken


def test_a_clock_snapshot_reads_the_clocks_an_engine_adopted_without_timing_them_again() -> None:
    # The queue's rows are timed on a worker and adopted: their entries hold the worker's calendar
    # clocks. A ClockSnapshot once lacked those clocks' positions and had the figures worker time every
    # row again (~100k clocks at load, and a second cache of them kept for the session).
    ui = engine()
    rows = [enquiry(i, answered=i % 2 == 0) for i in range(300)]
    now = T0 + 3 * 3600
    twin = ui.snapshot()
    worker = threading.Thread(target=lambda: twin.statuses(rows, now))
    worker.start()
    worker.join()
    assert ui.adopt(twin)
    own = ui.snapshot()
    snap = ClockSnapshot(ui, own, now + 600)
    assert [snap.status(e) for e in rows] == ui.statuses(rows, now + 600)
    assert not own._current and not own._idle  # nothing timed again


def test_adopted_clocks_first_built_for_an_old_row_read_the_same_in_a_clock_snapshot() -> None:
    # A calendar clock's origin is fixed where its table is first built: the worker's was built for the
    # oldest row it timed (60 days back), the UI engine's own one for now. The snapshot once read the
    # adopted entries at the UI clock's position, and the figures' "time over" disagreed with the queue's
    # (by weeks of working time).
    ui = engine()
    old = T0 - 60 * 86_400
    times = [old + 3600 * i for i in range(200)]
    rows = [dataclasses.replace(enquiry(i), created_at=t, updated_at=t) for i, t in enumerate(times)]
    now = T0 + 3 * 3600
    twin = ui.snapshot()
    twin.statuses(rows, now)
    assert ui.adopt(twin)
    ui.statuses([enquiry(900)], now)  # the UI engine's own clock of that calendar, built for now
    snap = ClockSnapshot(ui, ui.snapshot(), now + 600)
    expected = engine().statuses(rows, now + 600)
    assert [snap.status(e) for e in rows] == ui.statuses(rows, now + 600) == expected


def test_an_engine_remembers_a_bounded_number_of_adopted_calendar_clocks() -> None:
    ui = engine()
    for _ in range(200):  # loads and full re-syncs over a long session
        assert ui.adopt(ui.snapshot())
    assert len(ui._adopted) <= MAX_ADOPTED + len(default_calendars()) + 1
