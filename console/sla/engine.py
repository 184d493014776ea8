"""SLA clocks: which policy applies, when each clock is due, and how an enquiry stands right now.

Semantics (DESIGN.md "SLA semantics"): first response, next response and resolution clocks, plus the
concierge hand-off clock. Next response runs from the oldest customer message not answered yet
(Enquiry.reply_owed_since), so a follow-up never pushes the deadline back. Time counts only inside the
policy's calendar; waiting_customer pauses the resolution clock. The clock that matters is the running
one with the nearest wall-clock deadline.

Built for a UI that ticks 100k rows: deadlines depend only on the enquiry (cached by id and version),
so a tick is one calendar position per calendar plus a subtraction per row. Nothing here reads the wall
clock: `now` is always an argument (the server's clock, as the sync layer measures it).

Threshold defaults (at risk at half the target or 30 minutes left, urgent at a fifth or 10 minutes):
half-way is where a supervisor can still re-plan without haste, 30 minutes is the time a busy social
queue takes to reach an item; a fifth / 10 minutes is "act now". The absolute minutes dominate short
targets: a 15-minute fraud clock is at risk from the start and urgent after 5 minutes, on purpose.
"""

from __future__ import annotations

import copy
import logging
import math
import sys
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, TypeVar

from console.courtesy import paced
from console.domain.batches import gc_paused
from console.domain.calendars import BusinessClock, CalendarError
from console.domain.model import OPEN_STATUSES, Calendar, Enquiry, SLAPolicy, Team
from console.sla.clock import CachedClock, Clock, ClockSpec, SlaStatus, Thresholds, entry_status
from console.sla.defaults import (
    CATCH_ALL_ID,
    default_calendars,
    default_policies,
    merge_calendars,
    merge_policies,
)
from console.sla.kept import KEPT_IDLE, KeptRow, rules_version

__all__ = [
    "Clock",
    "SlaEngine",
    "SlaStatus",
    "Thresholds",
    "default_calendars",
    "default_policies",
    "merge_calendars",
    "merge_policies",
]

V = TypeVar("V")
log = logging.getLogger("concierge.sla")

KINDS = ("first_response", "next_response", "resolution", "handoff")
STATES = ("on_track", "at_risk", "urgent", "breached")
MAX_ADOPTED = 256  # adopted snapshots' calendar clocks remembered (a few per load or full re-sync)
ALWAYS_OPEN = Calendar(id="24x7", name="Around the clock", timezone="UTC", always_open=True)


def _front_line_calendar(teams: dict[str, Team], calendars: dict[str, Calendar]) -> str:
    social = sorted((t.id != "social", t.id, t.calendar_id) for t in teams.values() if t.kind == "social")
    if social:
        return social[0][2]
    return "social" if "social" in calendars else ALWAYS_OPEN.id


class SlaEngine:
    def __init__(
        self,
        policies: Iterable[SLAPolicy],
        calendars: dict[str, Calendar],
        teams: dict[str, Team],
        thresholds: Thresholds = Thresholds(),  # frozen, so one shared default is safe
        handoff_target_s: float = 3600.0,
        *,
        fallback_calendar_id: str | None = None,
    ) -> None:
        # Stable sort: equal ranks keep the given order. Channels and topics compare in lower case, as
        # console.domain.wire stores them on enquiries.
        self.policies = sorted((_lower(p) for p in policies), key=lambda p: p.rank)
        self.teams = teams
        self.thresholds = thresholds
        self.handoff_target_s = handoff_target_s
        # A policy without a calendar counts its team's hours; an enquiry no team owns yet is the
        # front-line social team's, so its hours (the service names that calendar as it likes: the
        # fixed id "social" made every start warn of an unknown calendar and count 24/7 instead).
        self.fallback_calendar_id = fallback_calendar_id or _front_line_calendar(teams, calendars)
        self.problems: list[str] = []  # unusable calendars or policies, for the settings pane
        self._timers: dict[str, BusinessClock] = {}
        for cid, cal in calendars.items():
            try:
                self._timers[cid] = BusinessClock(cal)
            except CalendarError as e:
                self._problem(f"{e}; counting it as 24/7 so no deadline is shown late")
        self._always = BusinessClock(ALWAYS_OPEN)
        # The built-in catch-all counts the customer's clock: its calendar is always known.
        self._timers.setdefault(ALWAYS_OPEN.id, self._always)
        self._catch_all = next(p for p in default_policies() if p.id == CATCH_ALL_ID)
        self._choice: dict[tuple[object, ...], tuple[SLAPolicy, str, BusinessClock]] = {}
        self._current: dict[str, CachedClock] = {}  # by enquiry id: the version with a running clock
        self._idle: dict[str, int] = {}  # by enquiry id: the version with no running clock
        self._shared: dict[tuple[str, float, str, str, BusinessClock], ClockSpec] = {}  # shared by clocks
        self.source: SlaEngine | None = None  # the engine this one is a snapshot of
        # Adopted entries keep the snapshot's calendar clocks (an ordered set): cached() gives each one's
        # own position. Not this engine's clock of the same calendar: a clock's origin is fixed where its
        # table was first built, and a worker's was built for the oldest row it timed.
        self._adopted: dict[BusinessClock, None] = {}
        self._fresh: list[tuple[str, str | None]] | None = None  # from seed() to fresh_rows(): timed here
        self._rules_version: str | None = None

    # -- threads -------------------------------------------------------------------------------------
    # An engine and its caches belong to one thread (the UI thread ticks them). The rules (policies,
    # calendars, teams, thresholds) never change once made, so another thread gets a snapshot: the same
    # rules with calendar clocks and caches of its own; or console.sla.snapshot.ClockSnapshot, this
    # engine's cached clocks as they stand (copied on this thread), read there without re-timing them.
    def snapshot(self) -> SlaEngine:
        """The same rules, with calendar clocks and caches of its own, for use by one other thread."""
        twin = copy.copy(self)  # shares only what is never written after __init__
        twin.problems = list(self.problems)
        twin._timers = {cid: BusinessClock(timer.calendar) for cid, timer in self._timers.items()}
        twin._always = BusinessClock(ALWAYS_OPEN)
        twin._choice, twin._current, twin._idle, twin._shared, twin._adopted = {}, {}, {}, {}, {}
        twin._fresh = None
        twin.source = self
        return twin

    def adopt(self, twin: SlaEngine) -> bool:
        """Take the clocks a snapshot of this engine computed, once the other thread is done with it (its
        calendar clocks then belong to this thread too); entries this engine has are kept. False (nothing
        taken) when `twin` is not a snapshot of this engine (the rules changed meanwhile)."""
        if twin.source is not self:
            return False
        self._current = _merge(self._current, twin._current)
        self._idle = _merge(self._idle, twin._idle)
        twin._current, twin._idle = {}, {}  # handed over: the snapshot keeps no share of them
        if len(self._adopted) > MAX_ADOPTED:  # the oldest twins' entries are then timed again: still right
            self._adopted = dict.fromkeys(list(self._adopted)[-MAX_ADOPTED // 2 :])
        self._adopted.update(dict.fromkeys((*twin._timers.values(), twin._always)))
        for text in twin.problems:
            if text not in self.problems:
                self.problems.append(text)
        return True

    def cached(self, now: float) -> tuple[dict[str, CachedClock], dict[str, int], dict[BusinessClock, float]]:
        """Copies of the caches (running clocks and idle versions, by enquiry id) and each calendar
        clock's position at `now`: on this engine's thread, for a ClockSnapshot. The cached entries are
        never changed once made, so the copies may be read anywhere; two dict copies take ~3 ms at 100k.
        Entries adopted from a snapshot hold its calendar clocks: they get their own clock's position.
        Only the calendars ready for `now` are given (on the UI thread, a first position of a calendar no
        clock has used yet builds its table: ~16 ms each); the reader times the others' entries itself."""
        timers = (*self._timers.values(), self._always, *self._adopted)
        positions = {t: t.position(now) for t in timers if t.ready_for(now)}
        return dict(self._current), dict(self._idle), positions

    def _problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)
            log.warning("%s", text)

    # -- policy and calendar -----------------------------------------------------------------------
    def policy_for(self, e: Enquiry) -> tuple[SLAPolicy, str, BusinessClock]:
        """The policy that applies, its calendar id and that calendar's clock."""
        key = (e.channel, e.visibility, e.priority, e.topic, e.flags, e.team_id)
        hit = self._choice.get(key)
        if hit is not None:
            return hit
        policy = next((p for p in self.policies if _matches(p, e)), self._catch_all)
        cid = policy.calendar_id
        if cid is None:
            team = self.teams.get(e.team_id) if e.team_id else None
            cid = team.calendar_id if team else self.fallback_calendar_id
        timer = self._timers.get(cid)
        if timer is None:
            self._problem(f"calendar {cid!r} is unknown; counting it as 24/7 so no deadline is shown late")
            timer = self._always
        self._choice[key] = hit = (policy, cid, timer)
        return hit

    # -- clocks ------------------------------------------------------------------------------------
    def clocks(self, e: Enquiry) -> list[Clock]:
        """Every clock of the enquiry, running or stopped, in KINDS order (for the detail pane)."""
        return self._clocks(e)

    def current(self, e: Enquiry) -> Clock | None:
        """The running clock with the nearest deadline; None when nothing runs (closed, paused)."""
        entry = self._entry(e)
        return None if entry is None else entry.clock

    def due_at(self, e: Enquiry) -> float | None:
        """current(e).due_at without building a Clock: for sort keys and filters over many rows."""
        entry = self._entry(e)
        return None if entry is None else entry.due_at

    def _entry(self, e: Enquiry) -> CachedClock | None:
        cached = self._current.get(e.id)
        if cached is not None and cached.version == e.version:
            return cached
        if self._idle.get(e.id) == e.version:
            return None
        entry = None
        if e.status in OPEN_STATUSES:
            policy, cid, timer = self.policy_for(e)
            try:
                entry = self._compute(e, policy, cid, timer)
                if self._fresh is not None:  # kept for the next start (not a 24/7 stand-in: below)
                    self._fresh.append((e.id, e.team_id))
            except ValueError as err:  # a time outside 1900-2200: count it 24/7 rather than fail a tick
                self._problem(f"enquiry {e.id[:64]}: {err}")
                entry = self._compute(e, policy, ALWAYS_OPEN.id, self._always)
        if entry is None:
            self._current.pop(e.id, None)
            self._idle[e.id] = e.version
        else:
            self._idle.pop(e.id, None)
            self._current[e.id] = entry
        return entry

    def _compute(self, e: Enquiry, policy: SLAPolicy, cid: str, timer: BusinessClock) -> CachedClock | None:
        """Only the running clocks, and only the nearest becomes a Clock: this is the cold path."""
        best: tuple[float, str, float, float] | None = None
        for kind, start, target, stop in self._specs(e, policy):
            if stop is None:
                due = timer.add_working(start, target)
                if best is None or due < best[0]:
                    best = (due, kind, start, target)
        # The resolution clock counts working time from creation, so it falls due no sooner than creation
        # plus its target in wall time: a clock due well before that wins outright, and timing the
        # resolution clock (pauses and all) is skipped (a third of the cold path at 100k).
        if best is None or best[0] >= e.created_at + policy.resolution_s - 1.0:
            due, paused, _ = self._resolution_due(e, timer, policy.resolution_s)
            if not paused and (best is None or due < best[0]):
                best = (due, "resolution", e.created_at, policy.resolution_s)
        if best is None:
            return None
        due, kind, start, target = best
        return CachedClock(e.version, self._spec(kind, target, cid, policy.id, timer), start, due)

    def _spec(self, kind: str, target: float, cid: str, policy_id: str, timer: BusinessClock) -> ClockSpec:
        key = (kind, target, cid, policy_id, timer)
        spec = self._shared.get(key)
        if spec is None:
            limits = self.thresholds.limits(target)
            spec = self._shared[key] = ClockSpec(kind, target, cid, policy_id, timer, limits)
        return spec

    # -- kept between starts (console.sla.kept, console.store.kept) ----------------------------------
    def rules_version(self) -> str:
        """The version of the rules this engine times clocks under: kept clocks hold for it alone."""
        if self._rules_version is None:
            calendars = [t.calendar for t in (*self._timers.values(), self._always)]
            code = [sys.modules[m] for m in (__name__, BusinessClock.__module__, Enquiry.__module__)]
            self._rules_version = rules_version(
                self.policies, calendars, self.teams, self.fallback_calendar_id, self.handoff_target_s, code
            )
        return self._rules_version

    def calendar_ids(self) -> list[str]:
        """The calendars this engine times clocks by (console.store.kept: the first screenful's)."""
        return list(self._timers)

    def seed(self, *, note: bool = True) -> None:
        """From here until fresh_rows(), the engine notes which clocks it times itself, to be kept for the
        next start (unless not `note`); seed_many() gives it the clocks an earlier start kept meanwhile."""
        self._fresh = [] if note else None

    def seed_many(self, kept: Iterable[tuple[Enquiry, tuple[Any, ...]]]) -> None:
        """Kept clocks (KeptRows as the cache gives them), each with its enquiry: taken if it holds for its
        version and team; a damaged one, or one of a calendar these rules lack, is timed again."""
        timers, current, idle = self._timers, self._current, self._idle
        specs: dict[tuple[Any, ...], ClockSpec | None] = {}  # by the kept clock's own words: ~0.1 s at 100k
        for e, (_, version, team, kind, start, due, target, cid, policy_id) in kept:
            if version != e.version or team != e.team_id:
                continue
            if kind is None:
                idle[e.id] = e.version
                continue
            spec = specs.get(words := (kind, target, cid, policy_id), UNKNOWN_SPEC)
            if spec is UNKNOWN_SPEC:
                timer = timers.get(cid)
                try:
                    spec = None if timer is None else self._spec(kind, float(target), cid, policy_id, timer)
                except (TypeError, ValueError):
                    spec = None
                specs[words] = spec
            if spec is None:
                continue
            try:
                clock = CachedClock(e.version, spec, float(start), float(due))
            except (TypeError, ValueError):
                continue
            current[e.id] = clock  # the enquiry's own id and version objects, not the kept row's copies

    def fresh_rows(self) -> list[KeptRow]:
        """The clocks this engine timed itself (not seeded) since seed(), as rows to keep."""
        rows: list[KeptRow] = []
        for i, team in self._fresh or ():
            entry = self._current.get(i)
            if entry is not None:
                spec = entry.spec
                clock = (
                    spec.kind,
                    entry.started_at,
                    entry.due_at,
                    spec.target_s,
                    spec.calendar_id,
                    spec.policy_id,
                )
                rows.append((i, entry.version, team, *clock))
            elif (version := self._idle.get(i)) is not None:
                rows.append((i, version, team, *KEPT_IDLE))
        self._fresh = None
        return rows

    def forget(self, ids: Iterable[str]) -> None:
        """Drop cached clocks of enquiries that are gone (deleted, merged)."""
        for i in ids:
            self._current.pop(i, None)
            self._idle.pop(i, None)

    def _specs(self, e: Enquiry, policy: SLAPolicy) -> list[tuple[str, float, float, float | None]]:
        """(kind, start, target, stopped_at) of every clock but resolution, as the enquiry stands."""
        first_in = e.created_at if e.first_customer_message_at is None else e.first_customer_message_at
        specs = [("first_response", first_in, policy.first_response_s, e.first_response_at)]
        last_in, last_out = e.last_customer_message_at, e.last_agent_message_at
        if last_out is None:
            last_out = e.first_response_at
        if e.first_response_at is not None and last_in is not None and last_in > e.first_response_at:
            # Timed from the oldest unanswered customer message: a "hello??" never moves the deadline.
            owed = e.reply_owed_since()
            if owed is not None:
                specs.append(("next_response", owed, policy.next_response_s, None))
            else:
                specs.append(("next_response", last_in, policy.next_response_s, last_out))
        if e.handoff_requested_at is not None:
            specs.append(("handoff", e.handoff_requested_at, self.handoff_target_s, e.handoff_accepted_at))
        return specs

    def _clocks(self, e: Enquiry) -> list[Clock]:
        policy, cid, timer = self.policy_for(e)
        try:
            return self._all_clocks(e, policy, cid, timer)
        except ValueError as err:  # a time outside 1900-2200, as in _entry
            self._problem(f"enquiry {e.id[:64]}: {err}")
            return self._all_clocks(e, policy, ALWAYS_OPEN.id, self._always)

    def _all_clocks(self, e: Enquiry, policy: SLAPolicy, cid: str, timer: BusinessClock) -> list[Clock]:
        # A clock left running on a closed enquiry stops when the enquiry was resolved or closed.
        end = None if e.is_open else (e.resolved_at or e.updated_at)
        out = [
            Clock(kind, start, target, timer.add_working(start, target), end if stop is None else stop, cid,
                  policy.id)
            for kind, start, target, stop in self._specs(e, policy)
        ]  # fmt: skip
        due, paused, used = self._resolution_due(e, timer, policy.resolution_s)
        # An open enquiry with a resolved_at was reopened: its resolution clock runs again.
        res = Clock("resolution", e.created_at, policy.resolution_s, due, end, cid, policy.id,
                    paused=paused and end is None, used_s=used)  # fmt: skip
        out.insert(1 if len(out) < 2 or out[1].kind != "next_response" else 2, res)
        return out

    @staticmethod
    def _resolution_due(e: Enquiry, timer: BusinessClock, target: float) -> tuple[float, bool, float]:
        """(due_at, paused now, working seconds used before the open pause). Resolution runs from
        created_at; time inside a pause does not count; an open pause means no deadline yet."""
        cursor, used = e.created_at, 0.0
        if e.pauses:
            for ps, pe in sorted(e.pauses, key=_first):
                if pe is not None and (pe <= cursor or pe < ps):
                    continue  # before the cursor, or nonsense (ends before it starts)
                ps = ps if ps > cursor else cursor
                room = timer.working_seconds(cursor, ps)
                if used + room >= target:
                    break  # due before this pause begins
                used += room
                if pe is None:
                    return math.inf, True, used
                cursor = pe
        return timer.add_working(cursor, target - used), False, used

    # -- status ------------------------------------------------------------------------------------
    def status(self, e: Enquiry, now: float) -> SlaStatus | None:
        entry = self._entry(e)
        return None if entry is None else entry_status(entry, entry.spec.timer.position(now), now)

    def statuses(self, enquiries: Iterable[Enquiry], now: float) -> list[SlaStatus | None]:
        """status() for many enquiries at one `now`: one calendar lookup per calendar, not per row.
        The loop is entry_status() inlined: at 100k rows each attribute load and call shows. The collector
        waits until the batch is built: 100k new statuses (no cycles among them) set off full collections
        over every cached object, which cost more than the loop itself."""
        with gc_paused():
            return self._statuses(enquiries, now)

    def _statuses(self, enquiries: Iterable[Enquiry], now: float) -> list[SlaStatus | None]:
        positions: dict[BusinessClock, float] = {}
        out: list[SlaStatus | None] = []
        append = out.append
        cached_get = self._current.get
        entry_for = self._entry
        new = tuple.__new__
        for e in paced(enquiries):  # 100k on a worker: it gives way to a paint (console.courtesy)
            entry = cached_get(e.id)
            if entry is None or entry.version != e.version:
                entry = entry_for(e)
            if entry is None:
                append(None)
                continue
            spec = entry.spec
            timer = spec.timer
            pos = positions.get(timer)
            if pos is None:
                pos = positions[timer] = timer.position(now)
            remaining = entry.due_pos - pos
            if now > entry.due_at:
                state = "breached"
                if remaining > 0.0:
                    remaining = 0.0
            elif remaining <= spec.urgent_s:
                state = "urgent"
            elif remaining <= spec.at_risk_s:
                state = "at_risk"
            else:
                state = "on_track"
            # tuple.__new__ skips the named tuple's Python-level __new__: a third of the cost per row.
            append(new(SlaStatus, (spec.kind, state, remaining, entry.due_at, spec.target_s)))
        return out

    def counts_working_hours(self, clock: Clock) -> bool:
        """Whether the clock counts only its calendar's open hours (False: 24/7, the customer's clock,
        where the time left is plain wall time)."""
        timer = self._timers.get(clock.calendar_id, self._always)
        return not (timer.always_open or clock.calendar_id == ALWAYS_OPEN.id)

    def clock_status(self, clock: Clock, now: float) -> SlaStatus | None:
        """The status of any running clock (the detail pane shows all of them)."""
        if not clock.running:
            return None
        timer = self._timers.get(clock.calendar_id, self._always)
        spec = self._spec(clock.kind, clock.target_s, clock.calendar_id, clock.policy_id, timer)
        entry = CachedClock(0, spec, clock.started_at, clock.due_at)
        return entry_status(entry, timer.position(now), now)


UNKNOWN_SPEC = ClockSpec.__new__(ClockSpec)  # seed_many()'s: a kept clock's words not looked up yet


def _merge(mine: dict[str, V], theirs: dict[str, V]) -> dict[str, V]:
    """Both caches in one dict, mine winning; the larger is reused (adopting 100k entries into an
    engine that holds the first screenful costs that screenful, not the 100k)."""
    if len(theirs) > len(mine):
        theirs.update(mine)
        return theirs
    for key, value in theirs.items():
        mine.setdefault(key, value)
    return mine


def _lower(p: SLAPolicy) -> SLAPolicy:
    return replace(p, channel=p.channel and p.channel.lower(), topic=p.topic and p.topic.lower())


def _first(pause: tuple[float, float | None]) -> float:
    return pause[0]


def _matches(p: SLAPolicy, e: Enquiry) -> bool:
    return (
        (p.channel is None or p.channel == e.channel)
        and (p.visibility is None or p.visibility == e.visibility)
        and (p.priority is None or p.priority == e.priority)
        and (p.topic is None or p.topic == e.topic)
        and (p.flag is None or p.flag in e.flags)
    )
