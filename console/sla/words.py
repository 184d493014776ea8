"""The words and time formats for SLA clocks and states, defined once for every view (queue, detail pane,
board, charts, wallboard, reports). Plain text, English, locale-free.

Time is written one way everywhere (duration): "under a minute", "25 min", "2 h 05 min", "3 h", "1 d 7 h",
with "left" or "over" after it; never "1:05", "25m" or "+27:10". A countdown shows the working time left
and the wall-clock deadline, both: "42 min left · due Mon 09:16", or when breached "1 h 05 min over · was
due Mon 14:20" (DESIGN.md, SLA semantics).
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo

from console.domain.labels import CLOCKS

STATE_WORDS = {"on_track": "On track", "at_risk": "At risk", "urgent": "Urgent", "breached": "Breached"}
CLOCK_WORDS = CLOCKS  # the people's words for codes are defined once, in console.domain.labels
NO_CLOCK = "No SLA clock running"  # an open enquiry with no clock: waiting on the customer, or no policy
NO_CLOCK_WHY = "No SLA clock is running (closed, waiting on the customer, or no policy applies)."
NO_DEADLINE = "no deadline (its calendar never opens)"

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Countdown(Protocol):
    """What a countdown needs from a clock's status (console.sla.engine.SlaStatus has these)."""

    @property
    def state(self) -> str: ...

    @property
    def remaining_s(self) -> float: ...

    @property
    def due_at(self) -> float: ...


def state_word(state: str | None) -> str:
    """ "At risk" for at_risk; NO_CLOCK for None (no clock running); an unknown state as it is."""
    return NO_CLOCK if state is None else STATE_WORDS.get(state, str(state))


def clock_word(kind: str) -> str:
    """ "First response" for first_response; an unknown kind made readable ("Some clock")."""
    return CLOCK_WORDS.get(kind) or str(kind).replace("_", " ").capitalize()


UNDER_A_MINUTE = "under a minute"


def duration(seconds: float, *, up: bool = False, exact_below: float = 0.0) -> str:
    """The one way a length of time is written: "under a minute", "25 min", "2 h 05 min", "3 h",
    "1 d 7 h", "2 d". Rounded down to the minute, or up with up (a countdown says "1 min left" until
    the time is really gone). Below exact_below seconds the seconds are kept ("42 s", "4 min 30 s"),
    for response times measured in minutes. A negative length gets a minus sign."""
    if seconds < 0:
        return "-" + duration(-seconds, up=up, exact_below=exact_below)
    if seconds < exact_below:
        s = round(seconds)
        if s < 60:
            return f"{s} s"
        return f"{s // 60} min {s % 60:02d} s" if s % 60 else f"{s // 60} min"
    minutes = math.ceil(seconds / 60.0) if up else math.floor(seconds / 60.0)
    if minutes < 1:
        return UNDER_A_MINUTE
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def hours_minutes(seconds: float, *, up: bool = False) -> str:
    """The old name of duration (it wrote "1:05"); kept so that code written against it still writes
    time the one way."""
    return duration(seconds, up=up)


def format_countdown(
    status: Countdown, tz: tzinfo | str, now: float | None = None, *, working: bool = False
) -> str:
    """Working time left and the wall-clock deadline in `tz`: "42 min left · due Mon 09:16", or when
    breached "1 h 05 min over · was due Mon 14:20". With `now`, a deadline today shows just the time and
    one over six days away shows the date too. working=True says the time is working time ("42 min
    working time left"), for a clock on business hours shown beside the customer's own wait.
    Locale-free: English day and month abbreviations."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    if math.isinf(status.due_at):
        return NO_DEADLINE
    due = datetime.fromtimestamp(status.due_at, zone)
    when = f"{_DAYS[due.weekday()]} {due:%H:%M}"
    if now is not None:
        today = datetime.fromtimestamp(now, zone).date()
        if due.date() == today:
            when = f"{due:%H:%M}"
        elif abs((due.date() - today).days) > 6:
            when = f"{_DAYS[due.weekday()]} {due.day} {_MONTHS[due.month - 1]} {due:%H:%M}"
    kind = "working time " if working else ""
    if status.state == "breached":
        return f"{duration(-status.remaining_s)} {kind}over · was due {when}"
    # Rounded up: "1 min left" until the time is really gone.
    return f"{duration(status.remaining_s, up=True)} {kind}left · due {when}"


def format_waited(seconds: float) -> str:
    """How long a customer has waited, by the wall clock: "waited 9 h 12 min" (rounded down)."""
    return f"waited {duration(max(0.0, seconds))}"


def format_age(seconds: float) -> str:
    """How old something is: "under a minute", "12 min", "2 h 05 min", "3 d 4 h" (never negative)."""
    return duration(max(0.0, seconds))
