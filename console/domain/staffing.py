"""Staffing with Erlang C, in plain Python.

Erlang C is computed from the Erlang B recursion B(n) = A*B(n-1) / (n + A*B(n-1)), which stays in [0, 1]
for any agent count, so thousands of agents neither overflow nor lose precision (factorials and powers
would). Erlang C assumes one contact at a time per agent: for chat-like channels where agents juggle
several enquiries, pass the handle time per concurrent slot.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from console.domain.model import Agent, Team

ON_SHIFT_STATUSES = frozenset({"available", "busy"})
_EPS = 1e-9  # float slack so that 7 / 0.7 rounds up to 10, not 11
# Beyond these the inputs are a mistake, not a contact centre: refused with a clear message instead of a
# search that would run for hours. Ten million erlangs (a whole country on the phone) still solves.
MAX_TRAFFIC_ERLANGS = 1e8
MIN_OCCUPANCY = 0.05
# The Erlang B recursion is started this many standard deviations (sqrt(a)) below the traffic: from a
# rough start there, each step shrinks the error by k/a, so it has vanished (by ~e^-50) at n = a, and a
# huge load costs O(sqrt(a)) steps instead of O(a).
_WARM_SIGMAS = 10.0


@dataclass(frozen=True, slots=True)
class StaffingResult:
    traffic_erlangs: float
    raw_agents: int  # fewest agents meeting the service level
    raw_occupancy: float  # occupancy at raw_agents
    agents: int  # after the occupancy cap
    occupancy: float  # at agents
    scheduled_agents: int  # after shrinkage: ceil(agents / (1 - shrinkage))
    service_level: float  # achieved with `agents`
    asa_s: float  # average speed of answer with `agents`, seconds


@dataclass(frozen=True, slots=True)
class TeamStaffing:
    team_id: str
    team_name: str
    rate_per_hour: float
    needed: StaffingResult
    on_shift: int  # agents available or busy
    away: int
    offline: int

    @property
    def shortfall(self) -> int:
        """Agents missing now (negative: spare)."""
        return self.needed.agents - self.on_shift


@dataclass(frozen=True, slots=True)
class Capacity:
    """Agents and their concurrent slots. Agents on shift (available or busy) take work; free slots are
    capacity minus load over them, so an agent whose every slot is taken is not "free" whatever their
    status says, and a busy agent with a slot left is."""

    on_shift: int = 0
    available: int = 0
    busy: int = 0
    away: int = 0
    offline: int = 0
    load: int = 0  # enquiries held by agents on shift
    capacity: int = 0  # their concurrent slots
    free_slots: int = 0
    full: int = 0  # agents on shift with no free slot

    @property
    def utilisation(self) -> float | None:
        return self.load / self.capacity if self.capacity else None


def capacity(agents: Iterable[Agent], team_id: str | None = None) -> Capacity:
    """The capacity of some agents (of one team when team_id is given)."""
    counts = dict.fromkeys(("available", "busy", "away", "offline"), 0)
    load = cap = free = full = 0
    for a in agents:
        if team_id is not None and a.team_id != team_id:
            continue
        counts[a.status if a.status in counts else "offline"] += 1
        if a.status in ON_SHIFT_STATUSES:
            load += a.load
            cap += a.capacity
            free += max(0, a.capacity - a.load)
            full += a.load >= a.capacity
    return Capacity(
        on_shift=counts["available"] + counts["busy"],
        available=counts["available"],
        busy=counts["busy"],
        away=counts["away"],
        offline=counts["offline"],
        load=load,
        capacity=cap,
        free_slots=free,
        full=full,
    )


def _finite(name: str, value: float, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'above' if positive else 'at least'} zero, got {value!r}.")
    return float(value)


def _agent_count(agents: int) -> int:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ValueError(f"agents must be a whole number of at least zero, got {agents!r}.")
    return agents


def traffic(rate_per_hour: float, aht_s: float) -> float:
    """Offered traffic in erlangs (ValueError beyond MAX_TRAFFIC_ERLANGS: the inputs are wrong)."""
    a = _finite("rate_per_hour", rate_per_hour) * _finite("aht_s", aht_s, positive=True) / 3600.0
    if not a <= MAX_TRAFFIC_ERLANGS:
        raise ValueError(
            f"{rate_per_hour:g} contacts an hour of {aht_s:g} s each is {a:.3g} erlangs, more than "
            f"{MAX_TRAFFIC_ERLANGS:.0e}: check the arrival rate and the handle time (seconds, not hours?)."
        )
    return a


def _erlang_b(a: float, n: int) -> float:
    k0 = max(0, min(n, math.floor(a - _WARM_SIGMAS * math.sqrt(a))))
    # Below the load nearly every contact is blocked: B(k) ~ (a - k) / a. Exact from k = 0.
    b = 1.0 if k0 == 0 else (a - k0) / a
    for k in range(k0 + 1, n + 1):
        b = a * b / (k + a * b)
        if b == 0.0:  # far above the load: blocking underflows and stays zero
            break
    return b


def _c_from_b(a: float, n: int, b: float) -> float:
    if a == 0:
        return 0.0
    if a >= n:
        return 1.0
    return n * b / (n - a * (1.0 - b))


def erlang_c(traffic_erlangs: float, agents: int) -> float:
    """Probability that a contact waits. 1.0 when traffic >= agents (the queue grows without bound)."""
    a = _finite("traffic_erlangs", traffic_erlangs)
    n = _agent_count(agents)
    if a == 0:
        return 0.0
    if a >= n:
        return 1.0
    return _c_from_b(a, n, _erlang_b(a, n))


def _sl(a: float, n: int, c: float, aht_s: float, target_answer_s: float) -> float:
    if a == 0:
        return 1.0
    if a >= n:
        return 0.0
    return max(0.0, 1.0 - c * math.exp(-(n - a) * target_answer_s / aht_s))


def _asa(a: float, n: int, c: float, aht_s: float) -> float:
    if a == 0:
        return 0.0
    if a >= n:
        return math.inf
    return c * aht_s / (n - a)


def service_level(rate_per_hour: float, aht_s: float, agents: int, target_answer_s: float) -> float:
    """Share of contacts answered within target_answer_s."""
    a = traffic(rate_per_hour, aht_s)
    n = _agent_count(agents)
    t = _finite("target_answer_s", target_answer_s)
    return _sl(a, n, erlang_c(a, n), aht_s, t)


def average_speed_of_answer(rate_per_hour: float, aht_s: float, agents: int) -> float:
    """Mean wait in seconds (infinite when traffic >= agents)."""
    a = traffic(rate_per_hour, aht_s)
    n = _agent_count(agents)
    return _asa(a, n, erlang_c(a, n), aht_s)


def agents_needed(
    rate_per_hour: float,
    aht_s: float,
    target_sl: float,
    target_answer_s: float,
    *,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
) -> StaffingResult:
    """Fewest agents answering target_sl of contacts within target_answer_s, then capped by occupancy
    and grossed up for shrinkage (breaks, training, absence)."""
    a = traffic(rate_per_hour, aht_s)
    t = _finite("target_answer_s", target_answer_s)
    if not _finite("target_sl", target_sl) < 1:
        raise ValueError(f"target_sl must be a fraction below 1 (e.g. 0.8), got {target_sl!r}.")
    if not _finite("shrinkage", shrinkage) < 1:
        raise ValueError(f"shrinkage must be a fraction below 1 (e.g. 0.3), got {shrinkage!r}.")
    if not MIN_OCCUPANCY <= _finite("max_occupancy", max_occupancy) <= 1:
        raise ValueError(
            f"max_occupancy must be a fraction from {MIN_OCCUPANCY} to 1 (e.g. 0.85), got {max_occupancy!r}."
        )
    if a == 0:
        return StaffingResult(0.0, 0, 0.0, 0, 0.0, 0, 1.0, 0.0)
    # Walk n upwards from the first stable count, carrying Erlang B along: O(n) overall.
    n = math.floor(a) + 1
    b = _erlang_b(a, n)
    while True:
        c = _c_from_b(a, n, b)
        if _sl(a, n, c, aht_s, t) >= target_sl:
            break
        n += 1
        b = a * b / (n + a * b)
    raw = n
    capped = max(raw, math.ceil(a / max_occupancy - _EPS))
    if capped > n:
        n = capped
        b = _erlang_b(a, n)
    c = _c_from_b(a, n, b)
    return StaffingResult(
        traffic_erlangs=a,
        raw_agents=raw,
        raw_occupancy=a / raw,
        agents=capped,
        occupancy=a / capped,
        scheduled_agents=math.ceil(capped / (1.0 - shrinkage) - _EPS),
        service_level=_sl(a, capped, c, aht_s, t),
        asa_s=_asa(a, capped, c, aht_s),
    )


def backlog_agents(backlog: int, aht_s: float, clear_within_s: float, *, max_occupancy: float = 1.0) -> int:
    """Agents it takes, on top of those the arrivals need, to clear `backlog` contacts already waiting
    within clear_within_s, each working at most max_occupancy of the time (aht_s per contact, per slot
    for agents who work several at once)."""
    if isinstance(backlog, bool) or not isinstance(backlog, int) or backlog < 0:
        raise ValueError(f"backlog must be a whole number of at least zero, got {backlog!r}.")
    work = _finite("aht_s", aht_s, positive=True)
    window = _finite("clear_within_s", clear_within_s, positive=True)
    if not MIN_OCCUPANCY <= _finite("max_occupancy", max_occupancy) <= 1:
        raise ValueError(
            f"max_occupancy must be a fraction from {MIN_OCCUPANCY} to 1 (e.g. 0.85), got {max_occupancy!r}."
        )
    if backlog == 0:
        return 0
    agents = backlog * work / (window * max_occupancy)
    if not agents <= MAX_TRAFFIC_ERLANGS:
        raise ValueError(
            f"clearing {backlog} contacts in {window:g} s needs {agents:.3g} agents: check the inputs."
        )
    return math.ceil(agents - _EPS)


def arrival_rate(timestamps: Iterable[float], now: float, window_s: float = 3600) -> float:
    """Live arrival rate per hour: arrivals in (now - window_s, now], scaled to an hour. Arrivals after
    `now` (a skewed clock) are not counted."""
    _finite("now", now)
    w = _finite("window_s", window_s, positive=True)
    start = now - w
    count = sum(1 for ts in timestamps if start < ts <= now)
    return count * 3600.0 / w


def team_staffing(
    teams: Iterable[Team],
    agents: Iterable[Agent],
    arrivals: Mapping[str, Sequence[float]],
    now: float,
    *,
    aht_s: float | Mapping[str, float],
    target_sl: float,
    target_answer_s: float,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
    window_s: float = 3600,
) -> list[TeamStaffing]:
    """Per team: agents needed at the live arrival rate vs agents on shift.

    arrivals maps team id -> arrival timestamps (e.g. created_at of its enquiries); aht_s is one handle
    time for all teams or one per team id (a team missing from the mapping is a ValueError)."""
    counts: dict[str, list[int]] = {}
    for ag in agents:
        row = counts.setdefault(ag.team_id, [0, 0, 0])
        row[0 if ag.status in ON_SHIFT_STATUSES else 1 if ag.status == "away" else 2] += 1
    out: list[TeamStaffing] = []
    for team in teams:
        if isinstance(aht_s, Mapping):
            if team.id not in aht_s:
                raise ValueError(f"No handle time given for team {team.name or team.id!r}.")
            aht = aht_s[team.id]
        else:
            aht = aht_s
        rate = arrival_rate(arrivals.get(team.id, ()), now, window_s)
        needed = agents_needed(
            rate, aht, target_sl, target_answer_s, shrinkage=shrinkage, max_occupancy=max_occupancy
        )
        on, away, off = counts.get(team.id, [0, 0, 0])
        out.append(TeamStaffing(team.id, team.name, rate, needed, on, away, off))
    return out
