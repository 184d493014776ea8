"""Retention: closed enquiries whose last change is older than the bank's records policy (settings
retention_days) leave the local cache, with their conversations and assignment history. The audit trail
is never touched: it is the record of what supervisors did, kept whole and hash-chained.

Runs on the writer (the sync thread), in batches of one short transaction each, so a sync page or a
supervisor's move never waits long behind it. Open enquiries and ones with a local move still pending
are never pruned. The server remains the system of record: a pruned enquiry that changes again simply
arrives again through the feed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.store.cache import Store, StoreReader
from console.store.schema import known_errors, transaction

log = logging.getLogger("concierge.retention")

DAY = 86_400.0
BATCH = 2000
CANDIDATES_SQL = "SELECT id FROM enquiries WHERE is_open = 0 AND pending = 0 AND updated_at < ? LIMIT ?"


@dataclass(slots=True)
class PruneResult:
    enquiries: int = 0
    messages: int = 0
    assignments: int = 0
    batches: int = 0
    elapsed: float = 0.0


def cutoff_for(retention_days: int, now: float) -> float:
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    return now - retention_days * DAY


def candidates(reader: StoreReader, cutoff: float, limit: int = BATCH) -> list[str]:
    """Up to `limit` ids due for pruning: closed, nothing pending, last changed before cutoff."""
    return [r[0] for r in reader._rows(CANDIDATES_SQL, (cutoff, limit))]


def prune_batch(store: Store, cutoff: float, limit: int = BATCH) -> PruneResult:
    """One transaction: up to `limit` enquiries and their messages and assignments."""
    result = PruneResult(batches=1)
    conn = store._conn
    with known_errors(store.path), transaction(conn):
        ids = [r[0] for r in conn.execute(CANDIDATES_SQL, (cutoff, limit))]
        if not ids:
            result.batches = 0
            return result
        doc = json.dumps(ids)
        conn.execute("DELETE FROM messages WHERE enquiry_id IN (SELECT value FROM json_each(?))", (doc,))
        result.messages = conn.changes()
        conn.execute("DELETE FROM assignments WHERE enquiry_id IN (SELECT value FROM json_each(?))", (doc,))
        result.assignments = conn.changes()
        conn.execute("DELETE FROM enquiries WHERE id IN (SELECT value FROM json_each(?))", (doc,))
        result.enquiries = conn.changes()
    return result


def optimize(store: Store) -> None:
    """Refresh the planner's statistics where they are stale (cheap when they are not): without them
    SQLite picks a slow plan for a shift's window over a year of history (bench_scale)."""
    with known_errors(store.path):
        store._conn.execute("PRAGMA analysis_limit=400")
        store._conn.execute("PRAGMA optimize=0x10002")


def maintain(store: Store, retention_days: int, **kwargs: Any) -> PruneResult:
    """What the sync thread runs at start: prune what the records policy lets go, then optimize."""
    result = prune(store, retention_days, **kwargs)
    optimize(store)
    return result


def prune(
    store: Store,
    retention_days: int,
    *,
    now: float | None = None,
    batch: int = BATCH,
    stop: threading.Event | None = None,
    between: Callable[[], object] | None = None,
) -> PruneResult:
    """Prune everything due, batch by batch. `between` runs after each batch (the sync thread serves its
    queued jobs there); `stop` ends early, losing nothing (each batch is whole)."""
    started = time.monotonic()
    cutoff = cutoff_for(retention_days, time.time() if now is None else now)
    total = PruneResult()
    while stop is None or not stop.is_set():
        r = prune_batch(store, cutoff, batch)
        if not r.batches:
            break
        total.enquiries += r.enquiries
        total.messages += r.messages
        total.assignments += r.assignments
        total.batches += 1
        if between is not None:
            between()
    total.elapsed = time.monotonic() - started
    if total.enquiries:
        log.info(
            "retention (%d days): %d closed enquiries pruned with %d messages and %d assignments "
            "in %d batches, %.1f s",
            retention_days,
            total.enquiries,
            total.messages,
            total.assignments,
            total.batches,
            total.elapsed,
        )
    return total
