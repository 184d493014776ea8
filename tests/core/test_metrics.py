from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from console.domain.model import Agent, Enquiry
from console.live.metrics import (
    ResponseClocks,
    agent_summary,
    awaiting_reply,
    channel_totals,
    format_wait,
    header_metrics,
    navigator_counts,
    queue_summary,
    saved_views,
    sla_attainment,
    start_of_day,
    waiting_since,
)

NOW = 1_795_000_000.0  # a fixed instant: nothing here reads the wall clock


def enq(ident: str, **kw: object) -> Enquiry:
    base = Enquiry(
        id=ident,
        channel="x",
        visibility="public",
        customer_handle="@c",
        customer_name="C",
        text="hi",
        topic="general",
        complexity=1,
        flags=frozenset(),
        priority="normal",
        status="new",
        team_id="social",
        agent_id=None,
        created_at=NOW - 600,
        version=1,
        updated_at=NOW - 600,
        first_customer_message_at=NOW - 600,
        last_customer_message_at=NOW - 600,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


@dataclass
class FakeClock:
    kind: str
    due_at: float
    stopped_at: float | None


def test_awaiting_reply_covers_first_and_next_response() -> None:
    assert awaiting_reply(enq("a"))
    answered = enq("b", status="open", first_response_at=NOW - 300, last_agent_message_at=NOW - 300)
    assert not awaiting_reply(answered)
    wrote_again = replace(answered, last_customer_message_at=NOW - 100)
    assert awaiting_reply(wrote_again)
    assert waiting_since(wrote_again) == NOW - 100
    assert not awaiting_reply(enq("c", status="waiting_customer"))
    assert not awaiting_reply(enq("d", status="resolved"))


def test_queue_summary_counts_waiting_by_channel_and_longest_wait() -> None:
    rows = [
        enq("a", channel="x", first_customer_message_at=NOW - 100),
        enq("b", channel="x", first_customer_message_at=NOW - 5000),
        enq("c", channel="whatsapp", visibility="private", first_customer_message_at=NOW - 50),
        enq("d", status="open", first_response_at=NOW - 10, last_agent_message_at=NOW - 10),
        enq("e", status="closed"),
    ]
    s = queue_summary(rows, NOW)
    assert s.open == 4
    assert s.waiting == 3
    assert s.unanswered == 3  # d was answered
    assert s.waiting_by_channel == {"x": 2, "whatsapp": 1}
    assert s.longest_wait_s == 5000
    assert s.longest_wait_id == "b"
    assert queue_summary([], NOW).longest_wait_id is None


def test_agent_summary_load_against_capacity_of_agents_who_can_work() -> None:
    agents = [
        Agent("a1", "A", "social", "available", capacity=5, load=2),
        Agent("a2", "B", "social", "busy", capacity=4, load=4),
        Agent("a3", "C", "cards", "away", capacity=6, load=1),
        Agent("a4", "D", "cards", "offline", capacity=6, load=0),
    ]
    s = agent_summary(agents)
    assert (s.online, s.available, s.busy, s.away) == (3, 1, 1, 1)
    assert (s.load, s.capacity) == (6, 9)
    assert s.utilisation == pytest.approx(6 / 9)
    assert agent_summary(agents, team_id="cards").capacity == 0
    assert agent_summary([]).utilisation is None


def test_attainment_counts_only_response_clocks_decided_today() -> None:
    day = start_of_day(NOW)
    clocks = {
        "met": [FakeClock("first_response", due_at=day + 100, stopped_at=day + 50)],
        "late": [FakeClock("next_response", due_at=day + 100, stopped_at=day + 150)],
        "overdue": [FakeClock("first_response", due_at=NOW - 1, stopped_at=None)],
        "running": [FakeClock("first_response", due_at=NOW + 60, stopped_at=None)],
        "yesterday": [FakeClock("first_response", due_at=day - 100, stopped_at=day - 200)],
        "resolution": [FakeClock("resolution", due_at=day + 1, stopped_at=day + 5)],
    }
    rows = [enq(k) for k in clocks]
    a = sla_attainment(rows, lambda e: clocks[e.id], day, NOW)
    assert (a.met, a.missed) == (1, 2)
    assert a.fraction == pytest.approx(1 / 3)
    h = header_metrics(rows, [], lambda e: clocks[e.id], NOW)
    assert h.attainment == a and h.queue.open == len(rows)


def test_start_of_day_respects_the_timezone() -> None:
    utc = start_of_day(NOW, "UTC")
    assert utc <= NOW < utc + 86_400
    assert utc % 86_400 == 0
    tokyo = start_of_day(NOW, "Asia/Tokyo")
    assert tokyo != utc and tokyo <= NOW < tokyo + 86_400


def test_saved_views_follow_the_clock_they_are_given() -> None:
    clock = [NOW]
    due = {"soon": NOW + 600, "later": NOW + 7200, "gone": NOW - 5}
    views = {v.key: v.predicate for v in saved_views(lambda: clock[0], lambda e: due.get(e.id))}
    assert views["breaching_30m"](enq("soon"))
    assert not views["breaching_30m"](enq("later"))
    assert not views["breaching_30m"](enq("gone"))
    old = enq("old", first_customer_message_at=NOW - 3000)
    assert not views["unanswered_1h"](old)
    clock[0] = NOW + 1000  # time passes: the same predicate now matches
    assert views["unanswered_1h"](old)
    assert views["unassigned"](enq("u"))
    assert not views["unassigned"](enq("v", agent_id="a1"))
    assert views["flag_fraud"](enq("f", flags=frozenset({"fraud_risk"})))
    assert not views["flag_fraud"](enq("g", flags=frozenset({"complaint"})))
    assert views["flag_complaint"](enq("g", flags=frozenset({"complaint"})))
    assert views["flag_vulnerable"](enq("h", flags=frozenset({"vulnerable"})))


def test_navigator_counts_in_one_pass() -> None:
    views = saved_views(lambda: NOW, lambda e: None)
    rows = [
        enq("a"),
        enq("b", channel="whatsapp", visibility="private", team_id="cards", agent_id="x"),
        enq("c", channel="whatsapp", visibility="public", flags=frozenset({"complaint"})),
        enq("d", status="closed"),
    ]
    c = navigator_counts(rows, views)
    assert c.channels == {("x", "public"): 1, ("whatsapp", "private"): 1, ("whatsapp", "public"): 1}
    assert channel_totals(c.channels) == {"x": 1, "whatsapp": 2}
    assert c.teams == {"social": 2, "cards": 1}
    assert c.views["unassigned"] == 2
    assert c.views["flag_complaint"] == 1
    assert c.views["breaching_30m"] == 0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "under a minute"),
        (42, "under a minute"),
        (125, "2 min"),
        (3900, "1 h 05 min"),
        (180_000, "2 d 2 h"),
    ],
)
def test_format_wait(seconds: float, text: str) -> None:
    assert format_wait(seconds) == text


def test_today_is_the_sites_day_not_the_utc_day() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from console.live.metrics import start_of_day

    # 00:30 BST on 1 July is still 30 June in UTC: "today" for a London supervisor began 30 minutes ago.
    now = datetime(2026, 7, 1, 0, 30, tzinfo=ZoneInfo("Europe/London")).timestamp()
    assert now - start_of_day(now, "Europe/London") == 30 * 60
    assert now - start_of_day(now, "UTC") == 23.5 * 3600


def test_response_clocks_are_kept_per_version_and_read_again_for_a_new_one() -> None:
    # None, one and two reply clocks (a resolution clock is not one): what attainment reads of each, kept
    # while the enquiry's version stays, whichever compact form holds it.
    timed = {
        "none": [FakeClock("resolution", NOW + 60, None)],
        "one": [FakeClock("first_response", NOW + 60, None), FakeClock("resolution", NOW, None)],
        "two": [FakeClock("first_response", NOW - 60, NOW - 90), FakeClock("next_response", NOW + 9, None)],
    }
    asked: list[str] = []

    def clocks(e: Enquiry) -> list[FakeClock]:
        asked.append(e.id)
        return timed[e.id]

    kept = ResponseClocks()
    rows = [enq(ident) for ident in timed]
    for _ in range(2):
        got = {e.id: [(c.kind, c.stopped_at, c.due_at) for c in kept.of(e, clocks)] for e in rows}
        assert got == {
            "none": [],
            "one": [("first_response", None, NOW + 60)],
            "two": [("first_response", NOW - 90, NOW - 60), ("next_response", None, NOW + 9)],
        }
    assert asked == ["none", "one", "two"] and len(kept) == 3  # the second round read none again
    timed["none"] = [FakeClock("next_response", NOW + 5, None)]
    timed["one"] = []
    renewed = [replace(e, version=2) for e in rows[:2]]
    assert [[c.due_at for c in kept.of(e, clocks)] for e in renewed] == [[NOW + 5], []]
    assert asked[3:] == ["none", "one"]
