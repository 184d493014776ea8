"""The slow, obvious reference for business calendars: is each minute open? Working time is the count of
open minutes. The fast BusinessClock is tested against it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from console.domain.model import Calendar

OFFICE: dict[int, tuple[tuple[int, int], ...]] = {d: ((9 * 60, 17 * 60),) for d in range(5)}


def ref_open(cal: Calendar, t: float) -> bool:
    if cal.always_open:
        return True
    dt = datetime.fromtimestamp(t, ZoneInfo(cal.timezone))
    if dt.date().isoformat() in cal.holidays:
        return False
    minute = dt.hour * 60 + dt.minute
    return any(a <= minute < b for a, b in cal.hours.get(dt.weekday(), ()))


def ref_working(cal: Calendar, start: float, end: float) -> float:
    """Minute-aligned start and end only: every zone used here changes offset on whole minutes."""
    return sum(60.0 for t in range(int(start), int(end), 60) if ref_open(cal, t))
