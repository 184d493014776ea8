"""The reference service's demo floor is a queueing simulation: answers need a free slot, backlog follows
staffing, scripted incidents happen at their hours, and a seed still gives the same floor."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from datetime import datetime

from console.service.sim.floor import SESSIONS, WORK_S
from console.service.sim.simulator import Simulator
from console.service.sim.world import LONDON

START = datetime(2026, 11, 25, 9, 0, tzinfo=LONDON).timestamp()  # a Wednesday, 09:00 in Leeds
HOUR = 3600.0


def run(sim: Simulator, until: float) -> None:
    with sim.store.lock:
        sim.run_until(until)


def held_slots(sim: Simulator) -> Counter[str]:
    return Counter(sim.floor.slot.values())


def test_the_same_seed_gives_the_same_floor_however_time_is_stepped() -> None:
    a = Simulator(seed=4, open_enquiries=300, start=START)
    b = Simulator(seed=4, open_enquiries=300, start=START)
    run(a, START + 6 * HOUR)
    for k in range(1, 73):
        run(b, START + k * 300)
    assert a.store.wire == b.store.wire
    assert [json.dumps(asdict(x), sort_keys=True) for x in a.world.agents.values()] == [
        json.dumps(asdict(x), sort_keys=True) for x in b.world.agents.values()
    ]


def test_agents_never_hold_more_than_their_slots_and_load_is_what_they_hold() -> None:
    sim = Simulator(seed=5, open_enquiries=800, start=START)
    for k in range(1, 49):
        run(sim, START + k * 900)
        held = held_slots(sim)
        for a in sim.world.agents.values():
            assert 0 <= a.load == held.get(a.id, 0) <= a.capacity, a
            if a.load:
                assert a.status in ("available", "busy")
        for ident, agent_id in sim.floor.slot.items():
            e = sim.store.enquiries[ident]
            assert e.agent_id == agent_id and e.is_open


def test_nobody_is_answered_without_a_free_slot_and_the_backlog_follows_staffing() -> None:
    sim = Simulator(seed=6, open_enquiries=400, start=START)
    run(sim, START + HOUR)
    with sim.store.lock:
        sim.set_staff("social", 0)  # the social team walks out
    answered_before = {i for i, e in sim.store.enquiries.items() if e.first_response_at is not None}
    held_before = set(sim.floor.slot)
    run(sim, START + 2 * HOUR)
    newly = {
        i
        for i, e in sim.store.enquiries.items()
        if e.first_response_at is not None and i not in answered_before and e.team_id == "social"
    }
    assert newly <= held_before  # only work already in a slot when they left (none: it was handed back)
    grown = sim.backlog()["social"]
    assert grown > 20  # an hour of late-morning arrivals waits
    with sim.store.lock:
        sim.set_staff("social", 20)
    run(sim, START + 2.5 * HOUR)
    assert sim.backlog()["social"] < grown / 4  # a full team clears it


def test_a_floor_staffed_to_plan_keeps_up_and_the_plan_is_erlang_c_sized() -> None:
    sim = Simulator(seed=8, open_enquiries=2000, start=START)
    waits = []
    for k in range(1, 25):
        run(sim, START + k * 900)
        waits.append(sim.backlog()["social"])
    assert max(waits) < 15  # a staffed floor does not let the social queue grow
    assert 550 < WORK_S < 650 and 1.5 < SESSIONS < 2.2  # the staffing panel's 10 minutes an enquiry


def test_scripted_incidents_happen_at_their_hours() -> None:
    sim = Simulator(seed=9, open_enquiries=1000, start=START)  # 40 arrivals an hour at the peak
    run(sim, START + 4.5 * HOUR)  # 13:30: cards working
    cards = [a for a in sim.world.agents.values() if a.team_id == "cards"]
    assert any(a.status in ("available", "busy") for a in cards)
    run(sim, START + 5.5 * HOUR)  # 14:30: Cards offline for an hour
    assert all(a.status in ("offline", "away") for a in cards) and not any(a.load for a in cards)
    run(sim, START + 6.5 * HOUR)  # 15:30: back
    assert any(a.status in ("available", "busy") for a in cards)
    run(sim, START + 12 * HOUR)  # 21:00
    fraud = Counter(
        datetime.fromtimestamp(e.created_at, LONDON).hour
        for e in sim.store.enquiries.values()
        if e.topic == "fraud" and e.created_at >= START + 8 * HOUR
    )
    usual = (fraud[17] + fraud[18] + fraud[19]) / 3  # ~3 an hour
    assert fraud[20] > 4 * max(1.0, usual)  # the 20:00 fraud spike: ~24 more


def test_a_hundred_thousand_open_still_start_with_a_consistent_floor() -> None:
    sim = Simulator(seed=1, open_enquiries=100_000, start=START)
    assert len(sim.store.enquiries) == 100_000
    statuses = Counter(e.status for e in sim.store.enquiries.values())
    assert statuses["new"] < 200 and statuses["waiting_customer"] > 30_000
    assert all(a.load <= a.capacity for a in sim.world.agents.values())
