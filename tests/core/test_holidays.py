"""Issue 12, "Clocks": public holidays computed per calendar for any year (the `holidays` package, one
place), against the published dates and a minute-by-minute reference."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays as holiday_rules
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.domain import wire
from console.domain.calendars import BusinessClock, CalendarError, financial_markets, public_holidays
from console.domain.model import Calendar
from console.sla.engine import SlaEngine, default_calendars, default_policies
from tests.helpers.calendars import OFFICE

LONDON = ZoneInfo("Europe/London")
# Published by gov.uk for England and Wales (typed from the published list, not computed).
GOV_UK = {
    2025: ["01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"],
    2026: ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"],
    2027: ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"],
}


def weekday_closures(clock: BusinessClock, year: int) -> list[str]:
    day, out = date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5 and clock.closed_on(day.toordinal()):
            out.append(f"{day:%m-%d}")
        day += timedelta(days=1)
    return out


def test_england_and_wales_match_the_published_dates_and_go_on_past_2027() -> None:
    clock = BusinessClock(Calendar("b", "b", "Europe/London", hours=OFFICE, public_holidays="GB-ENG"))
    for year, published in GOV_UK.items():
        assert weekday_closures(clock, year) == published, year
    # The built-in lists ended in 2027; the rules do not (Easter 2031 is 13 April; 2150 is far off).
    assert weekday_closures(clock, 2031) == [
        "01-01",
        "04-11",
        "04-14",
        "05-05",
        "05-26",
        "08-25",
        "12-25",
        "12-26",
    ]
    assert clock.closed_on(date(2150, 12, 25).toordinal()) and not clock.closed_on(
        date(2150, 12, 24).toordinal()
    )


def test_each_calendar_has_its_own_region() -> None:
    def closed(region: str, day: date) -> bool:
        return BusinessClock(Calendar("c", "c", "UTC", hours=OFFICE, public_holidays=region)).closed_on(
            day.toordinal()
        )

    st_andrew, st_patrick, summer_scotland = date(2026, 11, 30), date(2026, 3, 17), date(2026, 8, 3)
    assert closed("GB-SCT", st_andrew) and not closed("GB-ENG", st_andrew)
    assert closed("GB-SCT", summer_scotland) and not closed("GB-SCT", date(2026, 8, 31))
    assert closed("GB-NIR", st_patrick) and not closed("GB-ENG", st_patrick)
    thanksgiving, juneteenth = date(2026, 11, 26), date(2026, 6, 19)
    assert closed("US", thanksgiving) and closed("US", juneteenth) and not closed("GB-ENG", thanksgiving)
    assert closed("us", date(2026, 7, 3))  # Independence Day observed on the Friday; codes in any case
    assert not closed("US", date(2026, 4, 6)) and closed("GB-ENG", date(2026, 4, 6))
    assert public_holidays("GB-ENG", 2026)[date(2026, 12, 28)] == "Boxing Day (observed)"


def test_a_market_is_told_from_a_country_by_the_packages_own_list_offinancial_markets() -> None:
    """The codes read from the registry (no module imported) are the package's list of markets, and a
    market's closures are its own: the London Stock Exchange shuts on England's weekday holidays."""
    probe = (
        "import sys; from console.domain.calendars import financial_markets; financial_markets(); "
        "print(sum(m.startswith('holidays.') for m in sys.modules), 'holidays.financial' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    modules, markets_imported = out.split()
    assert markets_imported == "False" and int(modules) < 40  # the package's core only, not 336 modules
    assert financial_markets() == frozenset(holiday_rules.list_supported_financial())
    assert {"XLON", "NYSE", "XNYS"} <= financial_markets() and "GB" not in financial_markets()
    london = public_holidays("XLON", 2026)
    assert london.keys() <= public_holidays("GB-ENG", 2026).keys() and date(2026, 12, 28) in london
    assert date(2026, 11, 26) in public_holidays("NYSE", 2026)  # Thanksgiving


def test_the_default_social_calendar_closes_christmas_every_year() -> None:
    """The defect: Christmas Day 2025 was a working day on the social calendar, and from 2028 no day was
    closed at all. The social team works bank holidays but not Christmas Day or New Year's Day."""
    cals = {c.id: BusinessClock(c) for c in default_calendars()}
    social, business = cals["social"], cals["business"]
    for year in (2025, 2026, 2031, 2090):
        assert social.closed_on(date(year, 12, 25).toordinal()), year
        assert social.closed_on(date(year, 1, 1).toordinal()), year
    assert not social.closed_on(date(2026, 5, 4).toordinal())  # the social team works the May bank holiday
    assert business.closed_on(date(2026, 5, 4).toordinal()) and business.closed_on(
        date(2030, 5, 6).toordinal()
    )
    t = datetime(2025, 12, 25, 12, tzinfo=LONDON).timestamp()
    assert (
        not social.is_open(t) and social.next_open(t) == datetime(2025, 12, 26, 8, tzinfo=LONDON).timestamp()
    )


@pytest.mark.expected_log(r"is not a region the holidays package knows", logger="concierge.sla")
def test_an_unknown_region_or_closure_is_refused_and_the_engine_counts_24_7() -> None:
    with pytest.raises(CalendarError, match="'Atlantis' is not a region"):
        BusinessClock(Calendar("c", "c", "UTC", hours=OFFICE, public_holidays="Atlantis"))
    with pytest.raises(CalendarError, match="'12/25' is not a MM-DD date"):
        BusinessClock(Calendar("c", "c", "UTC", hours=OFFICE, annual_closures=frozenset({"12/25"})))
    BusinessClock(Calendar("c", "c", "UTC", hours=OFFICE, annual_closures=frozenset({"02-29"})))  # leap years
    cals = {c.id: c for c in default_calendars()}
    cals["business"] = Calendar("business", "b", "Europe/London", hours=OFFICE, public_holidays="XX-YY")
    eng = SlaEngine(default_policies(), cals, {})
    assert any("'XX-YY' is not a region" in p and "24/7" in p for p in eng.problems)


def test_calendars_travel_with_their_region_and_yearly_closures() -> None:
    for c in default_calendars():
        assert wire.calendar_from_wire(wire.calendar_to_wire(c)) == c
    raw = wire.calendar_to_wire(default_calendars()[0])
    assert raw["public_holidays"] == "GB-ENG"
    old_service = {k: v for k, v in raw.items() if k not in ("public_holidays", "annual_closures")}
    parsed = wire.calendar_from_wire(old_service)
    assert parsed.public_holidays is None and parsed.annual_closures == frozenset()


# -- against a minute-by-minute reference that asks the holidays package itself ---------------------
def ref_open(cal: Calendar, t: float) -> bool:
    dt = datetime.fromtimestamp(t, ZoneInfo(cal.timezone))
    day = dt.date()
    if day.isoformat() in cal.holidays or f"{day:%m-%d}" in cal.annual_closures:
        return False
    if cal.public_holidays and day in _package_holidays(cal.public_holidays, day.year):
        return False
    minute = dt.hour * 60 + dt.minute
    return any(a <= minute < b for a, b in cal.hours.get(dt.weekday(), ()))


@cache
def _package_holidays(region: str, year: int) -> frozenset[date]:
    country, _, subdiv = region.partition("-")
    return frozenset(holiday_rules.country_holidays(country, subdiv=subdiv or None, years=year))


@st.composite
def holiday_calendars(draw: st.DrawFn) -> Calendar:
    zone = draw(st.sampled_from(["Europe/London", "America/New_York", "Asia/Kolkata"]))
    every_day = {d: ((8 * 60, 20 * 60),) for d in range(7)}
    return Calendar(
        "h",
        "h",
        zone,
        hours=draw(st.sampled_from([OFFICE, every_day])),
        public_holidays=draw(st.sampled_from([None, "GB-ENG", "GB-SCT", "GB-NIR", "US", "US-NY"])),
        annual_closures=draw(
            st.frozensets(st.sampled_from(["12-25", "12-24", "01-01", "02-29"]), max_size=2)
        ),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    holiday_calendars(),
    st.sampled_from([(2025, 12, 20), (2026, 3, 28), (2026, 11, 24), (2027, 12, 22), (2028, 2, 26)]),
    st.integers(0, 6 * 24 * 60),
    st.integers(0, 5 * 24 * 60),
)
def test_working_time_with_public_holidays_equals_the_minute_reference(
    cal: Calendar, start_day: tuple[int, int, int], offset: int, length: int
) -> None:
    start = datetime(*start_day, tzinfo=ZoneInfo("UTC")).timestamp() + offset * 60
    end = start + length * 60
    clock = BusinessClock(cal)
    expected = sum(60.0 for t in range(int(start), int(end), 60) if ref_open(cal, t))
    assert clock.working_seconds(start, end) == expected
