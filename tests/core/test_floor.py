"""console.live.floor and console.sla.today: staffing that sees the backlog, free capacity as free slots,
and one "SLA today" shared by the header and the wallboard (checked against hand-worked examples and
against each other over the demo floor's data)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

import pytest

from console.domain.model import Agent, Enquiry
from console.domain.staffing import agents_needed
from console.live.chart_data import LiveBoard
from console.live.floor import (
    StaffingConfig,
    day_staffing,
    hours_of_day,
    in_backlog,
    team_staffing,
    totals,
)
from console.live.metrics import ResponseClock, agent_summary, header_metrics, start_of_day
from console.live.wallboard import wallboard_pages
from console.service.sim.simulator import Simulator
from console.sla import today

NOW = 1_764_162_000.0  # Wednesday 26 Nov 2025, 13:00 UTC
CFG = StaffingConfig()


def enquiry(ident: str, **kw: object) -> Enquiry:
    base = Enquiry(ident, "x", "public", "@h", "N", "t", "general", 1, frozenset(), "normal", "new", "social",
                   None, NOW - 600, 1, NOW - 600, first_customer_message_at=NOW - 600)  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def the_floor_in_the_issue() -> tuple[list[Agent], list[Enquiry]]:
    """507 waiting, load 211 of 211: 28 agents whose status says available, every slot taken (7 of 7
    for most), and an arrival rate Erlang C alone thinks 12 agents can serve."""
    agents = [Agent(f"a{i:02d}", f"A{i}", "social", "available", capacity=7, load=7) for i in range(28)]
    agents[0] = replace(agents[0], capacity=15, load=15)
    agents.append(Agent("a28", "B", "social", "busy", capacity=7, load=7))  # 27 * 7 + 15 + 7 = 211
    assert sum(a.capacity for a in agents) == 211 == sum(a.load for a in agents)
    waiting = [enquiry(f"w{i}") for i in range(507)]
    return agents, waiting


def test_staffing_sees_the_backlog_the_arrival_rate_cannot() -> None:
    agents, waiting = the_floor_in_the_issue()
    on_shift = frozenset(a.id for a in agents)
    backlog = sum(in_backlog(e, on_shift) for e in waiting)
    assert backlog == 507
    arrivals = 60  # in the last hour
    t = team_staffing("social", "Social care", agents, arrivals, backlog, CFG)
    handle = CFG.aht_s / (211 / 29)  # per slot
    by_erlang = agents_needed(60, handle, CFG.target_sl, CFG.target_answer_s, max_occupancy=0.85).agents
    assert t.for_arrivals == by_erlang and by_erlang < 29  # Erlang C alone: "spare agents"
    # 507 enquiries x 82.5 s of slot time, cleared in 15 min at 85% occupancy: 55 more agents.
    assert t.for_backlog == 55
    assert t.needed == by_erlang + 55 and t.gap == t.needed - 29 > 0
    assert t.capacity.free_slots == 0 and t.capacity.full == 29
    summary = agent_summary(agents)
    assert summary.available == 28 and summary.free_slots == 0  # 28 "available", none can take work
    assert totals([t]).short == t.gap


def test_backlog_is_open_work_nobody_on_shift_holds() -> None:
    on = frozenset({"here"})
    answered = dict(first_response_at=NOW - 300, last_agent_message_at=NOW - 300, status="open")
    cases = {
        "unanswered, nobody on it": (enquiry("a"), True),
        "unanswered, an agent on shift has it": (enquiry("b", agent_id="here"), False),
        "unanswered, its agent went home": (enquiry("c", agent_id="gone"), True),
        "hand-off not taken": (enquiry("d", **{**answered, "status": "pending_specialist"}), True),
        "answered, customer quiet": (enquiry("e", **answered), False),
        "customer wrote again": (enquiry("f", **answered, last_customer_message_at=NOW - 60), True),
        "paused": (enquiry("g", **{**answered, "status": "waiting_customer"}), False),
        "closed": (enquiry("h", status="closed", resolved_at=NOW - 10), False),
    }
    for name, (e, expected) in cases.items():
        assert in_backlog(e, on) is expected, name


@dataclass(frozen=True)
class Clock:
    kind: str
    due_at: float | None
    stopped_at: float | None


def test_sla_today_decides_each_reply_clock_once_worked_by_hand() -> None:
    day = start_of_day(NOW, "Europe/London")
    h = 3600.0
    clocks = [
        Clock("first_response", day + 10 * h, day + 9 * h),  # met at 09:00
        Clock("next_response", day + 10.5 * h, day + 11 * h),  # late: missed at 10:30
        Clock("first_response", day + 8 * h, None),  # never answered: missed at 08:00
        Clock("first_response", NOW + 60, None),  # still inside its deadline: not decided
        Clock("first_response", day - 1 * h, day + 1 * h),  # late, but missed yesterday at 23:00
        Clock("next_response", day + 2 * h, day - 0.2 * h),  # met yesterday at 23:48
        Clock("resolution", day + 3 * h, day + 4 * h),  # not a reply clock
        Clock("first_response", None, None),  # no deadline (no policy)
    ]
    a = today.attainment(clocks, day, NOW)
    assert (a.met, a.missed) == (1, 2) and a.fraction == pytest.approx(1 / 3)
    assert today.words(a) == ("33%", "1 met · 2 missed · first and next replies")
    # A later window never counts a clock twice: yesterday + today = both days at once.
    before = today.attainment(clocks, day - 86_400, day)
    both = today.attainment(clocks, day - 86_400, NOW)
    assert before + a == both


@pytest.fixture(scope="module")
def demo() -> Simulator:
    sim = Simulator(seed=11, open_enquiries=600, start=NOW)
    with sim.store.lock:
        sim.run_until(NOW + 9 * 3600)
    return sim


def test_header_and_wallboard_show_the_same_figures_for_the_same_moment(demo: Simulator) -> None:
    now, w = demo.now, demo.world
    rows = [copy.copy(e) for e in demo.store.enquiries.values()]
    agents = [copy.copy(a) for a in w.agents.values()]
    board = LiveBoard()
    board.set_reference(w.teams, agents, w.policies, w.calendars, w.channels, w.shifts)
    board.load(rows, now)
    figures = board.figures(now)

    def reply_clocks(e: Enquiry) -> tuple[ResponseClock, ...]:
        return tuple(ResponseClock(c.kind, c.stopped_at, c.due_at) for c in board.engine.clocks(e))

    header = header_metrics(rows, agents, reply_clocks, now, board.site_zone)
    assert header.attainment == figures.attainment and figures.attainment.decided > 50
    assert header.agents.free_slots == sum(t.free_slots for t in figures.teams)
    assert (header.agents.load, header.agents.capacity) == (
        sum(t.load for t in figures.teams),
        sum(t.capacity for t in figures.teams),
    )
    tiles = {tile.key: tile for page in wallboard_pages(figures) for tile in page.tiles}
    value, detail = today.words(header.attainment)
    assert (tiles["attainment"].value, tiles["attainment"].detail) == (value, detail)
    short = sum(max(0, t.gap) for t in figures.teams)
    assert tiles["staffing_gap"].value == (f"{short} short" if short else "0")
    # The sim's own queues are the backlog the console computes from the data it publishes.
    assert {t.team_id: t.backlog for t in figures.teams} == demo.backlog()


def test_hours_of_day_run_from_the_sites_midnight_to_the_current_hour() -> None:
    day = start_of_day(NOW, "UTC")  # NOW is 13:00 UTC
    hours = hours_of_day(NOW + 1500, day)
    assert hours[0] == day and hours[-1] == NOW and len(hours) == 14
    # In the small hours the evening before still shows (at least 8 hours); never more than a day.
    early = hours_of_day(day + 2 * 3600 + 60, day)
    assert len(early) == 8 and early[-1] == day + 2 * 3600 and early[0] == day - 5 * 3600
    assert len(hours_of_day(NOW, day - 3 * 86_400)) == 24


def test_day_staffing_is_erlang_c_for_each_hours_arrivals() -> None:
    agents = [
        Agent("a1", "A", "cards", "available", capacity=3, load=1),
        Agent("a2", "B", "cards", "away", capacity=5, load=0),
    ]
    hours = (NOW - 7200, NOW - 3600, NOW)
    day = day_staffing(
        hours, [("cards", "Cards"), ("fraud", "Fraud")], {"cards": [0, 40, 12.5]}, {"cards": agents}, CFG
    )
    cards, fraud = day.teams
    handle = CFG.aht_s / 3  # the handle time is shared over the slots of the agents on shift
    expected = [
        agents_needed(n, handle, CFG.target_sl, CFG.target_answer_s, max_occupancy=CFG.max_occupancy).agents
        for n in (0, 40, 12.5)
    ]
    assert list(cards.needed) == expected and expected[1] > expected[2] > expected[0] == 0
    assert cards.arrivals == (0.0, 40.0, 12.5) and cards.on_shift == 1 and cards.peak == expected[1]
    assert fraud.needed == (0, 0, 0) and fraud.on_shift == 0  # no arrivals, no agents: a row of zeros
    assert day.total() == tuple(expected)


def test_the_day_view_over_the_demo_floor_agrees_with_the_figures_now() -> None:
    sim = Simulator(seed=3, open_enquiries=400, start=NOW - 6 * 3600)
    with sim.store.lock:
        sim.run_until(NOW)
    w = sim.world
    board = LiveBoard()
    board.set_reference(w.teams, list(w.agents.values()), w.policies, w.calendars, w.channels, w.shifts)
    board.load([copy.copy(e) for e in sim.store.enquiries.values()], NOW)
    f = board.figures(NOW)
    assert [t.team_id for t in f.day.teams] == [t.team_id for t in f.teams]
    assert f.day.hours[-1] == NOW // 3600 * 3600
    for now, hourly in zip(f.teams, f.day.teams, strict=True):
        # The current hour is the live figure: one computation, shown the same in both tables.
        assert hourly.needed[-1] == now.for_arrivals and hourly.arrivals[-1] == now.rate_per_hour
        assert hourly.on_shift == now.on_shift
    # Past hours count the enquiries that arrived in them.
    first = f.day.hours[0]
    arrived = sum(
        1
        for e in sim.store.enquiries.values()
        if first <= (e.first_customer_message_at or e.created_at) < f.day.hours[-1]
    )
    assert sum(sum(t.arrivals[:-1]) for t in f.day.teams) == arrived > 0
