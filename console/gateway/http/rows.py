"""The enquiry row as the writing endpoints use it (a reassignment, a complaint decision): locked for the
transaction, compared with the If-Match version, and written back as a new version at the feed's head."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb

from console.contract.http import HttpError, Response, problem
from console.domain import wire
from console.domain.model import Enquiry
from console.gateway.db.store import Conn, append_feed, encode, upsert_tail


def locked(conn: Conn, ident: str) -> tuple[Any, ...]:
    row = conn.execute(
        "SELECT doc, complaint_decision, moved_by, moved_at FROM enquiries WHERE id = %s FOR UPDATE", (ident,)
    ).fetchone()
    if row is None:
        raise HttpError(404, f"There is no enquiry {ident[:100]!r}.")
    return tuple(row)


def conflict(e: Enquiry, row: tuple[Any, ...], version: int) -> Response:
    mover = row[2] or "unknown"
    current = {
        "team_id": e.team_id,
        "agent_id": e.agent_id,
        "version": e.version,
        "moved_by": mover,
        "moved_at": wire.iso(row[3] if row[3] is not None else e.updated_at),
    }
    detail = f"{mover} changed this enquiry first (now version {e.version}, you had {version})."
    return problem(409, detail, current=current)


def commit_version(
    conn: Conn,
    e: Enquiry,
    decision: Any,
    now: float,
    *,
    moved_by: str | None = None,
) -> dict[str, Any]:
    """A new version of e (with its complaint decision, if any): stored, and the head of the feed.
    Returns the record served."""
    e.version += 1
    body = wire.enquiry_to_wire(e)
    del body["version"]
    body.pop("complaint_decision", None)  # kept in its own column: a connector's update never carries it
    doc: dict[str, Any] = {**body, "version": e.version}
    if decision is not None:
        doc["complaint_decision"] = decision
    text = encode(doc)
    conn.execute(
        "UPDATE enquiries SET version = %s, body = %s, doc = %s, complaint_decision = %s, "
        "moved_by = coalesce(%s, moved_by), moved_at = CASE WHEN %s::text IS NULL THEN moved_at ELSE %s END "
        "WHERE id = %s",
        (
            e.version,
            Jsonb(body),
            text,
            None if decision is None else Jsonb(decision),
            moved_by,
            moved_by,
            now,
            e.id,
        ),
    )
    append_feed(conn, e.id, upsert_tail(text))
    return doc
