"""A supervisor's complaint decision, written in ONE transaction: the audit entry (the schema keeps the
latest decision per enquiry from it, shown at once as pending) and the outbox row that sends it to the
service, which keeps it on the enquiry so that every console sees the same."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from console.domain.limits import MAX_REASON, MAX_TRIGGERS
from console.domain.model import COMPLAINT_DECISIONS
from console.store.cache import Store
from console.store.outbox import queue_complaint_decision
from console.store.schema import known_errors, transaction


def write_decision(
    store: Store,
    enquiry_id: str,
    decision: str,
    *,
    actor: str,
    now: float,
    reason: str = "",
    triggers: Sequence[str] = (),
    detail: dict[str, Any] | None = None,
) -> int:
    """On the writer's connection (the sync thread, or a short-lived writer). Returns the outbox id."""
    if decision not in COMPLAINT_DECISIONS:
        raise ValueError(f"not a complaint decision: {decision!r}")
    conn = store._conn
    with known_errors(store.path), transaction(conn):
        outbox_id = queue_complaint_decision(
            conn,
            enquiry_id=enquiry_id,
            decision=decision,
            reason=reason[:MAX_REASON],
            triggers=list(triggers)[:MAX_TRIGGERS],
            actor=actor,
            now=now,
            detail=detail or {},
        )
    return outbox_id
