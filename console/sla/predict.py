"""Breach prediction: will the agents we have get through the queue before the deadlines?

A deterministic simulation, cheap enough to run on every change: each agent who is available or busy
offers `capacity` slots; free slots start now, occupied ones free up one average handle time from now
(the conservative reading when nothing says how far along the current work is). The queue is worked in
SLA-urgency order (earliest deadline of the clock that matters first) and each reply goes out one handle
time after an agent picks the enquiry up. Only the clock that matters now is modelled: a reply is taken
to stop it. Agent shifts and calendars are not modelled: agents are assumed to keep working.
"""

from __future__ import annotations

import heapq
from typing import Protocol

from console.domain.model import Agent, Enquiry

WORKING_STATUSES = frozenset({"available", "busy"})


class Deadline(Protocol):
    @property
    def due_at(self) -> float: ...


class ClockSource(Protocol):
    """What the prediction needs from the SLA engine (console.sla.engine.SlaEngine is one): the clock that
    matters now for an enquiry, or None. A protocol, so that this module does not import the engine."""

    def current(self, e: Enquiry) -> Deadline | None: ...


def predict_breaches(
    queue: list[Enquiry], agents: list[Agent], handle_time_s: float, now: float, engine: ClockSource
) -> list[tuple[str, float]]:
    """(enquiry_id, predicted_breach_at) for every enquiry whose reply would come after its deadline,
    ordered by breach time. Already-breached enquiries are included (their breach time is in the past);
    filter on breach_at > now for the ones still avoidable."""
    if handle_time_s < 0:
        raise ValueError("the average handle time must not be negative")
    slots: list[float] = []
    for a in agents:
        if a.status not in WORKING_STATUSES or a.capacity <= 0:
            continue
        busy = min(max(a.load, 0), a.capacity)
        slots.extend([now] * (a.capacity - busy))
        slots.extend([now + handle_time_s] * busy)
    heapq.heapify(slots)
    work: list[tuple[float, str]] = []
    for e in queue:
        clock = engine.current(e)
        if clock is not None:
            work.append((clock.due_at, e.id))
    work.sort()
    breaches: list[tuple[str, float]] = []
    for due, ident in work:
        if not slots:
            breaches.append((ident, due))
            continue
        free_at = heapq.heappop(slots)
        done = max(free_at, now) + handle_time_s
        heapq.heappush(slots, done)
        if done > due:
            breaches.append((ident, due))
    return breaches
