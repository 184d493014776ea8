"""What one start of the console keeps in the cache for the next (issue 16): the queue's masked previews,
the SLA engine's timed clocks and the queue's filter text.

Masking every open enquiry's text and timing every open enquiry's clocks are the largest parts of a start
at 100,000 open (seconds of the PII detectors; ~1 s of calendar arithmetic). The console keeps what it
made so that the next start reads it instead:
- previews by a digest of the text, valid for one version of the PII rules and of the preview's format;
- clocks by enquiry id, version and team (a local move changes the team before the service gives the
  enquiry a new version), valid for one version of the SLA rules (policies, calendars, public
  holidays, time zones: console.sla.kept). A clock kept for another version of its enquiry is not used.
- filter text by enquiry id, version, team and agent, valid for one version of its words (privacy mode,
  team and agent names, PII rules: widgets.queue.text.CellText.kept_version).
Each is kept under the caller's `version`: under any other, none are read, and the next keep replaces
them all. All live in the same encrypted file as the records they come from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import apsw

from console.store.schema import transaction

VERSION_KEY = "previews_version"
CLOCKS_VERSION_KEY = "clocks_version"
# id, enquiry version and team, then the running clock that matters (kind, started_at, due_at, target_s,
# calendar id, policy id) or NULLs when none runs (console.sla.kept.KeptRow).
CLOCK_COLUMNS = "id, version, team_id, kind, started_at, due_at, target_s, calendar_id, policy_id"
TEXTS_VERSION_KEY = "filter_texts_version"
TEXT_COLUMNS = "id, version, team_id, agent_id, hay"
KeptText = tuple[str, int, str | None, str | None, str]  # a filter text kept, in TEXT_COLUMNS order
# Each read whole, in its own order (console.store.reads.StoreReader.load_open_kept).
KEPT_CLOCKS = f"SELECT {CLOCK_COLUMNS} FROM sla_clocks"  # noqa: S608 (constants)
KEPT_TEXTS = f"SELECT {TEXT_COLUMNS} FROM filter_texts"  # noqa: S608
# The queue's first screenful, walked from the deadline indexes (CROSS JOIN: the kept clocks first, or
# SQLite walks every open enquiry and sorts, ~250 ms at 100k): open enquiries whose kept clocks are still
# theirs (the same version and team). The SLA column puts first the least working time left; within one
# calendar that is the soonest deadline, so the head of the column is among the soonest of each calendar
# (SOONEST_KEPT, one query per calendar). Breached work comes most recently due first, by the wall clock
# (LATEST_DUE_KEPT). console.live.order has the column's order.
_KEPT_OPEN = (
    "SELECT k.id FROM sla_clocks k INDEXED BY {} CROSS JOIN enquiries e ON e.id = k.id"
    " AND e.version = k.version AND e.team_id IS k.team_id WHERE k.kind IS NOT NULL AND e.is_open = 1"
)
SOONEST_KEPT = (
    _KEPT_OPEN.format("sla_clocks_calendar_due")
    + " AND k.calendar_id = ? AND k.due_at >= ? ORDER BY k.due_at LIMIT ?"
)
LATEST_DUE_KEPT = _KEPT_OPEN.format("sla_clocks_due") + " AND k.due_at < ? ORDER BY k.due_at DESC LIMIT ?"


CHECKPOINT_AFTER = 10_000  # rows kept in one go from which the WAL is checkpointed at once


def in_one(conn: apsw.Connection, write: Callable[[], int]) -> int:
    """One keep in one transaction. A large one (a first start's 100k filter texts: ~15 MB of WAL) is then
    copied into the database file at once (a passive checkpoint: no reader is waited for): every open row
    read through a WAL of 31 MB took 1.4-1.9 s, 1.1-1.5 s once checkpointed (autocheckpoint: 40 MB)."""
    if conn.in_transaction:  # inside the caller's (its savepoint)
        with transaction(conn):
            n = write()
    else:
        # The write lock first. A keep reads the kept version before it writes: in a deferred transaction,
        # a commit by another connection in between (the sync thread starting again) failed it at once,
        # SQLITE_BUSY on a stale snapshot, the busy timeout unused. Now it waits as any writer does.
        conn.execute("BEGIN IMMEDIATE")
        try:
            n = write()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    if n >= CHECKPOINT_AFTER:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    return n


def kept_version(conn: apsw.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def read_previews(
    conn: apsw.Connection, version: str, digests: Iterable[bytes] | None = None
) -> dict[bytes, str]:
    """The kept previews (of these digests, or all) by digest, or none when they were made under
    another version."""
    if kept_version(conn, VERSION_KEY) != version:
        return {}
    sql = "SELECT digest, preview FROM masked_previews"
    if digests is None:
        return dict(conn.execute(sql))
    of_digests = sql + " WHERE digest IN (SELECT unhex(value) FROM json_each(?))"  # noqa: S608 (constants)
    return dict(conn.execute(of_digests, (json.dumps([d.hex() for d in digests]),)))


def keep_previews(
    conn: apsw.Connection, version: str, previews: Mapping[bytes, str], replace: bool = True
) -> int:
    """These previews, and only these, are kept under `version` (the caller's transaction: one); not
    `replace`, they are added to those kept under the same version."""
    if replace or kept_version(conn, VERSION_KEY) != version:
        conn.execute("DELETE FROM masked_previews")
    conn.executemany("INSERT OR REPLACE INTO masked_previews VALUES (?, ?)", previews.items())
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (VERSION_KEY, version))
    return len(previews)


def read_clocks(
    conn: apsw.Connection, version: str, ids: Iterable[str] | None = None
) -> dict[str, tuple[Any, ...]]:
    """The kept clocks (of these enquiries, or all) by enquiry id, (version, team_id, kind, started_at,
    due_at, target_s, calendar_id, policy_id), or none when they were timed under other rules. A keep
    drops the clocks of enquiries no longer open once they are a tenth of those kept, so few others are
    read; the engine uses a clock only for its enquiry's version and team."""
    if kept_version(conn, CLOCKS_VERSION_KEY) != version:
        return {}
    if ids is None:
        return {r[0]: r[1:] for r in conn.execute(KEPT_CLOCKS)}
    of_ids = KEPT_CLOCKS + " WHERE id IN (SELECT value FROM json_each(?))"  # noqa: S608
    rows = conn.execute(of_ids, (json.dumps(list(ids)),))
    return {r[0]: r[1:] for r in rows}


def keep_clocks(conn: apsw.Connection, version: str, rows: Iterable[tuple[Any, ...]]) -> int:
    """These clocks kept under `version` (rows in CLOCK_COLUMNS order; the caller's transaction: one).
    Under the same version they are added to those kept, replacing their enquiries' older ones; under
    another, they replace them all. Clocks of enquiries no longer open are dropped now and then."""
    return _keep_by_enquiry(conn, "sla_clocks", CLOCK_COLUMNS, CLOCKS_VERSION_KEY, version, rows)


def keep_filter_texts(conn: apsw.Connection, version: str, rows: Iterable[tuple[Any, ...]]) -> int:
    """These filter texts kept under `version` (rows in TEXT_COLUMNS order), as keep_clocks keeps clocks."""
    return _keep_by_enquiry(conn, "filter_texts", TEXT_COLUMNS, TEXTS_VERSION_KEY, version, rows)


def _keep_by_enquiry(
    conn: apsw.Connection,
    table: str,
    columns: str,
    version_key: str,
    version: str,
    rows: Iterable[tuple[Any, ...]],
) -> int:
    if kept_version(conn, version_key) != version:
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 (constants)
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (version_key, version))
    n = 0

    def counted() -> Iterator[tuple[Any, ...]]:
        nonlocal n
        for n, row in enumerate(rows, 1):  # noqa: B007 (n is the count kept)
            yield row

    places = ", ".join("?" * len(columns.split(", ")))
    conn.executemany(f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({places})", counted())  # noqa: S608
    # Those of enquiries closed since are dropped once they are a tenth of those kept: at 100k the walk
    # costs ~0.1 s of the writer's time, worth it now and then, not at every start's few new ones.
    kept, still_open = (
        _count(conn, sql)
        for sql in (f"SELECT count(*) FROM {table}", "SELECT count(*) FROM enquiries WHERE is_open = 1")  # noqa: S608
    )
    if kept * 10 > still_open * 11:
        conn.execute(
            f"DELETE FROM {table} WHERE NOT EXISTS"  # noqa: S608 (constants)
            f" (SELECT 1 FROM enquiries e WHERE e.id = {table}.id AND e.is_open = 1)"
        )
    return n


def _count(conn: apsw.Connection, sql: str) -> int:
    row: Any = conn.execute(sql).fetchall()[0]
    return int(row[0])
