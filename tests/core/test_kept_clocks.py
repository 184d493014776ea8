"""The SLA engine's clocks kept in the cache between starts (issue 16: timing every open enquiry's clocks
is ~1 s of a start at 100k, and the first screenful should be the nearest deadlines). A start keeps the
clocks it timed; the next one uses them for the same versions of the same enquiries under the same rules,
and times the rest. A real encrypted cache file and the real engine."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from console.domain.model import Calendar, Enquiry, Team
from console.live.order import sla_order
from console.sla.engine import SlaEngine, default_calendars, default_policies
from console.store.cache import Store, StoreReader
from console.store.kept import LATEST_DUE_KEPT, SOONEST_KEPT
from tests.helpers.store import T0, make_enquiry, new_key

TEAMS = {"social": Team("social", "Social", "social", ("cards",), "social")}
NOW = T0 + 3 * 3600.0


def engine(
    calendars: list[Calendar] | None = None, teams: dict[str, Team] = TEAMS, **kw: object
) -> SlaEngine:
    cals = {c.id: c for c in (calendars or default_calendars())}
    return SlaEngine(default_policies(), cals, teams, **kw)  # type: ignore[arg-type]


def enquiries() -> list[Enquiry]:
    """Clocks of every kind: unanswered, answered with a follow-up owed, answered and waiting on the
    customer (no clock running), and created minutes to hours before NOW."""
    rows = []
    for i in range(60):
        created = T0 + 170 * i
        kw: dict[str, Any] = {"created_at": created, "first_customer_message_at": created}
        if i % 3 == 1:
            kw |= {"first_response_at": created + 60, "last_customer_message_at": created + 600}
        elif i % 3 == 2:
            kw |= {"first_response_at": created + 60, "last_agent_message_at": created + 60}
            kw |= {"status": "waiting_customer"} if i % 2 else {}
        rows.append(make_enquiry(i, **kw))
    return rows


@pytest.fixture
def cache(tmp_path: Path) -> tuple[Path, str]:
    path, key = tmp_path / "cache.db", new_key()
    with Store(path, key) as store:
        store.apply_enquiries(enquiries())
    return path, key


def seeded(eng: SlaEngine, kept: dict[str, tuple[Any, ...]], rows: list[Enquiry]) -> None:
    """As the first screenful hands its rows' kept clocks (StoreReader.clocks) to the engine."""
    eng.seed()
    eng.seed_many((e, (e.id, *kept[e.id])) for e in rows if e.id in kept)


def keep(path: Path, key: str, eng: SlaEngine, rows: list[Enquiry]) -> int:
    """What a start does: read the rows with the clocks kept beside them, time every row, keep what it
    timed itself."""
    eng.seed()
    with StoreReader(path, key) as reader:
        reader.load_open_kept(eng.rules_version(), eng.seed_many, None)
    eng.statuses(rows, NOW)
    with Store(path, bytes.fromhex(key)) as store:
        return store.keep_clocks(eng.rules_version(), eng.fresh_rows())


def test_the_next_start_times_no_clock_an_earlier_start_kept_and_gets_the_same_statuses(
    cache: tuple[Path, str],
) -> None:
    path, key = cache
    rows = enquiries()
    assert keep(path, key, engine(), rows) == 60  # the first start timed and kept every one
    expected = engine().statuses(rows, NOW)

    again = engine()
    with StoreReader(path, key) as reader:
        seeded(again, reader.clocks(again.rules_version()), rows)
    assert again.statuses(rows, NOW) == expected
    assert again.fresh_rows() == []  # none timed again
    assert any(s is None for s in expected) and any(s is not None for s in expected)
    assert {s.kind for s in expected if s is not None} >= {"first_response", "next_response"}
    # What the pane shows is the same clock too.
    assert [again.current(e) for e in rows] == [engine().current(e) for e in rows]

    # As a start reads them: each kept clock handed to the engine with its enquiry, as the cache is read.
    streamed, other = engine(), engine(handoff_target_s=60.0)
    streamed.seed()
    other.seed()
    with StoreReader(path, key) as reader:
        read, _ = reader.load_open_kept(streamed.rules_version(), streamed.seed_many, None)
        assert (
            reader.load_open_kept(other.rules_version(), other.seed_many, None)[0]
            == read
            == reader.load_open()
        )
    # Held under the enquiries' own id strings: a copy of each from the kept rows was 6 MB at 100k open.
    held, idle, _ = streamed.cached(NOW)
    by_id = {e.id: e for e in read}
    assert all(k is by_id[k].id for k in (*held, *idle)) and len(held) + len(idle) == len(read)
    assert streamed.statuses(read, NOW) == engine().statuses(read, NOW)
    assert streamed.fresh_rows() == []
    other.statuses(read, NOW)
    assert len(other.fresh_rows()) == 60  # kept under other rules: none handed over, all timed


def test_a_changed_enquiry_is_timed_again_and_its_clock_kept_in_place_of_the_old(
    cache: tuple[Path, str],
) -> None:
    path, key = cache
    rows = enquiries()
    keep(path, key, engine(), rows)
    # The customer wrote again after the answer: a new version, a next-response clock from that message.
    rows[2] = changed = dataclasses.replace(rows[2], version=2, last_customer_message_at=NOW - 60.0)
    with Store(path, bytes.fromhex(key)) as store:
        store.apply_enquiries([changed])

    again = engine()
    assert keep(path, key, again, rows) == 1  # only the changed one was timed, and kept
    status = engine().statuses([changed], NOW)[0]
    assert status is not None and status.kind == "next_response"
    assert again.statuses([changed], NOW)[0] == status
    with StoreReader(path, key) as reader:
        assert reader.clocks(again.rules_version())[changed.id][:3] == (2, "social", "next_response")


def test_clocks_kept_under_other_rules_are_never_used(cache: tuple[Path, str]) -> None:
    path, key = cache
    rows = enquiries()
    keep(path, key, engine(), rows)
    # The bank closes for a day it was open on: every deadline across it moves.
    cals = [dataclasses.replace(c, holidays=c.holidays | {"2026-09-22"}) for c in default_calendars()]
    closed = engine(cals)
    assert closed.rules_version() != engine().rules_version()
    assert closed.rules_version() == engine(cals).rules_version()  # a version is the rules', not the run's
    assert engine(handoff_target_s=60.0).rules_version() != engine().rules_version()
    with StoreReader(path, key) as reader:
        assert reader.clocks(closed.rules_version()) == {}
    assert keep(path, key, closed, rows) == 60  # all timed again, and kept under the new rules alone
    with StoreReader(path, key) as reader:
        assert reader.clocks(engine().rules_version()) == {}
        assert len(reader.clocks(closed.rules_version())) == 60


def test_clocks_kept_for_another_team_or_damaged_are_timed_again_and_closed_ones_dropped(
    cache: tuple[Path, str],
) -> None:
    path, key = cache
    rows = enquiries()
    keep(path, key, engine(), rows)
    # Closed one by one, each followed by a start's keep: their clocks stay until the kept are more than
    # a tenth over the open (dropping them walks every kept clock), then go together.
    closed = [dataclasses.replace(e, version=2, status="resolved", resolved_at=NOW) for e in rows[50:]]
    eng, totals = engine(), []
    with Store(path, bytes.fromhex(key)) as store:
        for resolved in closed:
            store.apply_enquiries([resolved])
            store.keep_clocks(eng.rules_version(), [])
            totals.append(store._conn.execute("SELECT count(*) FROM sla_clocks").fetchall()[0][0])
    assert totals == [60] * 5 + [54] * 5  # 60 kept over 54 open: dropped
    rows = rows[:50]
    with Store(path, bytes.fromhex(key)) as store:
        damage = "UPDATE sla_clocks SET {} WHERE id = ?"
        store._conn.execute(damage.format("calendar_id = 'gone'"), (rows[1].id,))
        store._conn.execute(damage.format("due_at = 'soon'"), (rows[4].id,))
        store._conn.execute(damage.format("target_s = 'long'"), (rows[9].id,))
        # A local move: the team changes before the service gives the enquiry a new version.
        store.queue_assignment(rows[7].id, "cards", None, "specialist", "sup", now=NOW)
    moved = dataclasses.replace(rows[7], team_id="cards")
    with StoreReader(path, key) as reader:
        kept = reader.clocks(eng.rules_version())
        assert reader.get(moved.id) == moved
    assert len(kept) == 54 and {e.id for e in rows} <= set(kept)
    now_rows = [*rows[1:7], moved, *rows[8:]]
    seeded(eng, kept, now_rows)
    assert eng.statuses(now_rows, NOW) == engine().statuses(now_rows, NOW)
    timed_again = {rows[1].id, rows[4].id, rows[9].id, moved.id}
    assert {r[0] for r in eng.fresh_rows()} == timed_again
    # As a start reads them (each kept clock handed over with its enquiry): the same ones timed again.
    streamed = engine()
    streamed.seed()
    with StoreReader(path, key) as reader:
        read, _ = reader.load_open_kept(streamed.rules_version(), streamed.seed_many, None)
    assert [e.id for e in read] == [e.id for e in rows] and moved in read  # by id
    assert streamed.statuses(read, NOW) == engine().statuses(read, NOW)
    assert {r[0] for r in streamed.fresh_rows()} == timed_again


def first_page(path: Path, key: str, eng: SlaEngine, limit: int, version: str | None = None) -> list[str]:
    with StoreReader(path, key) as reader:
        rows = reader.load_open_first(limit, version or eng.rules_version(), NOW, eng.calendar_ids())
    return [e.id for e in rows]


def test_the_first_screenful_holds_the_heads_of_both_blocks_and_the_longest_waits(
    cache: tuple[Path, str],
) -> None:
    path, key = cache
    rows = enquiries()
    eng = engine()
    statuses = dict(zip((e.id for e in rows), eng.statuses(rows, NOW), strict=True))
    due = sorted((s.due_at, i) for i, s in statuses.items() if s is not None)
    passed = [i for d, i in reversed(due) if d < NOW]  # the most recently due first
    soonest: dict[str, str] = {}  # by calendar, the soonest deadline not passed
    for d, i in due:
        clock = eng.current(next(e for e in rows if e.id == i))
        if d >= NOW and clock is not None:
            soonest.setdefault(clock.calendar_id, i)
    heads = [soonest[c] for c in eng.calendar_ids() if c in soonest]
    exact = sorted((sla_order(s), i) for i, s in statuses.items())
    assert len(soonest) >= 2 and len(passed) > 5
    waits = first_page(path, key, eng, 20)  # nothing kept yet: the longest waits alone
    assert len(waits) == 20

    keep(path, key, engine(), rows)
    first = first_page(path, key, eng, 20)  # per calendar 1, a quarter breached, then the waits
    assert first[: len(heads) + 5] == heads + passed[:5] and exact[0][1] == first[0]
    assert set(first) == set(heads + passed[:5]) | set(waits[: 20 - len(heads) - 5])
    assert first_page(path, key, eng, 20, "other rules") == waits

    # A kept clock of an older version of its enquiry does not bring it forward.
    top = next(e for e in rows if e.id == exact[0][1])
    with Store(path, bytes.fromhex(key)) as store:
        store.apply_enquiries([dataclasses.replace(top, version=2)])
    assert top.id not in first_page(path, key, eng, 20)[: len(heads) + 5]
    with StoreReader(path, key) as reader:
        for sql, args in ((SOONEST_KEPT, ("social", NOW, 5)), (LATEST_DUE_KEPT, (NOW, 5))):
            plan = " ".join(str(r) for r in reader._conn.execute("EXPLAIN QUERY PLAN " + sql, args))
            assert "SEARCH k USING INDEX sla_clocks_" in plan and "TEMP B-TREE" not in plan  # no sort


def test_the_first_screenful_heads_the_least_working_time_left_not_the_soonest_wall_clock(
    tmp_path: Path,
) -> None:
    # At 18:13 on a Monday the business-hours complaints team is closed: a complaint from 16:50 keeps
    # its 50 working minutes until 09:00, so it leads the SLA column, ahead of social care's public
    # posts due tonight. Fraud enquiries breached hours ago fill the page's other places.
    path, key = tmp_path / "cache.db", new_key()
    at = NOW - 83 * 60.0
    complaint = make_enquiry(1, topic="complaint", created_at=at, first_customer_message_at=at)
    posts = [make_enquiry(i, visibility="public", created_at=NOW - 60.0 * i) for i in range(2, 10)]
    fraud = [make_enquiry(i, topic="fraud", created_at=NOW - 3 * 3600.0 - i) for i in range(10, 40)]
    rows = [complaint, *posts, *fraud]
    with Store(path, key) as store:
        store.apply_enquiries(rows)
    eng = engine()
    statuses = eng.statuses(rows, NOW)
    exact = sorted((sla_order(s), e.id) for e, s in zip(rows, statuses, strict=True))
    walls = sorted((s.due_at, e.id) for e, s in zip(rows, statuses, strict=True) if s and s.due_at >= NOW)
    assert exact[0][1] == complaint.id and walls[0][1] != complaint.id
    assert complaint.id not in first_page(path, key, eng, 20)  # nothing kept: the longest waits

    keep(path, key, engine(), rows)
    first = first_page(path, key, eng, 20)
    assert first[:2] == [complaint.id, walls[0][1]] and len(first) == 20


DIGEST = """
import importlib.util, sys
from console.sla.kept import code_digest
spec = importlib.util.spec_from_file_location("timing", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(code_digest(module))
"""


def test_the_timing_code_gives_one_version_whether_compiled_or_read_back_and_another_once_changed(
    tmp_path: Path,
) -> None:
    # Each start must make the same version from the same code (or it never matches what the last one
    # kept): compiled from source or read back from its .pyc, whatever the process's string hashes.
    source = tmp_path / "timing.py"
    source.write_text(
        "LIMITS = {'a', 'b', 'c'}\n\ndef due(t):\n    return t + 3600.0 if t in LIMITS else t\n"
    )
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def digest(seed: str) -> str:
        run = [sys.executable, "-c", DIGEST, str(source)]
        out = subprocess.run(
            run, env={**env, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True
        )
        return out.stdout.strip()

    compiled = digest("1")
    assert list((tmp_path / "pycache").rglob("*.pyc"))  # the next reads it back
    assert digest("2") == compiled
    source.write_text(source.read_text().replace("3600.0", "86400.0"))  # a new size: the .pyc is stale
    assert digest("3") != compiled
