"""Enquiry <-> cache row. Flags are stored as ",a,b," (sorted) so `flags LIKE '%,fraud_risk,%'` works;
pauses and outcome as compact JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from console.model import OPEN_STATUSES, Enquiry

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

_dumps = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode


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
        _dumps(e.pauses) if e.pauses else "[]",
        _dumps(e.outcome) if e.outcome else "{}",
        1 if e.status in OPEN_STATUSES else 0,
    )


def enquiry_from_row(r: Sequence[Any]) -> Enquiry:
    pauses = r[24]
    outcome = r[25]
    return Enquiry(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        frozenset(r[8][1:-1].split(",")) if r[8] else frozenset(),
        r[9],
        r[10],
        r[11],
        r[12],
        r[13],
        r[14],
        r[15],
        r[16],
        r[17],
        r[18],
        r[19],
        r[20],
        r[21],
        r[22],
        r[23],
        tuple((a, b) for a, b in json.loads(pauses)) if pauses != "[]" else (),
        json.loads(outcome) if outcome != "{}" else {},
    )


def canonical_json(value: Any) -> str:
    return _dumps(value)
