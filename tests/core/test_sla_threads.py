"""The SLA engine belongs to one thread: another thread computes with a snapshot (the same rules, its own
calendar clocks and caches) and never writes the original's caches; what a snapshot computed can be
adopted back once it is handed over. The figures thread's ResponseClocks works that way."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from console.domain.model import Enquiry, Team
from console.live.metrics import ResponseClocks, header_metrics
from console.sla.engine import SlaEngine, default_calendars, default_policies

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


def test_adopt_takes_what_a_snapshot_computed_and_keeps_newer_entries() -> None:
    ui = engine()
    rows = [enquiry(i) for i in range(50)]
    twin = ui.snapshot()
    twin.statuses(rows, T0 + 3600)
    newer = enquiry(3, version=2, answered=True)
    ui.statuses([newer], T0 + 3600)  # the UI thread saw version 2 meanwhile
    assert ui.adopt(twin)
    assert len(ui._current) == 50
    assert ui._current[newer.id].version == 2  # not replaced by the snapshot's older entry
    assert not ui.adopt(engine().snapshot())  # a snapshot of another engine is refused
    assert not ui.adopt(ui)


def test_response_clocks_run_on_another_thread_while_the_ui_engine_ticks() -> None:
    ui = engine()
    rows = [enquiry(i, answered=i % 3 == 0) for i in range(2000)]
    clocks = ResponseClocks(ui)  # made on the "UI" thread, then used by the figures thread only
    results: list[object] = []
    stop = threading.Event()

    def figures() -> None:
        for _ in range(3):
            results.append(header_metrics(rows, [], clocks, T0 + 8 * 3600, "Europe/London").attainment)
        stop.set()

    worker = threading.Thread(target=figures)
    worker.start()
    ticks = 0
    while not stop.is_set() or ticks == 0:  # the UI thread ticks its own engine meanwhile
        ui.statuses(rows, T0 + 8 * 3600 + ticks)
        ticks += 1
    worker.join(30)
    assert len(results) == 3 and results[0] == results[1] == results[2]
    expected = header_metrics(rows, [], lambda e: ui.clocks(e), T0 + 8 * 3600, "Europe/London").attainment
    assert results[0] == expected and expected.met > 0 and expected.missed > 0
    assert clocks(rows[0]) is clocks(rows[0])  # cached by version
    clocks.keep_only(rows[:100])  # most rows gone: the cache shrinks to what is left
    assert len(clocks._cache) == 100
