"""Domain types shared by every part of the core.

Timestamps are float seconds since the Unix epoch (UTC) everywhere inside the core: they are cheap to
compare and subtract for 100k rows. The wire format (ISO 8601 strings) lives in console.domain.wire.
Channels, topics and flags are plain strings so that values the API adds later are kept, not dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Known values. Unknown channels and topics from the API are kept and shown as they come.
CHANNELS = ("x", "facebook", "instagram", "whatsapp", "linkedin", "messenger", "tiktok")
VISIBILITIES = ("public", "private")
TOPICS = ("general", "cards", "lending", "fraud", "complaint", "accounts", "mortgages", "payments")
FLAGS = ("vulnerable", "complaint", "fraud_risk")
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "waiting_customer", "pending_specialist", "resolved", "closed")
OPEN_STATUSES = frozenset({"new", "open", "waiting_customer", "pending_specialist"})
CLOSED_STATUSES = frozenset({"resolved", "closed"})
AGENT_STATUSES = ("available", "busy", "away", "offline")
TEAM_KINDS = ("social", "specialist")
ROUTING_MODELS = ("one_stop", "concierge", "hybrid")
# Complexity: 1 simple, 2 standard, 3 complex (the hybrid model routes by it).
COMPLEXITIES = (1, 2, 3)
# J.D. Power outcome flags (True/False where known, absent where unknown).
COMPLAINT_DECISIONS = ("confirmed", "dismissed")  # a supervisor's word on a proposed complaint
OUTCOMES = ("same_channel", "offered_more_help", "thanked", "offered_products", "resolved")
NO_OUTCOME: Mapping[str, bool] = MappingProxyType({})  # read-only, so every row may share it


@dataclass(frozen=True, slots=True)
class ComplaintDecision:
    """A supervisor's latest confirm or dismiss of a proposed complaint, as the service keeps it on the
    enquiry (so every console sees the same): decision, why, who, when, and the words that proposed it."""

    decision: str  # confirmed | dismissed
    reason: str
    decided_by: str
    decided_at: float
    triggers: tuple[str, ...] = ()


@dataclass(slots=True)
class Enquiry:
    id: str
    channel: str
    visibility: str
    customer_handle: str
    customer_name: str
    text: str  # preview: the latest customer message, untrusted plain text
    topic: str
    complexity: int
    flags: frozenset[str]
    priority: str
    status: str
    team_id: str | None
    agent_id: str | None
    created_at: float
    version: int
    updated_at: float
    first_customer_message_at: float | None = None
    first_response_at: float | None = None
    last_customer_message_at: float | None = None
    last_agent_message_at: float | None = None
    resolved_at: float | None = None
    # Concierge hand-off clock: when the enquiry was handed to the owning specialist team, and when
    # that team accepted it.
    handoff_requested_at: float | None = None
    handoff_accepted_at: float | None = None
    # How many times it has moved between teams (ping-pong detection).
    bounces: int = 0
    # Closed pause intervals of the resolution clock (waiting_customer), plus the open one if paused now.
    pauses: tuple[tuple[float, float | None], ...] = ()
    # Unknown for most rows: one shared empty mapping, not an empty dict per row (~6 MB at 100k).
    outcome: Mapping[str, bool] = field(
        default_factory=lambda: NO_OUTCOME
    )  # (not "= NO_OUTCOME": unhashable)
    # The oldest customer message not answered yet (None once an agent has replied to all of them). The
    # next-response clock runs from it: a follow-up "hello??" never pushes the deadline back.
    oldest_unanswered_message_at: float | None = None
    # A supervisor's decision on a proposed complaint, kept by the service (None: nobody has decided).
    complaint_decision: ComplaintDecision | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def reply_owed_since(self) -> float | None:
        """When the customer began waiting for the reply owed now, once the first response was made:
        the oldest unanswered message after the last agent message (the latest customer message when
        the service does not say which is oldest). None when no reply is owed."""
        last_in, first_out = self.last_customer_message_at, self.first_response_at
        if last_in is None or first_out is None or last_in <= first_out:
            return None
        last_out = first_out if self.last_agent_message_at is None else self.last_agent_message_at
        if last_in <= last_out:
            return None
        oldest = self.oldest_unanswered_message_at
        if oldest is not None and last_out < oldest <= last_in:
            return oldest
        return last_in


@dataclass(slots=True)
class Message:
    id: str
    enquiry_id: str
    direction: str  # "in" (customer) | "out" (agent)
    author: str
    text: str
    sent_at: float
    # Where it was sent (a conversation can move from a public post to a DM, or to the phone: the enquiry's
    # own channel and visibility stay where it began); None: the enquiry's (services without the history).
    channel: str | None = None
    visibility: str | None = None


@dataclass(slots=True)
class Team:
    id: str
    name: str
    kind: str  # social | specialist
    topics: tuple[str, ...]
    calendar_id: str
    trained_vulnerable: bool = False


@dataclass(slots=True)
class Agent:
    id: str
    name: str
    team_id: str
    status: str
    capacity: int
    load: int
    status_since: float = 0.0


@dataclass(slots=True)
class ChannelInfo:
    id: str
    name: str
    public: bool = True
    private: bool = True


@dataclass(slots=True)
class Calendar:
    """Business hours. hours[weekday] (0 = Monday) is a list of (start, end) minutes after midnight,
    local time in `timezone`; several spans make a split shift. Closed all day on: `holidays` (ISO dates:
    the bank's own closures, e.g. from its .ics feed), the public holidays of `public_holidays` (a region
    the `holidays` package knows, "GB-ENG" for England and Wales, "GB-SCT", "GB-NIR", "US", "US-NY", or a
    market such as "XLON"; every year, console.domain.calendars computes them) and `annual_closures`
    ("MM-DD" dates closed every year, e.g. "12-25" for a team that works bank holidays but not Christmas)."""

    id: str
    name: str
    timezone: str
    always_open: bool = False
    hours: dict[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    holidays: frozenset[str] = frozenset()
    public_holidays: str | None = None
    annual_closures: frozenset[str] = frozenset()


@dataclass(slots=True)
class SLAPolicy:
    """Targets in seconds of working time. A policy applies when every set match field equals the
    enquiry's; the policy with the lowest rank wins. calendar_id None means: the owning team's calendar."""

    id: str
    name: str
    rank: int
    first_response_s: float
    next_response_s: float
    resolution_s: float
    channel: str | None = None
    visibility: str | None = None
    priority: str | None = None
    topic: str | None = None
    flag: str | None = None
    calendar_id: str | None = None


@dataclass(slots=True)
class Assignment:
    id: str
    enquiry_id: str
    from_team: str | None
    from_agent: str | None
    to_team: str | None
    to_agent: str | None
    reason: str
    actor: str
    at: float
    result: str = "accepted"  # accepted | rejected | conflict | pending


@dataclass(slots=True)
class Shift:
    id: str
    name: str
    site: str
    start: float
    end: float
    team_ids: tuple[str, ...] = ()


@dataclass(slots=True)
class ChangeSet:
    """What a sync step changed, as plain ids: the UI updates rows by id from this."""

    added: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    quarantined: int = 0
    reference_changed: bool = False  # teams, agents, policies or calendars changed
    messages: set[str] = field(default_factory=set)  # enquiries whose conversations gained messages
    # An empty cache's first fill (Syncer.run_once): its pages say `bulk`, and one change-set says
    # `filled` at its end, so a view may read the cache whole then rather than page by page.
    bulk: bool = False
    filled: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.added
            or self.changed
            or self.removed
            or self.quarantined
            or self.reference_changed
            or self.messages
            or self.filled
        )

    def merge(self, other: ChangeSet) -> None:
        for i in other.added:
            if i in self.removed:
                self.removed.discard(i)
                self.changed.add(i)
            else:
                self.added.add(i)
        for i in other.changed:
            if i not in self.added:
                self.changed.add(i)
        for i in other.removed:
            if i in self.added:
                self.added.discard(i)
            else:
                self.changed.discard(i)
                self.removed.add(i)
        self.quarantined += other.quarantined
        self.reference_changed |= other.reference_changed
        self.filled |= other.filled
        self.messages |= other.messages
        self.messages -= self.removed
