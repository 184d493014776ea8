"""Local moves pushed to the real service: confirmed, refused, in conflict, and exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.api.errors import NetworkError
from console.domain.model import Enquiry
from console.service.server import DemoService
from console.store.cache import OutboxResult, Store
from console.sync.engine import Syncer
from tests.helpers.service import assert_converged, new_client
from tests.helpers.store import new_store


@pytest.fixture(scope="module")
def service() -> Iterator[DemoService]:
    with DemoService(seed=5, open_enquiries=200, speed=0) as svc:
        yield svc


@pytest.fixture
def svc(service: DemoService) -> Iterator[DemoService]:
    service.faults.clear()
    yield service
    service.faults.clear()


def _synced(svc: DemoService, tmp_path: Path, name: str = "cache.db") -> tuple[Syncer, Store]:
    store = new_store(tmp_path, name)
    syncer = Syncer(new_client(svc, max_retries=0), store)
    syncer.run_once()
    return syncer, store


def _movable(store: Store, taken: set[str] | None = None) -> Enquiry:
    """An open cards enquiry still on the social team, free of hard-rule flags: cards may take it."""
    return next(
        e
        for e in store.load_open()
        if e.topic == "cards" and e.team_id == "social" and not e.flags and e.id not in (taken or set())
    )


def _accepted(svc: DemoService, enquiry_id: str) -> int:
    with svc.sim.store.lock:
        return sum(a.result == "accepted" for a in svc.sim.store.history.get(enquiry_id, []))


def test_a_confirmed_move(svc: DemoService, tmp_path: Path) -> None:
    syncer, store = _synced(svc, tmp_path)
    results: list[OutboxResult] = []
    syncer.on_outbox_result = results.append
    e = _movable(store)
    store.queue_assignment(e.id, "cards", None, "card dispute", "alice", now=syncer.api.now())
    assert syncer.run_once().pushed == 1
    (r,) = results
    assert r.state == "done" and r.enquiry is not None and r.enquiry.team_id == "cards"
    assert r.enquiry.version > e.version and store.pending_ids() == set()
    assert [a.result for a in store.assignments(e.id)] == ["accepted"] and _accepted(svc, e.id) == 1
    assert_converged(svc, store)
    assert store.verify_audit() is None
    moves = [x.action for x in store.audit_entries() if x.action.startswith("assignment.")]
    assert moves == ["assignment.requested", "assignment.confirmed"]


def test_a_refused_move_reverts_with_the_servers_reason(svc: DemoService, tmp_path: Path) -> None:
    syncer, store = _synced(svc, tmp_path)
    e = next(x for x in store.load_open() if x.topic == "fraud" and x.team_id != "cards")
    oid = store.queue_assignment(e.id, "cards", None, "try", "alice", now=syncer.api.now())
    counts = syncer.run_once()
    (r,) = counts.outcomes
    assert r.state == "rejected" and "fraud" in r.message.lower() and counts.rejected == 1
    back = store.get(e.id)
    assert back is not None and back.team_id == e.team_id and store.pending_ids() == set()
    item = store.outbox_item(oid)
    assert item is not None and item.state == "rejected" and item.last_error == r.message
    assert_converged(svc, store)


def test_two_clients_race_exactly_one_wins(svc: DemoService, tmp_path: Path) -> None:
    (a, store_a), (b, store_b) = _synced(svc, tmp_path, "a.db"), _synced(svc, tmp_path, "b.db")
    e = _movable(store_a)
    store_a.queue_assignment(e.id, "cards", None, "alice's call", "alice", now=a.api.now())
    store_b.queue_assignment(e.id, "social", "nobody-in-particular", "bob's call", "bob", now=b.api.now())
    start = threading.Barrier(2)
    outcomes: dict[str, OutboxResult] = {}

    def push(name: str, syncer: Syncer) -> None:
        syncer.on_outbox_result = lambda r: outcomes.__setitem__(name, r)
        start.wait()
        syncer.push_outbox()

    threads = [threading.Thread(target=push, args=(n, s)) for n, s in (("alice", a), ("bob", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    states = sorted(r.state for r in outcomes.values())
    assert states in (["conflict", "done"], ["conflict", "rejected"], ["done", "rejected"]), states
    assert _accepted(svc, e.id) == (1 if "done" in states else 0)
    loser = next(n for n, r in outcomes.items() if r.state == "conflict") if "conflict" in states else None
    if loser is not None:
        winner = "bob" if loser == "alice" else "alice"
        assert outcomes[loser].winner == winner and winner in outcomes[loser].message
        loser_store = store_a if loser == "alice" else store_b
        shown = loser_store.get(e.id)
        assert shown is not None and shown.version == svc.snapshot()[e.id]["version"]
    for syncer, store in ((a, store_a), (b, store_b)):
        syncer.run_once()
        assert_converged(svc, store)


def test_a_resend_after_a_crash_replays_and_moves_once(svc: DemoService, tmp_path: Path) -> None:
    syncer, store = _synced(svc, tmp_path)
    e = _movable(store)
    oid = store.queue_assignment(e.id, "cards", None, "r", "alice", now=syncer.api.now())
    item = store.mark_sent(oid)
    p = item.payload
    # The first send reached the server; the process died before recording the answer.
    first = syncer.api.assign(
        e.id,
        team_id=p["team_id"],
        agent_id=p["agent_id"],
        reason=p["reason"],
        actor=p["actor"],
        version=p["version"],
        idempotency_key=item.idempotency_key,
    )
    counts = syncer.run_once()  # after the restart: the same key goes again
    (r,) = counts.outcomes
    assert r.state == "done" and r.enquiry is not None and r.enquiry.version == first["enquiry"]["version"]
    assert _accepted(svc, e.id) == 1
    assert_converged(svc, store)


def test_a_network_failure_keeps_the_move_due(svc: DemoService, tmp_path: Path) -> None:
    syncer, store = _synced(svc, tmp_path)
    e = _movable(store)
    oid = store.queue_assignment(e.id, "cards", None, "r", "alice", now=syncer.api.now())
    svc.faults.set("drop=1")
    with pytest.raises(NetworkError):
        syncer.push_outbox()
    item = store.outbox_item(oid)
    assert item is not None and item.state == "sent" and item.last_error and store.pending_ids() == {e.id}
    shown = store.get(e.id)
    assert shown is not None and shown.team_id == "cards"  # still shown moved while offline
    svc.faults.clear()
    syncer.run_once()
    item = store.outbox_item(oid)
    assert item is not None and item.state == "done" and _accepted(svc, e.id) == 1
    assert_converged(svc, store)


def test_agent_status_is_pushed(svc: DemoService, tmp_path: Path) -> None:
    syncer, store = _synced(svc, tmp_path)
    agent = next(a for a in store.agents() if a.status != "away")
    store.queue_agent_status(agent.id, "away", "alice", now=syncer.api.now())
    counts = syncer.run_once()
    assert [r.state for r in counts.outcomes] == ["done"]
    assert {a.id: a.status for a in store.agents()}[agent.id] == "away"
    server = {a["id"]: a["status"] for a in syncer.api.reference("agents")}
    assert server[agent.id] == "away"
