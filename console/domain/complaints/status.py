"""Whether an enquiry is a complaint, and who said so: the service (its `complaint` flag or topic), a
supervisor (a confirmation or dismissal: kept by the service on the enquiry, and in the audit trail of the
console that made it), or only a proposal from the text.

A complaint the service flags counts as confirmed: the console never un-flags what the bank's systems
decided. A supervisor's decision beats the proposal either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from console.domain.complaints.conversation import ConversationProposal
from console.domain.complaints.detect import Proposal, propose
from console.domain.model import COMPLAINT_DECISIONS, Calendar, Enquiry, Team

COMPLAINT = "complaint"  # the flag and the topic the contract uses
CONFIRMED, DISMISSED = COMPLAINT_DECISIONS
DECISIONS = COMPLAINT_DECISIONS
# The audit actions that record a decision (the cache keeps the latest per enquiry from them).
AUDIT_ACTIONS = {CONFIRMED: "complaint.confirmed", DISMISSED: "complaint.dismissed"}

# What an enquiry is, as far as complaints go.
BY_SERVICE = "service"  # the service flags it: confirmed
BY_SUPERVISOR = "supervisor"  # a supervisor confirmed the proposal
PROPOSED = "proposed"  # the text reads like one; nobody has decided yet
NOT_COMPLAINT = "none"  # dismissed, or nothing suggests one

STATE_WORDS = {
    BY_SERVICE: "Complaint (flagged by the bank's systems)",
    BY_SUPERVISOR: "Complaint (confirmed by a supervisor)",
    PROPOSED: "Possible complaint: confirm or dismiss",
    NOT_COMPLAINT: "Not a complaint",
}


@dataclass(frozen=True, slots=True)
class Decision:
    """A supervisor's latest word on one enquiry: the service's copy (on the enquiry), or this console's
    own from its audit trail (pending: still in the outbox, not yet taken by the service)."""

    enquiry_id: str
    decision: str  # confirmed | dismissed
    at: float
    actor: str
    pending: bool = False


def synced_decision(e: Enquiry) -> Decision | None:
    """The decision the service keeps on the enquiry (the same in every console after sync)."""
    c = e.complaint_decision
    return None if c is None else Decision(e.id, c.decision, c.decided_at, c.decided_by)


def effective_decision(e: Enquiry, local: Decision | None) -> Decision | None:
    """Which decision counts: this console's own while it is still on its way to the service (shown at
    once), else the service's (so two consoles agree), else a local one the service never took (made
    before decisions were sent, or refused)."""
    if local is not None and local.pending:
        return local
    return synced_decision(e) or local


def flagged_by_service(e: Enquiry) -> bool:
    return COMPLAINT in e.flags or e.topic == COMPLAINT


def complaint_state(
    e: Enquiry, decision: Decision | None, proposal: Proposal | ConversationProposal | None = None
) -> str:
    """BY_SERVICE, BY_SUPERVISOR, PROPOSED or NOT_COMPLAINT. `proposal` defaults to propose(e.text)."""
    if flagged_by_service(e):
        return BY_SERVICE
    if decision is not None:
        return BY_SUPERVISOR if decision.decision == CONFIRMED else NOT_COMPLAINT
    if proposal is None:
        proposal = propose(e.text)
    return PROPOSED if proposal.complaint else NOT_COMPLAINT


def is_confirmed(state: str) -> bool:
    return state in (BY_SERVICE, BY_SUPERVISOR)


def received_at(e: Enquiry) -> float:
    """When the complaint was received: the customer's first message (the enquiry's creation if unknown)."""
    return e.first_customer_message_at if e.first_customer_message_at is not None else e.created_at


def complaints_calendar(teams: Iterable[Team], calendars: Mapping[str, Calendar]) -> Calendar | None:
    """The bank's business days for complaints: the calendar of the team owning complaints, else the
    calendar named "business"; None lets the jurisdiction's weekday calendar decide."""
    for t in teams:
        if COMPLAINT in t.topics and t.calendar_id in calendars:
            cal = calendars[t.calendar_id]
            if not cal.always_open:
                return cal
    return calendars.get("business")
