"""Holidays from iCalendar (.ics) feeds, such as the gov.uk bank-holidays feed.

Only what a holiday calendar needs: all-day VEVENTs (DTSTART;VALUE=DATE, with an exclusive DTEND or a
DURATION of days for multi-day closures). Lines are unfolded per RFC 5545. Anything malformed raises
IcalError naming the source and line; events that are not all-day (timed, recurring) are listed in
`skipped` with the reason instead of being silently dropped or guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from console.domain.model import Calendar

MAX_BYTES = 5_000_000  # a national holiday feed is a few kB; refuse anything absurd
MAX_EVENT_DAYS = 366
_DURATION_DAYS = re.compile(r"^P(?:(\d+)W|(\d+)D)$")


class IcalError(ValueError):
    """A feed that cannot be read. str(e) names the source and line, for the user."""


@dataclass(frozen=True, slots=True)
class Holiday:
    date: str  # ISO date
    name: str


@dataclass(slots=True)
class HolidayFeed:
    holidays: list[Holiday] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # events ignored, with the reason

    def dates(self) -> frozenset[str]:
        """The ISO dates, ready for Calendar.holidays."""
        return frozenset(h.date for h in self.holidays)


def _unfold(text: str) -> list[tuple[int, str]]:
    """Logical lines with the physical line number each starts on (continuations begin with a blank)."""
    out: list[tuple[int, str]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + raw[1:])
        elif raw.strip():
            out.append((n, raw))
    return out


def _split(line: str) -> tuple[str, dict[str, str], str]:
    """'NAME;P=V;Q=W:value' -> (NAME, {P: V, Q: W}, value). Parameter values may be quoted."""
    head, sep, value = line.partition(":")
    # A colon inside a quoted parameter value belongs to the head.
    while head.count('"') % 2 == 1 and sep:
        more, sep, value = value.partition(":")
        head = f"{head}:{more}"
    if not sep:
        raise ValueError("no ':' between the property name and its value")
    name, *params = head.split(";")
    parsed: dict[str, str] = {}
    for p in params:
        key, eq, val = p.partition("=")
        if not eq:
            raise ValueError(f"parameter {p[:30]!r} has no '='")
        parsed[key.strip().upper()] = val.strip().strip('"')
    return name.strip().upper(), parsed, value


def _date(value: str, params: dict[str, str]) -> date | None:
    """A DATE value, or None when the value is a DATE-TIME (a timed event)."""
    v = value.strip()
    if params.get("VALUE", "").upper() == "DATE-TIME" or "T" in v:
        return None
    if len(v) != 8 or not v.isdigit():
        raise ValueError(f"{v[:30]!r} is not a date (YYYYMMDD)")
    return date(int(v[:4]), int(v[4:6]), int(v[6:]))


def _unescape(text: str) -> str:
    return (
        text.replace("\\n", " ")
        .replace("\\N", " ")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\\\", "\\")
    )


def parse_holidays(text: str, source: str = "calendar feed") -> HolidayFeed:
    """All-day events of an iCalendar text as holidays, sorted by date."""
    lines = _unfold(text)
    if not lines or lines[0][1].strip().upper() != "BEGIN:VCALENDAR":
        raise IcalError(f"{source}: not an iCalendar file (it must start with BEGIN:VCALENDAR)")
    feed = HolidayFeed()
    event: dict[str, tuple[int, dict[str, str], str]] | None = None
    event_line = 0
    for n, line in lines:
        try:
            name, params, value = _split(line)
        except ValueError as e:
            raise IcalError(f"{source}, line {n}: {e}: {line[:60]!r}") from None
        if name == "BEGIN" and value.strip().upper() == "VEVENT":
            if event is not None:
                raise IcalError(f"{source}, line {n}: VEVENT begun inside the VEVENT of line {event_line}")
            event, event_line = {}, n
        elif name == "END" and value.strip().upper() == "VEVENT":
            if event is None:
                raise IcalError(f"{source}, line {n}: END:VEVENT without BEGIN:VEVENT")
            _add_event(feed, event, source, event_line)
            event = None
        elif event is not None and name in ("DTSTART", "DTEND", "DURATION", "SUMMARY", "RRULE", "RDATE"):
            event[name] = (n, params, value)
    if event is not None:
        raise IcalError(f"{source}, line {event_line}: VEVENT never ended (file cut short?)")
    feed.holidays.sort(key=lambda h: h.date)
    return feed


def _add_event(
    feed: HolidayFeed, event: dict[str, tuple[int, dict[str, str], str]], source: str, line: int
) -> None:
    summary = _unescape(event["SUMMARY"][2]).strip() if "SUMMARY" in event else "Holiday"
    if "DTSTART" not in event:
        raise IcalError(f"{source}, line {line}: VEVENT without DTSTART")
    n, params, value = event["DTSTART"]
    try:
        start = _date(value, params)
    except ValueError as e:
        raise IcalError(f"{source}, line {n}: DTSTART: {e}") from None
    if start is None:
        feed.skipped.append(f"line {line}: {summary!r} is a timed event, not an all-day holiday")
        return
    if "RRULE" in event or "RDATE" in event:
        feed.skipped.append(f"line {line}: {summary!r} repeats (RRULE/RDATE), which is not supported")
        return
    end = start + timedelta(days=1)
    if "DTEND" in event:
        n, params, value = event["DTEND"]
        try:
            parsed = _date(value, params)
        except ValueError as e:
            raise IcalError(f"{source}, line {n}: DTEND: {e}") from None
        if parsed is None:
            raise IcalError(f"{source}, line {n}: DTEND is a time but DTSTART is a date")
        end = parsed
    elif "DURATION" in event:
        n, _, value = event["DURATION"]
        m = _DURATION_DAYS.match(value.strip().upper())
        if not m:
            raise IcalError(f"{source}, line {n}: DURATION {value[:20]!r} is not a whole number of days")
        end = start + timedelta(days=int(m[1]) * 7 if m[1] else int(m[2]))
    if end <= start:
        raise IcalError(f"{source}, line {line}: {summary!r} ends before it starts")
    if (end - start).days > MAX_EVENT_DAYS:
        raise IcalError(f"{source}, line {line}: {summary!r} lasts over {MAX_EVENT_DAYS} days")
    day = start
    while day < end:
        feed.holidays.append(Holiday(day.isoformat(), summary))
        day += timedelta(days=1)


def with_holidays(calendar: Calendar, feed: HolidayFeed) -> Calendar:
    """A copy of the calendar closed on the feed's dates as well as its own."""
    return replace(calendar, holidays=calendar.holidays | feed.dates())


def read_holidays(path: str | Path) -> HolidayFeed:
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
    return parse_holidays(text, source=p.name)
