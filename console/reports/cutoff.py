"""A shift report is a function of the data up to its cut-off: the shift's end plus a grace period, on
the service's clock. Two caches holding the same data give the same report, whenever they compute it.

The cache holds each enquiry's latest state, which may already show what happened after the cut-off.
`as_of` takes an enquiry back to the cut-off from what cannot change afterwards:
- moments that are set once: created, first customer message, first response, resolution (with its
  outcome flags), hand-off request and acceptance, the start of each pause. Any of them after the
  cut-off had not happened yet; a pause still running then is open.
- the status at the cut-off follows from those moments (resolved, or closed unresolved; waiting on the
  customer, waiting for a specialist team, not answered yet, or open).
- the enquiry's text is the customer's latest message (the API's contract), which later messages
  replace: an enquiry still open at the cut-off carries no text into the report (its row names the
  enquiry; the conversation is in the console).
- the latest customer and agent messages are overwritten by every message, so for an enquiry still open
  at the cut-off they are not a record of the cut-off: the report takes the first customer message and
  the first response in their place (its next-reply clock then starts after the cut-off, in the next
  shift's report). For an enquiry resolved by the cut-off they are kept as they are.
- the team and the bounce count are the latest ones (the API gives no history of moves to a cache).

Events after the cut-off never change a stored report: console.sync.shift_close records them as an
amendment to it.
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter

from console.domain.model import Enquiry

# What as_of sets, rebuilt positionally: dataclasses.replace walks all 28 fields by name (~9 us a
# record), and a report takes back every enquiry of its window (100k at a busy site).
_FIELDS = tuple(f.name for f in fields(Enquiry))
_ALL = attrgetter(*_FIELDS)
_SET = (
    "status", "first_response_at", "resolved_at", "handoff_requested_at", "handoff_accepted_at", "pauses",
    "last_customer_message_at", "last_agent_message_at", "outcome", "text", "updated_at",
)  # fmt: skip
_AT = tuple(_FIELDS.index(name) for name in _SET)


def _by(t: float | None, cutoff: float) -> float | None:
    return t if t is not None and t <= cutoff else None


def as_of(e: Enquiry, cutoff: float) -> Enquiry:
    """The enquiry as the report counts it at `cutoff` (see the module docstring)."""
    first_response = _by(e.first_response_at, cutoff)
    resolved = _by(e.resolved_at, cutoff)
    requested = _by(e.handoff_requested_at, cutoff)
    accepted = _by(e.handoff_accepted_at, cutoff) if requested is not None else None
    pauses = tuple((start, _by(end, cutoff)) for start, end in e.pauses if start <= cutoff)
    if resolved is not None:
        # Closing a resolved enquiry later leaves no time: resolved it stays. Closed without a
        # resolution (no outcome: the customer never came back) it was closed at resolved_at.
        status = "closed" if e.status == "closed" and not e.outcome else "resolved"
        last_in, last_out = e.last_customer_message_at, e.last_agent_message_at
        if (last_in or 0) > cutoff or (last_out or 0) > cutoff:  # reopened after the cut-off
            last_in, last_out = e.first_customer_message_at, first_response
        outcome = e.outcome
        text = e.text
    else:
        if pauses and pauses[-1][1] is None:
            status = "waiting_customer"
        elif requested is not None and accepted is None:
            status = "pending_specialist"
        elif first_response is None:
            status = "new"
        else:
            status = "open"
        last_in, last_out = e.first_customer_message_at or e.created_at, first_response
        outcome = {}
        text = ""
    values = list(_ALL(e))
    changed = (
        status, first_response, resolved, requested, accepted, pauses,
        last_in, last_out, outcome, text, min(e.updated_at, cutoff),
    )  # fmt: skip
    for i, value in zip(_AT, changed, strict=True):
        values[i] = value
    return Enquiry(*values)


__all__ = ["as_of"]
