"""The connection pool and the feed's two primitives every writer shares: draw the next feed number (in
commit order, under FEED_LOCK) and announce the commit on LISTEN/NOTIFY."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from console.gateway.db.schema import CHANNEL, FEED_LOCK, migrate

_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

Conn = psycopg.Connection[tuple[Any, ...]]


def encode(obj: object) -> str:
    return _ENCODER.encode(obj)


class Database:
    """One gateway process's way into PostgreSQL: a pool, and the schema brought up to date on open."""

    def __init__(self, dsn: str, *, max_size: int = 16) -> None:
        self.dsn = dsn
        with psycopg.connect(dsn, autocommit=True) as conn:
            migrate(conn)
            row = conn.execute("SELECT value FROM meta WHERE key = 'instance'").fetchone()
        assert row is not None
        # Cursors name the database they count in: one from another database (a rebuilt one) gets 410.
        self.instance: str = str(row[0])[:12]
        self.pool: ConnectionPool[Conn] = ConnectionPool(
            dsn,
            min_size=2,
            max_size=max_size,
            open=True,
            name="gateway",
            timeout=30,
            # A connection the server ended (a restart, a failover) is replaced before a request gets it.
            check=ConnectionPool.check_connection,
        )

    @contextmanager
    def tx(self) -> Iterator[Conn]:
        """A connection in one transaction: committed when the block ends, rolled back on an exception."""
        with self.pool.connection() as conn, conn.transaction():
            yield conn

    def close(self) -> None:
        self.pool.close()


def append_feed(conn: Conn, ident: str, tail: str, *, announce: bool = True) -> int:
    """This change becomes the enquiry's one entry in the feed, numbered after every committed change.
    FEED_LOCK is held to the end of the transaction, so numbers become visible in order; callers lock the
    enquiry's row first (one lock order everywhere: no deadlock). A batch passes announce=False and calls
    announce_feed once with its last number: one wake-up per commit, not one per record."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (FEED_LOCK,))
    row = conn.execute("SELECT nextval('feed_seq')").fetchone()
    assert row is not None
    seq = int(row[0])
    conn.execute(
        "INSERT INTO feed (enquiry_id, seq, item) VALUES (%s, %s, %s) "
        "ON CONFLICT (enquiry_id) DO UPDATE SET seq = excluded.seq, item = excluded.item",
        (ident, seq, tail),
    )
    if announce:
        announce_feed(conn, seq)
    return seq


def append_feed_many(conn: Conn, entries: list[tuple[str, str]]) -> int:
    """append_feed for a batch of (enquiry id, change) in order, in one pipelined statement; returns the
    last number drawn. Callers announce it."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (FEED_LOCK,))
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO feed (enquiry_id, seq, item) VALUES (%s, nextval('feed_seq'), %s) "
            "ON CONFLICT (enquiry_id) DO UPDATE SET seq = excluded.seq, item = excluded.item",
            entries,
        )
    row = conn.execute("SELECT currval('feed_seq')").fetchone()
    assert row is not None
    return int(row[0])


def announce_feed(conn: Conn, seq: int) -> None:
    """NOTIFY the feed's new head: delivered by PostgreSQL when (and only if) this transaction commits."""
    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(seq)))


def upsert_tail(doc: str) -> str:
    return '"op":"upsert","enquiry":' + doc + "}"
