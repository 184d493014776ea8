"""A complaint decision in the cache (schema v8): the service's copy on the enquiry (read and checked by
the wire mapping: a malformed one quarantines the record), this console's own in the outbox (pending
until the service answers), and which one is in force."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from console.domain import wire
from console.domain.model import ComplaintDecision
from console.domain.wire_fields import complaint_decision_wire
from console.store.cache import Store
from console.store.decisions import write_decision
from console.store.schema import SCHEMA_VERSION, connect, migrate, user_version
from tests.helpers.store import T0, make_enquiry, new_key, new_store, upsert

SERVICE = ComplaintDecision("dismissed", "a question about fees", "sup.bo", T0 + 50, ("disgraceful",))


def with_decision(raw: dict[str, Any], decision: Any) -> dict[str, Any]:
    return {**raw, "enquiry": {**raw["enquiry"], "complaint_decision": decision}}


@pytest.mark.expected_log(
    r"^quarantined feed record E00000[2-7]: .*complaint_decision", logger="concierge.store"
)
def test_the_services_decision_is_read_kept_and_a_malformed_one_quarantined(tmp_path: Path) -> None:
    good = replace(make_enquiry(1), complaint_decision=SERVICE)
    assert wire.enquiry_from_wire(wire.enquiry_to_wire(good)) == good  # the mapping both ways
    sound = complaint_decision_wire(SERVICE)
    assert sound is not None
    bad = {
        "E000002": {**sound, "decision": "maybe"},
        "E000003": {**sound, "reason": "x" * 2001},
        "E000004": {**sound, "triggers": [f"w{i}" for i in range(21)]},
        "E000005": {**sound, "decided_at": "yesterday"},
        "E000006": {**sound, "decided_by": ""},
        "E000007": "confirmed",
    }
    page = [upsert(good, 1), upsert(make_enquiry(8), 2)]  # 8: nobody decided (the field is absent)
    page += [
        with_decision(upsert(make_enquiry(int(i[1:])), 3 + n), d) for n, (i, d) in enumerate(bad.items())
    ]
    with new_store(tmp_path) as store:
        cs = store.apply_feed_page(page, "c1")
        assert cs.quarantined == len(bad)  # counted, and the rest of the page applied
        assert {q["record_id"] for q in store.quarantine("feed")} == set(bad)
        assert {q["record_id"]: q["reason"] for q in store.quarantine("feed")}["E000002"].endswith(
            "complaint_decision.decision: unknown value 'maybe'"
        )
        kept = store.get(good.id)
        assert kept is not None and kept.complaint_decision == SERVICE
        undecided = store.get("E000008")
        assert undecided is not None and undecided.complaint_decision is None
        d = store.complaint_decisions()
        assert set(d) == {good.id} and (d[good.id].decision, d[good.id].actor) == ("dismissed", "sup.bo")


def test_a_local_decision_is_pending_until_the_service_has_it_then_the_services_counts(
    tmp_path: Path,
) -> None:
    e = make_enquiry(1)
    with new_store(tmp_path) as store:
        store.apply_feed_page([upsert(e, 1)], "c1")
        outbox_id = write_decision(
            store,
            e.id,
            "confirmed",
            actor="sup.ann",
            now=T0 + 10,
            triggers=["disgraceful"],
            detail={"before": "x"},
        )
        mine = store.complaint_decisions()[e.id]
        assert (mine.decision, mine.actor, mine.pending) == ("confirmed", "sup.ann", True)  # shown at once
        (item,) = store.outbox_pending()
        assert (item.id, item.kind, item.enquiry_id) == (outbox_id, "complaint", e.id)
        assert item.payload == {
            "decision": "confirmed",
            "reason": "",
            "actor": "sup.ann",
            "triggers": ["disgraceful"],
            "decided_at": T0 + 10,  # sent with it: the decision keeps its time, however late it is sent
        }
        # Meanwhile another console's older decision arrives: ours, still on its way, is what shows.
        theirs = replace(e, version=2, complaint_decision=SERVICE)
        store.apply_feed_page([upsert(theirs, 2)], "c2")
        assert store.complaint_decisions()[e.id].decision == "confirmed"
        # The service takes ours: its record (with our decision) replaces the cached one.
        taken = ComplaintDecision("confirmed", "", "sup.ann", T0 + 11, ("disgraceful",))
        store.resolve_outbox(
            item.id, "done", now=T0 + 11, enquiry=replace(e, version=3, complaint_decision=taken)
        )
        now_in_force = store.complaint_decisions()[e.id]
        assert (now_in_force.decision, now_in_force.at, now_in_force.pending) == ("confirmed", T0 + 11, False)
        # A later decision from another console wins over ours once it arrives (the same on every console).
        later = replace(e, version=4, complaint_decision=replace(SERVICE, decided_at=T0 + 99))
        store.apply_feed_page([upsert(later, 3)], "c3")
        assert store.complaint_decisions()[e.id].decision == "dismissed"
        # The audit trail kept our decision and what became of it; the chain holds.
        actions = [a.action for a in store.audit_entries()]
        assert actions == ["complaint.confirmed", "complaint.sent"]
        assert store.verify_audit() is None


def test_a_decision_the_service_refused_still_counts_here_when_the_service_has_none(tmp_path: Path) -> None:
    e = make_enquiry(1)
    with new_store(tmp_path) as store:
        store.apply_feed_page([upsert(e, 1)], "c1")
        write_decision(store, e.id, "dismissed", actor="sup.ann", now=T0 + 10)
        (item,) = store.outbox_pending()
        store.resolve_outbox(item.id, "failed", now=T0 + 11, message="There is no enquiry")
        d = store.complaint_decisions()[e.id]
        assert (d.decision, d.pending) == ("dismissed", False)
        assert [a.action for a in store.audit_entries()] == ["complaint.dismissed", "complaint.failed"]


def test_upgrading_from_v7_keeps_the_outbox_its_ids_and_its_counter(tmp_path: Path) -> None:
    path, key = tmp_path / "c.db", new_key()
    conn = connect(path, key)
    assert migrate(conn, path, target=7) == 7
    conn.execute(
        "INSERT INTO enquiries (id, channel, visibility, customer_handle, customer_name, text, topic,"
        " complexity, flags, priority, status, team_id, agent_id, created_at, version, updated_at, bounces,"
        " pauses, outcome, is_open) VALUES ('E1','x','public','@a','A','hi','cards',2,'','normal','open',"
        "'social',NULL,1.0,3,2.0,0,'[]','{}',1)"
    )
    for i in (1, 2, 3):
        conn.execute(
            "INSERT INTO outbox (kind, enquiry_id, payload, idempotency_key, created_at, state) "
            "VALUES ('assignment', 'E1', '{}', ?, 1.0, ?)",
            (f"k{i}", "done" if i < 3 else "pending"),
        )
    conn.execute("DELETE FROM outbox WHERE id = 3")  # the newest id is gone: it is still never reused
    conn.close()
    with Store(path, key) as s:
        assert user_version(s._conn) == SCHEMA_VERSION == 12
        assert [(i.id, i.idempotency_key) for i in s.outbox_items()] == [(2, "k2"), (1, "k1")]
        e = s.get("E1")
        assert e is not None and e.complaint_decision is None
        assert write_decision(s, "E1", "confirmed", actor="sup", now=5.0) == 4
