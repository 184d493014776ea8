"""Sending a supervisor's complaint decision (an outbox item of kind "complaint") to the service, which
keeps it on the enquiry: the answer's enquiry, decision included, replaces the cached one."""

from __future__ import annotations

import logging

from console.api.client import ApiClient
from console.api.errors import (
    ApiError,
    AuthError,
    BadDataError,
    NetworkError,
    PolicyError,
    RateLimited,
    ServerError,
)
from console.domain import wire
from console.store.cache import OutboxItem, OutboxResult, Store

log = logging.getLogger("concierge.sync")

RETRIED = (NetworkError, ServerError, RateLimited, BadDataError, AuthError)  # sent again later


def push_decision(api: ApiClient, store: Store, item: OutboxItem) -> OutboxResult:
    """No If-Match: a decision stands whatever else changed on the enquiry meanwhile (a new message, a
    move), and the decision made last (by decided_at) is the enquiry's; the Idempotency-Key makes a resend
    safe."""
    p = item.payload
    assert item.enquiry_id is not None
    try:
        answer = api.decide_complaint(
            item.enquiry_id,
            decision=str(p["decision"]),
            reason=str(p.get("reason", "")),
            actor=str(p.get("actor", "")),
            triggers=[str(t) for t in p.get("triggers", [])],
            idempotency_key=item.idempotency_key,
            # Rows queued before decisions carried their time have none: the service's receive time.
            decided_at=float(p["decided_at"]) if p.get("decided_at") is not None else None,
        )
    except RETRIED as e:
        store.note_outbox_error(item.id, str(e))
        raise
    except PolicyError as e:  # 422: the service found the decision invalid
        return store.resolve_outbox(item.id, "rejected", now=api.now(), message=e.detail)
    except ApiError as e:  # 404 (the enquiry is gone) and other refusals: final, and said
        return store.resolve_outbox(item.id, "failed", now=api.now(), message=str(e))
    try:
        enquiry = wire.enquiry_from_wire(answer["enquiry"])
    except wire.BadRecord as e:  # taken by the service; the feed brings its record (or quarantines it)
        log.warning("an accepted complaint decision came back unreadable: %s", e)
        return store.resolve_outbox(item.id, "done", now=api.now(), message=str(e))
    return store.resolve_outbox(
        item.id, "done", now=api.now(), result={"version": enquiry.version}, enquiry=enquiry
    )
