"""POST /v1/enquiries/{id}/complaint over PostgreSQL: a supervisor confirms or dismisses a proposed complaint.
The same answers as the reference service (console/service/complaint.py): the decision is kept on the
enquiry (its version goes up, so every console gets it through the change feed), the one made last (by
decided_at; the one received last on a tie) is the enquiry's, and every one is kept (the complaint_decisions
table, in the order received). Idempotency-Key required (handled with the reassignment's,
console.gateway.http.assign), If-Match optional."""

from __future__ import annotations

import json

from psycopg.types.json import Jsonb

from console.contract.http import Response, ok
from console.contract.requests import DecisionAsked, check_decided_after_creation
from console.domain import wire
from console.domain.wire_fields import complaint_decision_wire
from console.gateway.db.store import Conn
from console.gateway.http.rows import commit_version, conflict, locked


def decide(conn: Conn, ident: str, asked: DecisionAsked, now: float) -> Response:
    row = locked(conn, ident)
    e = wire.enquiry_from_wire(json.loads(row[0]))
    if asked.version is not None and asked.version != e.version:
        return conflict(e, row, asked.version)
    check_decided_after_creation(asked, e.created_at)
    made = asked.made
    decided = complaint_decision_wire(made)
    conn.execute(
        "INSERT INTO complaint_decisions (enquiry_id, at, doc) VALUES (%s, %s, %s)",
        (ident, made.decided_at, Jsonb(decided)),
    )
    current = row[1]  # the decision in force (its own column), as served
    if current is not None and made.decided_at < wire.ts(current["decided_at"], "decided_at"):
        # Made before the one in force (sent late by a console that was offline): kept, not applied.
        return ok({"enquiry": json.loads(row[0])})
    e.updated_at = now
    doc = commit_version(conn, e, decided, now, moved_by=made.decided_by)
    return ok({"enquiry": doc})
