"""Live figures for the supervisor's header and the navigator's counts: pure functions over enquiries and
agents. Nothing here reads the wall clock (every function takes `now`) or knows about Qt.

"Waiting" means a customer is waiting for an agent: the enquiry is open and either nobody has answered
yet, or the customer wrote again after the last agent reply. That is the same thing the first-response
and next-response SLA clocks measure, so the header and the countdowns never disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.courtesy import paced
from console.domain.model import Agent, Calendar, Enquiry, Team
from console.domain.risk.score import AT_RISK
from console.domain.staffing import capacity
from console.live.order import SOON_S, DeadlineCounts
from console.sla.today import Attainment, attainment
from console.sla.words import duration

Predicate = Callable[[Enquiry], bool]
NO_DEADLINES = DeadlineCounts()
RESPONSE_CLOCKS = frozenset({"first_response", "next_response"})


class ResponseClock(NamedTuple):
    """A response clock reduced to what attainment reads: small enough to keep for 100k rows."""

    kind: str
    stopped_at: float | None
    due_at: float


class ClockLike(Protocol):
    """What attainment needs from an SLA clock (console.sla.engine.Clock has these)."""

    @property
    def kind(self) -> str: ...
    @property
    def due_at(self) -> float: ...
    @property
    def stopped_at(self) -> float | None: ...


class KeptClock(NamedTuple):
    """An enquiry's one response clock kept with the version it was timed at: one object a row."""

    version: int
    kind: str
    stopped_at: float | None
    due_at: float


class ResponseClocks:
    """Each enquiry's response clocks in brief, kept per version for a thread that reads every row's on
    each refresh (the header's SLA today). Held compactly, 100k rows being the case: a row without one
    is kept as its bare version (the enquiry's own int), a row with one as a KeptClock, only a row with
    more as (version, clocks). One tuple of three per row (~190 B) cost ~13 MB more at 100k (issue 16)."""

    def __init__(self) -> None:
        self._kept: dict[str, int | KeptClock | tuple[int, tuple[ResponseClock, ...]]] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def of(self, e: Enquiry, clocks: Callable[[Enquiry], Iterable[ClockLike]]) -> Sequence[ClockLike]:
        """e's response clocks: kept ones while its version stays, else read from clocks(e) and kept."""
        hit = self._kept.get(e.id)
        if hit is not None:
            if isinstance(hit, int):
                if hit == e.version:
                    return ()
            elif hit[0] == e.version:
                return (hit,) if isinstance(hit, KeptClock) else hit[1]
        brief = [c for c in clocks(e) if c.kind in RESPONSE_CLOCKS]
        if not brief:
            self._kept[e.id] = e.version
            return ()
        if len(brief) == 1:
            c = brief[0]
            one = self._kept[e.id] = KeptClock(e.version, c.kind, c.stopped_at, c.due_at)
            return (one,)
        many = tuple(ResponseClock(c.kind, c.stopped_at, c.due_at) for c in brief)
        self._kept[e.id] = (e.version, many)
        return many


def awaiting_reply(e: Enquiry) -> bool:
    if not e.is_open or e.status == "waiting_customer":
        return False
    if e.first_response_at is None:
        return True
    last_in, last_out = e.last_customer_message_at, e.last_agent_message_at
    return last_in is not None and (last_out is None or last_in > last_out)


def waiting_since(e: Enquiry) -> float | None:
    """When the customer started waiting for the reply they are owed now; None if nobody is waiting."""
    if not awaiting_reply(e):
        return None
    if e.first_response_at is None:
        return e.first_customer_message_at or e.created_at
    owed = e.reply_owed_since()  # the oldest unanswered message: a "hello??" does not shorten the wait
    return owed if owed is not None else e.last_customer_message_at


@dataclass(frozen=True, slots=True)
class QueueSummary:
    open: int = 0
    waiting: int = 0  # owed a reply: first or next response
    unanswered: int = 0  # never answered at all
    waiting_by_channel: dict[str, int] = field(default_factory=dict)
    longest_wait_s: float = 0.0
    longest_wait_id: str | None = None


def queue_summary(enquiries: Iterable[Enquiry], now: float) -> QueueSummary:
    by_channel: Counter[str] = Counter()
    n_open = unanswered = 0
    oldest: float | None = None
    oldest_id: str | None = None
    for e in paced(enquiries):  # a worker's loop over every row: it gives way to a paint
        if not e.is_open:
            continue
        n_open += 1
        if e.first_response_at is None:
            unanswered += 1
        since = waiting_since(e)
        if since is None:
            continue
        by_channel[e.channel] += 1
        if oldest is None or since < oldest:
            oldest, oldest_id = since, e.id
    return QueueSummary(
        open=n_open,
        waiting=sum(by_channel.values()),
        unanswered=unanswered,
        waiting_by_channel=dict(by_channel.most_common()),
        longest_wait_s=max(0.0, now - oldest) if oldest is not None else 0.0,
        longest_wait_id=oldest_id,
    )


@dataclass(frozen=True, slots=True)
class AgentSummary:
    online: int = 0  # everyone not offline
    available: int = 0
    busy: int = 0
    away: int = 0
    load: int = 0  # enquiries held by agents who can take work (available or busy)
    capacity: int = 0
    free_slots: int = 0  # capacity minus load over those agents: what can be taken now
    full: int = 0  # agents on shift with every slot taken

    @property
    def utilisation(self) -> float | None:
        return self.load / self.capacity if self.capacity else None


def agent_summary(agents: Iterable[Agent], team_id: str | None = None) -> AgentSummary:
    c = capacity(agents, team_id)
    return AgentSummary(
        online=c.on_shift + c.away,
        available=c.available,
        busy=c.busy,
        away=c.away,
        load=c.load,
        capacity=c.capacity,
        free_slots=c.free_slots,
        full=c.full,
    )


def start_of_day(now: float, tz: str = "UTC") -> float:
    local = datetime.fromtimestamp(now, ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def sla_attainment(
    enquiries: Iterable[Enquiry],
    clocks: Callable[[Enquiry], Sequence[ClockLike]],
    day_start: float,
    now: float,
) -> Attainment:
    """ "SLA today" (console.sla.today): reply clocks decided from day_start up to now."""
    return attainment((c for e in paced(enquiries) for c in clocks(e)), day_start, now)


@dataclass(frozen=True, slots=True)
class HeaderMetrics:
    queue: QueueSummary
    agents: AgentSummary
    attainment: Attainment
    at: float
    deadlines: DeadlineCounts = NO_DEADLINES  # breached now, breaching within 30 min (console.live.order)


def header_metrics(
    enquiries: Sequence[Enquiry],
    agents: Iterable[Agent],
    clocks: Callable[[Enquiry], Sequence[ClockLike]],
    now: float,
    tz: str = "UTC",
    deadlines: DeadlineCounts | None = None,
) -> HeaderMetrics:
    """deadlines: console.live.order.deadline_counts over the same enquiries (the caller has the clocks)."""
    return HeaderMetrics(
        queue=queue_summary(enquiries, now),
        agents=agent_summary(agents),
        attainment=sla_attainment(enquiries, clocks, start_of_day(now, tz), now),
        at=now,
        deadlines=deadlines or NO_DEADLINES,
    )


# --- saved views: named predicates for the navigator -------------------------------------------------


@dataclass(frozen=True, slots=True)
class SavedView:
    key: str
    label: str
    predicate: Predicate


def saved_views(
    now: Callable[[], float],
    due_at: Callable[[Enquiry], float | None],
    risk: Callable[[Enquiry], int] | None = None,
) -> list[SavedView]:
    """The standard views. `now` is read when a predicate runs, so a view stays right as time passes;
    `due_at` gives the deadline of the clock that matters now (None when no clock runs); `risk` the
    escalation-risk score (console.live.risk), for the view "At risk of escalation"."""

    def unanswered_over_1h(e: Enquiry) -> bool:
        since = waiting_since(e)
        return since is not None and now() - since > 3600

    def breaching_within_30m(e: Enquiry) -> bool:
        if not e.is_open:
            return False
        due = due_at(e)
        return due is not None and 0 <= due - now() <= SOON_S

    def flagged(flag: str) -> Predicate:
        return lambda e: e.is_open and flag in e.flags

    views = [
        SavedView("waiting", "Waiting for a reply", awaiting_reply),
        SavedView("unanswered", "Never answered", lambda e: e.is_open and e.first_response_at is None),
        SavedView("unanswered_1h", "Unanswered over 1 h", unanswered_over_1h),
        SavedView("breaching_30m", "Breaching in 30 min", breaching_within_30m),
        SavedView("unassigned", "Unassigned", lambda e: e.is_open and e.agent_id is None),
        SavedView("flag_complaint", "Flagged: complaint", flagged("complaint")),
        SavedView("flag_vulnerable", "Flagged: vulnerable", flagged("vulnerable")),
        SavedView("flag_fraud", "Flagged: fraud", flagged("fraud_risk")),
    ]
    if risk is not None:
        scored = risk
        views.insert(
            2, SavedView("at_risk", "At risk of escalation", lambda e: e.is_open and scored(e) >= AT_RISK)
        )
    return views


@dataclass(frozen=True, slots=True)
class NavigatorCounts:
    views: dict[str, int]
    channels: dict[tuple[str, str], int]  # (channel, visibility) -> open enquiries
    teams: dict[str | None, int]  # team id (None: no team) -> open enquiries


def navigator_counts(enquiries: Iterable[Enquiry], views: Sequence[SavedView]) -> NavigatorCounts:
    """Every count the navigator shows, in one pass over the open enquiries."""
    view_counts = dict.fromkeys((v.key for v in views), 0)
    channels: Counter[tuple[str, str]] = Counter()
    teams: Counter[str | None] = Counter()
    for e in paced(enquiries):
        if not e.is_open:
            continue
        channels[e.channel, e.visibility] += 1
        teams[e.team_id] += 1
        for v in views:
            if v.predicate(e):
                view_counts[v.key] += 1
    return NavigatorCounts(view_counts, dict(channels), dict(teams))


def channel_totals(channels: Mapping[tuple[str, str], int]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for (channel, _), n in channels.items():
        totals[channel] += n
    return dict(totals)


def format_wait(seconds: float) -> str:
    """A wait as a supervisor reads it, the one way time is written: "under a minute", "12 min",
    "3 h 05 min", "2 d 4 h" (console.sla.words.duration)."""
    return duration(max(0.0, seconds))


def format_clock(t: float, tz: str = "UTC") -> str:
    return datetime.fromtimestamp(t, ZoneInfo(tz)).strftime("%H:%M")


__all__ = [
    "AgentSummary",
    "Attainment",
    "ClockLike",
    "HeaderMetrics",
    "NavigatorCounts",
    "QueueSummary",
    "SavedView",
    "agent_summary",
    "awaiting_reply",
    "channel_totals",
    "format_clock",
    "format_wait",
    "header_metrics",
    "navigator_counts",
    "queue_summary",
    "saved_views",
    "sla_attainment",
    "start_of_day",
    "waiting_since",
]


def site_time_zone(teams: list[Team], calendars: dict[str, Calendar]) -> str:
    """Supervisors read times in their site's zone: the social team's calendar zone, else UTC."""
    for team in sorted(teams, key=lambda t: t.kind != "social"):
        cal = calendars.get(team.calendar_id)
        if cal is None or not cal.timezone:
            continue
        try:
            ZoneInfo(cal.timezone)
        except (ValueError, ZoneInfoNotFoundError):
            continue
        return cal.timezone
    return "UTC"
