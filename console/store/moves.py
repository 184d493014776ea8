"""A supervisor's move of one or many enquiries, written in ONE transaction: each enquiry's optimistic
change, outbox row and audit row, plus one audit row for the action as a whole (a bulk move or an
undo), so the trail says what the supervisor did, not only what each enquiry went through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import apsw

from console.store.audit import append_audit
from console.store.cache import Store
from console.store.outbox import queue_assignment
from console.store.schema import known_errors, transaction


@dataclass(frozen=True, slots=True)
class QueuedMove:
    enquiry_id: str
    team_id: str
    agent_id: str | None


def queue_moves(
    conn: apsw.Connection,
    moves: Sequence[QueuedMove],
    *,
    reason: str,
    actor: str,
    now: float,
    undo_of: Sequence[int] = (),
) -> dict[str, int | None]:
    """Caller holds the transaction. enquiry id -> outbox id, or None when the enquiry is not cached
    (it was removed meanwhile: that one is reported, the others still move)."""
    out: dict[str, int | None] = {}
    for m in moves:
        if conn.execute("SELECT 1 FROM enquiries WHERE id = ?", (m.enquiry_id,)).fetchone() is None:
            out[m.enquiry_id] = None
            continue
        out[m.enquiry_id] = queue_assignment(
            conn,
            enquiry_id=m.enquiry_id,
            team_id=m.team_id,
            agent_id=m.agent_id,
            reason=reason,
            actor=actor,
            now=now,
        )
    queued = [i for i in out.values() if i is not None]
    if undo_of or len(moves) > 1:
        append_audit(
            conn,
            at=now,
            actor=actor,
            action="assignment.undo" if undo_of else "assignment.bulk",
            subject=",".join(m.enquiry_id for m in moves)[:2000],
            detail={
                "reason": reason,
                "outbox_ids": queued,
                "undo_of": list(undo_of),
                "moves": [[m.enquiry_id, m.team_id, m.agent_id] for m in moves],
                "not_cached": [k for k, v in out.items() if v is None],
            },
        )
    return out


def write_moves(
    store: Store,
    moves: Sequence[QueuedMove],
    *,
    reason: str,
    actor: str,
    now: float,
    undo_of: Sequence[int] = (),
) -> dict[str, int | None]:
    """queue_moves on the writer's connection, as one transaction. Runs on the sync thread (submit).
    It reaches the Store's connection directly: store.py is shared and kept free of feature code."""
    conn = store._conn
    with known_errors(store.path), transaction(conn):
        out = queue_moves(conn, moves, reason=reason, actor=actor, now=now, undo_of=undo_of)
    return out
