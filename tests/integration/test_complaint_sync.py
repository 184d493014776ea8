"""Complaint decisions through the Service API, end to end: two real caches (two consoles) synced with
one real reference service. Console A confirms one proposed complaint and console B dismisses another;
each shows its own at once (pending), each sees the other's after sync, and both caches store the same
shift report byte for byte, complaint figures included. A decision sent late (the console was offline)
keeps the time it was made and does not undo a newer one; an old outbox row without that time still sends."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from console.domain import wire
from console.domain.complaints.status import flagged_by_service, received_at
from console.service.server import DemoService
from console.store.cache import Store
from console.store.decisions import write_decision
from console.store.reports import load_report
from console.sync.shift_close import GRACE_S
from tests.helpers.reports import running_shift, stored_body, sync_and_close
from tests.helpers.store import new_store


def sync(svc: DemoService, store: Store) -> None:
    counts = sync_and_close(svc, store)
    assert counts.rejected == counts.conflicts == 0


def test_two_consoles_decisions_reach_each_other_and_their_shift_reports_agree(
    fresh_service: Callable[..., DemoService], tmp_path: Path
) -> None:
    svc = fresh_service(seed=12, open_enquiries=200)
    shift = running_shift(svc)
    a, b = new_store(tmp_path, "a.db"), new_store(tmp_path, "b.db")
    sync(svc, a)
    sync(svc, b)
    undecided = [e for e in a.load_open() if not flagged_by_service(e) and e.complaint_decision is None]
    first, second = undecided[0].id, undecided[1].id
    now = svc.clock.now()
    write_decision(a, first, "confirmed", actor="sup.ann", now=now, triggers=["disgraceful"])
    write_decision(b, second, "dismissed", actor="sup.bo", now=now, reason="a question about fees")
    # Each console shows its own decision at once, as pending; the other's is not there yet.
    mine = a.complaint_decisions()
    assert mine[first].decision == "confirmed" and mine[first].pending and second not in mine
    assert b.complaint_decisions()[second].pending and first not in b.complaint_decisions()

    sync(svc, a)  # A's decision is sent
    sync(svc, b)  # B's is sent, and B receives A's
    sync(svc, a)  # A receives B's
    for store in (a, b):
        decided = store.complaint_decisions()
        assert (decided[first].decision, decided[first].actor) == ("confirmed", "sup.ann")
        assert (decided[second].decision, decided[second].actor) == ("dismissed", "sup.bo")
        assert not decided[first].pending and not decided[second].pending
        carried = store.get(second)
        assert carried is not None and carried.complaint_decision is not None
        assert carried.complaint_decision.reason == "a question about fees"
    # Each console's audit trail keeps the decision it made, and that the service took it.
    assert [x.action for x in a.audit_entries() if x.subject == first] == [
        "complaint.confirmed",
        "complaint.sent",
    ]
    assert not [x for x in a.audit_entries() if x.subject == second]

    # The shift ends; both consoles close it: the same report, byte for byte, counting both decisions.
    svc.advance(shift.end + GRACE_S + 60 - svc.clock.now())
    sync(svc, a)
    # After the cut-off, B confirms a complaint received in the shift, before B closes it: a decision
    # made after the cut-off is not the shift's (A's report, made first, could not have counted it).
    late = next(
        e
        for e in a.load_open()
        if e.id not in (first, second)
        and not flagged_by_service(e)
        and e.complaint_decision is None
        and e.team_id in shift.team_ids
        and shift.start <= received_at(e) < shift.end
    )
    write_decision(b, late.id, "confirmed", actor="sup.bo", now=svc.clock.now())
    sync(svc, b)
    assert b.complaint_decisions()[late.id].decision == "confirmed"
    report = load_report(a, shift.id)
    assert report is not None
    assert (report.complaints.confirmed, report.complaints.dismissed) == (1, 1)
    assert stored_body(a, shift.id) == stored_body(b, shift.id)
    a.close()
    b.close()


def test_an_offline_consoles_decision_sent_later_keeps_its_time_and_does_not_undo_a_newer_one(
    fresh_service: Callable[..., DemoService], tmp_path: Path
) -> None:
    svc = fresh_service(seed=12, open_enquiries=60)
    a, b = new_store(tmp_path, "a.db"), new_store(tmp_path, "b.db")
    sync(svc, a)
    sync(svc, b)
    undecided = [e for e in a.load_open() if not flagged_by_service(e) and e.complaint_decision is None]
    first, second = undecided[0].id, undecided[1].id
    # A loses its network; its supervisor confirms both. Its outbox sends them hours later.
    made = svc.clock.now()
    write_decision(a, first, "confirmed", actor="sup.ann", now=made, triggers=["disgraceful"])
    write_decision(a, second, "confirmed", actor="sup.ann", now=made, triggers=["disgraceful"])
    svc.advance(3600)
    # Meanwhile B, online, dismisses the second: the newer decision.
    write_decision(b, second, "dismissed", actor="sup.bo", now=svc.clock.now(), reason="a question")
    sync(svc, b)
    svc.advance(2 * 3600)
    sync(svc, a)  # A is back: its outbox sends both, each with the time it was made
    sent = svc.snapshot()
    assert sent[first]["complaint_decision"]["decided_at"] == wire.iso(made)  # not when it arrived
    assert sent[second]["complaint_decision"]["decision"] == "dismissed"  # A's late one did not undo B's
    assert [(d.decision, d.decided_at) for d in svc.api.decisions.history[second]][1] == ("confirmed", made)
    sync(svc, b)
    for store in (a, b):  # and both consoles count the same
        decided = store.complaint_decisions()
        assert (decided[first].decision, decided[first].at, decided[first].pending) == (
            "confirmed",
            made,
            False,
        )
        assert (decided[second].decision, decided[second].actor) == ("dismissed", "sup.bo")
    a.close()
    b.close()


def test_an_outbox_row_queued_before_decisions_carried_their_time_still_sends(
    fresh_service: Callable[..., DemoService], tmp_path: Path
) -> None:
    svc = fresh_service()
    store = new_store(tmp_path)
    sync(svc, store)
    e = next(e for e in store.load_open() if not flagged_by_service(e) and e.complaint_decision is None)
    old = {"decision": "dismissed", "reason": "", "actor": "sup.ann", "triggers": []}  # no decided_at
    store._conn.execute(
        "INSERT INTO outbox (kind, enquiry_id, payload, idempotency_key, created_at) "
        "VALUES ('complaint', ?, ?, ?, ?)",
        (e.id, json.dumps(old), str(uuid.uuid4()), svc.clock.now()),
    )
    svc.advance(600)
    sync(svc, store)
    got = store.get(e.id)
    assert got is not None and got.complaint_decision is not None
    assert got.complaint_decision.decision == "dismissed"
    assert got.complaint_decision.decided_at == round(
        svc.clock.now(), 3
    )  # dated when the service received it
    store.close()
