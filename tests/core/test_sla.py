"""The SLA engine: policy choice, the clocks, thresholds, pauses, the countdown text."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.domain.model import Calendar, Enquiry, SLAPolicy, Team
from console.domain.wire import policy_from_wire
from console.sla.clock import Clock
from console.sla.engine import (
    KINDS,
    SlaEngine,
    SlaStatus,
    Thresholds,
    default_calendars,
    default_policies,
    merge_policies,
)
from console.sla.words import format_countdown, format_waited

LONDON = ZoneInfo("Europe/London")
MIN, HOUR = 60.0, 3600.0


def at(*args: int) -> float:
    return datetime(*args, tzinfo=LONDON).timestamp()  # type: ignore[misc,arg-type]


def local(t: float) -> str:
    return datetime.fromtimestamp(t, LONDON).strftime("%a %Y-%m-%d %H:%M")


TEAMS = {
    "social": Team("social", "Social", "social", ("general",), "social"),
    "cards": Team("cards", "Cards", "specialist", ("cards",), "business"),
    "fraud": Team("fraud", "Fraud", "specialist", ("fraud",), "24x7"),
}


def engine(policies: list[SLAPolicy] | None = None, **kw: object) -> SlaEngine:
    cals = {c.id: c for c in default_calendars()}
    return SlaEngine(default_policies() if policies is None else policies, cals, TEAMS, **kw)  # type: ignore[arg-type]


def enquiry(created: float, **kw: object) -> Enquiry:
    fields: dict[str, object] = {
        "id": "e1",
        "channel": "x",
        "visibility": "private",
        "customer_handle": "@c",
        "customer_name": "C",
        "text": "hello",
        "topic": "general",
        "complexity": 2,
        "flags": frozenset(),
        "priority": "normal",
        "status": "open",
        "team_id": "cards",
        "agent_id": None,
        "created_at": created,
        "version": 1,
        "updated_at": created,
        "first_customer_message_at": created,
    }
    fields.update(kw)
    return Enquiry(**fields)  # type: ignore[arg-type]


THIRTY_MIN_BUSINESS = SLAPolicy("p30", "30 min", 1, 30 * MIN, 30 * MIN, 8 * HOUR, calendar_id="business")


# -- the worked examples ---------------------------------------------------------------------------
def test_friday_1645_with_a_30_minute_business_target_breaches_monday_0915() -> None:
    eng = engine([THIRTY_MIN_BUSINESS])
    e = enquiry(at(2026, 11, 27, 16, 45))
    clock = eng.current(e)
    assert clock is not None and clock.kind == "first_response"
    assert local(clock.due_at) == "Mon 2026-11-30 09:15"
    # Over the weekend it is at risk, not breached: 15 working minutes are left.
    st_ = eng.status(e, at(2026, 11, 28, 12))
    assert st_ is not None and st_.state == "at_risk" and st_.remaining_s == 15 * MIN
    late = eng.status(e, at(2026, 11, 30, 9, 20))
    assert late is not None and late.state == "breached" and late.remaining_s == -5 * MIN


def test_a_bank_holiday_monday_moves_the_deadline_to_tuesday() -> None:
    # Friday 1 May 2026; Monday 4 May is a UK bank holiday in the default business calendar.
    clock = engine([THIRTY_MIN_BUSINESS]).current(enquiry(at(2026, 5, 1, 16, 45)))
    assert clock is not None and local(clock.due_at) == "Tue 2026-05-05 09:15"


def test_a_fraud_enquiry_runs_around_the_clock() -> None:
    eng = engine()
    for e in (
        enquiry(at(2026, 5, 1, 16, 45), flags=frozenset({"fraud_risk"})),
        enquiry(at(2026, 5, 1, 16, 45), topic="fraud"),
    ):
        clock = eng.current(e)
        assert clock is not None and clock.calendar_id == "24x7"
        assert local(clock.due_at) == "Fri 2026-05-01 17:00"


def test_cached_clocks_of_one_kind_target_calendar_and_policy_share_one_spec() -> None:
    # Per row only the version, start and deadline are held; kind, target, calendar, policy and
    # thresholds are one shared object (issue 16, RSS: ~5 MB at 100k open). The figures are unchanged.
    eng = engine()
    t0 = at(2026, 11, 30, 9)
    rows = [enquiry(t0 + 60 * i, id=f"e{i}", team_id=("cards", "social")[i % 2]) for i in range(200)]
    statuses = eng.statuses(rows, t0 + 3 * HOUR)
    entries = [eng._current[e.id] for e in rows]
    kinds = {(c.clock.kind, c.clock.target_s, c.clock.calendar_id, c.clock.policy_id) for c in entries}
    assert len({id(c.spec) for c in entries}) == len(kinds) < 3 and entries[0].spec is entries[2].spec
    assert statuses == [engine().status(e, t0 + 3 * HOUR) for e in rows]
    clock = entries[1].clock
    assert (clock.kind, clock.started_at) == ("first_response", t0 + 60) and clock == eng.current(rows[1])


# -- policy and calendar choice --------------------------------------------------------------------
def test_policy_choice_lowest_matching_rank_wins() -> None:
    eng = engine()
    t = at(2026, 11, 26, 10)
    cases = [
        (enquiry(t), "default"),
        (enquiry(t, visibility="public"), "public"),
        (enquiry(t, visibility="public", priority="urgent"), "urgent"),
        (enquiry(t, visibility="public", topic="complaint"), "complaint"),
        (enquiry(t, flags=frozenset({"complaint", "vulnerable"})), "vulnerable"),
        (enquiry(t, flags=frozenset({"vulnerable", "fraud_risk"}), topic="complaint"), "fraud-flag"),
    ]
    for e, expected in cases:
        assert eng.policy_for(e)[0].id == expected, e


def test_calendar_comes_from_the_policy_else_the_team_else_the_fallback() -> None:
    eng = engine()
    t = at(2026, 11, 26, 10)
    vulnerable = frozenset({"vulnerable"})  # a policy without a calendar of its own
    assert eng.policy_for(enquiry(t, team_id="cards", flags=vulnerable))[1] == "business"  # team's calendar
    assert eng.policy_for(enquiry(t, team_id="social", flags=vulnerable))[1] == "social"
    assert eng.policy_for(enquiry(t, team_id=None, flags=vulnerable))[1] == "social"  # unassigned: fallback
    assert eng.policy_for(enquiry(t, team_id="cards", visibility="public"))[1] == "social"  # policy's
    assert eng.policy_for(enquiry(t, team_id="cards"))[1] == "24x7"  # the catch-all: the customer's clock


def test_unassigned_work_counts_the_front_line_teams_calendar_whatever_the_service_calls_it() -> None:
    """The reference service names its calendars "cal-social" and so on: an unassigned enquiry counts the
    social team's hours, not an unknown "social" calendar (which warned on every start and counted 24/7)."""
    cals = {f"cal-{c.id}": dataclasses.replace(c, id=f"cal-{c.id}") for c in default_calendars()}
    teams = {t.id: dataclasses.replace(t, calendar_id=f"cal-{t.calendar_id}") for t in TEAMS.values()}
    eng = SlaEngine(default_policies(), cals, teams)
    vulnerable = frozenset({"vulnerable"})  # a policy without a calendar of its own
    assert eng.policy_for(enquiry(at(2026, 11, 26, 10), team_id=None, flags=vulnerable))[1] == "cal-social"
    assert eng.problems == []


def test_the_default_7_hours_are_the_customers_clock_not_working_hours() -> None:
    """Issue 12: on the social calendar (08:00-20:00 Mon-Sat) a Saturday 19:00 enquiry was due Monday
    14:00, 43 hours later. J.D. Power's 7 hours are the customer's wait: due Sunday 02:00."""
    eng = engine()
    e = enquiry(at(2026, 11, 28, 19), team_id="social")
    clock = eng.current(e)
    assert clock is not None and clock.policy_id == "default" and clock.kind == "first_response"
    assert local(clock.due_at) == "Sun 2026-11-29 02:00"
    assert not eng.counts_working_hours(clock)
    # A site can still choose working hours for a policy of its own.
    working = dataclasses.replace(default_policies()[-1], calendar_id="social")
    clock = engine([working]).current(e)
    assert clock is not None and local(clock.due_at) == "Mon 2026-11-30 14:00"
    assert engine([working]).counts_working_hours(clock)


def test_the_countdown_can_say_the_time_left_is_working_time() -> None:
    s = SlaStatus("first_response", "at_risk", 42 * MIN, at(2026, 11, 30, 9, 16), HOUR)
    assert format_countdown(s, LONDON, working=True) == "42 min working time left · due Mon 09:16"
    over = s._replace(state="breached", remaining_s=-65 * MIN)
    assert format_countdown(over, LONDON, working=True) == "1 h 05 min working time over · was due Mon 09:16"
    assert format_waited(9 * HOUR + 12 * MIN + 59) == "waited 9 h 12 min"


@pytest.mark.expected_log(r"^calendar 'mars-office' is unknown", logger="concierge.sla")
def test_api_policies_override_defaults_and_unknown_calendars_count_as_24x7() -> None:
    api = policy_from_wire(
        {
            "id": "default",
            "name": "Standard",
            "rank": 1000,
            "first_response_s": 2 * HOUR,
            "next_response_s": 2 * HOUR,
            "resolution_s": 16 * HOUR,
            "match": {},
            "calendar_id": "mars-office",
        }
    )
    policies = merge_policies(default_policies(), [api])
    assert len(policies) == len(default_policies())
    eng = engine(policies)
    e = enquiry(at(2026, 11, 27, 16, 45))
    clock = eng.current(e)
    assert clock is not None and clock.policy_id == "default" and clock.target_s == 2 * HOUR
    assert clock.due_at == at(2026, 11, 27, 18, 45)  # counted 24/7: never later than it should be
    assert any("mars-office" in p for p in eng.problems)


@pytest.mark.expected_log(r"counting it as 24/7", logger="concierge.sla")
def test_a_bad_calendar_from_the_api_is_reported_not_fatal() -> None:
    cals = {c.id: c for c in default_calendars()}
    cals["business"] = dataclasses.replace(cals["business"], timezone="Europe/Nowhere")
    eng = SlaEngine([THIRTY_MIN_BUSINESS], cals, TEAMS)
    assert any("Europe/Nowhere" in p for p in eng.problems)
    clock = eng.current(enquiry(at(2026, 11, 27, 16, 45)))
    assert clock is not None and clock.due_at == at(2026, 11, 27, 17, 15)


def test_policy_channel_and_topic_match_in_lower_case() -> None:
    shouty = SLAPolicy("wa", "WhatsApp cards", 1, 5 * MIN, 5 * MIN, HOUR, channel="WhatsApp", topic="Cards")
    eng = engine([shouty, *default_policies()])
    assert eng.policy_for(enquiry(at(2026, 11, 26, 10), channel="whatsapp", topic="cards"))[0].id == "wa"


def test_no_matching_policy_falls_back_to_the_catch_all() -> None:
    only_fraud = [p for p in default_policies() if p.id == "fraud-flag"]
    clock = engine(only_fraud).current(enquiry(at(2026, 11, 26, 10)))
    assert clock is not None and clock.policy_id == "default" and clock.target_s == 7 * HOUR


# -- the clocks ------------------------------------------------------------------------------------
def test_next_response_restarts_on_a_customer_message_after_a_reply() -> None:
    eng = engine([THIRTY_MIN_BUSINESS])
    t0 = at(2026, 11, 26, 10)
    replied = enquiry(t0, first_response_at=t0 + 10 * MIN, last_agent_message_at=t0 + 10 * MIN,
                      last_customer_message_at=t0 + 5 * MIN)  # fmt: skip
    # Answered, and the customer has not written since: only resolution runs.
    assert [c.kind for c in eng.clocks(replied) if c.running] == ["resolution"]
    again = dataclasses.replace(replied, version=2, last_customer_message_at=t0 + 60 * MIN)
    clock = eng.current(again)
    assert clock is not None and clock.kind == "next_response"
    assert clock.started_at == t0 + 60 * MIN and clock.due_at == t0 + 90 * MIN
    answered = dataclasses.replace(again, version=3, last_agent_message_at=t0 + 70 * MIN)
    stopped = [c for c in eng.clocks(answered) if c.kind == "next_response"]
    assert stopped[0].stopped_at == t0 + 70 * MIN and stopped[0].met is True
    assert eng.current(answered) is not None and eng.current(answered).kind == "resolution"  # type: ignore[union-attr]


def test_first_response_counts_from_the_first_customer_message_and_stops_at_the_reply() -> None:
    eng = engine([THIRTY_MIN_BUSINESS])
    t0 = at(2026, 11, 26, 10)
    e = enquiry(t0, first_customer_message_at=t0 + 5 * MIN, first_response_at=t0 + 50 * MIN)
    first = next(c for c in eng.clocks(e) if c.kind == "first_response")
    assert first.started_at == t0 + 5 * MIN and first.due_at == t0 + 35 * MIN
    assert first.stopped_at == t0 + 50 * MIN and first.met is False


def test_the_clock_that_matters_is_the_running_one_due_first() -> None:
    eng = engine([THIRTY_MIN_BUSINESS], handoff_target_s=10 * MIN)
    t0 = at(2026, 11, 26, 10)
    e = enquiry(t0, handoff_requested_at=t0 + 5 * MIN)
    clock = eng.current(e)
    assert clock is not None and clock.kind == "handoff" and clock.due_at == t0 + 15 * MIN
    accepted = dataclasses.replace(e, version=2, handoff_accepted_at=t0 + 8 * MIN)
    clock = eng.current(accepted)
    assert clock is not None and clock.kind == "first_response"
    assert {c.kind for c in eng.clocks(accepted)} == {"first_response", "resolution", "handoff"}


def test_closed_enquiries_have_no_running_clock() -> None:
    eng = engine([THIRTY_MIN_BUSINESS])
    t0 = at(2026, 11, 26, 10)
    for status in ("resolved", "closed"):
        e = enquiry(t0, status=status, resolved_at=t0 + HOUR, updated_at=t0 + HOUR)
        assert eng.current(e) is None
        assert eng.status(e, t0 + 2 * HOUR) is None
        clocks = eng.clocks(e)
        assert clocks and all(not c.running for c in clocks)
        assert next(c for c in clocks if c.kind == "first_response").stopped_at == t0 + HOUR


def test_current_is_cached_by_id_and_version() -> None:
    eng = engine([THIRTY_MIN_BUSINESS])
    e = enquiry(at(2026, 11, 26, 10))
    first = eng.current(e)
    assert first is not None and first.kind == "first_response"
    assert eng.due_at(e) == first.due_at == at(2026, 11, 26, 10, 30)
    # The same version is trusted to be the same enquiry: no recomputation.
    answered = dataclasses.replace(e, first_response_at=e.created_at + MIN)
    assert eng.current(answered) == first
    # A new version is recomputed.
    newer = dataclasses.replace(answered, version=2)
    assert eng.current(newer) is not None and eng.current(newer).kind == "resolution"  # type: ignore[union-attr]
    # Closed: nothing runs, and that is cached too, until a newer version reopens it.
    closed = dataclasses.replace(newer, version=3, status="closed")
    assert eng.current(closed) is None and eng.status(closed, e.created_at) is None
    assert eng.due_at(closed) is None
    reopened = dataclasses.replace(closed, version=4, status="open")
    assert eng.current(reopened) is not None
    eng.forget(["e1"])
    assert eng.current(e) == first


# -- pauses ----------------------------------------------------------------------------------------
def test_an_open_pause_stops_the_resolution_clock() -> None:
    eng = engine([THIRTY_MIN_BUSINESS])
    t0 = at(2026, 11, 26, 10)
    e = enquiry(t0, status="waiting_customer", first_response_at=t0 + MIN, last_agent_message_at=t0 + MIN,
                pauses=((t0 + HOUR, None),))  # fmt: skip
    res = next(c for c in eng.clocks(e) if c.kind == "resolution")
    assert res.paused and not res.running and res.due_at == math.inf and res.used_s == HOUR
    assert eng.current(e) is None


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 14 * 24 * 60),
    st.lists(st.tuples(st.integers(0, 20 * 24 * 60), st.integers(1, 3 * 24 * 60)), max_size=4),
)
def test_time_inside_a_pause_does_not_consume_the_resolution_clock(
    start_min: int, raw_pauses: list[tuple[int, int]]
) -> None:
    eng = engine([THIRTY_MIN_BUSINESS])
    timer = eng.policy_for(enquiry(0.0))[2]
    t0 = at(2026, 3, 2) + start_min * 60
    pauses = tuple(sorted((t0 + a * 60, t0 + (a + n) * 60) for a, n in raw_pauses))
    e = enquiry(t0, pauses=pauses, first_response_at=t0)
    res = next(c for c in eng.clocks(e) if c.kind == "resolution")
    # The working time from start to deadline, less the working time spent paused, is the target.
    merged: list[tuple[float, float]] = []
    for a, b in pauses:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    paused = sum(timer.working_seconds(a, min(b, res.due_at)) for a, b in merged if a < res.due_at)
    assert timer.working_seconds(t0, res.due_at) - paused == pytest.approx(8 * HOUR)
    # And never earlier than without the pauses.
    assert res.due_at >= timer.add_working(t0, 8 * HOUR)


# -- thresholds and status -------------------------------------------------------------------------
def test_threshold_states() -> None:
    eng = engine([SLAPolicy("h", "7h", 1, 7 * HOUR, 7 * HOUR, 40 * HOUR, calendar_id="24x7")])
    t0 = at(2026, 11, 26, 9)
    e = enquiry(t0)
    expected = [
        (0, "on_track"),
        (3.4 * HOUR, "on_track"),
        (3.5 * HOUR, "at_risk"),  # half the target left
        (5.5 * HOUR, "at_risk"),
        (5.6 * HOUR, "urgent"),  # a fifth (1:24) left
        (7 * HOUR, "urgent"),  # exactly at the deadline: 0 left, not yet over
        (7 * HOUR + 1, "breached"),
        (9 * HOUR, "breached"),
    ]
    for offset, state in expected:
        s = eng.status(e, t0 + offset)
        assert s is not None and s.state == state, (offset, s)
        assert s.remaining_s == 7 * HOUR - offset and s.fraction_left == pytest.approx(
            s.remaining_s / s.target_s
        )


def test_absolute_minutes_dominate_short_targets() -> None:
    eng = engine()
    t0 = at(2026, 11, 26, 9)
    fraud = enquiry(t0, topic="fraud")
    states = [eng.status(fraud, t0 + m * MIN).state for m in (0, 4, 6, 16)]  # type: ignore[union-attr]
    assert states == ["at_risk", "at_risk", "urgent", "breached"]
    custom = engine(thresholds=Thresholds(0.5, 0, 0.2, 0))
    assert custom.status(fraud, t0).state == "on_track"  # type: ignore[union-attr]


def test_breached_after_closing_time_even_with_no_working_time_over() -> None:
    eng = engine([THIRTY_MIN_BUSINESS])
    e = enquiry(at(2026, 11, 27, 16, 30))  # due Friday 17:00 exactly
    s = eng.status(e, at(2026, 11, 27, 18))
    assert s is not None and s.state == "breached" and s.remaining_s == 0
    assert format_countdown(s, LONDON) == "under a minute over · was due Fri 17:00"


@pytest.mark.parametrize(
    "bad",
    [
        {"at_risk_fraction": 1.5},
        {"urgent_minutes": -1.0},
        {"urgent_fraction": 0.6},
        {"urgent_minutes": 40.0},
    ],
)
def test_thresholds_are_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Thresholds(**bad)


def test_statuses_equals_status_per_row_and_skips_closed() -> None:
    eng = engine()
    t0 = at(2026, 11, 26, 9)
    rows = [
        enquiry(t0, id="a"),
        enquiry(t0 - HOUR, id="b", visibility="public", team_id="social"),
        enquiry(t0, id="c", status="closed"),
        enquiry(t0 - 20 * MIN, id="d", topic="fraud"),
    ]
    now = t0 + 30 * MIN
    batch = eng.statuses(rows, now)
    assert batch == [engine().status(e, now) for e in rows]
    assert batch[2] is None
    assert [s.state if s else None for s in batch] == ["on_track", "breached", None, "breached"]


def test_clock_status_for_the_detail_pane() -> None:
    eng = engine([THIRTY_MIN_BUSINESS])
    t0 = at(2026, 11, 26, 10)
    e = enquiry(t0)
    statuses = {c.kind: eng.clock_status(c, t0 + 20 * MIN) for c in eng.clocks(e)}
    assert statuses["first_response"].state == "urgent"  # type: ignore[union-attr]
    assert statuses["resolution"].remaining_s == 8 * HOUR - 20 * MIN  # type: ignore[union-attr]


def test_a_calendar_that_never_opens_gives_no_deadline() -> None:
    cals = {"closed": Calendar("closed", "Closed", "Europe/London")}
    eng = SlaEngine([dataclasses.replace(THIRTY_MIN_BUSINESS, calendar_id="closed")], cals, TEAMS)
    e = enquiry(at(2026, 11, 26, 10))
    s = eng.status(e, at(2026, 11, 27))
    assert s is not None and s.due_at == math.inf and s.state == "on_track"


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(["new", "open", "waiting_customer", "pending_specialist", "resolved", "closed"]),
    st.lists(st.one_of(st.none(), st.integers(0, 3 * 24 * 60)), min_size=6, max_size=6),
    st.sampled_from(["general", "fraud", "complaint"]),
    st.booleans(),
)
def test_current_is_the_running_clock_of_clocks_due_first(
    status: str, offsets: list[int | None], topic: str, paused: bool
) -> None:
    eng = engine(handoff_target_s=20 * MIN)
    t0 = at(2026, 11, 26, 16)

    def t(i: int) -> float | None:
        v = offsets[i]
        return None if v is None else t0 + v * MIN

    e = enquiry(t0, status=status, topic=topic, first_response_at=t(0), last_customer_message_at=t(1),
                last_agent_message_at=t(2), handoff_requested_at=t(3), handoff_accepted_at=t(4),
                resolved_at=t(5), pauses=((t0 + HOUR, None),) if paused else ())  # fmt: skip
    clocks = eng.clocks(e)
    assert [c.kind for c in clocks] == sorted((c.kind for c in clocks), key=KINDS.index)
    running = [c for c in clocks if c.running]
    current = eng.current(e)
    if not running or not e.is_open:
        assert current is None
    else:
        assert current == min(running, key=lambda c: c.due_at)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.integers(1, 3 * 24 * 60), min_size=3, max_size=3),
    st.lists(st.one_of(st.none(), st.integers(0, 3 * 24 * 60)), min_size=3, max_size=3),
    st.lists(st.tuples(st.integers(0, 2 * 24 * 60), st.integers(1, 24 * 60)), max_size=3),
    st.sampled_from(["business", "social", "24x7"]),
)
def test_the_nearest_clock_is_found_whatever_the_targets_pauses_and_calendar(
    targets: list[int], offsets: list[int | None], pauses: list[tuple[int, int]], calendar: str
) -> None:
    # The cold path skips timing the resolution clock when another falls due well before creation plus
    # its target (working time never outruns the wall clock): the same clock as timing every one.
    first, then, resolve = (m * MIN for m in targets)
    eng = engine([SLAPolicy("p", "any", 1, first, then, resolve, calendar_id=calendar)])
    t0 = at(2026, 11, 27, 15, 30)  # a Friday afternoon: business hours end, a weekend follows
    w = [None if v is None else t0 + v * MIN for v in offsets]
    gaps = tuple((t0 + a * MIN, t0 + (a + d) * MIN) for a, d in pauses)
    e = enquiry(t0, first_response_at=w[0], last_customer_message_at=w[1], last_agent_message_at=w[2],
                pauses=gaps)  # fmt: skip
    running = [c for c in eng.clocks(e) if c.running]
    nearest = min(running, key=lambda c: c.due_at) if running else None

    def brief(c: Clock | None) -> tuple[object, ...] | None:  # the pane's used_s is not cached
        return None if c is None else (c.kind, c.started_at, c.target_s, c.due_at)

    assert brief(eng.current(e)) == brief(nearest)


@pytest.mark.expected_log(r"outside the supported years", logger="concierge.sla")
def test_a_time_outside_the_supported_years_counts_24x7_instead_of_failing_the_tick() -> None:
    eng = engine([THIRTY_MIN_BUSINESS])
    year_3000 = datetime(3000, 1, 6, 16, 45, tzinfo=LONDON).timestamp()
    rows = [enquiry(year_3000, id="odd"), enquiry(at(2026, 11, 27, 16, 45), id="fine")]
    odd, fine = eng.statuses(rows, at(2026, 11, 27, 17))
    assert odd is not None and odd.due_at == year_3000 + 30 * MIN and odd.state == "on_track"
    assert fine is not None and local(fine.due_at) == "Mon 2026-11-30 09:15"
    assert any("odd" in p and "1900-2200" in p for p in eng.problems)
    assert [c.calendar_id for c in eng.clocks(rows[0])] == ["24x7", "24x7"]
