"""Breach prediction: the team's free capacity working the queue in deadline order."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from console.domain.model import Agent, Enquiry, SLAPolicy
from console.sla.engine import SlaEngine, default_calendars
from console.sla.predict import predict_breaches

LONDON = ZoneInfo("Europe/London")
MIN = 60.0
T0 = datetime(2026, 11, 26, 10, tzinfo=LONDON).timestamp()
# 24/7 with a 30-minute first response, so deadlines are plain arithmetic.
POLICY = SLAPolicy("p", "30 min", 1, 30 * MIN, 30 * MIN, 8 * 3600, calendar_id="24x7")


def engine() -> SlaEngine:
    return SlaEngine([POLICY], {c.id: c for c in default_calendars()}, {})


def enquiry(ident: str, age_min: float, status: str = "new") -> Enquiry:
    created = T0 - age_min * MIN
    return Enquiry(ident, "x", "private", "@c", "C", "", "general", 2, frozenset(), "normal", status,
                   "social", None, created, 1, created, created)  # fmt: skip


def agent(ident: str, capacity: int, load: int = 0, status: str = "available") -> Agent:
    return Agent(ident, ident, "social", status, capacity, load)


def test_enough_capacity_means_no_breach() -> None:
    queue = [enquiry(f"e{i}", 5) for i in range(4)]  # due in 25 minutes
    assert predict_breaches(queue, [agent("a", 2), agent("b", 2)], 10 * MIN, T0, engine()) == []


def test_one_agent_works_the_queue_in_deadline_order() -> None:
    # Due in 25, 20, 15 and 28 minutes; one slot, 10 minutes each: replies at 10, 20, 30, 40.
    queue = [enquiry("a", 5), enquiry("b", 10), enquiry("c", 15), enquiry("d", 2)]
    got = predict_breaches(queue, [agent("solo", 1)], 10 * MIN, T0, engine())
    # Order served: c (due +15), b (+20), a (+25), d (+28). a is answered at +30, d at +40.
    assert got == [("a", T0 + 25 * MIN), ("d", T0 + 28 * MIN)]


def test_busy_slots_free_up_after_one_handle_time_and_away_agents_do_not_count() -> None:
    queue = [enquiry("a", 15)]  # due in 15 minutes
    eng = engine()
    # The only working slot is taken: free at +10, reply at +20, too late.
    agents = [
        agent("busy", 1, load=1, status="busy"),
        agent("away", 5, status="away"),
        agent("off", 3, status="offline"),
    ]
    assert predict_breaches(queue, agents, 10 * MIN, T0, eng) == [("a", T0 + 15 * MIN)]
    assert predict_breaches(queue, [*agents, agent("free", 1)], 10 * MIN, T0, eng) == []


def test_no_agents_every_open_enquiry_breaches_and_closed_ones_are_ignored() -> None:
    queue = [enquiry("late", 40), enquiry("soon", 5), enquiry("done", 5, status="closed")]
    got = predict_breaches(queue, [], 5 * MIN, T0, engine())
    assert got == [("late", T0 - 10 * MIN), ("soon", T0 + 25 * MIN)]  # "late" breached already


def test_a_negative_handle_time_is_refused() -> None:
    with pytest.raises(ValueError, match="handle time"):
        predict_breaches([], [], -1.0, T0, engine())
