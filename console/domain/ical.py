"""The bank's own closures from iCalendar (.ics) feeds, on top of a calendar's public holidays.

Read with icalendar (parsing, line folding, escapes, VTIMEZONE and Outlook's Windows zone names) and
recurring-ical-events (RRULE, RDATE, EXDATE, overrides by RECURRENCE-ID, DURATION). A closed day is:
- an all-day event (DTSTART;VALUE=DATE): every date from DTSTART up to DTEND (exclusive), one day when
  DTEND is missing or equals DTSTART;
- a timed event written as local midnight to a later local midnight, or flagged
  X-MICROSOFT-CDO-ALLDAYEVENT:TRUE (Outlook exports all-day events so): the dates as written in its zone.
Not closed: cancelled events and cancelled occurrences (STATUS:CANCELLED), and timed events shorter than
whole days (listed in `skipped`). One bad event (a broken date or rule, over MAX_EVENT_DAYS days) is
skipped and named in `skipped`; it never rejects the feed. Only a file that is not iCalendar raises.

Repeating events are expanded over a window of years (the calendars' own range by default, about half a
second for a feed of 40 yearly rules): read a feed once, off the UI thread, and keep the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import recurring_ical_events

from console.domain.model import Calendar

MAX_BYTES = 5_000_000  # a holiday feed is a few kB (a 40-rule export ~20 kB); refuse anything absurd
MAX_EVENT_DAYS = 366
YEARS = (1970, 2199)  # the window repeating events are expanded over (BusinessClock runs to 2199)
_ALL_DAY_FLAG = "X-MICROSOFT-CDO-ALLDAYEVENT"


class IcalError(ValueError):
    """A feed that cannot be read at all. str(e) names the source, for the user."""


@dataclass(frozen=True, slots=True)
class Holiday:
    date: str  # ISO date
    name: str


@dataclass(slots=True)
class HolidayFeed:
    holidays: list[Holiday] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # events ignored, each named, with the reason
    cancelled: list[str] = field(default_factory=list)  # cancelled events or occurrences, named

    def dates(self) -> frozenset[str]:
        """The ISO dates, ready for Calendar.holidays."""
        return frozenset(h.date for h in self.holidays)


class _Skip(Exception):
    """This event cannot be used: the reason, for `skipped`."""


def parse_holidays(
    text: str, source: str = "calendar feed", *, years: tuple[int, int] = YEARS
) -> HolidayFeed:
    """The closed days of an iCalendar text, sorted by date (one entry per date and name)."""
    if not text.lstrip("\ufeff \r\n\t").upper().startswith("BEGIN:VCALENDAR"):
        raise IcalError(f"{source}: not an iCalendar file (it must start with BEGIN:VCALENDAR)")
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except ValueError as e:
        raise IcalError(f"{source}: not a readable iCalendar file ({str(e)[:120]})") from None
    if not calendars:
        raise IcalError(f"{source}: not a complete iCalendar file (was it cut short?)")
    first, last = years
    window = (date(first, 1, 1), date(last + 1, 1, 1))
    feed = HolidayFeed()
    seen: set[tuple[str, str]] = set()
    for number, (label, events) in enumerate(_series(calendars), start=1):
        try:
            _expand(feed, events, window, seen)
        except _Skip as why:
            feed.skipped.append(f"event {number} ({label}): {why}")
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as e:
            # A broken rule or date the libraries refuse: this event only.
            feed.skipped.append(f"event {number} ({label}): cannot be read ({str(e)[:120]})")
    feed.holidays.sort(key=lambda h: (h.date, h.name))
    return feed


def _series(calendars: Sequence[icalendar.Calendar]) -> list[tuple[str, list[icalendar.Component]]]:
    """Events grouped by UID (an override with RECURRENCE-ID belongs to its series), in file order."""
    groups: dict[str, list[icalendar.Component]] = {}
    for cal in calendars:
        for n, event in enumerate(cal.walk("VEVENT")):
            uid = str(event.get("UID") or f"no UID #{n}")
            groups.setdefault(uid, []).append(event)
    out = []
    for uid, events in groups.items():
        master = next((e for e in events if "RECURRENCE-ID" not in e), events[0])
        summary = _text(master.get("SUMMARY")) or f"UID {uid[:60]}"
        out.append((repr(summary[:80]), events))
    return out


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _expand(
    feed: HolidayFeed,
    events: list[icalendar.Component],
    window: tuple[date, date],
    seen: set[tuple[str, str]],
) -> None:
    for event in events:
        broken = [name for name, _ in getattr(event, "errors", ())]
        if broken:
            raise _Skip(f"{', '.join(sorted(set(broken)))} cannot be read")
        if "DTSTART" not in event:
            raise _Skip("it has no DTSTART")
        if "DTEND" in event:  # as written: recurring-ical-events would quietly repair these
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            if isinstance(start, datetime) != isinstance(end, datetime):
                kinds = ("a time", "a date") if isinstance(start, datetime) else ("a date", "a time")
                raise _Skip(f"DTSTART is {kinds[0]} but DTEND is {kinds[1]}")
            if end < start:
                raise _Skip("it ends before it starts")
    series = icalendar.Calendar()
    for event in events:
        series.add_component(event)
    for occurrence in recurring_ical_events.of(series).between(*window):
        name = _text(occurrence.get("SUMMARY")) or "Holiday"
        days = _days(occurrence)
        if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
            feed.cancelled.append(f"{name} ({days[0].isoformat()})")
            continue
        for day in days:
            if window[0] <= day < window[1] and (key := (day.isoformat(), name)) not in seen:
                seen.add(key)
                feed.holidays.append(Holiday(key[0], name))


def _days(occurrence: icalendar.Component) -> list[date]:
    """The dates one occurrence closes."""
    start = occurrence.decoded("DTSTART")
    end = occurrence.decoded("DTEND") if "DTEND" in occurrence else start
    if isinstance(start, datetime):
        if not isinstance(end, datetime):
            raise _Skip("DTSTART is a time but DTEND is a date")
        midnight_to_midnight = start.time() == end.time() == datetime.min.time() and end.date() > start.date()
        flagged = str(occurrence.get(_ALL_DAY_FLAG, "")).upper() == "TRUE"
        if not (midnight_to_midnight or flagged):
            raise _Skip("a timed event, not an all-day closure")
        # As written in its own zone: Outlook's midnight in "GMT Standard Time" is that date in London.
        first, stop = start.date(), end.date()
    else:
        if isinstance(end, datetime):
            raise _Skip("DTSTART is a date but DTEND is a time")
        first, stop = start, end
    if stop < first:
        raise _Skip("it ends before it starts")
    stop = max(stop, first + timedelta(days=1))  # DTEND == DTSTART (or none): one day
    if (stop - first).days > MAX_EVENT_DAYS:
        raise _Skip(f"it lasts over {MAX_EVENT_DAYS} days")
    return [first + timedelta(days=i) for i in range((stop - first).days)]


def with_holidays(calendar: Calendar, feed: HolidayFeed) -> Calendar:
    """A copy of the calendar closed on the feed's dates as well as its own."""
    return replace(calendar, holidays=calendar.holidays | feed.dates())


def with_feed(calendars: Iterable[Calendar], feed: HolidayFeed) -> dict[str, Calendar]:
    """Every calendar that keeps working hours closed on the feed's dates too (24/7 ones unchanged)."""
    return {c.id: c if c.always_open else with_holidays(c, feed) for c in calendars}


def read_holidays(path: str | Path, *, years: tuple[int, int] = YEARS) -> HolidayFeed:
    """parse_holidays on a file, with errors (missing, too big, not UTF-8) as IcalError."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise IcalError(f"{p.name}: {size} bytes is too big for a holiday feed")
        data = p.read_bytes()
    except OSError as e:
        raise IcalError(f"{p.name}: cannot read the file ({e.strerror or e})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IcalError(f"{p.name}: not UTF-8 text (byte {e.start})") from None
    return parse_holidays(text, source=p.name, years=years)
