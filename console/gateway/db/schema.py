"""The gateway's schema, created and migrated on start. Each migration runs once, in order, in one
transaction with the version it reaches; an advisory lock makes two gateways starting together take turns.

The change feed is compacted by construction: `feed` holds one row per enquiry (its latest change, a
tombstone included), re-numbered from the `feed_seq` sequence on every change. Writers take the feed lock
(FEED_LOCK) before drawing a number, so numbers commit in order and a reader past seq N never misses a
change numbered N or less. The message feed's numbers (`message_seq`) are drawn under the same lock.
"""

from __future__ import annotations

from typing import Any

import psycopg

MIGRATE_LOCK = 0x636F6E63  # pg_advisory_lock key: migrations, one gateway at a time
FEED_LOCK = 0x66656564  # pg_advisory_xact_lock key: feed numbers are drawn and committed in order
CHANNEL = "concierge_changes"

MIGRATIONS: list[str] = [
    # 1: the contract's records, the feed, assignments, idempotency keys, users, tokens, audit copies
    """
    CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
    INSERT INTO meta VALUES ('instance', md5(random()::text || clock_timestamp()::text));
    CREATE TABLE enquiries (
        id text PRIMARY KEY,
        version bigint NOT NULL,
        body jsonb NOT NULL,                 -- the connector's state, without version
        doc text NOT NULL,                   -- the wire record served (body + version + decisions)
        complaint_decision jsonb,
        moved_by text,
        moved_at double precision,
        messages_hash text
    );
    CREATE TABLE messages (
        enquiry_id text NOT NULL REFERENCES enquiries(id) ON DELETE CASCADE,
        pos integer NOT NULL,
        doc jsonb NOT NULL,
        PRIMARY KEY (enquiry_id, pos)
    );
    CREATE TABLE tombstones (
        id text PRIMARY KEY, reason text NOT NULL, merged_into text
    );
    CREATE SEQUENCE feed_seq;
    CREATE TABLE feed (
        enquiry_id text PRIMARY KEY,
        seq bigint NOT NULL UNIQUE,
        item text NOT NULL                   -- the change after '{"seq":N,'
    );
    CREATE TABLE reference (kind text PRIMARY KEY, items jsonb NOT NULL);
    CREATE TABLE assignments (
        n bigserial PRIMARY KEY,
        enquiry_id text NOT NULL,
        at double precision NOT NULL,
        doc jsonb NOT NULL
    );
    CREATE INDEX assignments_enquiry ON assignments (enquiry_id, n);
    CREATE INDEX assignments_at ON assignments (at);
    CREATE TABLE idempotency (
        username text NOT NULL,
        key text NOT NULL,
        created double precision NOT NULL,
        status integer,
        content_type text,
        body bytea,
        PRIMARY KEY (username, key)
    );
    CREATE INDEX idempotency_created ON idempotency (created);
    CREATE TABLE users (
        username text PRIMARY KEY,
        password_hash text NOT NULL,
        scopes text[] NOT NULL
    );
    CREATE TABLE tokens (
        digest text PRIMARY KEY,
        kind text NOT NULL,                  -- access | refresh
        username text NOT NULL,
        scope text NOT NULL,
        expires double precision NOT NULL,
        paired text                          -- a refresh token's access token digest
    );
    CREATE INDEX tokens_expires ON tokens (expires);
    CREATE TABLE audit_chains (chain text PRIMARY KEY, owner text NOT NULL);
    CREATE TABLE audit_entries (
        chain text NOT NULL REFERENCES audit_chains(chain),
        seq bigint NOT NULL,
        doc jsonb NOT NULL,
        PRIMARY KEY (chain, seq)
    );
    """,
    # 2: records from a connector that the console could not trust, set aside with the reason
    """
    CREATE TABLE quarantine (
        n bigserial PRIMARY KEY,
        enquiry_id text,
        reason text NOT NULL,
        record text NOT NULL,
        at double precision NOT NULL
    );
    """,
    # 3: every complaint decision a supervisor made, oldest first (the enquiry keeps the latest)
    """
    CREATE TABLE complaint_decisions (
        n bigserial PRIMARY KEY,
        enquiry_id text NOT NULL,
        at double precision NOT NULL,
        doc jsonb NOT NULL
    );
    CREATE INDEX complaint_decisions_enquiry ON complaint_decisions (enquiry_id, n);
    """,
    # 4: agents' loads are counted from the enquiries (console.gateway.db.loads)
    """
    CREATE INDEX enquiries_agent ON enquiries ((body->>'agent_id')) WHERE body->>'agent_id' IS NOT NULL;
    """,
    # 5: the message feed (console.gateway.db.messages): each stored message has its place in it. Messages
    # already held are numbered in their enquiries' change-feed order, then each conversation's own order.
    """
    CREATE SEQUENCE message_seq;
    ALTER TABLE messages ADD COLUMN seq bigint;
    UPDATE messages m SET seq = o.n
    FROM (
        SELECT m2.enquiry_id, m2.pos,
               row_number() OVER (ORDER BY f.seq NULLS LAST, m2.enquiry_id, m2.pos) AS n
        FROM messages m2 LEFT JOIN feed f ON f.enquiry_id = m2.enquiry_id
    ) o
    WHERE m.enquiry_id = o.enquiry_id AND m.pos = o.pos;
    SELECT setval('message_seq', (SELECT coalesce(max(seq), 0) + 1 FROM messages), false);
    ALTER TABLE messages ALTER COLUMN seq SET NOT NULL;
    CREATE UNIQUE INDEX messages_seq ON messages (seq);
    """,
]


def migrate(conn: psycopg.Connection[tuple[Any, ...]]) -> int:
    """Bring the schema to the newest version; returns it. Safe for gateways starting together."""
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        current = int(row[0]) if row and row[0] is not None else 0
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            with conn.transaction():
                conn.execute(script)
                conn.execute("INSERT INTO schema_version VALUES (%s)", (number,))
        return len(MIGRATIONS)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))
