"""Conversations in the cache: messages parsed from the wire (a bad one is quarantined, the rest are
kept), a conversation replaced whole, and a page of the message feed (GET /v1/messages, docs/api.md)
written with its position. Each writer runs in the Store's transaction (console.store.cache)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from apsw import Connection

from console.domain import wire
from console.store.feed import record_id

MESSAGE_CURSOR = "message_cursor"  # meta key: absent until the service is found to have the feed
INSERT_MESSAGE = "INSERT OR REPLACE INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
HEALED_MESSAGES = (  # the quarantined messages now held, given a JSON list of message ids
    "DELETE FROM quarantine WHERE source = 'messages' AND record_id IN (SELECT value FROM json_each(?))"
)

Row = tuple[str, str, str, str, str, float, str | None, str | None]
Bad = tuple[str, str, Any]


def parse_messages(raw_items: Sequence[Any], enquiry_id: str | None = None) -> tuple[list[Row], list[Bad]]:
    """Rows for the messages table and the records that could not be read (with why). enquiry_id: keep
    only that enquiry's messages (a conversation fetched whole)."""
    good: list[Row] = []
    bad: list[Bad] = []
    for raw in raw_items:
        try:
            m = wire.message_from_wire(raw)
        except wire.BadRecord as err:
            bad.append((record_id(raw), str(err), raw))
            continue
        if enquiry_id is None or m.enquiry_id == enquiry_id:
            good.append(
                (m.id, m.enquiry_id, m.direction, m.author, m.text, m.sent_at, m.channel, m.visibility)
            )
    return good, bad


def damaged_enquiries(bad: Sequence[Bad]) -> set[str]:
    """The enquiries of the messages that could not be read, where the record still names one."""
    return {
        raw["enquiry_id"]
        for _, _, raw in bad
        if isinstance(raw, dict) and isinstance(raw.get("enquiry_id"), str) and raw["enquiry_id"]
    }


def replace_conversation(
    conn: Connection, enquiry_id: str, raw_items: Sequence[Any]
) -> tuple[int, list[Bad]]:
    """An enquiry's conversation replaced whole, in the caller's transaction; the quarantined messages
    it now holds are healed. Returns how many were stored and the records that could not be read."""
    good, bad = parse_messages(raw_items, enquiry_id)
    conn.execute("DELETE FROM messages WHERE enquiry_id = ?", (enquiry_id,))
    conn.executemany(INSERT_MESSAGE, good)
    conn.execute(HEALED_MESSAGES, (json.dumps([row[0] for row in good]),))
    return len(good), bad


def write_message_page(conn: Connection, raw_items: Sequence[Any], cursor: str) -> tuple[set[str], list[Bad]]:
    """A page of the message feed and its cursor, in the caller's transaction. Returns the enquiry ids
    whose conversations it added to (a message seen twice is kept once: messages are immutable) and the
    records that could not be read (their conversations, read whole again, heal: replace_conversation)."""
    good, bad = parse_messages(raw_items)
    conn.executemany(INSERT_MESSAGE, good)
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (MESSAGE_CURSOR, cursor))
    return {row[1] for row in good}, bad
