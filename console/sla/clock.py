"""The SLA engine's value types: thresholds, a clock, a status, and the cached form of the clock that
matters for one enquiry version (console.sla.engine computes them; a ClockSnapshot reads them elsewhere)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from console.domain.calendars import BusinessClock


@dataclass(frozen=True, slots=True)
class Thresholds:
    """at_risk when the working time left is <= at_risk_fraction of the target OR <= at_risk_minutes;
    urgent likewise; breached once the deadline has passed."""

    at_risk_fraction: float = 0.5
    at_risk_minutes: float = 30.0
    urgent_fraction: float = 0.2
    urgent_minutes: float = 10.0

    def __post_init__(self) -> None:
        for name in ("at_risk_fraction", "urgent_fraction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name.replace('_', ' ')} must be between 0 and 1")
        if self.at_risk_minutes < 0 or self.urgent_minutes < 0:
            raise ValueError("threshold minutes must not be negative")
        if self.urgent_fraction > self.at_risk_fraction or self.urgent_minutes > self.at_risk_minutes:
            raise ValueError("the urgent threshold must not be above the at-risk threshold")

    def limits(self, target_s: float) -> tuple[float, float]:
        """(at_risk, urgent) limits in working seconds left for a target."""
        return (
            max(self.at_risk_fraction * target_s, self.at_risk_minutes * 60.0),
            max(self.urgent_fraction * target_s, self.urgent_minutes * 60.0),
        )


# Not frozen (treat it as read-only): a frozen dataclass costs four times as much to build.
@dataclass(slots=True)
class Clock:
    kind: str  # first_response | next_response | resolution | handoff
    started_at: float
    target_s: float  # working seconds
    due_at: float  # wall-clock deadline (epoch); inf while paused or if the calendar never opens
    stopped_at: float | None
    calendar_id: str
    policy_id: str
    paused: bool = False  # resolution clock inside a waiting_customer pause
    used_s: float = 0.0  # working seconds consumed when paused (what the pane shows as spent)

    @property
    def running(self) -> bool:
        return self.stopped_at is None and not self.paused

    @property
    def met(self) -> bool | None:
        """For a stopped clock: stopped in time? None while it runs."""
        return None if self.stopped_at is None else self.stopped_at <= self.due_at


class SlaStatus(NamedTuple):
    """How an enquiry stands at one `now`. A named tuple, not a dataclass, for the 100k-row tick: a tuple
    of strings and floats is cheap to build and the garbage collector stops tracking it, so ticks do not
    trigger full collections over every cached object."""

    kind: str
    state: str  # on_track | at_risk | urgent | breached
    remaining_s: float  # working seconds; <= 0 once breached (the time over, counting up)
    due_at: float  # wall clock
    target_s: float

    @property
    def fraction_left(self) -> float:
        """Of the target, how much is left (<= 0 once breached). Worked out when asked, not held: a
        float and a field per row cost ~3 MB at 100k open."""
        return self.remaining_s / self.target_s if self.target_s else 0.0


class ClockSpec:
    """What every clock of one kind, target, calendar clock and policy shares, with the thresholds a tick
    compares with: one object for them all (not a copy in every row's clock: ~5 MB at 100k open)."""

    __slots__ = ("at_risk_s", "calendar_id", "kind", "policy_id", "target_s", "timer", "urgent_s")

    def __init__(
        self,
        kind: str,
        target_s: float,
        calendar_id: str,
        policy_id: str,
        timer: BusinessClock,
        limits: tuple[float, float],
    ) -> None:
        self.kind, self.target_s, self.calendar_id, self.policy_id = kind, target_s, calendar_id, policy_id
        self.timer = timer
        self.at_risk_s, self.urgent_s = limits


class CachedClock:
    """The clock that matters for one enquiry version, with what a tick needs precomputed. One object
    per enquiry (the Clock is built on demand): fewer objects for every full garbage collection."""

    __slots__ = ("due_at", "due_pos", "spec", "started_at", "version")

    def __init__(self, version: int, spec: ClockSpec, started_at: float, due_at: float) -> None:
        self.version = version
        self.spec = spec
        self.started_at = started_at
        self.due_at = due_at
        self.due_pos = math.inf if math.isinf(due_at) else spec.timer.position(due_at)

    @property
    def clock(self) -> Clock:
        spec = self.spec
        return Clock(
            spec.kind, self.started_at, spec.target_s, self.due_at, None, spec.calendar_id, spec.policy_id
        )


def entry_status(entry: CachedClock, pos_now: float, now: float) -> SlaStatus:
    spec = entry.spec
    remaining = entry.due_pos - pos_now
    # Breached once the wall deadline has passed, even when the calendar has been closed since (then
    # the working time over is 0).
    if now > entry.due_at:
        state = "breached"
        remaining = min(remaining, 0.0)
    elif remaining <= spec.urgent_s:
        state = "urgent"
    elif remaining <= spec.at_risk_s:
        state = "at_risk"
    else:
        state = "on_track"
    return SlaStatus(spec.kind, state, remaining, entry.due_at, spec.target_s)
