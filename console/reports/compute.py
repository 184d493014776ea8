"""compute_shift_report: one pass over a shift's enquiries, assignments and agent status log.

Populations (also printed in the report's notes):
- in scope: enquiries owned by one of the shift's teams, or by no team yet (an unassigned enquiry is the
  site's too: one nobody sees is the worst outcome). A shift with no team_ids takes every enquiry.
- in the shift: at or after start, before end, and not after generated_at (a report made mid-shift
  counts what has happened up to the moment it was made; cutoff = min(end, generated_at)).
- created: in scope and created in the shift. Moves and hand-off requests likewise.
- due: SLA clocks of in-scope enquiries whose deadline falls in [start, cutoff): a clock due exactly
  at the cut-off is not late yet.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol

from console.domain.labels import clock_label
from console.domain.model import CHANNELS, CLOSED_STATUSES, OUTCOMES, Agent, Assignment, Enquiry, Shift, Team
from console.domain.privacy import mask_handle, mask_text
from console.reports.cutoff import as_of
from console.reports.types import (
    FR_BIN_EDGES_S,
    ActorSummary,
    AgentTime,
    Attainment,
    Breach,
    CarriedOver,
    ComplaintStats,
    Count,
    FirstResponseStat,
    HandoffStats,
    HourVolume,
    OutcomeRate,
    PingPong,
    Reassignment,
    ShiftReport,
    StatusTime,
    Summary,
)
from console.sla.today import decision

StatusInterval = tuple[str, str, float, float | None]  # agent_id, status, from_ts, to_ts (None: still)
TEXT_CHARS = 120  # customer text kept in a carried-over row, after masking
CLOCK_ORDER = ("first_response", "next_response", "resolution", "handoff")
STATUS_ORDER = ("available", "busy", "away", "offline")
REFUSED = frozenset({"rejected", "conflict"})

NOTES = (
    "Durations are wall-clock time unless marked working time. A report made before its shift ended "
    "counts what had happened when it was made ('the shift's end' then means that moment).",
    "First response: wall-clock seconds from the first customer message (or the enquiry's creation when "
    "unknown) to the first agent response, over enquiries created in the shift, including replies sent "
    "after it ended. Median: the middle value (mean of the two middle values); 90th percentile: nearest "
    "rank.",
    "Within target: answered enquiries whose first-response SLA clock was met. SLA targets are working "
    "time in the policy's calendar; the target shown per channel is the most common one.",
    "SLA attainment: clocks whose deadline fell in the shift; met = stopped at or before the deadline.",
    "Breaches: clocks due in the shift and not met; 'over' is how late the clock stopped, or for a clock "
    "still running, how far past its deadline it was at the shift's end.",
    "Carried over: enquiries still open at the shift's end; unanswered = waiting for a first response or "
    "for a reply to the customer's latest message.",
    "Hand-offs: requested in the shift; acceptance time is wall-clock from request to the specialist "
    "team's acceptance. Ping-pong: enquiries open at some time in the shift that moved between teams "
    "more than twice.",
    "Utilisation: time busy / time logged in (any status but offline), from the status log clipped to "
    "the shift.",
    "Outcome rates (J.D. Power): share of enquiries created in the shift where the flag is true, over "
    "those where it is known (n).",
    "Teams: enquiries owned by the shift's teams, and unassigned ones. Customer text and reassignment "
    "reasons are PII-masked (cards keep their last 4 digits); customer handles are replaced by a short "
    "code.",
    "Data cut-off: a stored report counts what had happened by the shift's end plus a grace period, on "
    "the service's clock, whenever and wherever it is computed; what changes later is recorded as an "
    "amendment beside it. Enquiries still open then carry no text (the latest message changes).",
    "Replies (SLA today's definition): first and next reply clocks decided in the shift, met when the reply "
    "came by the deadline, missed when the deadline passed without one (the header and the wallboard's "
    "'SLA today' count the same way over the day).",
)


class ClockLike(Protocol):
    """What the report needs from an SLA clock (console.sla.engine.Clock has these)."""

    @property
    def kind(self) -> str: ...
    @property
    def target_s(self) -> float: ...
    @property
    def due_at(self) -> float | None: ...
    @property
    def stopped_at(self) -> float | None: ...


class ClockSource(Protocol):
    """console.sla.engine.SlaEngine, or anything else that gives an enquiry's clocks."""

    def clocks(self, e: Enquiry, /) -> Sequence[ClockLike]: ...


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile: the smallest value with at least 90% of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def channel_order(channels: Iterable[str]) -> list[str]:
    """Known channels in their usual order, then any new ones alphabetically."""
    seen = set(channels)
    return [c for c in CHANNELS if c in seen] + sorted(seen - set(CHANNELS))


def _rate(num: int, den: int) -> float | None:
    return num / den if den else None


def _ranked(order: Sequence[str], keys: Iterable[str]) -> list[str]:
    seen = set(keys)
    return [k for k in order if k in seen] + sorted(seen - set(order))


def compute_shift_report(
    shift: Shift,
    enquiries: Iterable[Enquiry],
    assignments: Iterable[Assignment],
    agent_status_log: Iterable[StatusInterval],
    agents: Iterable[Agent],
    teams: Iterable[Team],
    engine: ClockSource,
    generated_at: float,
    *,
    handle_salt: str = "",
    data_cutoff: float | None = None,
    complaints: ComplaintStats | None = None,
    taken_back: bool = False,
) -> ShiftReport:
    """The shift's figures (see the module docstring for who counts). handle_salt: the site's salt for
    masked customer handles, so that a list of known handles cannot be hashed to find who is who.
    data_cutoff: count only what had happened by then (console.reports.cutoff), whatever the cache
    learned since; None counts everything the enquiries show. taken_back: the caller already took the
    enquiries back to data_cutoff (as_of: 100k records made again, each time it is done)."""
    start, end = shift.start, shift.end
    cutoff = max(start, min(end, generated_at))
    if data_cutoff is not None and not taken_back:
        enquiries = [as_of(e, data_cutoff) for e in enquiries]
    replies = [0, 0]  # decided, met: "SLA today"'s definition over [start, cutoff)
    team_names = {t.id: t.name for t in teams}
    scope = frozenset(shift.team_ids)

    def team_label(team_id: str | None) -> str:
        if team_id is None:
            return "(unassigned)"
        return team_names.get(team_id, team_id)

    n_hours = max(1, math.ceil((end - start) / 3600))
    by_hour: list[Counter[str]] = [Counter() for _ in range(n_hours)]
    by_channel: Counter[str] = Counter()
    fr_times: dict[str, list[float]] = defaultdict(list)
    fr_hist: dict[str, list[int]] = defaultdict(lambda: [0] * len(FR_BIN_EDGES_S))
    unanswered: Counter[str] = Counter()
    within: Counter[str] = Counter()
    targets: dict[str, Counter[float]] = defaultdict(Counter)
    due_kind: Counter[str] = Counter()
    met_kind: Counter[str] = Counter()
    due_team: Counter[str | None] = Counter()
    met_team: Counter[str | None] = Counter()
    breaches: list[Breach] = []
    carried: list[CarriedOver] = []
    handoff_times: list[float] = []
    handoffs_requested = 0
    ping_pong: list[PingPong] = []
    outcome_known: Counter[str] = Counter()
    outcome_yes: Counter[str] = Counter()

    for e in enquiries:
        team_id, channel, born = e.team_id, e.channel, e.created_at
        if scope and team_id is not None and team_id not in scope:
            continue
        if born >= end or born > cutoff:
            continue
        created_here = born >= start
        fr_met = False
        for c in engine.clocks(e):
            kind, due, stopped = c.kind, c.due_at, c.stopped_at
            decided = decision(kind, due, stopped)
            if decided is not None and start <= decided[0] < cutoff:
                replies[0] += 1
                replies[1] += decided[1]
            met = stopped is not None and due is not None and stopped <= due
            if created_here and kind == "first_response":
                targets[channel][c.target_s] += 1
                fr_met = met
            if due is None or not start <= due < cutoff:
                continue
            due_kind[kind] += 1
            due_team[team_id] += 1
            if met:
                met_kind[kind] += 1
                met_team[team_id] += 1
            else:
                over = (cutoff if stopped is None else stopped) - due
                label = team_label(team_id)
                breaches.append(Breach(e.id, channel, team_id, label, e.priority, kind, due, stopped, over))
        if created_here:
            by_channel[channel] += 1
            by_hour[min(n_hours - 1, int((born - start) // 3600))][channel] += 1
            if e.first_response_at is None:
                unanswered[channel] += 1
            else:
                fr = max(0.0, e.first_response_at - (e.first_customer_message_at or born))
                fr_times[channel].append(fr)
                fr_hist[channel][bisect_right(FR_BIN_EDGES_S, fr) - 1] += 1
                within[channel] += fr_met
            for flag, value in e.outcome.items():
                outcome_known[flag] += 1
                outcome_yes[flag] += value
        requested = e.handoff_requested_at
        if requested is not None and start <= requested <= cutoff and requested < end:
            handoffs_requested += 1
            if e.handoff_accepted_at is not None:
                handoff_times.append(max(0.0, e.handoff_accepted_at - requested))
        resolved = e.resolved_at
        active = resolved is None or resolved >= start
        if active and e.bounces > 2:
            ping_pong.append(PingPong(e.id, e.channel, e.team_id, team_label(e.team_id), e.bounces))
        open_at_cutoff = resolved >= cutoff if resolved is not None else e.status not in CLOSED_STATUSES
        if open_at_cutoff:
            carried.append(_carried(e, cutoff, team_label(e.team_id), handle_salt))

    first_response = []
    all_fr: list[float] = []
    for ch in channel_order(by_channel):
        times = fr_times[ch]
        all_fr.extend(times)
        target = targets[ch].most_common(1)[0][0] if targets[ch] else None
        first_response.append(
            FirstResponseStat(
                ch,
                len(times),
                unanswered[ch],
                median(times),
                p90(times),
                target,
                within[ch],
                tuple(fr_hist[ch]),
            )
        )

    sla_by_kind = tuple(
        Attainment(k, clock_label(k), due_kind[k], met_kind[k], _rate(met_kind[k], due_kind[k]))
        for k in _ranked(CLOCK_ORDER, due_kind)
    )
    sla_by_team = tuple(
        sorted(
            (
                Attainment(t or "", team_label(t), due_team[t], met_team[t], _rate(met_team[t], due_team[t]))
                for t in due_team
            ),
            key=lambda a: a.label,
        )
    )
    breaches.sort(key=lambda b: (-b.over_s, b.enquiry_id, b.clock))
    # Unanswered first (longest waits first), then the rest by age.
    carried.sort(
        key=lambda c: (c.waiting_for not in ("first_response", "reply"), c.waiting_since, c.enquiry_id)
    )
    ping_pong.sort(key=lambda p: (-p.bounces, p.enquiry_id))
    moves, by_actor = _reassignments(assignments, scope, start, end, cutoff)
    agent_rows = _agents(agent_status_log, agents, scope, start, cutoff, team_label)
    outcomes = tuple(
        OutcomeRate(f, outcome_known[f], outcome_yes[f], _rate(outcome_yes[f], outcome_known[f]))
        for f in _ranked(OUTCOMES, list(OUTCOMES) + list(outcome_known))
    )
    handoffs = HandoffStats(
        requested=handoffs_requested,
        accepted=len(handoff_times),
        pending=handoffs_requested - len(handoff_times),
        median_accept_s=median(handoff_times),
        p90_accept_s=p90(handoff_times),
    )
    created = sum(by_channel.values())
    sla_due, sla_met = sum(due_kind.values()), sum(met_kind.values())
    summary = Summary(
        created=created,
        answered=len(all_fr),
        unanswered_at_end=sum(c.waiting_for in ("first_response", "reply") for c in carried),
        carried_over=len(carried),
        sla_due=sla_due,
        sla_met=sla_met,
        sla_rate=_rate(sla_met, sla_due),
        breaches=len(breaches),
        median_fr_s=median(all_fr),
        p90_fr_s=p90(all_fr),
        handoffs=handoffs_requested,
        reassignments=len(moves),
        ping_pong=len(ping_pong),
    )
    order = channel_order(by_channel)
    return ShiftReport(
        shift_id=shift.id,
        shift_name=shift.name,
        site=shift.site,
        start=start,
        end=end,
        cutoff=cutoff,
        team_ids=tuple(shift.team_ids),
        team_names=tuple(team_label(t) for t in shift.team_ids),
        generated_at=generated_at,
        summary=summary,
        volumes_by_channel=tuple(Count(ch, by_channel[ch]) for ch in order),
        volumes_by_hour=tuple(
            HourVolume(start + 3600 * i, sum(h.values()), tuple(Count(ch, h[ch]) for ch in order))
            for i, h in enumerate(by_hour)
        ),
        first_response=tuple(first_response),
        fr_bin_edges_s=FR_BIN_EDGES_S,
        sla_by_kind=sla_by_kind,
        sla_by_team=sla_by_team,
        breaches=tuple(breaches),
        carried_over=tuple(carried),
        handoffs=handoffs,
        ping_pong=tuple(ping_pong),
        agents=agent_rows,
        outcomes=outcomes,
        reassignments=moves,
        reassignments_by_actor=by_actor,
        notes=NOTES,
        data_cutoff=data_cutoff or 0.0,
        replies_decided=replies[0],
        replies_met=replies[1],
        complaints=complaints or ComplaintStats(),  # console.reports.complaints
    )


def _carried(e: Enquiry, cutoff: float, team: str, salt: str) -> CarriedOver:
    last_in, last_out = e.last_customer_message_at, e.last_agent_message_at
    if e.first_response_at is None or e.first_response_at >= cutoff:
        waiting_for, since = "first_response", e.first_customer_message_at or e.created_at
    elif last_in is not None and last_in < cutoff and (last_out is None or last_in > last_out):
        waiting_for, since = "reply", last_in
    elif e.status == "waiting_customer":
        waiting_for, since = "customer", last_out or e.first_response_at
    else:
        waiting_for, since = "resolution", e.created_at
    return CarriedOver(
        enquiry_id=e.id,
        channel=e.channel,
        team_id=e.team_id,
        team=team,
        priority=e.priority,
        status=e.status,
        created_at=e.created_at,
        waiting_for=waiting_for,
        waiting_since=since,
        waiting_s=max(0.0, cutoff - since),
        handle=mask_handle(e.customer_handle, "masked", salt=salt),
        text=_shorten(mask_text(e.text)),
    )


def _shorten(text: str) -> str:
    # Mask first, then cut: cutting first could split an account number and leave part of it readable.
    flat = " ".join(text.split())
    return flat if len(flat) <= TEXT_CHARS else flat[: TEXT_CHARS - 1] + "…"


def _reassignments(
    assignments: Iterable[Assignment], scope: frozenset[str], start: float, end: float, cutoff: float
) -> tuple[tuple[Reassignment, ...], tuple[ActorSummary, ...]]:
    rows: list[Reassignment] = []
    masked: dict[str, str] = {}  # supervisors reuse a handful of reasons: mask each once
    for a in assignments:
        if not (start <= a.at <= cutoff and a.at < end):
            continue
        if scope and a.from_team not in scope and a.to_team not in scope:
            continue
        actor = a.actor or "(unknown)"
        reason = masked.get(a.reason)
        if reason is None:
            reason = masked[a.reason] = mask_text(a.reason)
        rows.append(
            Reassignment(
                a.id,
                a.enquiry_id,
                a.at,
                actor,
                a.from_team,
                a.to_team,
                a.to_agent,
                reason,
                a.result,
            )
        )
    rows.sort(key=lambda r: (r.at, r.id))
    per_actor: dict[str, list[Reassignment]] = defaultdict(list)
    for r in rows:
        per_actor[r.actor].append(r)
    summaries = []
    for actor, mine in sorted(per_actor.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        reasons = Counter(r.reason or "(no reason given)" for r in mine)
        summaries.append(
            ActorSummary(
                actor=actor,
                moves=len(mine),
                accepted=sum(r.result == "accepted" for r in mine),
                refused=sum(r.result in REFUSED for r in mine),
                reasons=tuple(
                    Count(k, n) for k, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
                ),
            )
        )
    return tuple(rows), tuple(summaries)


def _agents(
    log: Iterable[StatusInterval],
    agents: Iterable[Agent],
    scope: frozenset[str],
    start: float,
    cutoff: float,
    team_label: _Label,
) -> tuple[AgentTime, ...]:
    roster = {a.id: a for a in agents}
    seconds: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for agent_id, status, from_ts, to_ts in log:
        overlap = min(cutoff if to_ts is None else to_ts, cutoff) - max(from_ts, start)
        if overlap > 0:
            seconds[agent_id][status] += overlap
    for a in roster.values():
        if not scope or a.team_id in scope:
            seconds.setdefault(a.id, defaultdict(float))
    rows = []
    for agent_id, per_status in seconds.items():
        agent = roster.get(agent_id)
        team_id = agent.team_id if agent else None
        if scope and agent is not None and team_id not in scope:
            continue
        logged_in = sum(s for st, s in per_status.items() if st != "offline")
        busy = per_status.get("busy", 0.0)
        rows.append(
            AgentTime(
                agent_id=agent_id,
                name=agent.name if agent else agent_id,
                team_id=team_id,
                team=team_label(team_id) if agent else "(not on the roster)",
                by_status=tuple(StatusTime(st, per_status[st]) for st in _ranked(STATUS_ORDER, per_status)),
                logged_in_s=logged_in,
                busy_s=busy,
                utilisation=busy / logged_in if logged_in > 0 else None,
            )
        )
    rows.sort(key=lambda r: (r.team, r.name, r.agent_id))
    return tuple(rows)


class _Label(Protocol):
    def __call__(self, team_id: str | None, /) -> str: ...
