"""The encrypted local cache: the one writing connection, owned by the sync thread.

Every write is one transaction: a feed page and the cursor that follows it, a local move with its outbox
and audit rows, an outbox outcome with the server's record. Readers (the UI) use StoreReader.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import filelock

from console.domain import wire
from console.domain.audit_chain import canonical_json
from console.domain.limits import ident_problem
from console.domain.model import Assignment, ChangeSet, Enquiry
from console.store.audit import AuditEntry, append_audit
from console.store.feed import ParsedPage, parse_feed_page, raw_text, record_id, safe_text
from console.store.kept import in_one, keep_clocks, keep_filter_texts, keep_previews
from console.store.messages import damaged_enquiries, replace_conversation, write_message_page
from console.store.outbox import INSERT_ASSIGNMENT, OutboxItem, OutboxResult, assignment_row
from console.store.outbox import queue_agent_status as _queue_agent_status
from console.store.outbox import queue_assignment as _queue_assignment
from console.store.outbox import resolve as _resolve
from console.store.reads import REFERENCE_TABLES, StoreReader
from console.store.rows import REFERENCE_PARSERS, UPSERT_ENQUIRY, enquiry_row, reference_row
from console.store.schema import (
    ENVIRONMENT_ERRORS,
    SCHEMA_VERSION,
    CacheKeyError,
    KnownError,
    SchemaBehind,
    busy_being_created,
    creation_lock,
    fold_wal,
    known_errors,
    migrate,
    transaction,
)

__all__ = [
    "AuditEntry",
    "CacheKeyError",
    "KnownError",
    "OutboxItem",
    "OutboxResult",
    "ParsedPage",
    "Store",
    "StoreReader",
    "fold_wal",
    "parse_feed_page",
]

log = logging.getLogger("concierge.store")

_BULK_KEY = "deferred_indexes"
_RESYNC_KEY = "resync"  # "1" while a full re-read after a 410 is under way
# Table resync_seen: the ids that re-read has seen so far (made on demand, dropped at its end).
QUARANTINE_LOG_LINES = 20  # records named in the log per batch; the rest are counted


def open_reader(path: Path, key: str | bytes) -> StoreReader:
    """The cache as a window reads it: made empty when missing (the window opens at once), brought up
    to this version's schema when an older Concierge wrote it (an upgrade), then opened read-only."""
    if not path.exists():
        Store(path, key).close()
    try:
        return StoreReader(path, key)
    except SchemaBehind:
        Store(path, key).close()  # migrates, under the creation lock
        return StoreReader(path, key)


class Store(StoreReader):
    """The writer. Thread-confined to the sync thread; opens (creating and migrating) the cache."""

    def __init__(self, path: str | Path, key: str | bytes) -> None:
        try:
            # Opening, creating and migrating are done by one writer at a time (schema.creation_lock).
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            lock = creation_lock(Path(path))
            lock.acquire()
        except filelock.Timeout:
            raise busy_being_created(Path(path)) from None
        except OSError as e:  # the folder cannot hold a lock file: read-only, missing, not a folder
            raise KnownError(f"cannot use the cache's folder {Path(path).parent}: {e.strerror}") from None
        try:
            super().__init__(path, key, _readonly=False)
            try:
                self.end_bulk()  # indexes a killed initial sync left out come back before any migration
                migrate(self._conn, self.path)
            except BaseException:
                self._conn.close()
                raise
        finally:
            lock.release()
        self.schema_version = SCHEMA_VERSION
        self._key = key  # for reader(): another thread's own connection to the same file

    def reader(self) -> StoreReader:
        """A new reading connection to this cache, for another thread (WAL: it never blocks the writer)."""
        return StoreReader(self.path, self._key)

    # -- meta ------------------------------------------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        with known_errors(self.path), transaction(self._conn):
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- the change feed -------------------------------------------------------------------------
    def keep_previews(self, version: str, previews: Mapping[bytes, str], replace: bool = True) -> int:
        with known_errors(self.path):
            return in_one(self._conn, lambda: keep_previews(self._conn, version, previews, replace))

    def keep_clocks(self, version: str, rows: Iterable[tuple[Any, ...]]) -> int:
        with known_errors(self.path):
            return in_one(self._conn, lambda: keep_clocks(self._conn, version, rows))

    def keep_filter_texts(self, version: str, rows: Iterable[tuple[Any, ...]]) -> int:
        with known_errors(self.path):
            return in_one(self._conn, lambda: keep_filter_texts(self._conn, version, rows))

    def apply_feed_page(self, items: Sequence[Any], next_cursor: str, *, now: float = 0.0) -> ChangeSet:
        """One feed page and its cursor in one transaction. Bad records go to quarantine, the rest apply."""
        return self.apply_parsed(parse_feed_page(items), next_cursor, now=now)

    def apply_parsed(
        self, page: ParsedPage, next_cursor: str, *, now: float = 0.0, seen: Iterable[str] = ()
    ) -> ChangeSet:
        """A page parsed earlier (perhaps on another thread: parse_feed_page touches no connection).
        `seen`: the ids the page held, recorded with it during a full re-read."""
        return self._apply(
            list(page.upserts.values()), page.deletes, page.bad, next_cursor, now, page.rows, seen
        )

    def apply_enquiries(
        self, enquiries: Sequence[Enquiry], next_cursor: str | None = None, *, now: float = 0.0
    ) -> ChangeSet:
        """Parsed records straight in (same rules: newer versions only). The ingest path the bench times."""
        upserts: list[tuple[Enquiry, int | None]] = [(e, None) for e in enquiries]
        return self._apply(upserts, {}, [], next_cursor, now)

    def apply_records(self, raws: Iterable[Any], *, now: float = 0.0) -> ChangeSet:
        """Single records fetched outside the feed (quarantine healing); the cursor is left alone."""
        upserts: list[tuple[Enquiry, int | None]] = []
        bad: list[tuple[str, str, Any]] = []
        for raw in raws:
            try:
                upserts.append((wire.enquiry_from_wire(raw), None))
            except wire.BadRecord as err:
                bad.append((record_id(raw), str(err), raw))
        return self._apply(upserts, {}, bad, None, now)

    def _apply(
        self,
        upserts: list[tuple[Enquiry, int | None]],
        deletes: dict[str, int],
        bad: list[tuple[str, str, Any]],
        next_cursor: str | None,
        now: float,
        prebuilt: dict[str, tuple[Any, ...]] | None = None,
        seen: Iterable[str] = (),
    ) -> ChangeSet:
        bad = list(bad)
        conn = self._conn
        with known_errors(self.path), transaction(conn):
            seen_rows = [(i,) for i in seen if ident_problem(i) is None]  # others are quarantined
            if seen_rows:
                conn.executemany("INSERT OR IGNORE INTO resync_seen (id) VALUES (?)", seen_rows)
            ids = json.dumps([e.id for e, _ in upserts] + list(deletes))
            existing: dict[str, int] = dict(
                conn.execute(
                    "SELECT id, version FROM enquiries WHERE id IN (SELECT value FROM json_each(?))", (ids,)
                )
            )
            tombs: dict[str, int] = dict(
                conn.execute(
                    "SELECT id, seq FROM tombstones WHERE id IN (SELECT value FROM json_each(?))", (ids,)
                )
            )
            rows: list[tuple[Enquiry, tuple[Any, ...]]] = []
            healed: list[str] = []
            cs = ChangeSet()
            for e, seq in upserts:
                tomb = tombs.get(e.id)
                # A tombstone wins over any copy of the record from before (or at) its seq.
                if (tomb is not None and (seq is None or seq <= tomb)) or e.id in deletes:
                    continue
                old = existing.get(e.id)
                if old is None:
                    cs.added.add(e.id)
                elif e.version > old:
                    cs.changed.add(e.id)
                elif e.version < old:
                    continue  # a stale copy: does not vouch for the record we hold
                else:
                    healed.append(e.id)
                    continue
                healed.append(e.id)
                rows.append((e, prebuilt[e.id] if prebuilt else enquiry_row(e)))
            for e, why in self._write_rows(rows):  # the records SQLite refused, one by one
                bad.append(
                    (e.id, f"the cache refused the record ({why})", {"id": e.id, "version": e.version})
                )
                cs.added.discard(e.id)
                cs.changed.discard(e.id)
                healed.remove(e.id)
            cs.quarantined = len(bad)
            for ident, seq in deletes.items():
                if ident in existing:
                    cs.removed.add(ident)
                    conn.execute("DELETE FROM enquiries WHERE id = ?", (ident,))
                    conn.execute("DELETE FROM messages WHERE enquiry_id = ?", (ident,))
                conn.execute(
                    "INSERT INTO tombstones (id, seq, at) VALUES (?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET seq = max(seq, excluded.seq)",
                    (ident, seq, now),
                )
                healed.append(ident)
            if healed and conn.execute("SELECT 1 FROM quarantine LIMIT 1").fetchone():
                conn.execute(
                    "DELETE FROM quarantine WHERE source = 'feed' "
                    "AND record_id IN (SELECT value FROM json_each(?))",
                    (json.dumps(healed),),
                )
            self._quarantine(bad, "feed", now)
            if next_cursor is not None:
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('cursor', ?)", (next_cursor,))
        return cs

    def _write_rows(self, rows: list[tuple[Enquiry, tuple[Any, ...]]]) -> list[tuple[Enquiry, str]]:
        """Upsert the rows in one statement; when that fails for a reason of the data (not the disk),
        again one by one, each in its own savepoint. Returns the records that could not be written."""
        if not rows:
            return []
        conn = self._conn
        try:
            with transaction(conn):  # a savepoint inside the page's transaction
                conn.executemany(UPSERT_ENQUIRY, [row for _, row in rows])
            return []
        except ENVIRONMENT_ERRORS:
            raise
        except Exception:
            log.warning("a page could not be written in one go; writing its %d records one by one", len(rows))
        refused = []
        for e, row in rows:
            try:
                with transaction(conn):
                    conn.execute(UPSERT_ENQUIRY, row)
            except ENVIRONMENT_ERRORS:
                raise
            except Exception as err:
                log.warning("the cache refused enquiry %s: %s", safe_text(e.id), type(err).__name__)
                refused.append((e, f"{type(err).__name__}: {safe_text(str(err))[:200]}"))
        return refused

    def _quarantine(self, bad: list[tuple[str, str, Any]], source: str, now: float) -> None:
        if bad:
            for rid, reason, _ in bad[:QUARANTINE_LOG_LINES]:
                log.warning("quarantined %s record %s: %s", source, safe_text(rid), safe_text(reason))
            if len(bad) > QUARANTINE_LOG_LINES:
                log.warning("quarantined %d more %s records", len(bad) - QUARANTINE_LOG_LINES, source)
            self._conn.executemany(
                "INSERT INTO quarantine (source, record_id, reason, raw, first_seen, last_seen) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(source, record_id) DO UPDATE SET "
                "reason = excluded.reason, raw = excluded.raw, last_seen = excluded.last_seen, "
                "count = count + 1",
                [
                    (source, safe_text(rid), safe_text(reason[:500]), raw_text(raw), now, now)
                    for rid, reason, raw in bad
                ],
            )

    def drop_quarantine(self, source: str, record_id: str) -> None:
        with known_errors(self.path), transaction(self._conn):
            self._conn.execute(
                "DELETE FROM quarantine WHERE source = ? AND record_id = ?", (source, record_id)
            )

    def begin_bulk(self) -> bool:
        """Before an initial sync into an empty cache: drop the enquiries' secondary indexes (kept in
        meta) so 100k rows load without random index inserts; end_bulk() builds them sorted, about 40%
        faster overall. True when it did so. Queries stay correct meanwhile, only slower."""
        with known_errors(self.path), transaction(self._conn):
            if self._conn.execute("SELECT 1 FROM enquiries LIMIT 1").fetchone() or self.get_meta(_BULK_KEY):
                return False
            found = self._conn.execute(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'enquiries' "
                "AND sql IS NOT NULL"
            ).fetchall()
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_BULK_KEY, json.dumps(found))
            )
            for name, _ in found:
                self._conn.execute(f'DROP INDEX "{name}"')
        return True

    def end_bulk(self) -> None:
        """Rebuild the indexes begin_bulk() dropped (also after a crash: Store() calls it on open)."""
        with known_errors(self.path):
            if self._conn.execute("SELECT 1 FROM sqlite_schema WHERE name = 'meta'").fetchone() is None:
                return  # a brand-new file: nothing was deferred
            saved = self.get_meta(_BULK_KEY)
            if saved is None:
                return
            with transaction(self._conn):
                for name, sql in json.loads(saved):
                    self._conn.execute(
                        re.sub(r"^CREATE (UNIQUE )?INDEX", r"CREATE \1INDEX IF NOT EXISTS", sql)
                    )
                    log.debug("rebuilt index %s", name)
                self._conn.execute("DELETE FROM meta WHERE key = ?", (_BULK_KEY,))

    def reset_feed(self) -> None:
        """The server forgot our cursor (410): read the feed again from the start. Cached rows stay and
        are overwritten by newer versions; rows the server no longer has are dropped at the end of the
        re-read (finish_resync). The re-read is a saved state: every page records the ids it held in
        the same transaction as its cursor, so a re-read cut short (a kill, another 410) goes on, or
        starts again, and still prunes at its end."""
        with known_errors(self.path), transaction(self._conn):
            self._conn.execute("CREATE TABLE IF NOT EXISTS resync_seen (id TEXT PRIMARY KEY) WITHOUT ROWID")
            self._conn.execute("DELETE FROM resync_seen")
            self._conn.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [("cursor", ""), (_RESYNC_KEY, "1")]
            )

    def resyncing(self) -> bool:
        """True while a full re-read (after a 410) has not reached the end of the feed."""
        return self.get_meta(_RESYNC_KEY) == "1"

    def finish_resync(self) -> set[str]:
        """The re-read reached the end: drop cached enquiries it did not see (unless a local move is
        pending), end the re-read state. Returns the ids dropped."""
        with known_errors(self.path), transaction(self._conn):
            gone = {
                r[0]
                for r in self._conn.execute(
                    "SELECT id FROM enquiries WHERE pending = 0 AND id NOT IN (SELECT id FROM resync_seen)"
                )
            }
            self._conn.executemany("DELETE FROM enquiries WHERE id = ?", [(i,) for i in gone])
            self._conn.executemany("DELETE FROM messages WHERE enquiry_id = ?", [(i,) for i in gone])
            self._conn.execute("DROP TABLE resync_seen")
            self._conn.execute("DELETE FROM meta WHERE key = ?", (_RESYNC_KEY,))
        if gone:
            log.info("full re-read done: %d enquiries the server no longer has were dropped", len(gone))
        return gone

    # -- reference data and conversations --------------------------------------------------------
    def replace_reference(self, kind: str, raw_items: Sequence[Any], *, now: float = 0.0) -> bool:
        """Replace one kind of reference data; True when it changed. A bad item is quarantined and its
        previously cached version (if any) is kept."""
        table, parse = REFERENCE_TABLES[kind], REFERENCE_PARSERS[kind]
        source = f"reference:{kind}"
        good: dict[str, tuple[Any, ...]] = {}
        bad: list[tuple[str, str, Any]] = []
        for raw in raw_items:
            try:
                item = parse(raw)
            except wire.BadRecord as err:
                bad.append((record_id(raw), str(err), raw))
                continue
            good[item.id] = reference_row(kind, item, canonical_json(raw))
        conn = self._conn
        with known_errors(self.path), transaction(conn):
            cached = {r[0]: r for r in conn.execute(f"SELECT * FROM {table}")}  # noqa: S608
            for rid, _, _ in bad:
                if rid in cached and rid not in good:
                    good[rid] = tuple(cached[rid])
            changed = {k: tuple(v) for k, v in cached.items()} != good
            if changed:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608
                marks = ", ".join("?" * len(next(iter(good.values())))) if good else ""
                if good:
                    conn.executemany(f"INSERT INTO {table} VALUES ({marks})", good.values())  # noqa: S608
            conn.execute(
                "DELETE FROM quarantine WHERE source = ? AND record_id IN (SELECT value FROM json_each(?))",
                (source, json.dumps([k for k in good if k not in {b[0] for b in bad}])),
            )
            self._quarantine(bad, source, now)
        return changed

    def put_reference_item(self, kind: str, raw: Any, *, now: float = 0.0) -> bool:
        """One reference record the server sent back (e.g. an agent after a status change)."""
        try:
            item = REFERENCE_PARSERS[kind](raw)
        except wire.BadRecord as err:
            with known_errors(self.path), transaction(self._conn):
                self._quarantine([(record_id(raw), str(err), raw)], f"reference:{kind}", now)
            return False
        row = reference_row(kind, item, canonical_json(raw))
        table = REFERENCE_TABLES[kind]
        with known_errors(self.path), transaction(self._conn):
            marks = ", ".join("?" * len(row))
            self._conn.execute(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", row)  # noqa: S608
        return True

    def replace_messages(self, enquiry_id: str, raw_items: Sequence[Any], *, now: float = 0.0) -> int:
        """An enquiry's conversation, replaced whole. Returns how many messages were stored."""
        with known_errors(self.path), transaction(self._conn):
            stored, bad = replace_conversation(self._conn, enquiry_id, raw_items)
            self._quarantine(bad, "messages", now)
        return stored

    def apply_message_page(
        self, raw_items: Sequence[Any], next_cursor: str, *, now: float = 0.0
    ) -> tuple[set[str], set[str]]:
        """A page of the message feed and its cursor, in one transaction (console.store.messages)."""
        with known_errors(self.path), transaction(self._conn):
            grown, bad = write_message_page(self._conn, raw_items, next_cursor)
            self._quarantine(bad, "messages", now)
        return grown, damaged_enquiries(bad)

    def record_assignments(self, items: Iterable[Assignment]) -> None:
        with known_errors(self.path), transaction(self._conn):
            self._conn.executemany(INSERT_ASSIGNMENT, [assignment_row(a) for a in items])

    # -- local actions ---------------------------------------------------------------------------
    def queue_assignment(
        self, enquiry_id: str, team_id: str, agent_id: str | None, reason: str, actor: str, now: float
    ) -> int:
        """Optimistic move: local change + outbox row (new idempotency key) + audit row, one transaction."""
        with known_errors(self.path), transaction(self._conn):
            outbox_id = _queue_assignment(
                self._conn,
                enquiry_id=enquiry_id,
                team_id=team_id,
                agent_id=agent_id,
                reason=reason,
                actor=actor,
                now=now,
            )
        return outbox_id

    def queue_agent_status(self, agent_id: str, status: str, actor: str, now: float) -> int:
        with known_errors(self.path), transaction(self._conn):
            outbox_id = _queue_agent_status(
                self._conn, agent_id=agent_id, status=status, actor=actor, now=now
            )
        return outbox_id

    def mark_sent(self, outbox_id: int) -> OutboxItem:
        """Committed before each send: after a crash the same key is sent again and the server replays
        its first answer, so nothing happens twice."""
        with known_errors(self.path), transaction(self._conn):
            self._conn.execute(
                "UPDATE outbox SET state = 'sent', attempts = attempts + 1 WHERE id = ? AND state IN "
                "('pending', 'sent')",
                (outbox_id,),
            )
        item = self.outbox_item(outbox_id)
        if item is None:
            raise KeyError(f"no outbox item {outbox_id}")
        return item

    def note_outbox_error(self, outbox_id: int, error: str) -> None:
        """A send that did not get an answer: stays due, with the reason for the UI."""
        with known_errors(self.path), transaction(self._conn):
            self._conn.execute("UPDATE outbox SET last_error = ? WHERE id = ?", (error[:500], outbox_id))

    def resolve_outbox(
        self,
        outbox_id: int,
        state: str,
        *,
        now: float,
        message: str = "",
        winner: str | None = None,
        result: dict[str, Any] | None = None,
        enquiry: Enquiry | None = None,
        assignment: Assignment | None = None,
    ) -> OutboxResult:
        """Record an outcome (done | conflict | rejected | failed); the server's record, when given,
        replaces the optimistic one. Returns what to tell the UI."""
        item = self.outbox_item(outbox_id)
        if item is None:
            raise KeyError(f"no outbox item {outbox_id}")
        with known_errors(self.path), transaction(self._conn):
            _resolve(
                self._conn,
                item,
                state=state,
                now=now,
                message=message,
                result=result,
                enquiry=enquiry,
                assignment=assignment,
            )
        current = self.get(item.enquiry_id) if item.enquiry_id else None
        return OutboxResult(outbox_id, item.kind, item.enquiry_id, state, message, winner, current)

    def audit(self, *, at: float, actor: str, action: str, subject: str, detail: dict[str, Any]) -> int:
        """A supervisor action that changes nothing else (e.g. an export) still leaves a trace."""
        with known_errors(self.path), transaction(self._conn):
            seq = append_audit(self._conn, at=at, actor=actor, action=action, subject=subject, detail=detail)
        return seq
