"""The demo floor's workforce: who is on shift, how many slots are free, and the queue each team works.

A queueing model, not a script: an enquiry is answered only when an agent of its team has a free
concurrent slot; until then it waits in the team's queue, most urgent first, then oldest. Each piece of
work (a reply) holds one slot for a handle time. Rosters follow a plan made with the same Erlang C the
console's staffing panel uses, so a floor staffed to plan keeps up, and backlog and breaches appear when
it is not (scripted incidents, a supervisor's changes, or `set_staff`).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from console.domain.model import Agent, Calendar
from console.domain.staffing import agents_needed, backlog_agents
from console.service.sim.world import INCIDENTS, LONDON, World

MIN = 60.0
# Handle time of one reply, in seconds (bounded: nobody types for an hour), and of a triage hand-off.
REPLY_S = (120.0, 540.0)
TRIAGE_S = (60.0, 180.0)
# After a reply: the customer is satisfied (resolved), asked something (paused), or writes again.
P_RESOLVED, P_PAUSED = 0.45, 0.25
P_RETURNS = 0.6  # a paused customer comes back (else the enquiry is closed unanswered)
SESSIONS = 1 / (1 - (1 - P_RESOLVED - P_PAUSED) - P_PAUSED * P_RETURNS)  # replies per enquiry
WORK_S = SESSIONS * sum(REPLY_S) / 2  # agent time per enquiry a team keeps: ~600 s
# The plan's service goal: the staffing panel's defaults (console.live.floor.StaffingConfig).
PLAN_SL, PLAN_ANSWER_S, PLAN_OCCUPANCY = 0.8, 900.0, 0.85
RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
ON_SHIFT = ("available", "busy")


def handle_time(rng: random.Random, triage: bool = False) -> float:
    low, high = TRIAGE_S if triage else REPLY_S
    return rng.uniform(low, high)


def open_at(cal: Calendar | None, t: float) -> bool:
    """Whether a team with this calendar works at t (no calendar, or 24/7: always)."""
    if cal is None or cal.always_open:
        return True
    local = datetime.fromtimestamp(t, LONDON)
    if local.date().isoformat() in cal.holidays:
        return False
    minute = local.hour * 60 + local.minute
    return any(a <= minute < b for a, b in cal.hours.get(local.weekday(), ()))


@dataclass(slots=True)
class Queue:
    """A team's waiting work: (rank, waiting since, ticket, id); stale entries are skipped on pop."""

    heap: list[tuple[int, float, int, str]]
    live: dict[str, int]  # id -> ticket of its entry

    def push(self, ident: str, rank: int, since: float, ticket: int) -> None:
        self.live[ident] = ticket
        heapq.heappush(self.heap, (rank, since, ticket, ident))

    def pop(self) -> str | None:
        while self.heap:
            _, _, ticket, ident = heapq.heappop(self.heap)
            if self.live.get(ident) == ticket:
                del self.live[ident]
                return ident
        return None

    def discard(self, ident: str) -> None:
        self.live.pop(ident, None)

    def __len__(self) -> int:
        return len(self.live)


class Workforce:
    """Agents' slots and statuses, and each team's queue. Changes statuses only of agents it rostered
    itself: a status a supervisor set through the API stays until they change it again."""

    def __init__(self, world: World, shares: dict[str, float]) -> None:
        self.world = world
        self.shares = shares  # team -> share of arrivals it ends up with
        self.queues: dict[str, Queue] = {t.id: Queue([], {}) for t in world.teams}
        self.slot: dict[str, str] = {}  # enquiry id -> agent holding it in a slot
        self.override: dict[str, int] = {}  # team -> agents on shift, set by set_staff
        self._set: dict[str, str] = {}  # agent id -> the status this roster last gave it
        self.leaving: set[str] = set()  # agents finishing their work before they log off
        self._cals = {c.id: c for c in world.calendars}
        self._ticket = 0

    # --- agents ---
    def members(self, team_id: str) -> list[Agent]:
        return [a for a in self.world.agents.values() if a.team_id == team_id]

    def on_shift(self, a: Agent) -> bool:
        return a.status in ON_SHIFT

    def _status(self, a: Agent, status: str, now: float) -> None:
        if a.status != status:
            a.status, a.status_since = status, now
        self._set[a.id] = status

    def refresh_status(self, a: Agent, now: float) -> None:
        """On shift: busy when working on anything at the roster change (utilisation in the shift report),
        else available. Only at roster changes: a status flipping with every reply would be noise in the
        status log. Free slots are capacity minus load either way: a busy agent may still take more."""
        if self._set.get(a.id, a.status) in ON_SHIFT and a.status in ON_SHIFT:
            self._status(a, "busy" if a.load > 0 else "available", now)

    def free_agent(self, team_id: str) -> Agent | None:
        """The on-shift agent with the most free slots (ties: by id), or None when all are full."""
        best: Agent | None = None
        for a in self.members(team_id):
            if a.status not in ON_SHIFT or a.load >= a.capacity or a.id in self.leaving:
                continue
            if best is None or (a.capacity - a.load, best.id) > (best.capacity - best.load, a.id):
                best = a
        return best

    # --- slots and queues ---
    def take(self, ident: str, a: Agent, now: float) -> None:
        self.slot[ident] = a.id
        a.load += 1

    def release(self, ident: str, now: float) -> None:
        agent_id = self.slot.pop(ident, None)
        a = self.world.agents.get(agent_id or "")
        if a is not None and a.load > 0:
            a.load -= 1
            if a.load == 0 and a.id in self.leaving:  # their last reply is sent: off they go
                self.leaving.discard(a.id)
                self._status(a, "offline", now)
        for q in self.queues.values():
            q.discard(ident)

    def enqueue(self, team_id: str, ident: str, priority: str, since: float) -> None:
        self._ticket += 1
        q = self.queues.get(team_id)
        if q is None:  # a team the world does not know: the social team picks it up
            q = self.queues["social"]
        q.push(ident, RANK.get(priority, 2), since, self._ticket)

    def backlog(self, team_id: str) -> int:
        return len(self.queues[team_id])

    # --- the roster ---
    def incidents(self, t: float) -> list[tuple[str, str, float]]:
        """Incidents running at t: (kind, team, factor)."""
        hour = datetime.fromtimestamp(t, LONDON)
        h = hour.hour + hour.minute / 60
        return [(i.kind, i.team, i.factor) for i in INCIDENTS if i.start_hour <= h < i.start_hour + i.hours]

    def planned(self, team_id: str, t: float, rate_per_hour: float) -> int:
        """Agents the plan puts on shift: Erlang C at the expected arrivals plus enough to clear the
        team's queue within the answer target, like the staffing panel; none outside working hours."""
        if team_id in self.override:
            return self.override[team_id]
        team = next(x for x in self.world.teams if x.id == team_id)
        if team.kind != "social" and not open_at(self._cals.get(team.calendar_id), t):
            return 0
        if any(kind == "offline" and team_id == who for kind, who, _ in self.incidents(t)):
            return 0
        work = WORK_S / _mean_slots(self.members(team_id))
        need = agents_needed(rate_per_hour, work, PLAN_SL, PLAN_ANSWER_S, max_occupancy=PLAN_OCCUPANCY).agents
        need += backlog_agents(self.backlog(team_id), work, PLAN_ANSWER_S, max_occupancy=PLAN_OCCUPANCY)
        return max(1, need)

    def start(self, now: float) -> None:
        """Everyone off the floor before the first roster (which then fills it in id order)."""
        for a in self.world.agents.values():
            self._status(a, "offline", now)

    def roster(self, team_id: str, want: int, now: float, *, outage: bool = False) -> list[str]:
        """Put `want` agents of the team on shift (within its size); returns the enquiries whose agent
        left the floor (their work goes back to the queue). Nobody leaves mid-reply: an agent holding
        work takes nothing new and logs off after the last reply, unless the team goes offline (an
        outage: the work goes back to the queue). While a team works, one more is away."""
        members = sorted(self.members(team_id), key=lambda a: a.id)
        mine = [a for a in members if self._set.get(a.id, a.status) == a.status]  # not a supervisor's
        want = min(want, len(mine))
        working = sorted((a for a in mine if a.status in ON_SHIFT), key=lambda a: (a.load, a.id))
        resting = [a for a in mine if a.status not in ON_SHIFT]
        dropped: list[str] = []
        while len(working) > want:
            a = working.pop(0)  # the least loaded leaves first
            if a.load and not outage:
                self.leaving.add(a.id)  # takes nothing new, logs off after the last reply
                continue
            dropped += [i for i, who in self.slot.items() if who == a.id]
            self.leaving.discard(a.id)
            self._status(a, "offline", now)
        for a in working:
            self.leaving.discard(a.id)  # wanted after all
        for a in resting:
            if len(working) >= want:
                break
            self._status(a, "available", now)
            working.append(a)
        on_break = 1 if want >= 1 else 0
        for a in resting:
            if a.status not in ON_SHIFT:
                self._status(a, "away" if on_break else "offline", now)
                on_break = 0
        for a in working:
            self.refresh_status(a, now)
        return dropped


def _mean_slots(agents: Iterable[Agent]) -> float:
    caps = [a.capacity for a in agents if a.capacity > 0]
    return max(1.0, sum(caps) / len(caps)) if caps else 1.0
