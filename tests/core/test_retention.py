"""Retention: old closed enquiries leave the cache with their messages and assignments, in batches; open,
recent and pending ones stay; the audit trail is never touched."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest

from console.domain.model import Assignment, Enquiry
from console.store import retention
from console.store.cache import Store

NOW = 1_795_000_000.0
DAY = 86_400.0


def enquiry(ident: str, status: str, updated: float) -> Enquiry:
    return Enquiry(
        id=ident,
        channel="x",
        visibility="public",
        customer_handle="@sam",
        customer_name="Sam",
        text="card declined",
        topic="cards",
        complexity=1,
        flags=frozenset(),
        priority="normal",
        status=status,
        team_id="social",
        agent_id=None,
        created_at=updated - 3600,
        version=1,
        updated_at=updated,
        resolved_at=updated if status in ("resolved", "closed") else None,
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "cache.db", secrets.token_bytes(32))
    old = NOW - 400 * DAY
    rows = [enquiry(f"old-{i}", "closed" if i % 2 else "resolved", old + i) for i in range(7)]
    rows += [
        enquiry("recent-closed", "closed", NOW - 10 * DAY),
        enquiry("old-open", "open", old),  # open for a year: a live case, never pruned
        enquiry("old-pending", "closed", old),
    ]
    s.apply_enquiries(rows)
    for e in rows:
        s.replace_messages(
            e.id,
            [
                {
                    "id": f"{e.id}-m",
                    "enquiry_id": e.id,
                    "direction": "in",
                    "author": "@sam",
                    "text": "hi",
                    "sent_at": "2026-01-01T00:00:00Z",
                }
            ],
        )
        s.record_assignments(
            [Assignment(f"{e.id}-a", e.id, "social", None, "cards", None, "triage", "sup", old, "done")]
        )
    # A supervisor's move (pending: outbox + audit) and an export, both on the audit trail.
    s.queue_assignment("old-pending", "cards", None, "needs cards", "supervisor", now=NOW)
    s.audit(at=NOW, actor="supervisor", action="export", subject="old-0", detail={"format": "csv"})
    return s


def _ids(store: Store) -> set[str]:
    return {r[0] for r in store._rows("SELECT id FROM enquiries")}


def test_prune_removes_old_closed_enquiries_with_their_messages_and_assignments(store: Store) -> None:
    audit_before = store.audit_entries()
    result = retention.prune(store, 365, now=NOW, batch=3)
    assert (result.enquiries, result.messages, result.assignments) == (7, 7, 7)
    assert result.batches == 3  # 3 + 3 + 1
    assert _ids(store) == {"recent-closed", "old-open", "old-pending"}
    assert {r[0] for r in store._rows("SELECT enquiry_id FROM messages")} == _ids(store)
    assert {r[0] for r in store._rows("SELECT enquiry_id FROM assignments")} == _ids(store)
    assert store.audit_entries() == audit_before and len(audit_before) == 2
    assert store.verify_audit() is None  # the hash chain is whole
    assert retention.prune(store, 365, now=NOW).enquiries == 0  # nothing left to do


def test_a_longer_retention_keeps_more(store: Store) -> None:
    assert retention.prune(store, 500, now=NOW).enquiries == 0
    assert retention.prune(store, 5, now=NOW).enquiries == 8  # now the recent closed one goes too


def test_stop_ends_between_batches_and_loses_nothing(store: Store) -> None:
    stop = threading.Event()
    ran: list[int] = []

    def between() -> None:
        ran.append(1)
        stop.set()

    result = retention.prune(store, 365, now=NOW, batch=3, stop=stop, between=between)
    assert result.batches == 1 and result.enquiries == 3 and ran == [1]
    assert len(_ids(store)) == 7  # each batch is whole: the rest waits for the next run
    assert retention.maintain(store, 365, now=NOW).enquiries == 4


def test_the_candidates_query_uses_the_index(store: Store) -> None:
    plan = " ".join(
        str(r[3])
        for r in store._rows("EXPLAIN QUERY PLAN " + retention.CANDIDATES_SQL, (NOW - 365 * DAY, 10))
    )
    assert "enq_closed_updated" in plan
    assert retention.candidates(store, NOW - 365 * DAY) == [f"old-{i}" for i in range(7)]


def test_retention_days_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        retention.cutoff_for(0, NOW)
