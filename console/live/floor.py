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

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

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


def gap_words(gap: int) -> str:
    """A team's gap as every screen says it."""
    return "just enough" if gap == 0 else f"{gap} short" if gap > 0 else f"{-gap} spare"


def capacity_words(c: Capacity) -> str:
    """'12 free slots · load 199/211' (the header, the lanes and the wallboard say it alike)."""
    slots = f"{c.free_slots} free slot{'s' if c.free_slots != 1 else ''}"
    return f"{slots} · load {c.load}/{c.capacity}" if c.capacity else "nobody on shift"


__all__ = [
    "FloorTotals",
    "StaffingConfig",
    "TeamStaffing",
    "capacity_words",
    "gap_words",
    "in_backlog",
    "on_shift_ids",
    "slot_handle_s",
    "team_staffing",
    "totals",
]
