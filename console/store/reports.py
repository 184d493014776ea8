"""The cache's side of shift reports: stored reports (written once per shift, never changed), the agents'
status log that sync keeps, and the queries that gather one shift's window of data.

Functions over a Store (writer) or StoreReader (any thread's reader), in the style of store_outbox: the
reader and writer classes stay small and this file owns its tables (migration v3 in store_schema).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import apsw

from console.domain import wire
from console.domain.batches import gc_paused
from console.domain.model import Agent, Assignment, Enquiry
from console.reports.codec import decode, encode
from console.reports.types import ReportFormatError, ShiftReport
from console.store.audit import append_audit
from console.store.rows import SELECT_ENQUIRY, enquiry_from_row
from console.store.schema import KnownError, known_errors, transaction

if TYPE_CHECKING:
    from console.store.cache import Store
    from console.store.reads import StoreReader

StatusInterval = tuple[str, str, float, float | None]  # as console.reports.compute takes it
# Enquiries created this long before a shift still count when one of their clocks falls due in it
# (resolution targets run to days of working time); older ones count only if open at the shift's start.
LOOKBACK_S = 7 * 86400.0
SYSTEM_ACTOR = "concierge"


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A row of the stored reports list (the report itself is read on demand)."""

    shift_id: str
    name: str
    start: float
    end: float
    generated_at: float
    sha256: str


# -- stored reports ----------------------------------------------------------------------------------
def pack_report(report: ShiftReport) -> tuple[bytes, bytes]:
    """(encoded text, compressed body): the slow part of storing a report, safe on any thread."""
    text = encode(report)
    return text, zlib.compress(text, 6)


def save_report(
    store: Store,
    report: ShiftReport,
    *,
    actor: str = SYSTEM_ACTOR,
    packed: tuple[bytes, bytes] | None = None,
) -> bool:
    """Store a shift's report once. True when stored now; False when that shift already has one (the
    first stays: reports are immutable). The audit trail records the report's digest in the same
    transaction, so a report edited later can be told from the one that was made. packed: the report's
    pack_report(), made off the writer's thread."""
    text, body = pack_report(report) if packed is None else packed
    digest = hashlib.sha256(text).hexdigest()
    conn = store._conn
    with known_errors(store.path), transaction(conn):
        conn.execute(
            'INSERT OR IGNORE INTO shift_reports (shift_id, name, start, "end", generated_at, schema, '
            "sha256, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report.shift_id,
                report.shift_name,
                report.start,
                report.end,
                report.generated_at,
                report.schema,
                digest,
                body,
            ),
        )
        if conn.changes() == 0:
            return False
        append_audit(
            conn,
            at=report.generated_at,
            actor=actor,
            action="report.stored",
            subject=report.shift_id,
            detail={"sha256": digest, "start": report.start, "end": report.end},
        )
    return True


@dataclass(frozen=True, slots=True)
class Amendment:
    """What changed in a stored report's figures after its cut-off (late data, or events since), found at
    detected_at (the service's clock). The stored report itself never changes."""

    shift_id: str
    detected_at: float
    changes: tuple[tuple[str, Any, Any], ...]  # (figure, in the stored report, counting everything known)


def save_amendment(store: Store, amendment: Amendment, *, actor: str = SYSTEM_ACTOR) -> None:
    """Record an amendment in the audit trail (append-only, chained): never folded into the report."""
    with known_errors(store.path), transaction(store._conn):
        append_audit(
            store._conn,
            at=amendment.detected_at,
            actor=actor,
            action="report.amended",
            subject=amendment.shift_id,
            detail={"changes": [list(c) for c in amendment.changes]},
        )


def report_amendments(reader: StoreReader, shift_id: str) -> list[Amendment]:
    """A stored report's amendments, oldest first."""
    rows = reader._rows(
        "SELECT at, detail FROM audit WHERE action = 'report.amended' AND subject = ? ORDER BY seq",
        (shift_id,),
    )
    out = []
    for at, detail in rows:
        changes = tuple((str(k), old, new) for k, old, new in json.loads(detail).get("changes", []))
        out.append(Amendment(shift_id, float(at), changes))
    return out


def amendment_words(amendments: Sequence[Amendment], when: Callable[[float], str]) -> str:
    """The latest amendment as a sentence ('' when none): the stored figures stay as of the cut-off."""
    if not amendments:
        return ""
    last = amendments[-1]
    parts = [f"{name.replace('_', ' ')} {_figure(old)} → {_figure(new)}" for name, old, new in last.changes]
    return f"Amended after its cut-off (found {when(last.detected_at)}): {'; '.join(parts)}."


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return "n/a" if value is None else f"{value:,}" if isinstance(value, int) else str(value)


def has_report(reader: StoreReader, shift_id: str) -> bool:
    return bool(reader._rows("SELECT 1 FROM shift_reports WHERE shift_id = ?", (shift_id,)))


def stored_reports(reader: StoreReader) -> list[StoredReport]:
    """Every stored report, newest shift first."""
    rows = reader._rows(
        'SELECT shift_id, name, start, "end", generated_at, sha256 FROM shift_reports '
        "ORDER BY start DESC, shift_id"
    )
    return [StoredReport(*r) for r in rows]


def load_report(reader: StoreReader, shift_id: str) -> ShiftReport | None:
    """The stored report of a shift, or None when it has none. A row that fails its digest or cannot be
    read back raises KnownError naming the shift: a damaged report is never shown as if it were fine."""
    rows = reader._rows("SELECT sha256, body FROM shift_reports WHERE shift_id = ?", (shift_id,))
    if not rows:
        return None
    digest, body = rows[0]
    try:
        text = zlib.decompress(body)
    except zlib.error:
        raise KnownError(f"the stored report of shift {shift_id!r} is damaged (cannot be unpacked)") from None
    if hashlib.sha256(text).hexdigest() != digest:
        raise KnownError(f"the stored report of shift {shift_id!r} does not match its digest")
    try:
        with gc_paused():  # tens of thousands of row objects: no collector passes over them meanwhile
            return decode(text)
    except ReportFormatError as e:
        raise KnownError(f"the stored report of shift {shift_id!r} cannot be read: {e}") from None


def verify_reports(reader: StoreReader) -> list[str]:
    """Stored reports that no longer match what was stored: the body against its digest, and the digest
    against the one the audit trail recorded when it was stored. Empty when all are intact."""
    recorded: dict[str, str] = {}
    for subject, detail in reader._rows("SELECT subject, detail FROM audit WHERE action = 'report.stored'"):
        recorded.setdefault(subject, json.loads(detail).get("sha256", ""))
    problems = []
    for shift_id, digest, body in reader._rows(
        "SELECT shift_id, sha256, body FROM shift_reports ORDER BY start"
    ):
        try:
            actual = hashlib.sha256(zlib.decompress(body)).hexdigest()
        except zlib.error:
            actual = "unreadable"
        if shift_id not in recorded:
            # The report is whole but the trail no longer says it was stored: the trail was cut.
            problems.append(f"the audit trail has no record of storing the report of shift {shift_id}")
        elif actual != digest or recorded[shift_id] != digest:
            problems.append(f"the stored report of shift {shift_id} was changed after it was stored")
    return problems


# -- a shift's window of data ------------------------------------------------------------------------
def window_enquiries(
    reader: StoreReader, start: float, end: float, *, lookback_s: float = LOOKBACK_S
) -> list[Enquiry]:
    """Enquiries that can figure in a report of [start, end): created in it, open at its start (closed
    since or not), resolved in it, or created in the look-back before it (a clock can fall due in the
    shift after the enquiry was closed)."""
    # One index range per condition (an OR over them scanned the whole table: ~1 s at 1M rows, 0.13 s so).
    sql = SELECT_ENQUIRY + (  # noqa: S608 (constant text; values are bound)
        " WHERE id IN ("
        "SELECT id FROM enquiries WHERE created_at >= :lb AND created_at < :end UNION ALL "
        "SELECT id FROM enquiries INDEXED BY enq_closed_updated WHERE is_open = 1 AND created_at < :lb "
        "UNION ALL "
        "SELECT id FROM enquiries INDEXED BY enq_resolved WHERE resolved_at IS NULL AND created_at < :lb "
        "UNION ALL "
        "SELECT id FROM enquiries INDEXED BY enq_resolved WHERE resolved_at >= :start AND created_at < :lb)"
    )
    lb = min(start - lookback_s, end)
    with gc_paused():
        return [enquiry_from_row(r) for r in reader._rows(sql, {"start": start, "end": end, "lb": lb})]


def window_assignments(reader: StoreReader, start: float, end: float) -> list[Assignment]:
    """Moves made in [start, end), in time order."""
    sql = (
        "SELECT id, enquiry_id, from_team, from_agent, to_team, to_agent, reason, actor, at, result "
        "FROM assignments WHERE at >= ? AND at < ? ORDER BY at, id"
    )
    return [Assignment(*r) for r in reader._rows(sql, (start, end))]


def status_log(reader: StoreReader, start: float, end: float) -> list[StatusInterval]:
    """Status intervals overlapping [start, end): (agent_id, status, from_ts, to_ts or None if current)."""
    sql = (
        "SELECT agent_id, status, from_ts, to_ts FROM agent_status_log "
        "WHERE from_ts < ? AND (to_ts IS NULL OR to_ts > ?) ORDER BY agent_id, from_ts, id"
    )
    return [(a, s, f, t) for a, s, f, t in reader._rows(sql, (end, start))]


# -- the status log ----------------------------------------------------------------------------------
def log_agent_statuses(store: Store, raw_agents: Sequence[Any], *, now: float) -> int:
    """Compare the agents the API just sent with the log's open intervals and record what changed:
    the old interval ends and a new one starts when the status changed (at the API's status_since when
    it is sensible, else now); an agent no longer listed is closed at now. Returns the changes made.
    Records that do not parse are left to replace_reference's quarantine."""
    with known_errors(store.path), transaction(store._conn):
        changes = _log(store._conn, _parsed_agents(raw_agents), now)
    return changes


def _log(conn: apsw.Connection, agents: Iterable[Agent], now: float) -> int:
    # The log, not the agents table, is compared: a confirmed local status change updates the agents
    # table at once (put_reference_item) and would otherwise never reach the log.
    open_rows = {
        a: (i, s, f)
        for i, a, s, f in conn.execute(
            "SELECT id, agent_id, status, from_ts FROM agent_status_log WHERE to_ts IS NULL"
        )
    }
    changes, seen = 0, set()
    for a in agents:
        seen.add(a.id)
        held = open_rows.get(a.id)
        # Same status, same since: nothing happened. Same status from a later since: it changed and
        # changed back between two syncs (the unseen interval stays with the status held before).
        if held is not None and held[1] == a.status and not held[2] < a.status_since <= now:
            continue
        since = a.status_since if 0 < a.status_since <= now else now
        if held is not None:
            since = max(since, held[2])  # never before the interval it ends
            conn.execute("UPDATE agent_status_log SET to_ts = ? WHERE id = ?", (since, held[0]))
        conn.execute(
            "INSERT INTO agent_status_log (agent_id, status, from_ts, to_ts) VALUES (?, ?, ?, NULL)",
            (a.id, a.status, since),
        )
        changes += 1
    for agent_id, (row_id, _, from_ts) in open_rows.items():
        if agent_id not in seen:
            conn.execute("UPDATE agent_status_log SET to_ts = ? WHERE id = ?", (max(now, from_ts), row_id))
            changes += 1
    return changes


def replace_agents(store: Store, raw_agents: Sequence[Any], *, now: float) -> bool:
    """sync's hook: the status log and the agents table change in one transaction (the inner
    transactions nest as savepoints), so a crash never leaves one without the other."""
    with known_errors(store.path), transaction(store._conn):
        _log(store._conn, _parsed_agents(raw_agents), now)
        changed = store.replace_reference("agents", raw_agents, now=now)
    return changed


def replace_reference_logged(store: Store, kind: str, raw_items: Sequence[Any], *, now: float) -> bool:
    """Store.replace_reference, with the agents' status log kept when the kind is agents."""
    if kind == "agents":
        return replace_agents(store, raw_items, now=now)
    return store.replace_reference(kind, raw_items, now=now)


def _parsed_agents(raw_agents: Sequence[Any]) -> list[Agent]:
    out = []
    for raw in raw_agents:
        try:
            out.append(wire.agent_from_wire(raw))
        except wire.BadRecord:
            continue
    return out


# -- the audit trail, for compliance -----------------------------------------------------------------
def audit_lines(reader: StoreReader) -> Iterable[str]:
    """The audit trail as JSON lines (times in ISO 8601 UTC), each with its chain hashes so a reader
    can re-check the chain without the cache."""
    with known_errors(reader.path):
        rows = reader._conn.execute(
            "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq"
        )
        for seq, at, actor, action, subject, detail, prev_hash, digest in rows:
            yield json.dumps(
                {
                    "seq": seq,
                    "at": wire.iso(at),
                    "at_epoch": at,
                    "actor": actor,
                    "action": action,
                    "subject": subject,
                    "detail": json.loads(detail),
                    "prev_hash": prev_hash,
                    "hash": digest,
                },
                ensure_ascii=False,
                sort_keys=True,
            )
