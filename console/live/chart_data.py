"""Everything the charts, the staffing panel and the wallboard show, computed from enquiries, agents and
teams. No Qt, no matplotlib: the widgets only draw the aggregates built here.

Two kinds of figures:
- Activity (arrivals, first answers, resolutions per 15-minute bucket and channel, first-response times):
  fast counters kept up to date one changed enquiry at a time. Each enquiry leaves a small trace of what
  it contributed, so seeing it again (a newer version) replaces its contribution instead of adding it
  twice. Buckets and traces older than the window are dropped: memory stays flat for days.
- The live state (open enquiries by SLA state, waits, load, staffing): depends on `now`, so it is one
  pass over the open enquiries per snapshot (the SLA engine caches each enquiry's deadline).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from console.domain.complaints.rules import DEFAULT_JURISDICTION, default_rules
from console.domain.complaints.status import complaints_calendar
from console.domain.model import Agent, Calendar, ChannelInfo, Enquiry, Shift, SLAPolicy, Team
from console.live.complaints import ComplaintCounts, ComplaintDesk
from console.live.floor import (
    DayStaffing,
    day_staffing,
    hours_of_day,
    in_backlog,
    on_shift_ids,
    slot_handle_s,
    team_staffing,
)
from console.live.floor import StaffingConfig as StaffingConfig  # re-exported: the widgets take it from here
from console.live.metrics import ResponseClock, site_time_zone, start_of_day, waiting_since
from console.sla.engine import SlaEngine, Thresholds
from console.sla.predict import predict_breaches
from console.sla.today import REPLY_CLOCKS, Attainment, attainment

BUCKET_S = 900.0  # 15 minutes: fine enough for the backlog curve, summed to hours for the bar charts
WINDOW_S = 86_400.0  # activity kept for a day
SLA_STATES = ("on_track", "at_risk", "urgent", "breached")
NO_CLOCK = "no_clock"  # open but no clock running: waiting on the customer
STACK_STATES = (*SLA_STATES, NO_CLOCK)
RESPONSE_KINDS = frozenset({"first_response", "next_response"})
NO_TEAM = ""  # key for enquiries without a known team
KINDS = ("arrivals", "answers", "resolutions")
# First-response histogram bins, in minutes (the last one is open-ended).
FRT_EDGES_MIN = (0.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 240.0, 420.0, 720.0)


@dataclass(slots=True)
class _Trace:
    channel: str
    team: str
    arrived: float
    answered: float | None
    closed: float | None
    fr_met: bool | None  # first-response clock: stopped by its deadline?
    is_open: bool

    def last(self) -> float:
        return max(self.arrived, self.answered or 0.0, self.closed or 0.0)


@dataclass(frozen=True, slots=True)
class Hourly:
    hours: tuple[float, ...]  # hour starts (epoch)
    channels: tuple[str, ...]  # channel ids, busiest first
    counts: dict[str, dict[str, tuple[int, ...]]]  # kind -> channel -> count per hour


@dataclass(frozen=True, slots=True)
class FrtDistribution:
    edges_min: tuple[float, ...]
    counts: tuple[int, ...]  # len(edges_min): the last bin is "over the last edge"
    target_min: float | None  # the most common first-response target
    met: int  # answered inside their own policy's target
    answered: int


@dataclass(frozen=True, slots=True)
class TeamFigures:
    team_id: str
    name: str
    states: dict[str, int]  # STACK_STATES -> open enquiries
    open: int
    waiting: int
    load: int
    capacity: int
    on_shift: int
    rate_per_hour: float
    needed: int  # agents needed now: for_arrivals + for_backlog (console.live.floor)
    predicted_breaches: int  # in the next hour, with the agents on shift
    backlog: int = 0  # open work nobody on shift holds
    for_arrivals: int = 0  # Erlang C at the arrival rate
    for_backlog: int = 0  # to clear the backlog within the answer target
    free_slots: int = 0  # capacity minus load of the agents on shift

    @property
    def gap(self) -> int:
        """Agents missing now (negative: spare)."""
        return self.needed - self.on_shift


@dataclass(frozen=True, slots=True)
class BoardFigures:
    at: float
    teams: tuple[TeamFigures, ...]
    channel_names: dict[str, str]
    waiting_by_channel: dict[str, int]  # channel id -> customers owed a reply
    longest_wait_s: float
    open: int
    waiting: int
    breached_now: int
    attainment: Attainment  # "SLA today": reply clocks decided today (console.sla.today)
    backlog: tuple[tuple[float, int], ...]  # (time, open enquiries) over the shift
    hourly: Hourly
    frt: FrtDistribution
    shift_start: float
    staffing: StaffingConfig = field(default_factory=StaffingConfig)
    day: DayStaffing = field(default_factory=DayStaffing)  # the staffing need hour by hour
    complaints: ComplaintCounts = field(default_factory=ComplaintCounts)  # counts only: no customer data


class Activity:
    """Arrivals, first answers and resolutions per bucket and channel over a sliding window."""

    def __init__(self, window_s: float = WINDOW_S, bucket_s: float = BUCKET_S) -> None:
        self.window_s, self.bucket_s = window_s, bucket_s
        self.traces: dict[str, _Trace] = {}
        self.counts: Counter[tuple[str, int, str]] = Counter()  # (kind, bucket, channel)
        self.frt: Counter[tuple[int, int]] = Counter()  # (answer bucket, frt bin) -> n
        self.fr_met: Counter[tuple[int, bool]] = Counter()  # (answer bucket, met) -> n

    def _bucket(self, t: float) -> int:
        return int(t // self.bucket_s)

    def _add(self, t: _Trace, sign: int) -> None:
        c = self.counts
        c["arrivals", self._bucket(t.arrived), t.channel] += sign
        if t.answered is not None:
            b = self._bucket(t.answered)
            c["answers", b, t.channel] += sign
            self.frt[b, frt_bin(t.answered - t.arrived)] += sign
            if t.fr_met is not None:
                self.fr_met[b, t.fr_met] += sign
        if t.closed is not None:
            c["resolutions", self._bucket(t.closed), t.channel] += sign

    def observe(self, e: Enquiry, fr_met: bool | None = None) -> None:
        old = self.traces.get(e.id)
        if old is not None:
            self._add(old, -1)
        closed = None if e.is_open else (e.resolved_at or e.updated_at)
        start = e.first_customer_message_at or e.created_at
        trace = _Trace(e.channel, e.team_id or NO_TEAM, start, e.first_response_at, closed, fr_met, e.is_open)
        self.traces[e.id] = trace
        self._add(trace, 1)

    def remove(self, ident: str) -> None:
        old = self.traces.pop(ident, None)
        if old is not None:
            self._add(old, -1)

    def prune(self, now: float) -> None:
        """Forget what left the window (closed enquiries, old buckets)."""
        start = now - self.window_s
        first = self._bucket(start)
        for ident in [i for i, t in self.traces.items() if not t.is_open and t.last() < start]:
            del self.traces[ident]
        for counter in (self.counts, self.frt, self.fr_met):
            for key in [k for k, n in counter.items() if n == 0 or _bucket_of(k) < first]:
                del counter[key]

    def arrivals_by_team_hour(self, first_hour: float, hours: int) -> dict[str, list[int]]:
        """Arrivals per team in each of `hours` hours from `first_hour` (an hour start)."""
        out: dict[str, list[int]] = {}
        end = first_hour + hours * 3600
        for t in self.traces.values():
            if first_hour <= t.arrived < end:
                row = out.get(t.team)
                if row is None:
                    row = out[t.team] = [0] * hours
                row[int((t.arrived - first_hour) // 3600)] += 1
        return out

    def arrivals_by_team(self, since: float, until: float) -> dict[str, int]:
        out: Counter[str] = Counter()
        for t in self.traces.values():
            if since < t.arrived <= until:
                out[t.team] += 1
        return dict(out)


def _bucket_of(key: tuple[object, ...]) -> int:
    b = key[1] if isinstance(key[0], str) else key[0]
    assert isinstance(b, int)
    return b


def frt_bin(seconds: float) -> int:
    minutes = max(0.0, seconds) / 60.0
    for i in range(len(FRT_EDGES_MIN) - 1, -1, -1):
        if minutes >= FRT_EDGES_MIN[i]:
            return i
    return 0


class LiveBoard:
    """The open enquiries, the activity counters and the reference data, fed by change-sets. Not
    thread-safe: one thread feeds it and asks for figures (the widgets use one worker thread)."""

    def __init__(
        self,
        *,
        thresholds: Thresholds = Thresholds(),  # noqa: B008 - frozen
        staffing: StaffingConfig = StaffingConfig(),  # noqa: B008 - frozen
        window_s: float = WINDOW_S,
    ) -> None:
        self.open: dict[str, Enquiry] = {}
        self.activity = Activity(window_s)
        self.teams: list[Team] = []
        self.agents: list[Agent] = []
        self.shifts: list[Shift] = []
        self.channel_names: dict[str, str] = {}
        self.site_zone = "UTC"  # until the reference data names the site's calendar
        self.thresholds = thresholds
        self.staffing = staffing
        self.engine = SlaEngine([], {}, {}, thresholds)
        self._engine_inputs: tuple[object, ...] = ()
        self._pruned_at = 0.0
        self._replies: dict[str, tuple[ResponseClock, ...]] = {}  # reply clocks, for "SLA today"
        # Complaint clocks and reply windows (issue 17): the site's jurisdiction, set before the first
        # reference data; the supervisors' decisions, set from the cache before each computation.
        self.jurisdiction = DEFAULT_JURISDICTION
        self.complaints = ComplaintDesk(default_rules(), self.jurisdiction)

    def set_reference(
        self,
        teams: list[Team],
        agents: list[Agent],
        policies: list[SLAPolicy],
        calendars: list[Calendar],
        channels: Iterable[ChannelInfo] = (),
        shifts: Iterable[Shift] = (),
    ) -> None:
        cals = {c.id: c for c in calendars}
        inputs = (policies, cals, teams)
        if inputs != self._engine_inputs:  # rebuilding re-times every row: only when the rules change
            self._engine_inputs = inputs
            self.engine = SlaEngine(policies, cals, {t.id: t for t in teams}, self.thresholds)
        self.teams = sorted(teams, key=lambda t: (t.kind != "social", t.name))
        self.agents = list(agents)
        self.shifts = list(shifts)
        self.channel_names = {c.id: c.name for c in channels}
        self.site_zone = site_time_zone(self.teams, cals)  # "today" is the site's day
        calendar = complaints_calendar(teams, cals)
        self.complaints = ComplaintDesk(
            default_rules(), self.jurisdiction, calendar, self.complaints.decisions, self.complaints.book
        )

    def set_staffing(self, staffing: StaffingConfig) -> None:
        self.staffing = staffing

    def _fr_met(self, e: Enquiry) -> bool | None:
        if e.first_response_at is None:
            return None
        for c in self.engine.clocks(e):
            if c.kind == "first_response":
                return c.met
        return None

    def _take(self, e: Enquiry, horizon: float) -> None:
        if e.is_open:
            self.open[e.id] = e
        else:
            self.open.pop(e.id, None)
            self.engine.forget((e.id,))
        last = max(e.created_at, e.first_response_at or 0.0, e.resolved_at or e.updated_at)
        if e.is_open or last >= horizon or e.id in self.activity.traces:
            fresh = e.first_response_at is not None and e.first_response_at >= horizon
            self.activity.observe(e, self._fr_met(e) if fresh else None)
            self._replies[e.id] = tuple(
                ResponseClock(c.kind, c.stopped_at, c.due_at)
                for c in self.engine.clocks(e)
                if c.kind in REPLY_CLOCKS
            )

    def load(self, rows: Iterable[Enquiry], now: float) -> None:
        """Everything the cache holds (closed ones feed the activity counters if recent)."""
        horizon = now - self.activity.window_s
        for e in rows:
            self._take(e, horizon)

    def apply(self, removed: Iterable[str], rows: Mapping[str, Enquiry], now: float) -> None:
        """A change-set: rows read by id (added or changed), ids deleted or merged away."""
        for ident in removed:
            self.open.pop(ident, None)
            self.activity.remove(ident)
            self._replies.pop(ident, None)
        self.engine.forget(removed)
        horizon = now - self.activity.window_s
        for e in rows.values():
            self._take(e, horizon)

    def current_shift_start(self, now: float) -> float:
        starts = [s.start for s in self.shifts if s.start <= now < s.end]
        return max(starts) if starts else now - 8 * 3600

    # -- figures -------------------------------------------------------------------------------------
    def figures(self, now: float) -> BoardFigures:
        if now - self._pruned_at >= 60.0:
            self.activity.prune(now)
            self._pruned_at = now
            for ident in [i for i in self._replies if i not in self.activity.traces]:
                del self._replies[ident]
        rows = list(self.open.values())
        statuses = self.engine.statuses(rows, now)
        team_states: dict[str, Counter[str]] = {}
        waiting_team: Counter[str] = Counter()
        by_channel: Counter[str] = Counter()
        queues: dict[str, list[Enquiry]] = {}
        backlog: Counter[str] = Counter()
        working = on_shift_ids(self.agents)
        oldest: float | None = None
        breached = waiting = 0
        for e, st in zip(rows, statuses, strict=True):
            team = e.team_id or NO_TEAM
            states = team_states.get(team)
            if states is None:
                states = team_states[team] = Counter()
            states[NO_CLOCK if st is None else st.state] += 1
            if st is not None and st.state == "breached":
                breached += 1
            if in_backlog(e, working):
                backlog[team] += 1
            since = waiting_since(e)
            if since is not None:
                waiting += 1
                waiting_team[team] += 1
                by_channel[e.channel] += 1
                if oldest is None or since < oldest:
                    oldest = since
                queues.setdefault(team, []).append(e)
        shift_start = self.current_shift_start(now)
        teams = self._team_figures(now, team_states, waiting_team, queues, backlog)
        return BoardFigures(
            at=now,
            teams=teams,
            channel_names=dict(self.channel_names),
            waiting_by_channel=dict(by_channel.most_common()),
            longest_wait_s=max(0.0, now - oldest) if oldest is not None else 0.0,
            open=len(rows),
            waiting=waiting,
            breached_now=breached,
            attainment=self.attainment(now),
            backlog=self._backlog(now, shift_start, len(rows)),
            hourly=self._hourly(now, shift_start),
            frt=self._frt(now),
            shift_start=shift_start,
            staffing=self.staffing,
            day=self._day(now, teams),
            complaints=self.complaints.counts(rows, now, self.site_zone),
        )

    def _day(self, now: float, teams: tuple[TeamFigures, ...]) -> DayStaffing:
        """The staffing need hour by hour over the site's day; the current hour at the live rate."""
        hours = hours_of_day(now, start_of_day(now, self.site_zone))
        counts = self.activity.arrivals_by_team_hour(hours[0], len(hours))
        rates: dict[str, list[float]] = {}
        for t in teams:
            row: list[float] = [float(n) for n in counts.get(t.team_id, [0] * len(hours))]
            row[-1] = t.rate_per_hour
            rates[t.team_id] = row
        members = {t.team_id: [a for a in self.agents if a.team_id == t.team_id] for t in teams}
        return day_staffing(hours, [(t.team_id, t.name) for t in teams], rates, members, self.staffing)

    def _team_figures(
        self,
        now: float,
        team_states: dict[str, Counter[str]],
        waiting: Counter[str],
        queues: dict[str, list[Enquiry]],
        backlog: Counter[str],
    ) -> tuple[TeamFigures, ...]:
        cfg = self.staffing
        arrivals = self.activity.arrivals_by_team(now - cfg.window_s, now)
        out: list[TeamFigures] = []
        known = [(t.id, t.name) for t in self.teams]
        if NO_TEAM in team_states:
            known.append((NO_TEAM, "No team"))
        for tid, name in known:
            members = [a for a in self.agents if a.team_id == tid]
            staff = team_staffing(tid, name, members, arrivals.get(tid, 0), backlog.get(tid, 0), cfg)
            predicted = predict_breaches(
                queues.get(tid, []), members, slot_handle_s(members, cfg.aht_s), now, self.engine
            )
            soon = sum(1 for _, at in predicted if now < at <= now + 3600)
            states = team_states.get(tid, Counter())
            out.append(
                TeamFigures(
                    team_id=tid,
                    name=name,
                    states={s: states.get(s, 0) for s in STACK_STATES},
                    open=sum(states.values()),
                    waiting=waiting.get(tid, 0),
                    load=staff.capacity.load,
                    capacity=staff.capacity.capacity,
                    on_shift=staff.on_shift,
                    rate_per_hour=staff.rate_per_hour,
                    needed=staff.needed,
                    predicted_breaches=soon,
                    backlog=staff.backlog,
                    for_arrivals=staff.for_arrivals,
                    for_backlog=staff.for_backlog,
                    free_slots=staff.capacity.free_slots,
                )
            )
        return tuple(out)

    def attainment(self, now: float) -> Attainment:
        """ "SLA today" (console.sla.today): reply clocks decided since the site's midnight, up to now."""
        day = start_of_day(now, self.site_zone)
        return attainment((c for clocks in self._replies.values() for c in clocks), day, now)

    def _backlog(self, now: float, start: float, open_now: int) -> tuple[tuple[float, int], ...]:
        """Open enquiries at each bucket edge since the shift began, walked back from now: each
        arrival after t was not open at t, each closure after t was."""
        a = self.activity
        delta: Counter[int] = Counter()
        first = a._bucket(start)
        for (kind, b, _), n in a.counts.items():
            if b >= first and kind != "answers":
                delta[b] += n if kind == "arrivals" else -n
        points = [(now, open_now)]
        level = open_now
        b = a._bucket(now)
        while b >= first:
            level -= delta.get(b, 0)
            points.append((b * a.bucket_s, max(0, level)))
            b -= 1
        return tuple(reversed(points))

    def _hourly(self, now: float, start: float) -> Hourly:
        first_hour = math.floor(min(start, now - 6 * 3600) / 3600)
        last_hour = math.floor(now / 3600)
        hours = tuple(float(h * 3600) for h in range(first_hour, last_hour + 1))
        per: dict[str, dict[str, list[int]]] = {k: {} for k in KINDS}
        totals: Counter[str] = Counter()
        per_hour = 3600.0 / self.activity.bucket_s
        for (kind, b, channel), n in self.activity.counts.items():
            h = int(b // per_hour)
            if n and first_hour <= h <= last_hour:
                row = per[kind].setdefault(channel, [0] * len(hours))
                row[h - first_hour] += n
                totals[channel] += n
        channels = tuple(c for c, _ in totals.most_common())
        counts = {k: {c: tuple(per[k].get(c, [0] * len(hours))) for c in channels} for k in KINDS}
        return Hourly(hours, channels, counts)

    def _frt(self, now: float) -> FrtDistribution:
        a = self.activity
        day = a._bucket(start_of_day(now, self.site_zone))
        counts = [0] * len(FRT_EDGES_MIN)
        for (b, i), n in a.frt.items():
            if b >= day:
                counts[i] += n
        met = sum(n for (b, ok), n in a.fr_met.items() if b >= day and ok)
        targets = Counter(p.first_response_s for p in self.engine.policies)
        target = None
        if self.open:  # the target most open enquiries are held to
            sample = list(self.open.values())[:500]
            picks = Counter(self.engine.policy_for(e)[0].first_response_s for e in sample)
            target = picks.most_common(1)[0][0] / 60.0
        elif targets:
            target = targets.most_common(1)[0][0] / 60.0
        return FrtDistribution(FRT_EDGES_MIN, tuple(counts), target, met, sum(counts))
