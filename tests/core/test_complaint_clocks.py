"""The regulators' clocks as data: worked examples (a UK bank-holiday weekend, a CFPB complaint at
Christmas), payment services, a missed window handing over, the words, and bad rules files."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from console.domain.complaints import RulesError, default_rules, parse_rules
from console.domain.complaints.rules import DEFAULT_RULES
from console.sla.complaint_clocks import (
    PASSED,
    ComplaintClocks,
    clock_status,
    current,
    format_regulatory,
    format_stopped,
    stopped_state,
)
from console.sla.defaults import default_calendars
from tests.helpers.store import make_enquiry

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


def at(zone: ZoneInfo, *parts: int) -> float:
    return datetime(*parts, tzinfo=zone).timestamp()  # type: ignore[misc, arg-type]


def business() -> object:
    return next(c for c in default_calendars() if c.id == "business")


def uk(calendar: object | None = None) -> ComplaintClocks:
    return ComplaintClocks(default_rules().jurisdiction("uk"), calendar)  # type: ignore[arg-type]


def test_friday_before_a_bank_holiday_monday_ends_at_close_on_thursday():
    # Monday 31 August 2026 is the summer bank holiday in England and Wales.
    received = at(LONDON, 2026, 8, 28, 16, 0)
    e = make_enquiry(1, topic="accounts", first_customer_message_at=received)
    clocks = {c.rule.id: c for c in uk(business()).clocks(e)}
    summary = clocks["uk_summary_resolution"]
    assert summary.due_at == at(LONDON, 2026, 9, 3, 17, 0)  # Tue, Wed, Thu: close of business Thursday
    # Eight weeks: the end of Friday 23 October, whatever the holidays.
    assert clocks["uk_final_response"].due_at == at(LONDON, 2026, 10, 23, 23, 59) + 59
    assert "uk_psd_final_response" not in clocks


def test_an_ordinary_week_without_the_holiday_ends_on_wednesday():
    received = at(LONDON, 2026, 9, 4, 16, 0)  # the Friday after
    e = make_enquiry(1, topic="accounts", first_customer_message_at=received)
    summary = uk(business()).clocks(e)[0]
    assert summary.rule.id == "uk_summary_resolution"
    assert summary.due_at == at(LONDON, 2026, 9, 9, 17, 0)


def test_the_bank_calendar_decides_business_days_and_its_close():
    # Without a usable business calendar (24/7 is not one) the jurisdiction's weekday 09:00-17:00 is used.
    received = at(LONDON, 2026, 8, 28, 16, 0)
    e = make_enquiry(1, topic="accounts", first_customer_message_at=received)
    always = next(c for c in default_calendars() if c.always_open)
    assert uk(always).clocks(e)[0].due_at == at(LONDON, 2026, 9, 3, 17, 0)
    social = next(c for c in default_calendars() if c.id == "social")  # Mon-Sat 08:00-20:00, works holidays
    assert uk(social).clocks(e)[0].due_at == at(LONDON, 2026, 9, 1, 20, 0)  # Sat, Mon, Tue


def test_payment_services_get_15_and_35_business_days_not_8_weeks():
    received = at(LONDON, 2026, 12, 18, 10, 0)  # Friday before Christmas
    e = make_enquiry(1, topic="payments", first_customer_message_at=received)
    clocks = {c.rule.id: c for c in uk(business()).clocks(e)}
    assert "uk_final_response" not in clocks
    # Business days: 21, 22, 23, 24 Dec; 25, 26 (28 substitute) closed; 29, 30, 31 Dec; 1 Jan closed;
    # 4-8 Jan; 11, 12, 13 Jan: the 15th is Wednesday 13 January 2027.
    assert clocks["uk_psd_final_response"].due_at == at(LONDON, 2027, 1, 13, 17, 0)
    # 35 business days with a holding reply: assumed while the agents' messages are unknown, as here
    # (tests/core/test_complaint_letters.py has the worked cases with and without one).
    assert clocks["uk_psd_exceptional"].due_at > clocks["uk_psd_final_response"].due_at


def test_a_cfpb_complaint_on_20_december_counts_calendar_days():
    us = ComplaintClocks(default_rules().jurisdiction("us"))
    received = at(NEW_YORK, 2026, 12, 20, 14, 30)
    e = make_enquiry(1, topic="cards", first_customer_message_at=received)
    clocks = {c.rule.id: c for c in us.clocks(e)}
    # Christmas and New Year's Day do not stop a calendar-day clock: day 15 is Monday 4 January.
    assert clocks["us_response"].due_at == at(NEW_YORK, 2027, 1, 4, 23, 59) + 59
    assert clocks["us_final_response"].due_at == at(NEW_YORK, 2027, 2, 18, 23, 59) + 59  # day 60: 18 February


def test_states_and_handing_over_from_a_missed_summary_window():
    received = at(LONDON, 2026, 9, 4, 16, 0)
    e = make_enquiry(1, topic="accounts", first_customer_message_at=received)
    summary, final = uk(business()).clocks(e)
    assert clock_status(summary, received).state == "on_track"  # type: ignore[union-attr]
    assert clock_status(summary, summary.due_at - 3600).state == "urgent"  # type: ignore[union-attr]
    assert clock_status(summary, summary.due_at - 20 * 3600).state == "at_risk"  # type: ignore[union-attr]
    later = summary.due_at + 60
    assert clock_status(summary, later).state == PASSED  # type: ignore[union-attr]
    chosen = current([summary, final], later)
    assert chosen is not None and chosen[0] is final
    assert clock_status(final, final.due_at + 1).state == "breached"  # type: ignore[union-attr]


def test_resolved_complaints_stop_their_clocks_met_or_missed():
    received = at(LONDON, 2026, 9, 4, 16, 0)
    done = make_enquiry(
        1, topic="accounts", first_customer_message_at=received, status="resolved",
        resolved_at=at(LONDON, 2026, 9, 10, 9, 0),
    )  # fmt: skip
    summary, final = uk(business()).clocks(done)
    assert summary.met is False and final.met is True
    assert clock_status(summary, received) is None
    assert format_stopped(final, "Europe/London").startswith("Met · resolved Thu 10 Sep 09:00")
    # The summary window ran out first: the 8-week clock took over, so it is no breach (DISP 1.6).
    assert format_stopped(summary, "Europe/London").startswith("Passed · resolved Thu 10 Sep")
    assert stopped_state(summary) == PASSED and stopped_state(final) == "met"


def test_words_show_days_for_long_clocks_and_the_deadline():
    received = at(LONDON, 2026, 9, 4, 16, 0)
    e = make_enquiry(1, topic="accounts", first_customer_message_at=received)
    summary, final = uk(business()).clocks(e)
    now = received + 60
    assert format_regulatory(clock_status(summary, now), "Europe/London", now) == (  # type: ignore[arg-type]
        "5 d left · due Wed 17:00"
    )
    text = format_regulatory(clock_status(final, now), "Europe/London", now)  # type: ignore[arg-type]
    assert text.startswith("56 d 8 h left · due Fri 30 Oct 23:59")
    late = summary.due_at + 90 * 60
    passed = clock_status(summary, late)
    assert passed is not None
    assert format_regulatory(passed, "Europe/London", late) == "passed at 17:00"


def test_the_shipped_rules_file_reads():
    rules = parse_rules(DEFAULT_RULES.read_text(encoding="utf-8"))
    assert set(rules.jurisdictions) >= {"uk", "us"}
    assert rules.warn_s == 2 * 3600


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("jurisdictions = 3", "must be a table"),
        ("[jurisdictions.uk]\nname='x'\ntimezone='Mars/Base'\npublic_holidays='GB'", "not a time zone"),
        (
            "[jurisdictions.uk]\nname='x'\ntimezone='UTC'\npublic_holidays='GB'\n"
            "[[jurisdictions.uk.clocks]]\nid='a'\nname='A'\nbusiness_days=3\ncalendar_days=4",
            "exactly one of",
        ),
        (
            "[jurisdictions.uk]\nname='x'\ntimezone='UTC'\npublic_holidays='GB'\n"
            "[[jurisdictions.uk.clocks]]\nid='a'\nname='A'\nbusiness_days=2.5",
            "whole number",
        ),
        (
            "[jurisdictions.uk]\nname='x'\ntimezone='UTC'\npublic_holidays='GB'\n"
            "[[jurisdictions.uk.clocks]]\nid='a'\nname='A'\nhours=1\npasses_to='b'",
            "passes_to names no clock",
        ),
        ("not = toml = at all", "not valid TOML"),
    ],
)
def test_a_bad_rules_file_says_where_and_why(text, says):
    with pytest.raises(RulesError, match=says):
        parse_rules(text)


def test_an_unknown_jurisdiction_names_the_known_ones():
    with pytest.raises(RulesError, match="known: uk, us"):
        default_rules().jurisdiction("fr")


@pytest.mark.expected_log(r"jurisdiction. was ignored", logger="concierge.settings")
def test_the_jurisdiction_is_a_site_setting_checked_against_the_rules(tmp_path):
    import json

    from console.platform import settings as settings_file

    machine, user = tmp_path / "m.json", tmp_path / "u.json"
    machine.write_text(json.dumps({"jurisdiction": "us"}), encoding="utf-8")
    user.write_text(json.dumps({}), encoding="utf-8")
    assert settings_file.load(user, machine).jurisdiction == "us"
    assert settings_file.Settings().jurisdiction == "uk"
    user.write_text(json.dumps({"jurisdiction": "mars"}), encoding="utf-8")
    loaded = settings_file.load(user, machine)
    assert loaded.jurisdiction == "us"
    assert any("'jurisdiction' was ignored: expected one of uk, us" in p for p in loaded.problems)
