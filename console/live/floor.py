"""The floor's staffing, computed once: what the header, the board's lanes, the staffing panel and the
wallboard all show. Pure functions over enquiries and agents; no Qt, no clock of its own.

Agents needed now = Erlang C at the team's live arrival rate (console.domain.staffing.agents_needed)
plus the agents it takes to clear the team's backlog within the answer target (backlog_agents). Without
the second term a floor with hundreds waiting and every slot taken would read "enough agents", because
the arrival rate alone says nothing about work already queued.

The backlog is open work nobody on shift holds: an enquiry owed a reply, or a hand-off waiting for its
specialist team, with no agent on shift working on it. Free capacity is free concurrent slots (capacity
minus load of the agents on shift), never a count of agents whose status says "available".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from console.domain.model import Agent, Enquiry
from console.domain.staffing import Capacity, agents_needed, backlog_agents, capacity
from console.live.metrics import awaiting_reply


@dataclass(frozen=True, slots=True)
class StaffingConfig:
    """Erlang C inputs the data cannot give: handle time per enquiry and the service goal. Agents work
    several enquiries at once, so the handle time is divided by each team's mean capacity. The backlog
    is cleared within the same answer target."""

    aht_s: float = 600.0
    target_sl: float = 0.8
    target_answer_s: float = 900.0
    max_occupancy: float = 0.85
    window_s: float = 3600.0  # the live arrival rate is measured over this window


def in_backlog(e: Enquiry, on_shift: Collection[str]) -> bool:
    """Open work that nobody on shift holds: owed a reply, or a hand-off not yet taken by its team."""
    if not e.is_open or e.status == "waiting_customer":
        return False
    if e.status == "pending_specialist" and e.agent_id is None:
        return True
    if not awaiting_reply(e):
        return False
    return e.agent_id is None or e.agent_id not in on_shift


def on_shift_ids(agents: Iterable[Agent]) -> frozenset[str]:
    return frozenset(a.id for a in agents if a.status in ("available", "busy"))


@dataclass(frozen=True, slots=True)
class TeamStaffing:
    team_id: str
    name: str
    rate_per_hour: float  # arrivals over the window
    backlog: int
    for_arrivals: int  # Erlang C at the arrival rate
    for_backlog: int  # to clear the backlog within the answer target
    capacity: Capacity

    @property
    def needed(self) -> int:
        return self.for_arrivals + self.for_backlog

    @property
    def on_shift(self) -> int:
        return self.capacity.on_shift

    @property
    def gap(self) -> int:
        """Agents missing now (negative: spare)."""
        return self.needed - self.on_shift


def slot_handle_s(members: Iterable[Agent], aht_s: float) -> float:
    """Handle time per concurrent slot: aht over the mean capacity of the agents on shift (of all the
    team's agents when nobody is on shift, so a closed team still gets a figure)."""
    members = list(members)
    working = [a.capacity for a in members if a.status in ("available", "busy") and a.capacity > 0]
    slots = working or [a.capacity for a in members if a.capacity > 0]
    per_agent = max(1.0, sum(slots) / len(slots)) if slots else 1.0
    return aht_s / per_agent


def team_staffing(
    team_id: str,
    name: str,
    members: Sequence[Agent],
    arrivals: int,
    backlog: int,
    cfg: StaffingConfig,
) -> TeamStaffing:
    """One team's figures: arrivals is the count over cfg.window_s, backlog from in_backlog."""
    handle = slot_handle_s(members, cfg.aht_s)
    rate = arrivals * 3600.0 / cfg.window_s
    for_arrivals = agents_needed(
        rate, handle, cfg.target_sl, cfg.target_answer_s, max_occupancy=cfg.max_occupancy
    ).agents
    for_backlog = backlog_agents(backlog, handle, cfg.target_answer_s, max_occupancy=cfg.max_occupancy)
    return TeamStaffing(team_id, name, rate, backlog, for_arrivals, for_backlog, capacity(members))


@dataclass(frozen=True, slots=True)
class FloorTotals:
    needed: int
    on_shift: int
    short: int  # agents missing, summed over the teams short of agents (spare ones elsewhere do not help)
    spare: int
    backlog: int
    free_slots: int
    load: int
    capacity: int


def totals(teams: Iterable[TeamStaffing]) -> FloorTotals:
    teams = list(teams)
    return FloorTotals(
        needed=sum(t.needed for t in teams),
        on_shift=sum(t.on_shift for t in teams),
        short=sum(max(0, t.gap) for t in teams),
        spare=sum(max(0, -t.gap) for t in teams),
        backlog=sum(t.backlog for t in teams),
        free_slots=sum(t.capacity.free_slots for t in teams),
        load=sum(t.capacity.load for t in teams),
        capacity=sum(t.capacity.capacity for t in teams),
    )


@dataclass(frozen=True, slots=True)
class TeamDay:
    """One team across the day: arrivals in each hour and the agents those arrivals needed."""

    team_id: str
    name: str
    arrivals: tuple[float, ...]  # per hour of DayStaffing.hours; the current hour: the live rate
    needed: tuple[int, ...]  # Erlang C for that hour's arrivals (the backlog term is a now-only figure)
    on_shift: int  # agents on shift now, to read the hours against

    @property
    def peak(self) -> int:
        return max(self.needed, default=0)


@dataclass(frozen=True, slots=True)
class DayStaffing:
    """The staffing need hour by hour: what the floor needed for the work that arrived in each hour."""

    hours: tuple[float, ...] = ()  # hour starts (epoch), oldest first; the last one is the current hour
    teams: tuple[TeamDay, ...] = field(default=())

    def total(self) -> tuple[int, ...]:
        """Agents needed per hour over all teams (each team staffed on its own, then added up)."""
        return tuple(sum(t.needed[i] for t in self.teams) for i in range(len(self.hours)))


def hours_of_day(now: float, day_start: float, *, at_least: int = 8, at_most: int = 24) -> tuple[float, ...]:
    """Hour starts from the site's midnight to the current hour; at least `at_least` hours (so the
    small hours still show the evening before), at most `at_most`."""
    last = now // 3600 * 3600
    first = min(day_start // 3600 * 3600, last - (at_least - 1) * 3600)
    first = max(first, last - (at_most - 1) * 3600)
    return tuple(float(first + i * 3600) for i in range(int((last - first) // 3600) + 1))


def day_staffing(
    hours: Sequence[float],
    teams: Sequence[tuple[str, str]],
    arrivals: Mapping[str, Sequence[float]],
    members: Mapping[str, Sequence[Agent]],
    cfg: StaffingConfig,
) -> DayStaffing:
    """Per team and hour, the agents needed for that hour's arrivals: Erlang C at the hour's arrival
    count as the rate, with the same handle time per slot, goal and occupancy cap as the figures now.
    `arrivals` holds per team one rate per hour (the caller gives the current, unfinished hour the live
    rate, so its need is the "needed for arrivals" shown now)."""
    out: list[TeamDay] = []
    for team_id, name in teams:
        staff = members.get(team_id, ())
        handle = slot_handle_s(staff, cfg.aht_s)
        counts = tuple(float(n) for n in arrivals.get(team_id, ()))[: len(hours)]
        counts = counts + (0.0,) * (len(hours) - len(counts))
        needed = tuple(
            agents_needed(
                n, handle, cfg.target_sl, cfg.target_answer_s, max_occupancy=cfg.max_occupancy
            ).agents
            for n in counts
        )
        out.append(TeamDay(team_id, name, counts, needed, capacity(staff).on_shift))
    return DayStaffing(tuple(hours), tuple(out))


def gap_words(gap: int) -> str:
    """A team's gap as every screen says it."""
    return "just enough" if gap == 0 else f"{gap} short" if gap > 0 else f"{-gap} spare"


def capacity_words(c: Capacity) -> str:
    """'12 free slots · load 199/211' (the header, the lanes and the wallboard say it alike)."""
    slots = f"{c.free_slots} free slot{'s' if c.free_slots != 1 else ''}"
    return f"{slots} · load {c.load}/{c.capacity}" if c.capacity else "nobody on shift"


__all__ = [
    "DayStaffing",
    "FloorTotals",
    "StaffingConfig",
    "TeamDay",
    "TeamStaffing",
    "capacity_words",
    "day_staffing",
    "gap_words",
    "hours_of_day",
    "in_backlog",
    "on_shift_ids",
    "slot_handle_s",
    "team_staffing",
    "totals",
]
