"""Business calendars as fast clocks: how much open time lies between two instants, and when a given
amount of open time will have elapsed.

A calendar's open time is the set of instants whose *local* time (in its IANA zone) falls inside that
weekday's spans and whose local date is not a holiday. Each local day is turned once into epoch
intervals, exactly, DST included: a span that crosses a spring-forward gap is shorter, one that crosses
a fall-back repeats the doubled local hour. The intervals are kept sorted with a running total of open
seconds (a "position"), so working_seconds and add_working are two binary searches, whatever the range.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.model import Calendar

DAY = 86400
_UNIX_ORDINAL = date(1970, 1, 1).toordinal()
# Open intervals of a local day lie within [midnight - 26 h, midnight + 50 h] in epoch terms whatever the
# UTC offset; coverage keeps this margin (in days) so no day outside it can affect a query.
_MARGIN_DAYS = 3
_FIRST_CHUNK_DAYS = 120
# add_working gives up (returns inf) when this much wall time holds no open time at all.
_MAX_SEARCH_DAYS = 366 * 20
_MIN_ORDINAL = date(1900, 1, 1).toordinal()
_MAX_ORDINAL = date(2200, 1, 1).toordinal()


class CalendarError(ValueError):
    """A calendar that cannot be used (unknown zone, bad span, bad holiday). str(e) says why."""


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
        off_next = _offset(zone, nxt) if nxt < hi else off
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
        self.never_open = not self.always_open and not self._weekly
        self._day_cache: dict[int, list[tuple[float, float]]] = {}
        # Covered local days [_dlo, _dhi); flat sorted open intervals with the position at each start.
        self._dlo = self._dhi = 0
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._cum: list[float] = []
        self._lo = math.inf  # epoch range in which position() needs no growth
        self._hi = -math.inf
        self._base = 0.0  # position at the start of coverage
        self._anchor: float | None = None  # the epoch whose position is 0, fixed at first use

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
        self._cover(t)
        i = bisect_right(self._starts, t) - 1
        return i >= 0 and t < self._ends[i]

    def next_open(self, t: float) -> float:
        """t itself when open, else the start of the next open interval (inf if none within 20 years)."""
        if self.always_open:
            return t
        if self.never_open:
            return math.inf
        for _ in range(_MAX_SEARCH_DAYS // _FIRST_CHUNK_DAYS + 2):
            self._cover(t)
            i = bisect_right(self._starts, t) - 1
            if i >= 0 and t < self._ends[i]:
                return t
            if i + 1 < len(self._starts):
                return self._starts[i + 1]
            if self._hi - t > _MAX_SEARCH_DAYS * DAY:
                break
            self._cover(self._hi + DAY)
        return math.inf

    def position(self, t: float) -> float:
        """Open seconds elapsed since a fixed (arbitrary) origin: working_seconds(a, b) equals
        position(b) - position(a). A tick computes position(now) once per calendar and subtracts."""
        if self.always_open:
            return t
        if self.never_open:
            return 0.0
        if not self._lo <= t <= self._hi:
            self._cover(t)
        i = bisect_right(self._starts, t) - 1
        if i < 0:
            return self._base
        end = self._ends[i]
        return self._cum[i] + ((t if t < end else end) - self._starts[i])

    def at_position(self, p: float, *, latest: bool = False) -> float:
        """The earliest wall time whose position is p (inverse of position), or the latest one: closed
        time between two spans has one position, so moving forward stops at a closing time and moving
        backward at an opening time."""
        if self.always_open:
            return p
        if self.never_open or math.isnan(p):
            return math.inf
        if self._anchor is None:
            self._cover(0.0)  # p must come from position(), which fixes the origin; this is a fallback
        for _ in range(64):
            cum, ends, starts = self._cum, self._ends, self._starts
            first = cum[0] if starts else self._base
            top = cum[-1] + (ends[-1] - starts[-1]) if starts else self._base
            if starts and (first <= p < top if latest else first < p <= top):
                i = bisect_left(cum, p)  # the first span starting at or after position p
                if i < len(cum) and cum[i] == p:
                    return starts[i] if latest else ends[i - 1]
                return starts[i - 1] + (p - cum[i - 1])
            if p < first or (p == first and not latest):
                if self._dlo <= _MIN_ORDINAL:
                    return -math.inf
                self._cover(self._lo - (self._hi - self._lo))
            else:
                if self._dhi >= _MAX_ORDINAL:
                    return math.inf
                self._cover(self._hi + max(self._hi - self._lo, DAY))
        return math.inf if p > 0 else -math.inf

    def day_intervals(self, ordinal: int) -> list[tuple[float, float]]:
        """Open epoch intervals of one local date (date.toordinal()), sorted and merged."""
        cached = self._day_cache.get(ordinal)
        if cached is not None:
            return cached
        spans = self._weekly.get(date.fromordinal(ordinal).weekday(), ())
        out: list[tuple[float, float]] = []
        if spans and ordinal not in self._holidays:
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

    # -- coverage ----------------------------------------------------------------------------------
    def _cover(self, t: float) -> None:
        if self._lo <= t <= self._hi:
            return
        if math.isnan(t) or math.isinf(t):
            raise ValueError(f"calendar {self.id}: time {t} is not a finite instant")
        day = int(t // DAY) + _UNIX_ORDINAL
        if self._anchor is None:
            dlo, dhi = day - _MARGIN_DAYS - 30, day + _MARGIN_DAYS + _FIRST_CHUNK_DAYS
        else:
            # Grow at least by the current size so repeated growth stays cheap overall.
            size = max(self._dhi - self._dlo, _FIRST_CHUNK_DAYS)
            dlo = min(self._dlo, day - _MARGIN_DAYS - (size if day < self._dlo + _MARGIN_DAYS else 0))
            dhi = max(self._dhi, day + _MARGIN_DAYS + 1 + (size if day >= self._dhi - _MARGIN_DAYS else 0))
        dlo, dhi = max(dlo, _MIN_ORDINAL), min(dhi, _MAX_ORDINAL)
        if dhi - dlo <= 2 * _MARGIN_DAYS:
            raise ValueError(f"calendar {self.id}: time {t} is outside the supported years 1900-2200")
        self._rebuild(dlo, dhi)

    def _rebuild(self, dlo: int, dhi: int) -> None:
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
        self._dlo, self._dhi = dlo, dhi
        self._lo = float((dlo - _UNIX_ORDINAL + _MARGIN_DAYS) * DAY)
        self._hi = float((dhi - _UNIX_ORDINAL - _MARGIN_DAYS) * DAY)
        self._starts, self._ends = starts, ends
        if self._anchor is None:
            self._anchor = self._lo
        # Shift so that the anchor keeps position 0: positions handed out earlier stay valid.
        self._cum, self._base = cum, 0.0
        i = bisect_right(starts, self._anchor) - 1
        at_anchor = 0.0 if i < 0 else cum[i] + (min(self._anchor, ends[i]) - starts[i])
        self._cum = [c - at_anchor for c in cum]
        self._base = -at_anchor


def clocks_for(calendars: dict[str, Calendar]) -> dict[str, BusinessClock]:
    """A BusinessClock per calendar id. Raises CalendarError for the first unusable calendar."""
    return {cid: BusinessClock(cal) for cid, cal in calendars.items()}
