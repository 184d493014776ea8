"""Complaint communications in agents' messages (summary resolution, holding reply, final response) and
what they do to the regulator's clocks: worked examples of FCA DISP 1.5/1.6 and the labelled corpus."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from console.domain.complaints import RulesError, default_rules, parse_rules
from console.domain.complaints.letters import FINAL, HOLDING, SRC, Letter, letter_kind, letters_sent
from console.domain.complaints.rules import DEFAULT_RULES
from console.domain.model import Calendar
from console.sla.complaint_clocks import (
    SRC_NOT_SENT,
    ComplaintClocks,
    clock_status,
    current,
    format_stopped,
    stopped_state,
)
from console.sla.defaults import default_calendars
from tests.helpers.store import make_enquiry

LONDON = ZoneInfo("Europe/London")
CORPUS = Path(__file__).parents[1] / "data" / "complaint_letters_corpus.jsonl"
LABELS = {"src": SRC, "holding": HOLDING, "final": FINAL, "none": None}


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=LONDON).timestamp()  # type: ignore[arg-type, misc]


def uk() -> ComplaintClocks:
    business: Calendar = next(c for c in default_calendars() if c.id == "business")
    return ComplaintClocks(default_rules().jurisdiction("uk"), business)


MONDAY = at(2026, 9, 7, 10, 0)  # no bank holiday for the next eight weeks
WEDNESDAY = at(2026, 9, 9, 15, 0)
THURSDAY_CLOSE = at(2026, 9, 10, 17, 0)  # the third business day after Monday


def test_the_three_kinds_and_their_look_alikes():
    assert letter_kind("This is our summary resolution communication: the fee is refunded.") == SRC
    assert letter_kind("We're sorry we haven't been able to resolve your complaint yet.") == HOLDING
    assert letter_kind("We need more time to investigate and will update you by Friday.") == HOLDING
    assert (
        letter_kind("This is our final response. You have six months to contact the Financial Ombudsman.")
        == FINAL
    )
    # A final response announced is a holding reply, not the final response.
    assert letter_kind("We're still investigating and will send our final response by 3 May.") == HOLDING
    assert letter_kind("Your final payment will be taken on 28 March.") is None
    assert letter_kind("If you'd like to make a complaint, DM us.") is None
    assert letter_kind("") is None
    sent = letters_sent([(20.0, "Here is our final response."), (10.0, "hello"), (5.0, "We need more time.")])
    assert sent == (Letter(HOLDING, 5.0), Letter(FINAL, 20.0))


def test_the_corpus_meets_the_bars_per_kind_also_held_out():
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    held = [r for r in rows if r["split"] == "heldout"]
    assert len(rows) >= 120 and len(held) >= 40
    assert {r["kind"] for r in held} == set(LABELS)
    for part in (rows, held):
        for kind in (SRC, HOLDING, FINAL):
            said = [letter_kind(r["text"]) == kind for r in part]
            truth = [LABELS[r["kind"]] == kind for r in part]
            tp = sum(s and t for s, t in zip(said, truth, strict=True))
            assert tp / sum(said) >= 0.9 and tp / sum(truth) >= 0.9, kind


def test_received_monday_resolved_wednesday_with_an_src_is_met():
    e = make_enquiry(
        1, topic="accounts", first_customer_message_at=MONDAY, status="resolved", resolved_at=WEDNESDAY
    )
    summary = uk().clocks(e, [Letter(SRC, WEDNESDAY - 60)])[0]
    assert summary.rule.id == "uk_summary_resolution" and summary.due_at == THURSDAY_CLOSE
    assert summary.met is True and stopped_state(summary) == "met"
    assert format_stopped(summary, "Europe/London").startswith(
        "Met · summary resolution communication sent Wed"
    )


def test_received_monday_resolved_wednesday_without_an_src_shows_src_not_sent():
    e = make_enquiry(
        1, topic="accounts", first_customer_message_at=MONDAY, status="resolved", resolved_at=WEDNESDAY
    )
    summary = uk().clocks(e, [Letter(HOLDING, MONDAY + 3600)])[0]
    assert summary.met is False and summary.letter_missing
    assert stopped_state(summary) == SRC_NOT_SENT
    assert format_stopped(summary, "Europe/London") == "SRC not sent · resolved Wed 09 Sep 15:00"
    # An SRC sent after the window closed does not mend it.
    late = uk().clocks(e, [Letter(SRC, THURSDAY_CLOSE + 60)])[0]
    assert stopped_state(late) == SRC_NOT_SENT


def business_day(n: int) -> float:
    """The close of the nth business day after Monday 7 September 2026."""
    return uk().close_of_business_day(datetime.fromtimestamp(MONDAY, LONDON).date(), n)


def test_a_payment_complaint_with_a_holding_reply_on_day_10_is_due_on_day_35():
    e = make_enquiry(1, topic="payments", first_customer_message_at=MONDAY)
    holding = Letter(HOLDING, business_day(10) - 3600)
    clocks = uk().clocks(e, [holding])
    assert [c.rule.id for c in clocks] == [
        "uk_summary_resolution",
        "uk_psd_final_response",
        "uk_psd_exceptional",
    ]
    after_15 = business_day(15) + 60
    found = current(clocks, after_15)
    assert found is not None and found[0].rule.id == "uk_psd_exceptional"
    assert found[1].due_at == business_day(35) and found[1].state == "on_track"
    assert clock_status(clocks[1], after_15).state == "passed"  # type: ignore[union-attr]


def test_communications_unknown_assume_nothing_missing():
    # The agents' messages not read (None): the hand-over happens and no SRC is said to be missing.
    e = make_enquiry(1, topic="payments", first_customer_message_at=MONDAY)
    assert [c.rule.id for c in uk().clocks(e)][-1] == "uk_psd_exceptional"
    done = make_enquiry(
        2, topic="accounts", first_customer_message_at=MONDAY, status="resolved", resolved_at=WEDNESDAY
    )
    summary = uk().clocks(done)[0]
    assert summary.met is True and not summary.letter_missing
    assert stopped_state(uk().clocks(done, [])[0]) == SRC_NOT_SENT  # known: none sent


def test_a_payment_complaint_without_a_holding_reply_stays_due_on_day_15():
    e = make_enquiry(1, topic="payments", first_customer_message_at=MONDAY)
    for letters in ([], [Letter(HOLDING, business_day(16))]):  # a holding reply too late does not count
        clocks = uk().clocks(e, letters)
        assert [c.rule.id for c in clocks] == ["uk_summary_resolution", "uk_psd_final_response"]
        found = current(clocks, business_day(15) + 60)
        assert found is not None and found[1].due_at == business_day(15) and found[1].state == "breached"


def test_a_final_response_stops_the_final_response_clock():
    e = make_enquiry(1, topic="payments", first_customer_message_at=MONDAY)  # still open
    sent = business_day(12)
    clocks = uk().clocks(e, [Letter(HOLDING, business_day(3)), Letter(FINAL, sent)])[1:]  # after the SRC's
    assert [c.rule.id for c in clocks] == ["uk_psd_final_response", "uk_psd_exceptional"]
    assert all(c.stopped_at == sent and c.stopped_by == FINAL and c.met for c in clocks)
    assert current(clocks, sent + 60) is None
    assert format_stopped(clocks[0], "Europe/London").startswith("Met · final response sent")
    # Eight weeks (not payment services): a holding reply or a final response answers it.
    other = make_enquiry(2, topic="accounts", first_customer_message_at=MONDAY)
    eight = {c.rule.id: c for c in uk().clocks(other, [Letter(HOLDING, business_day(20))])}[
        "uk_final_response"
    ]
    assert eight.met is True and eight.stopped_by == HOLDING


def test_the_communication_rules_are_checked():
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    assert parse_rules(text).jurisdiction("uk").clocks[2].passes_with == HOLDING
    with pytest.raises(RulesError, match="'needs' must be one of"):
        parse_rules(text.replace('needs = "summary_resolution"', 'needs = "letter"'))
    with pytest.raises(RulesError, match="'stopped_by' must list"):
        parse_rules(text.replace('stopped_by = ["summary_resolution"]', 'stopped_by = ["email"]'))
