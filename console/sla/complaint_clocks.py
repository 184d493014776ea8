"""The regulator's clocks on a confirmed complaint, computed from the jurisdiction's rules (data).

Business days are the bank's: a local date is one when its business calendar opens on it (weekends,
public holidays of its region and the bank's own closures are not). A business-day clock ends at the close
of business (the end of the last open span) on the Nth business day after the day of receipt; a
calendar-day clock at the last second (23:59:59 local) of the Nth day after the day of receipt; an hours clock
that many elapsed hours after receipt. Every clock stops when the enquiry is resolved, or when a
complaint communication its rule names (stopped_by) is sent: a final response stops the final-response
clocks. The three-business-day window is met only with a summary resolution communication (SRC) sent: a
complaint resolved in time without one shows "SRC not sent", an action for the supervisor. A payment-services
complaint passes from 15 to 35 business days only with a holding reply sent within the 15.

Worked example (tests/core/test_complaint_clocks.py): a complaint received on Friday 16:00 before a UK
bank-holiday Monday: Tuesday, Wednesday and Thursday are business days 1-3, so the summary resolution
window ends at close of business on Thursday.
"""

from __future__ import annotations

import math
from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from console.domain.calendars import BusinessClock
from console.domain.complaints.letters import KIND_WORDS, Letter
from console.domain.complaints.rules import ClockRule, Jurisdiction
from console.domain.complaints.status import received_at
from console.domain.model import Calendar, Enquiry
from console.sla.words import format_age, format_countdown

HOUR = 3600.0
PASSED = "passed"  # a window missed that hands over to a longer one: not a breach
STATE_WORDS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "urgent": "Urgent",
    "breached": "Breached",
    PASSED: "Passed",
    "met": "Met",
    "missed": "Missed",
    "src_not_sent": "SRC not sent",
}
SRC_NOT_SENT = "src_not_sent"
_MAX_BUSINESS_DAYS_SCAN = 400  # a calendar with no business day for over a year gives no deadline


def fallback_calendar(j: Jurisdiction) -> Calendar:
    """Monday to Friday 09:00-17:00 in the jurisdiction's zone with its public holidays: used when the
    site's business calendar is unknown."""
    office = ((9 * 60, 17 * 60),)
    return Calendar(
        id=f"complaints-{j.id}",
        name=f"{j.name} business days",
        timezone=j.timezone,
        hours={d: office for d in range(5)},
        public_holidays=j.public_holidays,
    )


@dataclass(frozen=True, slots=True)
class RegulatoryClock:
    rule: ClockRule
    started_at: float
    due_at: float  # inf when the calendar has no business day in reach
    stopped_at: float | None  # resolved, or a communication that stops it sent
    stopped_by: str = ""  # "" (resolved) or the kind of communication that stopped it
    needed_at: float | None = None  # when the communication the rule needs (rule.needs) was sent
    hands_over: bool = False  # missing it is no breach: rule.passes_to takes over
    letters_known: bool = False  # the agents' messages were read (else no communication is assumed missing)

    @property
    def letter_missing(self) -> bool:
        """Stopped in time but without the communication the rule needs (by its deadline): "SRC not sent"."""
        if not self.letters_known or self.rule.needs is None:
            return False
        if self.stopped_at is None or self.stopped_at > self.due_at:
            return False
        return self.needed_at is None or self.needed_at > self.due_at

    @property
    def met(self) -> bool | None:
        if self.stopped_at is None:
            return None
        return self.stopped_at <= self.due_at and not self.letter_missing


@dataclass(frozen=True, slots=True)
class RegulatoryStatus:
    """A running clock now (console.sla.words.Countdown: state, remaining_s, due_at)."""

    state: str  # on_track | at_risk | urgent | breached | passed
    remaining_s: float
    due_at: float


class ComplaintClocks:
    """The clocks of one jurisdiction over one business calendar. Build once, reuse; one per thread."""

    def __init__(self, jurisdiction: Jurisdiction, calendar: Calendar | None = None) -> None:
        self.jurisdiction = jurisdiction
        self.calendar = calendar if calendar is not None and not calendar.always_open else None
        self.calendar = self.calendar or fallback_calendar(jurisdiction)
        self.zone = ZoneInfo(self.calendar.timezone)
        self._timer = BusinessClock(self.calendar)

    def due(self, rule: ClockRule, received: float) -> float:
        """When `rule`'s window ends for a complaint received at `received`."""
        if rule.hours is not None:
            return received + rule.hours * HOUR
        day = datetime.fromtimestamp(received, self.zone).date()
        if rule.calendar_days is not None:
            # The last second of the day, so that it reads as that day ("due Fri 30 Oct 23:59").
            end = day + timedelta(days=rule.calendar_days + 1)
            return datetime(end.year, end.month, end.day, tzinfo=self.zone).timestamp() - 1.0
        assert rule.business_days is not None
        return self.close_of_business_day(day, rule.business_days)

    def close_of_business_day(self, received: date, n: int) -> float:
        """The close of business on the nth business day after the date `received` (local)."""
        ordinal, counted = received.toordinal(), 0
        for _ in range(n + _MAX_BUSINESS_DAYS_SCAN):
            ordinal += 1
            spans = [] if self._timer.closed_on(ordinal) else self._timer.day_intervals(ordinal)
            if spans:
                counted += 1
                if counted == n:
                    return spans[-1][1]
        return math.inf

    def clocks(self, e: Enquiry, letters: Sequence[Letter] | None = None) -> list[RegulatoryClock]:
        """Every clock of the jurisdiction that applies to this complaint's topic, nearest deadline first.
        `letters`: the complaint communications sent to the customer (console.domain.complaints.letters),
        oldest first; None when the agents' messages are not known (the cache holds the conversations a
        detail pane fetched): then no communication is assumed missing, and every hand-over happens."""
        start = received_at(e)
        resolved = e.resolved_at if not e.is_open else None
        known = letters is not None
        sent = [letter for letter in letters or () if letter.sent_at >= start]
        rules = [r for r in self.jurisdiction.clocks if r.applies_to(e.topic)]
        due = {r.id: self.due(r, start) for r in rules}
        # A clock reached only through a hand-over that needs a communication (FCA: 35 business days for
        # payment services with a holding reply) applies once that was sent by the first clock's deadline.
        gated = {r.passes_to: r for r in rules if r.passes_to and r.passes_with}
        handed = {
            r.id: r.passes_to is not None
            and (not known or r.passes_with is None or _first(sent, {r.passes_with}, due[r.id]) is not None)
            for r in rules
        }
        out = []
        for rule in rules:
            gate = gated.get(rule.id)
            if gate is not None and not handed[gate.id]:
                continue
            stopped, by = resolved, ""
            letter = _first(sent, rule.stopped_by)
            if letter is not None and (stopped is None or letter.sent_at < stopped):
                stopped, by = letter.sent_at, letter.kind
            needed = _first(sent, {rule.needs}) if rule.needs else None
            at = None if needed is None else needed.sent_at
            out.append(RegulatoryClock(rule, start, due[rule.id], stopped, by, at, handed[rule.id], known))
        out.sort(key=lambda c: c.due_at)
        return out


def _first(letters: Sequence[Letter], kinds: Set[str], by: float = math.inf) -> Letter | None:
    """The first communication of one of these kinds sent by `by` (letters are oldest first)."""
    return next((x for x in letters if x.kind in kinds and x.sent_at <= by), None)


def clock_status(clock: RegulatoryClock, now: float) -> RegulatoryStatus | None:
    """The state now of a running clock; None once it has stopped."""
    if clock.stopped_at is not None:
        return None
    left = clock.due_at - now
    if left < 0:
        state = PASSED if clock.hands_over else "breached"
    elif left <= clock.rule.urgent_hours * HOUR:
        state = "urgent"
    elif left <= clock.rule.at_risk_hours * HOUR:
        state = "at_risk"
    else:
        state = "on_track"
    return RegulatoryStatus(state, left, clock.due_at)


def current(clocks: Sequence[RegulatoryClock], now: float) -> tuple[RegulatoryClock, RegulatoryStatus] | None:
    """The clock that matters now: the nearest running deadline not yet passed over to a longer clock
    (a breached one first)."""
    best: tuple[RegulatoryClock, RegulatoryStatus] | None = None
    for c in clocks:
        s = clock_status(c, now)
        if s is None or s.state == PASSED:
            continue
        if best is None or s.due_at < best[1].due_at:
            best = (c, s)
    return best


def format_regulatory(status: RegulatoryStatus, tz: str, now: float) -> str:
    """ "2 d 4 h left · due Thu 17:00" (days once a day or more is left, else hours:minutes, as every
    countdown); "+1 d 2 h over · was due Thu 17:00"; a passed window says what governs now."""
    text = format_countdown(status, tz, now)
    if math.isinf(status.due_at):
        return text
    left, when = text.split(" · ", 1)
    span = abs(status.remaining_s)
    if span >= 24 * HOUR:
        left = f"+{format_age(span)} over" if status.remaining_s < 0 else f"{format_age(span)} left"
    if status.state == PASSED:
        return f"passed at {when.removeprefix('due ')}"
    return f"{left} · {when}"


def format_stopped(clock: RegulatoryClock, tz: str) -> str:
    """ "Met · resolved Wed 11:20" / "Missed by 1 d 2 h · resolved ..." / "Met · final response sent ..." /
    "SRC not sent · resolved Wed 11:20" for a stopped clock."""
    assert clock.stopped_at is not None
    at = datetime.fromtimestamp(clock.stopped_at, ZoneInfo(tz))
    how = f"{KIND_WORDS[clock.stopped_by].lower()} sent" if clock.stopped_by else "resolved"
    when = f"{how} {at:%a %d %b %H:%M}"
    if clock.letter_missing:
        return f"{STATE_WORDS[SRC_NOT_SENT]} · {when}"
    if clock.stopped_at <= clock.due_at:
        return f"Met · {when}"
    if clock.hands_over:  # DISP: past the summary window the longer clock applies; no breach
        return f"{STATE_WORDS[PASSED]} · {when}"
    return f"Missed by {format_age(clock.stopped_at - clock.due_at)} · {when}"


def stopped_state(clock: RegulatoryClock) -> str:
    """met | missed | passed | src_not_sent, for a stopped clock (passed: a window that hands over to a
    longer one ran out first, which is no breach)."""
    if clock.letter_missing:
        return SRC_NOT_SENT
    if clock.met:
        return "met"
    return PASSED if clock.hands_over else "missed"
