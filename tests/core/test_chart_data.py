"""console.live.chart_data: the fast counters agree with a brute-force count over the same enquiries, an
enquiry seen again is counted once, memory stays flat as the window slides, and the live figures (SLA
states per team, waits, staffing) match what the SLA engine and Erlang C say directly."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from console.domain.model import Agent, Enquiry
from console.domain.staffing import agents_needed
from console.live.chart_data import BUCKET_S, NO_CLOCK, SLA_STATES, Activity, LiveBoard, StaffingConfig
from console.live.metrics import waiting_since
from console.service.sim.simulator import Simulator

START = 1_764_150_000.0  # a Wednesday afternoon in November (UTC)


@pytest.fixture(scope="module")
def world() -> tuple[Simulator, float]:
    sim = Simulator(seed=3, open_enquiries=400, start=START)
    with sim.store.lock:
        sim.run_until(START + 5 * 3600)
    return sim, START + 5 * 3600


def board_for(sim: Simulator, now: float) -> LiveBoard:
    w = sim.world
    board = LiveBoard()
    board.set_reference(w.teams, list(w.agents.values()), w.policies, w.calendars, w.channels, w.shifts)
    board.load([copy.copy(e) for e in sim.store.enquiries.values()], now)
    return board


def enquiry(ident: str, created: float, **kw: object) -> Enquiry:
    base = Enquiry(
        ident,
        "x",
        "public",
        "@h",
        "N",
        "t",
        "general",
        1,
        frozenset(),
        "normal",
        "new",
        "social",
        None,
        created,
        1,
        created,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_activity_counts_each_enquiry_once_and_moves_it_when_it_changes() -> None:
    a = Activity()
    t0 = 10 * BUCKET_S
    e = enquiry("e1", t0)
    a.observe(e)
    a.observe(e)  # seen twice (a feed replay): still one arrival
    assert a.counts["arrivals", 10, "x"] == 1
    answered = replace(e, version=2, status="open", first_response_at=t0 + 2 * BUCKET_S)
    a.observe(answered, fr_met=True)
    assert (a.counts["arrivals", 10, "x"], a.counts["answers", 12, "x"]) == (1, 1)
    moved = replace(answered, version=3, first_response_at=t0 + 3 * BUCKET_S)  # a corrected time
    a.observe(moved, fr_met=False)
    assert (a.counts["answers", 12, "x"], a.counts["answers", 13, "x"]) == (0, 1)
    assert a.fr_met[13, False] == 1 and a.fr_met[12, True] == 0
    closed = replace(moved, version=4, status="resolved", resolved_at=t0 + 5 * BUCKET_S)
    a.observe(closed)
    assert a.counts["resolutions", 15, "x"] == 1
    a.remove("e1")  # deleted: everything it contributed goes
    assert sum(a.counts.values()) == 0 and not a.traces


def test_memory_stays_flat_as_the_window_slides() -> None:
    a = Activity(window_s=6 * 3600)
    sizes = []
    for hour in range(72):  # three days, 20 closed enquiries an hour
        for i in range(20):
            t = hour * 3600.0 + i * 60
            a.observe(
                enquiry(f"e{hour}-{i}", t, status="closed", resolved_at=t + 600, first_response_at=t + 60)
            )
        a.prune(hour * 3600.0 + 3600)
        sizes.append((len(a.traces), len(a.counts)))
    assert sizes[-1] == sizes[24] == sizes[48]  # steady state: nothing grows day after day
    assert sizes[-1][0] <= 20 * 7


def test_backlog_and_hourly_match_a_brute_force_count(world: tuple[Simulator, float]) -> None:
    sim, now = world
    board = board_for(sim, now)
    f = board.figures(now)
    rows = list(sim.store.enquiries.values())

    def closed_at(e: Enquiry) -> float | None:
        return None if e.is_open else (e.resolved_at or e.updated_at)

    def start(e: Enquiry) -> float:
        return e.first_customer_message_at or e.created_at

    assert f.open == sum(e.is_open for e in rows)
    for t, n in f.backlog[:-1]:
        brute = sum(1 for e in rows if start(e) < t and ((c := closed_at(e)) is None or c >= t))
        assert n == brute, t
    # Arrivals per hour and channel, as the bar chart stacks them.
    h = f.hourly
    for j, hour in enumerate(h.hours):
        for ch in h.channels:
            brute = sum(1 for e in rows if e.channel == ch and hour <= start(e) < hour + 3600)
            assert h.counts["arrivals"][ch][j] == brute


def test_team_states_waits_and_staffing_agree_with_the_engine(world: tuple[Simulator, float]) -> None:
    sim, now = world
    board = board_for(sim, now)
    f = board.figures(now)
    open_rows = [e for e in sim.store.enquiries.values() if e.is_open]
    for team in f.teams:
        mine = [e for e in open_rows if (e.team_id or "") == team.team_id]
        expected = {s: 0 for s in (*SLA_STATES, NO_CLOCK)}
        for st in board.engine.statuses(mine, now):
            expected[NO_CLOCK if st is None else st.state] += 1
        assert team.states == expected
        assert team.open == len(mine)
        assert team.waiting == sum(1 for e in mine if waiting_since(e) is not None)
    waits = [now - s for e in open_rows if (s := waiting_since(e)) is not None]
    assert f.longest_wait_s == pytest.approx(max(waits))
    assert sum(f.waiting_by_channel.values()) == f.waiting == len(waits)
    assert f.breached_now == sum(
        1 for st in board.engine.statuses(open_rows, now) if st is not None and st.state == "breached"
    )


def test_staffing_gap_follows_the_arrival_rate(world: tuple[Simulator, float]) -> None:
    sim, now = world
    board = board_for(sim, now)
    social = next(t for t in board.figures(now).teams if t.team_id == "social")
    agents = [a for a in sim.world.agents.values() if a.team_id == "social"]
    slots = [a.capacity for a in agents if a.status in ("available", "busy") and a.capacity > 0]
    cfg = StaffingConfig()
    expected = agents_needed(
        social.rate_per_hour,
        cfg.aht_s / max(1.0, sum(slots) / len(slots)),
        cfg.target_sl,
        cfg.target_answer_s,
        max_occupancy=cfg.max_occupancy,
    )
    assert social.needed == expected.agents
    # Much longer handling: more agents needed, a bigger gap; nobody on shift: every agent is missing.
    board.set_staffing(StaffingConfig(aht_s=cfg.aht_s * 10))
    busier = next(t for t in board.figures(now).teams if t.team_id == "social")
    assert busier.needed > social.needed and busier.gap > social.gap
    board.set_reference(
        sim.world.teams,
        [replace(a, status="offline") for a in sim.world.agents.values()],
        sim.world.policies,
        sim.world.calendars,
    )
    empty = next(t for t in board.figures(now).teams if t.team_id == "social")
    assert empty.on_shift == 0 and empty.gap == empty.needed
    assert empty.predicted_breaches >= busier.predicted_breaches


def test_change_sets_update_the_board_incrementally(world: tuple[Simulator, float]) -> None:
    sim, now = world
    board = board_for(sim, now)
    before = board.figures(now)
    victim = next(e for e in sim.store.enquiries.values() if e.is_open)
    closed = replace(victim, status="resolved", resolved_at=now - 1, version=victim.version + 1)
    board.apply((), {closed.id: closed}, now)
    after = board.figures(now)
    assert after.open == before.open - 1
    assert (
        sum(after.hourly.counts["resolutions"].get(victim.channel, ()))
        == sum(before.hourly.counts["resolutions"].get(victim.channel, ())) + 1
    )
    gone = next(e for e in board.open.values())
    board.apply({gone.id}, {}, now)
    assert board.figures(now).open == after.open - 1 and gone.id not in board.activity.traces


def test_no_agents_and_no_enquiries_give_empty_figures() -> None:
    board = LiveBoard()
    f = board.figures(START)
    assert (f.open, f.waiting, f.longest_wait_s, f.teams) == (0, 0, 0.0, ())
    assert f.attainment.fraction is None and f.frt.answered == 0
    board.set_reference([], [Agent("a", "A", "t", "available", 3, 0)], [], [])
    assert board.figures(START).teams == ()
