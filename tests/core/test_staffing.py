"""Erlang C staffing against published worked examples, edge cases and monotonicity properties."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.domain.model import Agent, Team
from console.domain.staffing import (
    agents_needed,
    arrival_rate,
    average_speed_of_answer,
    backlog_agents,
    capacity,
    erlang_c,
    service_level,
    team_staffing,
)


def test_worked_example_120_an_hour_six_minutes_80_in_20() -> None:
    # 120 contacts an hour x 6 min = 12 erlangs; the textbook answer is 16 agents at SL 0.836.
    r = agents_needed(120, 360, 0.8, 20)
    assert r.traffic_erlangs == pytest.approx(12.0)
    assert r.raw_agents == r.agents == r.scheduled_agents == 16
    assert round(r.service_level, 3) == 0.836
    assert round(erlang_c(12, 16), 4) == 0.2046
    assert r.asa_s == pytest.approx(18.4, abs=0.05)
    assert r.occupancy == pytest.approx(0.75)
    # 15 agents miss the target, so 16 is the fewest.
    assert service_level(120, 360, 15, 20) < 0.8 <= service_level(120, 360, 16, 20)


def test_callcentrehelper_example_10_erlangs() -> None:
    # 100 calls per half hour, 3-minute AHT, 80/20, max occupancy 85%, shrinkage 30%:
    # 14 raw agents, P(wait) 0.1741, SL ~88.8%, ASA ~7.8 s, occupancy 71.4%, 14 / 0.7 = 20 scheduled.
    r = agents_needed(200, 180, 0.8, 20, shrinkage=0.3, max_occupancy=0.85)
    assert round(erlang_c(10, 14), 4) == 0.1741
    assert (r.raw_agents, r.agents, r.scheduled_agents) == (14, 14, 20)
    assert round(r.service_level, 3) == 0.888
    assert r.asa_s == pytest.approx(7.8, abs=0.05)
    assert round(r.occupancy, 3) == 0.714
    assert erlang_c(10, 16) == pytest.approx(0.0573, abs=1e-4)


def test_occupancy_cap_adds_agents_and_shrinkage_grosses_up() -> None:
    # 48 erlangs: the SL needs 54 agents at 88.9% occupancy; an 85% cap needs ceil(48/0.85) = 57.
    r = agents_needed(720, 240, 0.8, 20, shrinkage=0.3, max_occupancy=0.85)
    assert r.raw_agents == 54 and r.raw_occupancy == pytest.approx(48 / 54)
    assert r.agents == 57 and r.occupancy <= 0.85
    assert r.scheduled_agents == math.ceil(57 / 0.7) == 82
    assert r.service_level == pytest.approx(service_level(720, 240, 57, 20))
    assert r.asa_s == pytest.approx(average_speed_of_answer(720, 240, 57))


def test_shrinkage_rounding_does_not_overshoot_on_float_noise() -> None:
    # 21 / (1 - 0.3) is 30.000000000000004 in floats: 30 scheduled agents, not 31.
    r = agents_needed(10.5, 3600, 0.5, 60, shrinkage=0.3, max_occupancy=0.5)
    assert r.raw_agents < r.agents == 21
    assert r.scheduled_agents == 30


def test_zero_traffic_needs_nobody() -> None:
    r = agents_needed(0, 300, 0.8, 20, shrinkage=0.3)
    assert (r.raw_agents, r.agents, r.scheduled_agents) == (0, 0, 0)
    assert r.service_level == 1.0 and r.asa_s == 0.0
    assert erlang_c(0, 0) == 0.0
    assert service_level(0, 300, 0, 20) == 1.0


def test_overload_waits_forever() -> None:
    assert erlang_c(12, 12) == 1.0 and erlang_c(13.5, 12) == 1.0
    assert service_level(120, 360, 12, 20) == 0.0
    assert average_speed_of_answer(120, 360, 12) == math.inf
    assert average_speed_of_answer(120, 360, 3) == math.inf


def test_large_agent_counts_stay_finite_and_sane() -> None:
    # Factorials would overflow here; the Erlang B recursion does not.
    c = erlang_c(5000.0, 5100)
    assert 0.0 < c < 1.0
    r = agents_needed(900_000, 60, 0.9, 10)
    assert 15000 < r.agents < 15300
    assert 0.9 <= r.service_level < 1.0
    assert math.isfinite(r.asa_s)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: erlang_c(-1, 3), "traffic_erlangs must be at least zero"),
        (lambda: erlang_c(float("nan"), 3), "traffic_erlangs must be a finite number"),
        (lambda: erlang_c(2, -1), "agents must be a whole number"),
        (lambda: erlang_c(2, 2.5), "agents must be a whole number"),  # type: ignore[arg-type]
        (lambda: service_level(10, 0, 3, 20), "aht_s must be above zero"),
        (lambda: service_level(10, 60, 3, -1), "target_answer_s must be at least zero"),
        (lambda: agents_needed(10, 60, 1.0, 20), "target_sl must be a fraction below 1"),
        (lambda: agents_needed(10, 60, 0.8, 20, shrinkage=1.0), "shrinkage must be a fraction below 1"),
        (lambda: agents_needed(10, 60, 0.8, 20, max_occupancy=0), "max_occupancy must be a fraction"),
        (lambda: agents_needed(10, 60, 0.8, 20, max_occupancy=1.2), "max_occupancy must be a fraction"),
        (lambda: arrival_rate([1.0], 10.0, 0), "window_s must be above zero"),
        (lambda: agents_needed("10", 60, 0.8, 20), "rate_per_hour must be a finite number"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_is_a_clear_value_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_arrival_rate_counts_the_window_only() -> None:
    now = 1_800_000_000.0
    stamps = [now - 4000, now - 3600, now - 3599, now - 60, now, now + 5]  # the last one is clock skew
    assert arrival_rate(stamps, now) == 3.0
    assert arrival_rate(stamps, now, window_s=900) == pytest.approx(2 * 4)
    assert arrival_rate([], now) == 0.0


def test_team_staffing_compares_need_with_agents_on_shift() -> None:
    now = 1_800_000_000.0
    teams = [
        Team("soc", "Social", "social", ("general",), "cal"),
        Team("cards", "Cards", "specialist", ("cards",), "cal"),
    ]
    agents = [
        Agent("a1", "Ann", "soc", "available", 3, 1),
        Agent("a2", "Bob", "soc", "busy", 3, 3),
        Agent("a3", "Cy", "soc", "away", 3, 0),
        Agent("a4", "Di", "soc", "offline", 3, 0),
        Agent("a5", "Ed", "cards", "available", 3, 0),
    ]
    arrivals = {"soc": [now - i * 30.0 for i in range(120)]}  # 120 in the last hour
    rows = team_staffing(
        teams, agents, arrivals, now, aht_s={"soc": 360, "cards": 300}, target_sl=0.8, target_answer_s=20
    )
    soc, cards = rows
    assert soc.rate_per_hour == 120.0 and soc.needed.agents == 16
    assert (soc.on_shift, soc.away, soc.offline) == (2, 1, 1)
    assert soc.shortfall == 14
    assert cards.rate_per_hour == 0.0 and cards.needed.agents == 0 and cards.shortfall == -1
    with pytest.raises(ValueError, match="No handle time given for team 'Cards'"):
        team_staffing(teams, agents, arrivals, now, aht_s={"soc": 360}, target_sl=0.8, target_answer_s=20)


rates = st.floats(min_value=1, max_value=5000)
ahts = st.floats(min_value=10, max_value=3600)


@given(
    rate=rates,
    aht=ahts,
    extra=st.integers(min_value=0, max_value=40),
    t=st.floats(min_value=0, max_value=300),
)
def test_more_agents_never_lower_the_service_level_or_raise_the_wait(
    rate: float, aht: float, extra: int, t: float
) -> None:
    n = math.floor(rate * aht / 3600) + extra
    assert service_level(rate, aht, n + 1, t) >= service_level(rate, aht, n, t)
    assert average_speed_of_answer(rate, aht, n + 1) <= average_speed_of_answer(rate, aht, n)
    c = erlang_c(rate * aht / 3600, n)
    assert 0.0 <= c <= 1.0


@given(
    rate=rates,
    aht=ahts,
    sl=st.floats(min_value=0.05, max_value=0.99),
    t=st.floats(min_value=0, max_value=120),
)
def test_agents_needed_is_the_fewest_that_meet_the_target(
    rate: float, aht: float, sl: float, t: float
) -> None:
    r = agents_needed(rate, aht, sl, t)
    assert r.service_level >= sl
    assert service_level(rate, aht, r.raw_agents - 1, t) < sl
    assert r.scheduled_agents >= r.agents >= r.raw_agents


# --- refusing absurd inputs, solving huge ones, against an independent Erlang C ---------------------


def independent_erlang_c(a: float, n: int) -> float:
    """P(wait) from the Poisson terms a^k / k! in log space (lgamma), summed over the only terms that
    matter (k within 40 standard deviations of a): no Erlang B recursion, no factorials."""
    if a >= n:
        return 1.0
    low = max(0, math.floor(a - 40 * math.sqrt(a) - 40))
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(low, n)]
    last = n * math.log(a) - math.lgamma(n + 1) + math.log(n / (n - a))
    top = max(*logs, last)
    below = math.fsum(math.exp(x - top) for x in logs)
    waiting = math.exp(last - top)
    return waiting / (below + waiting)


def independent_sl(a: float, n: int, aht_s: float, t: float) -> float:
    return 1.0 - independent_erlang_c(a, n) * math.exp(-(n - a) * t / aht_s)


@pytest.mark.parametrize(
    ("a", "n"), [(0.5, 1), (12.0, 16), (10.0, 14), (99.5, 110), (2_500.0, 2_560), (1e5, 100_400)]
)
def test_erlang_c_agrees_with_an_independent_computation(a: float, n: int) -> None:
    assert erlang_c(a, n) == pytest.approx(independent_erlang_c(a, n), rel=1e-9, abs=1e-12)


def test_ten_million_erlangs_still_solve_and_match_the_independent_figure() -> None:
    # 100 million contacts an hour of 6 minutes: 10 million erlangs.
    r = agents_needed(1e8, 360, 0.8, 20)
    assert r.traffic_erlangs == pytest.approx(1e7)
    n = r.agents
    assert independent_sl(1e7, n, 360, 20) >= 0.8 > independent_sl(1e7, n - 1, 360, 20)
    assert r.service_level == pytest.approx(independent_sl(1e7, n, 360, 20), abs=1e-9)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: agents_needed(1e300, 300, 0.8, 20), "erlangs"),
        (lambda: agents_needed(120, 360, 0.8, 20, max_occupancy=1e-9), "max_occupancy"),
        (lambda: agents_needed(120, 1e300, 0.8, 20), "erlangs"),
        (lambda: service_level(1e300, 300, 5, 20), "erlangs"),
    ],
)
def test_absurd_inputs_are_refused_with_a_clear_message(call: Callable[[], object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        call()


def test_backlog_agents_clear_the_queue_within_the_target() -> None:
    # 507 waiting, 10 min each over 7 slots (86 s a slot), cleared in 15 min at 85% occupancy:
    # 507 * 600/7 / (900 * 0.85) = 56.8 -> 57 agents on top of the arrivals.
    assert backlog_agents(507, 600 / 7, 900, max_occupancy=0.85) == 57
    assert backlog_agents(0, 600, 900) == 0
    assert backlog_agents(3, 300, 900) == 1  # 0.33 of an agent is still an agent
    with pytest.raises(ValueError, match="backlog"):
        backlog_agents(-1, 600, 900)


def test_capacity_counts_free_slots_not_available_agents() -> None:
    agents = [
        Agent("a1", "A", "t", "available", capacity=7, load=7),  # says available, is full
        Agent("a2", "B", "t", "busy", capacity=5, load=3),  # says busy, has 2 slots
        Agent("a3", "C", "t", "away", capacity=5, load=0),  # away: takes nothing
        Agent("a4", "D", "u", "available", capacity=4, load=0),
    ]
    c = capacity(agents, "t")
    assert (c.on_shift, c.load, c.capacity, c.free_slots, c.full, c.away) == (2, 10, 12, 2, 1, 1)
    assert capacity(agents).free_slots == 6
