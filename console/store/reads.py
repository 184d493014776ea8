"""Read side of the cache. The UI opens a StoreReader (its own read-only connection on the same WAL
file); the sync thread's Store inherits these queries for its own connection."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Self, TypeVar

import apsw

from console.courtesy import paced
from console.domain import wire
from console.domain.batches import gc_paused
from console.domain.complaints.status import Decision
from console.domain.model import (
    Agent,
    Assignment,
    Calendar,
    ChannelInfo,
    Enquiry,
    Message,
    Shift,
    SLAPolicy,
    Team,
)
from console.sla.kept import KeptRow
from console.store.audit import AuditEntry, verify_audit
from console.store.kept import (
    CLOCKS_VERSION_KEY,
    KEPT_CLOCKS,
    KEPT_TEXTS,
    LATEST_DUE_KEPT,
    SOONEST_KEPT,
    TEXTS_VERSION_KEY,
    kept_version,
    read_clocks,
    read_previews,
)
from console.store.outbox import OUTBOX_COLUMNS, UNRESOLVED, OutboxItem, item_from_row
from console.store.rows import (
    SELECT_ENQUIRY,
    decision_from_json,
    enquiry_from_row,
    forget_shared,
)
from console.store.schema import (
    OPEN_FIRST_KEY,
    SCHEMA_VERSION,
    KnownError,
    SchemaBehind,
    connect,
    known_errors,
    user_version,
)

# Walked in order from its index (the planner would sort every open row instead: ~140 ms at 100k open);
# the page's full rows are then read by id. Built from constants, never from input.
OPEN_FIRST_IDS = (
    f"SELECT id FROM enquiries INDEXED BY enq_open_first WHERE is_open = 1 ORDER BY {OPEN_FIRST_KEY} LIMIT ?"  # noqa: S608
)
# The open ids first (from the is_open index), then their rows by primary key in id order: ~0.1 s less
# at 100k open than reading them in the index's order (the lookups walk the table once, in its order, and
# the rows need no sort by id afterwards).
OPEN_BY_ID = SELECT_ENQUIRY + " WHERE id IN (SELECT id FROM enquiries WHERE is_open = 1)"  # noqa: S608
RISK_CONTACTS = "SELECT customer_handle, created_at FROM enquiries"
RISK_CLOSED_CONTACTS = RISK_CONTACTS + " WHERE is_open = 0"
RISK_MESSAGES = (
    "SELECT m.enquiry_id, m.sent_at, m.text FROM messages m JOIN enquiries e ON e.id = m.enquiry_id "
    "WHERE e.is_open = 1 AND m.direction = 'in'"
)
RISK_MESSAGES_OF = (  # of the enquiries in a JSON list; CROSS JOIN keeps SQLite from walking every
    # open enquiry to find a few (its planner's choice for the IN form: 100k index probes a call)
    "SELECT m.enquiry_id, m.sent_at, m.text FROM (SELECT DISTINCT value FROM json_each(?)) j "
    "CROSS JOIN messages m ON m.enquiry_id = j.value CROSS JOIN enquiries e ON e.id = m.enquiry_id "
    "WHERE e.is_open = 1 AND m.direction = 'in'"
)
CONVERSATIONS_OF = (  # whole conversations of the enquiries in a JSON list, each in its order
    "SELECT m.id, m.enquiry_id, m.direction, m.author, m.text, m.sent_at, m.channel, m.visibility "
    "FROM (SELECT DISTINCT value FROM json_each(?)) j CROSS JOIN messages m ON m.enquiry_id = j.value "
    "ORDER BY m.enquiry_id, m.sent_at, m.id"
)
T = TypeVar("T")

REFERENCE_TABLES = {
    "teams": "teams",
    "agents": "agents",
    "channels": "channels",
    "sla-policies": "sla_policies",
    "calendars": "calendars",
    "shifts": "shifts",
}


_INDEX_HINT = re.compile(r" INDEXED BY \w+")


class StoreReader:
    """Queries over the cache. Thread-confined: one instance per thread."""

    def __init__(self, path: str | Path, key: str | bytes, *, _readonly: bool = True) -> None:
        self.path = Path(path)
        if _readonly and not self.path.exists():
            raise KnownError(f"no cache at {self.path} yet: sync first")
        self._conn = connect(self.path, key, readonly=_readonly)
        if _readonly:
            with known_errors(self.path):
                found = user_version(self._conn)
            if found != SCHEMA_VERSION:
                self._conn.close()
                if found < SCHEMA_VERSION:
                    raise SchemaBehind(
                        f"the cache at {self.path} was written by an older Concierge (schema {found}, this "
                        f"one reads {SCHEMA_VERSION}): a sync or the console brings it up to date"
                    )
                raise KnownError(f"the cache at {self.path} has schema {found}, expected {SCHEMA_VERSION}")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, args: tuple[Any, ...] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        with known_errors(self.path):
            return self._query(sql, args).fetchall()

    def _query(self, sql: str, args: tuple[Any, ...] | dict[str, Any] = ()) -> apsw.Cursor:
        """A read. One that names its index (INDEXED BY) runs without the hint while an initial sync has
        the indexes dropped (Store.begin_bulk): right, only slower, as begin_bulk promises. SQLite
        refuses a hint to a missing index outright, and a wallboard's figures failed on it."""
        try:
            return self._conn.execute(sql, args)
        except apsw.SQLError as e:
            if "no such index" not in str(e):
                raise
            return self._conn.execute(_INDEX_HINT.sub("", sql), args)

    # -- enquiries -------------------------------------------------------------------------------
    def load_open(self) -> list[Enquiry]:
        """Every open enquiry, by id."""
        # Row by row from the cursor, not fetchall(): 100k raw rows held at once before conversion left
        # ~100 MB of freed but fragmented memory behind.
        with gc_paused(), known_errors(self.path):
            cursor = self._conn.execute(OPEN_BY_ID)
            rows = [enquiry_from_row(r) for r in paced(cursor)]  # on a worker: it gives way to a paint
        forget_shared()  # the rows share what repeats now; the tables' own memory (~2 MB) goes
        return rows

    def load_open_kept(
        self, clocks: str, seed: Callable[[Iterable[tuple[Enquiry, KeptRow]]], object], texts: str | None
    ) -> tuple[list[Enquiry], list[str | None]]:
        """Every open enquiry (by id), with what an earlier start kept for it (console.store.kept): its
        clock timed under the SLA rules' version `clocks`, handed to seed with its enquiry (which judges
        whether it still holds), and beside it its filter text made under the text's version `texts`
        (None where none is kept for its version, team and agent)."""
        rows = self.load_open()
        hays: list[str | None] = [None] * len(rows)
        kept_clocks = self.clocks_kept(clocks)
        kept_texts = texts is not None and self._kept(TEXTS_VERSION_KEY) == texts
        if not (kept_clocks or kept_texts):
            return rows, hays
        # Each kept table read whole in its own order, not joined to the enquiries: a join's lookups
        # jump about a table of 100k, and with the enquiries' pages they outgrow the page cache, whose
        # every miss is a page decrypted again (the read took ~1.5 times as long).
        at = {e.id: i for i, e in enumerate(rows)}
        with gc_paused(), known_errors(self.path):
            if kept_clocks:
                kept = paced(self._conn.execute(KEPT_CLOCKS))
                seed((rows[i], k) for k in kept if (i := at.get(k[0])) is not None)
            texts_kept = self._conn.execute(KEPT_TEXTS) if kept_texts else ()
            for ident, version, team, agent, hay in paced(texts_kept):
                i = at.get(ident)
                if (
                    i is not None
                    and (e := rows[i]).version == version
                    and e.team_id == team
                    and e.agent_id == agent
                ):
                    hays[i] = hay
        return rows, hays

    def previews(self, version: str, digests: Iterable[bytes] | None = None) -> dict[bytes, str]:
        """The queue's masked previews an earlier start kept (of these digests, or all), by text digest
        (console.store.kept)."""
        with known_errors(self.path):
            return read_previews(self._conn, version, digests)

    def load_open_first(
        self, limit: int, clocks: str | None = None, now: float = 0.0, calendars: Iterable[str] = ()
    ) -> list[Enquiry]:
        """The first screenful, read from indexes before every row is. With clocks an earlier start
        kept (under the SLA rules' version `clocks`): the open enquiries whose clocks fall due soonest
        from `now` in each of `calendars` (limit / 20 each), and the most recently due before it (limit
        / 4): the heads of the SLA column's two blocks (console.store.kept). Then, to `limit` in all,
        those whose running clock most likely started first (unanswered by their first message, waiting
        by the last customer message, else by creation a day later: OPEN_FIRST), which stand in for the
        clocks no start has kept (new or changed since). In that order, each once."""
        ids: list[tuple[Any, ...]] = []
        if self.clocks_kept(clocks):
            for calendar in calendars:
                ids += self._rows(SOONEST_KEPT, (calendar, now, max(1, limit // 20)))
            ids += self._rows(LATEST_DUE_KEPT, (now, limit // 4))
        ids += self._rows(OPEN_FIRST_IDS, (max(0, limit - len(ids)),))
        order: dict[str, int] = {}
        for (i,) in ids:  # in the order listed, once each
            order.setdefault(i, len(order))
        sql = SELECT_ENQUIRY + " WHERE id IN (SELECT value FROM json_each(?))"  # noqa: S608
        found = self._rows(sql, (json.dumps(list(order)),))
        found.sort(key=lambda r: order[r[0]])
        return [enquiry_from_row(r) for r in found]

    def clocks_kept(self, version: str | None) -> bool:
        """Whether the SLA clocks an earlier start kept were timed under the rules' `version`."""
        return version is not None and self._kept(CLOCKS_VERSION_KEY) == version

    def _kept(self, key: str) -> str | None:
        with known_errors(self.path):
            return kept_version(self._conn, key)

    def clocks(self, version: str, ids: Iterable[str] | None = None) -> dict[str, tuple[Any, ...]]:
        """The SLA clocks an earlier start kept under the rules' `version` (console.store.kept), of the
        enquiries `ids`, or all."""
        with known_errors(self.path):
            return read_clocks(self._conn, version, ids)

    def get(self, enquiry_id: str) -> Enquiry | None:
        rows = self._rows(SELECT_ENQUIRY + " WHERE id = ?", (enquiry_id,))
        return enquiry_from_row(rows[0]) if rows else None

    def by_ids(self, ids: Iterable[str]) -> dict[str, Enquiry]:
        sql = SELECT_ENQUIRY + " WHERE id IN (SELECT value FROM json_each(?))"  # noqa: S608
        found = (enquiry_from_row(r) for r in self._rows(sql, (json.dumps(list(ids)),)))
        return {e.id: e for e in found}

    def versions(self, ids: Iterable[str]) -> dict[str, int]:
        sql = "SELECT id, version FROM enquiries WHERE id IN (SELECT value FROM json_each(?))"
        return {i: v for i, v in self._rows(sql, (json.dumps(list(ids)),))}

    def pending_ids(self) -> set[str]:
        """Enquiries showing a local move the server has not confirmed yet."""
        return {r[0] for r in self._rows("SELECT id FROM enquiries WHERE pending = 1")}

    def customer_history(self, handle: str, limit: int = 50) -> list[Enquiry]:
        sql = SELECT_ENQUIRY + " WHERE customer_handle = ? ORDER BY created_at DESC LIMIT ?"
        return [enquiry_from_row(r) for r in self._rows(sql, (handle, limit))]

    def enquiry_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM enquiries")[0][0])

    def live_rows(self, since: float) -> Iterator[Enquiry]:
        """Open enquiries and those changed since `since` (what live figures need), streamed; two index
        ranges, so a year of closed history is never read."""
        sql = SELECT_ENQUIRY + (  # noqa: S608 (constant text; values are bound)
            " WHERE id IN (SELECT id FROM enquiries INDEXED BY enq_closed_updated WHERE is_open = 1"
            " UNION ALL SELECT id FROM enquiries INDEXED BY enq_closed_updated"
            " WHERE is_open = 0 AND updated_at >= ?)"
        )
        with known_errors(self.path):
            for r in self._query(sql, (since,)):
                yield enquiry_from_row(r)

    def export_rows(self) -> Iterator[Enquiry]:
        """Every cached enquiry, by id, streamed (memory stays flat for any cache size)."""
        with known_errors(self.path):
            for r in self._conn.execute(SELECT_ENQUIRY + " ORDER BY id"):
                yield enquiry_from_row(r)

    def counts_by_channel(self) -> dict[tuple[str, str], int]:
        """Open enquiries per (channel, visibility), for the navigator."""
        sql = "SELECT channel, visibility, count(*) FROM enquiries WHERE is_open = 1 GROUP BY 1, 2"
        return {(c, v): n for c, v, n in self._rows(sql)}

    def counts_by_team(self) -> dict[str | None, int]:
        sql = "SELECT team_id, count(*) FROM enquiries WHERE is_open = 1 GROUP BY 1"
        return {t: n for t, n in self._rows(sql)}

    def messages(self, enquiry_id: str) -> list[Message]:
        sql = (
            "SELECT id, enquiry_id, direction, author, text, sent_at, channel, visibility FROM messages "
            "WHERE enquiry_id = ? "
        )
        return [Message(*r) for r in self._rows(sql + "ORDER BY sent_at, id", (enquiry_id,))]

    def conversations(self, ids: Iterable[str]) -> dict[str, list[Message]]:
        """The whole conversations of these enquiries, oldest message first, in one query (thousands of
        confirmed complaints or resolved enquiries: not a query each); an enquiry with no message held
        is left out."""
        out: dict[str, list[Message]] = {}
        for r in self._rows(CONVERSATIONS_OF, (json.dumps(list(ids)),)):
            m = Message(*r)
            out.setdefault(m.enquiry_id, []).append(m)
        return out

    def risk_contacts(self, *, closed_only: bool = False) -> list[tuple[str, float]]:
        """(handle, created_at) of every cached enquiry (or of the closed ones, for a caller that holds
        the open ones already: their strings and times are then shared): repeat contacts for the
        escalation-risk score."""
        sql = RISK_CLOSED_CONTACTS if closed_only else RISK_CONTACTS
        return [(h, t) for h, t in self._rows(sql)]

    def risk_messages(self, ids: Iterable[str] | None = None) -> list[tuple[str, float, str]]:
        """(enquiry id, sent_at, text) of the customer messages of the open enquiries held in the cache
        (of these enquiries only, when given): the sentiment trend of the escalation-risk score."""
        if ids is None:
            return [(i, t, x) for i, t, x in self._rows(RISK_MESSAGES)]
        return [(i, t, x) for i, t, x in self._rows(RISK_MESSAGES_OF, (json.dumps(list(ids)),))]

    def assignments(self, enquiry_id: str) -> list[Assignment]:
        sql = (
            "SELECT id, enquiry_id, from_team, from_agent, to_team, to_agent, reason, actor, at, result "
            "FROM assignments WHERE enquiry_id = ? ORDER BY at, id"
        )
        return [Assignment(*r) for r in self._rows(sql, (enquiry_id,))]

    # -- reference data --------------------------------------------------------------------------
    def _reference(self, kind: str, parse: Callable[[Any], T]) -> list[T]:
        rows = self._rows(f"SELECT json FROM {REFERENCE_TABLES[kind]} ORDER BY id")  # noqa: S608
        return [parse(json.loads(r[0])) for r in rows]

    def teams(self) -> list[Team]:
        return self._reference("teams", wire.team_from_wire)

    def agents(self) -> list[Agent]:
        agents = self._reference("agents", wire.agent_from_wire)
        # A status change queued locally shows at once (the status column), before the server confirms.
        status = dict(self._rows("SELECT id, status FROM agents"))
        for a in agents:
            a.status = status.get(a.id, a.status)
        return agents

    def channels(self) -> list[ChannelInfo]:
        return self._reference("channels", wire.channel_from_wire)

    def policies(self) -> list[SLAPolicy]:
        return sorted(self._reference("sla-policies", wire.policy_from_wire), key=lambda p: (p.rank, p.id))

    def calendars(self) -> list[Calendar]:
        return self._reference("calendars", wire.calendar_from_wire)

    def shifts(self) -> list[Shift]:
        return sorted(self._reference("shifts", wire.shift_from_wire), key=lambda s: (s.start, s.id))

    # -- sync state, outbox, quarantine, audit ---------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def cursor(self) -> str:
        return self.get_meta("cursor") or ""

    def outbox_pending(self) -> list[OutboxItem]:
        sql = f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state IN (?, ?) ORDER BY id"  # noqa: S608
        return [item_from_row(r) for r in self._rows(sql, UNRESOLVED)]

    def outbox_items(self, limit: int = 1000) -> list[OutboxItem]:
        """The newest outbox items in any state (for an outbox panel), newest first."""
        sql = f"SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?"  # noqa: S608
        return [item_from_row(r) for r in self._rows(sql, (limit,))]

    def outbox_item(self, outbox_id: int) -> OutboxItem | None:
        rows = self._rows(f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?", (outbox_id,))  # noqa: S608
        return item_from_row(rows[0]) if rows else None

    def quarantine_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM quarantine")[0][0])

    def quarantine(self, source: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT source, record_id, reason, raw, first_seen, last_seen, count FROM quarantine"
        rows = self._rows(sql + " WHERE source = ?", (source,)) if source else self._rows(sql)
        keys = ("source", "record_id", "reason", "raw", "first_seen", "last_seen", "count")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def complaint_decisions(self) -> dict[str, Decision]:
        """The complaint decision in force per enquiry (console.domain.complaints.status.effective_decision):
        this console's own while still in the outbox, else the service's copy on the enquiry (the same
        in every console), else this console's own (kept from its audit trail by the schema)."""
        local = {
            r[0]: Decision(str(r[0]), str(r[1]), float(r[2]), str(r[3]), bool(r[4]))
            for r in self._rows(
                "SELECT d.enquiry_id, d.decision, d.at, d.actor, EXISTS (SELECT 1 FROM outbox o "
                "WHERE o.enquiry_id = d.enquiry_id AND o.kind = 'complaint' "
                "AND o.state IN ('pending', 'sent')) FROM complaint_decisions d"
            )
        }
        decided = self._rows(
            "SELECT id, complaint_decision FROM enquiries WHERE complaint_decision IS NOT NULL"
        )
        out = {k: v for k, v in local.items() if v.pending}
        for ident, text in decided:
            if ident not in out:
                c = decision_from_json(text)
                out[ident] = Decision(ident, c.decision, c.decided_at, c.decided_by)
        for ident, d in local.items():
            out.setdefault(ident, d)
        return out

    def audit_entries(self) -> list[AuditEntry]:
        rows = self._rows(
            "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq"
        )
        return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows]

    def verify_audit(self) -> int | None:
        with known_errors(self.path):
            return verify_audit(self._conn)
