"""Issue 12, "Clocks": the bank's .ics feeds read with icalendar and recurring-ical-events, checked
against an independent reference (plain calendar arithmetic, the holidays package, the minute grid)."""

from __future__ import annotations

import calendar as cal_module
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays as holiday_rules
import pytest

from console.domain.calendars import BusinessClock
from console.domain.ical import IcalError, parse_holidays, read_holidays, with_feed, with_holidays
from console.domain.model import Calendar
from tests.helpers.calendars import OFFICE, ref_working

DATA = Path(__file__).parent / "data"
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


# -- the independent reference: plain calendar arithmetic --------------------------------------------
def nth(weekday: int, n: int, month: int) -> Callable[[int], date]:
    """The n-th (n < 0: from the end) given weekday of a month."""

    def day(year: int) -> date:
        days = [d for d in range(1, cal_module.monthrange(year, month)[1] + 1)
                if date(year, month, d).weekday() == weekday]  # fmt: skip
        return date(year, month, days[n - 1 if n > 0 else n])

    return day


def fixed(month: int, d: int) -> Callable[[int], date]:
    return lambda year: date(year, month, d)


def weekday_between(weekday: int, month: int, first: int) -> Callable[[int], date]:
    return lambda year: next(date(year, month, d) for d in range(first, first + 7)
                             if date(year, month, d).weekday() == weekday)  # fmt: skip


def easter(year: int) -> date:
    """Meeus/Jones/Butcher (Gregorian)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


MO, TU, TH, FR, SA, SU = 0, 1, 3, 4, 5, 6
# name -> (rule, first year, last year or None)
US_RULES: dict[str, tuple[Callable[[int], date], int, int | None]] = {
    "New Year's Day": (fixed(1, 1), 2000, None),
    "Martin Luther King Jr. Day": (nth(MO, 3, 1), 2000, None),
    "Lincoln's Birthday": (fixed(2, 12), 2000, None),
    "Groundhog Day": (fixed(2, 2), 2000, None),
    "Valentine's Day": (fixed(2, 14), 2000, None),
    "Susan B. Anthony Day": (fixed(2, 15), 2000, None),
    "Washington's Birthday": (nth(MO, 3, 2), 2000, None),
    "Daylight Saving Time starts": (nth(SU, 2, 3), 2007, None),
    "St. Patrick's Day": (fixed(3, 17), 2000, None),
    "Emancipation Day": (fixed(4, 16), 2005, None),
    "Earth Day": (fixed(4, 22), 2000, None),
    "Arbor Day": (nth(FR, -1, 4), 2000, None),
    "National Day of Prayer": (nth(TH, 1, 5), 2000, None),
    "Cinco de Mayo": (fixed(5, 5), 2000, None),
    "Mother's Day": (nth(SU, 2, 5), 2000, None),
    "Armed Forces Day": (nth(SA, 3, 5), 2000, None),
    "Memorial Day": (nth(MO, -1, 5), 2000, None),
    "Flag Day": (fixed(6, 14), 2000, None),
    "Father's Day": (nth(SU, 3, 6), 2000, None),
    "Juneteenth National Independence Day": (fixed(6, 19), 2021, None),
    "Independence Day": (fixed(7, 4), 2000, None),
    "Parents' Day": (nth(SU, 4, 7), 2000, None),
    "Women's Equality Day": (fixed(8, 26), 2000, None),
    "Labor Day": (nth(MO, 1, 9), 2000, None),
    "Grandparents Day": (weekday_between(SU, 9, 8), 2000, None),
    "Patriot Day": (fixed(9, 11), 2002, None),
    "Constitution Day": (fixed(9, 17), 2000, None),
    "Columbus Day": (nth(MO, 2, 10), 2000, None),
    "Halloween": (fixed(10, 31), 2000, None),
    "Daylight Saving Time ends": (nth(SU, 1, 11), 2007, None),
    "Veterans Day": (fixed(11, 11), 2000, None),
    "Thanksgiving Day": (nth(TH, 4, 11), 2000, None),
    "Black Friday": (weekday_between(FR, 11, 23), 2000, None),
    "Pearl Harbor Remembrance Day": (fixed(12, 7), 2000, None),
    "Christmas Eve": (fixed(12, 24), 2000, 2035),  # UNTIL
    "Christmas Day": (fixed(12, 25), 2000, None),
    "New Year's Eve": (fixed(12, 31), 2000, None),
    "Easter Sunday": (easter, 2000, 2040),  # RDATE lists
    "Good Friday": (lambda y: easter(y) - timedelta(days=2), 2000, 2040),
}


def us_reference(first: int, last: int) -> dict[str, set[date]]:
    out = {
        name: {rule(y) for y in range(max(first, start), min(last, end or last) + 1)}
        for name, (rule, start, end) in US_RULES.items()
    }
    out["Leap Day"] = {date(y, 2, 29) for y in range(first, last + 1) if cal_module.isleap(y)}
    # COUNT=30 from 2000; 2020's deadline moved by EXDATE + RDATE.
    out["Tax Day"] = {date(y, 4, 15) for y in range(2000, 2030) if y != 2020} | {date(2020, 7, 15)}
    # Every other year from 2000, but the 2020 occurrence is cancelled by an override.
    out["Election Day"] = {weekday_between(TU, 11, 2)(y) for y in range(2000, last + 1, 2) if y != 2020}
    return out


def by_name(feed_dates: list[tuple[str, str]]) -> dict[str, set[date]]:
    out: dict[str, set[date]] = {}
    for day, name in feed_dates:
        out.setdefault(name, set()).add(date.fromisoformat(day))
    return out


# -- a US holidays export: 40 yearly rules, RDATE lists, EXDATE, cancellations, VTIMEZONE ----------------
def test_a_us_holidays_export_gives_every_date_of_every_rule() -> None:
    """The defect: an export with 40 yearly rules gave 126 of its 1,575 dates (only the first ones)."""
    feed = read_holidays(DATA / "us-holidays-export.ics", years=(2000, 2040))
    assert feed.skipped == []
    got = by_name([(h.date, h.name) for h in feed.holidays])
    expected = us_reference(2000, 2040)
    assert got.keys() == expected.keys() and len(got) == 42
    for name in expected:
        assert got[name] == expected[name], name
    assert len(feed.holidays) == sum(map(len, expected.values())) == 1613
    assert sorted(feed.cancelled) == ["Election Day (2020-11-03)", "Inauguration Day (moved) (2029-01-20)"]


def test_the_federal_days_agree_with_the_holidays_package() -> None:
    feed = read_holidays(DATA / "us-holidays-export.ics", years=(2021, 2040))
    got = by_name([(h.date, h.name) for h in feed.holidays])
    package = holiday_rules.country_holidays("US", years=range(2021, 2041))
    for name in ("Martin Luther King Jr. Day", "Washington's Birthday", "Memorial Day", "Labor Day",
                 "Columbus Day", "Thanksgiving Day", "Juneteenth National Independence Day",
                 "Independence Day", "Veterans Day", "Christmas Day"):  # fmt: skip
        assert got[name] == {d for d, n in package.items() if n == name}, name


def test_repeating_events_have_no_year_limit_by_default() -> None:
    feed = read_holidays(DATA / "us-holidays-export.ics")
    dates = feed.dates()
    assert {"2150-11-26", "2199-12-25", "1970-01-01"} & dates == {"2150-11-26", "2199-12-25"}
    assert "2000-01-01" in dates and "1999-12-25" not in dates  # nothing before DTSTART


def test_a_new_york_office_is_closed_on_the_feed_days_by_the_minute_reference() -> None:
    feed = read_holidays(DATA / "us-holidays-export.ics", years=(2030, 2036))
    office = with_holidays(Calendar("ny", "New York office", "America/New_York", hours=OFFICE), feed)
    clock = BusinessClock(office)
    week = datetime(2035, 11, 19, tzinfo=NEW_YORK).timestamp()  # Thanksgiving is Thursday 22 November
    assert clock.working_seconds(week, week + 7 * 86400) == ref_working(office, week, week + 7 * 86400)
    assert (
        clock.working_seconds(week, week + 7 * 86400) == 3 * 8 * 3600
    )  # Mon, Tue, Wed (Fri is Black Friday)


# -- an Outlook export ---------------------------------------------------------------------------------
def test_an_outlook_export_keeps_what_is_closed_and_names_what_is_not() -> None:
    feed = read_holidays(DATA / "outlook-closures.ics", years=(2026, 2031))
    dates = sorted(feed.dates())
    assert dates == [
        "2026-10-09",  # RDATE series: the first occurrence
        "2026-12-24",  # midnight-to-midnight in "GMT Standard Time", X-MICROSOFT-CDO-ALLDAYEVENT:TRUE
        "2026-12-31",
        "2027-01-08",  # RDATE
        "2027-03-12",  # DTEND equal to DTSTART: one day
        "2027-04-09",  # RDATE
        "2027-06-30",  # two days in summer time (BST): the dates as written, not shifted to UTC
        "2027-07-01",
        "2027-12-24",  # yearly
        # 2028-12-24 is an EXDATE
        "2029-12-24",
        "2030-12-24",
        "2031-12-24",
    ]
    assert "2026-11-06" not in feed.dates() and feed.cancelled == [
        "Closure for the move (cancelled) (2026-11-06)"
    ]
    assert feed.skipped == [
        "event 6 ('Team briefing (not a closure)'): a timed event, not an all-day closure",
        "event 7 ('Typed by hand'): DTSTART cannot be read",
    ]
    names = {h.date: h.name for h in feed.holidays}
    assert names["2026-12-24"] == "Christmas Eve closure"
    assert names["2027-06-30"] == "Systems migration (two days, summer time)"


def test_one_bad_event_never_rejects_the_feed() -> None:
    feed = parse_holidays(
        _ics(
            ["UID:a", "SUMMARY:Broken rule", "DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=SOMETIMES"],
            ["UID:b", "SUMMARY:Ends first", "DTSTART;VALUE=DATE:20261225", "DTEND;VALUE=DATE:20261224"],
            ["UID:c", "SUMMARY:Too long", "DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:20280101"],
            ["UID:d", "SUMMARY:No start"],
            ["UID:e", "SUMMARY:Mixed", "DTSTART;VALUE=DATE:20261225", "DTEND:20261226T000000Z"],
            ["UID:f", "SUMMARY:Good", "DTSTART;VALUE=DATE:20261228"],
        ),
        source="feed.ics",
    )
    assert feed.dates() == {"2026-12-28"}
    assert [s.split(":")[0] for s in feed.skipped] == [
        "event 1 ('Broken rule')",
        "event 2 ('Ends first')",
        "event 3 ('Too long')",
        "event 4 ('No start')",
        "event 5 ('Mixed')",
    ]
    assert "over 366 days" in feed.skipped[2] and "no DTSTART" in feed.skipped[3]


def _ics(*events: list[str]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for event in events:
        lines += ["BEGIN:VEVENT", *event, "END:VEVENT"]
    return "\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n"


@pytest.mark.parametrize("text", ["hello", "", "BEGIN:VCARD\r\nEND:VCARD\r\n"])
def test_a_file_that_is_not_icalendar_is_refused_clearly(text: str) -> None:
    with pytest.raises(IcalError, match=r"feed\.ics: not an iCalendar file"):
        parse_holidays(text, source="feed.ics")


def test_the_feed_goes_on_top_of_working_hours_calendars_only() -> None:
    feed = read_holidays(DATA / "outlook-closures.ics", years=(2026, 2027))
    office = Calendar("b", "b", "Europe/London", hours=OFFICE, public_holidays="GB-ENG")
    always = Calendar("24x7", "24/7", "UTC", always_open=True)
    cals = with_feed([office, always], feed)
    assert cals["24x7"] == always and "2027-03-12" in cals["b"].holidays
    clock = BusinessClock(cals["b"])
    assert clock.closed_on(date(2027, 3, 12).toordinal())  # the feed
    assert clock.closed_on(date(2027, 3, 29).toordinal())  # Easter Monday, from the public holidays
    assert clock.is_open(datetime(2027, 3, 11, 10, tzinfo=LONDON).timestamp())
