"""Local actions: optimistic moves, the outbox and its outcomes, the audit hash chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.store.cache import Store
from tests.helpers.store import make_enquiry, new_key, upsert


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "cache.db", new_key()) as s:
        s.apply_enquiries([make_enquiry(i, version=4) for i in range(5)], "c1")
        yield s


def test_a_move_is_local_outbox_and_audit_in_one_go(store: Store) -> None:
    oid = store.queue_assignment("E000001", "cards", "ag7", "card dispute", "sup1", now=100.0)
    e = store.get("E000001")
    assert (
        e is not None and (e.team_id, e.agent_id) == ("cards", "ag7") and store.pending_ids() == {"E000001"}
    )
    (item,) = store.outbox_pending()
    assert item.id == oid and item.state == "pending" and item.attempts == 0
    assert item.payload["version"] == 4 and item.payload["from_team"] == "social"
    assert len(item.idempotency_key) == 36
    (entry,) = store.audit_entries()
    assert entry.action == "assignment.requested" and entry.subject == "E000001" and entry.actor == "sup1"
    assert store.verify_audit() is None


def test_a_failed_move_leaves_nothing_behind(store: Store) -> None:
    with pytest.raises(KeyError):
        store.queue_assignment("NOPE", "cards", None, "x", "sup1", now=1.0)
    assert store.outbox_pending() == [] and store.audit_entries() == []


def test_feed_updates_keep_a_pending_move_visible(store: Store) -> None:
    store.queue_assignment("E000001", "cards", None, "r", "sup1", now=1.0)
    store.apply_feed_page([upsert(make_enquiry(1, version=5, priority="urgent"))], "c2")
    e = store.get("E000001")
    assert e is not None and e.priority == "urgent" and e.team_id == "cards"


def test_confirm_stores_the_servers_record(store: Store) -> None:
    oid = store.queue_assignment("E000001", "cards", None, "r", "sup1", now=1.0)
    store.mark_sent(oid)
    server = make_enquiry(1, version=5, team="cards")
    res = store.resolve_outbox(oid, "done", now=2.0, enquiry=server, result={"ok": True})
    assert res.state == "done" and res.enquiry == server
    assert store.pending_ids() == set() and store.outbox_pending() == []
    (a,) = store.assignments("E000001")
    assert (a.from_team, a.to_team, a.result) == ("social", "cards", "accepted")
    assert [x.action for x in store.audit_entries()] == ["assignment.requested", "assignment.confirmed"]


def test_conflict_and_rejection_revert(store: Store) -> None:
    a = store.queue_assignment("E000001", "cards", None, "r", "sup1", now=1.0)
    b = store.queue_assignment("E000002", "fraud", None, "r", "sup1", now=1.0)
    winner = make_enquiry(1, version=5, team="lending", agent_id="ag2")
    res = store.resolve_outbox(a, "conflict", now=2.0, enquiry=winner, winner="sup2", message="moved by sup2")
    assert res.winner == "sup2" and res.enquiry is not None and res.enquiry.team_id == "lending"
    res = store.resolve_outbox(
        b, "rejected", now=2.0, message="Fraud enquiries may only go to the Fraud team"
    )
    e = store.get("E000002")
    assert e is not None and e.team_id == "social" and store.pending_ids() == set()
    assert store.outbox_item(b).last_error == "Fraud enquiries may only go to the Fraud team"  # type: ignore[union-attr]
    assert [x.result for x in store.assignments("E000002")] == ["rejected"]


def test_a_second_move_builds_on_the_confirmed_first(store: Store) -> None:
    first = store.queue_assignment("E000001", "cards", None, "r", "sup1", now=1.0)
    second = store.queue_assignment("E000001", "lending", None, "r2", "sup1", now=1.5)
    store.resolve_outbox(first, "done", now=2.0, enquiry=make_enquiry(1, version=5, team="cards"))
    item = store.outbox_item(second)
    assert item is not None and item.payload["version"] == 5
    e = store.get("E000001")
    assert e is not None and e.team_id == "cards" and store.pending_ids() == {"E000001"}


def test_outbox_key_survives_a_restart_and_attempts_count(tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    with Store(path, key) as s:
        s.apply_enquiries([make_enquiry(1)])
        oid = s.queue_assignment("E000001", "cards", None, "r", "sup1", now=1.0)
        sent = s.mark_sent(oid)
    with Store(path, key) as s:  # as after kill -9: the row and its key were committed
        (item,) = s.outbox_pending()
        assert item.idempotency_key == sent.idempotency_key and item.state == "sent" and item.attempts == 1
        assert s.mark_sent(oid).attempts == 2


def test_the_audit_chain_detects_tampering(store: Store) -> None:
    for i in range(4):
        store.queue_assignment(f"E00000{i}", "cards", None, f"r{i}", "sup1", now=float(i))
    assert store.verify_audit() is None
    store._conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 3")
    assert store.verify_audit() == 3
    store._conn.execute("UPDATE audit SET actor = 'sup1' WHERE seq = 3")
    assert store.verify_audit() is None
    store._conn.execute("DELETE FROM audit WHERE seq = 2")
    assert store.verify_audit() == 3
    store._conn.execute("DELETE FROM audit WHERE seq >= 2")
    assert store.verify_audit() == 2  # truncation is caught by the stored head


def test_agent_status_is_queued_and_shown(store: Store) -> None:
    agent = {"id": "ag1", "name": "Ann", "team_id": "social", "status": "available", "capacity": 5, "load": 1}
    store.replace_reference("agents", [agent])
    oid = store.queue_agent_status("ag1", "away", "sup1", now=1.0)
    assert store.agents()[0].status == "away"
    (item,) = store.outbox_pending()
    assert item.id == oid and item.kind == "agent_status" and item.payload["status"] == "away"
