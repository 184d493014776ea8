"""Local actions: optimistic moves written with their outbox row and audit row in one transaction,
and the outcomes the sync engine records for them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import apsw

from console.domain.audit_chain import canonical_json
from console.domain.model import Assignment, Enquiry
from console.store.audit import append_audit
from console.store.rows import FORCE_UPSERT_ENQUIRY, UPSERT_ENQUIRY, enquiry_row

OUTBOX_COLUMNS = (
    "id, kind, enquiry_id, payload, idempotency_key, created_at, state, attempts, last_error, result"
)
UNRESOLVED = ("pending", "sent")
FINAL_STATES = ("done", "conflict", "rejected", "failed")


@dataclass(slots=True)
class OutboxItem:
    id: int
    kind: str  # assignment | agent_status | complaint
    enquiry_id: str | None
    payload: dict[str, Any]
    idempotency_key: str
    created_at: float
    state: str  # pending | sent | done | conflict | rejected | failed
    attempts: int
    last_error: str | None
    result: dict[str, Any] | None


@dataclass(slots=True)
class OutboxResult:
    """One outcome for the UI: done, conflict (winner names who moved it first) or rejected (message)."""

    outbox_id: int
    kind: str
    enquiry_id: str | None
    state: str
    message: str = ""
    winner: str | None = None
    enquiry: Enquiry | None = None
    extra: dict[str, Any] = field(default_factory=dict)


INSERT_ASSIGNMENT = (
    "INSERT OR REPLACE INTO assignments (id, enquiry_id, from_team, from_agent, to_team, to_agent, "
    "reason, actor, at, result) VALUES (?,?,?,?,?,?,?,?,?,?)"
)


def assignment_row(a: Assignment) -> tuple[Any, ...]:
    return (
        a.id,
        a.enquiry_id,
        a.from_team,
        a.from_agent,
        a.to_team,
        a.to_agent,
        a.reason,
        a.actor,
        a.at,
        a.result,
    )


def item_from_row(r: tuple[Any, ...]) -> OutboxItem:
    return OutboxItem(
        id=int(r[0]),
        kind=r[1],
        enquiry_id=r[2],
        payload=json.loads(r[3]),
        idempotency_key=r[4],
        created_at=float(r[5]),
        state=r[6],
        attempts=int(r[7]),
        last_error=r[8],
        result=json.loads(r[9]) if r[9] else None,
    )


def queue_assignment(
    conn: apsw.Connection,
    *,
    enquiry_id: str,
    team_id: str,
    agent_id: str | None,
    reason: str,
    actor: str,
    now: float,
) -> int:
    """Caller holds the transaction. Moves the enquiry locally, writes outbox + audit rows."""
    row = conn.execute(
        "SELECT team_id, agent_id, version FROM enquiries WHERE id = ?", (enquiry_id,)
    ).fetchone()
    if row is None:
        raise KeyError(f"enquiry {enquiry_id} is not in the cache")
    from_team, from_agent, version = row
    # A move queued behind an unsent move of the same enquiry is based on that move's outcome.
    payload = {
        "team_id": team_id,
        "agent_id": agent_id,
        "reason": reason,
        "actor": actor,
        "version": int(version),
        "from_team": from_team,
        "from_agent": from_agent,
    }
    key = str(uuid.uuid4())
    conn.execute(
        "UPDATE enquiries SET team_id = ?, agent_id = ?, pending = 1 WHERE id = ?",
        (team_id, agent_id, enquiry_id),
    )
    conn.execute(
        "INSERT INTO outbox (kind, enquiry_id, payload, idempotency_key, created_at) "
        "VALUES ('assignment', ?, ?, ?, ?)",
        (enquiry_id, canonical_json(payload), key, now),
    )
    outbox_id = conn.last_insert_rowid()
    append_audit(
        conn,
        at=now,
        actor=actor,
        action="assignment.requested",
        subject=enquiry_id,
        detail={"outbox_id": outbox_id, **payload},
    )
    return int(outbox_id)


def queue_agent_status(conn: apsw.Connection, *, agent_id: str, status: str, actor: str, now: float) -> int:
    payload = {"agent_id": agent_id, "status": status, "actor": actor}
    conn.execute("UPDATE agents SET status = ? WHERE id = ?", (status, agent_id))
    conn.execute(
        "INSERT INTO outbox (kind, enquiry_id, payload, idempotency_key, created_at) "
        "VALUES ('agent_status', NULL, ?, ?, ?)",
        (canonical_json(payload), str(uuid.uuid4()), now),
    )
    outbox_id = conn.last_insert_rowid()
    append_audit(conn, at=now, actor=actor, action="agent_status.requested", subject=agent_id, detail=payload)
    return int(outbox_id)


def queue_complaint_decision(
    conn: apsw.Connection,
    *,
    enquiry_id: str,
    decision: str,
    reason: str,
    triggers: list[str],
    actor: str,
    now: float,
    detail: dict[str, Any],
) -> int:
    """Caller holds the transaction. The audit entry (its trigger keeps the decision locally, shown at
    once as pending) and the outbox row that sends it to the service, which keeps it on the enquiry."""
    # decided_at: the decision keeps its own time, however late the outbox sends it.
    payload = {
        "decision": decision,
        "reason": reason,
        "actor": actor,
        "triggers": triggers,
        "decided_at": now,
    }
    conn.execute(
        "INSERT INTO outbox (kind, enquiry_id, payload, idempotency_key, created_at) "
        "VALUES ('complaint', ?, ?, ?, ?)",
        (enquiry_id, canonical_json(payload), str(uuid.uuid4()), now),
    )
    outbox_id = int(conn.last_insert_rowid())
    append_audit(
        conn,
        at=now,
        actor=actor,
        action=f"complaint.{decision}",
        subject=enquiry_id,
        detail={**detail, "outbox_id": outbox_id, "reason": reason},
    )
    return outbox_id


# What an outbox outcome is called in the audit trail. A complaint decision's outcome is never
# "complaint.confirmed": that action records a supervisor's decision (schema v6's trigger keeps it).
_OUTCOME_WORDS = {
    "assignment": {"done": "confirmed"},
    "agent_status": {"done": "confirmed"},
    "complaint": {"done": "sent"},
}


def resolve(
    conn: apsw.Connection,
    item: OutboxItem,
    *,
    state: str,
    now: float,
    message: str = "",
    result: dict[str, Any] | None = None,
    enquiry: Enquiry | None = None,
    assignment: Assignment | None = None,
) -> None:
    """Caller holds the transaction. Records the outcome; the server's record replaces the local one."""
    if state not in FINAL_STATES:
        raise ValueError(f"not a final outbox state: {state}")
    conn.execute(
        "UPDATE outbox SET state = ?, last_error = ?, result = ? WHERE id = ?",
        (state, message or None, canonical_json(result) if result is not None else None, item.id),
    )
    p = item.payload
    if item.kind == "assignment" and item.enquiry_id is not None:
        still_pending = conn.execute(
            "SELECT 1 FROM outbox WHERE enquiry_id = ? AND state IN ('pending', 'sent') LIMIT 1",
            (item.enquiry_id,),
        ).fetchone()
        if enquiry is not None:
            conn.execute(FORCE_UPSERT_ENQUIRY, enquiry_row(enquiry))
            if state == "done":
                # Moves queued behind this one (never sent) now build on the confirmed version.
                conn.execute(
                    "UPDATE outbox SET payload = json_set(payload, '$.version', ?) WHERE enquiry_id = ? "
                    "AND state = 'pending' AND attempts = 0 AND json_extract(payload, '$.version') = ?",
                    (enquiry.version, item.enquiry_id, p["version"]),
                )
        elif state != "done":
            conn.execute(
                "UPDATE enquiries SET team_id = ?, agent_id = ? WHERE id = ?",
                (p.get("from_team"), p.get("from_agent"), item.enquiry_id),
            )
        if not still_pending:
            conn.execute("UPDATE enquiries SET pending = 0 WHERE id = ?", (item.enquiry_id,))
        a = assignment or Assignment(
            id=f"local-{item.idempotency_key}",
            enquiry_id=item.enquiry_id,
            from_team=p.get("from_team"),
            from_agent=p.get("from_agent"),
            to_team=p.get("team_id"),
            to_agent=p.get("agent_id"),
            reason=str(p.get("reason", "")),
            actor=str(p.get("actor", "")),
            at=now,
            result={"done": "accepted"}.get(state, state),
        )
        conn.execute(INSERT_ASSIGNMENT, assignment_row(a))
    elif item.kind == "complaint" and enquiry is not None:
        # The service's record, with its decision; a move of ours still pending keeps its team/agent.
        conn.execute(UPSERT_ENQUIRY, enquiry_row(enquiry))
    append_audit(
        conn,
        at=now,
        actor=str(p.get("actor", "")),
        action=f"{item.kind}.{_OUTCOME_WORDS.get(item.kind, {}).get(state, state)}",
        subject=item.enquiry_id or str(p.get("agent_id", "")),
        detail={"outbox_id": item.id, "message": message},
    )
