"""POST /v1/enquiries/{id}/complaint over PostgreSQL: a supervisor confirms or dismisses a proposed complaint.
The same answers as the reference service (console/service/complaint.py): the decision is kept on the
enquiry (its version goes up, so every console gets it through the change feed), a later one replaces an
earlier one, and every one is kept (the complaint_decisions table). Idempotency-Key required (handled with
the reassignment's, console.gateway.http.assign), If-Match optional."""

from __future__ import annotations

import json
from dataclasses import replace

from psycopg.types.json import Jsonb

from console.contract.http import Response, ok
from console.domain import wire
from console.domain.model import ComplaintDecision
from console.domain.wire_fields import complaint_decision_wire
from console.gateway.db.store import Conn
from console.gateway.http.rows import commit_version, conflict, locked


def decide(conn: Conn, ident: str, made: ComplaintDecision, version: int | None, now: float) -> Response:
    row = locked(conn, ident)
    e = wire.enquiry_from_wire(json.loads(row[0]))
    if version is not None and version != e.version:
        return conflict(e, row, version)
    made = replace(made, decided_at=now)
    decided = complaint_decision_wire(made)
    e.updated_at = now
    doc = commit_version(conn, e, decided, now, moved_by=made.decided_by)
    conn.execute(
        "INSERT INTO complaint_decisions (enquiry_id, at, doc) VALUES (%s, %s, %s)",
        (ident, now, Jsonb(decided)),
    )
    return ok({"enquiry": doc})
