"""POST /v1/enquiries/{id}/complaint over PostgreSQL: a supervisor confirms or dismisses a proposed complaint.
The same answers as the reference service (console/service/complaint.py): the decision is kept on the
enquiry (its version goes up, so every console gets it through the change feed), a later one replaces an
earlier one, and every one is kept (the complaint_decisions table). Idempotency-Key required (handled with
the reassignment's, console.gateway.http.assign), If-Match optional."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from psycopg.types.json import Jsonb

from console.contract.http import HttpError, Request, Response, field_str, json_body, ok
from console.domain import wire
from console.domain.limits import MAX_ACTOR, MAX_REASON, MAX_TRIGGERS, text_problem
from console.domain.model import COMPLAINT_DECISIONS, ComplaintDecision
from console.domain.wire_fields import complaint_decision_wire
from console.gateway.db.store import Conn
from console.gateway.http.rows import commit_version, conflict, locked, parse_if_match


def decision_request(req: Request, user: str) -> tuple[ComplaintDecision, int | None]:
    """The decision asked for (its time is set when it is made) and the If-Match version, if sent."""
    body = json_body(req)
    decision = field_str(body, "decision", max_len=40) or ""
    if decision not in COMPLAINT_DECISIONS:
        raise HttpError(422, "decision must be 'confirmed' or 'dismissed'.")
    reason = field_str(body, "reason", max_len=MAX_REASON) or ""
    actor = (field_str(body, "actor", max_len=MAX_ACTOR) or "").strip() or user
    if "triggers" not in body:
        raise HttpError(422, "The field 'triggers' is required (a list, may be empty).")
    triggers = _triggers(body["triggers"])
    # Every console reads these back from the enquiry: text it would quarantine is refused here.
    for what, text in (("reason", reason), ("actor", actor), *(("a trigger", t) for t in triggers)):
        problem_ = text_problem(text)
        if problem_:
            raise HttpError(422, f"{what}: {problem_}.")
    header = req.headers.get("if-match")
    version = parse_if_match(header) if header is not None and header.strip() else None
    return ComplaintDecision(decision, reason, actor, 0.0, triggers), version


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


def _triggers(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise HttpError(422, "triggers must be a list of strings.")
    if len(value) > MAX_TRIGGERS:
        raise HttpError(422, f"triggers holds at most {MAX_TRIGGERS} words.")
    if any(len(t) > MAX_REASON for t in value):
        raise HttpError(422, f"a trigger is longer than {MAX_REASON} characters.")
    return tuple(value)
