"""Business calendars: the fast BusinessClock against a slow minute-by-minute reference, DST, holidays,
and holiday feeds from iCalendar files."""

from __future__ import annotations

import math
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.domain.calendars import BusinessClock, CalendarError
from console.domain.ical import IcalError, parse_holidays, read_holidays, with_holidays
from console.domain.model import Calendar
from tests.helpers.calendars import OFFICE, ref_open, ref_working

DATA = Path(__file__).parent / "data"
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def at(zone: ZoneInfo, *args: int) -> float:
    return datetime(*args, tzinfo=zone).timestamp()  # type: ignore[misc,arg-type]


def local(t: float, zone: ZoneInfo = LONDON) -> str:
    return datetime.fromtimestamp(t, zone).strftime("%a %Y-%m-%d %H:%M")


# -- the slow reference: is each minute open? -------------------------------------------------------
ZONES = ["Europe/London", "America/New_York", "UTC", "Asia/Kolkata", "Australia/Lord_Howe"]
# Around both 2026 DST changes in Europe and North America, and the southern hemisphere's in April.
WINDOWS = [
    at(ZoneInfo("UTC"), 2026, 3, 5),
    at(ZoneInfo("UTC"), 2026, 3, 27),
    at(ZoneInfo("UTC"), 2026, 10, 23),
]


@st.composite
def spans(draw: st.DrawFn) -> tuple[tuple[int, int], ...]:
    # Quarter-hour boundaries keep shrinking readable; split shifts come from two or three cuts.
    cuts = sorted(draw(st.sets(st.integers(0, 96), min_size=0, max_size=4)))
    pairs = [(cuts[i] * 15, cuts[i + 1] * 15) for i in range(0, len(cuts) - 1, 2)]
    return tuple(p for p in pairs if p[0] < p[1])


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    zone = draw(st.sampled_from(ZONES))
    hours = {d: s for d in range(7) if (s := draw(spans()))}
    day0 = date(2026, 3, 1)
    holidays = draw(st.sets(st.integers(0, 250), max_size=25))
    return Calendar(
        id="c",
        name="c",
        timezone=zone,
        always_open=draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans()),
        hours=hours,
        holidays=frozenset((day0 + timedelta(days=h)).isoformat() for h in holidays),
    )


def minute_times(max_days: int = 4) -> st.SearchStrategy[tuple[float, float]]:
    start = st.tuples(st.sampled_from(WINDOWS), st.integers(0, 14 * 24 * 60)).map(lambda p: p[0] + p[1] * 60)
    return st.tuples(start, st.integers(0, max_days * 24 * 60)).map(lambda p: (p[0], p[0] + p[1] * 60))


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(calendars(), minute_times())
def test_working_seconds_equals_the_minute_reference(cal: Calendar, span: tuple[float, float]) -> None:
    start, end = span
    clock = BusinessClock(cal)
    assert clock.working_seconds(start, end) == ref_working(cal, start, end)
    assert clock.working_seconds(end, start) == -ref_working(cal, start, end)
    assert clock.is_open(start) == ref_open(cal, start)


@FAST
@given(calendars(), minute_times(), st.floats(0, 3 * 86400))
def test_working_seconds_is_monotonic_in_end(cal: Calendar, span: tuple[float, float], more: float) -> None:
    clock = BusinessClock(cal)
    start, end = span
    a, b = clock.working_seconds(start, end), clock.working_seconds(start, end + more)
    assert 0 <= a <= b
    assert b - a <= more + 1e-6  # never more open time than wall time


@FAST
@given(calendars(), minute_times(), st.floats(-5 * 86400, 5 * 86400))
def test_add_working_and_working_seconds_are_inverse(
    cal: Calendar, span: tuple[float, float], seconds: float
) -> None:
    clock = BusinessClock(cal)
    start = span[0] + 0.25  # off the minute grid on purpose
    due = clock.add_working(start, seconds)
    if math.isinf(due):  # only a calendar that never opens
        assert not cal.always_open and not cal.hours
        return
    assert clock.working_seconds(start, due) == pytest.approx(seconds, abs=1e-6)
    assert due >= start if seconds >= 0 else due <= start
    if seconds > 0:
        # The earliest such instant: one second less is not enough.
        assert clock.working_seconds(start, due - 1) < seconds
    if seconds < 0:
        # The latest such instant: one second later is not enough.
        assert clock.working_seconds(due + 1, start) < -seconds
    # And the other way round, from a wall span to working time and back.
    end = max(span[1], start)
    assert clock.add_working(start, clock.working_seconds(start, end)) <= end + 1e-6


@FAST
@given(calendars(), minute_times())
def test_next_open_is_the_first_open_instant(cal: Calendar, span: tuple[float, float]) -> None:
    clock = BusinessClock(cal)
    t = span[0]
    nxt = clock.next_open(t)
    if not cal.always_open and not cal.hours:
        assert nxt == math.inf
        return
    assert nxt >= t
    assert clock.is_open(nxt)
    assert clock.working_seconds(t, nxt) == 0
    assert ref_open(cal, nxt)
    if nxt - t >= 60:
        assert not ref_open(cal, nxt - 60)


def test_dst_days_are_23_and_25_hours_long() -> None:
    for zone, spring, autumn in (
        (LONDON, (2026, 3, 29), (2026, 10, 25)),
        (NEW_YORK, (2026, 3, 8), (2026, 11, 1)),
    ):
        clock = BusinessClock(Calendar("d", "d", str(zone), hours={d: ((0, 1440),) for d in range(7)}))
        day = timedelta(days=1)
        s = datetime(*spring, tzinfo=zone)
        a = datetime(*autumn, tzinfo=zone)
        assert clock.working_seconds(s.timestamp(), (s + day).timestamp()) == 23 * 3600
        assert clock.working_seconds(a.timestamp(), (a + day).timestamp()) == 25 * 3600


def test_a_night_shift_across_the_clock_change() -> None:
    # 00:00-04:00 local: spring forward loses the hour 01:00-02:00, fall back repeats it.
    clock = BusinessClock(Calendar("n", "n", "Europe/London", hours={6: ((0, 240),)}))
    assert clock.working_seconds(at(LONDON, 2026, 3, 29), at(LONDON, 2026, 3, 30)) == 3 * 3600
    assert clock.working_seconds(at(LONDON, 2026, 10, 25), at(LONDON, 2026, 10, 26)) == 5 * 3600
    # A deadline three hours into the autumn shift lands at 02:00 GMT: after the repeated hour.
    due = clock.add_working(at(LONDON, 2026, 10, 25), 3 * 3600)
    assert datetime.fromtimestamp(due, LONDON).strftime("%H:%M %Z") == "02:00 GMT"


def test_office_hours_are_unchanged_by_dst_and_new_york_differs_from_london() -> None:
    for zone in (LONDON, NEW_YORK):
        clock = BusinessClock(Calendar("o", "o", str(zone), hours=OFFICE))
        # The week containing each clock change still has five 8-hour days.
        assert clock.working_seconds(at(zone, 2026, 3, 2, 9), at(zone, 2026, 3, 30, 9)) == 20 * 8 * 3600
        assert clock.working_seconds(at(zone, 2026, 10, 19, 9), at(zone, 2026, 11, 2, 9)) == 10 * 8 * 3600
    london = BusinessClock(Calendar("o", "o", "Europe/London", hours=OFFICE))
    # 09:00 in New York is 14:00 in London in November: three hours of London's day are left.
    assert london.working_seconds(at(NEW_YORK, 2026, 11, 26, 9), at(NEW_YORK, 2026, 11, 26, 23)) == 3 * 3600


def test_friday_afternoon_target_runs_into_monday_or_past_a_bank_holiday() -> None:
    plain = BusinessClock(Calendar("b", "b", "Europe/London", hours=OFFICE))
    due = plain.add_working(at(LONDON, 2026, 11, 27, 16, 45), 1800)
    assert local(due) == "Mon 2026-11-30 09:15"
    feed = read_holidays(DATA / "uk-bank-holidays.ics")
    bank = BusinessClock(with_holidays(Calendar("b", "b", "Europe/London", hours=OFFICE), feed))
    # Friday 1 May 2026; Monday 4 May is the early May bank holiday.
    due = bank.add_working(at(LONDON, 2026, 5, 1, 16, 45), 1800)
    assert local(due) == "Tue 2026-05-05 09:15"
    assert not bank.is_open(at(LONDON, 2026, 5, 4, 12))
    assert bank.working_seconds(at(LONDON, 2026, 5, 4), at(LONDON, 2026, 5, 5)) == 0
    always = BusinessClock(Calendar("a", "a", "UTC", always_open=True))
    assert always.add_working(at(LONDON, 2026, 5, 1, 16, 45), 1800) == at(LONDON, 2026, 5, 1, 17, 15)


def test_deadline_at_closing_time_is_closing_time_not_next_morning() -> None:
    clock = BusinessClock(Calendar("b", "b", "Europe/London", hours=OFFICE))
    assert local(clock.add_working(at(LONDON, 2026, 11, 27, 16, 30), 1800)) == "Fri 2026-11-27 17:00"
    # Going backwards from Monday 09:15 by 15 minutes lands at Monday 09:00, and by 30 at Friday 16:45.
    monday = at(LONDON, 2026, 11, 30, 9, 15)
    assert local(clock.add_working(monday, -900)) == "Mon 2026-11-30 09:00"
    assert local(clock.add_working(monday, -1800)) == "Fri 2026-11-27 16:45"


def test_long_ranges_and_growth_in_both_directions_stay_consistent() -> None:
    clock = BusinessClock(Calendar("b", "b", "Europe/London", hours=OFFICE))
    t = at(LONDON, 2026, 11, 26, 10)
    p = clock.position(t)
    # Grow far forward, then far back: positions handed out before must not move.
    assert clock.working_seconds(t, at(LONDON, 2031, 11, 26, 10)) > 4 * 250 * 8 * 3600
    assert clock.working_seconds(at(LONDON, 2021, 11, 26, 10), t) > 4 * 250 * 8 * 3600
    assert clock.position(t) == p
    a_year = clock.add_working(t, 52 * 40 * 3600)
    assert local(a_year) == "Thu 2027-11-25 10:00"


def test_a_calendar_that_never_opens() -> None:
    clock = BusinessClock(Calendar("x", "x", "Europe/London"))
    t = at(LONDON, 2026, 11, 26)
    assert clock.add_working(t, 60) == math.inf
    assert clock.working_seconds(t, t + 86400) == 0
    assert not clock.is_open(t)
    assert clock.next_open(t) == math.inf


@pytest.mark.parametrize(
    ("cal", "message"),
    [
        (Calendar("x", "x", "Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
        (Calendar("x", "x", "UTC", hours={0: ((600, 540),)}), "span 600-540"),
        (Calendar("x", "x", "UTC", hours={0: ((0, 1500),)}), "span 0-1500"),
        (Calendar("x", "x", "UTC", hours={7: ((0, 60),)}), "weekday 7"),
        (Calendar("x", "x", "UTC", holidays=frozenset({"25/12/2026"})), "holiday '25/12/2026'"),
    ],
)
def test_a_bad_calendar_is_refused_with_a_reason(cal: Calendar, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        BusinessClock(cal)


def test_split_shifts_and_overlapping_spans() -> None:
    cal = Calendar("s", "s", "Europe/London", hours={0: ((540, 720), (700, 780), (840, 1020))})
    clock = BusinessClock(cal)
    monday = at(LONDON, 2026, 11, 30)
    assert clock.working_seconds(monday, monday + 86400) == (240 + 180) * 60
    assert not clock.is_open(at(LONDON, 2026, 11, 30, 13, 30))
    assert clock.next_open(at(LONDON, 2026, 11, 30, 13, 30)) == at(LONDON, 2026, 11, 30, 14)


# -- iCalendar holiday feeds ------------------------------------------------------------------------
def test_the_gov_uk_feed_sample_parses() -> None:
    feed = read_holidays(DATA / "uk-bank-holidays.ics")
    assert len(feed.holidays) == 16 and feed.skipped == []
    assert feed.holidays[0].date == "2026-01-01" and feed.holidays[0].name == "New Year\u2019s Day"
    assert {"2026-05-04", "2026-12-28", "2027-12-27"} <= feed.dates()


def test_multi_day_closures_folded_lines_and_timed_events() -> None:
    feed = read_holidays(DATA / "bank-closures.ics")
    assert sorted(feed.dates()) == [
        "2026-12-24",
        "2026-12-25",
        "2026-12-26",
        "2026-12-27",
        "2026-12-28",
        "2027-04-02",
        "2027-04-03",
    ]
    assert feed.holidays[0].name == "Contact centre closed over Christmas, reopening on 29 December"
    assert len(feed.skipped) == 1 and "timed event" in feed.skipped[0]


def _ics(*event: str) -> str:
    return "\r\n".join(
        ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", *event, "END:VEVENT", "END:VCALENDAR"]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello", "not an iCalendar file"),
        ("", "not an iCalendar file"),
        ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261225\r\n", "not a complete iCalendar file"),
    ],
)
def test_a_file_that_is_not_a_calendar_gives_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(IcalError, match=message):
        parse_holidays(text, source="feed.ics")


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (("DTSTART;VALUE=DATE:20261301",), "DTSTART cannot be read"),
        (("DTSTART;VALUE=DATE:20261225", "DTEND;VALUE=DATE:20261224"), "ends before it starts"),
        (("DTSTART;VALUE=DATE:20261225", "DTEND:20261226T000000Z"), "DTSTART is a date but DTEND is a time"),
        (("SUMMARY:No start",), "no DTSTART"),
        (("DTSTART;VALUE=DATE:20261225", "DURATION:PT4H"), "a timed event"),
        (("DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:20280101"), "lasts over 366 days"),
    ],
)
def test_a_bad_event_is_skipped_and_named(event: tuple[str, ...], reason: str) -> None:
    feed = parse_holidays(_ics("UID:x", "SUMMARY:Closure", *event), source="feed.ics")
    assert feed.holidays == [] and len(feed.skipped) == 1 and reason in feed.skipped[0]


def test_recurring_events_are_expanded() -> None:
    feed = parse_holidays(
        _ics("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY", "SUMMARY:Christmas"), years=(2026, 2030)
    )
    assert sorted(feed.dates()) == [f"{y}-12-25" for y in range(2026, 2031)] and feed.skipped == []


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(IcalError, match=r"missing\.ics: cannot read"):
        read_holidays(tmp_path / "missing.ics")
    latin = tmp_path / "latin.ics"
    latin.write_bytes("BEGIN:VCALENDAR\r\nSUMMARY:Fête\r\n".encode("latin-1"))
    with pytest.raises(IcalError, match=r"latin\.ics: not UTF-8"):
        read_holidays(latin)
    # A bad date in one event: that event is named, the feed is read.
    assert read_holidays(DATA / "bad-date.ics").skipped == [
        "event 1 ('Christmas Day'): DTSTART cannot be read"
    ]


def test_threads_growing_one_clock_see_consistent_tables() -> None:
    # The metrics thread asks for clocks while the UI thread ticks: growth must never show a torn table.
    # (Measured: a clock that swapped its arrays one by one failed about one round in four here.)
    cal = Calendar("b", "b", "Europe/London", hours=OFFICE)
    reference = BusinessClock(cal)
    base = at(LONDON, 2026, 11, 26, 10)
    probes = [base + k * 20 * 86400.0 * (-1) ** k for k in range(40)]
    expected = [reference.working_seconds(base, p) for p in probes]
    failures = 0
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, mid-growth included
    try:
        for _ in range(60):
            shared = BusinessClock(cal)
            shared._day_cache = reference._day_cache  # days are pure: sharing them keeps rounds cheap
            shared.position(base)  # the anchor every thread shares
            results: list[list[float]] = []
            errors: list[BaseException] = []

            def work(
                n: int,
                clock: BusinessClock = shared,
                out: list[list[float]] = results,
                errs: list[BaseException] = errors,
            ) -> None:
                try:
                    order = probes if n % 2 else probes[::-1]
                    got = [clock.working_seconds(base, p) for p in order]
                    out.append(got if n % 2 else got[::-1])
                except Exception as e:
                    errs.append(e)

            threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            failures += bool(errors) or any(r != expected for r in results)
    finally:
        sys.setswitchinterval(interval)
    assert failures == 0
