"""At each shift's end, compute its report and store it (once). close_ended_shifts is called now and then
by whoever owns the writing Store (the sync loop, the session, a headless job): it decides nothing from
the wall clock itself, so it is driven by the server's time and tested with any `now`.

Shift definitions come from the Service API (/v1/shifts, cached by sync) and from local settings:
`"shifts": [{"id": ..., "name": ..., "site": ..., "start": ISO, "end": ISO, "team_ids": [...]}]` in the
settings file (kept by Settings.extra), for sites whose API has none. An API shift wins over a local one
with the same id.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.domain import wire
from console.domain.batches import gc_paused
from console.domain.complaints.rules import DEFAULT_JURISDICTION, default_rules
from console.domain.complaints.status import complaints_calendar
from console.domain.model import Calendar, Enquiry, Message, Shift, Team
from console.reports.care.consumer_duty import Clocks, compute_consumer_duty
from console.reports.care.quality import compute_quality
from console.reports.complaints import complaint_stats, known_letters
from console.reports.cutoff import as_of
from console.reports.shift_report import ShiftReport, compute_shift_report
from console.sla.complaint_clocks import ComplaintClocks
from console.sla.engine import SlaEngine
from console.store.messages import MESSAGE_CURSOR
from console.store.reports import (
    Amendment,
    has_report,
    load_report,
    pack_report,
    report_amendments,
    save_amendment,
    save_report,
    status_log,
    stored_reports,
    window_assignments,
    window_enquiries,
)
from console.store.schema import KnownError

if TYPE_CHECKING:
    from console.store.cache import Store
    from console.store.reads import StoreReader

log = logging.getLogger("concierge.reports")
T = TypeVar("T")


class Writer(Protocol):
    """Runs fn(store) where the cache's one writer lives and returns its result: at once, on the thread
    that owns the Store (direct), or as a job of the sync thread (console.sync.report_thread)."""

    def __call__(self, fn: Callable[[Store], T], /) -> T: ...


def _set_meta(key: str, value: str) -> Callable[[Store], None]:
    return lambda store: store.set_meta(key, value)


def direct(store: Store) -> Writer:
    def write(fn: Callable[[Store], T]) -> T:
        return fn(store)

    return write


# A shift that ended longer ago than this gets no report computed late: the cache may no longer hold
# what happened in it, and a first start on an old cache should not compute weeks of reports.
MAX_AGE_S = 7 * 86400.0
# Wait this long after a shift's end before closing it: replies sent at the last minute reach the cache.
GRACE_S = 120.0
SALT_KEY = "report_handle_salt"
# A stored report is compared with everything the cache knows, at most every AMEND_EVERY_S, for
# AMEND_WINDOW_S after its cut-off: what changed is recorded as an amendment (late replies, resolutions).
AMEND_EVERY_S = 900.0
AMEND_WINDOW_S = 86400.0


@dataclass(slots=True)
class CloseResult:
    stored: list[str] = field(default_factory=list)  # shift ids whose report was stored now
    problems: list[str] = field(default_factory=list)  # e.g. a local shift definition that is wrong


def local_shifts(extra: Mapping[str, Any]) -> tuple[list[Shift], list[str]]:
    """Shifts set in the settings file (Settings.extra["shifts"]); problems say which entry is wrong."""
    raw = extra.get("shifts")
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], ["settings: 'shifts' should be a list of shifts"]
    shifts, problems = [], []
    for i, item in enumerate(raw):
        try:
            shift = wire.shift_from_wire(item)
        except wire.BadRecord as e:
            problems.append(f"settings: shift {i + 1}: {e}")
            continue
        shifts.append(shift)
    return shifts, problems


def all_shifts(reader: StoreReader, extra: Mapping[str, Any] | None = None) -> tuple[list[Shift], list[str]]:
    """The API's shifts (from the cache) and the local ones, by start time."""
    local, problems = local_shifts(extra or {})
    by_id = {s.id: s for s in local}
    by_id.update({s.id: s for s in reader.shifts()})
    return sorted(by_id.values(), key=lambda s: (s.start, s.id)), problems


def report_zone(teams: Sequence[Team], calendars: Iterable[Calendar]) -> str:
    """The zone a report's times are printed in: the social team's calendar zone, else UTC."""
    zones = {c.id: c.timezone for c in calendars}
    for team in sorted(teams, key=lambda t: t.kind != "social"):
        zone = zones.get(team.calendar_id)
        if not zone:
            continue
        try:
            ZoneInfo(zone)
        except (ValueError, ZoneInfoNotFoundError):
            continue
        return zone
    return "UTC"


def _salt(reader: StoreReader, write: Writer) -> str:
    return reader.get_meta(SALT_KEY) or write(handle_salt)


def handle_salt(store: Store) -> str:
    """The salt for masked handles in reports, made once and kept in the (encrypted) cache. A site whose
    consoles must make byte-identical reports sets its own in the settings file ("report_handle_salt",
    copied into the cache by close_shifts_quietly): a salt per cache masks the same handle differently."""
    salt = store.get_meta(SALT_KEY)
    if not salt:
        salt = secrets.token_hex(16)
        store.set_meta(SALT_KEY, salt)
    return salt


def build_report(
    reader: StoreReader,
    shift: Shift,
    generated_at: float,
    *,
    salt: str = "",
    data_cutoff: float | None = None,
    jurisdiction: str = DEFAULT_JURISDICTION,
) -> ShiftReport:
    """One shift's report from what the cache holds (no network). data_cutoff: count what had happened
    by then (the shift's end plus the grace, for a closed shift); None: all the cache holds.
    jurisdiction: whose complaint clocks the complaint figures count."""
    teams = reader.teams()
    calendars = {c.id: c for c in reader.calendars()}
    engine = SlaEngine(reader.policies(), calendars, {t.id: t for t in teams})
    enquiries = window_enquiries(reader, shift.start, shift.end)
    rules = default_rules().jurisdiction(jurisdiction)
    regulator = ComplaintClocks(rules, complaints_calendar(teams, calendars))
    seen = enquiries if data_cutoff is None else [as_of(e, data_cutoff) for e in enquiries]
    cutoff = max(shift.start, min(shift.end, generated_at))
    decided = reader.complaint_decisions()
    if data_cutoff is not None:  # a decision made after the cut-off does not change a closed shift's report
        decided = {i: d for i, d in decided.items() if d.at <= data_cutoff}
    # The communications sent count only where every conversation is held (the message feed is
    # followed): otherwise they would depend on which conversations a supervisor happened to open.
    letters = None
    if reader.get_meta(MESSAGE_CURSOR) is not None:
        letters = known_letters(
            seen,
            decided,
            lambda ids: {i: sent_by(m, data_cutoff) for i, m in reader.conversations(ids).items()},
        )
    complaints = complaint_stats(
        seen, decided, regulator, shift.start, cutoff, shift.team_ids, letters=letters
    )
    report = compute_shift_report(
        shift,
        seen,
        window_assignments(reader, shift.start, shift.end),
        status_log(reader, shift.start, shift.end),
        reader.agents(),
        teams,
        engine,
        generated_at,
        handle_salt=salt,
        data_cutoff=data_cutoff,
        complaints=complaints,
        taken_back=True,  # seen: each enquiry taken back to the cut-off once, for every section
    )
    return with_care_sections(reader, report, seen, engine, teams, data_cutoff)


def with_care_sections(
    reader: StoreReader,
    report: ShiftReport,
    enquiries: list[Enquiry],
    engine: Clocks,
    teams: list[Team],
    data_cutoff: float | None,
) -> ShiftReport:
    """The report with its Consumer Duty and quality sections (issue 17), over the same enquiries, as
    the report counts them (taken back to data_cutoff when there is one)."""
    names = {t.id: t.name for t in teams}
    start, cutoff = report.start, report.cutoff
    duty = compute_consumer_duty(
        enquiries, engine, team_ids=report.team_ids, start=start, end=report.end, cutoff=cutoff
    )
    resolved = [e.id for e in enquiries if e.resolved_at is not None and start <= e.resolved_at < cutoff]
    conversations = {
        i: msgs for i, held in reader.conversations(resolved).items() if (msgs := sent_by(held, data_cutoff))
    }
    quality = compute_quality(
        enquiries,
        conversations,
        lambda t: "(unassigned)" if t is None else names.get(t, t),
        team_ids=report.team_ids,
        start=report.start,
        cutoff=report.cutoff,
    )
    return replace(report, consumer_duty=duty, quality=quality)


def sent_by(messages: list[Message], cutoff: float | None) -> list[Message]:
    """The messages sent by the cut-off (all when None): a closed shift's report is the same whenever it is
    made, in whichever cache."""
    return messages if cutoff is None else [m for m in messages if m.sent_at <= cutoff]


def closing_report(
    reader: StoreReader,
    shift: Shift,
    *,
    grace_s: float = GRACE_S,
    salt: str = "",
    jurisdiction: str = DEFAULT_JURISDICTION,
) -> ShiftReport:
    """A closed shift's report: the data up to its cut-off (end + grace, the service's clock), made "at"
    the cut-off, so every cache holding that data makes the same report byte for byte, whenever."""
    cutoff = shift.end + grace_s
    return build_report(reader, shift, cutoff, salt=salt, data_cutoff=cutoff, jurisdiction=jurisdiction)


def close_ended_shifts(
    store: Store,
    now: float,
    shifts: Iterable[Shift] | None = None,
    *,
    grace_s: float = GRACE_S,
    max_age_s: float = MAX_AGE_S,
    synced_at: float | None = None,
    jurisdiction: str = DEFAULT_JURISDICTION,
) -> CloseResult:
    """Compute and store the report of every shift that ended (grace_s before `now`, at most max_age_s
    ago) and has none yet. `now` is the server's time. shifts None: the cached API shifts. synced_at:
    when the cache last caught up with the server; a shift is closed only once the cache has been
    synced grace_s after its end (a report is stored for good: never from a cache that is behind)."""
    return _close_ended(
        store,
        direct(store),
        now,
        shifts,
        grace_s=grace_s,
        max_age_s=max_age_s,
        synced_at=synced_at,
        jurisdiction=jurisdiction,
    )


def _close_ended(
    reader: StoreReader,
    write: Writer,
    now: float,
    shifts: Iterable[Shift] | None = None,
    *,
    grace_s: float = GRACE_S,
    max_age_s: float = MAX_AGE_S,
    synced_at: float | None = None,
    stop: Callable[[], bool] = lambda: False,
    jurisdiction: str = DEFAULT_JURISDICTION,
) -> CloseResult:
    """close_ended_shifts, reading through `reader` and storing through `write` (the work of computing
    may run on any thread; storing runs where the writer lives). stop: checked between shifts."""
    result = CloseResult()
    ready = now if synced_at is None else min(now, synced_at)
    todo = [
        s
        for s in (reader.shifts() if shifts is None else shifts)
        if now - max_age_s <= s.end <= ready - grace_s and not has_report(reader, s.id)
    ]
    if not todo:
        return result
    salt = _salt(reader, write)
    for shift in sorted(todo, key=lambda s: (s.end, s.id)):
        if stop():
            break
        # Hundreds of thousands of short-lived objects and no cycles among them: a collector that walks
        # the cache's rows every few thousand allocations cost a fifth of the time (~2 s a first sync).
        with gc_paused():
            report = closing_report(reader, shift, grace_s=grace_s, salt=salt, jurisdiction=jurisdiction)
            packed = pack_report(report)  # here, not on the writer's thread: a while at 100k enquiries
        if write(partial(save_report, report=report, packed=packed)):
            result.stored.append(shift.id)
            log.info("shift report stored: %s", shift.id)
            # Its first look for later changes waits AMEND_EVERY_S of synced data, as every later one
            # does: checked in the same pass it counted the shift twice (half a first sync's CPU at 100k).
            checked = last_synced(reader) if synced_at is None else synced_at
            write(_set_meta(_amend_key(shift.id), repr(checked)))
    return result


def figure_changes(stored: ShiftReport, now_known: ShiftReport) -> tuple[tuple[str, Any, Any], ...]:
    """The headline figures that differ: (name, stored, counting everything known now)."""
    changes = []
    for name in type(stored.summary).__dataclass_fields__:
        old, new = getattr(stored.summary, name), getattr(now_known.summary, name)
        if old != new:
            changes.append((name, old, new))
    for name in ("replies_decided", "replies_met"):
        old, new = getattr(stored, name), getattr(now_known, name)
        if old != new:
            changes.append((name, old, new))
    return tuple(changes)


def amend_reports(
    store: Store, now: float, shifts: Iterable[Shift], jurisdiction: str = DEFAULT_JURISDICTION
) -> list[str]:
    """Compare each recent stored report with the same shift counted on everything the cache knows now,
    and record what changed as an amendment (once per change), at most once per AMEND_EVERY_S of synced
    data (the check reads the cache as of its last sync). Returns the shift ids amended now."""
    return _amend(store, direct(store), now, shifts, jurisdiction=jurisdiction)


def _amend(
    reader: StoreReader,
    write: Writer,
    now: float,
    shifts: Iterable[Shift],
    stop: Callable[[], bool] = lambda: False,
    jurisdiction: str = DEFAULT_JURISDICTION,
) -> list[str]:
    by_id = {s.id: s for s in shifts}
    synced = last_synced(reader)
    amended = []
    for row in stored_reports(reader):
        shift = by_id.get(row.shift_id)
        if shift is None or not 0 <= now - row.generated_at <= AMEND_WINDOW_S or stop():
            continue
        key = _amend_key(row.shift_id)
        try:
            checked = float(reader.get_meta(key) or "-inf")
        except ValueError:
            checked = float("-inf")
        if synced - checked < AMEND_EVERY_S:
            continue
        write(_set_meta(key, repr(synced)))
        stored = load_report(reader, row.shift_id)
        if stored is None or not stored.data_cutoff:
            continue
        salt = _salt(reader, write)
        known = build_report(
            reader, shift, stored.generated_at, salt=salt, data_cutoff=now, jurisdiction=jurisdiction
        )
        changes = figure_changes(stored, known)
        before = report_amendments(reader, row.shift_id)
        if changes and (not before or before[-1].changes != changes):
            amendment = Amendment(row.shift_id, now, changes)
            write(partial(save_amendment, amendment=amendment))
            amended.append(row.shift_id)
    return amended


def _amend_key(shift_id: str) -> str:
    """The meta key of the synced time a stored report was last compared with what is known now."""
    return f"amend_checked:{shift_id}"


def last_synced(reader: StoreReader) -> float:
    """The server time of the cache's last complete sync (0: never)."""
    try:
        return float(reader.get_meta("last_sync_at") or 0.0)
    except ValueError:
        return 0.0


def close_shifts_quietly(
    store: Store, now: float, extra: Mapping[str, Any] | None = None, *, jurisdiction: str | None = None
) -> CloseResult:
    """For the sync loop: close ended shifts (API and local: extra None reads the settings file), never
    taking the loop down. A failure is logged with its traceback and returned as a problem; the next
    call tries again. jurisdiction None: the settings file's."""
    return close_quietly(store, direct(store), now, extra, jurisdiction=jurisdiction)


def close_quietly(
    reader: StoreReader,
    write: Writer,
    now: float,
    extra: Mapping[str, Any] | None = None,
    *,
    stop: Callable[[], bool] = lambda: False,
    jurisdiction: str | None = None,
) -> CloseResult:
    """close_shifts_quietly, reading through `reader` and storing through `write`, so that the
    computing (seconds at 100,000 enquiries) may run off the sync thread (console.sync.report_thread)."""
    try:
        if extra is None or jurisdiction is None:  # the settings file: local shifts, the site's regulator
            from console.platform.settings import load

            conf = load()
            extra = conf.extra if extra is None else extra
            jurisdiction = conf.jurisdiction if jurisdiction is None else jurisdiction
        salt = extra.get(SALT_KEY)
        if isinstance(salt, str) and salt and reader.get_meta(SALT_KEY) != salt:
            write(_set_meta(SALT_KEY, salt))  # the site's own salt: every cache masks handles alike
        shifts, problems = all_shifts(reader, extra)
        synced = last_synced(reader)
        result = _close_ended(
            reader, write, now, shifts, synced_at=synced, stop=stop, jurisdiction=jurisdiction
        )
        _amend(reader, write, now, shifts, stop=stop, jurisdiction=jurisdiction)
    except (KnownError, CancelledError):
        raise  # the cache itself: the loop's own handling (retry, state); or sync stopped meanwhile
    except Exception as e:  # a bug in a report must not stop the queue from syncing
        log.exception("computing a shift report failed")
        return CloseResult(problems=[f"a shift report could not be computed: {e}"])
    result.problems[:0] = problems
    return result
