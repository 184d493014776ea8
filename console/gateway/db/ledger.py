"""The Ledger (console.gateway.ports) over PostgreSQL: what a connector writes, stored in the contract's
shape, each real change one transaction that moves the enquiry to the head of the feed.

Records are checked and normalised by console.domain.wire on the way in (a record the console would
quarantine raises wire.BadRecord here, for the connector to count and set aside). A tombstone wins: an
upsert of a deleted or merged enquiry is ignored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from psycopg.types.json import Jsonb

from console.domain import wire
from console.gateway.db.store import Conn, Database, append_feed, encode, upsert_tail
from console.gateway.ports import ReferenceKind

PLATFORM = "the platform"  # who moved an enquiry when the connector reports a new owner

_REFERENCE: dict[str, tuple[Any, Any]] = {
    "teams": (wire.team_from_wire, wire.team_to_wire),
    "agents": (wire.agent_from_wire, wire.agent_to_wire),
    "channels": (wire.channel_from_wire, wire.channel_to_wire),
    "sla-policies": (wire.policy_from_wire, wire.policy_to_wire),
    "calendars": (wire.calendar_from_wire, wire.calendar_to_wire),
    "shifts": (wire.shift_from_wire, wire.shift_to_wire),
}


def normal_enquiry(enquiry: Mapping[str, Any]) -> dict[str, Any]:
    """The contract's record without its version (the ledger's to set)."""
    body = wire.enquiry_to_wire(wire.enquiry_from_wire({**enquiry, "version": 0}))
    del body["version"]
    return body


def wire_doc(body: Mapping[str, Any], version: int, decision: Mapping[str, Any] | None) -> str:
    doc: dict[str, Any] = {**body, "version": version}
    if decision is not None:
        doc["complaint_decision"] = decision
    return encode(doc)


class PgLedger:
    def __init__(self, db: Database) -> None:
        self.db = db

    def upsert_enquiry(
        self, enquiry: Mapping[str, Any], messages: Sequence[Mapping[str, Any]] | None = None
    ) -> bool:
        return self.upsert_many([(enquiry, messages)]) == 1

    def upsert_many(
        self, records: Iterable[tuple[Mapping[str, Any], Sequence[Mapping[str, Any]] | None]]
    ) -> int:
        """Many upserts in one transaction (a backfill): returns how many changed anything."""
        prepared = [(normal_enquiry(e), _messages(m)) for e, m in records]  # all checked before writing
        for body, msgs in prepared:
            if msgs is not None and any(m["enquiry_id"] != body["id"] for m in msgs):
                raise wire.BadRecord(f"enquiry {body['id'][:64]}: a message belongs to another enquiry")
        changed = 0
        with self.db.tx() as conn:
            for body, msgs in prepared:
                changed += self._upsert(conn, body, msgs)
        return changed

    def _upsert(self, conn: Conn, body: dict[str, Any], msgs: list[dict[str, Any]] | None) -> bool:
        ident = body["id"]
        if conn.execute("SELECT 1 FROM tombstones WHERE id = %s", (ident,)).fetchone():
            return False  # a tombstone wins
        row = conn.execute(
            "SELECT version, body, complaint_decision, messages_hash FROM enquiries WHERE id = %s FOR UPDATE",
            (ident,),
        ).fetchone()
        digest = _digest(msgs) if msgs is not None else None
        if row is None:
            version, decision, old_digest = 0, None, None
            doc = wire_doc(body, version, None)
            conn.execute(
                "INSERT INTO enquiries (id, version, body, doc, messages_hash) VALUES (%s, %s, %s, %s, %s)",
                (ident, version, Jsonb(body), doc, digest),
            )
        else:
            old_version, old_body, decision, old_digest = row
            messages_same = digest is None or digest == old_digest
            if old_body == body and messages_same:
                return False  # the same state again: no new version, nothing in the feed
            version = int(old_version) + 1
            doc = wire_doc(body, version, decision)
            # Moved on the platform: a later 409 names the platform as the one who moved it.
            moved = (old_body.get("team_id"), old_body.get("agent_id")) != (body["team_id"], body["agent_id"])
            conn.execute(
                "UPDATE enquiries SET version = %s, body = %s, doc = %s, messages_hash = %s, "
                "moved_by = CASE WHEN %s THEN %s ELSE moved_by END, "
                "moved_at = CASE WHEN %s THEN %s ELSE moved_at END WHERE id = %s",
                (
                    version,
                    Jsonb(body),
                    doc,
                    digest or old_digest,
                    moved,
                    PLATFORM,
                    moved,
                    wire.ts(body["updated_at"], "updated_at"),
                    ident,
                ),
            )
        if msgs is not None and digest != old_digest:
            conn.execute("DELETE FROM messages WHERE enquiry_id = %s", (ident,))
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO messages (enquiry_id, pos, doc) VALUES (%s, %s, %s)",
                    [(ident, i, Jsonb(m)) for i, m in enumerate(msgs)],
                )
        append_feed(conn, ident, upsert_tail(doc))
        return True

    def delete_enquiry(
        self, enquiry_id: str, reason: Literal["deleted", "merged"], merged_into: str | None
    ) -> bool:
        with self.db.tx() as conn:
            gone = conn.execute("DELETE FROM enquiries WHERE id = %s RETURNING id", (enquiry_id,)).fetchone()
            if gone is None:
                return False
            conn.execute(
                "INSERT INTO tombstones (id, reason, merged_into) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (enquiry_id, reason, merged_into),
            )
            tail = encode({"op": "delete", "id": enquiry_id, "reason": reason, "merged_into": merged_into})
            append_feed(conn, enquiry_id, tail[1:-1] + "}")
        return True

    def put_reference(self, kind: ReferenceKind, items: Sequence[Mapping[str, Any]]) -> None:
        parse, dump = _REFERENCE[kind]
        normal = [dump(parse(dict(item))) for item in items]
        with self.db.tx() as conn:
            conn.execute(
                "INSERT INTO reference (kind, items) VALUES (%s, %s) "
                "ON CONFLICT (kind) DO UPDATE SET items = excluded.items",
                (kind, Jsonb(normal)),
            )

    def enquiry(self, enquiry_id: str) -> Mapping[str, Any] | None:
        with self.db.tx() as conn:
            row = conn.execute("SELECT doc FROM enquiries WHERE id = %s", (enquiry_id,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def reference(self, kind: str) -> list[dict[str, Any]]:
        with self.db.tx() as conn:
            row = conn.execute("SELECT items FROM reference WHERE kind = %s", (kind,)).fetchone()
        return [] if row is None else list(row[0])


def _messages(msgs: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]] | None:
    if msgs is None:
        return None
    return [wire.message_to_wire(wire.message_from_wire(dict(m))) for m in msgs]


def _digest(msgs: list[dict[str, Any]]) -> str:
    return hashlib.sha256(encode(msgs).encode()).hexdigest()
