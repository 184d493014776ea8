"""Business calendars as fast clocks: how much open time lies between two instants, and when a given
amount of open time will have elapsed.

A calendar's open time is the set of instants whose *local* time (in its IANA zone) falls inside that
weekday's spans and whose local date is not a holiday. Each local day is turned once into epoch
intervals, exactly, DST included: a span that crosses a spring-forward gap is shorter, one that crosses
a fall-back repeats the doubled local hour. The intervals are kept sorted with a running total of open
seconds (a "position"), so working_seconds and add_working are two binary searches, whatever the range.

Public holidays come from the `holidays` package, per calendar (its `public_holidays` region), for any
year: this module is the one place they are computed. The bank's own closures (Calendar.holidays, e.g.
read from its .ics feed by console.domain.ical) and dates closed every year come on top.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.domain.model import Calendar

DAY = 86400
_UNIX_ORDINAL = date(1970, 1, 1).toordinal()
# Open intervals of a local day lie within [midnight - 26 h, midnight + 50 h] in epoch terms whatever the
# UTC offset; coverage keeps this margin (in days) so no day outside it can affect a query.
_MARGIN_DAYS = 3
_FIRST_CHUNK_DAYS = 120
# next_open gives up (inf) after this much closed time; add_working only past the supported years.
_MAX_SEARCH_DAYS = 366 * 20
_MIN_ORDINAL = date(1900, 1, 1).toordinal()
_MAX_ORDINAL = date(2200, 1, 1).toordinal()
# Instants whose coverage fits within the supported years.
_SAFE_LO = float((_MIN_ORDINAL - _UNIX_ORDINAL + _MARGIN_DAYS + 1) * DAY)
_SAFE_HI = float((_MAX_ORDINAL - _UNIX_ORDINAL - _MARGIN_DAYS - 1) * DAY)
_MAX_YEAR = date.fromordinal(_MAX_ORDINAL).year


class CalendarError(ValueError):
    """A calendar that cannot be used (unknown zone, bad span, bad holiday). str(e) says why."""


# Regions named in the settings pane and the docs (any region or market the package knows works).
COMMON_REGIONS = {
    "GB-ENG": "England and Wales",
    "GB-SCT": "Scotland",
    "GB-NIR": "Northern Ireland",
    "US": "United States (federal)",
    "IE": "Ireland",
    "XLON": "London Stock Exchange",
    "NYSE": "New York Stock Exchange",
}


# The form of public_holidays' answer, for a memo that keeps it between runs: bump it when the answer
# changes (substitute days, the year limit, the names) for the same version of the package.
HOLIDAYS_FORM = 1


class HolidayMemo(Protocol):
    """Public holidays an earlier run computed (console.platform.holiday_file), so that a start-up
    imports neither the `holidays` package nor the ~300 country modules one country's rules load
    (~0.15 s before the window shows). Its answers hold for this HOLIDAYS_FORM and package version."""

    def get(self, region: str, year: int) -> dict[date, str] | None: ...

    def put(self, region: str, year: int, days: dict[date, str]) -> None: ...


_memo: list[HolidayMemo | None] = [None]


def remember_holidays(memo: HolidayMemo | None) -> None:
    """Keep the public holidays computed from now on in `memo`, and read them there first."""
    _memo[0] = memo


def public_holidays(region: str, year: int) -> dict[date, str]:
    """The public holidays of a region in one year, by date, from the `holidays` package: a country
    ("US", "IE"), a subdivision ("GB-ENG": England and Wales, "GB-SCT", "GB-NIR", "US-NY") or a financial
    market ("XLON", "NYSE"). Substitute days are included. Raises CalendarError for an unknown region."""
    code = region.strip().upper()
    memo = _memo[0]
    kept = memo.get(code, year) if memo is not None else None
    if kept is not None:
        return kept
    days = _computed(code, year, region)
    if memo is not None:
        memo.put(code, year, days)
    return days


def _computed(code: str, year: int, region: str) -> dict[date, str]:
    import holidays as holiday_rules  # here, not at import: a memo spares most start-ups the package

    try:
        if code in financial_markets():
            rules = holiday_rules.financial_holidays(code, years=[])
        else:
            country, _, subdiv = code.partition("-")
            rules = holiday_rules.country_holidays(country, subdiv=subdiv or None, years=[])
    except (NotImplementedError, KeyError, ValueError):
        raise CalendarError(
            f"public holidays: {region[:20]!r} is not a region the holidays package knows "
            "(a country such as US, a subdivision such as GB-ENG, or a market such as XLON)"
        ) from None
    # The package stops at 2100 by default; its rules (Easter, "first Monday in May", substitutes) go on,
    # so lift the limit to the years the calendars support.
    rules.end_year = max(rules.end_year, _MAX_YEAR)
    _ = date(year, 1, 1) in rules  # computes that year
    return {d: str(name) for d, name in sorted(rules.items()) if d.year == year}


@lru_cache(maxsize=1)
def financial_markets() -> frozenset[str]:
    """The financial markets' codes from the package's registry: list_supported_financial() imports every
    country's and market's module to list their subdivisions too (336 modules, ~9 MB, ~60 ms at start)."""
    from holidays.registry import EntityLoader

    return frozenset(EntityLoader.get_financial_codes())


@lru_cache(maxsize=8192)
def _closed_ordinals(region: str, year: int) -> frozenset[int]:
    return frozenset(d.toordinal() for d in public_holidays(region, year))


def _annual(cal: Calendar) -> frozenset[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for text in cal.annual_closures:
        try:
            month, day = (int(part) for part in str(text).split("-"))
            date(2000, month, day)  # a leap year: 02-29 is allowed (closed in leap years only)
        except (TypeError, ValueError):
            raise CalendarError(
                f"calendar {cal.id}: yearly closure {str(text)[:20]!r} is not a MM-DD date"
            ) from None
        out.add((month, day))
    return frozenset(out)


def _offset(zone: ZoneInfo, t: float) -> float:
    off = datetime.fromtimestamp(t, zone).utcoffset()
    return 0.0 if off is None else off.total_seconds()


def _pieces(zone: ZoneInfo, lo: int, hi: int) -> list[tuple[float, float, float]]:
    """[lo, hi) split into (start, end, utc_offset) pieces of constant offset. Transitions are found by
    sampling every 6 hours and bisecting to the second (zone transitions fall on whole seconds)."""
    step = 6 * 3600
    pieces: list[tuple[float, float, float]] = []
    start, off = float(lo), _offset(zone, lo)
    t = lo
    while t < hi:
        nxt = min(t + step, hi)
        off_next = _offset(zone, nxt)
        if off_next != off:
            a, b = t, nxt  # offset(a) == off, offset(b) != off: find the first second that differs
            while b - a > 1:
                mid = (a + b) // 2
                if _offset(zone, mid) == off:
                    a = mid
                else:
                    b = mid
            pieces.append((start, float(b), off))
            start, off = float(b), _offset(zone, b)
            # Another transition could follow within this step; re-sample from b.
            t = b
            continue
        t = nxt
    pieces.append((start, float(hi), off))
    return pieces


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for s, e in sorted(intervals):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _weekly(cal: Calendar) -> dict[int, tuple[tuple[int, int], ...]]:
    weekly: dict[int, tuple[tuple[int, int], ...]] = {}
    for day, spans in cal.hours.items():
        if not isinstance(day, int) or not 0 <= day <= 6:
            raise CalendarError(f"calendar {cal.id}: weekday {day!r} is not 0 (Monday) to 6 (Sunday)")
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if not 0 <= start < end <= 1440:
                raise CalendarError(f"calendar {cal.id}: span {start}-{end} minutes is not within a day")
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        if merged:
            weekly[day] = tuple(merged)
    return weekly


class BusinessClock:
    """Open-time arithmetic over one Calendar. Build once per calendar and reuse: days are computed on
    first use and cached. Not thread-safe while it grows; give each thread its own clock."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.id = calendar.id
        self.always_open = calendar.always_open
        try:
            self.zone = ZoneInfo(calendar.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(
                f"calendar {calendar.id}: unknown time zone {calendar.timezone[:60]!r}"
            ) from None
        self._weekly = _weekly(calendar)
        holidays: set[int] = set()
        for h in calendar.holidays:
            try:
                holidays.add(date.fromisoformat(h).toordinal())
            except (TypeError, ValueError):
                raise CalendarError(
                    f"calendar {calendar.id}: holiday {str(h)[:20]!r} is not a date"
                ) from None
        self._holidays = frozenset(holidays)
        self._annual = _annual(calendar)
        self._region = calendar.public_holidays.strip() if calendar.public_holidays else None
        if self._region is not None:
            try:
                _closed_ordinals(self._region, 2026)
            except CalendarError as e:
                raise CalendarError(f"calendar {calendar.id}: {e}") from None
        self.never_open = not self.always_open and not self._weekly
        self._day_cache: dict[int, list[tuple[float, float]]] = {}
        self._table = _Table((), (), (), 0, 0, math.inf, -math.inf, 0.0)
        self._anchor: float | None = None  # the epoch whose position is 0, fixed at first growth
        self._grow_lock = threading.Lock()

    # -- public API --------------------------------------------------------------------------------
    def working_seconds(self, start: float, end: float) -> float:
        """Open time in [start, end); negative (the open time in [end, start)) if end < start."""
        if self.always_open:
            return end - start
        if self.never_open:
            return 0.0
        return self.position(end) - self.position(start)

    def add_working(self, start: float, seconds: float) -> float:
        """The earliest wall time by which `seconds` of open time have elapsed after start; when negative,
        the latest time that lies that much open time before start. inf when the calendar never opens."""
        if self.always_open:
            return start + seconds
        if seconds == 0:
            return start
        if self.never_open:
            return math.inf if seconds > 0 else -math.inf
        due = self.at_position(self.position(start) + seconds, latest=seconds < 0)
        # Seconds too small to move the position (float rounding) must not move the answer backwards.
        if seconds > 0:
            return due if due > start else start
        return due if due < start else start

    def is_open(self, t: float) -> bool:
        if self.always_open:
            return True
        if self.never_open:
            return False
        tb = self._covering(t)
        i = bisect_right(tb.starts, t) - 1
        return i >= 0 and t < tb.ends[i]

    def next_open(self, t: float) -> float:
        """t itself when open, else the start of the next open interval (inf if none within 20 years)."""
        if self.always_open:
            return t
        if self.never_open:
            return math.inf
        probe = t
        while probe - t <= _MAX_SEARCH_DAYS * DAY:
            tb = self._covering(probe)
            i = bisect_right(tb.starts, t) - 1
            if i >= 0 and t < tb.ends[i]:
                return t
            if i + 1 < len(tb.starts):
                return tb.starts[i + 1]
            if tb.hi >= _SAFE_HI:
                break
            probe = min(tb.hi + DAY, _SAFE_HI)  # nothing open up to the end of coverage: grow
        return math.inf

    def ready_for(self, t: float) -> bool:
        """Whether position(t) is a lookup, with no table to build first (~16 ms for a calendar no clock
        has used yet)."""
        tb = self._table
        return self.always_open or self.never_open or tb.lo <= t <= tb.hi

    def position(self, t: float) -> float:
        """Open seconds elapsed since a fixed (arbitrary) origin: working_seconds(a, b) equals
        position(b) - position(a). A tick computes position(now) once per calendar and subtracts."""
        if self.always_open:
            return t
        if self.never_open:
            return 0.0
        tb = self._table
        if not tb.lo <= t <= tb.hi:
            tb = self._covering(t)
        i = bisect_right(tb.starts, t) - 1
        if i < 0:
            return tb.base
        end = tb.ends[i]
        return tb.cum[i] + ((t if t < end else end) - tb.starts[i])

    def at_position(self, p: float, *, latest: bool = False) -> float:
        """The earliest wall time whose position is p (inverse of position), or the latest one: closed
        time between two spans has one position, so moving forward stops at a closing time and moving
        backward at an opening time."""
        if self.always_open:
            return p
        if self.never_open or math.isnan(p):
            return math.inf
        # p must come from position(), which fixed the origin; covering 1970 is only a fallback.
        tb = self._table if self._anchor is not None else self._covering(0.0)
        for _ in range(64):
            cum, ends, starts = tb.cum, tb.ends, tb.starts
            first = cum[0] if starts else tb.base
            top = cum[-1] + (ends[-1] - starts[-1]) if starts else tb.base
            if starts and (first <= p < top if latest else first < p <= top):
                i = bisect_left(cum, p)  # the first span starting at or after position p
                if i < len(cum) and cum[i] == p:
                    return starts[i] if latest else ends[i - 1]
                return starts[i - 1] + (p - cum[i - 1])
            if p < first or (p == first and not latest):
                if tb.lo <= _SAFE_LO:
                    return -math.inf
                tb = self._covering(max(tb.lo - (tb.hi - tb.lo), _SAFE_LO))
            else:
                if tb.hi >= _SAFE_HI:
                    return math.inf
                tb = self._covering(min(tb.hi + max(tb.hi - tb.lo, DAY), _SAFE_HI))
        return math.inf if p > 0 else -math.inf

    def day_intervals(self, ordinal: int) -> list[tuple[float, float]]:
        """Open epoch intervals of one local date (date.toordinal()), sorted and merged."""
        cached = self._day_cache.get(ordinal)
        if cached is not None:
            return cached
        spans = self._weekly.get(date.fromordinal(ordinal).weekday(), ())
        out: list[tuple[float, float]] = []
        if spans and not self.closed_on(ordinal):
            midnight = (ordinal - _UNIX_ORDINAL) * DAY  # local midnight as if the zone were UTC
            raw: list[tuple[float, float]] = []
            for p0, p1, off in _pieces(self.zone, midnight - 2 * DAY, midnight + 3 * DAY):
                for a, b in spans:
                    s, e = max(midnight + a * 60 - off, p0), min(midnight + b * 60 - off, p1)
                    if s < e:
                        raw.append((s, e))
            out = _merge(raw)
        self._day_cache[ordinal] = out
        return out

    def closed_on(self, ordinal: int) -> bool:
        """Whether a local date (date.toordinal()) is closed all day: the calendar's own holidays, its
        yearly closures, or a public holiday of its region."""
        if ordinal in self._holidays:
            return True
        if not self._annual and self._region is None:
            return False
        day = date.fromordinal(ordinal)
        if (day.month, day.day) in self._annual:
            return True
        return self._region is not None and ordinal in _closed_ordinals(self._region, day.year)

    # -- coverage ----------------------------------------------------------------------------------
    def _covering(self, t: float) -> _Table:
        """A table whose safe range holds t, growing it if need be. Readers never lock: they take one
        table and use it throughout, and growth swaps in a whole new table (the metrics thread asks
        for clocks while the UI ticks)."""
        tb = self._table
        if tb.lo <= t <= tb.hi:
            return tb
        if not _SAFE_LO <= t <= _SAFE_HI:  # also nan and inf
            raise ValueError(f"calendar {self.id}: time {t} is outside the supported years 1900-2200")
        with self._grow_lock:
            tb = self._table
            if tb.lo <= t <= tb.hi:
                return tb
            day = int(t // DAY) + _UNIX_ORDINAL
            if self._anchor is None:
                dlo, dhi = day - _MARGIN_DAYS - 30, day + _MARGIN_DAYS + _FIRST_CHUNK_DAYS
            else:
                # Grow at least by the current size so repeated growth stays cheap overall.
                size = max(tb.dhi - tb.dlo, _FIRST_CHUNK_DAYS)
                dlo = min(tb.dlo, day - _MARGIN_DAYS - (size if day < tb.dlo + _MARGIN_DAYS else 0))
                dhi = max(tb.dhi, day + _MARGIN_DAYS + 1 + (size if day >= tb.dhi - _MARGIN_DAYS else 0))
            dlo, dhi = max(dlo, _MIN_ORDINAL), min(dhi, _MAX_ORDINAL)
            self._table = tb = self._build(dlo, dhi)
            return tb

    def _build(self, dlo: int, dhi: int) -> _Table:
        intervals: list[tuple[float, float]] = []
        for d in range(dlo, dhi):
            intervals.extend(self.day_intervals(d))
        merged = _merge(intervals)  # days can interleave when a zone falls back across midnight
        starts, ends, cum = [], [], []
        total = 0.0
        for s, e in merged:
            starts.append(s)
            ends.append(e)
            cum.append(total)
            total += e - s
        lo = float((dlo - _UNIX_ORDINAL + _MARGIN_DAYS) * DAY)
        hi = float((dhi - _UNIX_ORDINAL - _MARGIN_DAYS) * DAY)
        if self._anchor is None:
            self._anchor = lo
        # Shift so that the anchor keeps position 0: positions handed out earlier stay valid.
        anchor = self._anchor
        i = bisect_right(starts, anchor) - 1
        at_anchor = 0.0 if i < 0 else cum[i] + (min(anchor, ends[i]) - starts[i])
        return _Table(starts, ends, [c - at_anchor for c in cum], dlo, dhi, lo, hi, -at_anchor)


class _Table(NamedTuple):
    """Open intervals of covered local days [dlo, dhi), sorted, with the position at each start.
    [lo, hi] is the epoch range inside which no uncovered day can matter; base is the position before
    the first interval."""

    starts: Sequence[float]
    ends: Sequence[float]
    cum: Sequence[float]
    dlo: int
    dhi: int
    lo: float
    hi: float
    base: float
