"""The reference service's agents send complaint communications (console.service.sim.complaint_letters):
an SRC on most complaints resolved within three business days, a holding reply and a final response on
longer ones, none on other enquiries; each text is read as its kind by the console (letter_kind), and the
console's regulator clocks show letters stopping them, and an SRC missing, in a seeded run."""

from __future__ import annotations

from collections import Counter

import pytest

from console.domain.complaints.letters import FINAL, HOLDING, SRC, letter_kind, letters_sent
from console.domain.complaints.rules import default_rules
from console.domain.complaints.status import complaints_calendar, flagged_by_service, received_at
from console.domain.model import Message
from console.service.sim import conversations, texts
from console.service.sim.clock import start_for_seed
from console.service.sim.complaint_letters import P_SRC
from console.service.sim.simulator import Simulator
from console.sla.complaint_clocks import SRC_NOT_SENT, ComplaintClocks, stopped_state

SEED = 360  # a Thursday, 14:30 London: the complaints team is at work for the first hours


@pytest.fixture(scope="module")
def sim() -> Simulator:
    start = start_for_seed(SEED)
    s = Simulator(seed=SEED, open_enquiries=1500, start=start)
    with s.store.lock:
        s.run_until(start + 4 * 3600)
    return s


def sent(messages: list[Message]) -> list[tuple[str, float]]:
    return [
        (x.kind, x.sent_at)
        for x in letters_sent((m.sent_at, m.text) for m in messages if m.direction == "out")
    ]


def test_every_simulator_letter_is_read_as_its_kind_and_ordinary_replies_as_none():
    for kind, letters in (
        (SRC, texts.SRC_LETTERS),
        (HOLDING, texts.HOLDING_LETTERS),
        (FINAL, texts.FINAL_LETTERS),
    ):
        assert len(letters) >= 4
        for text in letters:
            assert "{" not in text.replace("{name}", "")  # the first name only: no customer data
            assert letter_kind(text.format(name="Priya")) == kind, text
    ordinary = (
        *texts.AGENT,
        texts.HANDOFF.replace("{team}", "Complaints"),
        *conversations.AGENT_MORE,
        conversations.TO_DM,
        conversations.PUBLIC_DETAILS,
        conversations.PHONE_CALL,
    )
    for text in ordinary:
        assert letter_kind(text.format(name="Priya")) is None, text


def test_letters_go_to_complaints_in_believable_proportions(sim):
    seen: Counter[str] = Counter()
    for e in sim.store.enquiries.values():
        kinds = {k for k, _ in sent(sim.messages(e))}
        if not flagged_by_service(e):
            assert not kinds, e.id  # no letter on an enquiry that is no complaint
            continue
        due = sim.letters.src_due(e)
        if not e.is_open and e.resolved_at is not None and e.resolved_at <= due:
            seen["quick"] += 1
            seen["quick_src"] += SRC in kinds
        elif not e.is_open:
            seen["late"] += 1
            seen["late_final"] += FINAL in kinds
            seen["late_holding"] += HOLDING in kinds
        elif sim.now > due:
            seen["long"] += 1
            seen["long_holding"] += HOLDING in kinds
            seen["long_final"] += FINAL in kinds
        else:
            assert not kinds & {HOLDING, FINAL}, e.id  # inside its window: nothing to hold or finish yet
    assert seen["quick"] >= 30 and seen["late"] >= 5 and seen["long"] >= 20, seen
    assert abs(seen["quick_src"] / seen["quick"] - P_SRC) < 0.12, seen  # most, not all: "SRC not sent"
    assert seen["late_final"] / seen["late"] > 0.8, seen
    assert seen["late_holding"] >= 1 and seen["long_holding"] / seen["long"] > 0.4, seen
    assert seen["long_final"] >= 1, seen


def test_letters_are_sent_at_times_consistent_with_the_enquiry(sim):
    for e in sim.store.enquiries.values():
        if not flagged_by_service(e):
            continue
        due = sim.letters.src_due(e)
        for kind, at in sent(sim.messages(e)):
            assert received_at(e) < at <= sim.now
            assert e.last_agent_message_at is not None and at <= e.last_agent_message_at
            if e.resolved_at is not None:
                assert at <= e.resolved_at
            if kind == SRC:
                assert at <= due  # an SRC is sent within its window
            else:
                assert at > due  # a holding reply or final response once the window has passed


def test_the_starting_backlog_has_long_running_complaints_with_consistent_times():
    start = start_for_seed(SEED)
    s = Simulator(seed=SEED, open_enquiries=1500, start=start)
    complaints = [e for e in s.store.enquiries.values() if flagged_by_service(e)]
    long = [e for e in complaints if s.letters.src_due(e) < start]
    assert 0.05 < len(long) / len(complaints) < 0.4
    for e in long:
        assert e.created_at <= received_at(e) < (e.first_response_at or 0) <= (e.last_agent_message_at or 0)
        assert e.handoff_requested_at is None or e.handoff_requested_at <= (e.handoff_accepted_at or start)
        assert (e.last_customer_message_at or 0) >= received_at(e)
        assert e.updated_at <= start


def test_backlog_letters_do_not_depend_on_the_order_conversations_are_asked_for():
    start = start_for_seed(SEED)
    a, b = (Simulator(seed=SEED, open_enquiries=600, start=start) for _ in range(2))
    ids = [i for i, e in a.store.enquiries.items() if flagged_by_service(e)]
    first = {i: a.messages(a.store.enquiries[i]) for i in ids}
    second = {i: b.messages(b.store.enquiries[i]) for i in reversed(ids)}
    assert first == second
    assert any(sent(m) for m in first.values())


def test_the_console_clocks_show_a_final_response_and_an_src_missing(sim):
    calendar = complaints_calendar(sim.world.teams, {c.id: c for c in sim.world.calendars})
    uk = ComplaintClocks(default_rules().jurisdiction("uk"), calendar)
    window = next(r for r in uk.jurisdiction.clocks if r.needs == SRC)
    stopped: Counter[str] = Counter()
    for e in sim.store.enquiries.values():
        if not flagged_by_service(e):
            continue
        assert sim.letters.src_due(e) == uk.due(window, received_at(e))  # the service counts as the console
        letters = letters_sent((m.sent_at, m.text) for m in sim.messages(e) if m.direction == "out")
        for clock in uk.clocks(e, letters):
            if clock.stopped_at is not None:
                stopped[clock.stopped_by or "resolved"] += 1
                stopped[stopped_state(clock)] += 1
    assert stopped[FINAL] >= 1, stopped  # a clock stopped by a final response
    assert stopped[HOLDING] >= 1, stopped
    assert stopped[SRC_NOT_SENT] >= 1, stopped  # a complaint resolved in time without its SRC
    assert stopped["met"] > stopped[SRC_NOT_SENT], stopped
