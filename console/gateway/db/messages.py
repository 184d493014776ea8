"""The message feed (GET /v1/messages): every stored message once, in the order the gateway recorded it.

Each row of `messages` carries its place in the feed (`seq`, from the `message_seq` sequence). A connector
replaces a conversation whole; a message it sent before, unchanged, keeps its number, so sending the same
conversation again adds nothing and one new message adds one. Numbers are drawn under FEED_LOCK, held to
the end of the writing transaction, so they become visible in order: a reader past seq N never misses a
message numbered N or less. A deleted or merged enquiry's messages go with it (ON DELETE CASCADE).

A cursor is `<database instance>.m<seq>`: the `m` keeps a change-feed cursor from being taken for one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from console.gateway.db.feed import CursorGone
from console.gateway.db.schema import FEED_LOCK
from console.gateway.db.store import Conn, Database

Conversation = tuple[str, list[dict[str, Any]]]  # (enquiry id, its messages oldest first)


@dataclass(frozen=True, slots=True)
class MessagePage:
    items: list[str]  # the stored messages' JSON texts
    last_seq: int
    has_more: bool


class MessageFeed:
    def __init__(self, db: Database) -> None:
        self.db = db

    def cursor(self, seq: int) -> str:
        return f"{self.db.instance}.m{seq}"

    def parse_cursor(self, cursor: str) -> int:
        if not cursor:
            return 0
        instance, _, rest = cursor.partition(".")
        seq = rest.removeprefix("m")
        if instance != self.db.instance or not rest.startswith("m") or not seq.isdigit() or len(seq) > 18:
            raise CursorGone(cursor)
        if int(seq) > self.head():
            raise CursorGone(cursor)
        return int(seq)

    def head(self) -> int:
        """The last number handed out. From the sequence, not max(seq): messages of a deleted enquiry
        leave the table, and a cursor that had read them must stay good."""
        with self.db.tx() as conn:
            row = conn.execute("SELECT last_value, is_called FROM message_seq").fetchone()
        assert row is not None
        return int(row[0]) if row[1] else int(row[0]) - 1

    def page(self, after: int, limit: int) -> MessagePage:
        with self.db.tx() as conn:
            rows = conn.execute(
                "SELECT seq, doc::text FROM messages WHERE seq > %s ORDER BY seq LIMIT %s",
                (after, limit + 1),
            ).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return MessagePage([str(r[1]) for r in rows], int(rows[-1][0]) if rows else after, more)


def replace_conversations(conn: Conn, conversations: Sequence[Conversation]) -> None:
    """Store these conversations whole, in place of what each enquiry held. A message already held with the
    same id and content keeps its number; every other one is numbered after everything committed. The
    caller holds the enquiries' row locks (the lock order everywhere: rows, then FEED_LOCK)."""
    ids = [ident for ident, _ in conversations]
    held: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    for ident, seq, doc in conn.execute(
        "SELECT enquiry_id, seq, doc FROM messages WHERE enquiry_id = ANY(%s) ORDER BY seq", (ids,)
    ):
        held.setdefault((ident, doc.get("id")), []).append((int(seq), doc))
    rows: list[list[Any]] = []
    fresh: list[list[Any]] = []  # rows still to be numbered, in the order they were recorded
    for ident, msgs in conversations:
        for pos, msg in enumerate(msgs):
            before = held.get((ident, msg["id"]), [])
            # the first unchanged copy keeps its number (one id twice in a conversation: the second is new)
            match = next((i for i, (_, doc) in enumerate(before) if doc == msg), None)
            row = [ident, pos, Jsonb(msg), before.pop(match)[0] if match is not None else None]
            rows.append(row)
            if match is None:
                fresh.append(row)
    if fresh:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (FEED_LOCK,))
        drawn = conn.execute(
            "SELECT nextval('message_seq') FROM generate_series(1, %s)", (len(fresh),)
        ).fetchall()
        for row, (seq,) in zip(fresh, sorted(drawn), strict=True):
            row[3] = int(seq)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM messages WHERE enquiry_id = ANY(%s)", (ids,))
        cur.executemany("INSERT INTO messages (enquiry_id, pos, doc, seq) VALUES (%s, %s, %s, %s)", rows)
