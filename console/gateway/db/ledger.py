"""The Ledger (console.gateway.ports) over PostgreSQL: what a connector writes, stored in the contract's
shape, each real change one transaction that moves the enquiry to the head of the feed.

Records are checked and normalised by console.domain.wire on the way in: a record the console would
quarantine is set aside here (the quarantine table, with its reason), counted, and the rest of a batch is
written. A tombstone wins: an upsert of a deleted or merged enquiry is ignored. What only the gateway knows
(bounces, the hand-off clock) is kept when a connector's update leaves it at 0 or null.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from psycopg.types.json import Jsonb

from console.domain import wire
from console.gateway.db.loads import agent_loads, with_loads
from console.gateway.db.messages import replace_conversations
from console.gateway.db.store import (
    Database,
    announce_feed,
    append_feed,
    append_feed_many,
    encode,
    upsert_tail,
)
from console.gateway.ports import ReferenceKind

log = logging.getLogger("concierge.gateway.ledger")
IDS_LOCK = 1  # pg_advisory_xact_lock(IDS_LOCK, hashtext(id)): one writer of an enquiry at a time
PLATFORM = "the platform"  # who moved an enquiry when the connector reports a new owner
GATEWAY_FACTS = ("bounces", "handoff_requested_at", "handoff_accepted_at")  # see _keep_gateway_facts

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
    body.pop("complaint_decision", None)  # the service's own (a supervisor's decision), never a platform's
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
        """Many upserts in one transaction (a backfill): returns how many changed anything. A record the
        console could not trust is set aside in the quarantine table with its reason and counted; the rest
        of the batch is written."""
        prepared: list[tuple[dict[str, Any], list[dict[str, Any]] | None]] = []
        bad: list[tuple[str | None, str, str]] = []
        for enquiry, msgs in records:
            try:
                body = normal_enquiry(enquiry)
                conversation = _messages(msgs)
                if conversation is not None and any(m["enquiry_id"] != body["id"] for m in conversation):
                    raise wire.BadRecord(f"enquiry {body['id'][:64]}: a message belongs to another enquiry")
            except (wire.BadRecord, TypeError) as e:  # TypeError: not a mapping at all
                ident = enquiry.get("id") if isinstance(enquiry, Mapping) else None
                bad.append((ident if isinstance(ident, str) else None, str(e)[:500], _raw(enquiry)))
                continue
            prepared.append((body, conversation))
        if bad:
            self._quarantine(bad)
        latest: dict[str, tuple[dict[str, Any], list[dict[str, Any]] | None]] = {}
        for body, msgs in prepared:  # the same enquiry twice in one batch: its later state wins
            latest.pop(body["id"], None)
            latest[body["id"]] = (body, msgs)
        return self._write(latest)

    def _quarantine(self, bad: list[tuple[str | None, str, str]]) -> None:
        log.info("quarantined %d record(s) from the connector, e.g. %s", len(bad), bad[0][1])
        with self.db.tx() as conn, conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO quarantine (enquiry_id, reason, record, at) VALUES (%s, %s, %s, %s)",
                [(i, reason, raw, time.time()) for i, reason, raw in bad],
            )

    def quarantined(self) -> list[tuple[str | None, str]]:
        """What was set aside: (enquiry id if it had one, reason), oldest first."""
        with self.db.tx() as conn:
            return [
                (r[0], r[1]) for r in conn.execute("SELECT enquiry_id, reason FROM quarantine ORDER BY n")
            ]

    def _write(self, latest: dict[str, tuple[dict[str, Any], list[dict[str, Any]] | None]]) -> int:
        """One transaction, a few statements for the whole batch (executemany runs in a pipeline)."""
        ids = list(latest)
        with self.db.tx() as conn:
            # Writers of the same enquiries take turns (a webhook and a reconciliation creating one new
            # enquiry would otherwise both insert it); in id order, so two batches never deadlock.
            conn.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(i)) FROM unnest(%s::text[]) AS i ORDER BY i",
                (IDS_LOCK, ids),
            )
            gone = {r[0] for r in conn.execute("SELECT id FROM tombstones WHERE id = ANY(%s)", (ids,))}
            rows = {
                r[0]: r[1:]
                for r in conn.execute(
                    "SELECT id, version, body, complaint_decision, messages_hash FROM enquiries "
                    "WHERE id = ANY(%s) ORDER BY id FOR UPDATE",  # in id order: batches never deadlock
                    (ids,),
                )
            }
            inserts: list[tuple[Any, ...]] = []
            updates: list[tuple[Any, ...]] = []
            conversations: list[tuple[str, list[dict[str, Any]]]] = []
            feed: list[tuple[str, str]] = []
            for ident, (body, msgs) in latest.items():
                if ident in gone:
                    continue  # a tombstone wins
                digest = _digest(msgs) if msgs is not None else None
                row = rows.get(ident)
                if row is None:
                    old_digest: str | None = None
                    doc = wire_doc(body, 0, None)
                    inserts.append((ident, Jsonb(body), doc, digest))
                else:
                    old_version, old_body, decision, old_digest = row
                    body = _keep_gateway_facts(body, old_body)
                    if old_body == body and (digest is None or digest == old_digest):
                        continue  # the same state again: no new version, nothing in the feed
                    doc = wire_doc(body, int(old_version) + 1, decision)
                    # Moved on the platform: a later 409 names the platform as the one who moved it.
                    moved = (old_body.get("team_id"), old_body.get("agent_id")) != (
                        body["team_id"],
                        body["agent_id"],
                    )
                    at = wire.ts(body["updated_at"], "updated_at")
                    updates.append(
                        (Jsonb(body), doc, digest or old_digest, moved, PLATFORM, moved, at, ident)
                    )
                if msgs is not None and digest != old_digest:
                    conversations.append((ident, msgs))
                feed.append((ident, upsert_tail(doc)))
            if not feed:
                return 0
            with conn.cursor() as cur:
                if inserts:
                    cur.executemany(
                        "INSERT INTO enquiries (id, version, body, doc, messages_hash) "
                        "VALUES (%s, 0, %s, %s, %s)",
                        inserts,
                    )
                if updates:
                    cur.executemany(
                        "UPDATE enquiries SET version = version + 1, body = %s, doc = %s, "
                        "messages_hash = %s, moved_by = CASE WHEN %s THEN %s ELSE moved_by END, "
                        "moved_at = CASE WHEN %s THEN %s ELSE moved_at END WHERE id = %s",
                        updates,
                    )
            if conversations:  # only the messages new to the message feed get a place in it
                replace_conversations(conn, conversations)
            announce_feed(conn, append_feed_many(conn, feed))
        return len(feed)

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
            append_feed(conn, enquiry_id, tail[1:])  # the change after '{"seq":N,'
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

    def messages(self, enquiry_id: str) -> list[dict[str, Any]]:
        """The enquiry's conversation as stored, oldest first."""
        with self.db.tx() as conn:
            rows = conn.execute(
                "SELECT doc FROM messages WHERE enquiry_id = %s ORDER BY pos", (enquiry_id,)
            ).fetchall()
        return [dict(r[0]) for r in rows]

    def ids(self) -> set[str]:
        """Every enquiry held (tombstones aside)."""
        with self.db.tx() as conn:
            return {r[0] for r in conn.execute("SELECT id FROM enquiries")}

    def tombstone(self, enquiry_id: str) -> dict[str, Any] | None:
        """{"id", "reason", "merged_into"} of a deleted or merged enquiry, else None."""
        with self.db.tx() as conn:
            row = conn.execute(
                "SELECT id, reason, merged_into FROM tombstones WHERE id = %s", (enquiry_id,)
            ).fetchone()
        return None if row is None else {"id": row[0], "reason": row[1], "merged_into": row[2]}

    def reference(self, kind: str) -> list[dict[str, Any]]:
        """A reference list as served; agents with their loads counted from the enquiries held."""
        with self.db.tx() as conn:
            row = conn.execute("SELECT items FROM reference WHERE kind = %s", (kind,)).fetchone()
            items = [] if row is None else list(row[0])
            return with_loads(items, agent_loads(conn)) if kind == "agents" else items


def _messages(msgs: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]] | None:
    if msgs is None:
        return None
    return [wire.message_to_wire(wire.message_from_wire(dict(m))) for m in msgs]


def _keep_gateway_facts(body: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """What only the gateway knows survives a connector's update that does not know it: the moves between
    teams and the hand-off clock, set when a supervisor moved the enquiry (a platform has no such fields,
    so its mapping sends 0 and null). A connector that does know them sends real values, which win."""
    kept = dict(body)
    for key in GATEWAY_FACTS:
        if kept.get(key) in (0, None) and old.get(key) not in (0, None):
            kept[key] = old[key]
    return kept


def _raw(record: object) -> str:
    """The record as it came, for a person to look at: shortened, never failing on odd values."""
    try:
        return encode(record)[:20_000]
    except (TypeError, ValueError):
        return repr(record)[:20_000]


def _digest(msgs: list[dict[str, Any]]) -> str:
    return hashlib.sha256(encode(msgs).encode()).hexdigest()
