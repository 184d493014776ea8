"""Enquiry <-> cache row. Flags are stored as ",a,b," (sorted) so `flags LIKE '%,fraud_risk,%'` works;
pauses and outcome as compact JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from console.domain import wire
from console.domain.audit_chain import canonical_json
from console.domain.model import NO_OUTCOME, OPEN_STATUSES, ComplaintDecision, Enquiry

ENQUIRY_COLUMNS: tuple[str, ...] = (
    "id",
    "channel",
    "visibility",
    "customer_handle",
    "customer_name",
    "text",
    "topic",
    "complexity",
    "flags",
    "priority",
    "status",
    "team_id",
    "agent_id",
    "created_at",
    "version",
    "updated_at",
    "first_customer_message_at",
    "first_response_at",
    "last_customer_message_at",
    "last_agent_message_at",
    "resolved_at",
    "handoff_requested_at",
    "handoff_accepted_at",
    "bounces",
    "pauses",
    "outcome",
    "is_open",
    "oldest_unanswered_message_at",  # v5
    "complaint_decision",  # v8: the service's copy of a supervisor's decision, JSON
)
SELECT_ENQUIRY = f"SELECT {', '.join(ENQUIRY_COLUMNS)} FROM enquiries"  # noqa: S608
_PLACEHOLDERS = ", ".join("?" * len(ENQUIRY_COLUMNS))
# Columns the server owns outright; team/agent are kept while a local move is pending (optimistic UI).
_UPDATE_SET = ", ".join(
    f"{c} = CASE WHEN enquiries.pending THEN enquiries.{c} ELSE excluded.{c} END"
    if c in ("team_id", "agent_id")
    else f"{c} = excluded.{c}"
    for c in ENQUIRY_COLUMNS
    if c != "id"
)
# Built from the column constants above, never from input.
UPSERT_ENQUIRY = (
    f"INSERT INTO enquiries ({', '.join(ENQUIRY_COLUMNS)}) VALUES ({_PLACEHOLDERS}) "  # noqa: S608
    f"ON CONFLICT(id) DO UPDATE SET {_UPDATE_SET} WHERE excluded.version > enquiries.version"
)
# The same, but the server's record wins over a pending local move (confirm or revert).
FORCE_UPSERT_ENQUIRY = (
    f"INSERT INTO enquiries ({', '.join(ENQUIRY_COLUMNS)}) VALUES ({_PLACEHOLDERS}) "  # noqa: S608
    "ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ENQUIRY_COLUMNS if c != "id")
    + " WHERE excluded.version >= enquiries.version"
)


def enquiry_row(e: Enquiry) -> tuple[Any, ...]:
    return (
        e.id,
        e.channel,
        e.visibility,
        e.customer_handle,
        e.customer_name,
        e.text,
        e.topic,
        e.complexity,
        "," + ",".join(sorted(e.flags)) + "," if e.flags else "",
        e.priority,
        e.status,
        e.team_id,
        e.agent_id,
        e.created_at,
        e.version,
        e.updated_at,
        e.first_customer_message_at,
        e.first_response_at,
        e.last_customer_message_at,
        e.last_agent_message_at,
        e.resolved_at,
        e.handoff_requested_at,
        e.handoff_accepted_at,
        e.bounces,
        canonical_json(e.pauses) if e.pauses else "[]",
        canonical_json(e.outcome) if e.outcome else "{}",
        1 if e.status in OPEN_STATUSES else 0,
        e.oldest_unanswered_message_at,
        None if e.complaint_decision is None else decision_json(e.complaint_decision),
    )


def decision_json(c: ComplaintDecision) -> str:
    return canonical_json(
        {
            "decision": c.decision,
            "reason": c.reason,
            "decided_by": c.decided_by,
            "decided_at": c.decided_at,
            "triggers": list(c.triggers),
        }
    )


def decision_from_json(text: str) -> ComplaintDecision:
    d = json.loads(text)
    return ComplaintDecision(
        d["decision"], d["reason"], d["decided_by"], float(d["decided_at"]), tuple(d["triggers"])
    )


_FLAGS: dict[str, frozenset[str]] = {"": frozenset()}  # few distinct flag sets: share them
_loads = json.loads
_new_enquiry: Callable[..., Enquiry] = Enquiry  # positional fast path; the column order is ENQUIRY_COLUMNS


# Channel, visibility, topic, priority, status, team and agent repeat across 100k rows: one shared copy of
# each value instead of a new string per row (~40 MB at 100k open). Bounded against odd input.
_WORDS: dict[Any, Any] = {}
_WORDS_KEPT = 20_000
# Customers repeat short messages ("hello??", "any update?"): one copy of each short text (the PII
# masking cache then also finds them by identity). Bounded, and only short texts: long ones rarely repeat.
_TEXTS: dict[str, str] = {}
_TEXTS_KEPT = 50_000
_TEXT_SHARED_CHARS = 200
# Customers' display names repeat across their enquiries and between customers ("Sarah Jones"): one copy
# of each (~6 MB at 100k open). Handles are not shared: most are one customer's, and the dict would cost
# about what sharing the rest saves.
_NAMES: dict[str, str] = {}
_NAMES_KEPT = 20_000


def forget_shared() -> None:
    """Drop the shared words, texts and names: once a whole load has been read (its rows share them
    already), and by tests, which start from empty tables (each table is also dropped whole when it
    fills, so two reads either side of that share nothing)."""
    for table in (_WORDS, _TEXTS, _NAMES):
        table.clear()


def enquiry_from_row(r: Sequence[Any]) -> Enquiry:
    """Hot path (100k rows on start-up): slices and shared flags and words keep it ~2 us a row."""
    flags = _FLAGS.get(r[8])
    if flags is None:
        flags = _FLAGS[r[8]] = frozenset(r[8][1:-1].split(","))
    pauses, outcome = r[24], r[25]
    if len(_WORDS) > _WORDS_KEPT:
        _WORDS.clear()
    w = _WORDS.setdefault
    text = r[5]
    if isinstance(text, str) and len(text) <= _TEXT_SHARED_CHARS:
        if len(_TEXTS) > _TEXTS_KEPT:
            _TEXTS.clear()
        text = _TEXTS.setdefault(text, text)
    if len(_NAMES) > _NAMES_KEPT:
        _NAMES.clear()
    # The timestamps that equal the creation time (first customer message, often updated, latest and
    # oldest unanswered message too) share its float object: 24 bytes each per row.
    created = r[13]
    times = [created if t == created else t for t in r[15:23]]
    oldest = created if r[27] == created else r[27]
    return _new_enquiry(
        r[0],
        w(r[1], r[1]),
        w(r[2], r[2]),
        r[3],
        _NAMES.setdefault(r[4], r[4]),
        text,
        w(r[6], r[6]),
        r[7],
        flags,
        w(r[9], r[9]),
        w(r[10], r[10]),
        w(r[11], r[11]),
        w(r[12], r[12]),
        created,
        r[14],
        *times,
        r[23],
        tuple(map(tuple, _loads(pauses))) if pauses != "[]" else (),
        _loads(outcome) if outcome != "{}" else NO_OUTCOME,
        oldest,  # r[26] is is_open, derived from the status
        None if r[28] is None else decision_from_json(r[28]),
    )


# Reference data (teams, agents, channels, SLA policies, calendars, shifts): the wire parser of each
# kind, and the columns of its table beside the canonical JSON.
REFERENCE_PARSERS: dict[str, Callable[[Any], Any]] = {
    "teams": wire.team_from_wire,
    "agents": wire.agent_from_wire,
    "channels": wire.channel_from_wire,
    "sla-policies": wire.policy_from_wire,
    "calendars": wire.calendar_from_wire,
    "shifts": wire.shift_from_wire,
}


def reference_row(kind: str, item: Any, raw_json: str) -> tuple[Any, ...]:
    if kind == "teams":
        return (item.id, item.name, item.kind, raw_json)
    if kind == "agents":
        return (item.id, item.team_id, item.status, raw_json)
    if kind == "sla-policies":
        return (item.id, item.rank, raw_json)
    if kind == "shifts":
        return (item.id, item.start, item.end, raw_json)
    return (item.id, raw_json)
