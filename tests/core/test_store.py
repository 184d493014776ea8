"""Feed pages into the cache: versions, duplicates, tombstones, quarantine, cursor atomicity, queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apsw
import pytest

from console.domain import wire
from console.domain.model import NO_OUTCOME, Enquiry, Message
from console.store.cache import Store, StoreReader
from console.store.reads import OPEN_FIRST_IDS, RISK_MESSAGES_OF
from console.store.reports import window_enquiries
from console.store.rows import forget_shared
from tests.helpers.store import T0, delete, make_enquiry, new_key, upsert


@pytest.fixture
def key() -> str:
    return new_key()


@pytest.fixture
def store(tmp_path: Path, key: str) -> Iterator[Store]:
    with Store(tmp_path / "cache.db", key) as s:
        yield s


def test_a_page_adds_then_changes_and_stores_the_cursor(store: Store) -> None:
    cs = store.apply_feed_page([upsert(make_enquiry(i), seq=i) for i in range(5)], "c1")
    assert cs.added == {f"E{i:06d}" for i in range(5)} and not cs.changed and store.cursor() == "c1"
    e = make_enquiry(2, version=2, status="waiting_customer", team="cards")
    cs = store.apply_feed_page([upsert(e, seq=6)], "c2")
    assert cs.changed == {"E000002"} and not cs.added and store.cursor() == "c2"
    got = store.get("E000002")
    assert got == e  # every field round-trips, flags, pauses and outcome included


def test_round_trip_of_every_field(store: Store) -> None:
    es = [make_enquiry(i, first_response_at=5.5, resolved_at=None, bounces=3) for i in range(40)]
    store.apply_enquiries(es)
    assert store.by_ids([e.id for e in es]) == {e.id: e for e in es}


def test_duplicates_and_stale_copies_are_ignored(store: Store) -> None:
    store.apply_feed_page([upsert(make_enquiry(1, version=3, priority="high"), seq=3)], "c1")
    cs = store.apply_feed_page(
        [
            upsert(make_enquiry(1, version=3, priority="high"), seq=3),
            upsert(make_enquiry(1, version=2), seq=2),
        ],
        "c2",
    )
    assert not cs and store.cursor() == "c2"
    got = store.get("E000001")
    assert got is not None and got.version == 3 and got.priority == "high"


def test_within_a_page_the_newest_version_wins_whatever_the_order(store: Store) -> None:
    page = [
        upsert(make_enquiry(1, version=v, priority=p), seq=v)
        for v, p in ((3, "urgent"), (1, "low"), (2, "high"))
    ]
    cs = store.apply_feed_page(page, "c1")
    assert cs.added == {"E000001"}
    got = store.get("E000001")
    assert got is not None and (got.version, got.priority) == (3, "urgent")


def test_tombstones_delete_and_win_over_older_copies(store: Store) -> None:
    store.apply_feed_page([upsert(make_enquiry(i), seq=i) for i in range(3)], "c1")
    store.replace_messages(
        "E000001",
        [
            {
                "id": "m1",
                "enquiry_id": "E000001",
                "direction": "in",
                "author": "@a",
                "text": "hi",
                "sent_at": "2026-11-26T09:00:00Z",
            }
        ],
    )
    assert len(store.messages("E000001")) == 1
    cs = store.apply_feed_page([delete("E000001", seq=10)], "c2")
    assert cs.removed == {"E000001"} and store.get("E000001") is None and store.messages("E000001") == []
    # A reordered older copy arriving after the tombstone does not resurrect it.
    cs = store.apply_feed_page([upsert(make_enquiry(1, version=5), seq=9)], "c3")
    assert not cs and store.get("E000001") is None
    # Delete and upsert of one id in one page: the tombstone wins.
    cs = store.apply_feed_page([delete("E000002", seq=11), upsert(make_enquiry(2, version=9), seq=8)], "c4")
    assert cs.removed == {"E000002"} and store.get("E000002") is None
    # A delete of something never seen is harmless.
    assert not store.apply_feed_page([delete("NOPE", seq=12)], "c5").removed


@pytest.mark.expected_log(r"^quarantined ", logger="concierge.store")
def test_bad_records_are_quarantined_and_the_rest_applies(store: Store) -> None:
    bad = upsert(make_enquiry(7))
    bad["enquiry"]["created_at"] = "yesterday"
    page = [upsert(make_enquiry(1)), bad, {"op": "upsert", "enquiry": []}, "junk", {"op": "??", "id": "E9"}]
    cs = store.apply_feed_page(page, "c1")
    assert cs.added == {"E000001"} and cs.quarantined == 4 and store.cursor() == "c1"
    rows = {r["record_id"]: r for r in store.quarantine("feed")}
    assert "created_at" in rows["E000007"]["reason"] and "yesterday" in rows["E000007"]["raw"]
    assert store.quarantine_count() == 4
    # Seen again: counted, not duplicated.
    store.apply_feed_page([bad], "c2")
    assert (
        store.quarantine_count() == 4
        and {r["record_id"]: r for r in store.quarantine()}["E000007"]["count"] == 2
    )
    # Arriving valid later clears it.
    cs = store.apply_feed_page([upsert(make_enquiry(7))], "c3")
    assert cs.added == {"E000007"} and "E000007" not in {r["record_id"] for r in store.quarantine()}


@pytest.mark.expected_log(r"^quarantined ", logger="concierge.store")
def test_quarantine_keeps_a_bounded_raw_copy(store: Store) -> None:
    bad = upsert(make_enquiry(1))
    bad["enquiry"]["version"] = "x" * 100_000
    store.apply_feed_page([bad], "c1")
    (row,) = store.quarantine()
    assert len(row["raw"]) <= 4000 and "version" in row["reason"]


def test_a_failure_mid_page_leaves_data_and_cursor_unchanged(store: Store) -> None:
    store.apply_feed_page([upsert(make_enquiry(i)) for i in range(3)], "c1")

    # Fault injection at the SQLite level: refuse the cursor write, after the rows were written.
    def refuse_cursor(cursor: apsw.Cursor, sql: str, bindings: object) -> bool:
        return "INTO meta" not in sql

    store._conn.exec_trace = refuse_cursor
    with pytest.raises(apsw.ExecTraceAbort):
        store.apply_feed_page(
            [upsert(make_enquiry(1, version=2)), upsert(make_enquiry(9)), delete("E000000", 5)], "c2"
        )
    store._conn.exec_trace = None
    assert store.cursor() == "c1"
    assert store.get("E000009") is None and store.get("E000000") is not None
    got = store.get("E000001")
    assert got is not None and got.version == 1


def test_queries_for_the_console(store: Store) -> None:
    es = [make_enquiry(i, team=("social", "cards")[i % 2]) for i in range(30)]
    es.append(make_enquiry(99, status="resolved", customer_handle="@cust1"))
    store.apply_enquiries(es, "c1")
    assert len(store.load_open()) == 30 and store.enquiry_count() == 31
    assert store.counts_by_team() == {"social": 15, "cards": 15}
    assert sum(store.counts_by_channel().values()) == 30 and store.counts_by_channel()[("x", "public")] == 5
    history = store.customer_history("@cust1")
    assert [e.id for e in history] == ["E000099", "E000001"]
    assert [e.id for e in store.export_rows()] == sorted(e.id for e in es)


def test_live_rows_are_the_open_ones_and_the_recently_changed(store: Store) -> None:
    old = make_enquiry(1, status="closed", updated_at=1000.0)
    recent = make_enquiry(2, status="resolved", updated_at=5000.0)
    open_old = make_enquiry(3, updated_at=10.0)
    store.apply_enquiries([old, recent, open_old], "c1")
    assert sorted(e.id for e in store.live_rows(since=4000.0)) == ["E000002", "E000003"]
    assert sorted(e.id for e in store.live_rows(since=0.0)) == ["E000001", "E000002", "E000003"]


@pytest.mark.expected_log(r"^quarantined ", logger="concierge.store")
def test_reference_data_replace_reports_changes_and_quarantines(store: Store) -> None:
    team = {"id": "cards", "name": "Cards", "kind": "specialist", "topics": ["cards"], "calendar_id": "uk"}
    social = {"id": "social", "name": "Social", "kind": "social", "topics": [], "calendar_id": "uk"}
    assert store.replace_reference("teams", [team, social]) is True
    assert store.replace_reference("teams", [social, team]) is False
    assert [t.id for t in store.teams()] == ["cards", "social"]
    broken = dict(team, kind="martian", name="Cards (renamed)")
    assert store.replace_reference("teams", [broken, social]) is False  # the cached good copy is kept
    assert [t.name for t in store.teams()] == ["Cards", "Social"] and store.quarantine_count() == 1
    assert store.replace_reference("teams", [dict(team, name="Cards UK"), social]) is True
    assert store.quarantine_count() == 0 and store.teams()[0].name == "Cards UK"
    policy = {
        "id": "p1",
        "name": "X",
        "rank": 5,
        "first_response_s": 60,
        "next_response_s": 60,
        "resolution_s": 600,
        "match": {"channel": "x"},
        "calendar_id": None,
    }
    store.replace_reference("sla-policies", [policy])
    assert store.policies()[0] == wire.policy_from_wire(policy)


def test_load_open_of_a_big_cache(tmp_path: Path, key: str) -> None:
    with Store(tmp_path / "big.db", key) as s:
        s.apply_enquiries([make_enquiry(i) for i in range(20_000)], "c")
    with StoreReader(tmp_path / "big.db", key) as r:
        assert len(r.load_open()) == 20_000


def test_rows_read_from_the_cache_share_what_repeats(store: Store) -> None:
    # 100k rows at start-up: an empty outcome, a repeated short message, a repeated customer name and a
    # timestamp equal to the creation time are one shared object each, not one per row (issue 16, RSS);
    # the values are unchanged.
    forget_shared()  # an earlier test may have left the tables one entry short of being dropped
    chases = [
        make_enquiry(
            i,
            text="hello??",
            customer_name="Sarah Jones",
            first_customer_message_at=T0 + i,
            oldest_unanswered_message_at=T0 + i,
            outcome={},
        )
        for i in range(1, 4)
    ]
    store.apply_enquiries(chases)
    got = [store.get(e.id) for e in chases]
    assert got == chases
    a, b, c = (e for e in got if e is not None)
    assert a.outcome is b.outcome is NO_OUTCOME and a.text is b.text is c.text
    assert a.customer_name is b.customer_name is c.customer_name
    assert a.first_customer_message_at is a.created_at and b.first_customer_message_at is b.created_at
    assert a.oldest_unanswered_message_at is a.created_at


def _indexes(s: Store) -> set[str]:
    rows = s._conn.execute("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'enquiries'")
    return {r[0] for r in rows if not r[0].startswith("sqlite_autoindex")}


def test_bulk_load_defers_indexes_and_a_crash_restores_them(tmp_path: Path, key: str) -> None:
    path = tmp_path / "bulk.db"
    with Store(path, key) as s:
        before = _indexes(s)
        assert len(before) >= 5 and s.begin_bulk() is True and _indexes(s) == set()
        s.apply_enquiries([make_enquiry(i) for i in range(300)], "c1")
        assert s.counts_by_team() == {"social": 300}  # queries stay right meanwhile
        # ...those that name their index too, from another connection (a wallboard's figures worker)
        with StoreReader(path, key) as reader:
            during = [e.id for e in reader.live_rows(0.0)], window_enquiries(reader, T0, T0 + 3600)
        s.end_bulk()
        with StoreReader(path, key) as reader:
            after = [e.id for e in reader.live_rows(0.0)], window_enquiries(reader, T0, T0 + 3600)
        assert len(during[0]) == 300 and during == after
        assert _indexes(s) == before and s.get_meta("deferred_indexes") is None
        assert s.begin_bulk() is False  # only into an empty cache
    path2 = tmp_path / "crash.db"
    with Store(path2, key) as s:
        s.begin_bulk()
        s.apply_enquiries([make_enquiry(1)], "c1")
        s._conn.close()  # as if killed mid-sync: no end_bulk
    with Store(path2, key) as s:
        assert _indexes(s) == before and s.get("E000001") is not None


def test_risk_messages_of_a_few_conversations_reads_only_those(store: Store) -> None:
    es = [make_enquiry(i) for i in range(50)] + [make_enquiry(50, status="resolved")]
    store.apply_enquiries(es, "c1")
    for e in es:
        said = [
            Message(f"{e.id}-m1", e.id, "in", "customer", f"help {e.id}", e.created_at + 60),
            Message(f"{e.id}-m2", e.id, "out", "agent", "on it", e.created_at + 120),
        ]
        store.replace_messages(e.id, [wire.message_to_wire(m) for m in said])
    wanted = ["E000003", "E000007", "E000003", "E000050", "nobody"]  # a repeat, a closed one, an unknown
    got = store.risk_messages(wanted)
    assert sorted((i, x) for i, _, x in got) == [("E000003", "help E000003"), ("E000007", "help E000007")]
    assert len(store.risk_messages()) == 50
    whole = store.conversations(wanted)  # both directions, in order; an unknown enquiry left out
    assert {i: [m.id for m in ms] for i, ms in whole.items()} == {
        i: [f"{i}-m1", f"{i}-m2"] for i in ("E000003", "E000007", "E000050")
    }
    assert whole["E000003"] == store.messages("E000003")
    # A few ids are looked up, not found by walking every open enquiry (100k index probes a call).
    plan = " | ".join(
        str(r[3]) for r in store._conn.execute("EXPLAIN QUERY PLAN " + RISK_MESSAGES_OF, ("[]",))
    )
    assert "SEARCH e USING PRIMARY KEY" in plan and "SCAN e" not in plan and "is_open=?" not in plan, plan


def test_the_first_screenful_is_walked_from_its_index_in_clock_start_order(store: Store) -> None:
    # Before the first paint: the open rows whose clock most likely started first, read in order from
    # an index (0.1 ms) rather than every open row sorted (~140 ms at 100k open); closed rows never.
    def started(e: Enquiry) -> float:
        if e.first_response_at is None:
            return e.first_customer_message_at or e.created_at
        last_out = e.last_agent_message_at or e.first_response_at
        if e.last_customer_message_at is not None and e.last_customer_message_at > last_out:
            return e.last_customer_message_at
        return e.created_at + 86_400

    rows = []
    for i in range(300):
        kw: dict[str, Any] = {"created_at": T0 + 7 * i}
        if i % 3 == 1:  # answered, then the customer wrote again
            kw |= {"first_response_at": T0 + 7 * i + 5, "last_customer_message_at": T0 + 7 * i + 2000}
        elif i % 3 == 2:  # answered, nothing owed: a day later
            kw |= {"first_response_at": T0 + 7 * i + 5, "last_customer_message_at": T0 + 7 * i}
        rows.append(make_enquiry(i, status="resolved" if i % 10 == 0 else "open", **kw))
    store.apply_enquiries(rows)
    expected = sorted((started(e), e.id) for e in rows if e.is_open)[:40]
    assert [e.id for e in store.load_open_first(40)] == [i for _, i in expected]
    plan = " ".join(str(r) for r in store._conn.execute("EXPLAIN QUERY PLAN " + OPEN_FIRST_IDS, (40,)))
    assert "enq_open_first" in plan and "TEMP B-TREE" not in plan
